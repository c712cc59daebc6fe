"""Dask backends: while a run waits for results, one request for the scheduler's workers a second serves every check.

Each poll of a run waiting on backend ``dask`` (a wait that came back empty, then the loop's look at the worker count)
asked the scheduler for its list of every worker three times: once for paused workers, once for no workers, once for
the worker count; measured on a run of 3 s evaluations, 2.3 requests a second to a scheduler that may be a shared
cluster's. Now one answer, at most WORKER_COUNT_SECONDS old, serves all three (0.9 a second in the same run), and the
embedded cluster (backend ``local``) reads its scheduler in this process, sending it none (it sent 0.6 a second). A
fake clock stands in for the seconds between polls, a fake client for the shared scheduler.
"""

from __future__ import annotations

import queue

import pytest

import l2l.jobs.dask_executor as dask_executor
import l2l.jobs.dask_existing as dask_existing
from l2l.jobs.dask import DaskExecutor, LocalExecutor
from fake_clock import ManualClock



class _Scheduler:
    status = "running"

    def __init__(self, statuses: list[str]) -> None:
        self.statuses, self.asked = statuses, 0

    def scheduler_info(self, n_workers: int = 5) -> dict:
        self.asked += 1
        return {"workers": {f"tcp://127.0.0.1:{4000 + i}": {"nthreads": 1, "status": status,
                                                            "memory_limit": 2 * 10**9, "metrics": {"memory": 0}}
                            for i, status in enumerate(self.statuses)}}


@pytest.fixture
def clock(monkeypatch) -> ManualClock:
    clock = ManualClock()
    monkeypatch.setattr(dask_executor, "time", clock)
    monkeypatch.setattr(dask_existing, "time", clock)
    return clock


def _executor(client: _Scheduler) -> DaskExecutor:
    executor = DaskExecutor(address="tcp://127.0.0.1:8786")
    executor._client, executor._pending, executor._done = client, 2, queue.SimpleQueue()
    executor._quarantine, executor._isolated, executor._futures = [], None, set()
    executor._workers, executor._workers_asked = 1, -float("inf")  # started
    return executor


def _poll(executor: DaskExecutor, clock: ManualClock, polls: int) -> None:
    """What the run's loop does while nothing comes back: its wait of a second, then its look at the workers."""
    for _ in range(polls):
        clock.now += 1.01
        assert executor.wait(timeout=0) == []
        assert executor.worker_count >= 1


def _warnings(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: warning:")]


@pytest.mark.parametrize("statuses", [["running", "running"], ["paused"], []])
def test_a_waiting_run_asks_the_shared_scheduler_for_its_workers_once_a_poll(clock, statuses):
    client = _Scheduler(statuses)
    _poll(_executor(client), clock, polls=20)
    # before: 60 (the paused-workers check, the no-workers check and the worker count each asked)
    assert client.asked == 20


def test_the_one_answer_a_poll_still_says_paused_workers_and_no_workers(clock, capsys):
    client = _Scheduler(["paused", "paused"])
    executor = _executor(client)
    polls = int(dask_executor.PAUSED_SECONDS) + 2
    _poll(executor, clock, polls)
    client.statuses = []
    _poll(executor, clock, int(dask_existing.NO_WORKERS_SECONDS) + 2)
    polls += int(dask_existing.NO_WORKERS_SECONDS) + 2
    assert client.asked == polls  # before: three times as many
    said = _warnings(capsys)
    assert len(said) == 2, said
    assert "all 2 Dask workers are paused for memory" in said[0], said
    assert "has had no workers for 3" in said[1], said  # 30 s of the fake clock and a poll's second


def test_a_check_within_the_second_after_another_sends_nothing_more(clock):
    client = _Scheduler(["running"])
    executor = _executor(client)
    _poll(executor, clock, polls=1)
    clock.now += 0.5
    executor.wait(timeout=0)
    assert client.asked == 1
    clock.now += 0.6  # the answer is over a second old: asked again
    executor.wait(timeout=0)
    assert client.asked == 2


def test_the_embedded_cluster_is_asked_for_paused_workers_without_a_request_to_its_scheduler(clock):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0",
                      protocol="tcp://", host="127.0.0.1") as cluster:
        scheduler, requests = cluster.scheduler, []
        identity = scheduler.handlers["identity"]
        scheduler.handlers["identity"] = lambda *a, n_workers=0, **k: requests.append(n_workers) or identity(
            *a, n_workers=n_workers, **k)
        try:
            with Client(cluster, set_as_default=False) as client:
                executor = LocalExecutor(workers=1)
                executor._cluster, executor._client, executor._pending = cluster, client, 1
                for _ in range(3):
                    clock.now += 1.01
                    executor._tell_paused()
        finally:
            scheduler.handlers["identity"] = identity
    # before: one request for every worker's details per look (0.6 a second on a run of 2 workers)
    assert [n for n in requests if n != 0] == []
    seen = getattr(executor, "_info", None) or {}  # what the look read, in this process
    assert [info["status"] for info in seen.values()] == ["running"]
