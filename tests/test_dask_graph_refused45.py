"""A task graph the Dask scheduler cannot unpickle (a scheduler started in another environment, without l2l or
with another version of it) fails each evaluation once, at once, with the reason and what it came from: before,
the chunk was split and each task sent again alone and then in quarantine, each time in vain, each row said 2
attempts of an evaluation that never ran, and the reason read as Dask's URL."""

from __future__ import annotations

import pytest

import l2l
from conftest import make_config


def _unloadable():
    # a module of the user's (one the scheduler's environment lacks); a module of l2l's ends the run instead
    # (tests/test_dask_no_l2l46b.py)
    raise ModuleNotFoundError("No module named 'model'")


def test_a_graph_the_scheduler_cannot_unpickle_fails_each_evaluation_once_with_its_cause(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    from l2l.jobs.tasks import Settings
    from l2l.summary import finished_text

    # the run's settings travel in each chunk's task graph: the scheduler (in this process) cannot load them back,
    # as a scheduler whose environment lacks a module the graph names cannot
    monkeypatch.setattr(Settings, "__reduce__", lambda self: (_unloadable, ()), raising=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None,
                                  protocol="tcp://", host="127.0.0.1") as cluster:
        config = make_config(run={"name": "refused", "generations": 1, "stop_after_failures": 0},
                             optimizer={"name": "random", "population_size": 4}, simulator={"name": "sphere"},
                             backend={"name": "dask", "address": cluster.scheduler_address})
        path = l2l.run(config, tmp_path / "r.h5", progress=False)
    frame = l2l.load(path)
    assert list(frame["status"]) == ["failed"] * 4 and list(frame["attempts"]) == [1] * 4  # was 2 each
    line = finished_text(path, 1.0).splitlines()[1]
    assert line.startswith('4 failed: 4 × "the worker running this evaluation died: RuntimeError (from '
                           "ModuleNotFoundError: No module named 'model'): Error during"), line
