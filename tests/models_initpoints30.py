"""Simulators for tests/test_initpoints30.py (the `python` simulator, path = tests/)."""

from __future__ import annotations

import numpy as np

from l2l.simulators.base import SimulationResult

#: Where ``shifted`` has its minimum (x of shape [2] in [-2, 2]).
OPTIMUM = (1.5, -1.5)


def shifted(params, seed):
    """A sphere whose minimum (0) lies at OPTIMUM, far from the middle of the space where the searches start."""
    x = np.asarray(params["x"], dtype=float)
    return float(np.sum((x - np.asarray(OPTIMUM)) ** 2))


def with_outputs(params, seed):
    """The sphere value, with the point itself as the output vector (enkf moves it toward the target 0)."""
    x = np.concatenate([np.atleast_1d(np.asarray(v, dtype=float)) for v in params.values()])
    return SimulationResult(objectives={"value": float(np.sum(x * x))}, outputs=x)
