"""A DEHB / SMAC3 user moving a study to l2l (session 35).

``DEHB.run(brackets=4)`` and ``[policy] brackets = 4`` both end the run after four brackets; in l2l the run's
``run.compute`` is still there, and the dry run said ``exploit_share = 0.33 (the endgame from compute 1340)`` and
``brackets = 4`` with nothing more, although the run ended at about a quarter of that compute with the endgame never
reached. The dry run now says that the brackets end the run. ``examples/from_dehb.py`` is the user's study moved:
its training function continues from a checkpoint as if trained at once, and its incumbent trajectory (DEHB's
``traj``) ends at the compute and the best single top-budget result the run's file holds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import l2l
from l2l.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

CONFIG = """
[run]
seed = 1
compute = 2000

[space]
x = {{ type = "float", low = -5.0, high = 5.0, shape = [2] }}

[simulator]
name = "sphere"
multi_fidelity = true

[backend]
name = "serial"

[policy]
name = "{policy}"
brackets = 1
"""


@pytest.mark.parametrize("policy", ["model-based", "hyperband"])
def test_the_dry_run_says_that_brackets_end_the_run_before_its_compute(tmp_path, capsys, policy):
    path = tmp_path / "plan.toml"
    path.write_text(CONFIG.format(policy=policy))
    assert main(["run", str(path), "--out", str(tmp_path / "plan.h5"), "--dry-run"]) == 0
    line = capsys.readouterr().out.splitlines()[2]
    assert "brackets = 1 (the run ends after it, sooner where its budget is spent)" in line, line
    if policy == "model-based":
        assert "exploit_share = 0.33 (the endgame from compute 1340, unless the 1 bracket has ended the run " \
               "before)" in line, line
    # and so it does: the run ends after its brackets, far short of its compute, without an endgame
    assert main(["run", str(path), "--out", str(tmp_path / "run.h5"), "--no-progress"]) == 0
    spent = float(l2l.load(tmp_path / "run.h5")["compute"].sum())
    assert 0 < spent < 1340, spent


@pytest.fixture
def from_dehb(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    import from_dehb as module

    yield module
    sys.modules.pop("from_dehb", None)


def test_the_examples_training_continues_from_its_checkpoint_as_if_trained_at_once(from_dehb):
    params = {"lr": 0.02, "l2": 1e-4, "hidden": 8, "batch": 64, "act": "tanh"}
    at_once = from_dehb.train(params, 5, 3)
    first = from_dehb.train(params, 5, 1)
    continued = from_dehb.train(params, 5, 3, first.checkpoint)
    assert continued.objectives["loss"] == at_once.objectives["loss"]
    assert [e for e, _ in continued.curve["loss"]] == [2, 3]


def test_the_examples_incumbent_trajectory_ends_at_the_runs_compute_and_best_result(from_dehb, tmp_path):
    config = from_dehb.config(3, {"name": "serial"}, {"name": "hyperband", "min_budget": 9, "brackets": 1})
    config["run"]["compute"] = 200
    path = l2l.run(config, tmp_path / "study.h5", simulator=from_dehb.train, progress=False)
    traj = from_dehb.incumbents(path)
    segments = l2l.load(path, segments=True)
    top = segments[segments["budget"] == from_dehb.EPOCHS]
    assert traj["compute"].iloc[-1] <= float(l2l.load(path)["compute"].sum())
    assert traj["incumbent"].iloc[-1] == top["loss"].min() == l2l.best(path).value
    assert np.all(np.diff(traj["incumbent"]) < 0) and np.all(np.diff(traj["compute"]) > 0)


def test_the_incumbent_trajectory_has_a_row_only_where_the_incumbent_changed(from_dehb, monkeypatch):
    import pandas as pd

    start = pd.Timestamp("2026-12-06 21:00", tz="UTC")
    rows = [(0, 0.0, 27.0, 0.5), (1, 0.0, 1.0, 0.9), (2, 0.0, 27.0, 0.6), (3, 0.0, 3.0, 0.8), (4, 0.0, 27.0, 0.4)]
    frame = pd.DataFrame({"trial": [r[0] for r in rows], "from_budget": [r[1] for r in rows],
                          "budget": [r[2] for r in rows], "loss": [r[3] for r in rows], "status": "ok",
                          "attempts": 1, "duration": 1.0,
                          "started": [start + pd.Timedelta(seconds=10 * i) for i in range(len(rows))]})
    monkeypatch.setattr(l2l, "load", lambda path, segments=False: frame)
    traj = from_dehb.incumbents("study.h5")
    assert traj["incumbent"].tolist() == [0.5, 0.4], traj  # the 0.6 after a lower rung is no new incumbent
    assert traj["compute"].tolist() == [27.0, 85.0] and traj["trial"].tolist() == [0, 4]
