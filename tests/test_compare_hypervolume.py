"""l2l compare of runs with two objectives draws and tabulates the hypervolume of each run's front (candidates
evaluated more than once at their means, failed rows ignored), measured from one reference point for all runs:
each objective's best so far alone said nothing about the front."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from l2l.analysis.best import front_candidates, ranked
from l2l.analysis.hypervolume import hypervolume_2d, hypervolume_curve
from l2l.numbers import number
from l2l.objectives import Objective
from l2l.plot.data import RunData

MIN, MAX = Objective("loss"), Objective("accuracy", "maximize")


def test_hypervolume_2d_against_hand_computed_areas():
    both_min = (Objective("a"), Objective("b"))
    # a staircase of three points up to (4, 4): 1x1 + 1x2 + 1x3
    assert hypervolume_2d([[1, 3], [2, 2], [3, 1]], both_min, [4, 4]) == pytest.approx(6.0)
    # dominated points, a failed (NaN) point and one beyond the reference add nothing
    assert hypervolume_2d([[1, 3], [2, 2], [3, 1], [3, 3], [2.5, 2.5], [np.nan, 0], [5, 0]], both_min,
                          [4, 4]) == pytest.approx(6.0)
    # (1, 2) and (3, 1) up to (4, 4): 3x2 + 1x1
    assert hypervolume_2d([[3, 1], [1, 2]], both_min, [4, 4]) == pytest.approx(7.0)
    assert hypervolume_2d([[1, 1]], both_min, [3, 4]) == pytest.approx(6.0)
    assert hypervolume_2d(np.empty((0, 2)), both_min, [3, 4]) == 0.0
    # the second objective maximized, reference (4, 0): 1x1 + 1x2 + 1x3; (2, 1) is dominated by (2, 2)
    assert hypervolume_2d([[1, 1], [2, 2], [3, 3], [2, 1]], (MIN, MAX), [4, 0]) == pytest.approx(6.0)
    # the first maximized: (3, 1) and (1, 0.5) minimizing the second, reference (0, 2): 3x1 + 1x0.5
    assert hypervolume_2d([[3, 1], [1, 0.5]], (Objective("a", "maximize"), Objective("b")),
                          [0, 2]) == pytest.approx(3.5)


def test_the_curve_adds_a_repeated_candidate_at_its_mean():
    both_min = (Objective("a"), Objective("b"))
    values = np.array([[2.0, 2.0], [1.0, 1.0], [3.0, 3.0]])  # rows 0 and 2 are one candidate: its mean is (2.5, 2.5)
    ends, hv = hypervolume_curve(values, np.ones(3, dtype=bool), np.array([0, 1, 0]), both_min, [4, 4], points=3)
    assert list(ends) == [1, 2, 3]
    assert hv == pytest.approx([4.0, 9.0, 9.0])


def _run(name: str, shift: float, seed: int, repeats: bool = False) -> RunData:
    """A run of 300 evaluations of (loss: lower is better, accuracy: higher) on a trade-off curve, ``shift`` worse
    in both; some failed rows carry values better than any (they must not count)."""
    rng = np.random.default_rng(seed)
    count = 300
    x = rng.uniform(0, 1, count)
    loss = x + shift + rng.uniform(0, 0.3, count)
    accuracy = 1 - (1 - x) ** 2 - shift - rng.uniform(0, 0.3, count)
    if repeats:  # the best candidates evaluated again, worse: their means count
        x[250:260], loss[250:260], accuracy[250:260] = x[:10], loss[:10] + 0.2, accuracy[:10] - 0.2
    status = np.where(np.arange(count) % 37 == 5, "error", "ok")
    loss = np.where(status == "ok", loss, -10.0)
    accuracy = np.where(status == "ok", accuracy, 10.0)
    started = pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(count) * 0.5, unit="s")
    frame = pd.DataFrame({"generation": np.arange(count) // 30, "individual": np.arange(count) % 30, "x": x,
                          "loss": loss, "accuracy": accuracy, "status": status, "started": started,
                          "duration": rng.uniform(0.1, 1.0, count)})
    return RunData.from_frame(frame, objectives=[MIN, MAX], name=name)


@pytest.fixture(scope="module")
def runs() -> list[RunData]:
    return [_run("better", 0.0, 1, repeats=True), _run("worse", 0.3, 2)]


def test_compare_draws_the_hypervolume_of_each_front(runs):
    from l2l.plot import compare

    fig = compare(runs)
    by_evaluations, by_time = fig.axes[0], fig.axes[1]
    assert "hypervolume" in by_evaluations.get_title() and "hypervolume" in by_evaluations.get_ylabel()
    assert "worst value of each objective" in by_evaluations.get_legend().get_title().get_text()
    ok = pd.concat([run.ok for run in runs])
    reference = [ok["loss"].max(), ok["accuracy"].min()]  # failed rows ignored
    finals = []
    for run, line, timed in zip(runs, by_evaluations.get_lines(), by_time.get_lines()):
        front, averaged = front_candidates(ranked(run.frame), run.objectives, run.parameters)
        assert averaged == (run.name == "better")
        expected = hypervolume_2d(front[["loss", "accuracy"]].to_numpy(), run.objectives, reference)
        assert line.get_ydata()[-1] == pytest.approx(expected, rel=1e-12)
        assert timed.get_ydata()[-1] == pytest.approx(expected, rel=1e-12)
        assert line.get_xdata()[-1] == len(run.frame)
        assert 100 <= len(line.get_xdata()) <= 201
        finals.append(expected)
    worse = by_evaluations.get_lines()[1].get_ydata()
    assert np.all(np.diff(worse) >= 0)  # no repeats: the area only grows
    assert finals[0] > finals[1] > 0
    assert len(fig.axes) == 6  # the objectives' own rows are kept below


def test_the_table_has_the_hypervolume_and_the_note_says_the_reference(runs):
    from l2l.plot.compare import _table, hypervolume_note

    table = _table(runs, [MIN, MAX])
    assert table["hypervolume"].iloc[0] > table["hypervolume"].iloc[1] > 0
    note = hypervolume_note(runs, [MIN, MAX])
    ok = pd.concat([run.ok for run in runs])
    assert f"loss={number(ok['loss'].max())}" in note and "worst value of each objective" in note
    assert "the volume" in hypervolume_note(runs, [MIN, MAX, Objective("x")])  # three: a volume
    assert "no hypervolume" in hypervolume_note(runs, [MIN, MAX, Objective("x"), Objective("y")])
    assert hypervolume_note(runs, [MIN]) is None
    assert "hypervolume" not in _table(runs, [MIN]).columns


def test_l2l_compare_of_two_nsga2_runs_prints_the_hypervolume(tmp_path, capsys):
    import l2l
    from l2l.cli import main

    paths = []
    for generations in (1, 3):
        config = l2l.from_mapping({"run": {"name": f"zdt1-{generations}", "seed": 3, "generations": generations},
                                   "space": {"x": {"type": "float", "low": 0.0, "high": 1.0, "shape": [4]}},
                                   "optimizer": {"name": "nsga2", "population_size": 8},
                                   "simulator": {"name": "zdt1"}, "backend": {"name": "serial"}})
        paths.append(str(l2l.run(config, tmp_path / f"g{generations}.h5", progress=False)))
    assert main(["compare", *paths, "-o", str(tmp_path / "c.png")]) == 0
    out = capsys.readouterr().out
    header, *rows = out.splitlines()[:3]
    assert "hypervolume" in header.split()
    assert "note: hypervolume:" in out and "worst value of each objective" in out
    assert (tmp_path / "c.png").exists()


def test_the_curve_of_a_short_run_starts_at_its_first_row_not_at_none():
    """A run of under 100 rows: the curve's first points rounded to 0 rows, which l2l compare read as the last
    row (count[ends - 1]) and drew a line at hypervolume 0 from the run's end back to its start."""
    both_min = (Objective("a"), Objective("b"))
    ends, hv = hypervolume_curve(np.array([[2.0, 2.0], [1.0, 1.0], [3.0, 3.0]]), np.ones(3, dtype=bool),
                                 np.arange(3), both_min, [4, 4])
    assert list(ends) == [1, 2, 3]
    assert hv == pytest.approx([4.0, 9.0, 9.0])
