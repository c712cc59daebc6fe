"""The exact hypervolume of three objectives (the sweep of :mod:`l2l.analysis.hypervolume`) on the awkward fronts
a run makes: duplicates, dominated points, ties in every objective, points on or beyond the reference point,
failed (non-finite) rows, mixed directions, and none, one or two points. Checked exactly against a count of grid
cells (exact for points on an integer grid), against a sum of 2-D slabs on larger fronts, and for the
invariances a user relies on (the order of the rows and of the objectives does not matter)."""

from __future__ import annotations

import numpy as np
import pytest

from l2l.analysis.hypervolume import hypervolume, hypervolume_2d, hypervolume_3d, hypervolume_curve
from l2l.objectives import Objective

MINIMIZED = (Objective("a"), Objective("b"), Objective("c"))
MIXED = (Objective("a"), Objective("b", "maximize"), Objective("c"))


def grid_volume(values: np.ndarray, objectives, reference) -> float:
    """The volume ``values`` dominate up to ``reference``, by the cells of the grid their coordinates make: a cell
    counts if a point is at least as good as its best corner in every objective (non-finite rows and rows not
    better than the reference in every objective count for nothing)."""
    signs = np.array([o.sign for o in objectives], dtype=float)
    scores = np.asarray(values, dtype=float).reshape(-1, len(objectives)) * signs  # larger is better
    limit = np.asarray(reference, dtype=float) * signs
    scores = scores[np.isfinite(scores).all(axis=1) & (scores > limit).all(axis=1)]
    if not len(scores):
        return 0.0
    edges = [np.unique(np.r_[scores[:, k], limit[k]]) for k in range(len(limit))]
    corners = np.stack(np.meshgrid(*[e[1:] for e in edges], indexing="ij"), axis=-1).reshape(-1, len(limit))
    sizes = np.stack(np.meshgrid(*[np.diff(e) for e in edges], indexing="ij"), axis=-1).reshape(-1, len(limit))
    covered = (scores[None, :, :] >= corners[:, None, :]).all(axis=2).any(axis=1)
    return float(np.prod(sizes[covered], axis=1).sum())


