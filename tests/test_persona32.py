"""A PhD student's own training script through multi-fidelity and PBT (session 32's persona trial, helper-247)."""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.simulators import SimulationResult


def width_from_checkpoint(params, seed, budget, checkpoint=None):
    """A student's network: its width comes from ``hidden``, but a continued segment takes the weights as they are
    (the donor's width under PBT) and never looks at ``hidden`` again."""
    if checkpoint is None:
        done, weights = 0, np.random.default_rng(seed).normal(size=(3, int(params["hidden"])))
    else:
        done, weights = int(checkpoint["epoch"]), np.array(checkpoint["weights"])
    curve = []
    for epoch in range(done + 1, int(budget) + 1):
        weights = weights * (1 - params["lr"])
        curve.append([epoch, float(np.mean(weights ** 2))])
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                            checkpoint={"epoch": int(budget), "weights": weights})


def pbt_run(seed, **policy):
    return {"run": {"name": "student", "seed": seed, "policy": "pbt", "generations": 1},
            "space": {"lr": {"type": "float", "low": 0.01, "high": 0.5, "log": True},
                      "hidden": {"type": "int", "low": 2, "high": 64}},
            "optimizer": {"name": "random", "population_size": 4},
            "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 4}},
            "objectives": [{"name": "loss", "direction": "minimize"}],
            **({"policy": policy} if policy else {}),
            "backend": {"name": "serial"}}


def warnings(capsys):
    return [line for line in capsys.readouterr().err.splitlines() if "pbt explored" in line]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pbt_warns_in_one_line_when_it_explores_a_width_the_continued_network_ignores(tmp_path, capsys, seed):
    path = l2l.run(pbt_run(seed), tmp_path / "p.h5", simulator=width_from_checkpoint)
    lines = warnings(capsys)
    assert len(lines) == 1, lines
    assert "'hidden'" in lines[0] and 'keep = ["hidden"]' in lines[0] and "'weights'" in lines[0]
    segments = l2l.load(path, segments=True)
    assert (segments["parent"] >= 0).any()  # members did exploit: the warning is about a real run


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pbt_says_nothing_when_the_width_is_kept_as_the_donor_had_it(tmp_path, capsys, seed):
    l2l.run(pbt_run(seed, keep=["hidden"]), tmp_path / "p.h5", simulator=width_from_checkpoint)
    assert warnings(capsys) == []


def test_a_sweep_switched_to_the_model_based_policy_is_told_what_run_compute_its_sweep_spent():
    config = {**pbt_run(1), "run": {"name": "student", "seed": 1, "policy": "model-based", "generations": 3},
              "optimizer": {"name": "random", "population_size": 27}}
    with pytest.raises(l2l.ConfigError) as refused:
        l2l.from_mapping(config)
    line = str(refused.value)
    assert "\n" not in line and "give run.compute" in line
    assert "81 candidates" in line and "81 x the top budget" in line and "leave out run.generations" in line


def slow_best(params, seed, budget, checkpoint=None):
    """The larger x, the better at the top budget (9) and the worse after 1 epoch: the best learns slowly."""
    x = float(params["x"])
    curve = [[e, (1 - x) + 27 * x / e ** 2] for e in range(1, int(budget) + 1)]
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve})


def fast_best(params, seed, budget, checkpoint=None):
    x = float(params["x"])
    curve = [[e, (1 - x) + 1.0 / e] for e in range(1, int(budget) + 1)]
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve})


def sweep_run(seed):
    return {"run": {"name": "sweep", "seed": seed, "generations": 1},
            "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
            "optimizer": {"name": "random", "population_size": 12},
            "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
            "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}


def early_stop_line(path):
    from l2l.results_schema.reader import Trajectory
    from l2l.summary.text import show_text

    with Trajectory(path) as trajectory:
        text = show_text(trajectory)
    return [line for line in text.splitlines() if line.startswith("early stop ")]


@pytest.mark.parametrize("seed", [1, 2])
def test_show_of_a_sweep_says_where_its_best_ranked_at_the_rungs_a_policy_would_stop_at(tmp_path, seed):
    slow = l2l.run(sweep_run(seed), tmp_path / "slow.h5", simulator=slow_best)
    fast = l2l.run(sweep_run(seed), tmp_path / "fast.h5", simulator=fast_best)
    (line,) = early_stop_line(slow)
    assert "ranked 12 of 12 at 1 epochs" in line and "below the best third at 1, 3 epochs" in line
    assert "min_budget" not in line and "hyperband or median-stopping" in line  # no lower rung keeps it
    (line,) = early_stop_line(fast)
    assert "ranked 1 of 12 at 1 epochs, 1 at 3" in line and "in the best third at every rung" in line
    frame = l2l.agreement(slow)
    assert list(frame["budget"]) == [1.0, 3.0] and set(frame["candidates"]) == {"sweep"}
    assert (frame["pairs"] == 12).all() and (frame["rank_correlation"] < -0.99).all()
