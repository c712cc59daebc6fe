"""A real-valued genetic algorithm on DEAP's operators.

Individuals live in the unit cube of the space. Each generation: tournament
selection, blend crossover, Gaussian mutation, and the ``elite_size`` best
individuals ever seen (the hall of fame) copied unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from deap import tools

from l2l.errors import ConfigError
from l2l.optimizers._generations import BudgetSized
from l2l.optimizers.base import (MAX_POPULATION, MAX_STEP, Problem, State, new_python_random, new_rng_state,
                                 python_random, rng_from_state, rng_state)
from l2l.registry import option


#: Most draws of one selection tournament.
MAX_TOURNAMENT = 1000


def _tournaments(scores: list[float], k: int, size: int) -> list[int]:
    """The winners (indexes into ``scores``, higher is better) of ``k`` tournaments of ``size`` drawn with
    replacement: DEAP's ``selTournament`` on individuals with these fitnesses, with the same draws from the
    global ``random`` and the same winner (the first aspirant no other beats, NaN beating everything, as
    DEAP's fitness comparison has it), without an individual and a fitness object per candidate (a third of
    the time of asking a generation of 1,000; tests/test_genetic_selection.py compares the two)."""
    import random

    choice, indexes, winners = random.choice, range(len(scores)), []
    for _ in range(k):
        best = choice(indexes)
        for _ in range(size - 1):
            aspirant = choice(indexes)
            if not scores[aspirant] <= scores[best]:
                best = aspirant
        winners.append(best)
    return winners


@dataclass(frozen=True)
class GeneticAlgorithm(BudgetSized):
    """Genetic algorithm: tournament selection, blend crossover, Gaussian mutation, elitism (DEAP)."""

    name: ClassVar[str] = "ga"
    takes_initial_points: ClassVar[bool] = True

    population_size: int = option(20, help="individuals per generation", ge=2, le=MAX_POPULATION)
    crossover_probability: float = option(0.7, help="probability that a pair is crossed over", ge=0, le=1)
    mutation_probability: float = option(0.3, help="probability that an individual is mutated", ge=0, le=1)
    mutation_sigma: float = option(0.1, help="std of the Gaussian mutation, as a fraction of each range",
                                   gt=0, le=MAX_STEP)
    gene_mutation_probability: float = option(0.3, help="probability that each gene of a mutated individual changes", ge=0, le=1)
    blend_alpha: float = option(0.5, help="alpha of the blend crossover", ge=0, le=10)
    tournament_size: int = option(3, help="individuals per selection tournament (drawn with replacement)", ge=1)
    elite_size: int = option(1, help="best individuals ever seen copied into every generation", ge=0)
    weights: tuple[float, ...] | None = option(None, help="weights of a weighted sum of several objectives (larger-is-better scores)")
    evaluate_copies: bool = option(True, help="evaluate again, on a new seed, the elites and the offspring that "
                                   "crossover and mutation left unchanged; false keeps their known scores (for a "
                                   "deterministic simulator; the original L2L's GA)")

    def __post_init__(self) -> None:
        if self.tournament_size > MAX_TOURNAMENT:  # 10**12 draws per winner never ended
            raise ConfigError(f"optimizer 'ga': tournament_size must be at most {MAX_TOURNAMENT} (a tournament of "
                              f"more draws all but always picks the best), got {self.tournament_size}")
        if not self.elite_size < self.population_size:
            raise ConfigError(f"optimizer 'ga': elite_size must lie in [0, population_size), "
                              f"got {self.elite_size}")

    def check(self, problem: Problem) -> None:
        super().check(problem)
        self._check_weights(problem)

    def _init_state(self, problem: Problem, seed: int) -> State:
        dim = problem.space.dimension
        return {
            "rng": new_rng_state(seed),
            "python_random": new_python_random(seed),
            "generation": 0,
            "population": np.empty((0, dim)),
            "scores": np.empty(0),
            "elites": np.empty((0, dim)),
            "elite_scores": np.empty(0),
        }

    def _next_generation(self, problem: Problem, state: State) -> tuple[np.ndarray, State]:
        return self._sized_generation(problem, state, None)

    def _sized_generation(self, problem: Problem, state: State, wanted: int | None) -> tuple[np.ndarray, State]:
        """``population_size`` individuals; a batch of two or more asked at once is one generation of its size
        (several generations sampled from one state would replace the population with a stale one)."""
        state = dict(state)
        size = wanted if wanted is not None and wanted >= 2 else self._small(state, self.population_size)
        if len(state["population"]) == 0:
            rng = rng_from_state(state["rng"])
            units = rng.random((size, problem.space.dimension))
            state["rng"] = rng_state(rng)
            return problem.space.from_unit(units), state
        rows, scores = list(state["population"]), [float(v) for v in state["scores"]]
        # As in a full generation (elite_size < population_size), at least one candidate is new offspring.
        n_elites = min(self.elite_size, len(state["elites"]), max(size - 1, 0))
        if "mutation_sigma" in state:  # a small budget: the elites are parents, not evaluated again
            rows += list(state["elites"])
            scores += [float(v) for v in state["elite_scores"]]
            n_elites = 0
        with python_random(state):
            import random
            offspring = [list(rows[i]) for i in _tournaments(scores, size - n_elites, self.tournament_size)]
            for i in range(1, len(offspring), 2):
                if random.random() < self.crossover_probability:
                    tools.cxBlend(offspring[i - 1], offspring[i], self.blend_alpha)
            small = "mutation_sigma" in state
            for ind in offspring:
                if small or random.random() < self.mutation_probability:
                    tools.mutGaussian(ind, 0.0, state.get("mutation_sigma", self.mutation_sigma),
                                      1.0 if small else self.gene_mutation_probability)
        units = np.clip(np.array([list(ind) for ind in offspring], dtype=float).reshape(-1, problem.space.dimension),
                        0.0, 1.0)
        if n_elites:
            units = np.vstack([state["elites"][:n_elites], units])
        if not self.evaluate_copies:  # compared as evaluated: an integer's or a choice's code anywhere in its bin
            units, state = _set_aside_copies(state, units, state.get("mutation_sigma", self.mutation_sigma),
                                             lambda rows: _evaluated(problem, rows))
        return problem.space.from_unit(units), state

    def _update_generation(self, problem, state, number, candidates, scores, outputs=None) -> State:
        if "copy_generation" not in state:
            return self._update(problem, state, candidates, scores, outputs)
        mine = state["copy_generation"] == number
        rest = {key: state[key][~mine] for key in _COPY_KEYS}
        copies = {key: state[key][mine] for key in _COPY_KEYS}
        return self._update(problem, {**state, **rest}, candidates, scores, outputs, copies)

    def _start_from(self, problem, state, candidates, scalar, spacing) -> State:
        # The design is the first population; with so few evaluations left every offspring is mutated, by
        # steps sized to the design's spacing (a copy of a parent would spend an evaluation on a known point).
        # Its best points (as many as a population sized to the budget) are the parents.
        keep = self._small(state, self.population_size)
        return {**self._update(problem, state, candidates[:keep], scalar[:keep]),
                "mutation_sigma": self.start_step * spacing}

    def _update(self, problem, state, candidates, scores, outputs=None, copies=None) -> State:
        state = dict(state)
        scalar = self.scalar_scores(problem, scores)
        units = problem.space.to_unit(candidates)
        if copies is not None:  # the generation as sampled: its copies back in their places, with their scores
            units, scalar = _with_copies(units, scalar, copies)
        state["population"] = units
        state["scores"] = scalar
        pool_units = np.vstack([state["elites"], units])
        pool_scores = np.concatenate([state["elite_scores"], scalar])
        if not self.evaluate_copies:  # an elite copied unchanged is one individual, not two
            _, first = np.unique(pool_units, axis=0, return_index=True)
            first = np.sort(first)
            pool_units, pool_scores = pool_units[first], pool_scores[first]
        order = np.argsort(-pool_scores, kind="stable")[: self.elite_size]
        state["elites"] = pool_units[order]
        state["elite_scores"] = pool_scores[order]
        state["generation"] = state["generation"] + 1
        return state


#: The state's record of the copies a generation set aside (``evaluate_copies = false``), one row per copy.
_COPY_KEYS = ("copy_generation", "copy_position", "copy_units", "copy_scores")


def _evaluated(problem: Problem, rows: np.ndarray) -> np.ndarray:
    """Rows of the unit cube as the simulator is given them: an integer rounded, a choice taken, a bound clipped."""
    rows = np.asarray(rows, dtype=float).reshape(-1, problem.space.dimension)
    codes = problem.space.from_unit(rows)
    return problem.space.to_unit(np.array([problem.space.canonical(code) for code in codes]).reshape(codes.shape))


def _set_aside_copies(state: State, units: np.ndarray, sigma: float,
                      evaluated=None) -> tuple[np.ndarray, State]:
    """``units`` without the rows whose score is known (a row of the last population or an elite), and ``state``
    recording them for the update of this generation (number ``generations_sampled``). A row is known if it equals
    one to 12 decimals (:func:`_key`), each compared as ``evaluated(rows)`` gives it where given
    (:func:`_evaluated`: two codes of one integer are one point). A generation of copies only would evaluate
    nothing: its last row is then mutated in every gene."""
    same = (lambda rows: rows) if evaluated is None else evaluated
    known: dict[bytes, float] = {}
    for rows, scores in ((state["elites"], state["elite_scores"]), (state["population"], state["scores"])):
        for row, score in zip(same(rows), scores) if len(rows) else ():
            known.setdefault(_key(row), float(score))
    units = np.array(units, dtype=float)
    keyed = same(units)
    copied = np.array([_key(row) in known for row in keyed], dtype=bool)
    if copied.all():
        with python_random(state):
            last = list(units[-1])
            tools.mutGaussian(last, 0.0, sigma, 1.0)
        units[-1] = np.clip(last, 0.0, 1.0)
        copied[-1] = False  # even if every gene sat at a bound and was pushed outward: evaluated again
    positions = np.flatnonzero(copied)
    if "copy_generation" not in state:
        state.update(copy_generation=np.empty(0, dtype=np.int64), copy_position=np.empty(0, dtype=np.int64),
                     copy_units=np.empty((0, units.shape[1])), copy_scores=np.empty(0))
    state.update(
        copy_generation=np.concatenate([state["copy_generation"],
                                        np.full(len(positions), int(state.get("generations_sampled", 0)))]),
        copy_position=np.concatenate([state["copy_position"], positions]).astype(np.int64),
        copy_units=np.vstack([state["copy_units"], units[positions]]),
        copy_scores=np.concatenate([state["copy_scores"], [known[_key(keyed[i])] for i in positions]]))
    return units[~copied], state


def _key(row: np.ndarray) -> bytes:
    """A row of the unit cube as a key: the same individual whatever the last bits (a blend of two equal parents
    is its parent up to rounding)."""
    return (np.round(np.asarray(row, dtype=float), 12) + 0.0).tobytes()


def _with_copies(units: np.ndarray, scores: np.ndarray, copies: State) -> tuple[np.ndarray, np.ndarray]:
    """The evaluated rows and the set-aside copies merged into the generation's sampled order."""
    size = len(units) + len(copies["copy_position"])
    merged_units, merged_scores = np.empty((size, units.shape[1])), np.empty(size)
    taken = np.zeros(size, dtype=bool)
    positions = copies["copy_position"]
    taken[positions] = True
    merged_units[positions], merged_scores[positions] = copies["copy_units"], copies["copy_scores"]
    merged_units[~taken], merged_scores[~taken] = units, scores
    return merged_units, merged_scores
