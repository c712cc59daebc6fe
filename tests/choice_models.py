"""An inner loop with a categorical parameter, for the population-based training plots (python simulator)."""

from __future__ import annotations

from l2l.simulators.noisy_sgd import NoisySGD

SGD = NoisySGD(max_budget=40)


def sgd_with_a_choice(params, seed, budget, checkpoint=None):
    """noisy-sgd whose learning rate is halved when ``schedule`` is "slow"."""
    rate = params["learning_rate"] * (0.5 if params["schedule"] == "slow" else 1.0)
    return SGD.run_to({"learning_rate": rate}, seed, budget, checkpoint)
