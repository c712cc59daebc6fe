"""The Pareto front of two objectives that l2l show and l2l report list is over candidates, a candidate evaluated
more than once shown with the means of its results and their number n, as the single-objective best table
averages a candidate's repeats (test_show_repeats_all_rows.py).

A GA keeps its elite and evaluates it again with a new seed every generation. On noisy objectives the front of
the rows is made of the elite's lucky seeds: here show listed 'Pareto front (7 evaluations)', among them a
single result (-0.56, 0.42) of a candidate evaluated 3 times (means -0.27, 0.54), and l2l report the same; the
front of the 12 candidates' means was not shown. Show reads the file's stored front; where a candidate may have
been evaluated more than once it now also reads the rows that may be its repeats, and its front is the one every
row gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import l2l
from l2l.analysis.report import best_individuals
from l2l.config import from_mapping
from l2l.plot.data import RunData
from l2l.results_schema.reader import Trajectory
from l2l.summary.table import best_frame, best_table

NOISY = '''
import numpy as np

def noisy(params, seed):
    x = np.asarray(params["x"], float)
    noise = np.random.default_rng(seed).normal(0, 0.2, 2)
    return {"f1": float(x[0] ** 2 + noise[0]), "f2": float((x[0] - 1) ** 2 + x[1] ** 2 + noise[1])}
'''


@pytest.fixture(scope="module")
def elitist_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("front_repeats")
    (folder / "noisy_front.py").write_text(NOISY)
    config = {"run": {"name": "noisy-front", "seed": 1, "generations": 30},
              "space": {"x": {"type": "float", "low": -2.0, "high": 2.0, "shape": [2]}},
              "optimizer": {"name": "ga", "population_size": 20, "weights": [1.0, 1.0]},
              "simulator": {"name": "python", "function": "noisy_front:noisy", "path": str(folder)},
              "objectives": [{"name": "f1", "direction": "minimize"}, {"name": "f2", "direction": "minimize"}],
              "backend": {"name": "serial"}}
    out = folder / "ga.h5"
    l2l.run(from_mapping(config), out, progress=False)
    return out


def _candidates(path) -> pd.DataFrame:
    """Every candidate's means and count, from all rows as l2l.load gives them."""
    frame = l2l.load(path)
    frame = frame[frame["status"] == "ok"]
    return frame.groupby(["x[0]", "x[1]"])[["f1", "f2"]].agg(["mean", "count"])


def _front(candidates: pd.DataFrame) -> pd.DataFrame:
    f1, f2 = candidates[("f1", "mean")].to_numpy(), candidates[("f2", "mean")].to_numpy()
    dominated = [bool(np.any((f1 <= a) & (f2 <= b) & ((f1 < a) | (f2 < b)))) for a, b in zip(f1, f2)]
    return candidates[~np.array(dominated)]


def _listed(table: str) -> list[tuple[float, float, float, float, int]]:
    """(x[0], x[1], f1, f2, n) of each row of show's front (columns: generation individual f1 f2 n x[0] x[1])."""
    rows = [line.split() for line in table.splitlines()[2:]]
    return [(float(r[5]), float(r[6]), float(r[2]), float(r[3]), int(r[4])) for r in rows]


