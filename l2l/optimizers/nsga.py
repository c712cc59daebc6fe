"""NSGA-II and NSGA-III on DEAP's selection and variation operators.

Individuals live in the unit cube of the (bounded) space. Each generation the
parents are varied into ``population_size`` offspring (simulated binary
crossover and polynomial mutation); when the offspring are told, parents and
offspring together are reduced to the next parents by DEAP's ``selNSGA2``
(non-dominated sorting, crowding distance) or ``selNSGA3`` (non-dominated
sorting, niching around reference points). Scores are larger-is-better in
every objective. Asked for more candidates at once than a generation holds,
a generation holds as many offspring as were asked for.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from deap import base, tools

from l2l.errors import ConfigError
from l2l.optimizers._common import finite_columns, numpy_global_random
from l2l.optimizers._generations import BudgetSized
from l2l.optimizers.base import (MAX_POPULATION, Problem, State, new_python_random, new_rng_state,
                                 python_random, rng_from_state, rng_state)
from l2l.registry import option


#: Default parents and offspring per generation: several objectives need a front, one objective a short
#: generation (the black-box suite: 8 beats 40 at 40 evaluations per dimension, docs/optimizers.md).
MANY_OBJECTIVES_POPULATION = 40
ONE_OBJECTIVE_POPULATION = 8
#: Most reference points of NSGA-III (reference_divisions = 12 of 10 objectives makes 293930): selection grows
#: faster than their number (300000 of 2 objectives: 5 s and 1.2 GB a generation), and 10**12 of them never ended.
MAX_REFERENCE_POINTS = 300_000


class _Fitness(base.Fitness):
    weights: tuple[float, ...] = ()


def _individuals(units: np.ndarray, scores: np.ndarray) -> list:
    n_objectives = scores.shape[1]

    class Fitness(_Fitness):
        weights = (1.0,) * n_objectives

    out = []
    for row, score in zip(units, scores):
        individual = _Individual(row.tolist())
        individual.fitness = Fitness(tuple(float(s) for s in score))
        out.append(individual)
    return out


class _Individual(list):
    fitness: _Fitness


@dataclass(frozen=True)
class _NSGA(BudgetSized):
    multi_objective: ClassVar[bool] = True
    takes_initial_points: ClassVar[bool] = True

    population_size: int | None = option(None, help="parents kept and offspring evaluated per generation (default "
                                                    "40 with several objectives, 8 with one)", ge=4, le=MAX_POPULATION)
    crossover_probability: float = option(0.9, help="probability that a pair of offspring is crossed over", ge=0, le=1)
    crossover_eta: float = option(20.0, help="crowding degree of simulated binary crossover (larger: children nearer parents)", gt=0)
    mutation_eta: float = option(20.0, help="crowding degree of polynomial mutation (larger: smaller mutations)", gt=0)
    gene_mutation_probability: float | None = option(None, help="probability that each gene mutates (default 1/dimension)", ge=0, le=1)

    def population(self, problem: Problem) -> int:
        if self.population_size:
            return self.population_size
        return MANY_OBJECTIVES_POPULATION if problem.n_objectives > 1 else ONE_OBJECTIVE_POPULATION

    def _init_state(self, problem: Problem, seed: int) -> State:
        return {
            "rng": new_rng_state(seed),
            "python_random": new_python_random(seed),
            "generation": 0,
            "parents": np.empty((0, problem.space.dimension)),
            "parent_scores": np.empty((0, problem.n_objectives)),
        }

    def _next_generation(self, problem: Problem, state: State) -> tuple[np.ndarray, State]:
        return self._sized_generation(problem, state, None)

    def _sized_generation(self, problem: Problem, state: State, wanted: int | None) -> tuple[np.ndarray, State]:
        """``population`` offspring, or as many as are wanted at once when that is more."""
        state = dict(state)
        dimension = problem.space.dimension
        size = max(self._small(state, self.population(problem)), wanted or 0)
        if len(state["parents"]) == 0:
            rng = rng_from_state(state["rng"])
            units = rng.random((size, dimension))
            state["rng"] = rng_state(rng)
            return problem.space.from_unit(units), state
        parents = _individuals(state["parents"], finite_columns(state["parent_scores"]))
        indpb = self.gene_mutation_probability
        indpb = 1.0 / dimension if indpb is None else indpb
        if "design_budget" in state:  # a small budget: every gene mutates (a near copy of a parent tells little)
            indpb = 1.0
        with python_random(state):
            chosen = self._mating_pool(parents, size)
            offspring = [_Individual(list(ind)) for ind in chosen]
            for i in range(1, len(offspring), 2):
                if random.random() < self.crossover_probability:
                    tools.cxSimulatedBinaryBounded(offspring[i - 1], offspring[i], eta=self.crossover_eta,
                                                   low=0.0, up=1.0)
            for ind in offspring:
                tools.mutPolynomialBounded(ind, eta=self.mutation_eta, low=0.0, up=1.0, indpb=indpb)
        units = np.clip(np.array(offspring, dtype=float).reshape(-1, dimension), 0.0, 1.0)
        return problem.space.from_unit(units), state

    def _start_from(self, problem, state, candidates, scalar, spacing) -> State:
        return self._update(problem, state, candidates, scalar)  # the design is the first population

    def _mating_pool(self, parents: list, size: int) -> list:
        raise NotImplementedError

    def _select(self, pool: list, k: int, problem: Problem) -> list:
        raise NotImplementedError

    def _update(self, problem, state, candidates, scores, outputs=None) -> State:
        state = dict(state)
        scores = np.asarray(scores, dtype=float).reshape(len(candidates), problem.n_objectives)
        # A failed evaluation must never look good: one told -inf (a failure before any success) or NaN is kept
        # as -inf and selected as worse than every finite score of the pool.
        scores = np.where(np.isfinite(scores), scores, -np.inf)
        units = np.vstack([state["parents"], problem.space.to_unit(candidates)])
        pool_scores = np.vstack([state["parent_scores"], scores])
        pool = _individuals(units, finite_columns(pool_scores))
        for i, individual in enumerate(pool):
            individual.index = i
        k = min(self._small(state, self.population(problem)), len(pool))
        rng = rng_from_state(state["rng"])
        with python_random(state), numpy_global_random(int(rng.integers(2 ** 32))):
            chosen = self._select(pool, k, problem)
        index = np.array([ind.index for ind in chosen], dtype=int)
        state["rng"] = rng_state(rng)
        state["parents"] = units[index]
        state["parent_scores"] = pool_scores[index]
        state["generation"] = state["generation"] + 1
        return state


@dataclass(frozen=True)
class NSGA2(_NSGA):
    """NSGA-II: non-dominated sorting with crowding distance, several objectives (DEAP)."""

    name: ClassVar[str] = "nsga2"

    def _mating_pool(self, parents: list, size: int) -> list:
        # selTournamentDCD needs the crowding distance that selNSGA2 assigns.
        ranked = tools.selNSGA2(parents, len(parents))
        pool: list = []
        while len(pool) < size:
            take = len(ranked) - len(ranked) % 4 or len(ranked)
            pool.extend(tools.selTournamentDCD(ranked, take))
        return pool[:size]

    def _select(self, pool: list, k: int, problem: Problem) -> list:
        return tools.selNSGA2(pool, k)


@dataclass(frozen=True)
class NSGA3(_NSGA):
    """NSGA-III: non-dominated sorting with niching around reference points, many objectives (DEAP)."""

    name: ClassVar[str] = "nsga3"

    reference_divisions: int = option(12, help="divisions of each objective axis for the uniform reference points", ge=1)

    def _mating_pool(self, parents: list, size: int) -> list:
        return [random.choice(parents) for _ in range(size)]

    def _select(self, pool: list, k: int, problem: Problem) -> list:
        references = tools.uniform_reference_points(problem.n_objectives, self.reference_divisions)
        return tools.selNSGA3(pool, k, references)

    def check(self, problem: Problem) -> None:
        super().check(problem)
        if problem.n_objectives < 2:
            raise ConfigError(f"optimizer 'nsga3' needs at least 2 objectives, got {problem.n_objectives}; "
                              f"use cmaes, tpe or ga for one objective")
        count = math.comb(self.reference_divisions + problem.n_objectives - 1, problem.n_objectives - 1)
        if count > MAX_REFERENCE_POINTS:
            shown = f"{count:.3g}" if count >= 10 ** 15 else str(count)
            raise ConfigError(f"optimizer 'nsga3': reference_divisions = {self.reference_divisions} of "
                              f"{problem.n_objectives} objectives makes {shown} reference points, more than "
                              f"{MAX_REFERENCE_POINTS}; lower reference_divisions")
