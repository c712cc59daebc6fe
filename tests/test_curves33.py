"""curves33 (helper-271): the last numbers a user reads written their own way, and overlapping tick labels.

``l2l plot``'s learning curves of a run with a linear fidelity axis and fewer than 3 rungs (budgets 200,000 and
400,000 steps) took matplotlib's ticks, every 50,000 steps: in the overview's panel their labels ran together
(``50,000100,000150,000200,000``). They are now as many as fit.
"""

from __future__ import annotations

import types

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from l2l.objectives import Objective
from l2l.plot.curves import draw_curves


def _run(rungs: list[float]) -> types.SimpleNamespace:
    """Six candidates: three stopped at the first rung, three trained on to the top one, with a curve of 5 points
    per segment."""
    rows, points = [], []
    for trial in range(6):
        for rung in range(1 + (trial >= 3 and len(rungs) > 1)):
            start = rungs[rung - 1] if rung else 0.0
            rows.append((trial, rungs[rung], start, 0.1 * trial + 1e5 / rungs[rung]))
            points += [(trial, s, 0.1 * trial + 1e5 / s) for s in np.linspace(start, rungs[rung], 6)[1:]]
    segments = pd.DataFrame(rows, columns=["trial", "budget", "from_budget", "loss"])
    segments["status"] = "ok"
    curves = pd.DataFrame(points, columns=["trial", "step", "value"])
    frame = pd.DataFrame({"trial": range(6), "state": ["stopped"] * 3 + ["completed"] * 3,
                          "budget": [rungs[0]] * 3 + [rungs[-1]] * 3})
    return types.SimpleNamespace(multi_fidelity=True, frame=frame, curves=curves, segments=segments,
                                 objectives=[Objective("loss")], run={}, name="two", path=None,
                                 fidelity={"rungs": rungs, "unit": "steps"})


def _labels(rungs: list[float], overview: bool) -> list[str]:
    """The curves' x tick labels in view, drawn in the overview's panel (a third of 15 in) or a figure of their own
    (9 in, as ``--kind curves``), checked not to touch one another."""
    fig = Figure(figsize=(15, 8.5) if overview else (9, 5.5), layout="constrained", dpi=100)
    ax = fig.add_subplot(fig.add_gridspec(2, 3)[0, 0] if overview else 111)
    draw_curves(ax, _run(rungs))
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    low, high = ax.get_xlim()
    shown = sorted((t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()
                    and low <= t.get_position()[0] <= high), key=lambda t: t.get_position()[0])
    boxes = [t.get_window_extent(renderer) for t in shown]
    for (left, a), (right, b) in zip(zip(boxes, shown), zip(boxes[1:], shown[1:])):
        assert left.x1 + 4 < right.x0, f"{a.get_text()!r} and {b.get_text()!r} touch: {left} {right}"
    return [t.get_text() for t in shown]


@pytest.mark.parametrize("overview", [True, False])
def test_two_rungs_on_a_linear_axis_are_labelled_apart(overview):
    labels = _labels([200000.0, 400000.0], overview)  # before, in the overview: every 50,000, run together
    assert {"200,000", "400,000"} <= set(labels) and 3 <= len(labels) <= 9, labels


def test_one_budget_and_two_a_factor_apart_keep_readable_ticks():
    assert len(_labels([1234567.0], True)) >= 3
    labels = _labels([1000.0, 1e6], True)  # a log axis: decades
    assert {"1,000", "1,000,000"} <= set(labels), labels


# --- the last numbers a user reads written their own way (before: ``:g``, ``.4g``), now as l2l.numbers writes them

TRAIN = '''
def train(params, seed, budget, checkpoint=None):
    return {"loss": 1e5 * (1.234567 + (params["x"] - 0.3) ** 2 + 1000.0 / budget)}
'''


