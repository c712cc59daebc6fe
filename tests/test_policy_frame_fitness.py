"""plot.fitness(l2l.load(path)) of a policy run draws what l2l plot draws for the file: the best so far at the
top budget against the compute spent, not per-"generation" statistics that mix budgets (with misleading low
budgets, a budget-1 value that looks better than anything at the top)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import l2l
from l2l import plot
from l2l.errors import TrajectoryError


@pytest.fixture(scope="module")
def mislead(mislead_policy_run) -> Path:
    path = mislead_policy_run
    segments = l2l.load(path, segments=True)
    ok = segments[segments["status"] == "ok"]
    assert ok["value"].min() < ok.loc[ok["budget"] == 81, "value"].min()  # the low budgets do mislead
    return path


def _best_line(fig):
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if str(line.get_label()).startswith("best so far")]
    assert len(lines) == 1, [line.get_label() for line in ax.get_lines()]
    return ax, np.asarray(lines[0].get_xdata(), float), np.asarray(lines[0].get_ydata(), float)


def _best_text(fig) -> str:
    return fig._suptitle.get_text().replace("\n", " ").split("best value = ", 1)[1]


@pytest.mark.parametrize("segments", [False, True], ids=["candidates", "segments"])
def test_the_fitness_plot_of_a_loaded_policy_run_is_the_one_of_its_file(mislead, segments):
    expected_ax, expected_x, expected_y = _best_line(plot.fitness(mislead))
    fig = plot.fitness(l2l.load(mislead, segments=segments))
    ax, x, y = _best_line(fig)
    assert ax.get_xlabel() == expected_ax.get_xlabel() and "compute" in ax.get_xlabel()
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, expected_y)
    assert ax.get_legend_handles_labels()[1] == expected_ax.get_legend_handles_labels()[1]
    assert _best_text(fig) == _best_text(plot.fitness(mislead))  # the best l2l show names, with its trial


def test_a_filtered_frame_draws_the_compute_of_its_own_candidates(mislead):
    frame = l2l.load(mislead)
    reached = frame[frame["budget"] == 81]
    _, x, y = _best_line(plot.fitness(reached))
    segments = l2l.load(mislead, segments=True)
    mine = segments[segments["trial"].isin(reached["trial"])]
    assert x[-1] == pytest.approx(float((mine["budget"] - mine["from_budget"]).sum()))
    assert y[-1] == pytest.approx(float(reached["value"].min()))


def test_a_frame_of_candidates_whose_file_is_gone_says_so_in_one_line(mislead, tmp_path):
    copy = tmp_path / "moved.h5"
    shutil.copy(mislead, copy)
    frame = l2l.load(copy)
    copy.unlink()
    with pytest.raises(TrajectoryError) as caught:
        plot.fitness(frame)
    message = str(caught.value)
    assert "\n" not in message and str(copy) in message and "segments=True" in message
    _, x, _ = _best_line(plot.fitness(l2l.load(mislead, segments=True)))  # the segments carry what is needed
    assert len(x)
