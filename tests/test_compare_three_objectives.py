"""l2l compare of runs with three objectives draws and tabulates the hypervolume of their fronts (before, a note
said it was computed for two only), and a comparison of runs none of which has a successful result is refused in
one line (before: a table of NaN and 'reference point nan', exit status 0).

The exact volume is checked against a count of grid cells (exact for points on a grid) and a Monte-Carlo estimate
on random fronts, and on cases known by hand."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from l2l.analysis.best import front_candidates, ranked
from l2l.analysis.hypervolume import hypervolume, hypervolume_3d, hypervolume_curve
from l2l.numbers import number
from l2l.objectives import Objective
from l2l.plot.data import RunData

MINIMIZED = (Objective("a"), Objective("b"), Objective("c"))
TESTS = Path(__file__).parent


def three_objectives(params, seed):
    """A trade-off between three objectives (f3 also maximized in one test), with a little noise."""
    x = np.asarray(params["x"], dtype=float)
    noise = np.random.default_rng(seed).uniform(0, 0.05)
    return {"f1": float(x[0]), "f2": float(x[1] + noise), "f3": float(2 - x[0] - x[1] + x[2] ** 2)}


def always_fails(params, seed):
    raise RuntimeError("diverged")


def covered_cells(points: np.ndarray, reference: np.ndarray) -> float:
    """The volume that minimized ``points`` dominate up to ``reference``, by the cells of the grid their
    coordinates make: a cell is covered if a point is at or below its lower corner in every objective."""
    points = points[(points < reference).all(axis=1)]
    if not len(points):
        return 0.0
    edges = [np.unique(np.r_[points[:, k], reference[k]]) for k in range(3)]
    corners = np.stack(np.meshgrid(*[e[:-1] for e in edges], indexing="ij"), axis=-1).reshape(-1, 3)
    sizes = np.stack(np.meshgrid(*[np.diff(e) for e in edges], indexing="ij"), axis=-1).reshape(-1, 3)
    covered = (points[None, :, :] <= corners[:, None, :]).all(axis=2).any(axis=1)
    return float(np.prod(sizes[covered], axis=1).sum())


def test_the_volume_of_fronts_on_a_grid_is_the_cells_they_cover():
    rng = np.random.default_rng(7)
    for _ in range(150):
        points = rng.integers(0, 6, (rng.integers(1, 13), 3)).astype(float)  # ties in every objective
        reference = np.array([6.0, 6.0, 6.0]) - rng.integers(0, 3, 3)
        assert hypervolume_3d(points, MINIMIZED, reference) == pytest.approx(covered_cells(points, reference),
                                                                              abs=1e-9)


def test_the_volume_of_random_fronts_agrees_with_monte_carlo():
    """Directions mixed: a maximized objective measures up from its reference."""
    rng = np.random.default_rng(3)
    objectives = (Objective("a"), Objective("b", "maximize"), Objective("c"))
    samples = 100_000
    for _ in range(3):
        angles = rng.uniform(0, np.pi / 2, (30, 2))
        surface = np.c_[np.cos(angles[:, 0]) * np.cos(angles[:, 1]), np.cos(angles[:, 0]) * np.sin(angles[:, 1]),
                        np.sin(angles[:, 0])] + rng.uniform(0, 0.2, (30, 1))
        values = surface * [1, -1, 1] + [0, 2, 0]  # b = 2 - ... : larger is better
        reference = np.array([1.3, 0.7, 1.3])
        box = rng.uniform(0, 1, (samples, 3)) * [1.3, 1.3, 1.3] * [1, -1, 1] + [0, 2, 0]  # the box [0, reference]
        scores, sample_scores = values * [1, -1, 1], box * [1, -1, 1]  # minimized
        dominated = np.zeros(samples, dtype=bool)
        for point in scores:
            dominated |= (sample_scores >= point).all(axis=1)
        estimate = dominated.mean() * 1.3 ** 3
        error = 1.3 ** 3 * np.sqrt(dominated.mean() * (1 - dominated.mean()) / samples)
        assert hypervolume_3d(values, objectives, reference) == pytest.approx(estimate, abs=5 * error)


def test_known_volumes():
    reference = [4.0, 4.0, 4.0]
    assert hypervolume_3d([[1, 2, 3]], MINIMIZED, reference) == pytest.approx(3 * 2 * 1)
    # a dominated point, a failed (NaN) point and one beyond the reference add nothing
    assert hypervolume_3d([[1, 2, 3], [2, 3, 3.5], [np.nan, 0, 0], [0, 5, 0]], MINIMIZED, reference) == \
        pytest.approx(6.0)
    # equal in the third objective: the L-shaped union of two boxes, 3x1x2 + 1x3x2 - 1x1x2
    assert hypervolume_3d([[1, 3, 2], [3, 1, 2]], MINIMIZED, reference) == pytest.approx(6 + 6 - 2)
    # equal in two: the better third wins
    assert hypervolume_3d([[1, 1, 3], [1, 1, 2]], MINIMIZED, reference) == pytest.approx(9 * 2)
    # the same point twice counts once
    assert hypervolume_3d([[1, 2, 3], [1, 2, 3]], MINIMIZED, reference) == pytest.approx(6.0)
    assert hypervolume_3d(np.empty((0, 3)), MINIMIZED, reference) == 0.0
    # two objectives go to the area, four are refused
    assert hypervolume([[1, 1]], MINIMIZED[:2], [3, 4]) == pytest.approx(6.0)
    with pytest.raises(ValueError, match="two or three"):
        hypervolume([[1, 1, 1, 1]], (*MINIMIZED, Objective("d")), [2, 2, 2, 2])


def _rows(count: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``count`` rows of three objectives on a noisy trade-off surface; every 9th row repeats an earlier
    candidate (with a worse result); every 13th failed."""
    rng = np.random.default_rng(seed)
    angles = rng.uniform(0, np.pi / 2, (count, 2))
    values = np.c_[np.cos(angles[:, 0]) * np.cos(angles[:, 1]), np.cos(angles[:, 0]) * np.sin(angles[:, 1]),
                   np.sin(angles[:, 0])] + rng.uniform(0, 0.3, (count, 1))
    candidates = np.arange(count)
    again = np.arange(count) % 9 == 8
    candidates[again] = candidates[again] // 2
    values[again] += 0.1
    counted = np.arange(count) % 13 != 4
    return values, counted, candidates