@pytest.fixture(scope="module")
def reevaluated(tmp_path_factory):
    """An asha run of scores about 123457 over a fidelity of up to 1234567.7 steps, its best re-evaluated."""
    import textwrap

    import l2l
    from l2l.reevaluate import reevaluate

    folder = tmp_path_factory.mktemp("curves33")
    (folder / "train_curves33.py").write_text(textwrap.dedent(TRAIN))
    config = l2l.from_mapping({
        "run": {"seed": 1, "compute": 2000000}, "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha"},
        "simulator": {"name": "python", "function": "train_curves33:train",
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 137174.3,
                                         "maximum": 1234567.7, "integer": False}},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}, base_dir=folder)
    path = l2l.run(config, folder / "run.h5", progress=False)
    return path, reevaluate(path, top=1, seeds=2)


def test_the_reevaluation_ranking_and_the_figure_title_write_a_mean_in_full(reevaluated):
    from l2l.numbers import number
    from l2l.plot.data import load_run
    from l2l.plot.figures import _best_text
    from l2l.reevaluate import ranking_text, ranking_values

    path, table = reevaluated
    mean = float(ranking_values(table)["mean"].iloc[0])
    assert 1e5 < mean < 1e6
    text = ranking_text(table)
    assert number(mean) in text and "e+05" not in text, text  # before: 1.235e+05 ± ...
    run = load_run(path)
    title = _best_text(run, run.objective(None))
    assert f"fresh seeds, best of 1: {number(mean)} ± " in title and "e+05" not in title, title


def test_agreement_lines_write_budgets_whole(monkeypatch):
    from l2l.analysis import agreement

    frame = pd.DataFrame([{"budget": 137174.3, "top_budget": 1234567.7, "rank_correlation": 0.1, "pairs": 9,
                           "low90": -0.2, "high90": 0.25, "candidates": "selected"}], columns=agreement.COLUMNS)
    monkeypatch.setattr(agreement, "agreement_frame", lambda trajectory, objective=None: frame)
    line = agreement.agreement_line(None, "steps")
    assert line.startswith("with 1234568 steps (rank") and "137174: 0.10" in line, line  # 1.23457e+06 steps
    assert "budget 137174 ranks the candidates unlike" in line, line


def test_the_sweep_agreement_line_writes_budgets_whole(monkeypatch):
    from l2l.analysis import agreement
    from l2l.objectives import Objective

    low, top = 137174.3, 1234567.7
    curves = pd.DataFrame({low: [5.0, 1.0, 2.0, 3.0, 4.0, 6.0], top: [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]},
                          index=[(0, i) for i in range(6)])
    curves.attrs.update(top=top, sign=1.0)
    monkeypatch.setattr(agreement, "sweep_curves", lambda trajectory, name: curves)
    trajectory = types.SimpleNamespace(objectives=[Objective("loss")], run={"fidelity": {"unit": "steps"}})
    line = agreement.sweep_line(trajectory)
    assert "the best at 1234568 steps (generation 0, individual 0) ranked 5 of 6 at 137174 steps" in line, line
    assert "it was below the best third at 137174 steps" in line and "e+0" not in line, line


def test_a_target_and_a_reference_point_are_written_in_full():
    from l2l.plot.compare_hypervolume import reference_text
    from l2l.summary.text import _target_text

    assert _target_text(1234567) == "1234567"  # before: 1.23457e+06
    assert _target_text({"loss": 0.1, "steps": 2500000.0}) == "{loss = 0.1, steps = 2500000}"
    assert _target_text(0.95) == "0.95"  # as before
    assert reference_text([Objective("loss"), Objective("err")], [123456.7, 0.5]) == "loss=123457, err=0.5"


def test_the_start_line_dry_run_report_and_ties_write_values_in_full():
    from l2l.analysis.best import tie_note
    from l2l.analysis.report import _cell
    from l2l.cli_banners import _until
    from l2l.commands.dry_run import _value

    config = types.SimpleNamespace(target={"loss": 1234567.0})
    components = types.SimpleNamespace(problem=types.SimpleNamespace(objectives=[Objective("loss")]))
    assert _until(config, components) == ", until loss <= 1234567"  # before: 1.23457e+06
    assert _value(2500000.0) == "2500000" and _value(0.1 + 0.2) == "0.3"  # before: 2.5e+06
    assert _cell(1234567.8) == '<td class="n">1234568</td>'  # before: 1.23457e+06
    note = tie_note(2, Objective("loss"), 1234567.0, "run.h5")
    assert "share the best loss (1234567)" in note, note
