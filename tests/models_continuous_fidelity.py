"""A training function over a continuous fidelity (seconds, not whole numbers) for tests of multi-fidelity runs:
its curve holds a point at every rung below the budget a segment reached (0.1, 0.3, 0.9, 2.7 of 8.1), so the
policies read each candidate's values at the lower rungs from it."""

from __future__ import annotations

import numpy as np

from l2l.simulators.base import SimulationResult


def train(params, seed, budget, checkpoint=None):
    """A loss that falls with the seconds trained, whose early ranking misleads a little (a term that fades)."""
    x = np.asarray(params["x"], dtype=float)
    start = 0.0 if checkpoint is None else float(checkpoint["t"][0])
    noise = np.random.default_rng(seed).normal(0.0, 0.05)

    def loss(t: float) -> float:
        return float(np.sum((x - 0.3) ** 2) + np.sum(np.sin(3 * x)) * np.exp(-t) + noise / (1 + t))

    # computed as the old rungs were: 8.1 / 3**4 is 0.09999999999999999 (within 1e-9 of either form of a rung)
    points = sorted(t for t in (budget / 3 ** k for k in range(6)) if t > start + 1e-12)
    return SimulationResult({"loss": loss(budget)}, curve={"loss": [[float(t), loss(t)] for t in points]},
                            checkpoint={"t": np.array([budget])})
