"""A ``dask`` scheduler started without l2l in its environment cannot load any task of the run: the run ends at
once in one line that says so (exit status 2 from the command line; the rows recorded so far kept). Before, every
evaluation failed as "the worker running this evaluation died: ... No module named 'l2l'" and the run ended
'finished'. A scheduler in this process stands in for it: the run's settings, which travel in each chunk's task
graph, are made unloadable there as they are on a scheduler without l2l."""

from __future__ import annotations

import pytest

import l2l
from conftest import make_config


def _unloadable():
    raise ModuleNotFoundError("No module named 'l2l'", name="l2l")


def test_a_scheduler_without_l2l_ends_the_run_in_one_line(tmp_path, monkeypatch):
    """(the command line prints an L2LError in one line, 'l2l: error: ...', exit status 2: l2l.cli.main)"""
    distributed = pytest.importorskip("distributed")
    from l2l.errors import ExecutorError
    from l2l.jobs.tasks import Settings

    monkeypatch.setattr(Settings, "__reduce__", lambda self: (_unloadable, ()), raising=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None,
                                  protocol="tcp://", host="127.0.0.1") as cluster:
        config = make_config(run={"name": "nol2l", "generations": 3, "stop_after_failures": 0},
                             optimizer={"name": "random", "population_size": 4}, simulator={"name": "sphere"},
                             backend={"name": "dask", "address": cluster.scheduler_address})
        with pytest.raises(ExecutorError) as raised:
            l2l.run(config, tmp_path / "r.h5", progress=False)
    said = str(raised.value)
    assert "\n" not in said and said.startswith(f"backend 'dask': the Dask scheduler at {cluster.scheduler_address} "
                                                "cannot load the run's tasks (ModuleNotFoundError: No module named "
                                                "'l2l'): the scheduler needs l2l in its environment"), said
    assert "resume" in said
    assert len(l2l.load(tmp_path / "r.h5")) == 0  # the file is kept, readable (no evaluation ran)
