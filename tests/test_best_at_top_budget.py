"""One "best" everywhere in a multi-fidelity run (the best at the top budget), and why evaluations failed.

A policy run's ``generation`` column is a rung or a commit, not a sweep generation, and its low budgets can
look better than the top (``low_fidelity = "mislead"``): the fitness and overview plots and
``l2l.generations`` must not call a low budget's value the best. ``l2l show`` and ``l2l run`` name the most
frequent reasons of failed evaluations, not only their number.
"""

from __future__ import annotations

import functools
import re
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest
from inprocess_cli import l2l_main

import l2l
import l2l.driver
from l2l import plot

MISLEAD = {"run": {"seed": 1, "compute": 600, "name": "mislead"},
           "space": {"x": {"low": -5.0, "high": 5.0, "shape": [3]}},
           "optimizer": {"name": "random"},
           "simulator": {"name": "sphere", "multi_fidelity": True, "low_fidelity": "mislead"},
           "policy": {"name": "successive-halving"}, "backend": {"name": "serial"}}


def _cli(*args: str) -> subprocess.CompletedProcess:
    """``l2l ARGS`` in this process (what l2l prints is the question here, not its process), exit status 0."""
    result = l2l_main(*args, cwd=Path.cwd())
    assert result.returncode == 0, result.stderr
    return result


def _top_budget_best(path) -> float:
    segments = l2l.load(path, segments=True)
    top = segments[(segments["budget"] == segments["budget"].max()) & (segments["status"] == "ok")]
    return float(top["value"].min())


@pytest.fixture(scope="module")
def mislead(tmp_path_factory) -> Path:
    """A successive halving whose low budgets look better than any result at the top budget, committed often
    (several commits: rows of l2l.generations)."""
    folder = tmp_path_factory.mktemp("mislead")
    flush, l2l.driver.FLUSH_SECONDS = l2l.driver.FLUSH_SECONDS, 0.0
    try:
        path = Path(l2l.run(l2l.from_mapping(MISLEAD), folder / "mislead.h5"))
    finally:
        l2l.driver.FLUSH_SECONDS = flush
    segments = l2l.load(path, segments=True)
    ok = segments[segments["status"] == "ok"]
    assert ok["value"].min() < _top_budget_best(path)  # the low budgets do mislead
    return path


@functools.cache
def _shown_best(path) -> float:
    """The best value ``l2l show`` names (the first row of its table); asked once per file (it is read, never
    written, by the tests that ask)."""
    out = _cli("show", str(path)).stdout
    table = out[out.index("best "):].splitlines()
    header, first = table[1].split(), table[2].split()
    return float(first[header.index("value")])


def _best_line(ax):
    lines = [line for line in ax.get_lines() if str(line.get_label()).startswith("best so far")]
    assert len(lines) == 1, [line.get_label() for line in ax.get_lines()]
    return np.asarray(lines[0].get_xdata(), dtype=float), np.asarray(lines[0].get_ydata(), dtype=float)


def test_the_fitness_plot_of_a_policy_run_draws_the_best_at_the_top_budget_against_compute(mislead, tmp_path):
    shown = _shown_best(mislead)
    assert shown == pytest.approx(_top_budget_best(mislead), rel=1e-5)
    fig = plot.fitness(mislead)
    ax = fig.axes[0]
    x, best = _best_line(ax)
    assert np.nanmin(best) == pytest.approx(shown, rel=1e-5)  # not a low budget's better-looking value
    assert best[np.isfinite(best)][-1] == pytest.approx(shown, rel=1e-5)
    segments = l2l.load(mislead, segments=True)
    assert "compute" in ax.get_xlabel()
    assert x[-1] == pytest.approx(float((segments["budget"] - segments["from_budget"]).sum()))
    assert f"{shown:.6g}" in fig._suptitle.get_text()
    _cli("plot", str(mislead), "--kind", "fitness", "-o", str(tmp_path / "fitness.png"), "--dpi", "20")
    assert (tmp_path / "fitness.png").stat().st_size > 0


def test_the_overview_of_a_policy_run_has_the_best_so_far_at_the_top_budget(mislead):
    shown = _shown_best(mislead)
    fig = plot.overview(mislead)
    panels = [ax for ax in fig.axes if "compute" in ax.get_xlabel()]
    assert len(panels) == 1
    _, best = _best_line(panels[0])
    assert np.nanmin(best) == pytest.approx(shown, rel=1e-5)


