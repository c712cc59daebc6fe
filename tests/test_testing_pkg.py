"""l2l.testing: the contract suites a plug-in author subclasses, run here on plug-in-like components."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from l2l.jobs.base import Executor, Outcome, evaluate
from l2l.optimizers.base import Optimizer, new_rng_state, rng_from_state, rng_state
from l2l.registry import option
from l2l.testing import AsynchronousOptimizerContract, ExecutorContract, OptimizerContract, mixed_problem


@dataclass(frozen=True)
class HillClimber(Optimizer):
    """Gaussian steps around the best candidate so far (a plug-in written outside l2l)."""

    name: ClassVar[str] = "hill-climber"
    supports_async: ClassVar[bool] = True

    population_size: int = option(4, help="candidates per generation")
    step: float = option(0.1, help="step size as a fraction of each coordinate's range")

    def init(self, problem, seed):
        return {"rng": new_rng_state(seed), "best": None, "best_score": -np.inf}

    def ask(self, problem, state, n=None):
        rng = rng_from_state(state["rng"])
        low, high = problem.space.lower, problem.space.upper
        if state["best"] is None:
            candidates = problem.space.sample(rng, n or self.population_size)
        else:
            centre = np.asarray(state["best"])
            steps = rng.normal(0.0, self.step, (n or self.population_size, len(centre))) * (high - low)
            candidates = np.clip(centre + steps, low, high)
        return candidates, {**state, "rng": rng_state(rng)}

    def tell(self, problem, state, candidates, scores, outputs=None):
        values = self.scalar_scores(problem, scores)
        i = int(np.argmax(values))
        if values[i] > state["best_score"]:
            return {**state, "best": np.array(candidates[i]), "best_score": float(values[i])}
        return state


class TestAPluginOptimizerPassesTheContractBySubclassing(OptimizerContract, AsynchronousOptimizerContract):
    optimizer_class = HillClimber
    options = {"population_size": 3}


@dataclass(frozen=True)
class StateMutatingClimber(HillClimber):
    """Breaks the contract: ``tell`` changes the state it receives."""

    def tell(self, problem, state, candidates, scores, outputs=None):
        state["best_score"] = float(np.max(scores))
        return state


def test_the_contract_catches_an_optimizer_that_changes_the_state_it_receives():
    with pytest.raises(AssertionError):
        OptimizerContract().test_ask_and_tell_leave_the_state_they_receive_untouched(StateMutatingClimber())
    OptimizerContract().test_ask_and_tell_leave_the_state_they_receive_untouched(HillClimber())


def test_the_contract_catches_an_optimizer_that_ignores_its_seed():
    @dataclass(frozen=True)
    class Unseeded(HillClimber):
        """Ignores the seed."""

        def init(self, problem, seed):
            return super().init(problem, 0)

    with pytest.raises(AssertionError, match="another seed gave the same candidates"):
        OptimizerContract().test_the_same_seed_gives_the_same_candidates_and_another_seed_others(Unseeded, True)


@dataclass
class ThreadExecutor(Executor):
    """Evaluations on a pool of threads (a plug-in backend written outside l2l)."""

    name: ClassVar[str] = "threads"

    threads: int = option(2, help="threads evaluating at once")

    def __post_init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._futures: set[Future] = set()

    def start(self, simulator, settings) -> None:
        self._simulator, self._settings = simulator, settings
        self._pool = ThreadPoolExecutor(self.threads)

    def submit(self, tasks) -> None:
        self._futures |= {self._pool.submit(evaluate, self._simulator, task, self._settings) for task in tasks}

    def wait(self, timeout=None) -> list[Outcome]:
        if not self._futures:
            return []
        done, self._futures = wait_for(self._futures, timeout, return_when=FIRST_COMPLETED)
        return [future.result() for future in done]

    @property
    def pending(self) -> int:
        return len(self._futures)

    @property
    def worker_count(self) -> int:
        return self.threads

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


class TestAPluginBackendPassesTheContractBySubclassing(ExecutorContract):
    executor_class = ThreadExecutor
    options = {"threads": 3}


class TestTheSerialBackendPassesTheContract(ExecutorContract):
    name = "serial"


class TestTheLocalDaskBackendPassesTheContract(ExecutorContract):
    name = "local"
    options = {"workers": 1}


def test_the_contract_problems_are_usable_on_their_own():
    problem = mixed_problem(2)
    assert problem.n_objectives == 2 and problem.space.dimension == 6


def test_import_l2l_does_not_import_pytest_but_l2l_testing_needs_it():
    code = ("import sys, l2l, l2l.cli, l2l.loop, l2l.summary, l2l.optimizers, l2l.jobs; "
            "assert 'pytest' not in sys.modules, 'pytest was imported'; "
            "import l2l.testing; assert 'pytest' in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
