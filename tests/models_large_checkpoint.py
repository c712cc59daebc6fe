"""A learning curve whose checkpoint holds 160,000 float64 weights (1.28 MB encoded: 'large')."""

from __future__ import annotations

import numpy as np

from l2l.simulators.base import SimulationResult

WEIGHTS = 160_000


def train(params, seed, budget, checkpoint=None):
    """Loss (x - 0.3)^2 plus a term that falls with the epochs and one that depends on the weights, which
    every epoch shrinks: continuing from the checkpoint or starting again gives other values."""
    if checkpoint is None:
        weights, start = np.random.default_rng(seed).normal(size=WEIGHTS), 0
    else:
        weights, start = checkpoint["weights"], int(checkpoint["epochs"])
    epochs = np.arange(start + 1, int(budget) + 1)
    values = []
    for epoch in epochs:
        weights = 0.9 * weights
        values.append((float(params["x"]) - 0.3) ** 2 + 1.0 / epoch + 1e-3 * float(np.abs(weights[:10]).sum()))
    return SimulationResult({"loss": values[-1]}, curve={"loss": np.column_stack([epochs, values])},
                            checkpoint={"weights": weights, "epochs": float(budget)})


def same(params, seed, budget, checkpoint=None):
    """Every candidate's checkpoint is the same large array (as learners copied from one another)."""
    result = train(params, 0, budget, checkpoint)
    result.checkpoint = {"weights": np.ones(WEIGHTS), "epochs": float(budget)}
    return result
