"""What the ``command`` simulator says when a new user's training program or config is wrong.

Found by wrapping a training script as a ``command`` and making the usual mistakes: ``--epochs {epochs}``
(the fidelity's name, where l2l's placeholder is ``{budget}``) was said to name no parameter, with no hint;
a program killed by SIGKILL (the out-of-memory killer) failed with "command exited with status -9"; a
program that printed its JSON result and then a line such as "done" failed with "result is not JSON:
'done'", which does not say that only the last line is read.
"""

from __future__ import annotations

import sys

from conftest import l2l_cli, write_toml

import l2l


def _config(program: str, **simulator) -> dict:
    return {"run": {"name": "mine", "generations": 1},
            "space": {"lr": {"type": "float", "low": 0.001, "high": 0.5}},
            "optimizer": {"name": "random", "population_size": 2}, "backend": {"name": "serial"},
            "simulator": {"name": "command", "argv": [sys.executable, "-c", program, "{lr}"], **simulator}}


def test_the_fidelitys_name_as_a_placeholder_is_answered_with_budget(tmp_path):
    config = _config("print(1)", multi_fidelity={"name": "epochs", "minimum": 1, "maximum": 9})
    config["simulator"]["argv"] += ["--epochs", "{epochs}"]
    config["policy"] = {"name": "asha"}
    del config["run"]["generations"]
    path = write_toml(tmp_path / "mine.toml", config)
    refused = l2l_cli("run", path, "--no-progress", cwd=tmp_path)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert refused.stderr.startswith("l2l: error: ")
    # before: "placeholder {epochs} in '{epochs}' names no parameter; parameters: lr; ..." and no hint
    assert "the budget of the fidelity 'epochs' is the placeholder {budget}" in refused.stderr, refused.stderr
    assert not (tmp_path / "mine.h5").exists()


def test_a_program_killed_by_a_signal_is_said_to_be_killed_by_it(tmp_path):
    config = l2l.from_mapping(_config("import os, signal; print('loading data'); os.kill(os.getpid(), signal.SIGKILL)"))
    frame = l2l.load(l2l.run(config, tmp_path / "mine.h5"))
    assert (frame["status"] == "failed").all()
    for error in frame["error"]:
        # before: "command exited with status -9"
        assert error.startswith("EvaluationError: command was killed by signal 9 (SIGKILL: "), error
        assert "out-of-memory" in error and "status -9" not in error and "loading data" in error, error


def test_a_line_printed_after_the_result_is_named_as_the_reason(tmp_path):
    config = l2l.from_mapping(_config("import json; print(json.dumps(dict(value=0.5))); print('done')"))
    frame = l2l.load(l2l.run(config, tmp_path / "mine.h5"))
    assert (frame["status"] == "failed").all()
    for error in frame["error"]:
        assert error.startswith("EvaluationError: result is not JSON: 'done'"), error
        # before: nothing said that only the last line is read
        assert "the result is read from the last non-empty line of stdout" in error, error



def test_two_runs_sharing_a_workdir_leave_each_others_folders_alone(tmp_path):
    """Two configs copied from one (ASHA and Hyperband) with the same ``workdir`` gave their evaluations the same
    folders: each run took the other's as left by a crash, killed the programs in them and deleted them (on this
    machine: a segment of one run killed by SIGKILL, one of the other failing with FileNotFoundError). Here the
    first run keeps its folders (``keep_workdirs``), where the second run's evaluations used to go."""
    shared = tmp_path / "scratch"
    config = _config("import sys; print(float(sys.argv[1]))", workdir=str(shared), keep_workdirs=True)
    first = l2l.run(l2l.from_mapping(config), tmp_path / "first.h5")
    kept = sorted(p for p in shared.rglob("params.json"))
    assert len(kept) == 2
    contents = [p.read_text() for p in kept]
    second = l2l.run(l2l.from_mapping({**config, "run": {**config["run"], "seed": 2}}), tmp_path / "second.h5")
    assert [p.read_text() for p in kept] == contents  # before: the second run's evaluations replaced them
    assert len(list(shared.rglob("params.json"))) == 4
    for path in (first, second):
        assert (l2l.load(path)["status"] == "ok").all()
