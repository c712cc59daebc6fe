"""Defects found reviewing session 32's commits as a maintainer would (helper-253)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import l2l
from l2l.simulators import SimulationResult

#: Samples of the recording each evaluation of the sweep below stores beside its learning curve.
RECORDED = 100_000


def curve_and_recording(params, seed, budget, checkpoint=None):
    """A model that stores its learning curve and, as many do, a recording (a membrane potential) of its run."""
    x = float(params["x"])
    curve = [[epoch, (1 - x) + 27 * x / epoch ** 2] for epoch in range(1, int(budget) + 1)]
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                            traces={"voltage": np.random.default_rng(seed).normal(size=RECORDED)})


def test_show_of_a_sweep_with_a_long_recording_per_evaluation_reads_only_its_curves_into_memory(tmp_path):
    """760409f's early-stop line read every trace of the sweep into one long frame: a sweep of 2,000 evaluations
    that each recorded 20,000 samples took ``l2l show`` 41 s and 4.1 GB (2.6 s and 170 MB now, at load 19)."""
    from l2l.results_schema.reader import Trajectory
    from l2l.summary.text import show_text

    config = {"run": {"name": "sweep", "seed": 1, "generations": 1},
              "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 30},
              "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
              "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "sweep.h5", simulator=curve_and_recording)
    stored = 30 * RECORDED * 8  # 24 MB of recordings in the file
    tracemalloc.start()
    try:
        with Trajectory(path) as trajectory:
            text = show_text(trajectory)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (line,) = [line for line in text.splitlines() if line.startswith("early stop ")]
    assert "ranked 30 of 30 at 1 epochs" in line  # (the best learns slowest: it is the line of test_persona32)
    # before: 10 times what the recordings take in the file (their long form: 3 million rows of five columns)
    assert peak < 4 * stored, f"l2l show took {peak / 1e6:.0f} MB for {stored / 1e6:.0f} MB of recordings"


def resizing_network(params, seed, budget, checkpoint=None):
    """A network whose width is ``hidden``, also when it continues from a donor's checkpoint (its weights resized):
    the function does what PBT's exploration needs. ``batch`` shapes nothing."""
    hidden = int(params["hidden"])
    if checkpoint is None:
        done, weights = 0, np.random.default_rng(seed).normal(size=(3, hidden))
    else:
        done, weights = int(checkpoint["epoch"]), np.resize(np.array(checkpoint["weights"]), (3, hidden))
    curve = []
    for epoch in range(done + 1, int(budget) + 1):
        weights = weights * (1 - params["lr"])
        curve.append([epoch, float(np.mean(weights ** 2))])
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                            checkpoint={"epoch": int(budget), "weights": weights})


@pytest.mark.parametrize("seed", [27, 29])
def test_pbt_does_not_blame_a_parameter_that_only_happened_to_equal_the_width_in_every_member_from_scratch(
        tmp_path, capsys, seed):
    """70dd943's warning took ``batch`` for a width where every member trained from scratch had batch equal to
    hidden (choices 32 and 64 both, population 4: 2 runs of 40 seeds), and told a user whose function resizes the
    weights as it should that it 'trains the donor's network'."""
    config = {"run": {"name": "p", "seed": seed, "policy": "pbt", "generations": 1},
              "space": {"lr": {"type": "float", "low": 0.01, "high": 0.5, "log": True},
                        "hidden": {"type": "categorical", "choices": [32, 64]},
                        "batch": {"type": "categorical", "choices": [32, 64]}},
              "optimizer": {"name": "random", "population_size": 4},
              "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 8}},
              "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "p.h5", simulator=resizing_network)
    said = [line for line in capsys.readouterr().err.splitlines() if "pbt explored" in line]
    assert said == []
    segments = l2l.load(path, segments=True)
    hidden, batch = segments["hidden"].astype(int), segments["batch"].astype(int)
    scratch = segments["from_budget"] == 0
    assert (hidden[scratch] == batch[scratch]).all()  # the case: alike in every member from scratch ...
    assert ((segments["parent"] >= 0) & (hidden != batch)).any()  # ... and a member continued with them apart


def two_objectives(params, seed, budget, checkpoint=None):
    x = float(params["x"])
    curve = [[epoch, (1 - x) + 27 * x / epoch ** 2] for epoch in range(1, int(budget) + 1)]
    return SimulationResult(objectives={"loss": curve[-1][1], "size": x}, curve={"loss": curve})


def test_show_of_a_sweep_of_two_objectives_names_the_one_its_early_stop_line_ranks_by(tmp_path):
    """760409f's line said 'the best at 9 epochs' of a run whose table is a Pareto front of loss and size: the best
    by which? (the first objective's, whose curve it reads)."""
    from l2l.results_schema.reader import Trajectory
    from l2l.summary.text import show_text

    config = {"run": {"name": "sweep", "seed": 1, "generations": 1},
              "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 12},
              "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
              "objectives": [{"name": "loss", "direction": "minimize"}, {"name": "size", "direction": "minimize"}],
              "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "sweep.h5", simulator=two_objectives)
    with Trajectory(path) as trajectory:
        text = show_text(trajectory)
    (line,) = [line for line in text.splitlines() if line.startswith("early stop ")]
    assert line.startswith("early stop the best by loss at 9 epochs (generation 0, individual"), line
    assert "ranked 12 of 12 at 1 epochs" in line


def reads_a_checkpoint_key(params, seed):
    weights = {"w": 1.0}
    return {"loss": weights["state_dict"] * params["lr"]}


def reads_a_misspelt_parameter(params, seed):
    weights = {"w": 1.0}
    return {"loss": weights["w"] * params["lrr"]}


def test_a_key_error_of_the_models_own_dict_is_not_called_a_missing_parameter(tmp_path):
    """7543453's hint named every KeyError of a string the space lacks: a checkpoint's key read beside a parameter
    said 'the run's space has no parameter 'state_dict''; a parameter misspelt on such a line keeps its hint."""
    from l2l.summary.failures import error_message

    config = {"run": {"name": "k", "seed": 1, "generations": 1},
              "space": {"lr": {"type": "float", "low": 0.1, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 1},
              "simulator": {"name": "python"}, "backend": {"name": "serial"},
              "objectives": [{"name": "loss", "direction": "minimize"}]}
    own = l2l.run(config, tmp_path / "own.h5", simulator=reads_a_checkpoint_key)
    assert error_message(l2l.load(own)["error"][0]) == "KeyError: 'state_dict'"
    misspelt = l2l.run(config, tmp_path / "misspelt.h5", simulator=reads_a_misspelt_parameter)
    line = error_message(l2l.load(misspelt)["error"][0])
    assert "no parameter 'lrr'; did you mean 'lr'?" in line, line
