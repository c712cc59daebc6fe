"""SPORE: reward-based synaptic sampling in closed loop, and its temperature finding."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from conftest import on_two_cores

from l2l.config import load_config
from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS
from l2l.simulators.closed_loop import LaneFollowing, Reaching
from l2l.simulators.spore import Spore, temperature_at

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_same_parameters_and_seed_give_identical_results():
    spore = SIMULATORS.create("spore", {"duration": 5.0})
    a = spore.run({"learning_rate": 1e-3, "schedule": "anneal"}, 7)
    b = pickle.loads(pickle.dumps(spore)).run({"learning_rate": 1e-3, "schedule": "anneal"}, 7)
    assert a.objectives == b.objectives and a.metrics == b.metrics
    np.testing.assert_array_equal(a.traces["reward_curve"], b.traces["reward_curve"])
    c = spore.run({"learning_rate": 1e-3, "schedule": "anneal"}, 8)
    assert c.objectives != a.objectives


def test_a_run_reports_reward_early_and_late_and_retracted_synapses():
    result = Spore(duration=5.0, temperature=5.0).run({}, 1)
    assert set(result.objectives) == {"reward"}
    assert result.objectives["reward"] == result.metrics["reward_late"]
    assert {"reward_early", "reward_lost", "retracted", "retracted_fraction"} <= set(result.metrics)
    assert 0 <= result.metrics["retracted"] <= 8 * 8
    assert len(result.traces["reward_curve"]) == 60
    assert Spore.default_objectives[0].direction == "maximize"


def test_temperature_schedules_start_at_the_temperature_and_approach_the_final_one():
    time = np.array([0.0, 20.0, 1000.0])
    np.testing.assert_allclose(temperature_at("constant", time, 3.0, 0.5, 20.0, 100.0), 3.0)
    annealed = temperature_at("anneal", time, 3.0, 0.5, 20.0, 100.0)
    assert annealed[0] == 3.0 and annealed[1] == pytest.approx(0.5 + 2.5 / np.e) and annealed[2] == pytest.approx(0.5)
    np.testing.assert_allclose(temperature_at("linear", np.array([0.0, 50.0, 100.0]), 3.0, 1.0, 20.0, 100.0),
                               [3.0, 2.0, 1.0])


@pytest.mark.parametrize("environment", [Reaching(), LaneFollowing()])
def test_environments_reward_moving_the_right_way_and_replay_from_the_seed(environment):
    environment.reset(np.random.default_rng(3))
    if isinstance(environment, LaneFollowing):
        environment.position -= 1.0  # a gust: the centre line is now one half-width to the right
    first = environment.observe()
    assert first.shape == (8,) and first.max() <= 0.5
    # drive only the motor neuron that the most active input neuron points to
    drive = np.zeros(8)
    drive[int(np.argmax(first))] = 1.0
    rewards = [environment.step(drive) for _ in range(5)]
    assert np.mean(rewards) > 0.3
    environment.reset(np.random.default_rng(3))
    if isinstance(environment, LaneFollowing):
        environment.position -= 1.0
    np.testing.assert_array_equal(environment.observe(), first)


@pytest.mark.parametrize("options, word", [
    ({"task": "maze"}, "task"), ({"schedule": "cosine"}, "schedule"), ({"duration": -1.0}, "duration"),
    ({"learning_rate": -1e-3}, "learning_rate"), ({"final_fraction": 0.0}, "final_fraction"),
    ({"update_interval": 0.001}, "update_interval"),
])
def test_bad_options_are_refused_with_the_option_named(options, word):
    with pytest.raises(ConfigError, match=word):
        SIMULATORS.create("spore", options)


def test_bad_or_unknown_parameters_are_refused():
    spore = Spore(duration=1.0)
    with pytest.raises(ConfigError, match="schedule"):
        spore.run({"schedule": "cosine"}, 0)
    with pytest.raises(ConfigError, match="weights"):
        spore.run({"weights": 1.0}, 0)


def test_learning_improves_lane_following_over_a_frozen_network():
    gains = [Spore(task="lane", duration=150.0).run({}, seed).objectives["reward"]
             - Spore(task="lane", duration=150.0, learning_rate=0.0).run({}, seed).objectives["reward"]
             for seed in range(6)]
    gain, margin = _mean_and_margin(gains)
    assert gain - margin > 0.1


def _mean_and_margin(values) -> tuple[float, float]:
    """Mean and three standard errors of the mean."""
    values = np.asarray(values, dtype=float)
    return float(values.mean()), 3.0 * float(values.std(ddof=1) / np.sqrt(values.size))


def _metrics(options: dict, seed: int) -> dict:
    """The metrics of a Spore run with ``options``."""
    return Spore(**options).run({}, seed).metrics


def test_a_constant_high_temperature_ends_lower_than_an_annealed_or_a_low_one():
    # claims on the mean of paired differences over 6 seeds with a margin of three standard errors; 300 s of
    # simulated learning each, in 20 ms steps (half the CPU of the default 10 ms). Gain minus margin on seeds 0..5
    # is 0.093 (annealed) and 0.105 (low), where 0.05 is asserted (0.142 and 0.198 at 10 ms). On seeds 200..209,
    # which the test does not use, every paired difference is positive at 20 ms (annealed 0.04 to 0.24, low 0.05
    # to 0.37; gain minus margin over the 10: 0.112 and 0.101; over 6 consecutive seeds 0.066 to 0.142 and 0.038
    # to 0.094); at 10 ms two annealed differences are negative, and over 6 consecutive seeds the annealed claim
    # fails every time (-0.09 to -0.005; low: 0.064 to 0.153).
    # The former claim "constant T = 50 loses what it
    # reached early" rested on the best-bin reward_early: in the fixed window 20-40 % it loses -0.01 +- 0.07 on
    # seeds 0..7 (0.02 +- 0.10 on seeds 100..107, benchmarks/spore_fixed_windows.py), so it is not asserted
    seeds = range(6)
    variants = ({"temperature": 50.0}, {"temperature": 50.0, "schedule": "anneal"}, {"temperature": 0.3})
    metrics = on_two_cores(_metrics, [({**options, "dt": 0.02}, seed) for options in variants for seed in seeds])
    constant, annealed, low = metrics[:6], metrics[6:12], metrics[12:]
    gain, margin = _mean_and_margin([a["reward_late"] - c["reward_late"] for a, c in zip(annealed, constant)])
    assert gain - margin > 0.05
    gain, margin = _mean_and_margin([a["reward_late"] - c["reward_late"] for a, c in zip(low, constant)])
    assert gain - margin > 0.05


def test_the_example_sweep_config_is_valid_for_the_simulator():
    config = load_config(EXAMPLES / "spore_sweep.toml")
    simulator = SIMULATORS.create(config.simulator.name, config.simulator.options)
    simulator.check_space(config.space)
    assert {"learning_rate", "temperature", "schedule"} <= set(config.space.names)


def test_a_space_with_an_unknown_parameter_or_schedule_is_refused_before_any_run():
    from l2l.space import Categorical, Float, Space

    with pytest.raises(ConfigError, match="cosine"):
        Spore().check_space(Space([Categorical("schedule", choices=["constant", "cosine"])]))
    with pytest.raises(ConfigError, match="theta0"):
        Spore().check_space(Space([Float("theta0", low=1.0, high=4.0)]))


def test_the_fixed_window_early_reward_is_the_mean_of_its_bins_not_the_best_one():
    result = Spore(duration=30.0).run({}, 4)
    curve = result.traces["reward_curve"]  # 60 bins of 0.5 s; the window 20-40 % is bins 12..23
    assert result.metrics["reward_early_window"] == pytest.approx(curve[12:24].mean(), abs=1e-12)
    assert result.metrics["reward_lost_window"] == pytest.approx(curve[12:24].mean() - result.metrics["reward_late"])
