"""The hypervolume of a front of two or three objectives, and how it grew over a run: what ``l2l compare`` draws
for such runs, where each objective's best so far alone says nothing about the trade-off found.

The hypervolume is the area (two objectives) or volume (three) that the front dominates up to a reference point
(a point worse than the results in every objective): larger is better, and it grows whenever a new result widens
or pushes the front. Candidates evaluated more than once count with the means of their results, as ``l2l show``
lists the front (:func:`l2l.analysis.best.front_candidates`), so a lucky seed does not widen it while the
candidate's mean would not.

Four or more objectives have none here: an exact hypervolume then costs time that grows steeply with the
objectives and the front, and ``l2l compare`` says in a note that it compares each objective's best alone.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Sequence

import numpy as np
import pandas as pd

from l2l.objectives import Objective

#: Points at which :func:`hypervolume_curve` evaluates a run's front (plus the last evaluation): enough for a
#: smooth line, few enough that a file of a million evaluations is drawn in about a second.
CURVE_POINTS = 200


def _signs(objectives: Sequence[Objective]) -> np.ndarray:
    return np.array([o.sign for o in objectives], dtype=float)


def _within(scores: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """The rows of ``scores`` (larger is better) finite and better than ``limit`` in every objective: the only
    ones that add to a hypervolume measured from it."""
    return scores[np.isfinite(scores).all(axis=1) & (scores > limit).all(axis=1)]


def _area(scores: np.ndarray, limit: np.ndarray) -> float:
    """The area dominated by ``scores`` ((n, 2), larger is better, all better than ``limit``) up to ``limit``."""
    if not len(scores):
        return 0.0
    # best first by the first score; between one point's first score and the next one's, the area reaches up
    # to the best second score of the points seen so far (a dominated point does not raise it)
    order = np.argsort(-scores[:, 0], kind="stable")
    first, second = scores[order, 0], scores[order, 1]
    heights = np.maximum.accumulate(second) - limit[1]
    widths = first - np.r_[first[1:], limit[0]]
    return float(np.sum(widths * heights))


def _sweep_3d(scores: np.ndarray, limit: np.ndarray) -> tuple[float, np.ndarray]:
    """The volume dominated by ``scores`` ((n, 3), larger is better, all better than ``limit``) up to ``limit``,
    and which points no other point dominates (of equal points, the first).

    The points best first by the third score: the slab between one point's third score and the next one's is
    that thick, and its cross-section is the area that the points so far dominate in the first two scores. That
    area is kept as a staircase (first scores ascending, second descending), which each point updates by the
    area it adds; a point inside the staircase is dominated and adds nothing. Each point enters it once and
    leaves it at most once, so the sweep takes O(n log n) steps besides the lists' moves: 13,000 points of a front
    in 0.02-0.09 s (by the machine's load), a million in 2 s, over 1,000 times faster than nevergrad's indicator
    (benchmarks/hypervolume.py). The moves grow with the staircase's size, large only when the first two scores
    trade off against each other alone (100,000 such points 1.5-2.5 s). Callers keep the points few
    (:func:`hypervolume_curve` keeps a running front)."""
    count = len(scores)
    kept = np.zeros(count, dtype=bool)
    if not count:
        return 0.0, kept
    # by the third score, then the first, then the second, best first: a point that dominates another, or
    # equals it, comes before it
    order = np.lexsort((-scores[:, 1], -scores[:, 0], -scores[:, 2]))
    firsts, seconds = scores[order, 0].tolist(), scores[order, 1].tolist()
    left_end, bottom = float(limit[0]), float(limit[1])
    xs: list[float] = []  # the staircase's corners: first scores ascending ...
    below: list[float] = []  # ... and minus their second scores, ascending too (bisect needs it)
    size = 0
    area = 0.0
    areas = [0.0] * count  # the cross-section below each point, down to the next one
    joined: list[int] = []
    for k in range(count):
        x = firsts[k]
        y = seconds[k]
        i = bisect_left(xs, x)  # the first corner at least as far in the first score
        if i == size or below[i] > -y:  # not dominated: add what it covers beyond the staircase
            lo = bisect_left(below, -y, 0, i)  # corners lo .. i-1 lie under it, and leave the staircase
            edge = xs[lo - 1] if lo else left_end
            for j in range(lo, i):
                area += (xs[j] - edge) * (y + below[j])
                edge = xs[j]
            if i == size:
                area += (x - edge) * (y - bottom)
                hi = i
            else:
                area += (x - edge) * (y + below[i])
                hi = i + 1 if xs[i] == x else i  # a corner of the same first score, lower
            xs[lo:hi] = [x]
            below[lo:hi] = [-y]
            size += 1 - (hi - lo)
            joined.append(k)
        areas[k] = area
    kept[order[joined]] = True
    thirds = np.r_[scores[order, 2], limit[2]]
    return float(np.dot(areas, thirds[:-1] - thirds[1:])), kept


def _volume(scores: np.ndarray, limit: np.ndarray) -> float:
    """The hypervolume of ``scores`` ((n, 2) or (n, 3), larger is better) up to ``limit``; points not better
    than it in every objective, or with a non-finite score, add nothing."""
    scores = _within(scores, limit)
    return _area(scores, limit) if scores.shape[1] == 2 else _sweep_3d(scores, limit)[0]


def hypervolume_2d(values: np.ndarray, objectives: Sequence[Objective], reference: Sequence[float]) -> float:
    """The area dominated by the points ``values`` ((n, 2), in the objectives' own units and directions) up to
    ``reference`` (one value per objective). Dominated points, points with a non-finite value and points that
    are not better than the reference in both objectives add nothing; 0.0 for none."""
    signs = _signs(objectives)
    return _volume(np.asarray(values, dtype=float).reshape(-1, 2) * signs, np.asarray(reference, dtype=float) * signs)


def hypervolume_3d(values: np.ndarray, objectives: Sequence[Objective], reference: Sequence[float]) -> float:
    """The volume dominated by the points ``values`` ((n, 3), in the objectives' own units and directions) up to
    ``reference``, exactly (:func:`_sweep_3d`); what adds nothing as in :func:`hypervolume_2d`."""
    signs = _signs(objectives)
    return _volume(np.asarray(values, dtype=float).reshape(-1, 3) * signs, np.asarray(reference, dtype=float) * signs)


#: The most objectives a hypervolume is computed for (see the module's docstring).
MOST_OBJECTIVES = 3


def hypervolume(values: np.ndarray, objectives: Sequence[Objective], reference: Sequence[float]) -> float:
    """:func:`hypervolume_2d` or :func:`hypervolume_3d`, by the number of ``objectives``; a ValueError for
    another number."""
    if len(objectives) == 2:
        return hypervolume_2d(values, objectives, reference)
    if len(objectives) == 3:
        return hypervolume_3d(values, objectives, reference)
    raise ValueError(f"a hypervolume is computed for two or three objectives, not {len(objectives)}")


def reference_point(tables: Sequence[np.ndarray], objectives: Sequence[Objective]) -> np.ndarray:
    """The worst value of each objective over the results of every run compared (``tables``: (n, objectives)
    values of each run's counted results), so that all runs' areas are measured from one corner; NaN where no run has a
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


#: How many points of the running front :func:`hypervolume_curve` checks each new result of three objectives
#: against in numpy before the sweep, first a few, then more: most results of a long run are dominated by one of
#: them, and never reach the sweep's loop.
SCREENS = (8, 64)


def _screened(fresh: np.ndarray, front: np.ndarray) -> np.ndarray:
    """``fresh`` ((n, 3) scores) without the points that one of a few points of ``front`` (spread over it)
    dominates or equals: they would not join it."""
    for size in SCREENS:
        if not len(front) or not len(fresh):
            return fresh
        screen = front[np.unique(np.linspace(0, len(front) - 1, size).round().astype(int))]
        dominated = np.zeros(len(fresh), dtype=bool)
        for start in range(0, len(fresh), 4096):  # in blocks: a block against the screen is a few MB
            block = fresh[start:start + 4096]
            dominated[start:start + 4096] = ((screen[None, :, 0] >= block[:, 0, None])
                                             & (screen[None, :, 1] >= block[:, 1, None])
                                             & (screen[None, :, 2] >= block[:, 2, None])).any(axis=1)
        fresh = fresh[~dominated]
    return fresh


def _merged(front: np.ndarray, fresh: np.ndarray, limit: np.ndarray) -> tuple[np.ndarray, float]:
    """The non-dominated points of ``front`` and ``fresh`` (scores, larger is better, all better than ``limit``)
    and their hypervolume."""
    merged = np.vstack([front, fresh])
    if merged.shape[1] == 2:
        from l2l.results_schema.statistics import pareto_front_2d

        merged = merged[pareto_front_2d(merged)]
        return merged, _area(merged, limit)
    volume, kept = _sweep_3d(merged, limit)
    return merged[kept], volume


def hypervolume_curve(values: np.ndarray, counted: np.ndarray, candidates: np.ndarray,
                      objectives: Sequence[Objective], reference: Sequence[float],
                      points: int = CURVE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """The hypervolume of the front after the first k rows, at about ``points`` values of k from the first
    to the last row: (k, hypervolume).

    ``values``: (n, 2) or (n, 3) results in row order; ``counted``: which rows count (successful, at a
    multi-fidelity run's top budget); ``candidates``: the candidate of each row
    (:func:`l2l.analysis.best.repeat_groups`). A candidate with one counted result over the whole run is kept in a
    running front, merged chunk by chunk (a result beyond the reference point never adds, and is left out); a
    candidate with more is added at the means of its results so far (a non-finite result takes it off the front,
    as in :func:`~l2l.analysis.best.front_candidates`). So the curve can fall only where a repeat pulls a
    candidate's mean back, and it ends at the hypervolume of the front ``l2l show`` lists.

    Each of its points costs a sweep of the front so far: new points change the volume wherever they lie, and
    the volume after every prefix of the rows is in effect a hypervolume of four dimensions (the row the fourth),
    whose known exact algorithms take time growing as the square of the points. Three objectives: a
    13,000-evaluation NSGA-II run (a front of 3,000 points) 0.5-0.7 s, 13,000 rows that all join the front 2-5 s
    (benchmarks/hypervolume.py)."""
    dims = len(objectives)
    if dims not in (2, 3):
        raise ValueError(f"a hypervolume is computed for two or three objectives, not {dims}")
    values = np.asarray(values, dtype=float).reshape(-1, dims)
    count = len(values)
    if count == 0:
        return np.array([], dtype=int), np.array([])
    signs = _signs(objectives)
    scores = values * signs
    limit = np.asarray(reference, dtype=float) * signs
    counted = np.asarray(counted, dtype=bool)
    codes = pd.factorize(np.asarray(candidates))[0]
    per_candidate = np.bincount(codes[counted], minlength=codes.max() + 1)
    repeated = counted & (per_candidate[codes] > 1)
    single = counted & ~repeated
    useful = single & np.isfinite(scores).all(axis=1) & (scores > limit).all(axis=1)
    compact = np.full(len(per_candidate), -1)
    groups = np.flatnonzero(per_candidate > 1)
    compact[groups] = np.arange(len(groups))
    sums = np.zeros((len(groups), dims))
    seen = np.zeros(len(groups))
    front = np.empty((0, dims))
    volume = 0.0
    ends = np.unique(np.linspace(0, count, points + 1).round().astype(int)[1:])
    ends = ends[ends > 0]  # under 100 rows the first steps round to 0 rows, which callers read as row -1
    out = np.empty(len(ends))
    start = 0
    for j, end in enumerate(ends):
        rows = np.arange(start, end)
        fresh = scores[rows[useful[start:end]]]
        if dims == 3:
            fresh = _screened(fresh, front)
        if len(fresh):
            front, volume = _merged(front, fresh, limit)
        again = rows[repeated[start:end]]
        if len(again):
            slots = compact[codes[again]]
            for k in range(dims):
                sums[:, k] += np.bincount(slots, weights=scores[again, k], minlength=len(groups))
            seen += np.bincount(slots, minlength=len(groups))
        if seen.any():  # the means move as repeats come in: measured with the front, not merged into it
            out[j] = _volume(np.vstack([front, sums[seen > 0] / seen[seen > 0, None]]), limit)
        else:
            out[j] = volume
        start = end
    return ends, out


__all__ = ["CURVE_POINTS", "MOST_OBJECTIVES", "hypervolume", "hypervolume_2d", "hypervolume_3d", "hypervolume_curve",
           "reference_point"]
