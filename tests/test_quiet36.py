"""The silent moments at the end of a run (session 36): the re-evaluation after the bar says it starts and shows how
far it is; a closed terminal (SIGHUP) ends the run as SIGTERM does; the bar's first estimate leaves out the start-up."""

from __future__ import annotations

import io
import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest
from file_watch import committed_evaluations, run_in_a_closed_terminal

import l2l
from l2l import progress as progress_module
from l2l import cli
from l2l.cli import main
from l2l.control import RunControl
from l2l.jobs import signals

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """
[run]
name = "quiet"
seed = 3
generations = {generations}
{extra}

[space]
x = {{ low = -2.0, high = 2.0 }}

[optimizer]
name = "random"
population_size = 4

[simulator]
name = "sleep"
median = {median}
sigma = 0.5

[backend]
name = "serial"
"""


def _config(tmp_path: Path, generations: int = 2, median: float = 0.001, extra: str = "") -> Path:
    path = tmp_path / "quiet.toml"
    path.write_text(CONFIG.format(generations=generations, median=median, extra=extra))
    return path


# -- 1. the re-evaluation after the bar -------------------------------------------------------------------------

def test_the_reevaluation_after_a_run_says_it_starts_and_shows_its_own_bar(tmp_path, capsys):
    config = _config(tmp_path, extra="reevaluate = { top = 2, seeds = 3 }")
    assert main(["run", str(config), "--out", str(tmp_path / "bar.h5")]) == 0
    err = capsys.readouterr().err
    line = "l2l: re-evaluating the 2 best candidates on 3 fresh seeds each: 6 evaluations on serial"
    assert line in err, err
    # into a file or a pipe: the bar's first line, then its last (a line a minute between), after the starting line
    bars = [row for row in err.splitlines() if row.startswith("re-evaluating:")]
    assert len(bars) >= 2 and "0/6" in bars[0] and "6/6" in bars[-1] and "2 candidates x 3 fresh seeds" in bars[-1]
    assert err.index(line) < err.index(bars[0])
    assert len(l2l.load(tmp_path / "bar.h5", reevaluations=True)) == 6


def test_ctrl_c_during_the_reevaluation_keeps_the_run_and_exits_130(tmp_path, capsys, monkeypatch):
    config = _config(tmp_path, extra="reevaluate = { top = 2, seeds = 5 }")
    out = tmp_path / "cc.h5"
    seen = []
    update = progress_module.Progress.update

    def interrupted(self, n, generation, best, failed, extra=""):
        if "fresh seed" in extra:  # the re-evaluation's bar: Ctrl-C after its third result
            seen.append(n)
            if len(seen) == 3:
                raise KeyboardInterrupt
        update(self, n, generation, best, failed, extra)

    monkeypatch.setattr(progress_module.Progress, "update", interrupted)
    assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 130
    err = capsys.readouterr().err
    # --no-progress: the starting line alone (what the minutes are spent on, in a job's log too), no bar
    assert "l2l: re-evaluating the 2 best candidates on 5 fresh seeds each: 10 evaluations on serial\n" in err
    assert "re-evaluating:" not in err and "eval/s" not in err, err
    assert f"interrupted; every committed evaluation is in {out}; continue with: l2l resume {out}" in err, err
    assert "Traceback" not in err
    assert l2l.validate(out) == [] and len(l2l.load(out)) == 8  # the run's rows kept
    assert len(l2l.load(out, reevaluations=True)) == 3  # the three that finished before Ctrl-C too
    assert not (tmp_path / ".cc.h5.lock").exists()


def test_a_stop_during_the_reevaluation_ends_it_and_resume_runs_the_rest(tmp_path, capsys, monkeypatch):
    """SIGTERM (SIGHUP, SIGUSR1) after the bar's 100 %: the re-evaluation stops too, with what finished, where it
    went on to its end (5 minutes at load 30) before saying 'stopped'."""
    config = _config(tmp_path, extra="reevaluate = { top = 2, seeds = 5 }")
    out = tmp_path / "term.h5"
    seen = []
    update = progress_module.Progress.update

    def terminated(self, n, generation, best, failed, extra=""):
        update(self, n, generation, best, failed, extra)
        if "fresh seed" in extra:
            seen.append(n)
            if len(seen) == 2:
                os.kill(os.getpid(), signal.SIGTERM)  # (the run's handler: a stop request)
                time.sleep(0.01)

    monkeypatch.setattr(progress_module.Progress, "update", terminated)
    assert main(["run", str(config), "--out", str(out)]) == 128 + signal.SIGTERM
    err = capsys.readouterr().err
    assert f"stopped (signal SIGTERM) after committing every finished evaluation; continue with: l2l resume {out}" \
        in err, err
    stored = len(l2l.load(out, reevaluations=True))
    assert 2 <= stored < 10 and len(l2l.load(out)) == 8, stored
    assert not (tmp_path / ".term.h5.lock").exists()
    monkeypatch.setattr(progress_module.Progress, "update", update)
    assert main(["resume", str(out), "--no-progress"]) == 0
    assert f": {10 - stored} evaluations ({stored} stored already) on serial" in capsys.readouterr().err
    assert len(l2l.load(out, reevaluations=True)) == 10


