"""A PBT or multi-fidelity run whose function returns its result under another name than the run's objective,
while it raises in part of the space (a learning rate too large diverges): before, the first commit held both
kinds of failure, the check of the first commit wanted all of them to be of the wrong name, and the run went on,
each segment a training run spent, to run.stop_after_failures (21 segments, exit status 1) without saying that
the name was wrong (with stop_after_failures = 0: the whole compute). Now the first commit with no success and a result of the wrong name ends it (exit status 2).
"""

from __future__ import annotations

import sys

import pytest

import l2l

CALLS = []


def train(params, seed, budget, checkpoint=None):
    CALLS.append(budget)
    if len(CALLS) % 2:  # every other call raises, as a model does in part of its space
        raise ValueError("diverged")
    return l2l.SimulationResult(objectives={"accuracy": 0.5}, checkpoint={"epoch": budget})


@pytest.mark.parametrize("policy", [{"name": "pbt", "population": 4}, {"name": "asha"}])
def test_a_wrong_name_beside_failures_ends_the_run_at_the_first_commit(tmp_path, policy):
    CALLS.clear()
    config = l2l.from_mapping({
        "run": {"seed": 0, "compute": 200, "retries": 0, "stop_after_failures": 0},
        "space": {"lr": {"type": "float", "low": 0.001, "high": 0.1, "log": True}},
        "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
        "policy": policy, "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"}})
    with pytest.raises(l2l.ConfigError) as refused:
        l2l.run(config, tmp_path / "mine.h5", simulator=train)
    said = str(refused.value)
    assert "returned objectives ['accuracy'] but the run needs ['loss']" in said, said
    assert "name in [[objectives]] only what the simulator returns" in said, said
    # before: every segment of the compute failed (stop_after_failures = 0, 200 calls), and the run ended without
    # a result, not saying the name was wrong; now at the first result of the wrong name (the second call)
    assert len(CALLS) <= 2, len(CALLS)
    assert len(l2l.load(tmp_path / "mine.h5", segments=True)) == len(CALLS)  # the failed rows are kept


def test_a_program_printing_loss_colon_ends_the_run_at_its_first_result(tmp_path):
    config = l2l.from_mapping({
        "run": {"seed": 0, "compute": 100, "stop_after_failures": 0},
        "space": {"lr": {"type": "float", "low": 0.001, "high": 0.1, "log": True}},
        "simulator": {"name": "command", "argv": [sys.executable, "-c", "print('loss: 0.25')", "{budget}"],
                      "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
        "policy": {"name": "asha"}, "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"}})
    with pytest.raises(l2l.ConfigError) as refused:
        l2l.run(config, tmp_path / "mine.h5")
    said = str(refused.value)
    assert "print it as JSON: {\"loss\": 0.25}" in said and "fix what the simulator returns (prints)" in said, said
    # before: every segment of the compute failed, each a training run (stop_after_failures = 0)
    assert len(l2l.load(tmp_path / "mine.h5", segments=True)) == 1
