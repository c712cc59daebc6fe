"""The Dask backends with many workers (issue 17): what kept 256 one-second workers at 0.15-0.32 utilization.

* A worker of many threads counts as that many evaluation slots (it counted as one: a cluster of 4 workers
  of 64 threads got its first generation in 16 chunks, so 16 evaluations ran at once).
* The simulator reaches every worker as a plugin, not as a task every chunk depends on (the scheduler put
  a generation's chunks beside that task: all 256 on the one worker holding it).
* Chunks grow with the worker count, so that the Dask task rate stays under ``TASK_RATE``.
* The results of all chunks finished at a ``wait`` come back in one round trip (one ``gather``).
"""

from __future__ import annotations

import time

import pytest

from l2l.jobs import BACKENDS
from l2l.jobs import dask as dask_backend
from l2l.jobs.base import Settings, Task
from l2l.testing.executors import ContractSimulator, collect

SETTINGS = Settings(objectives=("value",))


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=3, processes=False, dashboard_address=":0",
                      protocol="tcp://", host="127.0.0.1") as cluster:
        yield cluster


@pytest.fixture
def executor(cluster):
    executor = BACKENDS.create("dask", {"address": cluster.scheduler_address})
    executor.start(ContractSimulator(), SETTINGS)
    yield executor
    executor.close()


def tasks(n: int, generation: int = 0) -> list[Task]:
    return [Task(generation, i, 1000 + i, {"x": float(i)}) for i in range(n)]


def test_a_worker_of_three_threads_counts_as_three_slots(executor):
    assert executor.worker_count == 6  # 2 workers x 3 threads (it was 2)


def test_the_chunks_do_not_depend_on_any_task_and_every_worker_has_the_simulator(executor, cluster):
    executor.submit(tasks(12))
    scheduler = cluster.scheduler
    keys, deadline = [], time.monotonic() + 60
    while len(keys) < 12 and time.monotonic() < deadline:  # the submission reaches the scheduler
        keys = [key for key in list(scheduler.tasks) if str(key).startswith("l2l-eval")]
        time.sleep(0.005)
    assert len(keys) == 12  # one evaluation per chunk (four chunks per slot while the duration is unknown)
    assert all(not scheduler.tasks[key].dependencies for key in keys if key in scheduler.tasks)
    outcomes = collect(executor)
    assert sorted(o.individual for o in outcomes) == list(range(12))
    assert all(o.ok and o.objectives["value"] == o.individual ** 2 for o in outcomes)
    plugin = executor._plugin  # noqa: SLF001
    held = executor._client.run(lambda dask_worker: plugin in dask_worker.plugins)  # noqa: SLF001
    assert len(held) == 2 and all(held.values())


def test_results_are_fetched_as_chunks_finish_not_when_the_loop_waits(executor, monkeypatch):
    executor.submit(tasks(6))
    deadline = time.monotonic() + 60
    while executor._done.qsize() < 6 and time.monotonic() < deadline:  # noqa: SLF001 - all six finished
        time.sleep(0.01)
    calls = []
    gather = executor._client.gather  # noqa: SLF001
    monkeypatch.setattr(executor._client, "gather", lambda futures, *a, **k: calls.append(len(futures))  # noqa: SLF001
                        or gather(futures, *a, **k))
    outcomes = executor.wait(timeout=5)
    assert sorted(o.individual for o in outcomes) == list(range(6))
    assert all(o.ok and o.objectives["value"] == o.individual ** 2 for o in outcomes)
    # no round trip left when the loop takes them (it made one for all six, after the last had finished; before
    # that, one future.result() each)
    assert calls == []


def test_a_shared_cluster_keeps_no_simulator_after_the_run(cluster):
    executor = BACKENDS.create("dask", {"address": cluster.scheduler_address})
    executor.start(ContractSimulator(), SETTINGS)
    plugin = executor._plugin  # noqa: SLF001
    executor.close()
    from distributed import Client
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        held = client.run(lambda dask_worker: plugin in dask_worker.plugins)
    assert held and not any(held.values())


@pytest.mark.parametrize("workers, duration, expected, first", [
    (2, 0.02, 4, 8),  # 100 x 20 ms on 2 workers: chunks of 0.5 s, and four per worker at first, as before
    (32, 1.0, 128, 96),  # one evaluation per chunk (it was 128 at first too)
    (256, 1.0, 256, 256),  # 256 workers: chunks of up to 256 / TASK_RATE = 5.1 s, one per worker (it was 1,024)
])
def test_chunks_grow_with_the_workers_so_that_the_task_rate_stays_bounded(workers, duration, expected, first):
    executor = dask_backend.DaskExecutor(address="tcp://127.0.0.1:1")
    executor._workers, executor._workers_asked = workers, float("inf")  # noqa: SLF001 - no scheduler
    executor._mean_duration = duration  # noqa: SLF001
    n = 100 if workers == 2 else 4 * workers
    assert executor._chunk_count(n) == expected  # noqa: SLF001
    executor._mean_duration = None  # noqa: SLF001 - the first generation: four rounds, fewer past the task rate
    assert executor._chunk_count(n) == first  # noqa: SLF001
