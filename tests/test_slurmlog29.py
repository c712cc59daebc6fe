"""The ``slurm`` and ``local`` backends leave the process's logging and Dask configuration as they found them
(session 29).

* A ``slurm`` run's cluster (dask-jobqueue's SLURMCluster, whose scheduler runs in this process) set the level of
  distributed's stream handlers to ERROR for its life and put back, as it closed, the level it had found: a
  ``LocalCluster`` of the user's own started during the run and closed after it put the run's ERROR back, and
  distributed printed no warning for the rest of the process; one closed during the run let the run's INFO lines
  through and the run then left the handler at the user's cluster's WARNING.
* A ``local`` run set Dask's ``lost-worker-timeout`` (the whole process's configuration) to 3650 days for its life:
  a user's cluster (or a ``slurm`` run) beside it read that instead of its own, and two runs whose lives overlapped
  put back each other's values, leaving 3650 days for the rest of the process.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import sys
import weakref

import dask
import pytest
from distributed_handler import distributeds_handler  # noqa: F401 - a fixture
from distributed import LocalCluster
from distributed.utils import silence_logging_cmgr

import l2l
from l2l.jobs import dask_cluster, dask_interrupts, dask_local
from l2l.jobs.dask import LocalExecutor
from l2l.jobs.slurm import SlurmExecutor
from slurm_helpers import require_slurm

LOST = "distributed.deploy.lost-worker-timeout"


def _slurm_run(tmp_path) -> SlurmExecutor:
    """A ``slurm`` run's cluster, started as a run starts it, with no worker job (nothing to do, minimum_jobs 0)."""
    executor = SlurmExecutor(minimum_jobs=0, maximum_jobs=1, log_directory=str(tmp_path / "logs"))
    executor._client = executor._connect()
    return executor


def _as_found(handler: logging.StreamHandler, printed: io.StringIO) -> None:
    """The handler is as it was before the clusters (level and filters), and prints distributed's lines again."""
    assert (handler.level, handler.filters) == (logging.NOTSET, []), (handler.level, handler.filters)
    logging.getLogger("distributed.scheduler").warning("a warning after the clusters")
    assert printed.getvalue().endswith("distributed.scheduler - WARNING - a warning after the clusters\n")


@pytest.mark.slurm
def test_a_users_cluster_started_during_a_slurm_run_leaves_distributeds_warnings_printed(tmp_path,
                                                                                          distributeds_handler):
    require_slurm()
    handler, printed = distributeds_handler
    run = _slurm_run(tmp_path)
    try:
        users = silence_logging_cmgr(logging.WARNING)  # what a user's LocalCluster does for its life
        users.__enter__()
        # while the run's cluster lives, its INFO lines stay off the screen and its errors are printed
        logging.getLogger("distributed.scheduler").info("Receive client connection")
        logging.getLogger("distributed.scheduler").error("an error of the run's scheduler")
        said = printed.getvalue()
        assert "Receive client connection" not in said and "an error of the run's scheduler" in said, said
    finally:
        run.close()
    users.__exit__(None, None, None)  # the user's cluster closes after the run
    _as_found(handler, printed)  # before: left at ERROR, no warning printed for the rest of the process


@pytest.mark.slurm
def test_a_users_cluster_closed_during_a_slurm_run_lets_no_info_line_of_the_run_through(tmp_path,
                                                                                        distributeds_handler):
    require_slurm()
    handler, printed = distributeds_handler
    users = silence_logging_cmgr(logging.WARNING)
    users.__enter__()  # the user's cluster starts
    run = _slurm_run(tmp_path)
    try:
        users.__exit__(None, None, None)  # the user's cluster closes during the run
        logging.getLogger("distributed.scheduler").info("Remove client Client-1234")
    finally:
        run.close()
    assert "Remove client" not in printed.getvalue()  # before: printed
    _as_found(handler, printed)  # before: left at the user's cluster's WARNING


@pytest.fixture
def users_lost_worker_timeout():
    """The user's Dask configuration: a lost worker's nanny is given up at once (0 s)."""
    with dask.config.set({LOST: "0s"}):
        yield "0s"


def _local_run(workers: int = 1) -> LocalExecutor:
    executor = LocalExecutor(workers=workers)
    executor._client = executor._connect()
    return executor


def test_a_local_run_leaves_dasks_configuration_to_the_user_while_it_runs(users_lost_worker_timeout):
    run = _local_run()
    try:
        # a user's cluster started now (or a slurm run replacing its worker jobs) reads the user's values
        assert dask.config.get(LOST) == users_lost_worker_timeout  # before: '3650 days'
        assert dask.config.get("distributed.scheduler.allowed-failures") != dask_local.ALLOWED_FAILURES
        # the run's own scheduler has the run's
        scheduler = run._cluster.scheduler
        assert (scheduler.allowed_failures, scheduler.WORKER_SATURATION) == (1, 1.0)
        # (that it keeps its nannies all the same: test_failures.py's workers killed again and again)
    finally:
        run._client.close()
        run._close_cluster()
    assert dask.config.get(LOST) == users_lost_worker_timeout


def test_two_local_runs_whose_lives_overlap_leave_dasks_configuration_as_found():
    before = dask.config.get(LOST)
    first = _local_run()
    second = _local_run()
    for run in (first, second):  # the first to start closes first, as two runs in two threads may
        run._client.close()
        run._close_cluster()
    assert dask.config.get(LOST) == before  # before: '3650 days' for the rest of the process


def test_the_start_settings_two_runs_share_are_put_back_once_the_last_has_started():
    key = "distributed.worker.multiprocessing-method"
    before = dask.config.get(key)
    first, second = (dask_cluster._StartConfig({key: "forkserver"}) for _ in range(2))
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert dask.config.get(key) == "forkserver"  # the second still starts its workers from the fork server
    second.__exit__(None, None, None)
    assert dask.config.get(key) == before  # a dask.config.set each: 'forkserver' for the rest of the process


def _drop_a_ctrl_c() -> None:
    """Ctrl-C handled while the main thread runs a weakref callback (a garbage collection): Python raises the
    KeyboardInterrupt there, prints "Exception ignored in ..." and drops it."""
    class Thing:
        pass

    def callback(_: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100_000):  # the handler runs here, between two bytecodes, and raises inside the callback
            pass

    thing = Thing()
    ref = weakref.ref(thing, callback)  # noqa: F841 - kept alive until thing goes
    del thing


def test_a_ctrl_c_python_drops_in_a_garbage_collection_still_stops_a_dask_run(tmp_path):
    # Python's own handler, as in a script (brian2, imported by an earlier test of the process, installs its own)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _run_with_a_dropped_ctrl_c(tmp_path)
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_with_a_dropped_ctrl_c(tmp_path) -> None:
    generations = []

    def on_generation(summary: dict) -> None:
        generations.append(summary)
        if len(generations) == 1:
            _drop_a_ctrl_c()  # returns: the KeyboardInterrupt went nowhere

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        config = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": {"name": "sphere"},
                  "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 40, "seed": 1},
                  "backend": {"name": "dask", "address": cluster.scheduler_address}}
        with pytest.raises(KeyboardInterrupt):  # before: the run went on to its 40th generation and returned
            l2l.run(config, tmp_path / "run.h5", on_generation=on_generation)
    assert len(generations) < 40
    assert sys.unraisablehook is not dask_interrupts._unraisable  # the hook found is back
