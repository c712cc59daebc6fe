"""The emulated-hardware wrapper and the hardware-in-the-loop findings.

The optimizer here is a small antithetic evolution strategy written in the
test on purpose: the finding is about the inner loop (what the chip does to
parameters), not about any optimizer of the framework.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from conftest import on_two_cores

from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS
from l2l.simulators.analog_classifier import AnalogClassifier
from l2l.simulators.hardware import DeviceParameter, EmulatedHardware, quantize

CLASSIFIER = "l2l.simulators.analog_classifier:AnalogClassifier"
WEIGHTS_SHAPE = (4, 12)


def chip(chips, **options):
    return SIMULATORS.create("emulated-hardware", {"simulator": CLASSIFIER, "chips": list(chips),
                                                   "mismatch": 0.2, **options})


def weights(value=0.3):
    return np.linspace(-value, value, np.prod(WEIGHTS_SHAPE)).reshape(WEIGHTS_SHAPE)


def evolve(simulator, seed, generations=60, pairs=8, sigma=0.1, step=0.1):
    """Antithetic ES with rank utilities over the weights in [-1, 1]; common seed per generation."""
    rng = np.random.default_rng(seed)
    mean = rng.uniform(0.0, 0.3, WEIGHTS_SHAPE)
    utilities = np.linspace(0.5, -0.5, 2 * pairs)
    for _ in range(generations):
        evaluation_seed = int(rng.integers(2 ** 62))
        half = rng.standard_normal((pairs,) + WEIGHTS_SHAPE)
        noise = np.concatenate([half, -half])
        candidates = np.clip(mean + sigma * noise, -1, 1)
        losses = [simulator.run({"weights": c}, evaluation_seed).objectives["loss"] for c in candidates]
        ranked = np.empty(2 * pairs)
        ranked[np.argsort(losses)] = utilities
        mean = np.clip(mean + step * np.tensordot(ranked, noise, axes=1) / pairs, -1, 1)
    return mean


def accuracy(simulator, params, seeds=range(1000, 1010)):
    return float(np.mean([simulator.run(params, s).metrics["accuracy"] for s in seeds]))


def loss(simulator, params, seeds=range(1000, 1010)):
    return float(np.mean([simulator.run(params, s).objectives["loss"] for s in seeds]))


def test_same_parameters_seed_and_chip_give_identical_results():
    a = chip([3]).run({"weights": weights()}, 11)
    b = chip([3]).run({"weights": weights()}, 11)
    assert a.objectives == b.objectives and a.metrics == b.metrics


def test_a_chip_is_the_same_device_in_every_evaluation_and_differs_from_other_chips():
    hardware = chip([0], noise=0.0)
    device = AnalogClassifier().device_parameters()["gain"]
    first = hardware.fixed_pattern(0, "gain", device)[0]
    again = chip([0, 5], noise=0.0).fixed_pattern(0, "gain", device)[0]
    other = hardware.fixed_pattern(1, "gain", device)[0]
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    assert first.shape == (4,) and 0.5 < first.mean() < 1.5


def test_weights_are_clipped_and_rounded_to_the_given_number_of_bits():
    values = np.array([-2.0, -0.3, 0.0, 0.01, 0.5, 1.7])
    out = quantize(values, bits=2, value_range=1.0)
    np.testing.assert_allclose(out, [-1.0, -1 / 3, 0.0, 0.0, 2 / 3, 1.0])
    assert len(np.unique(np.abs(quantize(np.linspace(-1, 1, 1001), 6, 1.0)))) == 64


def test_an_ideal_chip_reproduces_the_wrapped_simulator():
    hardware = chip([0], mismatch=0.0, noise=0.0, weight_bits=0, weight_range=10.0)
    params = {"weights": weights()}
    inner_seed = int(np.random.SeedSequence(4).spawn(2)[0].generate_state(1, np.uint64)[0] >> np.uint64(1))
    assert hardware.run(params, 4).objectives["loss"] == AnalogClassifier().run(params, inner_seed).objectives["loss"]


def test_objectives_of_several_chips_are_aggregated_and_reported_per_chip():
    result = chip([0, 1, 2]).run({"weights": weights()}, 2)
    per_chip = [result.metrics[f"chip{c}_loss"] for c in (0, 1, 2)]
    assert result.objectives["loss"] == pytest.approx(np.mean(per_chip))
    worst = chip([0, 1, 2], aggregate="worst").run({"weights": weights()}, 2)
    assert worst.objectives["loss"] == pytest.approx(max(per_chip))
    assert chip([0]).objectives() == AnalogClassifier().objectives()


def test_the_wrapper_is_picklable_for_workers():
    hardware = chip([0, 1])
    copy = pickle.loads(pickle.dumps(hardware))
    assert copy.run({"weights": weights()}, 3).objectives == hardware.run({"weights": weights()}, 3).objectives


def test_a_simulator_without_the_protocol_is_perturbed_by_name_patterns():
    plain = SIMULATORS.create("emulated-hardware", {
        "simulator": "sphere", "chips": [0], "weight_patterns": ["w*"], "mismatch": 0.3,
        "noise": 0.0, "weight_bits": 2})
    device = plain.devices({"w": np.zeros(3), "x": 1.0})
    assert device == {"w": DeviceParameter("weight", (3,))}
    realised = plain.realise({"w": np.array([0.2, 0.5, 0.9])}, 0, np.random.default_rng(0))
    levels = np.array([1 / 3, 2 / 3, 1.0])
    gain = plain.fixed_pattern(0, "w", device["w"])[0]
    np.testing.assert_allclose(realised["w"], levels * gain)


@pytest.mark.parametrize("options, word", [
    ({"chips": []}, "chips"), ({"chips": [1, 1]}, "chips"), ({"mismatch": 1.5}, "mismatch"),
    ({"weight_bits": -1}, "weight_bits"), ({"aggregate": "median"}, "aggregate"),
    ({"simulator": "no.such.module:Thing"}, "simulator"), ({"simulator": "nonexistent"}, "nonexistent"),
])
def test_bad_options_are_refused_with_the_option_named(options, word):
    with pytest.raises(ConfigError, match=word):
        SIMULATORS.create("emulated-hardware", {"simulator": CLASSIFIER, **options})


def _evolved(where: str, seed: int) -> np.ndarray:
    """The weights 40 generations of ES find on the ideal model, on one chip (given the six chips' sample budget)
    or on six chips."""
    if where == "model":
        simulator = AnalogClassifier()
    elif where == "one chip":
        simulator = SIMULATORS.create("emulated-hardware", {"simulator": CLASSIFIER, "chips": [0], "mismatch": 0.2,
                                                            "simulator_options": {"samples": 1200}})
    else:
        simulator = chip(range(6))
    return evolve(simulator, seed=seed, generations=40)


def test_in_the_loop_beats_transfer_and_weights_of_one_chip_lose_more_on_unseen_chips_than_six_chips_weights():
    """At 20 % mismatch, the mean over 4 ES seeds of two paired differences, above a margin:

    * evolved with chip 0 in the loop against the ideal model's weights transferred to chip 0, accuracy on chip 0
      (> 0.05);
    * how much more accuracy the weights evolved on chip 0 (given the six chips' sample budget: 1200 patterns per
      evaluation against 200 on each of chips 0-5) lose from chip 0 to the unseen chips 10-19 than the weights
      evolved across the six chips (> 0.02): they fit chip 0's own mismatch.

    On 40 fresh ES seeds (200-209, 300-309, 400-409, 600-609; ``python scripts/hardware_test_claims.py 200 10``) the
    two differences average +0.217 (sd 0.104) and +0.108 (sd 0.071), each negative in 1 seed of 40; the mean of 4
    of them exceeded the margins in every one of 20,000 random draws of 4 seeds. Until session 43 the test claimed
    both by three standard errors over its 4 seeds, and the second as "six chips beat one on unseen chips": on the
    fresh seeds that passes for 81 % of the sets of 4 seeds (in the loop) and 17 % (six chips against one, whose
    difference averages +0.022 with 9 of 40 seeds negative): it is a finding of docs/spore_hardware.md, not a claim.
    """
    target, unseen = chip([0]), chip(range(10, 20))
    seeds = (10, 11, 12, 13)  # seeds of no documented run
    found = on_two_cores(_evolved, [(where, seed) for seed in seeds for where in ("model", "one chip", "six chips")])
    gains, drops = [], []
    for k in range(len(seeds)):
        from_model, in_the_loop, across_chips = found[3 * k:3 * k + 3]
        gains.append(accuracy(target, {"weights": in_the_loop}) - accuracy(target, {"weights": from_model}))
        drop = [accuracy(target, {"weights": w}) - accuracy(unseen, {"weights": w}) for w in (in_the_loop, across_chips)]
        drops.append(drop[0] - drop[1])
    assert np.mean(gains) > 0.05, gains
    assert np.mean(drops) > 0.02, drops
