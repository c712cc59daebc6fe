"""A deterministic learning curve with checkpoints, for the tests of run.compute and of resume's limits."""

from __future__ import annotations

import numpy as np

from l2l.simulators.base import SimulationResult


def curve(params, seed, budget, checkpoint=None):
    """The sphere value plus a term that falls with the steps trained; continues from its checkpoint."""
    x = np.asarray(params["x"], dtype=float)
    start = 0.0 if checkpoint is None else float(checkpoint["budget"])
    steps = np.arange(int(start) + 1, int(budget) + 1)
    values = float(np.sum(x * x)) + 10.0 / steps
    return SimulationResult({"value": float(values[-1])}, curve={"value": np.column_stack([steps, values])},
                            checkpoint={"budget": float(budget)})
