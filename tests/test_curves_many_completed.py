"""l2l plot --kind curves (and l2l report) of a run with more candidates at the top budget than the figure draws
lines (MAX_LINES): a sample of them is drawn and the legend says how many of how many; it raised numpy's
'ValueError: negative dimensions' as a traceback (a sample of a negative size of the others). And a candidate
whose curve holds no finite value is counted in the legend."""

from __future__ import annotations

import importlib
import types

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from l2l.objectives import Objective
from l2l.plot.curves import draw_curves


def _legend_labels(run) -> list[str]:
    """The texts of the curves panel's legend drawn for ``run``."""
    fig, ax = plt.subplots()
    try:
        draw_curves(ax, run)
        return [t.get_text() for t in ax.get_legend().get_texts()]
    finally:
        plt.close(fig)


def test_more_completed_candidates_than_lines_draws_a_sample(monkeypatch):
    monkeypatch.setattr(importlib.import_module("l2l.plot.curves"), "MAX_LINES", 20)
    count = 25
    trials = np.arange(count)
    frame = pd.DataFrame({"trial": trials, "state": ["completed"] * (count - 2) + ["stopped"] * 2, "budget": 9.0})
    segments = pd.DataFrame({"trial": np.r_[trials, trials[:-2]], "budget": np.r_[np.full(count, 3.0),
                                                                                   np.full(count - 2, 9.0)],
                             "from_budget": np.r_[np.zeros(count), np.full(count - 2, 3.0)], "status": "ok",
                             "loss": np.linspace(1, 2, 2 * count - 2)})
    run = types.SimpleNamespace(multi_fidelity=True, frame=frame, curves=None, segments=segments,
                                objectives=[Objective("loss")], fidelity={"rungs": [3.0, 9.0], "unit": "epochs"},
                                run={}, name="big", path=None)
    labels = _legend_labels(run)
    assert "reached the top budget (20 of 23 drawn)" in labels


def test_a_candidate_whose_curve_holds_no_finite_value_is_counted_in_the_legend():
    """Such a curve has no point to draw (NaN and inf points are skipped): the candidate was counted in no legend
    entry (two stopped candidates, 'stopped by the policy (1)')."""
    frame = pd.DataFrame({"trial": [0, 1, 2], "state": ["completed", "stopped", "stopped"], "budget": [9.0, 3.0, 3.0]})
    segments = pd.DataFrame({"trial": [0, 1, 2, 0], "budget": [3.0, 3.0, 3.0, 9.0], "from_budget": [0, 0, 0, 3.0],
                             "status": "ok", "loss": [1.0, 2.0, np.nan, 0.5]})
    curve = pd.DataFrame({"trial": [0, 0, 1, 1, 2, 2], "step": [1, 3, 1, 3, 1, 3],
                          "value": [1.0, 1.0, 2.0, 2.0, np.nan, np.inf]})
    run = types.SimpleNamespace(multi_fidelity=True, frame=frame, curves=curve, segments=segments,
                                objectives=[Objective("loss")], fidelity={"rungs": [1.0, 3.0, 9.0], "unit": "epochs"},
                                run={}, name="nan", path=None)
    labels = _legend_labels(run)
    assert "stopped by the policy (1)" in labels
    assert "1 more below the top budget: no finite value on their curve (not drawn)" in labels
