"""Exact sparse RTRL for event-based GRUs, and the ``egru`` simulator."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS
from l2l.simulators.rtrl import Cell, bptt, init_params, pruning_mask, rtrl
from l2l.simulators.rtrl import macs as cost
from l2l.simulators.rtrl.readout import init_readout
from l2l.simulators.rtrl.rtrl import RTRL
from l2l.simulators.rtrl.tasks import DelayedCopy, Spiral
from l2l.space import Space

# events, thresholds (centre, half-spread), pseudo-derivative width, weight density,
# lowest and highest activity sparsity (fraction of silent units) expected
SPARSITY_LEVELS = {
    "gru-dense": (False, (0.0, 0.0), 1.0, 1.0, 0.0, 0.0),
    "gru-pruned": (False, (0.0, 0.0), 1.0, 0.2, 0.0, 0.0),
    "egru-all-active": (True, (0.0, 0.05), 2.0, 1.0, 0.0, 0.0),
    "egru-medium": (True, (0.3, 0.05), 0.3, 0.5, 0.2, 0.9),
    "egru-very-sparse": (True, (0.8, 0.5), 0.1, 0.1, 0.85, 0.99),
}


def random_problem(events, thresholds, epsilon, density, seed, units=10, inputs=3, length=30):
    rng = np.random.default_rng(seed)
    cell = Cell(inputs, units, events=events, gamma=0.8, epsilon=epsilon)
    mask = pruning_mask(cell, density, rng)
    threshold, spread = thresholds
    params = init_params(cell, rng, threshold, mask)
    cell.views(params).b[...] = rng.normal(0, 0.5, (3, units))
    if events:
        params[cell.threshold_slice()] = threshold + rng.uniform(-spread, spread, units)
    readout = init_readout(units, 3, rng)
    sequence = 2.0 * rng.normal(size=(length, inputs))
    targets = rng.integers(-1, 3, length)
    return cell, mask, params, readout, sequence, targets


def relative_error(value, reference):
    return np.linalg.norm(value - reference) / np.linalg.norm(reference)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("level", list(SPARSITY_LEVELS))
def test_sparse_and_dense_rtrl_gradients_equal_bptt_at_every_sparsity_level(level, seed):
    events, threshold, epsilon, density, lowest, highest = SPARSITY_LEVELS[level]
    cell, mask, params, readout, sequence, targets = random_problem(
        events, threshold, epsilon, density, seed)
    reference = bptt(cell, params, readout, sequence, targets)
    dense = rtrl(cell, params, readout, sequence, targets, mask, sparse=False)
    sparse = rtrl(cell, params, readout, sequence, targets, mask, sparse=True)
    sparsity = 1.0 - reference.active_total / (reference.steps * cell.n_units)
    assert lowest <= sparsity <= highest
    assert np.linalg.norm(reference.grad) > 0
    assert relative_error(dense.grad, reference.grad) < 1e-10
    assert relative_error(sparse.grad, reference.grad * mask) < 1e-10
    assert relative_error(sparse.grad_readout, reference.grad_readout) < 1e-10
    assert sparse.loss == pytest.approx(reference.loss, rel=1e-12)


def test_bptt_matches_finite_differences_for_the_smooth_gru():
    cell, mask, params, readout, sequence, targets = random_problem(False, (0.0, 0.0), 1.0, 0.7, 5)
    gradient = bptt(cell, params, readout, sequence, targets).grad
    probe = np.flatnonzero(mask)[::17]
    step, numeric = 1e-6, []
    for index in probe:
        shifted = params.copy()
        shifted[index] += step
        up = bptt(cell, shifted, readout, sequence, targets).loss
        shifted[index] -= 2 * step
        down = bptt(cell, shifted, readout, sequence, targets).loss
        numeric.append((up - down) / (2 * step))
    assert relative_error(gradient[probe], np.array(numeric)) < 1e-6


@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("level", ["gru-pruned", "egru-all-active", "egru-medium", "egru-very-sparse"])
def test_counted_macs_equal_the_cost_model(level, sparse):
    events, threshold, epsilon, density, _, _ = SPARSITY_LEVELS[level]
    cell, mask, params, readout, sequence, targets = random_problem(
        events, threshold, epsilon, density, 3)
    learner = RTRL(cell, params, readout, mask, sparse=sparse, record=True)
    for x, target in zip(sequence, targets):
        learner.step(x, int(target))
    columns, immediate = cost.kept_columns(cell.n_units, cell.n_inputs, density if sparse else 1.0,
                                           events)
    assert (columns, immediate) == (learner.n_columns, learner.n_immediate)
    expected = cost.rtrl_sequence_macs(cell.n_units, columns, immediate, learner.active_counts,
                                       targets, sparse)
    assert learner.macs == expected
    reference = bptt(cell, params, readout, sequence, targets)
    assert reference.macs == len(sequence) * cost.bptt_step_macs(cell.n_units, cell.n_inputs)


def test_silent_units_and_pruned_weights_cut_the_measured_macs():
    dense_run = rtrl(*_args("egru-all-active"), sparse=False)
    sparse_run = rtrl(*_args("egru-very-sparse"), sparse=True)
    assert sparse_run.macs * 20 < dense_run.macs


def _args(level):
    events, threshold, epsilon, density, _, _ = SPARSITY_LEVELS[level]
    cell, mask, params, readout, sequence, targets = random_problem(
        events, threshold, epsilon, density, 4)
    return cell, params, readout, sequence, targets, mask


def _peak_bytes(function) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_rtrl_memory_does_not_grow_with_sequence_length_but_bptt_memory_does():
    cell, mask, params, readout, _, _ = random_problem(True, (0.3, 0.05), 0.3, 0.5, 6)
    rng = np.random.default_rng(0)
    short, long = (rng.normal(size=(length, cell.n_inputs)) for length in (50, 800))
    targets_short, targets_long = np.zeros(50, int), np.zeros(800, int)
    rtrl_short = _peak_bytes(lambda: rtrl(cell, params, readout, short, targets_short, mask))
    rtrl_long = _peak_bytes(lambda: rtrl(cell, params, readout, long, targets_long, mask))
    bptt_short = _peak_bytes(lambda: bptt(cell, params, readout, short, targets_short))
    bptt_long = _peak_bytes(lambda: bptt(cell, params, readout, long, targets_long))
    assert rtrl_long < 1.2 * rtrl_short
    assert bptt_long > 8 * bptt_short


def test_tasks_are_reproducible_from_the_seed_and_score_the_right_steps():
    for task in (DelayedCopy(symbols=5, length=2, delay=3), Spiral(length=7)):
        first = task.sample(np.random.default_rng(9), 6)
        again = task.sample(np.random.default_rng(9), 6)
        assert all(np.array_equal(a, b) for a, b in zip(first, again))
        inputs, targets = first
        assert inputs.shape == (6, task.duration, task.n_inputs)
        assert targets.max() < task.n_classes
    inputs, targets = DelayedCopy(symbols=5, length=2, delay=3).sample(np.random.default_rng(1), 4)
    shown = inputs[:, :2, :5].argmax(axis=-1)
    assert np.array_equal(targets[:, -2:], shown)
    assert np.all(targets[:, :-2] == -1)


SMALL = {"trials": 16, "batch_size": 4, "test_trials": 16, "units": 8}


def test_the_simulator_gives_identical_results_for_the_same_params_and_seed():
    simulator = SIMULATORS.create("egru", SMALL)
    params = {"theta_init": 0.3, "learning_rate": 0.05, "density": 0.5}
    first, again = simulator.run(params, 11), simulator.run(params, 11)
    other = simulator.run(params, 12)
    assert first.objectives == again.objectives and first.metrics == again.metrics
    assert np.array_equal(first.traces["learning_curve"], again.traces["learning_curve"])
    assert first.metrics != other.metrics
    assert set(first.objectives) == {"test_error", "accuracy", "macs_per_step"}
    assert 0.0 <= first.metrics["activity_sparsity"] <= 1.0
    assert first.metrics["parameter_density"] == pytest.approx(0.5, abs=0.01)


def test_parameters_missing_from_params_take_the_option_values():
    simulator = SIMULATORS.create("egru", {**SMALL, "theta_init": 0.4, "density": 0.6})
    assert simulator.run({}, 3).metrics == simulator.run({"theta_init": 0.4, "density": 0.6}, 3).metrics
    assert simulator.run({}, 3).metrics != simulator.run({"theta_init": 0.1}, 3).metrics


@pytest.mark.parametrize("options, words", [
    ({"units": 0}, ["'units'", "0", ">= 1"]),
    ({"density": 0.0}, ["'density'", "0.0", "(0, 1]"]),
    ({"density": 1.5}, ["'density'", "1.5"]),
    ({"learning_rate": -0.1}, ["'learning_rate'", "-0.1", "> 0"]),
    ({"task": "maze"}, ["'task'", "maze", "spiral"]),
    ({"model": "lstm"}, ["'model'", "lstm"]),
    ({"epsilon": 0.0}, ["'epsilon'", "> 0"]),
    ({"hidden": 3}, ["unknown option", "'hidden'"]),
])
def test_invalid_options_are_refused_naming_option_value_and_rule(options, words):
    with pytest.raises(ConfigError) as error:
        SIMULATORS.create("egru", options)
    assert all(word in str(error.value) for word in words)


def test_unknown_or_invalid_parameters_are_refused():
    simulator = SIMULATORS.create("egru", SMALL)
    with pytest.raises(ConfigError, match="'tau'"):
        simulator.run({"tau": 1.0}, 0)
    with pytest.raises(ConfigError, match="'density'.*1.7"):
        simulator.run({"density": 1.7}, 0)
    with pytest.raises(ConfigError, match="explorable"):
        simulator.check_space(Space.from_json({"tau": {"type": "float", "low": 0, "high": 1}}))
    simulator.check_space(Space.from_json({"theta_init": {"type": "float", "low": 0, "high": 1}}))
