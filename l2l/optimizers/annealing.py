"""Simulated annealing and parallel tempering.

Both run ``population_size`` Metropolis chains in frame coordinates (see
:mod:`l2l.optimizers._common`). Each generation every chain proposes a
Gaussian step of std ``step_size``; a proposal with score ``s'`` replaces the
chain's current score ``s`` if ``s' >= s`` or with probability
``exp((s' - s) / T)``. Temperatures are given in units of the standard
deviation of every score told so far, so the defaults suit any scale of
scores (a score multiplied by 1000 gives the same run).

Simulated annealing lowers one temperature ``T_k`` after generation ``k``
(``T0`` is ``temperature``, ``a`` is ``cooling_rate``):

* ``exponential``: ``T0 * a**k`` (``a`` in (0, 1));
* ``logarithmic``: ``T0 / (1 + a * ln(1 + k))``;
* ``linear-multiplicative``: ``T0 / (1 + a * k)``;
* ``quadratic-multiplicative``: ``T0 / (1 + a * k**2)``;
* ``adaptive``: multiply ``T`` by ``1 - a`` when more than ``target_acceptance``
  of the proposals were accepted, divide by ``1 - a`` otherwise.

Parallel tempering keeps one chain per temperature, spaced geometrically
between ``min_temperature`` and ``max_temperature``; after each generation
neighbouring chains swap states with probability
``min(1, exp((s_hot - s_cold) * (1/T_cold - 1/T_hot)))``. Hotter chains take
larger steps (``step_size * sqrt(T / min_temperature)``, at most 0.5).

Asked for more candidates at once than there are chains, a generation gives
the chains further proposals in turn (chain ``i % population_size`` owns
proposal ``i``), and each chain weighs only its best proposal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.errors import ConfigError
from l2l.optimizers._common import Frame, best_of, finite_scores
from l2l.optimizers._generations import BudgetSized
from l2l.optimizers.base import (MAX_POPULATION, MAX_STEP, Problem, State, new_rng_state, rng_from_state,
                                 rng_state)
from l2l.registry import option

#: Hottest temperature of parallel-tempering, in standard deviations of the scores.
MAX_TEMPERATURE = 1e6

SCHEDULES = ("exponential", "logarithmic", "linear-multiplicative", "quadratic-multiplicative", "adaptive")


def _metropolis(rng: np.random.Generator, current: np.ndarray, proposed: np.ndarray,
                temperatures: np.ndarray) -> np.ndarray:
    """Which proposals are accepted; ``current`` may hold NaN for chains not yet evaluated."""
    delta = proposed - np.where(np.isfinite(current), current, -np.inf)
    with np.errstate(over="ignore", invalid="ignore"):
        probability = np.where(delta >= 0, 1.0, np.exp(delta / np.maximum(temperatures, 1e-300)))
    return rng.random(len(proposed)) < np.nan_to_num(probability, nan=1.0)


def _observed_spread(spread: list[float], scores: np.ndarray) -> list[float]:
    """``[count, mean, sum of squared deviations]`` of every finite score so far, updated with ``scores``."""
    count, mean, squares = spread
    for value in np.asarray(scores, dtype=float)[np.isfinite(scores)]:
        count += 1
        delta = value - mean
        mean += delta / count
        squares += delta * (value - mean)
    return [float(count), float(mean), float(squares)]


def _score_unit(spread: list[float]) -> float:
    """The standard deviation of the scores seen so far: the unit of the temperatures (1 before two scores)."""
    count, _, squares = spread
    deviation = math.sqrt(squares / count) if count >= 2 else 0.0
    return deviation if deviation > 0 else 1.0


@dataclass(frozen=True)
class _Chains(BudgetSized):
    needs_bounds: ClassVar[bool] = False
    takes_initial_points: ClassVar[bool] = True
    #: After a start-up design (a small budget), the longest step of a chain as a fraction of its spacing.
    step_cap: ClassVar[float] = 0.5

    population_size: int = option(4, help="chains, one candidate each per generation (it was 10: 4 is better on "
                                          "the black-box suite, docs/optimizers.md)", ge=1, le=MAX_POPULATION)
    step_size: float = option(0.1, help="std of the proposal steps, as a fraction of each range (or of 4*scale)",
                              gt=0, le=MAX_STEP)

    def _start(self, problem: Problem, rng: np.random.Generator) -> np.ndarray:
        frame = Frame(problem)
        shape = (self.population_size, problem.space.dimension)
        return np.where(frame.bounded, rng.random(shape), frame.start(problem) + rng.normal(0, 0.25, shape))

    def _steps(self, state: State) -> np.ndarray:
        return np.full(self.population_size, self.step_size)

    def _start_from(self, problem, state, candidates, scalar, spacing) -> State:
        """Every chain starts from the design's best point, with steps sized to its spacing."""
        chosen = np.zeros(self.population_size, dtype=int)
        return {**state, "points": Frame(problem).to_frame(candidates[chosen]), "scores": scalar[chosen].copy(),
                "spread": _observed_spread(state["spread"], scalar), "step_size": self.start_step * spacing,
                "step_cap": spacing * self.step_cap}

    def _next_generation(self, problem: Problem, state: State) -> tuple[np.ndarray, State]:
        return self._sized_generation(problem, state, None)

    def _sized_generation(self, problem: Problem, state: State, wanted: int | None) -> tuple[np.ndarray, State]:
        """One proposal per chain; asked for more at once, further proposals go to the chains in turn."""
        frame = Frame(problem)
        rng = rng_from_state(state["rng"])
        chains = self.population_size
        size = max(chains, wanted or 0)
        owner = np.arange(size) % chains
        if state["generations_sampled"] == 0 and state["generation"] == 0:  # the starting points themselves first
            noise = np.zeros((size, problem.space.dimension))
            if size > chains:
                noise[chains:] = rng.standard_normal((size - chains, problem.space.dimension))
        else:
            noise = rng.standard_normal((size, problem.space.dimension))
        points = state["points"][owner] + noise * self._steps(state)[owner, None]
        return frame.from_frame(points), {**state, "rng": rng_state(rng)}

    def _accept(self, problem, state, candidates, scores) -> tuple[State, np.random.Generator, float]:
        frame = Frame(problem)
        raw = self.scalar_scores(problem, scores)
        state = {**state, "spread": _observed_spread(state.get("spread", [0.0, 0.0, 0.0]), raw)}
        scalar = finite_scores(raw)
        best_score, best = best_of(state["best_score"], candidates, scalar, state["best"])
        chains = self.population_size
        if len(candidates) > chains:  # several proposals per chain: each chain weighs its best one
            owner = np.arange(len(candidates)) % chains
            pick = np.array([np.flatnonzero(owner == c)[np.argmax(scalar[owner == c])] for c in range(chains)])
            candidates, scalar = candidates[pick], scalar[pick]
        rng = rng_from_state(state["rng"])
        accepted = _metropolis(rng, state["scores"], scalar, self._temperatures(state))
        points = np.where(accepted[:, None], frame.to_frame(candidates), state["points"])
        chain_scores = np.where(accepted, scalar, state["scores"])
        new = {**state, "points": points, "scores": chain_scores, "generation": state["generation"] + 1,
               "best_score": best_score, "best": best}
        return new, rng, float(accepted.mean())

    def _temperatures(self, state: State) -> np.ndarray:
        raise NotImplementedError


