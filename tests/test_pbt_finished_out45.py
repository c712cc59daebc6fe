"""Running a PBT config again into the file of its finished run (a user who runs a script such as
examples/pbt_own_training.py twice) is refused in one line that says why no resume extends it: its population was
trained to the top budget and is fixed. Before, the line suggested ``l2l.resume(...)`` with a budget raised, which
ran nothing (the resume said the population is fixed)."""

from __future__ import annotations

import pytest

import l2l
from l2l.errors import TrajectoryError


def _train(params, seed, budget, checkpoint=None):
    start = 0 if checkpoint is None else int(checkpoint["epoch"])
    curve = [[epoch, abs(params["lr"] - 0.1) + 1 / epoch] for epoch in range(start + 1, int(budget) + 1)]
    return l2l.SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                                checkpoint={"epoch": int(budget)})


CONFIG = {"run": {"name": "again", "seed": 0},
          "space": {"lr": {"type": "float", "low": 1e-3, "high": 1.0, "log": True}},
          "policy": {"name": "pbt", "population": 4, "interval": 2},
          "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 6}},
          "objectives": [{"name": "loss", "direction": "minimize"}],
          "backend": {"name": "serial"}}


def test_a_finished_pbt_run_is_not_offered_a_resume_that_runs_nothing(tmp_path):
    path = l2l.run(CONFIG, tmp_path / "again.h5", simulator=_train, progress=False)
    rows = len(l2l.load(path, segments=True))
    with pytest.raises(TrajectoryError) as caught:
        l2l.run(CONFIG, path, simulator=_train, progress=False)
    message = str(caught.value)
    assert "no budget raised extends" in message and "all 4 members of policy 'pbt'" in message, message
    assert "resume" not in message and "\n" not in message, message
    l2l.resume(path, simulator=_train, compute=1000, progress=False)  # what the old line suggested: runs nothing
    assert len(l2l.load(path, segments=True)) == rows
