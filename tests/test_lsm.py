"""Liquid state machine: learning-to-learn fitness, chance level of broken reservoirs, options."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from l2l.config import load_config
from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS
from l2l.simulators.lsm import LiquidStateMachine
from l2l.simulators.lsm_tasks import TaskFamily, classification_error

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SMALL = {"n_exc": 80, "n_inh": 20, "test_examples": 24, "tasks": 3, "kinds": ["pattern", "xor", "memory"]}
GOOD = {"J_EE": 2.0, "J_EI": 3.0, "J_IE": 5.0, "J_II": 1.0}


def test_same_parameters_and_seed_give_identical_results():
    lsm = SIMULATORS.create("lsm", SMALL)
    a = lsm.run(GOOD, 3)
    b = pickle.loads(pickle.dumps(lsm)).run(GOOD, 3)
    assert a.objectives == b.objectives and a.metrics == b.metrics
    assert lsm.run(GOOD, 4).metrics != a.metrics


def test_a_balanced_reservoir_learns_from_few_examples_well_above_chance():
    result = LiquidStateMachine().run(GOOD, 1)
    assert set(result.objectives) == {"test_error"}
    assert result.objectives["test_error"] < result.metrics["chance_error"] - 0.2
    assert 1.0 < result.metrics["firing_rate"] < 100.0
    assert result.metrics["memory_capacity"] > 0.3
    assert result.traces["task_errors"].shape == (4,)


def test_a_silent_reservoir_scores_near_chance_without_crashing():
    result = LiquidStateMachine(**SMALL).run({"input_gain": 0.0, "noise_rate": 0.0}, 2)
    assert result.metrics["firing_rate"] == 0.0
    assert result.metrics["memory_capacity"] == 0.0
    assert abs(result.objectives["test_error"] - result.metrics["chance_error"]) < 0.15


def test_a_saturated_reservoir_scores_near_chance_without_crashing():
    result = LiquidStateMachine(**SMALL).run({"J_EE": 40.0, "J_EI": 40.0, "J_IE": 0.0, "J_II": 0.0,
                                              "noise_rate": 2000.0}, 2)
    assert result.metrics["firing_rate"] > 250.0
    assert result.objectives["test_error"] > result.metrics["chance_error"] - 0.15


def test_parameters_missing_from_the_space_take_the_option_of_the_same_name():
    lsm = LiquidStateMachine(**SMALL, J_IE=5.0)
    assert lsm.model({"J_EE": 2.0})["J_IE"] == 5.0
    assert lsm.run({"J_EE": 2.0}, 5).objectives == LiquidStateMachine(**SMALL).run(
        {"J_EE": 2.0, "J_IE": 5.0}, 5).objectives


@pytest.mark.parametrize("options, words", [
    ({"n_exc": 0}, ["n_exc", "0", ">= 1"]),
    ({"p_EE": 1.5}, ["p_EE", "1.5", "[0, 1]"]),
    ({"tau_m": -1.0}, ["tau_m", "-1.0", "> 0"]),
    ({"kinds": ["pattern", "sudoku"]}, ["kinds", "sudoku"]),
    ({"train_examples": 1}, ["train_examples", "1", ">= 2"]),
])
def test_invalid_options_are_refused_with_the_option_value_and_rule(options, words):
    with pytest.raises(ConfigError) as err:
        SIMULATORS.create("lsm", options)
    assert all(w in str(err.value) for w in words)


def test_unknown_or_invalid_parameters_are_refused():
    with pytest.raises(ConfigError, match="unknown parameter 'J_XY'"):
        LiquidStateMachine(**SMALL).run({"J_XY": 1.0}, 0)
    with pytest.raises(ConfigError, match="'J_EE' must be >= 0"):
        LiquidStateMachine(**SMALL).run({"J_EE": -1.0}, 0)


def test_every_task_of_the_family_has_balanced_labels_and_the_trial_shape():
    family = TaskFamily()
    rng = np.random.default_rng(0)
    for kind in ("pattern", "xor", "memory"):
        task = family.draw(rng, kind, 30)
        assert task.spikes.shape == (family.steps, 30, family.n_inputs)
        assert set(np.unique(task.labels)) == set(range(task.classes))


def test_a_readout_of_constant_features_predicts_at_chance():
    x = np.ones((20, 5))
    labels = np.arange(20) % 2
    assert classification_error(x[:10], labels[:10], x[10:], labels[10:], 2, 1.0) == 0.5


def test_the_example_config_explores_the_weight_scales_with_a_genetic_algorithm():
    config = load_config(EXAMPLES / "lsm_ga.toml")
    assert config.optimizer.name == "ga" and config.simulator.name == "lsm"
    assert config.space.names == ["J_EE", "J_EI", "J_IE", "J_II"]
    lsm = SIMULATORS.create("lsm", config.simulator.options)
    lsm.check_space(config.space)
    assert [o.name for o in config.objectives] == ["test_error"]
