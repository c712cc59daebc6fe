"""A closed terminal (SIGHUP) ends a ``local`` run (an embedded Dask cluster) as it ends a serial one
(tests/test_quiet36.py): stopped, exit 129, no ``.lock``, no worker left, what finished kept, ``l2l resume`` goes on.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import psutil
import pytest
from file_watch import run_in_a_closed_terminal

import l2l
from l2l.cli import main

ROOT = Path(__file__).resolve().parents[1]

# Prints before and after its work, to stdout and stderr: after the hang-up every write to the terminal fails (EIO)
MODEL = '''
import sys, time

def chatty(params, seed):
    print("evaluating", params["x"], flush=True)
    time.sleep(0.15)
    print("done", params["x"], file=sys.stderr, flush=True)
    return params["x"] ** 2
'''

CONFIG = """
[run]
name = "hup"
seed = 3
generations = 400

[space]
x = { low = -2.0, high = 2.0 }

[optimizer]
name = "random"
population_size = 4

[simulator]
name = "python"
function = "models:chatty"

[backend]
name = "local"
workers = 1
"""


def _session(pid: int) -> list[psutil.Process]:
    """The processes of ``pid``'s session but ``pid``: the cluster's worker, the fork server, the resource tracker."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.pid != pid and os.getsid(process.pid) == os.getsid(pid):
                found.append(process)
        except (OSError, psutil.Error):
            pass
    return found


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX")
def test_a_closed_terminal_stops_a_local_run_keeps_every_evaluation_ok_and_leaves_no_worker(tmp_path):
    """The run in a terminal of its own (a pty) that closes while the worker evaluates, and SIGHUP to the run's other
    processes too (a shell sends it to the whole job as its terminal hangs up). Before, the evaluations that printed
    after the hang-up failed with 'OSError: [Errno 5] Input/output error' (with 1 worker 2 of 6)."""
    (tmp_path / "models.py").write_text(MODEL)
    (tmp_path / "hup.toml").write_text(CONFIG)
    out = tmp_path / "hup.h5"
    argv = [sys.executable, "-m", "l2l", "run", str(tmp_path / "hup.toml"), "--out", str(out)]
    helpers: list[psutil.Process] = []

    def found(pid: int) -> None:
        helpers.extend(_session(pid))
        assert helpers, "no worker process found"

    def hung_up(_) -> None:
        for process in helpers:  # the shell's SIGHUP to the whole job reaches them too (l2l has its own already)
            try:
                process.send_signal(signal.SIGHUP)
            except psutil.Error:
                pass

    status, shown = run_in_a_closed_terminal(argv, out, {**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
                                             before_close=found, after_close=hung_up)
    assert status == 128 + signal.SIGHUP, shown.decode(errors="replace")
    gone, alive = psutil.wait_procs(helpers, timeout=20)
    for process in alive:
        process.kill()
    assert not alive, [process.cmdline() for process in alive]  # the worker, fork server, resource tracker end
    assert not (tmp_path / ".hup.h5.lock").exists()
    assert l2l.validate(out) == []
    frame = l2l.load(out)
    assert 4 <= len(frame) < 1600
    assert (frame["status"] == "ok").all(), frame.loc[frame["status"] != "ok", "error"].iloc[0]
    with l2l.Trajectory(out) as trajectory:
        events = trajectory.events()
    assert events["kind"].iloc[-1] == "stopped" and "SIGHUP" in events["detail"].iloc[-1]
    # l2l resume goes on from there (here in this process, on the serial backend: it is the file that is checked)
    assert main(["resume", str(out), "--evaluations", str(len(frame) + 4), "--backend", "serial",
                 "--no-progress"]) == 0
    again = l2l.load(out)
    assert len(again) >= len(frame) + 4 and (again["status"] == "ok").all()
    assert again.iloc[:len(frame)].equals(frame)
