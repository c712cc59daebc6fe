"""Gradient ascent on finite-difference gradient estimates.

Each generation evaluates the current point and ``n_random_directions``
points ``x + exploration_step * u`` with Gaussian directions ``u`` (in frame
coordinates, see :mod:`l2l.optimizers._common`). The gradient is the least
squares fit of the score differences against the displacements. The point
then moves by one of

* ``classic``: ``x += learning_rate * g / G``, where ``G`` is the largest
  gradient norm estimated so far: the step is in frame units whatever the
  scale of the scores, never longer than ``learning_rate``, and shrinks as
  the gradient flattens;
* ``stochastic``: as classic, plus Gaussian noise of std
  ``stochastic_deviation * stochastic_decay**generation`` added to ``g / G``;
* ``adam``: Adam with ``first_order_decay`` and ``second_order_decay``;
* ``rmsprop``: the gradient divided by a running root mean square (``momentum_decay``).

Scores are larger-is-better, so every method climbs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.optimizers._common import Frame, best_of, finite_scores
from l2l.optimizers._generations import Generational
from l2l.optimizers.base import (MAX_POPULATION, Problem, State, new_rng_state, rng_from_state,
                                 rng_state)
from l2l.registry import option

METHODS = ("classic", "stochastic", "adam", "rmsprop")


@dataclass(frozen=True)
class FiniteDifferenceGradient(Generational):
    """Gradient descent on finite-difference estimates: classic, stochastic, Adam or RMSProp."""

    name: ClassVar[str] = "gradient-descent"
    needs_bounds: ClassVar[bool] = False

    method: str = option("adam", help="'classic', 'stochastic', 'adam' or 'rmsprop'", choices=METHODS)
    learning_rate: float = option(0.05, help="step size, in frame units (a fraction of each range), whatever the "
                                             "scale of the scores", gt=0)
    exploration_step: float = option(0.01, help="length scale of the probing displacements, in frame units", gt=0)
    n_random_directions: int | None = option(None, help="probing points per generation (default: the dimension)", ge=1, le=MAX_POPULATION)
    normalize_gradient: bool = option(False, help="use only the gradient's direction (classic, stochastic)")
    stochastic_deviation: float = option(1.0, help="std of the noise added to the gradient, relative to the largest "
                                                   "gradient norm seen (stochastic)", ge=0, le=1e9)
    stochastic_decay: float = option(0.95, help="factor applied to that noise every generation (stochastic)", ge=0, lt=1)
    first_order_decay: float = option(0.9, help="decay of Adam's first moment", ge=0, lt=1)
    second_order_decay: float = option(0.999, help="decay of Adam's second moment", ge=0, lt=1)
    momentum_decay: float = option(0.9, help="decay of RMSProp's mean square", ge=0, lt=1)
    start: str = option("default", help="starting point: 'default' or 'random'", choices=("default", "random"))

    def directions(self, problem: Problem) -> int:
        return self.n_random_directions or problem.space.dimension

    def _init_state(self, problem: Problem, seed: int) -> State:
        frame = Frame(problem)
        rng = rng_from_state(new_rng_state(seed))
        dimension = problem.space.dimension
        point = frame.start(problem)
        if self.start == "random":
            point = frame.clip(np.where(frame.bounded, rng.random(dimension), point + rng.normal(0, 0.25, dimension)))
        return {"rng": rng_state(rng), "generation": 0, "point": point,
                "moment1": np.zeros(dimension), "moment2": np.zeros(dimension), "gradient_scale": 0.0,
                "best_score": None, "best": None}

    def _next_generation(self, problem: Problem, state: State) -> tuple[np.ndarray, State]:
        frame = Frame(problem)
        rng = rng_from_state(state["rng"])
        dimension = problem.space.dimension
        displacements = self.exploration_step * rng.standard_normal((self.directions(problem), dimension))
        points = np.vstack([state["point"], state["point"] + displacements])
        return frame.from_frame(points), {**state, "rng": rng_state(rng)}

    def _update(self, problem, state, candidates, scores, outputs=None) -> State:
        frame = Frame(problem)
        scalar = finite_scores(self.scalar_scores(problem, scores))
        points = frame.to_frame(candidates)
        displacements = points[1:] - points[0]
        differences = scalar[1:] - scalar[0]
        gradient, *_ = np.linalg.lstsq(displacements, differences, rcond=None)
        generation = state["generation"] + 1
        rng = rng_from_state(state["rng"])
        moment1, moment2 = state["moment1"], state["moment2"]
        scale = max(state.get("gradient_scale", 0.0), float(np.linalg.norm(gradient)))
        if self.method in ("classic", "stochastic"):
            gradient = gradient / scale if scale > 0 else gradient
            if self.method == "stochastic":
                deviation = self.stochastic_deviation * self.stochastic_decay ** generation
                gradient = gradient + deviation * rng.standard_normal(len(gradient))
            if self.normalize_gradient:
                gradient = gradient / (np.linalg.norm(gradient) or 1.0)
            step = self.learning_rate * gradient
        elif self.method == "adam":
            moment1 = self.first_order_decay * moment1 + (1 - self.first_order_decay) * gradient
            moment2 = self.second_order_decay * moment2 + (1 - self.second_order_decay) * gradient ** 2
            corrected1 = moment1 / (1 - self.first_order_decay ** generation)
            corrected2 = moment2 / (1 - self.second_order_decay ** generation)
            step = self.learning_rate * corrected1 / (np.sqrt(corrected2) + 1e-8)
        else:
            moment2 = self.momentum_decay * moment2 + (1 - self.momentum_decay) * gradient ** 2
            step = self.learning_rate * gradient / (np.sqrt(moment2) + 1e-8)
        best_score, best = best_of(state["best_score"], candidates, scalar, state["best"])
        return {**state, "rng": rng_state(rng), "generation": generation, "point": frame.clip(state["point"] + step),
                "moment1": moment1, "moment2": moment2, "gradient_scale": scale,
                "best_score": best_score, "best": best}
