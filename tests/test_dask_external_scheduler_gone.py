"""Backend ``dask`` (an existing cluster, by scheduler address) whose scheduler is not there, or goes away.

A scheduler that did not answer failed the run with a traceback of Dask's connection, 30 s after the run's file
was created (a file that then blocked running the config again); one that went away during a run left it waiting
forever after Dask's line 'Failed to reconnect to scheduler after 30.00 seconds, closing client' (or failed with
a traceback, 'Client is closed'). Now the first is one line before anything is created, the second one line with
where the finished evaluations are and how to go on, alone (distributed's line of giving the scheduler up, which
stood above it, is silenced; none of its other lines are). A scheduler started again at the address within those 30 s
(the client reconnects) had lost the run's simulator: every evaluation after it failed ('KeyError:
l2l-simulator-...'); now the simulator is installed again and the run goes on.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_toml
from slurm_helpers import wait_for
from inprocess_cli import l2l_main
from test_dask_external_nevergrad import _said, cluster  # noqa: F401 - cluster: the fixture, 3 workers

import l2l
from l2l.summary import summary_of

ROOT = Path(__file__).resolve().parents[1]


def _config(tmp_path: Path, address: str, generations: int = 200, mode: str = "generational",
            timeout: float = 30.0) -> Path:
    return write_toml(tmp_path / "c.toml", {
        "run": {"name": "gone", "seed": 1, "generations": generations, "mode": mode},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [2]}},
        "optimizer": {"name": "cmaes", "population_size": 6} if mode == "generational" else {"name": "random"},
        "simulator": {"name": "sleep", "median": 0.2},
        "backend": {"name": "dask", "address": address, "timeout": timeout}})


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_scheduler_that_is_not_there_is_said_in_one_line_and_no_file_is_created(tmp_path):
    address = f"tcp://127.0.0.1:{_closed_port()}"
    out = tmp_path / "gone.h5"
    # in this process (a 'python -m l2l' process spent seconds of CPU importing Dask)
    refused = l2l_main("run", _config(tmp_path, address, timeout=5), "--out", out, "--no-progress")
    # before: a traceback ending in 'OSError: Timed out trying to connect ...', and the file existed; then the
    # line 'l2l: waiting up to 5 s for the Dask scheduler at ...' above 'no scheduler answered (Timed out ...)',
    # for an address whose host refuses the connection (now refused after REFUSED_SECONDS, in one line)
    assert refused.returncode == 2 and _said(refused.stderr) == [
        f"l2l: error: backend 'dask': no scheduler at {address} (the connection is refused: nothing listens at its "
        f"port); start it, or give [backend] address of a running one (a scheduler prints it as 'Scheduler at:', "
        f"e.g. tcp://10.0.0.5:8786)"], refused.stderr
    assert "waiting up to" not in refused.stderr  # (_said leaves that line out)
    assert not out.exists()


def _run_until(tmp_path: Path, config: Path, out: Path, then) -> str:
    """``l2l run config`` in a process; ``then()`` once its first generation is in ``out``; its stderr, after it
    ended (its exit status checked by the caller through the file and the lines)."""
    stderr_path = tmp_path / "stderr"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    with open(stderr_path, "w") as stderr_file:
        process = subprocess.Popen([sys.executable, "-m", "l2l", "run", str(config), "--out", str(out),
                                    "--no-progress"], cwd=tmp_path, env=env,
                                   stdout=subprocess.DEVNULL, stderr=stderr_file, text=True)
    try:
        wait_for(lambda: out.exists() and len(l2l.load(out)) >= 6, 120, "the run's first generation")
        then()
        process.wait(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return f"exit status {process.returncode}\n{stderr_path.read_text()}"


@pytest.mark.parametrize("mode", ["generational", "async"])
def test_a_scheduler_that_goes_away_during_the_run_ends_it_in_one_line_that_says_how_to_go_on(
        tmp_path, cluster, mode):  # noqa: F811
    out = tmp_path / "gone.h5"
    # before: the run waited forever (or failed with a traceback)
    stderr = _run_until(tmp_path, _config(tmp_path, cluster.scheduler_address, mode=mode, timeout=5), out,
                        cluster.close)
    assert stderr.startswith("exit status 2\n"), stderr
    said = _said(stderr)
    assert len(said) == 1 and said[0].startswith(
        f"l2l: error: backend 'dask': the scheduler at {cluster.scheduler_address} is gone (not reached again "
        f"within 5 s), with "), stderr
    assert said[0].endswith(f"evaluation(s) out; start it again (the same address, or scheduler file); every "
                            f"finished evaluation is in {out}; continue with: l2l resume {out}"), stderr
    # l2l's line alone after the banner: before, distributed's own '... - distributed.client - ERROR - Failed to
    # reconnect to scheduler after 5.00 seconds, closing client' stood above it, and in about 1 run in 25 its warning
    # "Couldn't gather 2 keys, rescheduling (...)", where the workers went down with the scheduler as the client
    # fetched their results (now dropped with the scheduler: test_dask_gather_warning.py provokes it every time)
    # (under load the scheduler may answer late at the start: the run then says it waits, one line, before its
    # first generation)
    assert [line for line in stderr.splitlines()[2:] if not line.startswith("l2l: waiting up to ")] == said, stderr
    frame = l2l.load(out)
    # the evaluations out as the scheduler went are not failures (l2l resume runs them): before, some were
    # recorded as 'the worker running this evaluation died: FutureCancelledError'
    assert len(frame) >= 6 and (frame["status"] == "ok").all(), frame["error"].value_counts()
    # as l2l show says it: before, 'failed (ExecutorError: backend 'dask': the scheduler at ... is gone ...)'
    summary = summary_of(out)
    assert summary.status == "stopped" and summary.reason.startswith(
        f"the Dask scheduler at {cluster.scheduler_address} went away; ") and summary.reason.endswith(
        f"continue with: l2l resume {out}"), summary.status_text


def test_only_distributeds_line_of_giving_the_scheduler_up_is_silenced_and_only_while_the_backend_is_open(
        cluster, caplog):  # noqa: F811
    import logging

    from l2l.jobs import BACKENDS

    logger = logging.getLogger("distributed.client")
    gave_up = "Failed to reconnect to scheduler after 5.00 seconds, closing client"
    # (the line's text is made up here; the backend's timeout only connects it: generous under load)
    executor = BACKENDS.create("dask", {"address": cluster.scheduler_address, "timeout": 60})
    executor.prepare()
    executor.reported_workers()  # connected
    with caplog.at_level(logging.INFO, logger="distributed.client"):
        logger.error(gave_up)
        logger.error("Error in an unrelated part of the client")
        logger.warning(gave_up)  # not the line the run replaces with its own
        executor.close()
        logger.error(gave_up)  # no backend open: not l2l's to silence
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "distributed.client"] == [
        ("ERROR", "Error in an unrelated part of the client"), ("WARNING", gave_up), ("ERROR", gave_up)]


def test_a_scheduler_started_again_at_the_address_during_the_run_gets_the_simulator_again(
        tmp_path, cluster):  # noqa: F811
    from distributed import LocalCluster

    out, again, up = tmp_path / "again.h5", [], []
    port = int(cluster.scheduler_address.rsplit(":", 1)[1])

    def restart():
        cluster.close()
        again.append(LocalCluster(n_workers=3, threads_per_worker=1, processes=False, dashboard_address=":0",
                                  protocol="tcp://", host="127.0.0.1", scheduler_port=port))
        up.append(time.time())

    try:
        # 12 generations of about 0.4 s: the restart comes once the first is in the file (about a second later),
        # and the evaluations started after it are counted below (it was 30 generations, 12 s of sleeping)
        stderr = _run_until(tmp_path, _config(tmp_path, cluster.scheduler_address, generations=12), out, restart)
    finally:
        for started in again:
            started.close()
    assert stderr.startswith("exit status 0\n"), stderr
    assert _said(stderr) == [], stderr
    frame = l2l.load(out)
    # before: every evaluation after the restart failed, 'KeyError: l2l-simulator-...'
    assert len(frame) == 12 * 6 and (frame["status"] == "ok").all(), frame["error"].value_counts()
    after = frame["started"] > pd.Timestamp(up[0], unit="s", tz="UTC")
    assert after.sum() >= 6, frame["started"]  # at least a generation ran on the scheduler started again