def test_the_curve_is_the_volume_of_each_prefix_with_repeats_at_their_means():
    values, counted, candidates = _rows(400, 5)
    reference = values[counted].max(axis=0)
    ends, curve = hypervolume_curve(values, counted, candidates, MINIMIZED, reference, points=25)
    assert len(ends) == 25 and ends[-1] == 400
    for end, volume in zip(ends, curve):
        prefix = pd.DataFrame(values[:end][counted[:end]], columns=["a", "b", "c"])
        means = prefix.groupby(candidates[:end][counted[:end]], sort=False).mean()
        assert volume == pytest.approx(hypervolume_3d(means.to_numpy(), MINIMIZED, reference), rel=1e-12)


def _run(name: str, shift: float, seed: int) -> RunData:
    values, counted, candidates = _rows(200, seed)
    count = len(values)
    frame = pd.DataFrame({"generation": np.arange(count) // 30, "individual": np.arange(count) % 30,
                          "x": np.where(candidates == np.arange(count), np.arange(count) / count,
                                        candidates / count),
                          "a": values[:, 0] + shift, "b": values[:, 1] + shift, "c": values[:, 2] + shift,
                          "status": np.where(counted, "ok", "error"),
                          "started": pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(count) * 0.5, unit="s"),
                          "duration": np.full(count, 0.3)})
    frame.loc[~counted, ["a", "b", "c"]] = -10.0  # failed rows' values must not count
    return RunData.from_frame(frame, objectives=list(MINIMIZED), name=name)


@pytest.fixture(scope="module")
def runs() -> list[RunData]:
    return [_run("better", 0.0, 1), _run("worse", 0.2, 2)]


@pytest.fixture(scope="module")
def figure(runs):
    from l2l.plot import compare

    return compare(runs)