def awkward_front(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` points on a small integer grid (ties in every objective, duplicates, dominated points, points on
    and beyond a reference of 5), some with a failed (non-finite) value."""
    values = rng.integers(0, 7, (count, 3)).astype(float)
    if count:
        values[rng.integers(0, count, count // 3)] = values[rng.integers(0, count, count // 3)]  # duplicates
        failed = rng.random(count) < 0.1
        values[failed, rng.integers(0, 3, failed.sum())] = rng.choice([np.nan, np.inf, -np.inf], failed.sum())
    return values


def test_the_volume_of_awkward_fronts_is_exactly_the_grid_cells_they_cover():
    rng = np.random.default_rng(2026)
    for count in [0, 1, 2, 0, 1, 2, *range(3, 16)] * 12:
        values = awkward_front(rng, count)
        for objectives, reference in ((MINIMIZED, [5.0, 5.0, 5.0]), (MIXED, [5.0, 1.0, 4.0])):
            assert hypervolume_3d(values, objectives, reference) == grid_volume(values, objectives, reference)


def test_none_one_and_two_points_have_the_volumes_of_their_boxes():
    reference = [4.0, 4.0, 4.0]
    assert hypervolume_3d(np.empty((0, 3)), MINIMIZED, reference) == 0.0
    assert hypervolume_3d([[4.0, 0.0, 0.0]], MINIMIZED, reference) == 0.0  # on the reference: no volume
    assert hypervolume_3d([[1.0, 2.0, 3.0]], MINIMIZED, reference) == 6.0
    assert hypervolume_3d([[1.0, 2.0, 3.0], [2.0, 2.0, 3.0]], MINIMIZED, reference) == 6.0  # the second dominated
    assert hypervolume_3d([[1.0, 3.0, 3.0], [3.0, 1.0, 3.0]], MINIMIZED, reference) == 5.0  # an L of 3 + 3 - 1
    assert hypervolume_3d([[1.0, 3.0, 3.0], [3.0, 1.0, 1.0]], MINIMIZED, reference) == 3.0 + 9.0 - 1.0


def slab_volume(values: np.ndarray, reference: np.ndarray) -> float:
    """The volume minimized ``values`` dominate up to ``reference``, slab by slab of the third objective: each
    slab's cross-section is the 2-D area (:func:`hypervolume_2d`, not the sweep) of the points at or below it."""
    levels = np.unique(np.r_[values[:, 2], reference[2]])
    return sum((top - bottom) * hypervolume_2d(values[values[:, 2] <= bottom, :2], MINIMIZED[:2], reference[:2])
               for bottom, top in zip(levels[:-1], levels[1:]))


def test_larger_fronts_agree_with_a_sum_of_slabs():
    rng = np.random.default_rng(11)
    normal = np.abs(rng.normal(size=(300, 3)))
    first = rng.random(300)
    fronts = {"sphere": normal / np.linalg.norm(normal, axis=1, keepdims=True),  # every point non-dominated
              "line": np.c_[first, 1 - first, rng.random(300)],  # the sweep's staircase keeps nearly every point
              "cloud": rng.random((300, 3))}  # mostly dominated
    reference = np.array([1.1, 1.05, 1.2])
    for name, values in fronts.items():
        assert hypervolume_3d(values, MINIMIZED, reference) == pytest.approx(slab_volume(values, reference),
                                                                              rel=1e-12), name


def test_the_order_of_the_rows_and_of_the_objectives_does_not_change_the_volume():
    rng = np.random.default_rng(5)
    normal = np.abs(rng.normal(size=(400, 3)))
    values = np.r_[normal / np.linalg.norm(normal, axis=1, keepdims=True), rng.random((100, 3)) + 0.2]
    reference = np.array([1.2, 1.1, 1.3])
    volume = hypervolume_3d(values, MINIMIZED, reference)
    for _ in range(6):
        rows, columns = rng.permutation(len(values)), rng.permutation(3)
        assert hypervolume_3d(values[rows][:, columns], MINIMIZED, reference[columns]) == pytest.approx(volume,
                                                                                                         rel=1e-12)
    grid = awkward_front(rng, 40)
    exact = hypervolume_3d(grid, MINIMIZED, [5.0, 5.0, 5.0])
    for columns in ([1, 2, 0], [2, 0, 1], [0, 2, 1]):
        assert hypervolume_3d(grid[rng.permutation(40)][:, columns], MINIMIZED, [5.0, 5.0, 5.0]) == exact


def test_a_third_objective_equal_everywhere_gives_the_area_times_its_height():
    rng = np.random.default_rng(8)
    for count in (1, 2, 50, 500):
        pairs = rng.random((count, 2))
        values = np.c_[pairs, np.full(count, 0.25)]
        area = hypervolume_2d(pairs, MINIMIZED[:2], [1.0, 1.0])
        assert hypervolume_3d(values, MINIMIZED, [1.0, 1.0, 1.0]) == pytest.approx(area * 0.75, rel=1e-12)


def test_the_curve_of_an_awkward_run_is_exactly_the_volume_of_each_prefix():
    """Each row its own candidate: the curve's running front (screened, merged chunk by chunk) must measure what
    the rows so far dominate, duplicates, failed rows and rows beyond the reference included."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        values = awkward_front(rng, 60)
        ends, curve = hypervolume_curve(values, np.ones(60, dtype=bool), np.arange(60), MIXED, [5.0, 1.0, 4.0],
                                        points=12)
        assert ends[-1] == 60
        for end, volume in zip(ends, curve):
            assert volume == grid_volume(values[:end], MIXED, [5.0, 1.0, 4.0])


def test_four_or_more_objectives_are_refused_in_one_message():
    four = (*MINIMIZED, Objective("d"))
    for function, arguments in ((hypervolume, ([[1, 1, 1, 1]], four, [2, 2, 2, 2])),
                                (hypervolume_curve, ([[1, 1, 1, 1]], [True], [0], four, [2, 2, 2, 2]))):
        with pytest.raises(ValueError, match="^a hypervolume is computed for two or three objectives, not 4$"):
            function(*arguments)
