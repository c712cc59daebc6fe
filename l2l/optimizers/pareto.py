"""Pareto fronts and 2-D hypervolume of score arrays in which larger is better.

Use them on the ``scores`` the optimizers receive, or on raw objective values
after multiplying each minimized objective by -1
(:func:`l2l.objectives.scores_from_values`).
"""

from __future__ import annotations

import numpy as np


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """True if ``a`` is at least as good as ``b`` everywhere and better somewhere."""
    return bool(np.all(a >= b) and np.any(a > b))


def pareto_front_mask(scores: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``scores`` (n, k), larger is better.

    Rows with a non-finite entry are never on the front. Duplicated rows that
    are non-dominated are all kept.
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1:
        scores = scores[:, None]
    n = len(scores)
    finite = np.all(np.isfinite(scores), axis=1)
    mask = finite.copy()
    # Lexicographic order (best first) lets a point be dominated only by earlier points.
    order = np.lexsort(tuple(-scores[:, j] for j in reversed(range(scores.shape[1]))))
    kept: list[int] = []
    for i in order:
        if not finite[i]:
            continue
        row = scores[i]
        if kept:
            front = scores[kept]
            if np.any(np.all(front >= row, axis=1) & np.any(front > row, axis=1)):
                mask[i] = False
                continue
        kept.append(i)
    return mask if n else np.zeros(0, dtype=bool)


def pareto_front(scores: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated rows, in the order of the input."""
    return np.flatnonzero(pareto_front_mask(scores))


def hypervolume_2d(scores: np.ndarray, reference: tuple[float, float] | np.ndarray) -> float:
    """Area dominated by the rows of ``scores`` (n, 2) and bounded below by ``reference``.

    Larger is better in both columns; ``reference`` is a point worse than the
    region of interest. Points that do not strictly dominate the reference in
    both coordinates add nothing.
    """
    scores = np.asarray(scores, dtype=float).reshape(-1, 2)
    reference = np.asarray(reference, dtype=float).reshape(2)
    keep = np.all(np.isfinite(scores), axis=1) & np.all(scores > reference, axis=1)
    points = scores[keep]
    if len(points) == 0:
        return 0.0
    points = points[pareto_front_mask(points)]
    points = points[np.argsort(-points[:, 0], kind="stable")]
    area = 0.0
    height = reference[1]
    for x, y in points:
        if y > height:
            area += (x - reference[0]) * (y - height)
            height = y
    return float(area)
