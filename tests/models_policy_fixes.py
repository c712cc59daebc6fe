"""Simulators of tests/test_policy_fixes.py, used through the `python` simulator (path = tests/)."""

from __future__ import annotations

import numpy as np

from l2l.simulators.base import SimulationResult


def mostly_failing(params, seed, budget, checkpoint=None):
    """A learning curve towards the sphere value; diverges (raises) wherever x[0] > -4, 90 % of [-5, 5]."""
    x = np.atleast_1d(np.asarray(params["x"], dtype=float))
    if x[0] > -4.0:
        raise RuntimeError(f"diverged at budget {budget}")
    start = 0 if checkpoint is None else int(checkpoint["budget"])
    steps = np.arange(start + 1, int(budget) + 1)
    values = float(np.sum(x * x)) + 10.0 / steps
    return SimulationResult({"value": float(values[-1])}, curve={"value": np.column_stack([steps, values])},
                            checkpoint={"budget": float(budget)})


def shrinking(params, seed, budget, checkpoint=None):
    """Gradient descent on w**2 with a learning rate: the loss shrinks by (1 - lr)**2 per step (no noise)."""
    start = 0 if checkpoint is None else int(checkpoint["budget"])
    w = 1.0 if checkpoint is None else float(checkpoint["w"])
    w *= (1.0 - float(params["learning_rate"])) ** (int(budget) - start)
    return SimulationResult({"loss": w * w}, checkpoint={"budget": float(budget), "w": w})


def curve_beyond(params, seed, budget, checkpoint=None):
    """A result whose learning curve has a point 100 units beyond the segment's budget."""
    return SimulationResult({"value": float(params["x"][0]) ** 2}, curve={"value": [[budget + 100, 1.0]]},
                            checkpoint={"budget": float(budget)})
