"""The EGRU on a real dataset (scikit-learn's digits), batched BPTT, and activity regularization."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS
from l2l.simulators.rtrl import Cell, bptt, init_params
from l2l.simulators.rtrl.batched import bptt_batch
from l2l.simulators.rtrl.readout import init_readout
from l2l.simulators.rtrl.tasks import DIGITS_HELD_OUT, Digits, load_digit_images


@pytest.mark.parametrize("events, penalty, budget", [(True, 0.0, 0), (True, 0.4, 1), (False, 0.0, 0)])
def test_batched_bptt_gives_each_sequence_the_gradient_of_sequence_by_sequence_bptt(events, penalty, budget):
    rng = np.random.default_rng(4)
    cell = Cell(3, 6, events=events, gamma=0.7, epsilon=0.4)
    params = init_params(cell, rng, 0.1)
    cell.views(params).b[...] = rng.normal(0, 0.5, (3, 6))
    readout = init_readout(6, 3, rng)
    inputs, targets = 2.0 * rng.normal(size=(5, 20, 3)), rng.integers(-1, 3, (5, 20))
    batch = bptt_batch(cell, params, readout, inputs, targets, penalty, budget)
    for index in range(5):
        alone = bptt(cell, params, readout, inputs[index], targets[index], penalty, budget)
        np.testing.assert_allclose(batch.grad[index], alone.grad, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(batch.grad_readout[index], alone.grad_readout, rtol=1e-10, atol=1e-13)
        assert batch.loss[index] == pytest.approx(alone.loss, rel=1e-12)
        assert batch.active[index].tolist() == alone.active
        assert batch.hits[index] == alone.hits and batch.scored[index] == alone.scored
    assert np.abs(batch.grad).sum() > 0


def test_digit_splits_are_disjoint_fixed_and_held_out_images_are_never_trained_on():
    task = Digits()
    splits = {name: set(task.split_indices(name).tolist()) for name in ("train", "validation", "test")}
    assert len(splits["test"]) == len(splits["validation"]) == DIGITS_HELD_OUT
    assert not (splits["train"] & splits["test"]) and not (splits["train"] & splits["validation"])
    assert len(splits["train"] | splits["validation"] | splits["test"]) == 1797
    images, _ = load_digit_images()
    train_inputs, train_targets = task.sample(np.random.default_rng(0), 3000)
    seen = {tuple(np.round(row, 9)) for row in train_inputs[:, :8].reshape(3000, -1)}
    test_inputs, test_targets = task.sample(np.random.default_rng(0), 10_000, "test")
    assert test_inputs.shape == (DIGITS_HELD_OUT, 9, 9)
    unseen = [tuple(np.round(row, 9)) not in seen for row in test_inputs[:, :8].reshape(DIGITS_HELD_OUT, -1)]
    assert np.mean(unseen) > 0.99               # (a handful of digits occur twice in the dataset)
    # one image row per step, then the cue; the class is scored at the cue only
    assert np.all(test_inputs[:, 8, :8] == 0) and np.all(test_inputs[:, 8, 8] == 1)
    assert np.all(test_inputs[:, :8, 8] == 0)
    assert np.all(test_targets[:, :8] == -1) and set(np.unique(test_targets[:, 8])) == set(range(10))
    # the training epochs walk through every training image before repeating one
    first_epoch = train_inputs[:1077, :8].reshape(1077, -1)
    assert len({tuple(np.round(row, 9)) for row in first_epoch}) >= 1070
    again = task.sample(np.random.default_rng(0), 3000)
    assert np.array_equal(again[0], train_inputs) and np.array_equal(again[1], train_targets)


def _digits(**options):
    settings = {"task": "digits", "rule": "bptt", "units": 32, "trials": 3 * 1077, "batch_size": 32,
                "learning_rate": 0.01, "epsilon": 0.1, "theta_init": 0.05, "test_trials": 360}
    return SIMULATORS.create("egru", {**settings, **options})


def _mean_and_margin(values) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    return float(values.mean()), 3.0 * float(values.std(ddof=1) / np.sqrt(values.size))


def test_activity_regularization_makes_the_network_sparser_on_held_out_digits_at_small_accuracy_cost():
    # a short training (3 epochs, 32 units; docs/egru_rtrl.md has the full-size figures); four seeds each
    # (new initial weights and a new order of the training images), paired
    plain = [_digits().run({}, seed) for seed in range(4)]
    sparse = [_digits(activity_penalty=1.0, event_budget=1).run({}, seed) for seed in range(4)]
    gain, margin = _mean_and_margin([s.metrics["test_event_sparsity"] - p.metrics["test_event_sparsity"]
                                     for p, s in zip(plain, sparse)])
    assert gain - margin > 0.1
    assert np.mean([p.objectives["accuracy"] for p in plain]) > 0.75          # chance is 0.1
    cost, margin = _mean_and_margin([p.objectives["accuracy"] - s.objectives["accuracy"]
                                     for p, s in zip(plain, sparse)])
    assert cost + margin < 0.2                   # a penalty that silences the network costs 0.4 and more
    # sparse RTRL's cost follows the active units
    assert np.mean([s.objectives["macs_per_step"] / p.objectives["macs_per_step"]
                    for p, s in zip(plain, sparse)]) < 0.8


def test_the_rtrl_and_bptt_rules_train_the_same_network():
    options = {"units": 8, "trials": 24, "batch_size": 8, "test_trials": 64, "activity_penalty": 2.0,
               "event_budget": 1}
    online = _digits(rule="rtrl", **options).run({}, 5)
    batched = _digits(rule="bptt", **options).run({}, 5)
    for name in ("accuracy", "macs_per_step"):
        assert online.objectives[name] == pytest.approx(batched.objectives[name], rel=1e-9)
    for name in ("activity_sparsity", "test_activity_sparsity", "final_train_loss", "mean_threshold"):
        assert online.metrics[name] == pytest.approx(batched.metrics[name], rel=1e-9, abs=1e-12)


def test_a_run_cut_at_batch_boundaries_and_continued_equals_the_whole_run_with_the_bptt_rule():
    simulator = _digits(units=8, trials=48, batch_size=8, test_trials=64, activity_penalty=1.0)
    whole = simulator.run({}, 2)
    first = simulator.run_to({}, 2, 16, None)
    rest = simulator.run_to({}, 2, 48, first.checkpoint)
    assert rest.objectives == whole.objectives
    assert rest.metrics == whole.metrics


def test_the_digits_task_without_scikit_learn_is_refused_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ConfigError, match=r"'task'.*'digits'.*scikit-learn.*l2l\[datasets\]"):
        SIMULATORS.create("egru", {"task": "digits"})


@pytest.mark.parametrize("options, words", [
    ({"rule": "sgd"}, ["'rule'", "sgd", "bptt"]),
    ({"held_out": "train"}, ["'held_out'", "train", "validation"]),
    ({"event_budget": -1}, ["'event_budget'", "-1", ">= 0"]),
    ({"activity_penalty": -0.5}, ["'activity_penalty'", "-0.5", ">= 0"]),
])
def test_bad_options_are_refused_naming_the_option_and_the_rule(options, words):
    with pytest.raises(ConfigError) as error:
        SIMULATORS.create("egru", options)
    assert all(word in str(error.value) for word in words)


def test_the_digits_trade_off_example_is_valid_for_the_simulator():
    from pathlib import Path

    from l2l.config import load_config

    config = load_config(Path(__file__).resolve().parent.parent / "examples" / "egru_digits_tradeoff.toml")
    simulator = SIMULATORS.create(config.simulator.name, config.simulator.options)
    simulator.check_space(config.space)
    assert simulator.task == "digits" and simulator.held_out == "validation"
    assert {"activity_penalty", "theta_init"} <= set(config.space.names)
