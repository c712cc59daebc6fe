"""The EGRU's training cross-entropy where the target's softmax probability underflows (session 46).

Before: with a diverging learning rate (``learning_rate = 1000`` on the spiral task, 64 trials) the readout's scores
of one step lay more than ~745 apart, the target's probability underflowed to 0, and ``-log(p)`` made the metric
``final_train_loss`` inf (both rules), with numpy's "divide by zero encountered in log" printed 24 times (rtrl) and
7 times (bptt) in one evaluation. Now: the same quantity from the shifted scores (``log(sum exp) - score``), finite,
equal under both rules, no warning; at ordinary settings the numbers are bit for bit the old ones.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from l2l.simulators import SIMULATORS
from l2l.simulators.rtrl import readout as ro
from l2l.simulators.rtrl.batch import rtrl_batch
from l2l.simulators.rtrl.batched import bptt_batch
from l2l.simulators.rtrl.cells import Cell, init_params


def test_the_loss_of_a_target_far_below_the_best_score_is_the_score_gap():
    y = np.array([1.0, 0.0])
    readout = np.array([1000.0, 0.0, 0.0, 0.0, 0.0, 0.0])  # w_out (2 classes x 2 units), then biases: scores 1000, 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, _, _ = ro.loss_and_gradients(readout, y, 1)
        assert loss == pytest.approx(1000.0)
        assert ro.loss_and_gradients(readout, y, 0)[0] == pytest.approx(0.0)


def test_batched_rules_give_the_finite_loss_of_a_saturated_readout():
    rng = np.random.default_rng(0)
    cell = Cell(2, 3, events=True, gamma=1.0, epsilon=0.5)
    params = init_params(cell, rng, 0.2, np.ones(cell.n_params, dtype=bool))
    readout = 5000.0 * rng.normal(size=2 * 3 + 2)  # scores thousands apart
    inputs, targets = rng.normal(size=(2, 6, 2)), rng.integers(0, 2, (2, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        through_time = bptt_batch(cell, params, readout, inputs, targets).loss
        online = [g.loss for g in rtrl_batch(cell, params, readout, inputs, targets)]
    assert np.all(np.isfinite(through_time)) and np.max(through_time) > 100, through_time
    np.testing.assert_allclose(online, through_time, rtol=1e-9)


@pytest.mark.parametrize("rule", ["rtrl", "bptt"])
def test_a_diverging_learning_rate_reports_a_finite_training_loss_without_numpy_warnings(rule):
    simulator = SIMULATORS.create("egru", {"trials": 64, "test_trials": 16, "rule": rule})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # before: RuntimeWarning: divide by zero encountered in log
        result = simulator.run({"learning_rate": 1000.0}, 1)
    assert np.isfinite(result.metrics["final_train_loss"]) and result.metrics["final_train_loss"] > 100, result.metrics
