"""What a new user (from Ray Tune/Optuna) saw wrong in figures and counts, on the runs of
examples/policies_from_python.py:

* ``l2l plot --kind curves`` (and the overview's panel) of a PBT run clipped the y axis so that the members replaced
  at the first exploits (epochs 3 and 6, at the loss of an untrained model) were out of view while the legend
  counted all 56 stopped: marks near the curves are kept in view, the legend counts those that are not;
* the overview's curves x label ran past its panel, and a scatter panel's tick labels touched ('-1.00-0.75-0.50');
* ``l2l compare`` drew the model-based run's first best so far (0.69) and flattened every other line at the bottom;
* ``l2l show`` of a run stopped by Ctrl-C counted no candidate whose first segment was in flight with no row, while
  the stop event named it continuable;
* ``l2l run`` onto a file that reached its run.target suggested an ``l2l resume`` that declines it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import l2l
import l2l.driver
from conftest import TESTS, write_toml
from l2l import plot
from l2l.cli import main
from module_files import module_from_file

EXAMPLE = TESTS.parent / "examples" / "policies_from_python.py"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The example's PBT run and its model-based run of seed 3 (whose first candidate is at 0.69), serial."""
    example = module_from_file("policies_from_python_figures", EXAMPLE)
    folder = tmp_path_factory.mktemp("new_user_figures")
    out = {"pbt": l2l.run(example.config("pbt", "serial"), folder / "pbt.h5", progress=False)}
    config = example.config("model-based", "serial")
    config["run"]["seed"] = 3
    out["model-based"] = l2l.run(config, folder / "model-based.h5", progress=False)
    return out


def _drawn(fig):
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    return renderer


def _stopped_marks_in_view_or_counted(ax) -> None:
    """Every stopped mark lies within the y axis, or the legend says how many do not."""
    low, high = ax.get_ylim()
    texts = [t.get_text().replace("\n", " ") for t in ax.get_legend().get_texts()]
    entry = next(t for t in texts if t.startswith("stopped: a copy of a better member"))
    marks = [c for c in ax.collections if c.get_label() and c.get_label().startswith("stopped")]
    values = np.concatenate([c.get_offsets()[:, 1] for c in marks])
    assert len(values) == 56 and "(56" in entry, entry
    above, below = int((values > high).sum()), int((values < low).sum())
    assert not below
    assert not above or f"{above} above the axes" in entry, (above, entry, (low, high))
    # this run's replaced members are at most 0.69, close enough to the curves to be shown rather than counted
    assert above == 0 and values.max() > 0.69 > high - 0.1 * (high - low), (values.max(), (low, high))


def test_the_curves_keep_the_stopped_pbt_members_in_view(runs):
    fig = plot.figure(runs["pbt"], "curves")
    _drawn(fig)
    _stopped_marks_in_view_or_counted(fig.axes[0])


@pytest.fixture(scope="module")
def overview(runs):
    fig = plot.figure(runs["pbt"], "overview")
    renderer = _drawn(fig)
    assert fig.axes[0].get_title() == "learning curves of every candidate"
    return fig, renderer


def test_the_overview_keeps_them_in_view(overview):
    _stopped_marks_in_view_or_counted(overview[0].axes[0])


def test_the_overview_keeps_its_curves_label_within_the_panel(overview):
    fig, renderer = overview
    curves = fig.axes[0]
    label = curves.xaxis.label.get_window_extent(renderer)
    panel = curves.get_window_extent(renderer)
    assert label.width <= panel.width and label.x0 >= panel.x0 - 2 and label.x1 <= panel.x1 + 2, (label, panel)


def test_a_mark_far_off_the_curves_is_counted_in_the_legend_not_shown():
    from l2l.plot.curves import mark_range, off_axes

    low, high = mark_range(0.47, 0.57, np.array([0.69, 0.6, 1e50, np.nan]))
    assert (low, high) == (0.47, 0.69)  # the untrained model's loss is near enough; a diverged one is not
    assert off_axes(np.array([1e50, 0.6, -3.0]), (low, high)) == "; 1 above the axes and 1 below the axes"
    assert off_axes(np.array([0.6]), (low, high)) == ""


def test_the_scatter_panel_of_the_overview_has_tick_labels_apart(tmp_path):
    config = {"run": {"name": "ga", "seed": 1, "generations": 2},  # 64 points: the axis spans -1 to 1
              "space": {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [2]}},
              "optimizer": {"name": "ga", "population_size": 32}, "simulator": {"name": "sphere"},
              "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "ga.h5", progress=False)
    fig = plot.figure(path, "overview")
    renderer = _drawn(fig)
    scatter = fig.axes[1]
    assert scatter.get_title().startswith("value against x[")
    boxes = sorted((t.get_window_extent(renderer) for t in scatter.get_xticklabels()
                    if t.get_text() and t.get_visible()), key=lambda box: box.x0)
    left, right = scatter.get_window_extent(renderer).x0, scatter.get_window_extent(renderer).x1
    boxes = [b for b in boxes if b.x1 >= left - 20 and b.x0 <= right + 20]  # the ticks inside the view
    assert len(boxes) >= 3
    gaps = [b.x0 - a.x1 for a, b in zip(boxes, boxes[1:])]
    assert min(gaps) >= 4, gaps  # pixels between neighbours (touching: '-1.00-0.75-0.50')


