"""The hypervolume of a front of two objectives, and how it grew over a run: what ``l2l compare`` draws for runs
with two objectives, where each objective's best so far alone says nothing about the trade-off found.

The hypervolume is the area that the front dominates up to a reference point (a point worse than the results in
both objectives): larger is better, and it grows whenever a new result widens or pushes the front. Candidates
evaluated more than once count with the means of their results, as ``l2l show`` lists the front
(:func:`l2l.analysis.best.front_candidates`), so a lucky seed does not widen the area while the candidate's mean
would not.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from l2l.objectives import Objective

#: Points at which :func:`hypervolume_curve` evaluates a run's front (plus the last evaluation): enough for a
#: smooth line, few enough that a file of a million evaluations is drawn in about a second.
CURVE_POINTS = 200


def _signs(objectives: Sequence[Objective]) -> np.ndarray:
    return np.array([o.sign for o in objectives], dtype=float)


def hypervolume_2d(values: np.ndarray, objectives: Sequence[Objective], reference: Sequence[float]) -> float:
    """The area dominated by the points ``values`` ((n, 2), in the objectives' own units and directions) up to
    ``reference`` (one value per objective). Dominated points, points with a non-finite value and points that
    are not better than the reference in both objectives add nothing; 0.0 for none."""
    signs = _signs(objectives)
    scores = np.asarray(values, dtype=float).reshape(-1, 2) * signs  # larger is better
    limit = np.asarray(reference, dtype=float) * signs
    keep = np.isfinite(scores).all(axis=1) & (scores[:, 0] > limit[0]) & (scores[:, 1] > limit[1])
    scores = scores[keep]
    if not len(scores):
        return 0.0
    # best first by the first score; between one point's first score and the next one's, the area reaches up
    # to the best second score of the points seen so far (a dominated point does not raise it)
    order = np.argsort(-scores[:, 0], kind="stable")
    first, second = scores[order, 0], scores[order, 1]
    heights = np.maximum.accumulate(second) - limit[1]
    widths = first - np.r_[first[1:], limit[0]]
    return float(np.sum(widths * heights))


def reference_point(tables: Sequence[np.ndarray], objectives: Sequence[Objective]) -> np.ndarray:
    """The worst value of each objective over the results of every run compared (``tables``: (n, 2) values of
    each run's counted results), so that all runs' areas are measured from one corner; NaN where no run has a
    finite value. The worst results themselves then add nothing, which is the price of needing no margin."""
    signs = _signs(objectives)
    out = np.full(len(objectives), np.nan)
    for table in tables:
        scores = np.asarray(table, dtype=float).reshape(-1, len(objectives)) * signs
        for k in range(len(objectives)):
            finite = scores[np.isfinite(scores[:, k]), k]
            if len(finite):
                out[k] = np.fmin(out[k], finite.min())
    return out * signs


def hypervolume_curve(values: np.ndarray, counted: np.ndarray, candidates: np.ndarray,
                      objectives: Sequence[Objective], reference: Sequence[float],
                      points: int = CURVE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """The hypervolume of the front after the first k rows, at about ``points`` values of k from the first
    to the last row: (k, hypervolume).

    ``values``: (n, 2) results in row order; ``counted``: which rows count (successful, at a multi-fidelity run's
    top budget); ``candidates``: the candidate of each row (:func:`l2l.analysis.best.repeat_groups`). A candidate
    with one counted result over the whole run is kept in a running front, merged chunk by chunk; a candidate with
    more is added at the means of its results so far (a non-finite result takes it off the front, as in
    :func:`~l2l.analysis.best.front_candidates`). So the curve can fall only where a repeat pulls a candidate's
    mean back, and it ends at the hypervolume of the front ``l2l show`` lists."""
    from l2l.results_schema.statistics import pareto_front_2d

    values = np.asarray(values, dtype=float).reshape(-1, 2)
    count = len(values)
    if count == 0:
        return np.array([], dtype=int), np.array([])
    scores = values * _signs(objectives)
    counted = np.asarray(counted, dtype=bool)
    codes = pd.factorize(np.asarray(candidates))[0]
    per_candidate = np.bincount(codes[counted], minlength=codes.max() + 1)
    repeated = counted & (per_candidate[codes] > 1)
    single = counted & ~repeated
    compact = np.full(len(per_candidate), -1)
    groups = np.flatnonzero(per_candidate > 1)
    compact[groups] = np.arange(len(groups))
    sums = np.zeros((len(groups), 2))
    seen = np.zeros(len(groups))
    front = np.empty((0, 2))
    ends = np.unique(np.linspace(0, count, points + 1).round().astype(int)[1:])
    ends = ends[ends > 0]  # under 100 rows the first steps round to 0 rows, which callers read as row -1
    out = np.empty(len(ends))
    start = 0
    for j, end in enumerate(ends):
        rows = np.arange(start, end)
        fresh = scores[rows[single[start:end]]]
        if len(fresh):
            merged = np.vstack([front, fresh])
            front = merged[pareto_front_2d(merged)]
        again = rows[repeated[start:end]]
        if len(again):
            slots = compact[codes[again]]
            sums[:, 0] += np.bincount(slots, weights=scores[again, 0], minlength=len(groups))
            sums[:, 1] += np.bincount(slots, weights=scores[again, 1], minlength=len(groups))
            seen += np.bincount(slots, minlength=len(groups))
        means = sums[seen > 0] / seen[seen > 0, None]
        out[j] = hypervolume_2d(np.vstack([front, means]) * _signs(objectives), objectives, reference)
        start = end
    return ends, out


__all__ = ["CURVE_POINTS", "hypervolume_2d", "hypervolume_curve", "reference_point"]
