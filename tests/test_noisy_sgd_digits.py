"""noisy-sgd with task = "digits": a tanh network learning handwritten digits by minibatch SGD (a PBT task)."""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS
from l2l.simulators.noisy_sgd import NoisySGD


def digits(**options) -> NoisySGD:
    return NoisySGD(task="digits", max_budget=120, **options)


def test_the_network_learns_the_digits_from_its_seed():
    simulator = digits()
    untrained = simulator.run_to({"learning_rate": 0.1}, 5, 1, None)
    trained = simulator.run({"learning_rate": 0.1}, 5)
    assert untrained.metrics["held_out_error"] > 0.6  # 10 classes: a fresh network guesses
    assert trained.metrics["held_out_error"] < 0.35
    assert trained.objectives["loss"] < 0.5 * untrained.objectives["loss"]
    again = simulator.run({"learning_rate": 0.1}, 5)
    assert again.objectives == trained.objectives
    other = simulator.run({"learning_rate": 0.1}, 6)
    assert other.objectives != trained.objectives  # the seed draws the weights and the minibatches
    assert trained.curve["loss"][-1, 0] == 120 and trained.curve["loss"][0, 0] == 50


def test_a_learning_rate_changed_at_a_checkpoint_is_the_run_that_changed_it_at_that_step():
    simulator = digits()
    first = simulator.run_to({"learning_rate": 0.3}, 2, 60, None)
    continued = simulator.run_to({"learning_rate": 0.03}, 2, 120, first.checkpoint)
    kept = simulator.run_to({"learning_rate": 0.3}, 2, 120, first.checkpoint)
    assert continued.objectives != kept.objectives  # the new rate takes effect in the continued segment
    # the same schedule in three pieces gives the same learner
    piece = simulator.run_to({"learning_rate": 0.3}, 2, 30, None)
    piece = simulator.run_to({"learning_rate": 0.3}, 2, 60, piece.checkpoint)
    again = simulator.run_to({"learning_rate": 0.03}, 2, 120, piece.checkpoint)
    assert again.objectives == continued.objectives
    np.testing.assert_array_equal(again.checkpoint["x"], continued.checkpoint["x"])
    # the checkpoint is plain arrays and a whole number (no pickles)
    assert set(continued.checkpoint) == {"x", "v", "step"} and continued.checkpoint["step"] == 120
    assert all(isinstance(continued.checkpoint[k], np.ndarray) for k in ("x", "v"))


def test_a_diverging_learner_stops_quietly_and_stays_diverged(recwarn):
    simulator = digits()
    wild = simulator.run_to({"learning_rate": 500.0}, 1, 60, None)
    assert wild.objectives["loss"] == 1e3  # a huge but finite loss is capped
    lost = simulator.run_to({"learning_rate": 1e306}, 1, 60, None)  # the weights overflow
    assert lost.objectives["loss"] == 1e3 and lost.metrics["held_out_error"] == 1.0
    later = simulator.run_to({"learning_rate": 0.01}, 1, 120, lost.checkpoint)
    assert later.objectives["loss"] == 1e3 and later.checkpoint["step"] == 120
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_a_checkpoint_of_another_network_size_is_refused():
    small = digits(hidden=8).run_to({"learning_rate": 0.1}, 1, 10, None)
    with pytest.raises(ValueError, match="8 hidden units|32 hidden units"):
        digits().run_to({"learning_rate": 0.1}, 1, 20, small.checkpoint)


def test_the_test_split_is_another_measurement_of_the_same_learner():
    validation = digits().run({"learning_rate": 0.1}, 3)
    test = digits(held_out="test").run({"learning_rate": 0.1}, 3)
    np.testing.assert_array_equal(validation.checkpoint["x"], test.checkpoint["x"])
    assert validation.objectives != test.objectives


def test_bad_digits_options_are_refused_in_one_line():
    for options, message in (({"task": "mnist"}, "task must be one of"), ({"batch_size": 0}, "batch_size"),
                             ({"held_out": "train"}, "held_out")):
        with pytest.raises(ConfigError, match=message):
            SIMULATORS.create("noisy-sgd", options)


def test_a_pbt_run_on_the_digits_trains_every_member_to_the_end(tmp_path):
    config = l2l.from_mapping({"run": {"name": "d", "seed": 0},
                               "space": {"learning_rate": {"low": 0.01, "high": 1.0, "log": True}},
                               "simulator": {"name": "noisy-sgd", "task": "digits", "max_budget": 60},
                               "objectives": [{"name": "loss", "direction": "minimize"}],
                               "policy": {"name": "pbt", "population": 4, "interval": 20},
                               "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "d.h5")
    history = l2l.lineage(path)
    assert history.groupby("member")["budget"].max().eq(60).all() and history["member"].nunique() == 4


def test_a_falling_learning_rate_matches_the_best_constant_one_without_knowing_it_on_the_digits():
    """Why the digits network is a PBT task: a learning rate falling 9x through the good range over the run does as
    well as the best of five constant rates (within 5 % of its mean loss) and beats the rates too small to learn in
    time (0.025, 0.04) by more than 0.05 at the mean minus three standard errors, paired over 10 seeds.

    It does not beat the best constant: this test once asserted 8 % below it on seeds 20000-20002 (the seeds the
    benchmark's oracle chose the schedule on); on fresh seeds 200-209 and 300-309 the schedule is 3.6 % and 8.0 %
    below the constant 0.1, worse on 3 of 10 seeds each, mean - 3 SE of the gain -0.023 and -0.022
    (scripts/noisy_sgd_test_claims.py). The restated claim was checked on 300-309 after being written on 200-209."""
    simulator = NoisySGD(task="digits", max_budget=400)
    seeds = range(200, 210)

    def losses(rates):
        found = []
        for seed in seeds:
            checkpoint = None
            for piece, rate in enumerate(rates):
                result = simulator.run_to({"learning_rate": rate}, seed, 400 * (piece + 1) / len(rates), checkpoint)
                checkpoint = result.checkpoint
            found.append(result.objectives["loss"])
        return np.array(found)

    constants = {rate: losses([rate]) for rate in (0.025, 0.04, 0.063, 0.1, 0.158)}  # best: 0.1, 0.256
    falling = losses(list(0.19 * (0.11 ** (np.arange(10) / 9))))  # 0.19 -> 0.021 over 10 intervals: 0.247
    assert falling.mean() < 1.05 * min(values.mean() for values in constants.values())  # 0.247 < 0.269
    for rate in (0.025, 0.04):
        gain = constants[rate] - falling
        assert gain.mean() - 3 * gain.std(ddof=1) / np.sqrt(gain.size) > 0.05, rate  # 0.197, 0.073