@dataclass(frozen=True)
class SimulatedAnnealing(_Chains):
    """Simulated annealing: parallel Metropolis chains under a cooling schedule."""

    name: ClassVar[str] = "simulated-annealing"

    temperature: float = option(0.1, help="initial temperature, in units of the standard deviation of the scores "
                                          "seen so far", gt=0)
    cooling_schedule: str = option("exponential", help="exponential, logarithmic, linear-multiplicative, "
                                                       "quadratic-multiplicative or adaptive", choices=SCHEDULES)
    cooling_rate: float = option(0.95, help="parameter a of the schedule (see the module documentation)", gt=0)
    target_acceptance: float = option(0.3, help="acceptance rate the adaptive schedule aims at", ge=0, le=1)
    step_decay: float = option(0.98, help="factor applied to step_size every generation", gt=0, le=1)

    def __post_init__(self) -> None:
        if self.cooling_schedule in ("exponential", "adaptive") and not self.cooling_rate < 1:
            raise ConfigError(f"optimizer 'simulated-annealing': cooling_rate must be < 1 for the "
                              f"{self.cooling_schedule} schedule, got {self.cooling_rate}")

    def _init_state(self, problem: Problem, seed: int) -> State:
        rng = rng_from_state(new_rng_state(seed))
        points = self._start(problem, rng)
        return {"rng": rng_state(rng), "generation": 0, "points": points,
                "scores": np.full(self.population_size, np.nan), "temperature": float(self.temperature),
                "spread": [0.0, 0.0, 0.0], "best_score": None, "best": None}

    def _temperatures(self, state: State) -> np.ndarray:
        return np.full(self.population_size, state["temperature"] * _score_unit(state["spread"]))

    def _steps(self, state: State) -> np.ndarray:
        step = state.get("step_size", self.step_size)  # sized to the start-up design after one
        return np.full(self.population_size, step * self.step_decay ** state["generation"])

    def _update(self, problem, state, candidates, scores, outputs=None) -> State:
        new, rng, acceptance = self._accept(problem, state, candidates, scores)
        k, start, a = new["generation"], self.temperature, self.cooling_rate
        schedule = self.cooling_schedule
        if schedule == "exponential":
            temperature = start * a ** k
        elif schedule == "logarithmic":
            temperature = start / (1 + a * math.log(1 + k))
        elif schedule == "linear-multiplicative":
            temperature = start / (1 + a * k)
        elif schedule == "quadratic-multiplicative":
            temperature = start / (1 + a * k * k)
        else:
            factor = (1 - a) if acceptance > self.target_acceptance else 1 / (1 - a)
            temperature = state["temperature"] * factor
        new["temperature"] = float(temperature)
        new["rng"] = rng_state(rng)
        return new


