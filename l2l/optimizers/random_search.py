"""Random search: independent uniform samples (log-uniform on log parameters)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.optimizers.base import (MAX_POPULATION, Optimizer, Problem, State, new_rng_state, rng_from_state,
                                 rng_state)
from l2l.registry import option


@dataclass(frozen=True)
class RandomSearch(Optimizer):
    """Uniform random samples of the space, population_size per generation."""

    name: ClassVar[str] = "random"
    multi_objective: ClassVar[bool] = True
    supports_async: ClassVar[bool] = True

    population_size: int = option(20, help="candidates per generation", ge=1, le=MAX_POPULATION)

    def init(self, problem: Problem, seed: int) -> State:
        return {"rng": new_rng_state(seed), "evaluations": 0}

    def ask(self, problem: Problem, state: State, n: int | None = None) -> tuple[np.ndarray, State]:
        rng = rng_from_state(state["rng"])
        candidates = problem.space.sample(rng, n or self.population_size)
        return candidates, {**state, "rng": rng_state(rng)}

    def tell(self, problem, state, candidates, scores, outputs=None) -> State:
        return {**state, "evaluations": state["evaluations"] + len(candidates)}