def test_generations_of_a_policy_run_rank_only_results_at_the_top_budget(mislead):
    generations = l2l.generations(mislead)
    segments = l2l.load(mislead, segments=True)
    top = segments[(segments["budget"] == 81.0) & (segments["status"] == "ok")]
    assert len(generations) > 1 and len(top) >= 1
    assert int(generations["at_top_budget"].sum()) == len(top)
    assert generations["value_best"].min() == pytest.approx(_top_budget_best(mislead))
    assert generations["value_best"].min() == pytest.approx(_shown_best(mislead), rel=1e-5)
    # a commit that brought no result at the top budget has no best (not one of a lower budget)
    none = generations["at_top_budget"] == 0
    assert none.any() and generations.loc[none, ["value_best", "value_median", "value_worst"]].isna().all().all()
    assert np.isin(generations.loc[~none, "value_best"].to_numpy(), top["value"].to_numpy()).all()


MODEL = '''
import time


def f(params, seed, budget=None, checkpoint=None):
    x = float(params["x"])
    if x < -2:
        raise ValueError("x must be positive")
    if x > 3.5 and budget is None:
        time.sleep(60)  # past run.timeout
    if x > 3.5:
        raise RuntimeError("diverged: " + "loss is nan " * 30)
    return x * x
'''

SWEEP = '''
[run]
seed = 1
generations = 1
timeout = 1

[space.x]
low = -5.0
high = 5.0

[optimizer]
name = "random"
population_size = 12

[simulator]
name = "python"
function = "model:f"

[backend]
name = "serial"
'''

POLICY = '''
[run]
seed = 1
compute = 300

[space.x]
low = -5.0
high = 5.0

[optimizer]
name = "random"

[simulator]
name = "python"
function = "model:f"
multi_fidelity = { name = "epochs", unit = "epochs", minimum = 1, maximum = 27 }

[policy]
name = "asha"

[backend]
name = "serial"
'''


def _failing(folder: Path, config: str) -> Path:
    (folder / "model.py").write_text(textwrap.dedent(MODEL))
    (folder / "run.toml").write_text(textwrap.dedent(config))
    return folder / "run.toml"


def _reasons(line: str) -> dict[str, int]:
    return {reason: int(count) for count, reason in re.findall(r'(\d+) × ("[^"]*"|timeout)', line)}


def test_show_and_run_name_the_most_frequent_failure_reasons_of_a_sweep(tmp_path):
    config = _failing(tmp_path, SWEEP)
    ran = _cli("run", str(config), "--out", str(tmp_path / "s.h5"), "--no-progress").stdout
    frame = l2l.load(tmp_path / "s.h5")
    failed = int((frame["status"] == "failed").sum())
    timeouts = int((frame["status"] == "timeout").sum())
    assert failed and timeouts
    shown = [line for line in _cli("show", str(tmp_path / "s.h5")).stdout.splitlines()
             if line.startswith("failures ")]
    assert len(shown) == 1
    expected = {'"ValueError: x must be positive"': failed, "timeout": timeouts}
    assert shown[0].split(None, 1)[1].startswith(f"{failed + timeouts} failed: ")
    assert _reasons(shown[0]) == expected
    counts = list(_reasons(shown[0]).values())
    assert counts == sorted(counts, reverse=True)  # the most frequent first
    closing = [line for line in ran.splitlines() if line.startswith(f"{failed + timeouts} failed: ")]
    assert len(closing) == 1 and _reasons(closing[0]) == expected


def test_show_names_the_failure_reasons_of_a_policy_run_in_one_short_line(tmp_path):
    config = _failing(tmp_path, POLICY)
    ran = _cli("run", str(config), "--out", str(tmp_path / "m.h5"), "--no-progress").stdout
    segments = l2l.load(tmp_path / "m.h5", segments=True)
    bad = segments[segments["status"] != "ok"]
    negative = int(bad["error"].str.contains("x must be positive").sum())
    diverged = int(bad["error"].str.contains("diverged").sum())
    assert negative and diverged and negative + diverged == len(bad)
    line = next(line for line in _cli("show", str(tmp_path / "m.h5")).stdout.splitlines()
                if line.startswith("failures "))
    assert f"{len(bad)} failed: " in line
    reasons = _reasons(line)
    assert reasons['"ValueError: x must be positive"'] == negative
    long = [reason for reason in reasons if reason.startswith('"RuntimeError: diverged: loss is nan')]
    assert len(long) == 1 and reasons[long[0]] == diverged
    assert long[0].endswith('..."') and len(line) < 200  # the long message is cut: the line stays one line
    assert any(row.startswith(f"{len(bad)} failed: ") for row in ran.splitlines())
