"""Helpers shared by the numeric optimizers: a normalized frame, ranks, RNG plumbing.

Most optimizers here search in *frame* coordinates, in which one unit is the
natural range of each coordinate: the unit cube for a bounded coordinate, and
``4 * scale`` centred on the default for an unbounded one (so that ``default``
sits at 0.5, as the middle of a bounded range does). Bounded coordinates are
clipped to ``[0, 1]``; unbounded ones are free.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import numpy as np

from l2l.optimizers.base import GLOBAL_STATE_LOCK, Problem


class Frame:
    """Affine map between code space and frame coordinates for one space."""

    def __init__(self, problem: Problem):
        space = problem.space
        self.bounded = np.isfinite(space.lower) & np.isfinite(space.upper)
        width = np.where(self.bounded, space.upper - space.lower, 4.0 * space.scale())
        default = space.default()
        self.origin = np.where(self.bounded, space.lower, default - width / 2)
        self.width = width
        self.dimension = space.dimension

    def to_frame(self, codes: np.ndarray) -> np.ndarray:
        return (np.asarray(codes, dtype=float) - self.origin) / self.width

    def from_frame(self, points: np.ndarray) -> np.ndarray:
        return self.origin + self.clip(points) * self.width

    def clip(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=float)
        return np.where(self.bounded, np.clip(points, 0.0, 1.0), points)

    def start(self, problem: Problem) -> np.ndarray:
        """The frame coordinates of the space's default point."""
        return self.to_frame(problem.space.default())


def centered_ranks(values: np.ndarray) -> np.ndarray:
    """Fitness shaping: ranks mapped linearly to [-0.5, 0.5] (ties share the mean rank)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < 2:
        return np.zeros(n)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(n)
    ranks[order] = np.arange(n, dtype=float)
    for value in np.unique(values):
        tied = values == value
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    return ranks / (n - 1) - 0.5


def nes_utilities(values: np.ndarray) -> np.ndarray:
    """The rank-based utilities of natural evolution strategies (sum zero, best gets most)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    order = np.argsort(-values, kind="stable")
    raw = np.maximum(0.0, np.log(n / 2 + 1) - np.log(np.arange(1, n + 1)))
    raw = raw / raw.sum() - 1.0 / n
    utilities = np.empty(n)
    utilities[order] = raw
    return utilities


@contextmanager
def numpy_global_random(seed: int) -> Iterator[None]:
    """Run library code that draws from ``numpy.random``'s global generator with ``seed``.

    The global generator is restored afterwards, so nothing leaks between runs; :data:`GLOBAL_STATE_LOCK` is
    held throughout, so runs in other threads wait instead of drawing from it or restoring theirs over it.
    """
    with GLOBAL_STATE_LOCK:
        saved = np.random.get_state()
        np.random.seed(int(seed) % (2 ** 32))
        try:
            yield
        finally:
            np.random.set_state(saved)


def best_of(state_best: float | None, candidates: np.ndarray, scalar: np.ndarray,
            best_point: np.ndarray | None) -> tuple[float | None, np.ndarray | None]:
    """Update a (best score, best point) pair with new results; non-finite scores are ignored."""
    finite = np.isfinite(scalar)
    if not finite.any():
        return state_best, best_point
    i = int(np.argmax(np.where(finite, scalar, -np.inf)))
    if state_best is None or scalar[i] > state_best:
        return float(scalar[i]), np.asarray(candidates[i], dtype=float).copy()
    return state_best, best_point


def finite_scores(scalar: np.ndarray) -> np.ndarray:
    """Replace non-finite scores by something worse than every finite one: the worst finite score minus their
    range, so that scores scaled or shifted (``a * y + b``, ``a > 0``) give the replacement scaled and shifted
    alike (with one distinct finite score, its value minus ``1 + |value|``).

    Before, it was always the worst minus ``1 + |worst|``, in score units: with scores of order 1e-6 one failure
    told as ``-inf`` lay a million of their ranges below them, and ``gp``, which standardizes every score it
    holds, saw the successes as all alike (benchmarks/scale_invariance.py, docs/optimizers.md). For scores whose
    best is near 0 (losses near their minimum) the two are about the same."""
    scalar = np.asarray(scalar, dtype=float)
    finite = np.isfinite(scalar)
    if finite.all():
        return scalar
    if not finite.any():
        return np.where(finite, scalar, 0.0)
    low, high = scalar[finite].min(), scalar[finite].max()
    worst = low - (high - low) if high > low else low - 1.0 - abs(low)
    return np.where(finite, scalar, worst)


def finite_columns(scores: np.ndarray) -> np.ndarray:
    """:func:`finite_scores` of each objective's column of ``(n, k)`` scores: a failure told before any success
    (``-inf``) ranks below every success of the same pool, in a form DEAP's selections can take (an infinite
    fitness makes NaN of NSGA-III's normalization)."""
    scores = np.asarray(scores, dtype=float)
    if np.isfinite(scores).all():
        return scores
    return np.stack([finite_scores(column) for column in scores.T], axis=1) if scores.size else scores


def record_told(problem, state: dict, candidates: np.ndarray, scores: np.ndarray) -> dict:
    """Append told candidates and scores to ``state["codes"/"scores"]`` and drop them from
    ``state["pending"]`` (the asked-but-not-told candidates of model-based optimizers)."""
    candidates = np.atleast_2d(np.asarray(candidates, dtype=float)).reshape(-1, problem.space.dimension)
    scores = np.asarray(scores, dtype=float).reshape(len(candidates), problem.n_objectives)
    pending = state["pending"]
    keep = np.ones(len(pending), dtype=bool)
    for row in candidates:
        match = np.flatnonzero(keep & np.all(np.isclose(pending, row, rtol=1e-12, atol=1e-12), axis=1))
        if len(match):
            keep[match[0]] = False
    return {**state, "pending": pending[keep],
            "codes": np.vstack([state["codes"], candidates]),
            "scores": np.vstack([state["scores"], scores])}
