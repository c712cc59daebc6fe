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

Asked for more candidates at once than the point and its probes (``ask(n)``
with a batch of free workers), a generation adds points along the last step's
direction from the point, at lengths spaced geometrically from half the
``learning_rate`` to the whole range (along a random line, both ways, before
the first step). When one of them scores better than the point, the point
moves there instead of taking the gradient step. Asked one generation at a
time (``ask()``, or ``n`` no larger than the probes), nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.optimizers._common import Frame, best_of, finite_scores
from l2l.optimizers._generations import BudgetSized
from l2l.optimizers.base import (MAX_POPULATION, MAX_STEP, Problem, State, new_rng_state, rng_from_state,
                                 rng_state)
from l2l.registry import option

METHODS = ("classic", "stochastic", "adam", "rmsprop")
#: The longest step tried along the line of a larger ask, in frame units (the whole range).
LONGEST_LINE_STEP = 1.0
#: Adam's and RMSProp's epsilon, relative to the largest gradient norm estimated so far (so the steps are the
#: same whatever the scale of the scores).
EPSILON = 1e-8


@dataclass(frozen=True)
class FiniteDifferenceGradient(BudgetSized):
    """Gradient descent on finite-difference estimates: classic, stochastic, Adam or RMSProp."""

    name: ClassVar[str] = "gradient-descent"
    needs_bounds: ClassVar[bool] = False

    method: str = option("adam", help="'classic', 'stochastic', 'adam' or 'rmsprop'", choices=METHODS)
    learning_rate: float = option(0.05, help="step size, in frame units (a fraction of each range), whatever the "
                                             "scale of the scores", gt=0, le=MAX_STEP)
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

    #: After a start-up design (a small budget), the probing step as a fraction of its spacing.
    probe: ClassVar[float] = 0.15

    def _start_from(self, problem, state, candidates, scalar, spacing) -> State:
        # Counted as a first step (to the design's best point), so a larger ask looks around it next.
        # The probes, sized to the design's spacing, search around the new point too.
        return {**state, "point": Frame(problem).to_frame(candidates[0]), "generation": 1,
                "direction": np.zeros(problem.space.dimension),
                "exploration_step": max(self.exploration_step, self.probe * spacing)}

    def _next_generation(self, problem: Problem, state: State) -> tuple[np.ndarray, State]:
        return self._sized_generation(problem, state, None)

    def _sized_generation(self, problem: Problem, state: State, wanted: int | None) -> tuple[np.ndarray, State]:
        """The point and its probes; when more are wanted at once, points along a line through the point too."""
        frame = Frame(problem)
        rng = rng_from_state(state["rng"])
        dimension = problem.space.dimension
        displacements = state.get("exploration_step", self.exploration_step) * rng.standard_normal(
            (self.directions(problem), dimension))
        points = np.vstack([state["point"], state["point"] + displacements])
        extra = 0 if wanted is None else wanted - len(points)
        if extra > 0:
            direction = np.asarray(state.get("direction", np.zeros(dimension)), dtype=float)
            if state["generation"] == 0:  # no step taken yet: random starting points, the best one kept
                shape = (extra, dimension)
                spread = np.where(frame.bounded, rng.random(shape), state["point"] + rng.normal(0, 0.25, shape))
                points = np.vstack([points, spread])
            elif not np.any(direction):  # just moved to a starting point: no gradient known there, look around
                unit = rng.standard_normal((extra, dimension))
                unit /= np.linalg.norm(unit, axis=1, keepdims=True)
                lengths = np.geomspace(self.learning_rate / 2, LONGEST_LINE_STEP / 2, extra)
                points = np.vstack([points, state["point"] + lengths[:, None] * unit])
            else:
                lengths = np.geomspace(self.learning_rate / 2, LONGEST_LINE_STEP, extra)
                unit = direction / np.linalg.norm(direction)
                points = np.vstack([points, state["point"] + lengths[:, None] * unit])
        return frame.from_frame(points), {**state, "rng": rng_state(rng)}

    def _update(self, problem, state, candidates, scores, outputs=None) -> State:
        frame = Frame(problem)
        scalar = finite_scores(self.scalar_scores(problem, scores))
        points = frame.to_frame(candidates)
        probes = 1 + self.directions(problem)  # the point, its probes, then line points (a larger ask)
        displacements = points[1:probes] - points[0]
        differences = scalar[1:probes] - scalar[0]
        gradient, *_ = np.linalg.lstsq(displacements, differences, rcond=None)
        direction = gradient.copy()  # the line of the next larger ask: uphill from here
        generation = state["generation"] + 1
        rng = rng_from_state(state["rng"])
        moment1, moment2 = state["moment1"], state["moment2"]
        scale = max(state.get("gradient_scale", 0.0), float(np.linalg.norm(gradient)))
        # Adam's and RMSProp's epsilon in units of the largest gradient seen, not of the scores: 1e-8 in score
        # units made the steps depend on the scores' scale (benchmarks/scale_invariance.py).
        epsilon = EPSILON * scale if scale > 0 else EPSILON
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
            step = self.learning_rate * corrected1 / (np.sqrt(corrected2) + epsilon)
        else:
            moment2 = self.momentum_decay * moment2 + (1 - self.momentum_decay) * gradient ** 2
            step = self.learning_rate * gradient / (np.sqrt(moment2) + epsilon)
        best_score, best = best_of(state["best_score"], candidates, scalar, state["best"])
        point = frame.clip(state["point"] + step)
        if len(points) > probes and scalar[probes:].max() > scalar[0]:  # a better point than this one: go there
            point = frame.clip(points[probes + int(np.argmax(scalar[probes:]))])
            if not np.any(state.get("direction", 0.0)):  # a starting point or a look around: no line yet
                direction = np.zeros(len(direction))
        return {**state, "rng": rng_state(rng), "generation": generation, "point": point,
                "moment1": moment1, "moment2": moment2, "gradient_scale": scale, "direction": direction,
                "best_score": best_score, "best": best}
