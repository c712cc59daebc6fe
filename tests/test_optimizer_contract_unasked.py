"""OptimizerContract checks what a tell of a candidate never asked does: raise ValueError or take it as a result
(as l2l's optimizers do, docs/optimizers.md), never another error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from l2l.optimizers.base import Optimizer, new_rng_state, rng_from_state, rng_state
from l2l.registry import option
from l2l.testing import OptimizerContract


@dataclass(frozen=True)
class Lookup(Optimizer):
    """Random candidates, told by looking each up in a table of those asked (a KeyError for a stranger)."""

    name: ClassVar[str] = "lookup"
    population_size: int = option(3, help="candidates per generation")

    def init(self, problem, seed):
        return {"rng": new_rng_state(seed), "asked": {}}

    def ask(self, problem, state, n=None):
        rng = rng_from_state(state["rng"])
        candidates = problem.space.sample(rng, n or self.population_size)
        asked = {**state["asked"], **{repr(row.tolist()): 0.0 for row in candidates}}
        return candidates, {**state, "rng": rng_state(rng), "asked": asked}

    def tell(self, problem, state, candidates, scores, outputs=None):
        asked = dict(state["asked"])
        for row, score in zip(candidates, scores):
            asked[repr(row.tolist())] = asked[repr(row.tolist())] + float(score[0])
        return {**state, "asked": asked}


def test_an_optimizer_failing_otherwise_than_with_a_value_error_fails_the_contract():
    with pytest.raises(AssertionError, match="tell of a candidate never asked raised KeyError: .*; raise ValueError, "
                                             "or take it as a result"):
        OptimizerContract().test_a_candidate_never_asked_is_refused_with_a_value_error_or_taken_as_a_result(Lookup())


@dataclass(frozen=True)
class Refusing(Lookup):
    """As Lookup, but a stranger is a ValueError."""

    def tell(self, problem, state, candidates, scores, outputs=None):
        if any(repr(row.tolist()) not in state["asked"] for row in candidates):
            raise ValueError("told a candidate that was not asked")
        return super().tell(problem, state, candidates, scores, outputs)


class TestARefusingOptimizerPassesTheContract(OptimizerContract):
    optimizer_class = Refusing
    options = {"population_size": 3}
