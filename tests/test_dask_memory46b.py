"""An evaluation that makes its worker run out of memory (Dask's nanny restarts a worker whose process goes over
95 % of its memory limit) is a failed row at that first death, naming the limit and the option that raises it.
Before, Dask ran it again on the next worker, which died the same way, then l2l ran it alone twice more: 4 worker
deaths for one failed row on ``local`` (8 on ``slurm``, 40-92 s), and the row said only 'KilledWorker'. It is not
retried either (``run.retries``): the same evaluation needs the same memory again, as slurm-array's OUT_OF_MEMORY."""

from __future__ import annotations

import pytest

import l2l
from conftest import make_config


def test_an_evaluation_past_the_memory_limit_fails_at_its_first_worker_death(tmp_path):
    pytest.importorskip("distributed")
    markers = tmp_path / "markers"
    markers.mkdir()
    config = make_config(run={"name": "oom", "generations": 1, "stop_after_failures": 0, "retries": 2},
                         space={"x": {"type": "float", "low": -1.0, "high": 1.0}},
                         optimizer={"name": "random", "population_size": 3},
                         simulator={"name": "python", "function": "models_oom46b:grows",
                                    "kwargs": {"markers": str(markers)}},
                         backend={"name": "local", "workers": 1, "memory_limit": "400MB", "dashboard": False})
    path = l2l.run(config, tmp_path / "r.h5", progress=False)
    big = int((markers / "big").read_text())
    starts = [int(line) for line in (markers / "starts").read_text().split()]
    assert starts.count(big) == 1, starts  # its worker died once (before: 4 times; 3 more with retries = 2)
    frame = l2l.load(path)
    assert sorted(frame["status"]) == ["failed", "ok", "ok"]
    failed = frame[frame["status"] == "failed"]
    assert list(failed["attempts"]) == [1]
    from l2l.summary import finished_text

    said = finished_text(path, 1.0)
    assert '"out of memory: the worker running this evaluation went over 95 % of its 381.47 MiB memory limit ' \
           '([backend] memory_limit raises it)' in said, said  # before: "... died: KilledWorker: ..."


class _Task:
    def __init__(self, key: str) -> None:
        self.key, self.suspicious = key, 1


class _Worker:
    memory_limit = 10**9

    def __init__(self, tasks: list) -> None:
        self.processing = set(tasks)


class _Scheduler:
    allowed_failures = 3

    def __init__(self) -> None:
        self.running, self.moved = _Task("l2l-eval-a"), _Task("l2l-eval-b")
        self.workers = {"tcp://w1": _Worker([self.running]), "tcp://w3": _Worker([])}
        self.tasks = {task.key: task for task in (self.running, self.moved)}


def test_a_remote_nanny_heard_before_or_after_its_worker_left_ends_the_evaluation_at_the_next_death():
    """``slurm``'s nannies run in the worker jobs: their event reaches the scheduler (in the run's process) through
    the network, mostly before the worker's death is noticed (then that death ends the evaluation), sometimes
    after, when Dask has sent the evaluation to another worker (then that worker's death ends it, not 4 more)."""
    pytest.importorskip("distributed")
    from l2l.jobs.dask_worker import MemoryPlugin

    scheduler, told = _Scheduler(), []
    plugin = MemoryPlugin(scheduler, lambda *args: told.append(args))
    plugin.log_event("worker-restart-memory", {"worker": "tcp://w1", "rss": 2 * 10**9})  # before it left
    assert scheduler.running.suspicious == 3 and told == [(["l2l-eval-a"], "tcp://w1", 2 * 10**9, 10**9)]
    plugin.log_event("all", {"action": "remove-worker", "worker": "tcp://w2", "processing-tasks": {"l2l-eval-b"}})
    plugin.log_event("worker-restart-memory", {"worker": "tcp://w2", "rss": 3 * 10**9})  # after it left
    assert scheduler.moved.suspicious == 3 and told[1] == (["l2l-eval-b"], "tcp://w2", 3 * 10**9, 10**9)
