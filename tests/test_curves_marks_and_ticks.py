"""l2l plot --kind curves: running and interrupted candidates end in two different marks (both were diamonds, told
apart by colour only, which a greyscale print loses), and an axis of many rungs (a continuous fidelity with eta =
1.5 over three decades: 18) is ticked at every rung and labelled at as many as fit, the top one among them (before:
matplotlib's ticks 0.1, 1, 10, 100, none of them a rung). The overview's panels of budgets side by side label as
many as fit too (before: each of up to 30, whose labels ran together)."""

from __future__ import annotations

import types

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from l2l.objectives import Objective
from l2l.plot import panels
from l2l.plot.curves import draw_curves

#: 0.1 to 100 by factors of 1.5, as a policy's rungs (rounded as l2l rounds them)
RUNGS = [float(f"{100 * 1.5 ** -k:.12g}") for k in range(17, -1, -1)]


def _run(states: list[str]) -> types.SimpleNamespace:
    """A run whose candidate k trained to rung k (the last ones to the top), each in the state ``states[k]``."""
    count = len(states)
    top = [min(k, len(RUNGS) - 1) for k in range(count)]
    rows = [(t, RUNGS[r], RUNGS[r - 1] if r else 0.0) for t in range(count) for r in range(top[t] + 1)]
    segments = pd.DataFrame(rows, columns=["trial", "budget", "from_budget"])
    segments["status"] = "ok"
    segments["loss"] = 1.0 / (1.0 + segments["budget"]) + 0.01 * segments["trial"]
    curves = segments.rename(columns={"budget": "step", "loss": "value"})[["trial", "step", "value"]]
    frame = pd.DataFrame({"trial": np.arange(count), "state": states,
                          "budget": [RUNGS[r] for r in top]})
    return types.SimpleNamespace(multi_fidelity=True, frame=frame, curves=curves, segments=segments,
                                 objectives=[Objective("loss")], run={}, name="many", path=None,
                                 fidelity={"rungs": RUNGS, "unit": "seconds"})


def _drawn(draw, width: float = 9.0):
    fig = Figure(figsize=(width, 5), layout="constrained", dpi=100)
    ax = fig.add_subplot()
    draw(ax)
    FigureCanvasAgg(fig).draw()
    return fig, ax


def _labels_apart(fig, ax) -> list[str]:
    """The x axis' visible tick labels, checked not to overlap one another."""
    renderer = fig.canvas.get_renderer()
    shown = [t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
    boxes = sorted((t.get_window_extent(renderer) for t in shown), key=lambda box: box.x0)
    for left, right in zip(boxes, boxes[1:]):
        assert left.x1 < right.x0, (left, right)
    return [t.get_text() for t in sorted(shown, key=lambda t: t.get_position()[0])]


def test_running_and_interrupted_candidates_end_in_different_marks():
    run = _run(["running", "interrupted", "interrupted", "paused", "stopped"] + ["completed"] * 18)
    fig, ax = _drawn(lambda ax: draw_curves(ax, run))
    legend = ax.get_legend()
    entries = dict(zip([t.get_text() for t in legend.get_texts()], legend.legend_handles))
    running = next(h for t, h in entries.items() if t.startswith("running when the file was read (1)"))
    interrupted = next(h for t, h in entries.items() if t.startswith("interrupted: its segment was in flight"))
    shapes = [h.get_paths()[0].vertices for h in (running, interrupted)]
    assert shapes[0].shape != shapes[1].shape or not np.allclose(shapes[0], shapes[1])


def test_many_rungs_are_each_ticked_and_labelled_as_far_as_they_fit():
    run = _run(["paused"] * 17 + ["completed"] * 3)
    fig, ax = _drawn(lambda ax: draw_curves(ax, run))
    labels = _labels_apart(fig, ax)
    assert labels[-1] == "100" and 6 <= len(labels) <= 12, labels
    assert set(labels) <= {panels.number(r) for r in RUNGS}, labels  # before: 0.1, 1, 10, 100
    ticked = np.r_[ax.xaxis.get_majorticklocs(), ax.xaxis.get_minorticklocs()]
    assert sorted(ticked) == RUNGS


def test_the_overview_panels_label_as_many_budgets_as_fit():
    run = _run(["paused"] * 17 + ["completed"] * 3)
    fig, ax = _drawn(lambda ax: panels.draw_status(ax, run, legend=False), width=4.0)
    labels = _labels_apart(fig, ax)  # before: 18 labels of 0.101496 and the like, run together
    assert labels[0] == panels.number(RUNGS[0]) and 3 <= len(labels) <= 9, labels
    assert len(ax.xaxis.get_majorticklocs()) + len(ax.xaxis.get_minorticklocs()) == len(RUNGS)


def test_the_legend_of_a_narrow_panel_stays_within_its_axes():
    """In the overview (a panel about 3.5 in wide) the paused candidates' line ran past the axes, and the layout
    left a hole beside them; its lines are now wrapped to the axes' width."""
    run = _run(["paused"] * 17 + ["completed"] * 3)
    fig, ax = _drawn(lambda ax: draw_curves(ax, run), width=4.0)
    renderer = fig.canvas.get_renderer()
    assert ax.get_legend().get_window_extent(renderer).width <= ax.get_window_extent(renderer).width
    assert any(t.get_text().startswith("paused: the policy may still promote it") for t in ax.get_legend().get_texts())
