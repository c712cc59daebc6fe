"""l2l show averages a candidate's repeats over all its evaluations, not over its lucky ones among the best rows.

A GA keeps its elite and evaluates it again with a new seed every generation. On a noisy objective the elite's
best rows are its lucky seeds: with the file's running statistics, show read only the 20 best rows and listed
the elite first with one lucky value and n 1 (here -2.80, n 1, for a candidate evaluated 14 times with mean
-0.06), while l2l report and l2l.load averaged all of them. The table must be the one all rows give.
"""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.config import from_mapping
from l2l.results_schema.reader import Trajectory
from l2l.summary.table import best_frame, best_table

NOISY = '''
import numpy as np

def noisy(params, seed):
    x = np.asarray(params["x"], float)
    return {"loss": float(np.sum(x ** 2) + np.random.default_rng(seed).normal(0, 1.0))}
'''


@pytest.fixture(scope="module")
def elitist_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("repeats")
    (folder / "noisy_model.py").write_text(NOISY)
    config = {"run": {"name": "noisy-ga", "seed": 1, "generations": 30},
              "space": {"x": {"type": "float", "low": -2.0, "high": 2.0, "shape": [2]}},
              "optimizer": {"name": "ga", "population_size": 20},
              "simulator": {"name": "python", "function": "noisy_model:noisy", "path": str(folder)},
              "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
    out = folder / "ga.h5"
    l2l.run(from_mapping(config), out, progress=False)
    return out


@pytest.mark.parametrize("n", [1, 5, 10, 20])
def test_the_best_table_is_the_one_every_row_gives(elitist_run, n):
    with Trajectory(elitist_run) as trajectory:
        assert trajectory.statistics() is not None  # the fast path is taken
        assert best_table(trajectory, best_frame(trajectory, n), n) == \
            best_table(trajectory, trajectory.evaluations(errors=False), n)


def test_the_first_candidates_count_is_every_evaluation_of_it(elitist_run):
    frame = l2l.load(elitist_run)
    counts = frame.groupby(["x[0]", "x[1]"])["loss"].agg(["mean", "count"])
    assert counts["count"].max() >= 5, "the GA evaluated its elite again (what this test is about)"
    with Trajectory(elitist_run) as trajectory:
        table = best_table(trajectory, best_frame(trajectory, 5), 5).splitlines()
    first = table[2].split()  # generation individual loss n sd x[0] x[1]
    x0, x1, shown_n = float(first[5]), float(first[6]), int(first[3])
    match = counts[np.isclose(counts.index.get_level_values(0), x0, atol=5e-7)
                   & np.isclose(counts.index.get_level_values(1), x1, atol=5e-7)]
    assert len(match) == 1 and int(match["count"].iloc[0]) == shown_n
    assert float(first[2]) == pytest.approx(float(match["mean"].iloc[0]), abs=5e-6)
    # the lucky single row that the 20 best rows alone put first is not listed as a candidate's mean
    best_row = frame.loc[frame["loss"].idxmin()]
    lucky = counts.loc[(best_row["x[0]"], best_row["x[1]"])]
    if lucky["count"] > 1:
        assert float(first[2]) != pytest.approx(float(best_row["loss"]), abs=1e-6)
