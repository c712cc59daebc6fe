"""A DEHB user writes `min_budget = 1.5` (DEHB's fidelities are floats) for a training function counted in whole
epochs: the rungs were rounded from the top by eta to 3, 9, 27 without a word (only --dry-run showed them), so
no candidate was ever stopped after one epoch. Now it is refused in one line giving the whole budgets near it and
the rungs each gives; the one-rung refusal no longer suggests a min_budget that is not whole."""

from pathlib import Path

import pytest

from l2l.cli import main

CONFIG = """[run]
name = "mb"
compute = 300
[space]
lr = {{low = 0.001, high = 0.1}}
[simulator]
name = "python"
function = "mb_train:train"
multi_fidelity = {{name = "epochs", minimum = 1, maximum = 27}}
[policy]
name = "{policy}"
min_budget = 1.5
[[objectives]]
name = "loss"
[backend]
name = "serial"
"""
TRAIN = """import l2l
def train(params, seed, budget, checkpoint=None):
    return l2l.SimulationResult(objectives={"loss": float(params["lr"]) / budget}, checkpoint={"epoch": budget})
"""


@pytest.mark.parametrize("policy", ["hyperband", "asha", "successive-halving", "median-stopping", "model-based"])
def test_a_min_budget_between_whole_epochs_is_refused_with_the_rungs_of_each_way(tmp_path: Path, capsys, policy):
    (tmp_path / "mb_train.py").write_text(TRAIN)
    (tmp_path / "mb.toml").write_text(CONFIG.format(policy=policy))
    assert main(["run", str(tmp_path / "mb.toml"), "-o", str(tmp_path / "mb.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"l2l: error: policy '{policy}': min_budget = 1.5 is not a whole number, but the simulator's "
                   f"fidelity (epochs) counts whole epochs: give 1 (rungs 1, 3, 9, 27) or 2 (rungs 3, 9, 27)"], err
    assert not (tmp_path / "mb.h5").exists()