@dataclass(frozen=True)
class ParallelTempering(_Chains):
    """Parallel tempering: chains at fixed temperatures that swap states with their neighbours."""

    name: ClassVar[str] = "parallel-tempering"

    min_temperature: float = option(0.01, help="temperature of the coldest chain, in units of the standard "
                                               "deviation of the scores seen so far", gt=0)
    # A million standard deviations accepts every proposal already; 1e308 overflowed the temperature ladder
    # (numpy's RuntimeWarning, an inf temperature).
    max_temperature: float = option(10.0, help="temperature of the hottest chain, in the same units",
                                    le=MAX_TEMPERATURE)
    step_size: float = option(0.05, help="proposal std of the coldest chain, as a fraction of each range (or of 4*scale)",
                              gt=0, le=MAX_STEP)

    def __post_init__(self) -> None:
        if self.population_size < 2:
            raise ConfigError(f"optimizer 'parallel-tempering': population_size must be >= 2 (chains that "
                              f"swap), got {self.population_size}")
        if not self.max_temperature > self.min_temperature:
            raise ConfigError(f"optimizer 'parallel-tempering': max_temperature must be > min_temperature "
                              f"({self.min_temperature}), got {self.max_temperature}")

    def _init_state(self, problem: Problem, seed: int) -> State:
        rng = rng_from_state(new_rng_state(seed))
        return {"rng": rng_state(rng), "generation": 0, "points": self._start(problem, rng),
                "scores": np.full(self.population_size, np.nan), "swaps": 0,
                "spread": [0.0, 0.0, 0.0], "best_score": None, "best": None}

    def _temperatures(self, state: State) -> np.ndarray:
        unit = _score_unit(state["spread"])
        return np.geomspace(self.min_temperature, self.max_temperature, self.population_size) * unit

    def _steps(self, state: State) -> np.ndarray:
        ratio = np.geomspace(1.0, self.max_temperature / self.min_temperature, self.population_size)
        step = state.get("step_size", self.step_size)  # sized to the start-up design after one
        return np.minimum(step * np.sqrt(ratio), state.get("step_cap", 0.5))

    def _update(self, problem, state, candidates, scores, outputs=None) -> State:
        new, rng, _ = self._accept(problem, state, candidates, scores)
        temperatures = self._temperatures(new)
        points, chain_scores = new["points"].copy(), new["scores"].copy()
        swaps = new["swaps"]
        for cold in range(new["generation"] % 2, self.population_size - 1, 2):
            hot = cold + 1
            exponent = (chain_scores[hot] - chain_scores[cold]) * (1 / temperatures[cold] - 1 / temperatures[hot])
            if exponent >= 0 or rng.random() < math.exp(exponent):
                points[[cold, hot]] = points[[hot, cold]]
                chain_scores[[cold, hot]] = chain_scores[[hot, cold]]
                swaps += 1
        return {**new, "points": points, "scores": chain_scores, "swaps": int(swaps), "rng": rng_state(rng)}
