"""Simulators of the tests of run.target (tests/test_run_target.py), through the `python` simulator."""

from __future__ import annotations

import numpy as np

from l2l.simulators.base import SimulationResult


def by_seed(params, seed):
    """A value that depends on the evaluation's seed alone (0 to 9.99): every repeat of a candidate differs."""
    return float(seed % 1000) / 100.0


def flattering_low_rungs(params, seed, budget, checkpoint=None):
    """0 at every budget below the top one (9 steps), 5 + the sphere value at the top: a low rung reaches any
    target a top-budget result cannot."""
    x = np.asarray(params["x"], dtype=float)
    value = 0.0 if budget < 9 else 5.0 + float(np.sum(x * x))
    return SimulationResult({"value": value}, checkpoint={"budget": float(budget)})
