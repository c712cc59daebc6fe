"""Bad command-line input ends in one line ``l2l: error: ...`` naming the problem, exit status 2.

argparse printed its usage block before its error (two lines and more) and took an abbreviated long option
for the whole one (``--dry`` meant ``--dry-run``); ``l2l run --out`` of a file a live run writes could say
"(pid None)"; ``l2l show`` of a file moved without its folder of checkpoints said nothing of it.
"""

from __future__ import annotations

import argparse
import shutil

import pytest

from conftest import l2l_cli, sphere_run_file
from l2l.cli import main, parser


def _commands() -> dict[str, argparse.ArgumentParser]:
    top = parser()
    return next(a for a in top._actions if isinstance(a, argparse._SubParsersAction)).choices


def _refusal(argv: list[str], capsys) -> str:
    """What ``l2l ARGV`` prints on stderr, asserted to be one line with exit status 2 and nothing on stdout."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and out == "", (argv, out, err)
    assert err.endswith("\n") and err.count("\n") == 1 and err.startswith("l2l: error: "), (argv, err)
    return err.rstrip("\n")


def test_every_subcommand_refuses_missing_or_bad_arguments_in_one_line(capsys, tmp_path):
    commands = _commands()
    assert len(commands) >= 13
    for name, command in commands.items():
        positional = [a for a in command._actions if not a.option_strings and a.required]
        if positional:
            names = ", ".join(a.metavar or a.dest for a in positional)
            line = _refusal([name], capsys)
            assert line == f"l2l: error: the following arguments are required: {names} (see 'l2l {name} --help')"
        given = [str(tmp_path / "missing.h5")] * len(positional)
        line = _refusal([name, *given, "--no-such-option"], capsys)
        assert line == f"l2l: error: unknown option '--no-such-option' (see 'l2l {name} --help')", line
    line = _refusal(["list", "optimisers"], capsys)
    assert line.startswith("l2l: error: argument kind: invalid choice: 'optimisers' (choose from 'optimizers', ")
    assert _refusal(["show", "x.h5", "--top", "ten"], capsys) == \
        "l2l: error: argument --top: invalid int value: 'ten' (see 'l2l show --help')"
    assert _refusal([], capsys) == "l2l: error: the following arguments are required: COMMAND (see 'l2l --help')"


def test_an_abbreviated_option_is_refused_and_the_whole_one_named(capsys, tmp_path):
    """Every long option of every subcommand, one letter short: not taken for the option (before, ``l2l prune
    FILE --dry`` pruned, ``l2l run CONFIG --dry`` ran the config, ``l2l show FILE --to 3`` showed the top 3)."""
    checked = 0
    for name, command in _commands().items():
        known = {o for action in command._actions for o in action.option_strings}
        given = [str(tmp_path / "missing.h5")] * sum(not a.option_strings and a.required for a in command._actions)
        for option in sorted(o for o in known if o.startswith("--")):
            short = option[:-1]
            if short in known or sum(o.startswith(short) for o in known) != 1:
                continue
            line = _refusal([name, *given, short], capsys)
            assert line == (f"l2l: error: unknown option '{short}' (did you mean '{option}'?) "
                            f"(see 'l2l {name} --help')"), line
            checked += 1
    assert checked >= 50


def test_what_a_user_sees_from_python_dash_m_l2l(tmp_path):
    for args, line in (
            (["prune"], "l2l: error: the following arguments are required: file (see 'l2l prune --help')"),
            (["prnue", "x.h5"], "l2l: error: argument COMMAND: invalid choice: 'prnue' (choose from "),
            (["prune", "x.h5", "--dry"],
             "l2l: error: unknown option '--dry' (did you mean '--dry-run'?) (see 'l2l prune --help')"),
            (["show", "--generations", "3", "x.h5"],  # the 3 was taken as the file, x.h5 left over: not named
             "l2l: error: unknown option '--generations' (see 'l2l show --help')")):
        done = l2l_cli(*args, cwd=tmp_path, timeout=120)
        assert done.returncode == 2 and done.stdout == "", (args, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1 and done.stderr.startswith(line), (args, done.stderr)


def test_a_live_writer_whose_lock_says_nothing_more_is_not_pid_none(tmp_path, capsys, monkeypatch):
    """The writer let go of the file between the two looks at its lock file (or its record was being written)."""
    from l2l.results_schema import lock

    path = sphere_run_file(tmp_path, "live", generations=1, population=3)
    capsys.readouterr()
    monkeypatch.setattr(lock, "writer_alive", lambda _: True)
    monkeypatch.setattr(lock, "holder", lambda _: None)
    assert main(["run", str(tmp_path / "live.toml"), "--out", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err == (f"l2l: error: {path} already exists and is being written by another process; choose another "
                   f"--out, or wait for it to finish\n"), err


TINY_MODEL = """
import numpy as np
from l2l.simulators.base import SimulationResult


def train(params, seed, budget, checkpoint=None):
    return SimulationResult({"loss": (float(params["x"]) - 0.3) ** 2 + 1.0 / budget},
                            checkpoint={"w": np.full(4, float(budget)), "epochs": float(budget)})
"""

TINY_RUN = """
[run]
seed = 1
compute = 60
checkpoints = "{checkpoints}"
[space]
x = {{ low = 0.0, high = 1.0 }}
[optimizer]
name = "random"
[policy]
name = "asha"
[simulator]
name = "python"
function = "tiny_model:train"
multi_fidelity = {{ name = "epochs", unit = "epochs", minimum = 1, maximum = 27 }}
[[objectives]]
name = "loss"
direction = "minimize"
[backend]
name = "serial"
"""


def test_show_says_that_the_folder_of_checkpoints_is_missing(tmp_path, capsys):
    (tmp_path / "tiny_model.py").write_text(TINY_MODEL)
    for choice in ("beside", "file"):
        (tmp_path / f"{choice}.toml").write_text(TINY_RUN.format(checkpoints=choice))
        assert main(["run", str(tmp_path / f"{choice}.toml"), "--out", str(tmp_path / f"{choice}.h5"),
                     "--no-progress"]) == 0
    capsys.readouterr()
    moved = tmp_path / "moved"
    moved.mkdir()
    for choice in ("beside", "file"):
        shutil.copy(tmp_path / f"{choice}.h5", moved / f"{choice}.h5")

    def checkpoint_lines(path) -> tuple[list[str], int]:
        assert main(["show", str(path)]) == 0
        out = capsys.readouterr().out
        progress = next(line for line in out.splitlines() if line.startswith("progress "))
        paused = int(progress.split(" paused;")[0].rsplit(" ", 1)[1])
        assert paused > 0, progress
        return [line for line in out.splitlines() if line.startswith("checkpoints ")], paused

    lines, paused = checkpoint_lines(moved / "beside.h5")
    assert lines == [f"checkpoints {moved / 'beside.h5.checkpoints'} is missing (the checkpoints its rows "
                     f"reference: the file was moved or copied without it): move or copy it back beside the file; "
                     f"until it is back, its {paused} paused candidates cannot continue"], lines
    assert checkpoint_lines(moved / "file.h5")[0] == []  # every checkpoint in the file: no folder to miss
    shutil.copytree(tmp_path / "beside.h5.checkpoints", moved / "beside.h5.checkpoints")
    lines = checkpoint_lines(moved / "beside.h5")[0]
    assert len(lines) == 1 and "is missing" not in lines[0] and lines[0].endswith("move or copy it with the file")
