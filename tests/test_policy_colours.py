"""The parameter panels of a policy run are coloured on the top budget's scale: a candidate stopped at a low
budget has a value at another fidelity (here: one that looks better than any at the top), so it is drawn grey
and leaves the colour scale alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PathCollection

import l2l
from l2l import plot


@pytest.fixture(scope="module")
def mislead(mislead_policy_run) -> Path:
    path = mislead_policy_run
    frame = l2l.load(path)
    ok = frame[frame["status"] == "ok"]
    top = ok[ok["budget"] == ok["budget"].max()]
    below = ok[ok["budget"] < ok["budget"].max()]
    assert len(top) >= 2 and len(below) >= 2
    assert below["value"].min() < top["value"].min()  # the low budgets do look better
    return path


def _coloured(ax) -> PathCollection:
    """The panel's scatter of candidates (the one with a colour map)."""
    points = [c for c in ax.collections if isinstance(c, PathCollection) and c.get_array() is not None]
    assert len(points) == 1
    return points[0]


def _check(fig, axes, path):
    frame = l2l.load(path)
    ok = frame[frame["status"] == "ok"]
    at_top = ok["budget"] == ok["budget"].max()
    low, high = ok.loc[at_top, "value"].min(), ok.loc[at_top, "value"].max()
    for ax in axes:
        points = _coloured(ax)
        assert low <= points.norm.vmin < points.norm.vmax <= high  # the top budget's range, nothing else
        array = points.get_array()
        # every candidate is drawn; those below the top budget without a value, in grey
        assert len(array) == len(ok)
        assert int(np.ma.getmaskarray(array).sum()) == int((~at_top).sum())
        red, green, blue, alpha = points.cmap.get_bad()  # drawn (opaque), in a grey
        assert alpha == 1 and red == green == blue
    labels = [ax.get_ylabel() for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(labels) == 1 and "at the top budget (81 synthetic budget units)" in labels[0]
    assert "grey: stopped below it" in labels[0]


def test_the_parameters_plot_of_a_policy_run_colours_by_the_value_at_the_top_budget(mislead):
    fig = plot.parameters(mislead)
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    assert len(axes) == 3  # one panel per parameter (x[0], x[1], x[2])
    _check(fig, axes, mislead)


def test_the_overview_of_a_policy_run_colours_its_parameter_panels_by_the_value_at_the_top_budget(mislead):
    fig = plot.overview(mislead)
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and any(
        isinstance(c, PathCollection) and c.get_array() is not None for c in ax.collections)]
    assert len(axes) == 2  # value against the best parameter, one parameter over generations
    _check(fig, axes, mislead)
