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
    areas, joined = _staircase(scores[order, 0].tolist(), scores[order, 1].tolist(), float(limit[0]),
                               float(limit[1]))
    kept[order[joined]] = True
    thirds = np.r_[scores[order, 2], limit[2]]
    return float(np.dot(areas, thirds[:-1] - thirds[1:])), kept


def _staircase(firsts: list[float], seconds: list[float], left_end: float, bottom: float
               ) -> tuple[list[float], list[int]]:
    """:func:`_sweep_3d`'s sweep of points in its order (``firsts`` and ``seconds``: their first two scores): the
    area the points so far dominate in those two scores after each point, and which points joined the staircase
    (the others are dominated by one before them)."""
    count = len(firsts)
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
    return areas, joined


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


def _covered(pieces: list[tuple[float, float, float]], limit: tuple[float, float, float]) -> float:
    """The volume a few points dominate up to ``limit``: the sweep of :func:`_sweep_3d` without numpy, whose calls
    cost more than the sweep of a few dozen points. ``pieces``: the points' scores (larger is better, better than
    ``limit``), each as (third, first, second), which sorts them as the sweep takes them."""
    pieces.sort(reverse=True)
    areas = _staircase([point[1] for point in pieces], [point[2] for point in pieces], limit[0], limit[1])[0]
    thirds = [point[0] for point in pieces] + [limit[2]]
    return sum(area * (thirds[k] - thirds[k + 1]) for k, area in enumerate(areas))


class _Front:
    """A running front of three scores (larger is better, all better than ``limit``) and the volume it dominates,
    to which points are added one at a time, each by the volume it adds (:meth:`add`): what
    :func:`hypervolume_curve` does where a sweep of the whole front after each chunk of rows costs more.

    The points are kept in columns sorted by the first score, so that the points at least as far as a new one in
    it are a slice. The volume a new point ``p`` adds is its box (from ``limit`` to ``p``) less the part of it the
    front dominates, which is the volume of the front's points each cut down to ``p``. Of those, three stand for
    all the points at least as far as ``p`` in two scores (the one furthest in the third) and the others matter
    only if they lie beyond all three in every score: in a dense front a few dozen, swept by :func:`_covered`.
    So a point costs a few passes of numpy over the front, not a sweep of it in Python."""

    def __init__(self, capacity: int, limit: np.ndarray):
        self.columns = np.empty((3, capacity + 1))
        self.size = 0
        self.limit = tuple(float(v) for v in limit)
        self.volume = 0.0

    def points(self) -> np.ndarray:
        return self.columns[:, :self.size].T

    def replace(self, points: np.ndarray, volume: float) -> None:
        """The front is ``points`` (non-dominated), which dominate ``volume``."""
        order = np.argsort(points[:, 0], kind="stable")
        self.size = len(points)
        self.columns[:, :self.size] = points[order].T
        self.volume = volume

    def add(self, p0: float, p1: float, p2: float) -> None:
        """Add the point ``(p0, p1, p2)``: the volume it adds, and the points it dominates leave the front; nothing
        if a point of the front dominates or equals it."""
        m = self.size
        x, y, z = self.columns[0, :m], self.columns[1, :m], self.columns[2, :m]
        r0, r1, r2 = self.limit
        i0 = int(x.searchsorted(p0))  # x[i0:] >= p0 > x[:i0]
        a0, a1, a2, ends = r0, r1, r2, []  # how far the three cut-down points stand for the others
        if i0 < m:
            ys, zs = y[i0:], z[i0:]
            tops = np.where(ys >= p1, zs, -np.inf)
            k = int(tops.argmax())
            if tops[k] >= p2:
                return  # dominated or equal
            if tops[k] > r2:
                a2, ends = float(tops[k]), [i0 + k]
            sides = np.where(zs >= p2, ys, -np.inf)
            k = int(sides.argmax())
            if sides[k] > r1:
                a1 = float(sides[k])
                ends.append(i0 + k)
        lo = i0  # the point before p in the first score that is at least as far in the other two: from p back
        for size in (16, 128, 1024, m):
            start = max(0, lo - size)
            found = np.flatnonzero((y[start:lo] >= p1) & (z[start:lo] >= p2))
            if len(found):
                a0 = float(x[start + found[-1]])
                ends.append(start + int(found[-1]))
                break
            lo = start
            if not lo:
                break
        ia = int(x.searchsorted(a0, side="right"))
        near = np.concatenate([ia + np.flatnonzero((y[ia:] > a1) & (z[ia:] > a2)), ends]).astype(int)
        here = self.columns[:, near]
        cut = np.minimum(here, [[p0], [p1], [p2]])
        pieces = list(zip(cut[2].tolist(), cut[0].tolist(), cut[1].tolist()))
        pieces += [point for point, a, r in (((a2, p0, p1), a2, r2), ((p2, p0, a1), a1, r1), ((p2, a0, p1), a0, r0))
                   if a > r]
        self.volume += (p0 - r0) * (p1 - r1) * (p2 - r2) - _covered(pieces, self.limit)
        # the points p dominates (cut down to p, they stay as they were): each among those near it, or one of the
        # three ends (equal to p in two scores)
        gone = near[(cut == here).all(axis=0)]
        if len(gone):
            keep = np.ones(m, dtype=bool)
            keep[gone] = False
            m = int(keep.sum())
            self.columns[:, :m] = self.columns[:, :self.size][:, keep]
        at = int(self.columns[0, :m].searchsorted(p0))
        self.columns[:, at + 1:m + 1] = self.columns[:, at:m]
        self.columns[:, at] = (p0, p1, p2)
        self.size = m + 1


