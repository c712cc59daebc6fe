"""A signal that comes while ``l2l run`` or ``l2l resume`` prints its closing summary (session 39): the run has
ended, its file is committed and its lock released. The stop handlers were put back before the summary, so a
SIGHUP (a terminal closed then) or a SIGTERM killed ``l2l`` with the signal's default action (exit status -1 or
-15, the summary cut, no 'stopped' line). Now the handlers stay until the last line: the documented status (SIGHUP
129, SIGTERM 143) after a 'stopped' line, Ctrl-C 130 with a line naming the file, no traceback, and the caller's
handlers back afterwards (``l2l.cli.main`` called in a process that has its own).

In-process (tests/inprocess_cli.py): the summary's text (``l2l.summary.finished_text``, which ``l2l run``,
``l2l resume`` and the 'nothing to resume' lines of a finished run print) sends the signal to this process as it
is made, so the window is hit without sleeps. On the old cli.py the signal reaches the caller's handler instead.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
from inprocess_cli import l2l_main

import l2l.loop
import l2l.summary
from l2l.results_schema.reader import Trajectory

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")

CONFIG = """
[run]
name = "late"
seed = 5
generations = 1

[space]
x = { low = -1.0, high = 1.0 }

[optimizer]
name = "random"
population_size = 2

[simulator]
name = "sphere"

