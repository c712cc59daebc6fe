"""Evolution strategies: OpenAI-style ES and separable natural evolution strategies.

Both search in frame coordinates (see :mod:`l2l.optimizers._common`).

``es`` perturbs the mean with ``sigma * eps`` for ``population_size / 2``
Gaussian directions and their mirrors (antithetic sampling), shapes the
scores into centred ranks, estimates the gradient
``sum(rank_i * eps_i) / (n * sigma)`` and follows it with Adam or plain
gradient ascent. ``nes`` (separable NES) adapts a mean and one step size per
coordinate along the natural gradient, with rank-based utilities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.optimizers._common import Frame, best_of, centered_ranks, finite_scores, nes_utilities
from l2l.optimizers._generations import BudgetSized, clipped_steps
from l2l.optimizers.base import (MAX_POPULATION, MAX_STEP, Problem, State, new_rng_state, rng_from_state,
                                 rng_state)
from l2l.registry import option

#: Largest sigma_learning_rate of nes: the default is below 1 in every dimension.
MAX_SIGMA_RATE = 10.0


@dataclass(frozen=True)
class EvolutionStrategies(BudgetSized):
    """OpenAI-style evolution strategies: mirrored Gaussian perturbations, rank fitness shaping, Adam."""

    name: ClassVar[str] = "es"
    needs_bounds: ClassVar[bool] = False
    takes_initial_points: ClassVar[bool] = True

    population_size: int = option(10, help="perturbations per generation (even with mirrored sampling)", ge=2, le=MAX_POPULATION)
    sigma: float = option(0.1, help="perturbation std, as a fraction of each range (or of 4*scale)", gt=0, le=MAX_STEP)
    learning_rate: float = option(0.1, help="step of the update, in frame units", gt=0)
    mirrored: bool = option(True, help="evaluate each perturbation and its mirror image")
    fitness_shaping: bool = option(True, help="use centred ranks instead of raw scores")
    update: str = option("adam", help="'adam' or 'sgd' (plain gradient ascent)", choices=("adam", "sgd"))
    weight_decay: float = option(0.0, help="L2 pull of the mean towards the start point", ge=0, le=1)

    def _init_state(self, problem: Problem, seed: int) -> State:
        frame = Frame(problem)
        dimension = problem.space.dimension
        return {"rng": new_rng_state(seed), "generation": 0, "mean": frame.start(problem),
                "start": frame.start(problem), "moment1": np.zeros(dimension), "moment2": np.zeros(dimension),
                "best_score": None, "best": None}

    def _start_from(self, problem, state, candidates, scalar, spacing) -> State:
        best = Frame(problem).to_frame(candidates[0])
        return {**state, "mean": best, "start": best}

    def _next_generation(self, problem: Problem, state: State) -> tuple[np.ndarray, State]:
        return self._sized_generation(problem, state, None)

    def _sized_generation(self, problem: Problem, state: State, wanted: int | None) -> tuple[np.ndarray, State]:
        """``population_size`` perturbations, or as many as are wanted at once when that is more."""
        frame = Frame(problem)
        rng = rng_from_state(state["rng"])
        dimension = problem.space.dimension
        size = max(self.population_size, wanted or 0)
        if self.mirrored:
            half = rng.standard_normal(((size + 1) // 2, dimension))
            noise = np.vstack([half, -half])[:size]
        else:
            noise = rng.standard_normal((size, dimension))
        points = state["mean"] + self.sigma * noise
        return frame.from_frame(points), {**state, "rng": rng_state(rng)}

    def _start_at(self, problem, state, point) -> State:
        start = Frame(problem).to_frame(point)  # the weight decay's anchor too
        return {**state, "mean": start, "start": start}

    def _injected(self, problem, state, candidates, given) -> np.ndarray:
        """Injected points (run.initial_points) as perturbations of at most ``sqrt(n) + 2 n / (n + 2)`` sigmas."""
        return clipped_steps(problem, candidates, given, state["mean"], self.sigma)

    def _update(self, problem, state, candidates, scores, outputs=None) -> State:
        frame = Frame(problem)
        scalar = finite_scores(self.scalar_scores(problem, scores))
        noise = (frame.to_frame(candidates) - state["mean"]) / self.sigma
        if self.fitness_shaping:
            weights = centered_ranks(scalar)
        else:
            weights = (scalar - scalar.mean()) / (scalar.std() or 1.0)
        gradient = weights @ noise / (len(scalar) * self.sigma)
        gradient = gradient - self.weight_decay * (state["mean"] - state["start"])
        generation = state["generation"] + 1
        moment1, moment2 = state["moment1"], state["moment2"]
        if self.update == "adam":
            moment1 = 0.9 * moment1 + 0.1 * gradient
            moment2 = 0.999 * moment2 + 0.001 * gradient ** 2
            step = self.learning_rate * (moment1 / (1 - 0.9 ** generation)) / (
                np.sqrt(moment2 / (1 - 0.999 ** generation)) + 1e-8)
        else:
            step = self.learning_rate * gradient
        best_score, best = best_of(state["best_score"], candidates, scalar, state["best"])
        return {**state, "generation": generation, "mean": frame.clip(state["mean"] + step),
                "moment1": moment1, "moment2": moment2, "best_score": best_score, "best": best}


@dataclass(frozen=True)
class NaturalES(BudgetSized):
    """Natural evolution strategies (separable NES): mean and per-coordinate step sizes by natural gradient."""

    name: ClassVar[str] = "nes"
    needs_bounds: ClassVar[bool] = False
    takes_initial_points: ClassVar[bool] = True

    population_size: int | None = option(None, help="samples per generation (default 4 + 3 ln(dimension))", ge=2, le=MAX_POPULATION)
    sigma: float = option(0.3, help="initial step size, as a fraction of each range (or of 4*scale)", gt=0, le=MAX_STEP)
    mean_learning_rate: float = option(1.0, help="learning rate of the mean", gt=0)
    # The step sizes are multiplied by exp(sigma_learning_rate / 2 x ...) each generation: past 10 a generation changes
    # them by orders of magnitude at once (1e308 overflowed exp to inf with numpy's RuntimeWarning).
    sigma_learning_rate: float | None = option(None, help="learning rate of the step sizes "
                                                     "(default (3 + ln d) / (5 sqrt d))", gt=0, le=MAX_SIGMA_RATE)
    mirrored: bool = option(True, help="evaluate each sample and its mirror image")

    def size(self, problem: Problem) -> int:
        return self.population_size or 4 + int(3 * math.log(problem.space.dimension))

    def _init_state(self, problem: Problem, seed: int) -> State:
        frame = Frame(problem)
        return {"rng": new_rng_state(seed), "generation": 0, "mean": frame.start(problem),
                "sigma": np.full(problem.space.dimension, float(self.sigma)), "best_score": None, "best": None}

    def _start_from(self, problem, state, candidates, scalar, spacing) -> State:
        return {**state, "mean": Frame(problem).to_frame(candidates[0]),
                "sigma": np.full(problem.space.dimension, self.start_step * spacing)}

    def _next_generation(self, problem: Problem, state: State) -> tuple[np.ndarray, State]:
        return self._sized_generation(problem, state, None)

    def _sized_generation(self, problem: Problem, state: State, wanted: int | None) -> tuple[np.ndarray, State]:
        """``size`` samples, or as many as are wanted at once when that is more (one update per batch)."""
        frame = Frame(problem)
        rng = rng_from_state(state["rng"])
        size, dimension = max(self.size(problem), wanted or 0), problem.space.dimension
        if self.mirrored:
            half = rng.standard_normal(((size + 1) // 2, dimension))
            z = np.vstack([half, -half])[:size]
        else:
            z = rng.standard_normal((size, dimension))
        return frame.from_frame(state["mean"] + state["sigma"] * z), {**state, "rng": rng_state(rng)}

    def _injected(self, problem, state, candidates, given) -> np.ndarray:
        """Injected points (run.initial_points) as samples of at most ``sqrt(n) + 2 n / (n + 2)`` step sizes."""
        return clipped_steps(problem, candidates, given, state["mean"], state["sigma"])

    def _update(self, problem, state, candidates, scores, outputs=None) -> State:
        frame = Frame(problem)
        dimension = problem.space.dimension
        scalar = finite_scores(self.scalar_scores(problem, scores))
        z = (frame.to_frame(candidates) - state["mean"]) / state["sigma"]
        utilities = nes_utilities(scalar)
        sigma_rate = self.sigma_learning_rate or (3 + math.log(dimension)) / (5 * math.sqrt(dimension))
        mean = state["mean"] + self.mean_learning_rate * state["sigma"] * (utilities @ z)
        sigma = state["sigma"] * np.exp(sigma_rate / 2 * (utilities @ (z ** 2 - 1)))
        best_score, best = best_of(state["best_score"], candidates, scalar, state["best"])
        return {**state, "generation": state["generation"] + 1, "mean": frame.clip(mean),
                "sigma": np.clip(sigma, 1e-12, 1e3), "best_score": best_score, "best": best}
