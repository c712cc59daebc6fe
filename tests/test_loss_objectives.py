"""The smooth objectives of the learning inner loops: lsnn's ``recall_loss`` and egru's ``test_loss``.

Both are the readout's cross-entropy on the same test trials as the error (so, on one test trial of two
classes, the error is 1 exactly when the loss exceeds log 2), lower after training than before, and
selectable in a config while the error stays the default objective.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import l2l
from l2l.simulators import SIMULATORS

LSNN = {"n_lif": 5, "n_alif": 10, "training_steps": 81, "batch_size": 8, "delay": 60}
LSNN_GOOD = {"tau_a": 100.0, "beta": 10.0, "thr": 1.0, "learning_rate": 0.01}
EGRU = {"units": 16, "trials": 162, "batch_size": 3, "noise": 0.1}
EGRU_GOOD = {"theta_init": 0.3, "learning_rate": 0.03, "density": 0.8}
CASES = {"lsnn": (LSNN, LSNN_GOOD, "recall_error", "recall_loss", 81),
         "egru": (EGRU, EGRU_GOOD, "test_error", "test_loss", 162)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_loss_is_measured_on_the_error_s_test_trials(name):
    options, params, error, loss, _ = CASES[name]
    simulator = SIMULATORS.create(name, {**options, "test_trials": 1})
    seen = set()
    for seed in range(8):
        for budget in (3, 12):
            objectives = simulator.run_to(params, seed, budget, None).objectives
            assert objectives[loss] >= 0.0
            # one test trial of two classes: wrong exactly when the right class gets less than half
            assert (objectives[error] == 1.0) == (objectives[loss] > math.log(2.0)), (seed, budget, objectives)
            seen.add(objectives[error])
    assert seen == {0.0, 1.0}  # both cases were checked


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_loss_is_lower_after_training_over_seeds(name):
    options, params, _, loss, top = CASES[name]
    simulator = SIMULATORS.create(name, {**options, "test_trials": 64, "min_budget": 1})
    before, after = [], []
    for seed in range(3):
        result = simulator.run_to(params, seed, top, None)
        after.append(result.objectives[loss])
        before.append(simulator.run_to(params, seed, 1, None).objectives[loss])
        # the curve holds the loss too, so the rungs a segment passes are scored on the selected objective
        assert result.curve[loss][-1] == [top, result.objectives[loss]]
    assert np.mean(after) < np.mean(before) - 0.05, (before, after)
    assert all(a < b for a, b in zip(after, before)), (before, after)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_config_selects_the_loss_and_the_error_stays_the_default(name, tmp_path):
    options, _, error, loss, _ = CASES[name]
    space = {"learning_rate": {"type": "float", "low": 0.005, "high": 0.05, "log": True}}
    base = {"run": {"name": name, "seed": 0, "generations": 1}, "space": space,
            "optimizer": {"name": "random", "population_size": 1},
            "simulator": {"name": name, **options, "test_trials": 8}}
    assert [o.name for o in SIMULATORS.get(name).default_objectives] == [error]
    config = l2l.from_mapping({**base, "objectives": [{"name": loss, "direction": "minimize"}]}, base_dir=tmp_path)
    assert [o.name for o in config.objectives] == [loss]