[backend]
name = "serial"
"""

STOPS = ("SIGHUP", "SIGTERM", "SIGUSR1")  # the stop handlers of l2l run and l2l resume


@pytest.fixture(scope="module")
def ended(tmp_path_factory) -> Path:
    """A finished run of one generation of 2 on the sphere."""
    folder = tmp_path_factory.mktemp("late")
    (folder / "late.toml").write_text(CONFIG)
    done = l2l_main("run", folder / "late.toml", "--out", folder / "late.h5", "--no-progress")
    assert done.returncode == 0, done.stderr
    return folder / "late.h5"


@pytest.fixture
def callers_handlers():
    """Handlers of the caller (this process) for the stop signals, recording what reaches them, and Python's own
    for SIGINT (an earlier test file's import may have left another: brian2 installs its own); put back after."""
    reached: list[int] = []
    mine = {getattr(signal, name): (lambda signum, frame: reached.append(signum)) for name in STOPS}
    before = {signum: signal.signal(signum, handler) for signum, handler in mine.items()}
    before[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield mine, reached
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def _signal_in_summary(monkeypatch, name: str) -> None:
    """The closing summary sends ``name`` to this process as it is made (before it is printed)."""
    made = l2l.summary.finished_text

    def sending(*args, **kwargs):
        text = made(*args, **kwargs)
        os.kill(os.getpid(), getattr(signal, name))
        return text

    monkeypatch.setattr(l2l.summary, "finished_text", sending)


def _command(how: str, ended: Path, folder: Path) -> list:
    """``l2l run`` of a fresh config (2 generations of 2), ``l2l resume`` that extends a copy of ``ended`` to 2
    generations, or ``l2l resume`` of a copy of the finished run (nothing to resume: its 'idle' lines)."""
    if how == "run":
        (folder / "late.toml").write_text(CONFIG.replace("generations = 1", "generations = 2"))
        return ["run", folder / "late.toml", "--out", folder / "late.h5", "--no-progress"]
    shutil.copy(ended, folder / "late.h5")
    return ["resume", folder / "late.h5", "--no-progress"] + (["--generations", "2"] if how == "resume" else [])


def _handlers_back(mine: dict) -> None:
    for signum, handler in mine.items():
        assert signal.getsignal(signum) is handler, signal.Signals(signum).name
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("how, name, status", [(how, name, status) for how in ("run", "resume", "idle")
                                                for name, status in (("SIGHUP", 129), ("SIGTERM", 143))]
                         + [("run", "SIGINT", 130)])  # (Ctrl-C: l2l resume's closing lines are the same code)
def test_a_signal_while_the_summary_is_printed_ends_with_its_status_and_a_line(
        tmp_path, monkeypatch, ended, callers_handlers, how, name, status):
    mine, reached = callers_handlers
    argv = _command(how, ended, tmp_path)
    _signal_in_summary(monkeypatch, name)
    done = l2l_main(*argv)
    out = (tmp_path / "late.h5").absolute()
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr and not reached  # the caller's handlers did not get it
    if name == "SIGINT":
        assert done.stderr.endswith(f"\ninterrupted after the run had ended; every evaluation is committed in {out}\n")
    else:
        assert done.stderr.endswith(f"stopped (signal {name}) after the run had ended; every evaluation is committed "
                                    f"in {out}\n")
    _handlers_back(mine)
    with Trajectory(out) as trajectory:
        assert trajectory.n_evaluations == (2 if how == "idle" else 4)  # nothing lost


@pytest.mark.parametrize("first, status", [("SIGHUP", 129), ("SIGTERM", 143)])
def test_a_second_signal_in_the_summary_of_a_stopped_run_keeps_the_first_ones_status(
        tmp_path, monkeypatch, ended, callers_handlers, first, status):
    mine, reached = callers_handlers
    argv = _command("run", ended, tmp_path)
    started = l2l.loop.run

    def stopped_at_once(*args, **kwargs):  # the first signal as the run starts: it stops before its end
        os.kill(os.getpid(), getattr(signal, first))
        return started(*args, **kwargs)

    monkeypatch.setattr(l2l.loop, "run", stopped_at_once)
    _signal_in_summary(monkeypatch, "SIGHUP")  # a closed terminal, or a second SIGHUP
    done = l2l_main(*argv)
    out = (tmp_path / "late.h5").absolute()
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr and not reached
    assert done.stderr.count("stopped (") == 1
    assert done.stderr.endswith(f"stopped (signal {first}) after committing every finished evaluation; continue "
                                f"with: l2l resume {out}\n")
    _handlers_back(mine)


@pytest.mark.parametrize("name, status", [("SIGHUP", 129), ("SIGTERM", 143)])
def test_a_signal_while_l2l_reevaluate_prints_its_ranking_ends_with_its_status_and_a_line(
        tmp_path, monkeypatch, ended, callers_handlers, name, status):
    import l2l.reevaluate

    mine, reached = callers_handlers
    shutil.copy(ended, tmp_path / "late.h5")
    ranked = l2l.reevaluate.ranking_text

    def sending(*args, **kwargs):  # the ranking on the fresh seeds, as it is made (the re-evaluations committed)
        text = ranked(*args, **kwargs)
        os.kill(os.getpid(), getattr(signal, name))
        return text

    monkeypatch.setattr(l2l.reevaluate, "ranking_text", sending)
    done = l2l_main("reevaluate", tmp_path / "late.h5", "--top", 1, "--seeds", 2, "--no-progress")
    out = (tmp_path / "late.h5").absolute()
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr and not reached
    assert done.stderr.endswith(f"stopped (signal {name}) after the re-evaluation had ended; every evaluation is "
                                f"committed in {out}\n")
    _handlers_back(mine)
    assert len(l2l.load(out, reevaluations=True)) == 2  # the two fresh seeds of the best candidate, kept


def test_a_run_ignoring_sighup_whose_terminal_closes_ends_with_its_own_status_not_a_traceback(tmp_path):
    """SIGHUP ignored (a shell's ``trap '' HUP``, nohup without its redirection) and standard output still the
    terminal: the terminal closes, the run goes on to its end as asked, and its closing lines cannot be written
    (EIO). Before, that print raised: exit 1 and a traceback nobody saw; now the status is the run's own, 0."""
    import sys

    from file_watch import run_in_a_closed_terminal

    (tmp_path / "hup.toml").write_text(CONFIG.replace("generations = 1", "generations = 8").replace(
        'name = "sphere"', 'name = "sleep"\nmedian = 0.02\nsigma = 0.1'))
    out = tmp_path / "hup.h5"
    script = ("import runpy, signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
              f"sys.argv = ['l2l', 'run', {str(tmp_path / 'hup.toml')!r}, '--out', {str(out)!r}]; "
              "runpy.run_module('l2l', run_name='__main__')")
    root = str(Path(__file__).resolve().parents[1])
    status, shown = run_in_a_closed_terminal([sys.executable, "-c", script], out,
                                             {**os.environ, "PYTHONPATH": root}, evaluations=2)
    assert status == 0, shown.decode(errors="replace")
    with Trajectory(out) as trajectory:
        assert trajectory.n_evaluations == 16  # it went on to its end
        assert trajectory.events()["kind"].iloc[-1] == "finished"