#: The cost of adding a point to a :class:`_Front` of ``m`` points, in units of one point of a sweep: about
#: ``POINT_COST[0] + POINT_COST[1] * m``. :func:`hypervolume_curve` adds a chunk's new points one by one where that
#: costs less than sweeping the front and them together: with about 65 new points a chunk, once the front holds
#: some 3,400 points. Set from the curves of benchmarks/hypervolume.py: a point costs 40-100 points of a sweep (more
#: where the sweep's staircase is small, as in the NSGA-II run, which sweeps as before; about 2.7x faster for a
#: run whose 13,000 rows all join the front).
POINT_COST = (40.0, 0.004)


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

    The volume after every prefix of the rows is in effect a hypervolume of four dimensions (the row the fourth),
    whose known exact algorithms take time growing as the square of the points. Three objectives: after each
    chunk of rows, either a sweep of the front so far and the chunk's new points, or (where the front is large
    and the new points few, :data:`POINT_COST`) the volume each new point adds, one by one (:class:`_Front`); both
    exact, they agree to about 1e-14 of the volume (rounding). A 13,000-evaluation NSGA-II run (a front of 3,000
    points) sweeps, 0.5-1 s; 13,000 rows that all join the front took 2-5 s by sweeps, about a third of that point
    by point (benchmarks/hypervolume.py)."""
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
    running = _Front(int(useful.sum()), limit) if dims == 3 else None
    ends = np.unique(np.linspace(0, count, points + 1).round().astype(int)[1:])
    ends = ends[ends > 0]  # under 100 rows the first steps round to 0 rows, which callers read as row -1
    out = np.empty(len(ends))
    start = 0
    for j, end in enumerate(ends):
        rows = np.arange(start, end)
        fresh = scores[rows[useful[start:end]]]
        if running is not None:
            fresh = _screened(fresh, running.points())
            if len(fresh) * (POINT_COST[0] + POINT_COST[1] * running.size) < running.size + len(fresh):
                for point in fresh.tolist():
                    running.add(*point)
            elif len(fresh):
                running.replace(*_merged(running.points(), fresh, limit))
            front, volume = running.points(), running.volume
        elif len(fresh):
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
