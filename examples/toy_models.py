"""Python models for the `python` simulator examples.

A model is a function ``(params, seed) -> float | dict | l2l.SimulationResult``.
"""

import math

import numpy as np

from l2l.simulators.base import SimulationResult


def toy_network(params, seed):
    """A stand-in for training a small network: the loss depends smoothly on the hyperparameters.

    Returns the final loss as the objective, the number of weights as a metric
    and the loss curve as a trace.
    """
    rng = np.random.default_rng(seed)
    lr, hidden = params["learning_rate"], params["hidden"]
    quality = {"tanh": 1.0, "relu": 0.8, "sigmoid": 1.3}[params["activation"]]
    steps = np.arange(1, 51)
    floor = 0.05 * quality + 0.5 / hidden
    speed = lr * 40 / (1 + (math.log10(lr) + 2) ** 2)
    curve = floor + (1 - floor) * np.exp(-speed * steps) + 0.01 * rng.standard_normal(steps.size)
    return SimulationResult(objectives={"loss": float(curve[-1])},
                            metrics={"weights": float(hidden * (hidden + 2))},
                            traces={"loss_curve": curve})
