"""Dask backends and the workers they reach: distributed's own line of an l2l evaluation given up as its workers
died stays off the screen of the backends whose scheduler l2l runs (the run's own line says it); a ``dask``
worker whose Python, numpy or l2l differs from this process's is said in one warning line."""

from __future__ import annotations

import io
import logging

import pytest

import l2l
from conftest import make_config


def test_the_scheduler_s_line_of_an_l2l_evaluation_given_up_stays_off_the_screen():
    """``slurm`` prints distributed's ERROR records (l2l.jobs.slurm.LOG_LEVEL) while its cluster lives: 'Task
    l2l-eval-... marked as failed because 4 workers died while trying to run it' stood beside l2l's own line."""
    pytest.importorskip("distributed")
    from l2l.jobs.dask_logs import cluster_closed, clusters_quiet

    screen = io.StringIO()
    handler = logging.StreamHandler(screen)
    logger = logging.getLogger("distributed")
    logger.addHandler(handler)
    clusters_quiet(logging.ERROR)
    try:
        scheduler = logging.getLogger("distributed.scheduler")
        message = "Task %s marked as failed because %d workers died while trying to run it"
        scheduler.error(message, "l2l-eval-root-r-g0-i0-a0-2a3753f8-0", 4)
        scheduler.error(message, "users-own-task-1", 4)  # another's task: said
        scheduler.error("something else went wrong")
    finally:
        cluster_closed(logging.ERROR)
        logger.removeHandler(handler)
    assert screen.getvalue().splitlines() == [
        "Task users-own-task-1 marked as failed because 4 workers died while trying to run it",
        "something else went wrong"], screen.getvalue()


def test_a_worker_of_other_versions_is_said_in_one_line(tmp_path, capsys, monkeypatch):
    """A shared cluster of another environment: the worker (here in this process) reports numpy as it is; this
    process is made to report another numpy."""
    distributed = pytest.importorskip("distributed")
    import numpy
    import distributed.versions as versions

    real = versions.get_versions

    def here(packages=None):
        found = real(packages)
        if packages and "numpy" in packages and found["packages"].get("numpy") == numpy.__version__:
            found["packages"] = {**found["packages"], "numpy": "1.0.0"}  # (asked in this thread: this process)
        return found

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None,
                                  protocol="tcp://", host="127.0.0.1") as cluster:
        monkeypatch.setattr(versions, "get_versions", lambda packages=None: here(packages)
                            if __import__("threading").current_thread().name == "MainThread" else real(packages))
        config = make_config(run={"name": "versions", "generations": 2},
                             optimizer={"name": "random", "population_size": 2}, simulator={"name": "sphere"},
                             backend={"name": "dask", "address": cluster.scheduler_address})
        l2l.run(config, tmp_path / "r.h5", progress=False)
        worker = next(iter(cluster.scheduler.workers))
    said = [line for line in capsys.readouterr().err.splitlines() if "versions" not in line and "here" in line]
    assert said == [f"l2l: warning: backend 'dask': worker {worker} has numpy {numpy.__version__} (here 1.0.0): its "
                    f"results may differ from this environment's; the run goes on (start the workers from the "
                    f"environment this run uses to avoid it)"], said
