"""SPORE with spiking neurons on a two-joint arm: kinematics, traces, sampling, learning, checkpoints, config."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import on_two_cores

from l2l.cli import main
from l2l.config import load_config
from l2l.errors import ConfigError
from l2l.results_schema import codec
from l2l.simulators import SIMULATORS
from l2l.simulators.arm import ArmReaching, forward_kinematics
from l2l.simulators.spore_arm import SporeArm, _ArmLearner
from l2l.simulators.spore_arm_traces import TraceBlock, score, step_by_step

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
QUICK = {"dt": 0.01}  # 10 ms steps: half the cost of the default 5 ms, same learning


@pytest.mark.parametrize("q1, q2, elbow, hand", [
    (0.0, 0.0, (0.6, 0.0), (1.0, 0.0)),
    (math.pi / 2, 0.0, (0.0, 0.6), (0.0, 1.0)),
    (0.0, math.pi / 2, (0.6, 0.0), (0.6, 0.4)),
    (math.pi / 2, math.pi / 2, (0.0, 0.6), (-0.4, 0.6)),
    (math.pi, math.pi / 3, (-0.6, 0.0), (-0.6 - 0.2, -0.4 * math.sin(math.pi / 3))),
])
def test_forward_kinematics_places_elbow_and_hand_at_known_angles(q1, q2, elbow, hand):
    got_elbow, got_hand = forward_kinematics(q1, q2, 0.6, 0.4)
    np.testing.assert_allclose(got_elbow, elbow, atol=1e-12)
    np.testing.assert_allclose(got_hand, hand, atol=1e-12)


def test_the_place_code_angles_say_which_way_each_joint_should_turn():
    rng = np.random.default_rng(5)
    arm = ArmReaching(l1=0.6, l2=0.4, dt=0.001)
    agree = []
    for _ in range(200):
        arm.reset(rng)
        arm.q = np.array([rng.uniform(-3, 3), rng.uniform(0.3, 2.8)])
        phi1, phi2 = arm.error_angles()
        before = arm.distance()
        for joint, phi in ((0, phi1), (1, phi2)):
            arm.q[joint] += 1e-6
            agree.append((arm.distance() < before) == (math.sin(phi) > 0))
            arm.q[joint] -= 1e-6
    assert all(agree)
    rates = arm.input_rates()
    assert rates.shape == (16,) and rates.max() <= arm.input_rate and rates.min() > 0


def test_progress_is_positive_when_the_joints_follow_the_code_and_a_reached_target_is_replaced():
    arm = ArmReaching()
    arm.reset(np.random.default_rng(1))
    first, rewards = arm.target.copy(), []
    for _ in range(int(arm.trial_time / arm.dt) - 1):
        phi1, phi2 = arm.error_angles()
        rewards.append(arm.step(10 * math.sin(phi1), 10 * math.sin(phi2))[0])
        if not np.array_equal(arm.target, first):
            break
    assert not np.array_equal(arm.target, first) and arm.clock == 0.0
    assert min(rewards) > 0 and np.mean(rewards) > 0.1 and max(rewards) <= 1.0


def test_the_interval_traces_equal_the_step_by_step_recursions():
    rng = np.random.default_rng(0)
    steps, n_motor, n_inputs, dt, max_rate = 7, 5, 4, 0.005, 100.0
    block = TraceBlock(n_motor, n_inputs, steps, dt, max_rate, math.exp(-dt / 0.2), dt / 5.0)
    block.eligibility, block.gradient = rng.normal(size=(2, n_motor, n_inputs))
    start_eligibility, start_gradient = block.eligibility.copy(), block.gradient.copy()
    weights = rng.uniform(0, 2, size=(n_motor, n_inputs))
    psp, rates, reward = rng.uniform(0, 2, (steps, n_inputs)), rng.uniform(1, 99, (steps, n_motor)), rng.normal(size=steps)
    probabilities = -np.expm1(-dt * rates)
    spikes = (rng.random((steps, n_motor)) < 0.3).astype(float)
    for k in range(steps):
        block.record(psp[k], spikes[k], probabilities[k], rates[k], reward[k])
    assert block.full()
    block.close(weights)
    delta = score(spikes, probabilities, rates, dt, max_rate)
    eligibility, gradient = step_by_step(weights, start_eligibility, start_gradient, psp, delta, reward,
                                         math.exp(-dt / 0.2), dt / 5.0)
    np.testing.assert_allclose(block.eligibility, eligibility, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(block.gradient, gradient, rtol=1e-12, atol=1e-14)


def test_the_score_is_the_derivative_of_the_spike_log_likelihood():
    dt, max_rate, u, h = 0.005, 100.0, 0.3, 1e-6

    def log_likelihood(potential, spike):
        p = 1 - math.exp(-dt * max_rate / (1 + math.exp(-potential)))
        return math.log(p) if spike else math.log(1 - p)

    rate = max_rate / (1 + math.exp(-u))
    for spike in (0.0, 1.0):
        numeric = (log_likelihood(u + h, spike) - log_likelihood(u - h, spike)) / (2 * h)
        analytic = score(np.array(spike), np.array(-math.expm1(-dt * rate)), np.array(rate), dt, max_rate)
        assert float(analytic) == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize("temperature", [0.25, 2.0])
def test_without_reward_the_synapses_sample_the_prior_widened_by_the_temperature(temperature):
    # beta = 2 / s: the prior relaxes in 0.5 s, so 30 s of sampling is far past the start
    learner_spread = []
    for seed in range(3):
        simulator = SporeArm(duration=30.0, learning_rate=2.0, reward_gain=0.0, temperature=temperature,
                             theta_max=50.0, **QUICK)
        learner = _ArmLearner(simulator, simulator.settings({}), seed, None)
        learner.advance(learner.total_steps)
        learner_spread.append((learner.theta.mean(), learner.theta.std()))
    mean, spread = np.mean(learner_spread, axis=0)
    assert mean == pytest.approx(1.0, abs=0.15)
    assert spread == pytest.approx(math.sqrt(temperature), rel=0.12)


def _metrics(options: dict, seed: int) -> dict:
    """The metrics of a SporeArm run of 200 s (10 ms steps) with ``options``."""
    return SporeArm(duration=200.0, **QUICK, **options).run({}, seed).metrics


def test_learning_improves_reach_over_seeds_against_no_learning_and_temperature_only():
    # 200 s each at 10 ms steps; claims on the mean of paired differences over 6 seeds, margin 3 standard errors.
    # Both hold on fresh seeds too (scripts/spore_arm_test_claims.py 200 10: mean - 3 SE +0.037 and +0.028, no
    # seed below +0.027). The test also claimed an improvement on the learner's own start (reward_late -
    # reward_initial, mean - 3 SE > 0.01): +0.024 on these seeds, but +0.006 on seeds 200-209, 3 of them negative
    # (session 42): not a claim these 200 s support, so no longer made.
    seeds = range(20, 26)
    variants = {"learn": {}, "temperature only": {"reward_gain": 0.0}, "frozen": {"learning_rate": 0.0}}
    metrics = iter(on_two_cores(_metrics, [(options, seed) for options in variants.values() for seed in seeds]))
    runs = {name: [next(metrics) for _ in seeds] for name in variants}
    for control in ("temperature only", "frozen"):
        gains = [a["reward_late"] - b["reward_late"] for a, b in zip(runs["learn"], runs[control])]
        gain, margin = _mean_and_margin(gains)
        assert gain - margin > 0.02, (control, gains)


def _mean_and_margin(values) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    return float(values.mean()), 3.0 * float(values.std(ddof=1) / np.sqrt(values.size))


def test_a_run_continued_from_checkpoints_equals_an_uninterrupted_run_exactly():
    simulator = SporeArm(duration=24.0, schedule="anneal", temperature=1.0, anneal_time=5.0, curve_points=6, **QUICK)
    params = {"learning_rate": 0.05, "temperature": 0.8}
    whole = simulator.run(params, 3)
    checkpoint, curve = None, []
    for budget in (3.33, 10.0, 17.005, 24.0):  # 3.33 s and 17.005 s stop inside an update interval
        segment = simulator.run_to(params, 3, budget, checkpoint)
        # what the loop does with a checkpoint: encode it into the trajectory (no pickle) and read it back
        checkpoint, curve = codec.decode(codec.encode(segment.checkpoint)), curve + segment.curve["reward"]
        assert all(isinstance(value, (np.ndarray, int, float, str, dict)) for value in checkpoint.values())
    assert segment.objectives == whole.objectives and segment.metrics == whole.metrics
    np.testing.assert_array_equal(segment.traces["reward_curve"], whole.traces["reward_curve"])
    np.testing.assert_array_equal(checkpoint["theta"], _ArmLearner(simulator, simulator.settings(params), 3, checkpoint).theta)
    direct = simulator.run_to(params, 3, 24.0, None)
    assert direct.objectives == whole.objectives
    assert [point for point, _ in direct.curve["reward"]] == [4, 8, 12, 16, 20, 24.0]
    assert dict(map(tuple, direct.curve["reward"]))[12] == dict(map(tuple, curve))[12]
    other = simulator.run(params, 4)
    assert other.objectives != whole.objectives


def test_a_damaged_or_foreign_checkpoint_is_refused_with_its_problem_named():
    simulator = SporeArm(duration=5.0, **QUICK)
    checkpoint = dict(simulator.run_to({}, 0, 2.0, None).checkpoint)
    with pytest.raises(ValueError, match="cannot go back"):
        simulator.run_to({}, 0, 1.0, checkpoint)
    with pytest.raises(ValueError, match="theta"):
        simulator.run_to({}, 0, 3.0, {**checkpoint, "theta": np.zeros((3, 3))})
    with pytest.raises(ValueError, match="not written by this simulator"):
        simulator.run_to({}, 0, 3.0, {**checkpoint, "simulator": "spore"})
    assert simulator.fidelity().maximum == 5.0 and not simulator.fidelity().integer


@pytest.mark.parametrize("options, message", [
    ({"duration": -1.0}, "duration"), ({"schedule": "cosine"}, "schedule"), ({"n_place": 1}, "n_place"),
    ({"update_interval": 0.001}, "update_interval"), ({"tau_reward": 0.001}, "tau_reward"),
    ({"early_start": 0.5, "early_end": 0.4}, "early_start < early_end"), ({"forearm": 0.0}, "forearm"),
])
def test_bad_options_are_refused_with_the_option_named(options, message):
    with pytest.raises(ConfigError, match=message) as error:
        SIMULATORS.create("spore-arm", options)
    assert "\n" not in str(error.value) and "spore-arm" in str(error.value)


def test_bad_or_unknown_parameters_are_refused():
    simulator = SporeArm(duration=1.0, **QUICK)
    with pytest.raises(ConfigError, match="schedule"):
        simulator.run({"schedule": "cosine"}, 0)
    with pytest.raises(ConfigError, match="learning_rate"):
        simulator.run({"learning_rate": -1.0}, 0)
    with pytest.raises(ConfigError, match="'theta0'"):
        simulator.run({"theta0": 1.0}, 0)


def test_a_bad_arm_config_stops_the_cli_with_one_line_and_exit_status_two(tmp_path, capsys):
    text = (EXAMPLES / "spore_arm.toml").read_text().replace("duration = 400.0", "duration = 400.0\nforearm = -0.5")
    config = tmp_path / "arm.toml"
    config.write_text(text)
    assert main(["run", str(config), "--no-progress", "--out", str(tmp_path / "out.h5")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("l2l: error: ") and "forearm" in err and err.count("\n") == 1
    assert not (tmp_path / "out.h5").exists()


def test_the_example_config_drives_the_arm_with_population_based_training():
    config = load_config(EXAMPLES / "spore_arm.toml")
    simulator = SIMULATORS.create(config.simulator.name, config.simulator.options)
    simulator.check_space(config.space)
    assert config.simulator.name == "spore-arm" and {"temperature", "learning_rate"} <= set(config.space.names)