def test_shows_front_is_over_the_candidates_means(elitist_run):
    candidates = _candidates(elitist_run)
    assert candidates[("f1", "count")].max() >= 5, "the GA evaluated its elite again (what this test is about)"
    expected = _front(candidates)
    with Trajectory(elitist_run) as trajectory:
        assert trajectory.statistics() is not None  # the stored front is there to be read
        table = best_table(trajectory, best_frame(trajectory, 10), 10)
    # before: 'Pareto front (6 evaluations):', each a lucky single result of a candidate evaluated again
    assert table.splitlines()[0] == (f"Pareto front ({len(expected)} candidates; a candidate evaluated more than "
                                     f"once is shown with the means of its n results):"), table
    listed = _listed(table)
    assert len(listed) == min(len(expected), 20)
    assert max(n for *_, n in listed) >= 2, "a candidate evaluated again is on the front (its mean)"
    for x0, x1, f1, f2, n in listed:
        match = expected[np.isclose(expected.index.get_level_values(0), x0, atol=5e-7)
                         & np.isclose(expected.index.get_level_values(1), x1, atol=5e-7)]
        assert len(match) == 1, (x0, x1, table)
        assert int(match[("f1", "count")].iloc[0]) == n
        assert f1 == pytest.approx(float(match[("f1", "mean")].iloc[0]), abs=5e-6)
        assert f2 == pytest.approx(float(match[("f2", "mean")].iloc[0]), abs=5e-6)


def test_the_front_read_is_the_one_every_row_gives(elitist_run):
    from l2l.summary.table import _front_rows

    with Trajectory(elitist_run) as trajectory:
        record = trajectory.statistics()
        every = best_table(trajectory, trajectory.evaluations(errors=False), 10)
        assert best_table(trajectory, best_frame(trajectory, 10), 10) == every
        rows = np.concatenate([np.asarray(record["front"]), np.arange(int(record["rows"]), trajectory.n_evaluations)])
        needed = _front_rows(trajectory, rows)
        assert len(needed) < trajectory.n_evaluations  # fewer rows than all give the same front
        assert best_table(trajectory, trajectory.evaluations_at(needed), 10) == every


def test_the_report_lists_the_same_front(elitist_run):
    with Trajectory(elitist_run) as trajectory:
        title, table = best_individuals(RunData.from_trajectory(trajectory))
        shown = best_table(trajectory, best_frame(trajectory, 10), 10)
    expected = _front(_candidates(elitist_run))
    # before: '... non-dominated evaluations', the rows' front
    assert title.startswith(f"Pareto front over f1, f2: {len(expected)} non-dominated candidates (a candidate "
                            f"evaluated more than once is shown with the means of its n results)"), title
    assert len(expected) <= 20  # every candidate of the front in both lists
    listed = [line.split() for line in shown.splitlines()[2:]]  # generation individual f1 f2 n ...
    assert sorted(map(tuple, table[["generation", "individual", "n"]].to_numpy().tolist())) == \
        sorted((int(r[0]), int(r[1]), int(r[4])) for r in listed)


def test_a_first_parameter_most_rows_share_reads_the_next_too(tmp_path):
    # an integer first parameter of two values: every row shares it with half the others; the next parameter tells
    # the GA's elite, evaluated again, from the rest (zdt1's noise: its repeats differ)
    from l2l.summary.table import _front_rows

    config = {"run": {"name": "shared-first", "seed": 2, "generations": 12},
              "space": {"k": {"type": "int", "low": 0, "high": 1},
                        "x": {"type": "float", "low": 0.0, "high": 1.0, "shape": [2]}},
              "optimizer": {"name": "ga", "population_size": 16, "weights": [1.0, 1.0]},
              "simulator": {"name": "zdt1", "noise": 0.1}, "backend": {"name": "serial"}}
    out = tmp_path / "shared.h5"
    l2l.run(from_mapping(config), out, progress=False)
    with Trajectory(out) as trajectory:
        record = trajectory.statistics()
        rows = np.concatenate([np.asarray(record["front"]), np.arange(int(record["rows"]), trajectory.n_evaluations)])
        needed = _front_rows(trajectory, rows)
        every = best_table(trajectory, trajectory.evaluations(errors=False), 10)
        assert "candidates; a candidate evaluated more than once" in every, every
        assert len(needed) < trajectory.n_evaluations  # not every row of k = 0 or k = 1
        assert best_table(trajectory, trajectory.evaluations_at(needed), 10) == every
        assert best_table(trajectory, best_frame(trajectory, 10), 10) == every
