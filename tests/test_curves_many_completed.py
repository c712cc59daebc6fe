"""l2l plot --kind curves (and l2l report) of a run with more candidates at the top budget than the figure draws
lines (MAX_LINES): a sample of them is drawn and the legend says how many of how many; it raised numpy's
'ValueError: a must be a positive integer' as a traceback (a sample of a negative size of the others)."""

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
    fig, ax = plt.subplots()
    try:
        draw_curves(ax, run)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
    finally:
        plt.close(fig)
    assert "reached the top budget (20 of 23 drawn)" in labels
