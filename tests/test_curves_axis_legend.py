"""The learning-curves plot as a reader of a paper sees it (helper-128's trial): the x axis of a ``pbt`` run is linear
(its intervals are equal; a log axis from 10^0 left steps 1-20 cramped and the first decade empty), that of a
``hyperband`` run logarithmic with the rungs ticked as numbers (1, 3, 9, 27, 81, not 10^0, 10^1), the axis label says
the scale and what the dotted lines are (pbt: interval ends, not rungs), and stopped and paused candidates are two
legend entries with two marks (before: one entry "stopped or paused")."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

import l2l  # noqa: E402


def _axes(path):
    from l2l.plot.curves import curves_figure

    figure = curves_figure(str(path))
    FigureCanvasAgg(figure).draw()  # the tick labels as the PNG shows them
    return figure.axes[0]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("curves")
    hyperband = l2l.from_mapping({
        "run": {"seed": 1, "compute": 81 * 6}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "hyperband", "eta": 3},
        "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}})
    pbt = l2l.from_mapping({
        "run": {"seed": 0, "compute": 4 * 100},
        "space": {"learning_rate": {"low": 0.001, "high": 0.3, "log": True},
                  "momentum": {"low": 0.05, "high": 0.95, "log": True}},
        "optimizer": {"name": "random"}, "policy": {"name": "pbt", "population": 4, "interval": 10},
        "simulator": {"name": "noisy-sgd", "max_budget": 100}, "backend": {"name": "serial"}})
    return (l2l.run(hyperband, folder / "hyperband.h5", progress=False),
            l2l.run(pbt, folder / "pbt.h5", progress=False))


def test_rungs_a_factor_apart_get_a_log_axis_ticked_with_their_values(runs):
    ax = _axes(runs[0])
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "3", "9", "27", "81"]
    assert "log scale" in ax.get_xlabel() and "dotted: rungs" in ax.get_xlabel(), ax.get_xlabel()


def test_pbt_intervals_get_a_linear_axis_from_zero_and_are_not_called_rungs(runs):
    ax = _axes(runs[1])
    assert ax.get_xscale() == "linear" and ax.get_xlim()[0] == 0  # before: log, from 10^0 (intervals 10 to 100)
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"{10 * i}" for i in range(11)]
    label = ax.get_xlabel()
    assert "linear scale" in label and "rungs" not in label and "ends of the intervals" in label, label
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    stopped = int((l2l.load(runs[1])["state"] == "stopped").sum())
    entry = f"stopped: a copy of a better member took its place ({stopped}"  # '; 1 above the axes': far off
    assert any(t == entry + ")" or t.startswith(entry + "; ") for t in legend), legend


def test_stopped_and_paused_are_two_legend_entries_with_two_marks(runs):
    ax = _axes(runs[0])
    counts = l2l.load(runs[0])["state"].value_counts()
    assert counts["stopped"] and counts["paused"]  # the run holds both
    entries = dict(zip([t.get_text() for t in ax.get_legend().get_texts()], ax.get_legend().legend_handles))
    assert not any("stopped or paused" in text for text in entries), list(entries)
    stopped = next(h for t, h in entries.items() if t.startswith(f"stopped by the policy ({counts['stopped']})"))
    paused = next(h for t, h in entries.items()
                  if t.startswith(f"paused: the policy may still promote it (by l2l resume, once the run ended) "
                                  f"({counts['paused']})"))
    assert not np.array_equal(stopped.get_paths()[0].vertices, paused.get_paths()[0].vertices)  # a cross, a triangle


def test_a_sweep_with_one_budget_says_what_its_dotted_line_is_and_ticks_the_steps(tmp_path):
    config = l2l.from_mapping({
        "run": {"seed": 0, "evaluations": 3},
        "space": {"learning_rate": {"low": 0.001, "high": 0.3, "log": True},
                  "momentum": {"low": 0.05, "high": 0.95, "log": True}},
        "optimizer": {"name": "random"}, "simulator": {"name": "noisy-sgd", "max_budget": 100},
        "backend": {"name": "serial"}})
    ax = _axes(l2l.run(config, tmp_path / "sweep.h5", progress=False))
    label = ax.get_xlabel()
    assert "linear scale" in label and "dotted: the budget every candidate trained to" in label, label  # not rungs
    assert ax.get_xlim() == (0, 103)  # before: from 1 to 125, a quarter of the axis empty
    shown = [t.get_text() for t in ax.get_xticklabels() if 0 <= t.get_position()[0] <= 103]
    assert shown == ["0", "20", "40", "60", "80", "100"], shown
