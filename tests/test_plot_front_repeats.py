"""The Pareto plot's front (``l2l plot --kind pareto`` and the overview's Pareto panel) is the front ``l2l show``
lists: over candidates, a candidate evaluated more than once one point at the means of its results
(test_show_front_repeats.py). The plot drew the front of single rows, so on a noisy GA run, whose elite is
evaluated again with a new seed every generation, it marked a lucky seed as on the front while show listed
that candidate with its means (and another candidate instead).
"""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.config import from_mapping
from l2l.plot import figures
from l2l.plot.data import load_run
from l2l.results_schema.reader import Trajectory
from l2l.summary.table import best_frame, best_table


def noisy(params, seed):
    x = np.asarray(params["x"], float)
    noise = np.random.default_rng(seed).normal(0, 0.2, 2)
    return {"f1": float(x[0] ** 2 + noise[0]), "f2": float((x[0] - 1) ** 2 + x[1] ** 2 + noise[1])}


@pytest.fixture(scope="module")
def elitist_run(tmp_path_factory):
    config = {"run": {"name": "noisy-front", "seed": 1, "generations": 12},
              "space": {"x": {"type": "float", "low": -2.0, "high": 2.0, "shape": [2]}},
              "optimizer": {"name": "ga", "population_size": 16, "weights": [1.0, 1.0]},
              "simulator": {"name": "python"},
              "objectives": [{"name": "f1", "direction": "minimize"}, {"name": "f2", "direction": "minimize"}],
              "backend": {"name": "serial"}}
    out = tmp_path_factory.mktemp("plot_front_repeats") / "ga.h5"
    return l2l.run(from_mapping(config), out, simulator=noisy, progress=False)


def _shown(path) -> np.ndarray:
    """(f1, f2) of each candidate on the front l2l show lists (columns: generation individual f1 f2 [n] ...)."""
    with Trajectory(path) as trajectory:
        table = best_table(trajectory, best_frame(trajectory, 10), 1000)
    assert "candidates; a candidate evaluated more than once" in table.splitlines()[0], table
    return np.array(sorted((float(r[2]), float(r[3])) for r in (line.split() for line in table.splitlines()[2:])))


def _marked(ax) -> np.ndarray:
    """The points the panel marks as the front (the scatter its legend calls 'Pareto front')."""
    fronts = [c for c in ax.collections if c.get_label().startswith("Pareto front")]
    assert len(fronts) == 1, [c.get_label() for c in ax.collections]
    return np.array(sorted(map(tuple, np.asarray(fronts[0].get_offsets(), dtype=float).tolist())))


def test_the_plotted_front_is_the_front_show_lists(elitist_run):
    frame = l2l.load(elitist_run)
    counts = frame[frame["status"] == "ok"].groupby(["x[0]", "x[1]"]).size()
    assert counts.max() >= 3, "the GA evaluated its elite again (what this test is about)"
    shown = _shown(elitist_run)  # show prints 6 decimals
    run = load_run(elitist_run)
    pareto = figures.pareto(run)
    np.testing.assert_allclose(_marked(pareto.axes[0]), shown, atol=1e-6, rtol=0)
    assert "non-dominated candidates" in pareto._suptitle.get_text()
    overview = figures.overview(run)
    panel = next(ax for ax in overview.axes if ax.get_title().startswith("Pareto front"))
    np.testing.assert_allclose(_marked(panel), shown, atol=1e-6, rtol=0)
