"""Loose ends at a run's end (session 37).

``l2l reevaluate FILE`` installed no stop handlers: SIGTERM or SIGHUP (a closed terminal, SLURM's job end) killed it
where it stood, without a line. It stops now as ``l2l run``'s own re-evaluation does: the finished re-evaluations
kept, a ``command`` program the signal killed with it left unfinished (not a failed row), one 'stopped (signal X)'
line naming the command that runs the rest (the same one again), exit status 128 + the signal's number.

``l2l resume FILE`` of a finished run whose re-evaluation was cut short said 'nothing to resume' and then ran the
rest of it; its first line now says it resumes the re-evaluation, and a stop that cuts that short again is said
(exit 143), where it exited 0 without a word.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import l2l
from l2l import progress as progress_module
from l2l.cli import main
from l2l.reevaluate import fresh_seeds

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """
[run]
name = "left"
seed = 5
generations = 2
{extra}

[space]
x = {{ low = -2.0, high = 2.0 }}

[optimizer]
name = "random"
population_size = 4

[simulator]
{simulator}

[backend]
name = "serial"
"""
SLEEP = 'name = "sleep"\nmedian = 0.001\nsigma = 0.5'
# the evaluation whose seed the file 'hold' names sleeps (after saying so in 'started'); the others print x
HOLD = ("if [ -e '{config_dir}/hold' ] && [ {seed} = $(cat '{config_dir}/hold') ]; then "
        "touch '{config_dir}/started'; exec sleep 30; fi; echo {x}")
COMMAND = f'name = "command"\nargv = ["sh", "-c", "{HOLD}"]'


def _config(tmp_path: Path, simulator: str = SLEEP, extra: str = "") -> Path:
    path = tmp_path / "left.toml"
    path.write_text(CONFIG.format(extra=extra, simulator=simulator))
    return path


@pytest.fixture
def no_handler_kills_pytest():
    """SIGTERM and SIGHUP to this process fail the test unless l2l put its own stop handlers in place (they end a
    process without one, pytest's with it)."""
    def unhandled(signum, frame):  # noqa: ARG001 - signal handler signature
        raise AssertionError(f"{signal.Signals(signum).name} reached no stop handler of l2l")

    previous = {signum: signal.signal(signum, unhandled) for signum in (signal.SIGTERM, signal.SIGHUP)}
    yield
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def _signal_at(monkeypatch, signum: int, at: int) -> None:
    """``signum`` to this process as the re-evaluation's ``at``-th result comes in (then no more)."""
    update = progress_module.Progress.update
    seen = []

    def signalled(self, n, generation, best, failed, extra=""):
        update(self, n, generation, best, failed, extra)
        if "fresh seed" in extra:
            seen.append(n)
            if len(seen) == at:
                os.kill(os.getpid(), signum)
                time.sleep(0.01)  # (the handler runs in this, the main thread)

    monkeypatch.setattr(progress_module.Progress, "update", signalled)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_stops_l2l_reevaluate_with_its_finished_rows_and_the_same_command_runs_the_rest(
        tmp_path, capsys, monkeypatch, no_handler_kills_pytest, signum):
    out = tmp_path / "left.h5"
    assert main(["run", str(_config(tmp_path)), "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    _signal_at(monkeypatch, signum, 2)
    asked = [str(out), "--top", "2", "--seeds", "5", "--no-progress"]
    assert main(["reevaluate", *asked]) == 128 + signum
    err = capsys.readouterr().err
    name = signal.Signals(signum).name
    assert err.endswith(f"stopped (signal {name}) after committing every finished evaluation; continue with: "
                        f"l2l reevaluate {out} --top 2 --seeds 5 --no-progress\n"), err
    assert len(l2l.load(out, reevaluations=True)) == 2
    assert not (tmp_path / ".left.h5.lock").exists()
    monkeypatch.undo()
    assert main(["reevaluate", *asked]) == 0
    assert capsys.readouterr().err == ("l2l: re-evaluating the 2 best candidates on 5 fresh seeds each: 8 evaluations "
                                       "(2 stored already) on serial\n")
    assert len(l2l.load(out, reevaluations=True)) == 10


def test_sigterm_to_the_process_group_of_l2l_reevaluate_leaves_the_program_in_flight_unfinished(tmp_path, capsys):
    """The program and l2l both get it (SLURM's job end, ``kill -TERM -- -PGID``): before, l2l died of it, exit
    status -15, no line."""
    out = tmp_path / "group.h5"
    assert main(["run", str(_config(tmp_path, COMMAND)), "--out", str(out), "--no-progress"]) == 0
    with l2l.Trajectory(out) as trajectory:
        seeds = fresh_seeds(int(trajectory.run["seed"]), 3, trajectory.rows(("seed",))["seed"])
    (tmp_path / "hold").write_text(str(seeds[2]))  # the best candidate's third evaluation holds: two finished
    asked = [str(out), "--top", "2", "--seeds", "3", "--no-progress"]
    run = subprocess.Popen([sys.executable, "-m", "l2l", "reevaluate", *asked], start_new_session=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert run.poll() is None and time.monotonic() < deadline, run.communicate()
            time.sleep(0.02)
        os.killpg(run.pid, signal.SIGTERM)
        (tmp_path / "hold").unlink()
        stdout, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 128 + signal.SIGTERM, stderr
    assert stderr.endswith("stopped (signal SIGTERM) after committing every finished evaluation; continue with: "
                           f"l2l reevaluate {out} --top 2 --seeds 3 --no-progress\n"), stderr
    rows = l2l.load(out, reevaluations=True)
    assert len(rows) == 2 and set(rows["status"]) == {"ok"}, rows  # the program the signal killed: no failed row
    capsys.readouterr()
    assert main(["reevaluate", *asked]) == 0
    assert "3 fresh seeds each: 4 evaluations (2 stored already) on serial\n" in capsys.readouterr().err
    rows = l2l.load(out, reevaluations=True)
    assert len(rows) == 6 and set(rows["status"]) == {"ok"} and set(rows["attempts"]) == {1}, rows


def test_resume_of_a_run_whose_reevaluation_was_cut_short_says_it_resumes_that_and_a_stop_there_is_said(
        tmp_path, capsys, monkeypatch, no_handler_kills_pytest):
    out = tmp_path / "again.h5"
    _signal_at(monkeypatch, signal.SIGTERM, 2)
    config = _config(tmp_path, extra="reevaluate = { top = 2, seeds = 5 }")
    assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 128 + signal.SIGTERM
    capsys.readouterr()
    _signal_at(monkeypatch, signal.SIGTERM, 2)  # the resume's re-evaluation stopped too
    assert main(["resume", str(out), "--no-progress"]) == 128 + signal.SIGTERM  # it exited 0, without a word
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0].startswith(f"l2l {l2l.__version__}: left in {out} has finished (") and lines[0].endswith(
        "): resuming its re-evaluation ([run] reevaluate), which was cut short"), err  # was: 'nothing to resume'
    assert lines[1] == "l2l: re-evaluating the 2 best candidates on 5 fresh seeds each: 8 evaluations (2 stored " \
                       "already) on serial", err
    assert lines[-1] == (f"stopped (signal SIGTERM) after committing every finished evaluation; continue with: "
                         f"l2l resume {out}"), err
    assert len(l2l.load(out, reevaluations=True)) == 4
    monkeypatch.undo()
    assert main(["resume", str(out), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "resuming its re-evaluation" in err and "6 evaluations (4 stored already)" in err, err
    assert len(l2l.load(out, reevaluations=True)) == 10
    assert main(["resume", str(out), "--no-progress"]) == 0  # all of it done: nothing to resume, as before
    err = capsys.readouterr().err
    assert "nothing to resume" in err and "resuming its re-evaluation" not in err, err
