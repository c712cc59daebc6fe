"""The executor (backend) contract as a pytest class to subclass (see :mod:`l2l.testing`).

What every backend must do (the protocol of :mod:`l2l.jobs.base`): hand back
each submitted task exactly once, in any order, with the seed, generation and
individual it was given; take more work while earlier work runs; turn an
evaluation that raises into a failed outcome with the error text, never into
an exception of the run; and be closed by its context manager.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping

import pytest

from l2l.jobs.base import Executor, Outcome, Settings, Task
from l2l.simulators.base import SimulationResult, Simulator

#: Longest a contract test waits for all its outcomes, in seconds, before it fails instead of hanging.
DEADLINE = 120.0


@dataclass(frozen=True)
class ContractSimulator(Simulator):
    """``value = x ** 2``; raises if the parameter ``fail`` is true. Importable on any worker."""

    name: ClassVar[str] = "contract"

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        if params.get("fail"):
            raise RuntimeError(f"failing on purpose for x={params['x']}")
        return SimulationResult(objectives={"value": float(params["x"]) ** 2})


def collect(executor: Executor, more: list[Task] | None = None) -> list[Outcome]:
    """Every outcome until nothing is pending; ``more`` is submitted after the first ``wait``."""
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + DEADLINE
    while executor.pending:
        assert time.monotonic() < deadline, f"{executor.pending} tasks still pending after {DEADLINE} s"
        outcomes += executor.wait(timeout=1.0)
        if more:  # more work arrives while the first batch runs
            executor.submit(more)
            more = None
    return outcomes


class ExecutorContract:
    """The checks every backend passes. Subclass as ``TestSomething`` and set ``name`` or ``executor_class``.

    Override the ``make_executor`` fixture (a callable returning a fresh, not yet
    started executor) to test something else.
    """

    #: Name of a registered backend (used when ``executor_class`` is None).
    name: ClassVar[str | None] = None
    #: The executor's class (a dataclass subclassing :class:`l2l.jobs.Executor`).
    executor_class: ClassVar[type[Executor] | None] = None
    #: Options of the backend (e.g. ``{"workers": 2}``).
    options: ClassVar[Mapping[str, Any]] = {}

    @pytest.fixture
    def make_executor(self) -> Callable[[], Executor]:
        if self.executor_class is not None:
            from l2l.registry import Registry

            registry = Registry("backend", {"subject": self.executor_class})
            return lambda: registry.create("subject", dict(self.options))
        if self.name is None:
            raise TypeError(f"{type(self).__name__}: set executor_class or name (or override make_executor)")
        from l2l.jobs import BACKENDS

        return lambda: BACKENDS.create(self.name, dict(self.options))

    def test_every_submitted_task_comes_back_once_in_any_order(self, make_executor: Callable[[], Executor]) -> None:
        tasks = [Task(3, i, 1000 + i, {"x": float(i)}) for i in range(37)]
        with make_executor() as executor:
            executor.start(ContractSimulator(), Settings(objectives=("value",)))
            executor.submit(tasks[:20])
            outcomes = collect(executor, more=tasks[20:])
            assert executor.pending == 0
            assert executor.wait(timeout=0.1) == []
        assert sorted(o.individual for o in outcomes) == list(range(37))
        assert all(o.ok and o.objectives["value"] == o.individual ** 2 for o in outcomes)
        assert all(o.seed == 1000 + o.individual and o.generation == 3 for o in outcomes)

    def test_an_evaluation_that_raises_is_a_failed_outcome_with_its_error(
            self, make_executor: Callable[[], Executor]) -> None:
        tasks = [Task(0, i, i, {"x": float(i), "fail": i % 2 == 1}) for i in range(6)]
        with make_executor() as executor:
            executor.start(ContractSimulator(), Settings(objectives=("value",)))
            executor.submit(tasks)
            outcomes = sorted(collect(executor), key=lambda o: o.individual)
        assert [o.status for o in outcomes] == ["ok", "failed"] * 3
        assert all("failing on purpose" in o.error for o in outcomes if not o.ok)
        assert [o.objectives["value"] for o in outcomes if o.ok] == [0.0, 4.0, 16.0]

    def test_the_executor_says_how_many_evaluations_run_at_once(self, make_executor: Callable[[], Executor]) -> None:
        with make_executor() as executor:
            executor.start(ContractSimulator(), Settings(objectives=("value",)))
            assert executor.worker_count >= 1
            assert isinstance(executor.describe(), str) and executor.describe()
