"""Models for tests/test_hpcday30.py: a network simulated in seconds of biological time (0.1 s a segment)."""

from __future__ import annotations

import numpy as np

from l2l.simulators import SimulationResult


def seconds(params, seed, budget, checkpoint=None):
    """A distance that falls with the biological time simulated, its checkpoint the time simulated."""
    x = np.asarray(params["x"], dtype=float)
    value = float(np.sum(x * x)) + 0.1 / float(budget)
    return SimulationResult({"distance": value}, curve={"distance": [[float(budget), value]]},
                            checkpoint={"t": float(budget)})