# -- 2. SIGHUP ----------------------------------------------------------------------------------------------------

def test_a_closed_terminal_ends_the_run_as_sigterm_does_exit_129_and_no_stale_lock(tmp_path):
    """The run in a terminal of its own (a pty) whose other end closes (a terminal window closed, ssh dropped):
    the kernel hangs it up and sends SIGHUP. Before, the run died there: no line, exit -1, ``.lock`` left."""
    config = _config(tmp_path, generations=400, median=0.02)
    out = tmp_path / "hup.h5"
    status, shown = run_in_a_closed_terminal([sys.executable, "-m", "l2l", "run", str(config), "--out", str(out)],
                                             out, {**os.environ, "PYTHONPATH": str(ROOT)})
    assert status == 128 + signal.SIGHUP, shown.decode(errors="replace")
    assert not (tmp_path / ".hup.h5.lock").exists()  # released (l2l resume had to take a stale one)
    assert l2l.validate(out) == []
    with l2l.Trajectory(out) as trajectory:
        events = trajectory.events()
        assert trajectory.n_evaluations >= 4 and trajectory.n_evaluations < 1600
    assert "stopped" in list(events["kind"]) and "SIGHUP" in events["detail"].iloc[-1]


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX")
def test_sighup_asks_the_run_to_stop_unless_ignored_nohup_or_in_a_submitted_job(monkeypatch):
    previous = signal.getsignal(signal.SIGHUP)
    try:
        control = RunControl()
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        installed = cli._install_stop_signals(control)
        try:
            os.kill(os.getpid(), signal.SIGHUP)
            for _ in range(100):  # (delivered at the next bytecode boundary)
                if control.stop_requested:
                    break
                time.sleep(0.001)
            assert control.stop_requested and control.stop_reason == "signal SIGHUP"
        finally:
            signals.restore(installed)
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL  # put back after the run
        # nohup: ignored it stays (the run goes on)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        installed = cli._install_stop_signals(RunControl())
        try:
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
        finally:
            signals.restore(installed)
        # inside l2l submit's job: left as it was (SIGUSR1 and SIGTERM only)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        monkeypatch.setenv("L2L_BATCH_JOB", "1")
        installed = cli._install_stop_signals(RunControl())
        try:
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)
        finally:
            signals.restore(installed)
    finally:
        signal.signal(signal.SIGHUP, previous)


# -- 3. the first estimate ----------------------------------------------------------------------------------------

def _left(text: str) -> float | None:
    """The time left a bar shows, in seconds (None for '?')."""
    found = re.search(r"<([0-9:]+|\?)", text)
    assert found, text
    if found.group(1) == "?":
        return None
    seconds = 0
    for part in found.group(1).split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


@pytest.mark.parametrize("redrawn", [True, False], ids=["terminal", "file"])
def test_the_first_estimate_leaves_out_the_start_of_the_workers(monkeypatch, redrawn):
    """100 evaluations, 2 a second, after a cluster that took 10 s to start: 98 left after the second result is
    49 s, where tqdm's estimate took the start-up for the first evaluation's time (minutes)."""
    import tqdm.std

    clock = [1000.0]
    monkeypatch.setattr(tqdm.std, "time", lambda: clock[0])
    monkeypatch.setattr(progress_module, "_redrawn", lambda tqdm: redrawn)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    bar = progress_module.Progress(True, 100, 0)
    try:
        clock[0] += 10.0  # the workers start
        shown = []
        for _ in range(4):
            clock[0] += 0.5
            bar.update(1, 0, {}, 0)
            shown.append(str(bar.bar))
    finally:
        bar.close()
    assert _left(shown[0]) is None, shown  # one result: nothing to estimate from yet ('?')
    for text, left in zip(shown[1:], (49, 48.5, 48)):
        assert _left(text) is not None and abs(_left(text) - left) <= 2, shown
    assert "00:12" in shown[-1]  # the elapsed time still counts from the start
