"""PBT ends the run in one line when a segment below the top budget returns no checkpoint.

Before, a python function that accepts ``checkpoint`` but returned a bare float (or a dict without a checkpoint)
ran under PBT: every segment trained from scratch, no member was ever continued or copied, the compute ran out
with none at the top budget, and the run exited 0 as if fine.
"""

from __future__ import annotations

import pytest

import l2l
from l2l.errors import L2LError

from conftest import l2l_cli
from test_pbt_needs_checkpoint import CONFIG

MODEL = """def train(params, seed, budget, checkpoint=None):
    return params["x"] + 1.0 / budget
"""


def test_a_function_that_returns_no_checkpoint_ends_the_run_in_one_line_and_keeps_its_row(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "pbt.toml").write_text(CONFIG)
    done = l2l_cli("run", "pbt.toml", "--no-progress", cwd=tmp_path, timeout=120)
    assert done.returncode == 2, done.stderr
    path = tmp_path / "nockpt.h5"
    errors = [line for line in done.stderr.splitlines() if "error" in line]  # stderr also has the run's header
    assert errors == done.stderr.strip().splitlines()[-1:] == [
        "l2l: error: policy 'pbt' continues each member from its checkpoint and copies the best members' "
        "checkpoints, but model:train returned no checkpoint at 20 steps (trial 0), so no member could be "
        "continued or copied: return one with the result: l2l.SimulationResult(objectives=..., checkpoint={...}) "
        f"(docs/multifidelity_simulators.md); the segment done is kept in {path}"]
    rows = l2l.load(path, segments=True)
    assert len(rows) == 1 and rows["budget"].tolist() == [20.0] and rows["status"].tolist() == ["ok"]


def test_a_dict_without_a_checkpoint_is_refused_too_and_one_with_a_checkpoint_runs(tmp_path):
    config = l2l.from_mapping({
        "run": {"name": "f"}, "space": {"x": {"low": 0.0, "high": 1.0}},
        "simulator": {"name": "python", "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 100}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "policy": {"name": "pbt", "population": 4, "interval": 50, "explore": "pb2"},
        "backend": {"name": "serial"}})

    def forgets(params, seed, budget, checkpoint=None):
        return {"loss": params["x"] + 1.0 / budget}

    def keeps(params, seed, budget, checkpoint=None):
        return l2l.SimulationResult(objectives={"loss": params["x"] + 1.0 / budget}, checkpoint={"step": budget})

    with pytest.raises(L2LError, match="forgets returned no checkpoint at 50 steps"):
        l2l.run(config, tmp_path / "a.h5", simulator=forgets, progress=False)
    assert len(l2l.load(tmp_path / "a.h5", segments=True)) == 1
    path = l2l.run(config, tmp_path / "b.h5", simulator=keeps, progress=False)
    assert (l2l.load(path)["state"] == "completed").sum() == 4
