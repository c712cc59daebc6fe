"""noisy-sgd draws each step's gradient noise without making a generator per step (~10 us of a ~20 us step), and
the noise is, bit for bit, the one np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32, step]) gives: a run,
and a checkpoint continued with another learning rate, gives the numbers it gave before."""

from __future__ import annotations

import numpy as np
import pytest

from l2l.simulators.noisy_sgd import NoisySGD, StepNoise


@pytest.mark.parametrize("seed", [0, 1, 99_999, 2**32 - 1, 2**32, 2**32 + 17, 123_456_789_012, 2**63 - 1, -5])
def test_each_steps_noise_is_the_per_step_generators_bit_for_bit(seed):
    noise = StepNoise(seed, 7)
    for step in [*range(1, 300), 5, 1_000, 2**32 - 100, 2**32 + 3]:
        try:
            expected = np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32, step]).standard_normal(7)
        except ValueError:  # a negative seed: refused as before
            with pytest.raises(ValueError):
                noise.draw(step)
            continue
        assert np.array_equal(noise.draw(step), expected), (seed, step)


def test_a_run_makes_no_generator_per_step(monkeypatch):
    made = []
    original = np.random.default_rng
    monkeypatch.setattr(np.random, "default_rng", lambda *a, **k: made.append(a) or original(*a, **k))
    result = NoisySGD().run_to({"learning_rate": 0.05, "momentum": 0.5}, 3, 200, None)
    assert len(result.curve["loss"]) == 200 and len(made) == 0, len(made)  # was 200: one a step
