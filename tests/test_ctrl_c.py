"""Ctrl-C at a terminal: SIGINT to the whole foreground process group, the embedded cluster's workers included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from file_watch import committed_evaluations

import l2l

CONFIG = """
[run]
name = "ctrlc"
seed = 3
generations = 400

[space]
x = { low = -2.0, high = 2.0 }

[optimizer]
name = "random"
population_size = 4

[simulator]
name = "sleep"
median = 0.05
sigma = 0.0

[backend]
name = "local"
workers = 2
"""


def _interrupted(tmp_path, name: str, send) -> tuple[subprocess.Popen, str, Path]:
    """Start ``l2l run`` on CONFIG, let it commit 8 evaluations, call ``send(process)``, wait for the end."""
    config = tmp_path / f"{name}.toml"
    config.write_text(CONFIG)
    path = tmp_path / f"{name}.h5"
    process = subprocess.Popen([sys.executable, "-m", "l2l", "run", str(config), "--out", str(path), "--no-progress"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    try:
        deadline = time.monotonic() + 120
        while committed_evaluations(path) < 8 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert process.poll() is None, process.communicate()
        send(process)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return process, err, path


def test_ctrl_c_stops_a_local_run_with_one_message_and_no_worker_traceback(tmp_path):
    # what the terminal does: SIGINT to the run and its workers
    process, err, path = _interrupted(tmp_path, "ctrlc", lambda p: os.killpg(p.pid, signal.SIGINT))
    assert process.returncode in (0, 130), err
    assert "Traceback" not in err and "Dask Worker" not in err, err
    assert f"l2l resume {path}" in err
    assert l2l.validate(path) == [] and committed_evaluations(path) >= 8


def test_sigterm_stops_a_run_with_exit_status_143_so_that_a_script_does_not_go_on(tmp_path):
    """``timeout``, a job manager or ``kill PID`` send SIGTERM to the l2l process alone: the run commits,
    says how to continue, and exits 128 + 15, not 0 as if it had finished."""
    process, err, path = _interrupted(tmp_path, "term", lambda p: p.send_signal(signal.SIGTERM))
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "stopped (signal SIGTERM)" in err and f"l2l resume {path}" in err, err
    assert "Traceback" not in err, err
    assert l2l.validate(path) == [] and committed_evaluations(path) >= 8
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.n_evaluations < 400 * 4  # it did stop early