def test_compare_draws_and_tabulates_the_volume_of_three_objectives(runs, figure):
    from l2l.plot.compare import _table, hypervolume_note

    fig = figure
    by_evaluations, by_time = fig.axes[0], fig.axes[1]
    assert "hypervolume of the front of a, b and c" in by_evaluations.get_title()
    ok = pd.concat([run.ok for run in runs])
    reference = ok[["a", "b", "c"]].max().to_numpy()
    expected = []
    for run, line, timed in zip(runs, by_evaluations.get_lines(), by_time.get_lines()):
        front, averaged = front_candidates(ranked(run.frame), run.objectives, run.parameters)
        assert averaged
        expected.append(hypervolume_3d(front[["a", "b", "c"]].to_numpy(), MINIMIZED, reference))
        assert line.get_ydata()[-1] == pytest.approx(expected[-1], rel=1e-12)
        assert timed.get_ydata()[-1] == pytest.approx(expected[-1], rel=1e-12)
    assert expected[0] > expected[1] > 0
    assert len(fig.axes) == 8  # the hypervolume's row above the three objectives' own
    table = _table(runs, list(MINIMIZED))
    assert table["hypervolume"].to_numpy() == pytest.approx(expected, rel=1e-12)
    note = hypervolume_note(runs, list(MINIMIZED))
    assert "the volume the front dominates" in note and f"c={number(reference[2])}" in note


def test_the_legends_below_the_axes_leave_their_x_labels_visible(figure):
    """Before, a legend started 0.16 of its axes' height below them, which hid the lower half of the x label;
    and the reference point of three objectives, in the y label, ran past the top of the axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    figure.draw_without_rendering()
    renderer = figure.canvas.get_renderer()
    legends = [ax for ax in figure.axes if ax.get_legend() is not None]
    for ax in legends:
        label = ax.xaxis.label.get_window_extent(renderer)
        assert ax.get_legend().get_window_extent(renderer).y1 < label.y0
    assert len(legends) == 4
    for ax in figure.axes[:2]:  # the hypervolume's row
        assert ax.yaxis.label.get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y1
        assert ax.title.get_window_extent(renderer).x0 >= 0  # the title of three objectives' names fits


def _file(tmp_path: Path, name: str, function: str, objectives: list[dict] | None = None) -> str:
    import l2l

    config = {"run": {"name": name, "seed": 4, "generations": 2},
              "space": {"x": {"type": "float", "low": 0.0, "high": 1.0, "shape": [3]}},
              "optimizer": {"name": "nsga2" if objectives else "random", "population_size": 6},
              "simulator": {"name": "python", "function": f"test_compare_three_objectives:{function}",
                            "path": str(TESTS)},
              "backend": {"name": "serial"}}
    if objectives:
        config["objectives"] = objectives
    return str(l2l.run(l2l.from_mapping(config), tmp_path / f"{name}.h5", progress=False))


def test_l2l_compare_prints_the_volume_of_a_run_of_three_objectives(tmp_path, capsys):
    from l2l.cli import main

    three = [{"name": "f1"}, {"name": "f2"}, {"name": "f3", "direction": "maximize"}]
    path = _file(tmp_path, "a", "three_objectives", three)
    assert main(["compare", path, "-o", str(tmp_path / "c.png"), "--dpi", "20"]) == 0
    out = capsys.readouterr().out
    assert "hypervolume" in out.splitlines()[0].split()
    assert "note: hypervolume: the volume the front dominates" in out and "no hypervolume" not in out


def test_l2l_compare_of_runs_without_a_successful_result_says_so_in_one_line(tmp_path, capsys):
    from l2l.cli import main

    paths = [_file(tmp_path, "f1", "always_fails"), _file(tmp_path, "f2", "always_fails")]
    capsys.readouterr()  # (the runs' own line that every evaluation failed: not compare's)
    assert main(["compare", *paths, "-o", str(tmp_path / "c.png")]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("l2l: error: no successful result to compare")
    assert "f1 (random): 12 evaluations, all failed" in lines[0] and "nan" not in lines[0]
    assert captured.out == "" and not (tmp_path / "c.png").exists()


def test_a_fourth_objective_left_out_of_the_figure_is_said_in_its_title(runs):
    """The figure draws the first three objectives' rows: a fourth was left out without a word (the table has it),
    and four objectives have no hypervolume row."""
    from l2l.plot import compare

    frame = runs[0].frame.assign(d=lambda f: f["a"] + f["b"])
    fig = compare([RunData.from_frame(frame, objectives=[*MINIMIZED, Objective("d")], name="four")])
    assert "3 of their 4 objectives drawn, not d" in fig.get_suptitle()
    assert len(fig.axes) == 6 and "hypervolume" not in fig.axes[0].get_title()
