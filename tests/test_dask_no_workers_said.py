"""Backend ``dask``: a scheduler without workers while evaluations are out is said in one warning line.

Found by a user who killed the scheduler of their hand-started cluster mid-run and started it again within the
backend's ``timeout``: the client reconnected, but the workers had gone down with the old scheduler, and the run
waited for minutes without a word. Now, after NO_WORKERS_SECONDS without a worker, one line says so and how to go
on; the run still waits (workers may be on their way). A fake client stands in for the scheduler.
"""

from __future__ import annotations

import queue

import pytest

import l2l.jobs.dask_executor as dask_executor
import l2l.jobs.dask_existing as dask_existing
from l2l.jobs.dask import DaskExecutor


class _Scheduler:
    status = "running"

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def scheduler_info(self, n_workers: int = 5) -> dict:
        return {"workers": {f"tcp://127.0.0.1:{4000 + i}": {"nthreads": 1} for i in range(self.workers)}}


def _executor(client: _Scheduler, pending: int = 2) -> DaskExecutor:
    executor = DaskExecutor(address="tcp://127.0.0.1:8786")
    executor._client, executor._pending, executor._done = client, pending, queue.SimpleQueue()
    executor._quarantine, executor._isolated, executor._futures = [], None, set()
    return executor


@pytest.fixture
def no_delay(monkeypatch):
    monkeypatch.setattr(dask_existing, "NO_WORKERS_SECONDS", 0.0, raising=False)
    monkeypatch.setattr(dask_executor, "WORKER_COUNT_SECONDS", 0.0)


def _warnings(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: warning:")]


def test_no_workers_with_evaluations_out_is_said_once(no_delay, capsys):
    executor = _executor(_Scheduler(workers=0))
    for _ in range(4):
        assert executor.wait(timeout=0) == []  # the run goes on waiting
    said = _warnings(capsys)
    # before: nothing, however long the run waited
    assert len(said) == 1, said
    assert said[0].startswith("l2l: warning: backend 'dask': the scheduler at tcp://127.0.0.1:8786 has had no "
                              "workers for "), said
    assert said[0].endswith("s, with 2 evaluation(s) waiting; the run goes on when workers join (dask worker "
                            "tcp://127.0.0.1:8786), or stop it (Ctrl-C) and continue later with l2l.resume(FILE)"), said


def test_said_again_after_workers_came_and_went(no_delay, capsys):
    client = _Scheduler(workers=0)
    executor = _executor(client)
    for workers in (0, 0, 2, 0, 0, 0):
        client.workers = workers
        executor.wait(timeout=0)
    assert len(_warnings(capsys)) == 2


@pytest.mark.parametrize("workers, pending", [(2, 2), (0, 0)])
def test_nothing_is_said_with_workers_or_with_nothing_out(no_delay, capsys, workers, pending):
    executor = _executor(_Scheduler(workers=workers), pending=pending)
    for _ in range(4):
        executor.wait(timeout=0)
    assert _warnings(capsys) == []
