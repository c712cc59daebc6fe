"""Learning curves whose low budgets rank candidates as the top one does, or the other way round."""

from __future__ import annotations

import numpy as np

from l2l.simulators.base import SimulationResult

TOP = 27


def _curve(params, budget, checkpoint, sign_below_top):
    x = float(params["x"])
    start = 0.0 if checkpoint is None else float(checkpoint["budget"])
    steps = np.arange(int(start) + 1, int(budget) + 1)
    values = np.where(steps < TOP, sign_below_top * x, x) + 1.0 / steps
    return SimulationResult({"loss": float(values[-1])}, curve={"loss": np.column_stack([steps, values])},
                            checkpoint={"budget": float(budget)})


def agreeing(params, seed, budget, checkpoint=None):
    """Loss x (plus a falling term) at every budget: every budget ranks the candidates alike."""
    return _curve(params, budget, checkpoint, 1.0)


def misleading(params, seed, budget, checkpoint=None):
    """Loss -x below the top budget, x at it: the low budgets rank the candidates backwards."""
    return _curve(params, budget, checkpoint, -1.0)


def fails_at_top(params, seed, budget, checkpoint=None):
    """As agreeing, but about half the candidates (by the third digit of x) fail on their way to the top budget."""
    if budget >= TOP and int(float(params["x"]) * 1000) % 2 == 0:
        raise RuntimeError("diverged at the top budget")
    return _curve(params, budget, checkpoint, 1.0)


def diverging(params, seed, budget, checkpoint=None):
    """As agreeing, but x > 0.9 diverges (finite losses from 1e50 up) and 0.8 < x <= 0.85 fails at once."""
    x = float(params["x"])
    if 0.8 < x <= 0.85:
        raise RuntimeError("failed before its first epoch")
    result = _curve(params, budget, checkpoint, 1.0)
    if x > 0.9:
        steps = result.curve["loss"][:, 0]
        result.curve["loss"][:, 1] = 1e50 * steps
        result.objectives["loss"] = float(1e50 * steps[-1])
    return result
