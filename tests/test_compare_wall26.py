"""``l2l compare``'s wall-time panel sets its y range as the compute (or evaluations) panel beside it does: a run's
first best so far far above the rest is clipped and marked there too. Before, the wall-time panel read which values
come first from its own x axis, so a run whose first results came in after 5 % of the wall time (a GA's first
generation of ten) kept its first value in view and squashed every line at the bottom."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg

from l2l.plot.compare import compare
from l2l.plot.data import load_run

START = pd.Timestamp("2026-01-01", tz="UTC")


def _run(values: np.ndarray, seconds: np.ndarray):
    """A run that started at START (its ``started`` event) whose evaluations end at ``seconds`` after it."""
    n = len(values)
    frame = pd.DataFrame({"generation": np.arange(n) // 10, "individual": np.arange(n) % 10, "status": ["ok"] * n,
                          "started": START + pd.to_timedelta(seconds - 0.5, unit="s"), "duration": np.full(n, 0.5),
                          "x": np.linspace(0.0, 1.0, n), "loss": values})
    frame.attrs["objectives"] = [{"name": "loss", "direction": "minimize"}]
    events = pd.DataFrame({"time": [START], "kind": ["started"], "detail": ["{}"]})
    return dataclasses.replace(load_run(frame), events=events)


def _edge_marks(ax) -> list:
    return [line for line in ax.get_lines() if line.get_marker() == "^" and len(line.get_xdata()) == 1]


def test_the_wall_time_panel_clips_and_marks_the_first_value_the_compute_panel_clips():
    n = 60
    # the first results come in at 6 s of 60 (10 %); run 1's first value, 5.0, is far above everything after it
    late = _run(np.r_[5.0, np.linspace(1.0, 0.9, n - 1)], np.r_[6.0, np.linspace(7.0, 60.0, n - 1)])
    other = _run(np.linspace(1.2, 0.95, n), np.linspace(6.0, 60.0, n))
    fig = compare([late, other])
    FigureCanvasAgg(fig).draw()
    left, right = fig.axes[:2]
    assert "wall time" in right.get_title()
    low, high = left.get_ylim()
    assert high < 1.5, (low, high)  # the compute panel clips run 1's first value (as it did before)
    assert right.get_ylim() == (low, high)  # before: (0.695, 5.205), every line squashed at the bottom
    for ax in (left, right):
        curves = [line for line in ax.get_lines() if len(line.get_xdata()) > 1]
        assert len(curves) == 2 and all(low <= float(line.get_ydata()[-1]) <= high for line in curves)
        marks = _edge_marks(ax)  # where run 1's clipped line starts, on the top edge, in its colour
        assert len(marks) == 1 and float(marks[0].get_ydata()[0]) == high, ax.get_title()
        assert marks[0].get_color() == curves[0].get_color()

    # runs that fit are left to matplotlib in both panels: nothing clipped, nothing marked
    fig = compare([_run(np.linspace(1.1, 0.9, n), np.linspace(6.0, 60.0, n)), other])
    left, right = fig.axes[:2]
    assert not _edge_marks(left) and not _edge_marks(right)
    assert right.get_ylim()[1] > 1.2 - 1e-9 and right.get_ylim()[0] < 0.9 + 1e-9