def test_compare_clips_the_first_best_so_far_that_flattened_every_other_line(runs, capsys):
    from l2l.plot.compare import CLIPPED_TEXT, compare

    fig = compare([runs["pbt"], runs["model-based"]])
    _drawn(fig)
    left = fig.axes[0]
    lines = [line for line in left.get_lines() if line.get_label() and not line.get_label().startswith("_")
             and len(line.get_xdata()) > 1]
    first = [float(np.asarray(line.get_ydata(), dtype=float)[np.isfinite(line.get_ydata())][0]) for line in lines]
    assert max(first) > 0.68  # the model-based run's first candidate
    low, high = left.get_ylim()
    assert left.get_yscale() == "linear" and high < 0.6, (low, high)
    for line in lines:  # every run's values after its first steps, its end among them, are in view
        y = np.asarray(line.get_ydata(), dtype=float)
        assert low <= y[-1] <= high
    # the clipped start is marked on the edge and the legend says what the marks are
    edge = [line for line in left.get_lines() if line.get_marker() == "^" and len(line.get_xdata()) == 1]
    assert edge and all(float(line.get_ydata()[0]) == pytest.approx(high) for line in edge)
    texts = [t.get_text() for t in left.get_legend().get_texts()]
    assert any(t.startswith(CLIPPED_TEXT) for t in texts), texts


def test_compare_leaves_lines_that_fit_as_they_are():
    from l2l.plot.compare import readable_limits

    x = np.array([10.0, 100.0, 700.0])
    assert readable_limits([(x, np.array([0.480, 0.477, 0.469])), (x, np.array([0.478, 0.474, 0.471]))]) is None
    low, high = readable_limits([(x, np.array([0.69, 0.495, 0.472])), (x, np.array([0.478, 0.474, 0.471]))])
    assert low < 0.471 and 0.495 < high < 0.5


def test_show_counts_the_candidates_in_flight_without_a_row_that_a_resume_continues(tmp_path, monkeypatch, capsys):
    import models_new_user_counts as model

    monkeypatch.setattr(l2l.driver, "FLUSH_SECONDS", 1e9)
    monkeypatch.setitem(model.CALLS, "n", 0)
    config = {"run": {"name": "pbt", "seed": 1, "compute": 72},
              "space": {"x": {"type": "float", "low": -3.0, "high": 3.0}},
              "optimizer": {"name": "random"}, "policy": {"name": "pbt", "population": 8},
              "simulator": {"name": "python", "function": "models_new_user_counts:train", "path": str(TESTS),
                            "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
              "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
    path = tmp_path / "pbt.h5"
    with pytest.raises(KeyboardInterrupt):
        l2l.run(config, path, progress=False)
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
        rows = set(trajectory.evaluations(errors=False, segments=True)["trial"].astype(int))
        # the rows after the last commit: a resume drops them and runs their candidates again (interrupted too)
        rerun = set(trajectory.rows(("trial",), int(trajectory.state()["loop"]["rows"]))["trial"].astype(int))
    assert events["kind"].iloc[-1] == "stopped"
    continuable = json.loads(events["detail"].iloc[-1])["continuable"]
    named = {t for part in continuable.split(",") for t in range(int(part.split("-")[0]), int(part.split("-")[-1]) + 1)}
    assert named - rows, (continuable, rows)  # the case at hand: a trial named continuable that holds no row
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    progress = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress"))
    counted = progress.split("progress")[1].split(" candidates")[0].strip()
    assert int(counted) == len(named | rows), (progress, continuable)
    assert f" {len((named - rows) | rerun)} interrupted, to be rerun by l2l resume" in progress, progress


def test_run_onto_a_file_that_reached_its_target_says_no_resume_continues_it(tmp_path, capsys):
    config = {"run": {"name": "ga", "seed": 3, "generations": 12, "target": 5.0},
              "space": {"x": {"low": -5.0, "high": 5.0, "shape": [3]}},
              "optimizer": {"name": "ga", "population_size": 8}, "simulator": {"name": "sphere"},
              "backend": {"name": "serial"}}
    toml = write_toml(tmp_path / "run.toml", config)
    out = tmp_path / "ga.h5"
    assert main(["run", str(toml), "--no-progress", "--out", str(out)]) == 0
    assert "target 5 reached by candidate" in capsys.readouterr().out
    for more in ([], ["--generations", "30"]):
        assert main(["run", str(toml), "--no-progress", "--out", str(out), *more]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"l2l: error: {out} already exists") and len(err.splitlines()) == 1, err
        assert "run.target 5 was reached by candidate" in err and "start a new run with another --out" in err, err
        assert "'l2l resume" not in err and "extend it" not in err, err  # no command that would be declined
