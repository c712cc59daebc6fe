"""CMA-ES: the covariance matrix adaptation evolution strategy, (mu/mu_w, lambda) form.

A small numpy implementation of Hansen's standard algorithm (rank-one and
rank-mu updates, cumulative step-size adaptation). It searches in frame
coordinates (see :mod:`l2l.optimizers._common`): the unit cube for bounded
parameters, ``4 * scale`` around the default for unbounded ones. Bounded
candidates are clipped to the bounds and the update uses the clipped points.
The state holds the mean, step size, covariance, both evolution paths and
the generator as arrays.

Known points (``run.initial_points``, :meth:`~l2l.optimizers._generations.Generational.inject`): the mean
starts at the first point (pycma's ``x0``, in place of ``start``) with the step size ``sigma``, and the points
are evaluated in place of the first samples of the first generation and told with it, as pycma's ``inject``
has them: before the update each injected point's step from the mean is clipped to a Mahalanobis length of at
most ``sqrt(n) + 2 n / (n + 2)`` (step-size units), the longest a sampled step typically has, so a good point
far from the mean pulls the mean, the paths and the covariance toward it by about one step and no more (Hansen,
"Injecting external solutions into CMA-ES", 2011).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.errors import ConfigError
from l2l.optimizers._common import Frame, finite_scores
from l2l.optimizers._generations import BudgetSized, clipped_steps
from l2l.optimizers.base import (MAX_POPULATION, MAX_STEP, Problem, State, new_rng_state, rng_from_state,
                                 rng_state)
from l2l.registry import option


def _weights(population_size: int) -> np.ndarray:
    mu = population_size // 2
    raw = math.log((population_size + 1) / 2) - np.log(np.arange(1, mu + 1))
    return raw / raw.sum()


@dataclass(frozen=True)
class CMAES(BudgetSized):
    """CMA-ES: covariance matrix adaptation evolution strategy (numpy; state as arrays)."""

    name: ClassVar[str] = "cmaes"
    needs_bounds: ClassVar[bool] = False
    takes_initial_points: ClassVar[bool] = True

    population_size: int | None = option(None, help="candidates per generation (default 4 + 3 ln(dimension))", ge=4, le=MAX_POPULATION)
    sigma: float = option(0.2, help="initial step size, as a fraction of each parameter's range (or of 4*scale)",
                          gt=0, le=MAX_STEP)
    start: str = option("default", help="initial mean: 'default' (the space's defaults) or 'random'", choices=("default", "random"))
    min_sigma: float = option(1e-12, help="the run is done when the step size falls below this", ge=0)

    def __post_init__(self) -> None:
        if not self.min_sigma <= self.sigma:
            raise ConfigError(f"optimizer 'cmaes': min_sigma must be <= sigma ({self.sigma}), got {self.min_sigma!r}")

    def lam(self, problem: Problem) -> int:
        if self.population_size is not None:
            return self.population_size
        return 4 + int(3 * math.log(problem.space.dimension))

    def _init_state(self, problem: Problem, seed: int) -> State:
        frame = Frame(problem)
        rng = rng_from_state(new_rng_state(seed))
        dimension = problem.space.dimension
        mean = frame.start(problem) if self.start == "default" else np.where(
            frame.bounded, rng.random(dimension), frame.start(problem) + rng.normal(0, 0.25, dimension))
        return {
            "rng": rng_state(rng), "generation": 0,
            "mean": mean, "sigma": float(self.sigma),
            "covariance": np.eye(dimension),
            "path_sigma": np.zeros(dimension), "path_c": np.zeros(dimension),
        }

    def _start_from(self, problem, state, candidates, scalar, spacing) -> State:
        return {**state, "mean": Frame(problem).to_frame(candidates[0]), "sigma": self.start_step * spacing}

    def _next_generation(self, problem: Problem, state: State) -> tuple[np.ndarray, State]:
        frame = Frame(problem)
        rng = rng_from_state(state["rng"])
        eigenvalues, basis = np.linalg.eigh(state["covariance"])
        root = basis * np.sqrt(np.maximum(eigenvalues, 1e-30))
        z = rng.standard_normal((self.lam(problem), problem.space.dimension))
        points = state["mean"] + state["sigma"] * z @ root.T
        return frame.from_frame(points), {**state, "rng": rng_state(rng)}

    def _injected(self, problem, state, candidates, given) -> np.ndarray:
        """The injected points' steps from the mean clipped to Mahalanobis length ``sqrt(n) + 2 n / (n + 2)``."""
        eigenvalues, basis = np.linalg.eigh(state["covariance"])
        whiten = basis @ np.diag(1 / np.sqrt(np.maximum(eigenvalues, 1e-30))) @ basis.T
        return clipped_steps(problem, candidates, given, state["mean"], state["sigma"], whiten)

    def _update(self, problem, state, candidates, scores, outputs=None) -> State:
        frame = Frame(problem)
        dimension = problem.space.dimension
        scalar = finite_scores(self.scalar_scores(problem, scores))
        points = frame.to_frame(candidates)
        lam = len(points)
        weights = _weights(max(lam, 2))[: max(1, lam // 2)]
        weights = weights / weights.sum()
        mu_eff = 1.0 / np.sum(weights ** 2)
        order = np.argsort(-scalar, kind="stable")[: len(weights)]
        mean, sigma, covariance = state["mean"], state["sigma"], state["covariance"]
        steps = (points[order] - mean) / sigma
        step = weights @ steps

        c_sigma = (mu_eff + 2) / (dimension + mu_eff + 5)
        d_sigma = 1 + 2 * max(0.0, math.sqrt((mu_eff - 1) / (dimension + 1)) - 1) + c_sigma
        c_c = (4 + mu_eff / dimension) / (dimension + 4 + 2 * mu_eff / dimension)
        c_1 = 2 / ((dimension + 1.3) ** 2 + mu_eff)
        c_mu = min(1 - c_1, 2 * (mu_eff - 2 + 1 / mu_eff) / ((dimension + 2) ** 2 + mu_eff))
        chi_n = math.sqrt(dimension) * (1 - 1 / (4 * dimension) + 1 / (21 * dimension ** 2))

        eigenvalues, basis = np.linalg.eigh(covariance)
        inv_sqrt = basis @ np.diag(1 / np.sqrt(np.maximum(eigenvalues, 1e-30))) @ basis.T
        path_sigma = (1 - c_sigma) * state["path_sigma"] + \
            math.sqrt(c_sigma * (2 - c_sigma) * mu_eff) * inv_sqrt @ step
        generation = state["generation"] + 1
        norm = np.linalg.norm(path_sigma)
        h_sigma = float(norm / math.sqrt(1 - (1 - c_sigma) ** (2 * generation)) < (1.4 + 2 / (dimension + 1)) * chi_n)
        path_c = (1 - c_c) * state["path_c"] + h_sigma * math.sqrt(c_c * (2 - c_c) * mu_eff) * step
        rank_mu = (steps * weights[:, None]).T @ steps
        covariance = ((1 - c_1 - c_mu) * covariance
                      + c_1 * (np.outer(path_c, path_c) + (1 - h_sigma) * c_c * (2 - c_c) * covariance)
                      + c_mu * rank_mu)
        covariance = (covariance + covariance.T) / 2
        sigma = sigma * math.exp((c_sigma / d_sigma) * (norm / chi_n - 1))
        sigma = float(min(sigma, 1e3 * self.sigma))
        return {**state, "generation": generation, "mean": frame.clip(mean + state["sigma"] * step),
                "sigma": sigma, "covariance": covariance, "path_sigma": path_sigma, "path_c": path_c}

    def done(self, problem: Problem, state: State) -> bool:
        return state["sigma"] < self.min_sigma
