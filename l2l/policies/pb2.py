"""PB2-style explore for the ``pbt`` policy (``explore = "pb2"``; after Parker-Holder et al. 2020).

Instead of perturbing the donor's parameters at random, an exploiting member takes the parameters a Gaussian
process expects to improve the score most over the next interval, with an upper-confidence bonus. Data: for
every trial and every two of its consecutive budgets, the point (budget as a fraction of the top budget, the
trial's parameters in the unit cube) and the change of its score between them. The GP (squared-exponential
kernel, its length scale picked from a few by the marginal likelihood, the changes standardized) is asked at
the next budget for candidate points drawn uniformly from the unit cube and near the donor's point; the one
with the largest mean + 2 standard deviations wins. Categorical parameters keep the donor's values. With
fewer than 4 data points the explore falls back to perturbation. Candidates come from the policy's own
random generator, so a resumed run decides as an uninterrupted one.
"""

from __future__ import annotations

import numpy as np

#: Bonus in standard deviations of the upper confidence bound.
KAPPA = 2.0
LENGTH_SCALES = (0.1, 0.25, 0.5, 1.0)
NOISE = 0.1
CANDIDATES = 256
MIN_DATA = 4


def score_changes(trials, top_budget: float) -> tuple[np.ndarray, np.ndarray]:
    """(points, changes): per trial and two consecutive budgets, (budget fraction, unit code) and the change."""
    points, changes = [], []
    for trial in trials.ids():
        scores = trials.scores_of(trial)
        if trials.failed(trial) or len(scores) < 2:
            continue
        unit = trials.unit_code(trial)
        budgets = sorted(scores)
        for before, after in zip(budgets, budgets[1:]):
            if np.isfinite(scores[before]) and np.isfinite(scores[after]):
                points.append(np.concatenate([[after / top_budget], unit]))
                changes.append(scores[after] - scores[before])
    if not points:
        return np.zeros((0, 0)), np.zeros(0)
    return np.asarray(points, dtype=float), np.asarray(changes, dtype=float)


def _kernel(a: np.ndarray, b: np.ndarray, length: float) -> np.ndarray:
    squared = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
    return np.exp(-0.5 * squared / length ** 2)


def _fit(points: np.ndarray, y: np.ndarray):
    """The length scale of largest marginal likelihood, with its Cholesky factor and weights."""
    best = None
    for length in LENGTH_SCALES:
        k = _kernel(points, points, length) + NOISE * np.eye(len(points))
        try:
            chol = np.linalg.cholesky(k)
        except np.linalg.LinAlgError:
            continue
        alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, y))
        evidence = -0.5 * y @ alpha - np.log(np.diag(chol)).sum()
        if best is None or evidence > best[0]:
            best = (evidence, length, chol, alpha)
    return best


def pb2_point(rng: np.random.Generator, trials, donor_unit: np.ndarray, fixed: np.ndarray, budget: float,
              top_budget: float) -> np.ndarray | None:
    """The unit-cube point to continue with at ``budget`` (None: too little data, perturb instead).

    ``fixed`` marks the coordinates (categorical parameters) that keep the donor's values.
    """
    points, changes = score_changes(trials, top_budget)
    if len(changes) < MIN_DATA:
        return None
    spread = changes.std()
    y = (changes - changes.mean()) / (spread if spread > 0 else 1.0)
    fit = _fit(points, y)
    if fit is None:
        return None
    _, length, chol, alpha = fit
    dimension = donor_unit.size
    near = np.clip(donor_unit + rng.normal(0.0, 0.1, (CANDIDATES // 2, dimension)), 0.0, 1.0)
    anywhere = rng.random((CANDIDATES - CANDIDATES // 2, dimension))
    candidates = np.where(fixed, donor_unit, np.vstack([near, anywhere]))
    query = np.column_stack([np.full(len(candidates), budget / top_budget), candidates])
    cross = _kernel(query, points, length)
    mean = cross @ alpha
    v = np.linalg.solve(chol, cross.T)
    std = np.sqrt(np.maximum(1.0 + NOISE - (v * v).sum(axis=0), 1e-12))
    return candidates[int(np.argmax(mean + KAPPA * std))]
