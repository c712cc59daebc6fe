"""benchmarks/mf_user_sweep.py: the user's sweep against each policy obtained by changing one line."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "mf_user_sweep.py"
POLICIES = {"hyperband", "successive-halving", "asha", "median-stopping", "model-based"}


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def test_quick_run_reports_every_policy_against_the_sweep():
    done = run("--quick")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("20") and "load before" in lines[0]
    result = json.loads(lines[-1])
    assert result["benchmark"] == "mf_user_sweep" and result["seeds"] == [0, 1]
    assert set(result["methods"]) == {"sweep"} | POLICIES
    assert set(result["targets"]) == POLICIES and isinstance(result["targets_met"], bool)
    assert result["targets_met_by"] == [m for m, ok in result["targets"].items() if ok]
    assert len(result["load_before"]) == 3 and len(result["load_after"]) == 3
    sweep = result["methods"]["sweep"]
    assert sweep["compute"] == 27 * 9 and sweep["compute_share"] == 1.0 and sweep["same_choice"] == 2
    for name in POLICIES:
        entry = result["methods"][name]
        assert 0 < entry["compute_share"] < 1, (name, entry["compute_share"])
        assert entry["seeds"] == 2
        for key in ("validation_minus_sweep", "validation_minus_sweep_se", "test_minus_sweep", "test_minus_sweep_se"):
            assert np.isfinite(entry[key]), (name, key)
        if name != "model-based":
            # the one-line policies train the sweep's own candidates (same draws, same seeds) and choose among
            # those they trained to the top budget: never a lower validation loss than the sweep's choice
            assert entry["validation_minus_sweep"] >= -1e-12, name
        assert 0.3 < entry["test_loss"] < 0.7, name  # a cross-entropy of a logistic regression that learned


def test_bad_seed_count_is_one_line_and_exit_2():
    done = run("--seeds", "0")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "--seeds" in done.stderr


def test_logreg_example_continued_from_its_checkpoint_equals_trained_at_once():
    sys.path.insert(0, str(ROOT / "examples"))
    import logreg_train

    params = {"lr": 0.05, "l2": 1e-4, "batch": 32}
    at_once = logreg_train.train(params, 7, 9)
    first = logreg_train.train(params, 7, 3)
    continued = logreg_train.train(params, 7, 9, first.checkpoint)
    assert continued.objectives["loss"] == at_once.objectives["loss"]
    assert [e for e, _ in continued.curve["loss"]] == list(range(4, 10))
    assert continued.checkpoint["epoch"] == 9 and at_once.objectives["loss"] < logreg_train.loss(
        np.zeros(logreg_train.FEATURES), *logreg_train.dataset()[2:])  # it learned something
