"""Defects a new-user trial found where two views of one run disagreed (session 18).

* ``l2l.load`` gave the compute budget the run was created with after ``l2l resume --compute`` raised it, while
  ``l2l show`` gave the raised one.
* ``l2l report``'s summary gave the best single result of a candidate evaluated more than once, its table (and
  ``l2l show``) the mean of its results.
* the report's (``l2l plot failures``) durations panel of a run with a [policy] counted "generations" the run
  never had.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import l2l
from l2l.simulators.base import SimulationResult
from l2l.summary import summary_of


def _policy_run(tmp_path, compute: int = 120):
    config = l2l.from_mapping({
        "run": {"name": "mf", "seed": 3, "compute": compute},
        "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}})
    return l2l.run(config, tmp_path / "mf.h5", progress=False)


@pytest.fixture(scope="module")
def policy_run(tmp_path_factory):
    """One run of :func:`_policy_run` for the tests that read it (a test that changes it takes a copy)."""
    return _policy_run(tmp_path_factory.mktemp("policy"))


def test_load_gives_the_compute_budget_a_resume_raised_as_show_does(tmp_path, policy_run):
    path = tmp_path / "mf.h5"
    shutil.copyfile(policy_run, path)  # (a copy of the shared run: this test resumes it)
    assert l2l.load(path).attrs["fidelity"]["compute"] == 120
    l2l.resume(path, compute=200, progress=False)
    assert summary_of(path).compute[1] == 200  # what l2l show gives
    assert l2l.load(path).attrs["fidelity"]["compute"] == 200
    assert l2l.load(path, segments=True).attrs["fidelity"]["compute"] == 200
    with l2l.Trajectory(path) as trajectory:  # the metadata written when the run was created is kept
        assert trajectory.stored_run["fidelity"]["compute"] == 120
        assert trajectory.run["fidelity"]["compute"] == 200  # the run as it goes (tests/test_consistency_more.py)


def noisy_choice(params, seed, budget, checkpoint=None):
    """A curve toward 0.25 + c / 10 with noise by seed: equal parameters (two choices) give different results."""
    start = 0 if checkpoint is None else int(checkpoint["budget"])
    steps = np.arange(start + 1, int(budget) + 1)
    noise = np.random.default_rng(seed).uniform(0.0, 0.05)
    values = 0.25 + float(params["c"]) / 10 + noise + 1.0 / steps
    return SimulationResult({"value": float(values[-1])}, curve={"value": np.column_stack([steps, values])},
                            checkpoint={"budget": float(budget)})


def test_the_report_summary_gives_the_best_candidate_s_mean_of_its_repeats_as_its_table_does(tmp_path):
    from l2l.analysis.report import _summary, best_individuals
    from l2l.plot import RunData
    from l2l.summary import summarize

    config = l2l.from_mapping({
        "run": {"name": "repeats", "seed": 5, "compute": 300},
        "space": {"c": {"type": "categorical", "choices": [0, 1]}},
        "optimizer": {"name": "random"}, "policy": {"name": "model-based", "eta": 3},
        "simulator": {"name": "python", "function": "test_consistency_defects:noisy_choice",
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
        "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "repeats.h5", progress=False)
    with l2l.Trajectory(path) as trajectory:
        run = RunData.from_trajectory(trajectory, errors=True)
        summary = summarize(trajectory)
    _, table = best_individuals(run)
    assert int(table["n"].iloc[0]) > 1  # the best candidate was evaluated more than once
    mean = float(table["value"].iloc[0])
    assert summary.best["value"].value < mean  # its best single result is another number
    line = dict(_summary(run, summary))["best value (minimize)"]
    assert line.startswith(f"{mean:.6g} (mean of n = {int(table['n'].iloc[0])} results"), line


def test_the_durations_panel_of_a_policy_run_names_budgets_not_generations(policy_run):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from l2l.plot import panels
    from l2l.plot.data import load_run

    path = policy_run
    run = load_run(path, errors=True)
    budgets = sorted({float(b) for b in l2l.load(path, segments=True)["budget"]})
    fig, ax = plt.subplots()
    try:
        panels.draw_duration_per_generation(ax, run)
        assert "generation" not in ax.get_xlabel() + ax.get_title()
        assert ax.get_title() == "segment durations per budget"
        assert ax.get_xlabel().startswith("budget reached (")
        assert [t.get_text() for t in ax.get_xticklabels()] == [f"{b:g}" for b in budgets]
    finally:
        plt.close(fig)


def test_the_report_captions_of_a_policy_run_speak_of_budgets_and_compute_not_generations(tmp_path, policy_run,
                                                                                          monkeypatch):
    """Before, the report of a run with a [policy] captioned its figures 'per generation', a run it never had.
    (The figures are made but not drawn into PNGs, which the captions do not read: 80 % of the report's time.)"""
    import re

    from l2l.analysis import report
    from l2l.cli import main

    monkeypatch.setattr(report, "_png", lambda fig, dpi=80: "")
    assert main(["report", str(policy_run), "-o", str(tmp_path / "r.html")]) == 0
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", (tmp_path / "r.html").read_text())
    assert len(captions) >= 4 and not [c for c in captions if "generation" in c], captions
    assert any("compute spent" in c for c in captions) and any("budget reached" in c for c in captions)
