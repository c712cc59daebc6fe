"""Ensemble Kalman filter (EnKF) as an optimizer, the gradient-free trainer of the L2L paper.

The ensemble is ``ensemble_size`` parameter vectors ``u_j`` (frame
coordinates, see :mod:`l2l.optimizers._common`). Each generation asks the
whole ensemble; ``tell`` receives the model outputs ``G(u_j)`` (an ``(n, m)``
array) and moves every member towards the target ``y``:

    u_j <- u_j + C_uG (C_GG + gamma I)^-1 (y + eta_j - G(u_j))

with the ensemble cross-covariance ``C_uG``, output covariance ``C_GG`` and,
if ``perturb_observations``, ``eta_j ~ N(0, gamma I)``. The inverse is taken
in ensemble space (Woodbury), so outputs may be long. ``inflation`` widens
the ensemble around its mean after every update to delay collapse. The scores
are not used. Without a ``target`` the target is zero: the outputs are then
residuals to drive to zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.errors import ConfigError, EvaluationError
from l2l.optimizers._common import Frame, best_of
from l2l.optimizers._generations import Generational
from l2l.optimizers.base import (MAX_POPULATION, MAX_STEP, Problem, State, new_rng_state, rng_from_state,
                                 rng_state)
from l2l.registry import option


def kalman_update(ensemble: np.ndarray, outputs: np.ndarray, targets: np.ndarray, gamma: float) -> np.ndarray:
    """One EnKF analysis step.

    ``ensemble`` (J, d), ``outputs`` (J, m), ``targets`` (J, m) (the target, perturbed
    per member or not). Returns the updated (J, d) ensemble.
    """
    size = len(ensemble)
    centred_u = ensemble - ensemble.mean(axis=0)
    centred_g = outputs - outputs.mean(axis=0)
    residuals = targets - outputs
    # (C_GG + gamma I)^-1 r = (r - G^T (J gamma I + G G^T)^-1 G r) / gamma, with G = centred_g.
    small = size * gamma * np.eye(size) + centred_g @ centred_g.T
    projected = centred_g @ residuals.T
    solved = (residuals.T - centred_g.T @ np.linalg.solve(small, projected)) / gamma
    # C_uG = U^T G / J ;  update_j = C_uG solved_j
    return ensemble + (centred_u.T @ (centred_g @ solved) / size).T


@dataclass(frozen=True)
class EnsembleKalmanFilter(Generational):
    """Ensemble Kalman filter: moves an ensemble so that the model outputs approach a target."""

    name: ClassVar[str] = "enkf"
    needs_outputs: ClassVar[bool] = True
    takes_initial_points: ClassVar[bool] = True
    needs_bounds: ClassVar[bool] = False

    ensemble_size: int = option(20, help="members of the ensemble, evaluated every generation", ge=2, le=MAX_POPULATION)
    target: tuple[float, ...] | None = option(None, help="target output vector (default: zeros of the output length)")
    gamma: float = option(0.01, help="observation noise variance (regularizes the update)", gt=0, le=1e6)
    perturb_observations: bool = option(True, help="add N(0, gamma) noise to the target for every member")
    inflation: float = option(0.0, help="relative spread added to the ensemble around its mean after each update", ge=0, le=10)
    sigma: float = option(0.3, help="initial spread, as a fraction of each range (or of 4*scale)", gt=0, le=MAX_STEP)

    def __post_init__(self) -> None:
        if self.target is not None and len(self.target) == 0:
            raise ConfigError("optimizer 'enkf': target must be a non-empty list of numbers, got []")

    def _init_state(self, problem: Problem, seed: int) -> State:
        frame = Frame(problem)
        rng = rng_from_state(new_rng_state(seed))
        shape = (self.ensemble_size, problem.space.dimension)
        ensemble = frame.clip(frame.start(problem) + self.sigma * rng.standard_normal(shape))
        return {"rng": rng_state(rng), "generation": 0, "ensemble": ensemble, "best_score": None, "best": None}

    def _next_generation(self, problem: Problem, state: State) -> tuple[np.ndarray, State]:
        return Frame(problem).from_frame(state["ensemble"]), dict(state)

    def _update(self, problem, state, candidates, scores, outputs=None) -> State:
        if outputs is None:
            raise EvaluationError("optimizer 'enkf' needs the simulator's outputs; the simulator returned none")
        outputs = np.asarray(outputs, dtype=float).reshape(len(candidates), -1)
        target = np.zeros(outputs.shape[1]) if self.target is None else np.asarray(self.target, dtype=float)
        if target.shape != (outputs.shape[1],):
            raise EvaluationError(f"optimizer 'enkf': target has {len(target)} entries but the simulator "
                                  f"returned {outputs.shape[1]} outputs")
        frame = Frame(problem)
        rng = rng_from_state(state["rng"])
        ensemble = frame.to_frame(candidates)
        finite = np.all(np.isfinite(outputs), axis=1)
        targets = np.tile(target, (len(ensemble), 1))
        if self.perturb_observations:
            targets = targets + np.sqrt(self.gamma) * rng.standard_normal(targets.shape)
        updated = ensemble.copy()
        if finite.sum() >= 2:
            updated[finite] = kalman_update(ensemble[finite], outputs[finite], targets[finite], self.gamma)
            # Members whose model failed are redrawn around the updated ensemble.
            if not finite.all():
                mean, spread = updated[finite].mean(axis=0), updated[finite].std(axis=0)
                updated[~finite] = mean + spread * rng.standard_normal((int((~finite).sum()), ensemble.shape[1]))
        if self.inflation:
            mean = updated.mean(axis=0)
            updated = mean + (1 + self.inflation) * (updated - mean)
        scalar = self.scalar_scores(problem, scores) if scores is not None else np.full(len(candidates), np.nan)
        best_score, best = best_of(state["best_score"], np.asarray(candidates, dtype=float), scalar, state["best"])
        return {**state, "rng": rng_state(rng), "generation": state["generation"] + 1,
                "ensemble": frame.clip(updated), "best_score": best_score, "best": best}
