"""The ``local`` backend's outcomes come with their tasks' completion (issue 17, the generation barrier).

A chunk's worker puts its small outcomes in the task's metadata, which travels
with the message that the task finished; the scheduler, in the loop's own
process, hands them to the loop at once instead of the client learning of the
finished task and then fetching the result from the worker. What a user sees:
every outcome arrives once, large outcomes still arrive (the usual way), and
the scheduler keeps no copy of what was pushed.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from l2l.jobs import BACKENDS
from l2l.jobs.base import Settings, Task
from l2l.jobs.dask_worker import PUSH_BYTES, PUSH_KEY
from l2l.simulators import SIMULATORS
from l2l.testing.executors import collect

SETTINGS = Settings(objectives=("value",))


@pytest.fixture
def simulator(tmp_path):
    """``value = x``; ``outputs`` of ``size`` float64 numbers (the parameter ``size``)."""
    (tmp_path / "pushmod.py").write_text(textwrap.dedent("""
        import numpy as np
        from l2l.simulators.base import SimulationResult

        def run(params, seed):
            size = int(params["size"])
            return SimulationResult(objectives={"value": float(params["x"])},
                                    outputs=np.full(size, float(params["x"])) if size else None)
        """))
    return SIMULATORS.create("python", {"function": "pushmod:run", "path": str(tmp_path)})


@pytest.fixture
def executor(simulator):
    executor = BACKENDS.create("local", {"workers": 2})
    delivered: list[str] = []
    original = executor._delivered

    def spy(key, value):  # what the scheduler's plugin hands over
        delivered.append(key)
        original(key, value)

    executor._delivered = spy
    executor.delivered = delivered
    executor.start(simulator, SETTINGS)
    yield executor
    executor.close()


def tasks(n: int, size: int, generation: int = 0) -> list[Task]:
    return [Task(generation, i, 1000 + i, {"x": float(i), "size": size}) for i in range(n)]


def pushed_left_on_scheduler(executor) -> list:
    scheduler = executor._local_scheduler()
    return [key for key, state in list(scheduler.tasks.items()) if PUSH_KEY in (state.metadata or {})]


def test_small_outcomes_come_with_the_completion_each_once_and_the_scheduler_keeps_no_copy(executor):
    for generation in range(3):
        executor.submit(tasks(40, 0, generation))
        outcomes = collect(executor)
        assert sorted(o.individual for o in outcomes) == list(range(40))  # each once: none lost, none twice
        assert all(o.ok and o.objectives["value"] == o.individual and o.generation == generation
                   for o in outcomes)
    assert executor.delivered  # every chunk's outcomes came with its completion
    assert len(set(executor.delivered)) == len(executor.delivered)
    assert pushed_left_on_scheduler(executor) == []


def test_outcomes_too_large_to_push_arrive_the_usual_way(executor):
    size = PUSH_BYTES // 8 + 1000  # one evaluation's outputs alone are over the limit
    executor.submit(tasks(4, size))
    outcomes = collect(executor)
    assert sorted(o.individual for o in outcomes) == [0, 1, 2, 3]
    assert all(o.ok and np.array_equal(o.outputs, np.full(size, float(o.individual))) for o in outcomes)
    assert executor.delivered == []  # none went through the scheduler's message stream
    assert pushed_left_on_scheduler(executor) == []
