"""Training functions of tests/test_mf_exit_and_curves.py: one that cannot continue from its checkpoint, and
curves that hold NaN/inf or end at another value than the objective."""

from __future__ import annotations

import numpy as np

from l2l import SimulationResult


def _curve(params, budget, checkpoint) -> list[list[float]]:
    done = 0 if checkpoint is None else int(checkpoint["epoch"])
    return [[e, float((params["lr"] - 0.3) ** 2 + 1.0 / e)] for e in range(done + 1, int(budget) + 1)]


def _result(curve, loss=None) -> SimulationResult:
    return SimulationResult(objectives={"loss": curve[-1][1] if loss is None else loss}, curve={"loss": curve},
                            checkpoint={"epoch": int(curve[-1][0])})


def train(params, seed, budget, checkpoint=None):
    return _result(_curve(params, budget, checkpoint))


def cannot_continue(params, seed, budget, checkpoint=None):
    """Trains from scratch, crashes whenever it is given a checkpoint (every continuation fails)."""
    if checkpoint is not None:
        raise RuntimeError("cannot load my own checkpoint")
    return train(params, seed, budget)


def continues_some(params, seed, budget, checkpoint=None):
    """Crashes on a checkpoint for a learning rate below 0.4 only: some continuations fail, some work."""
    if checkpoint is not None and params["lr"] < 0.4:
        raise RuntimeError("cannot load this checkpoint")
    return train(params, seed, budget, checkpoint)


def nan_points(params, seed, budget, checkpoint=None):
    """``train``'s results, its curves spoilt: a NaN fidelity alone in a first segment's, a NaN value before the
    budget in a continued one's, inf beside it in a longer one."""
    curve = _curve(params, budget, checkpoint)
    last = curve[-1][1]
    if len(curve) == 1:
        curve[0][0] = float("nan")
    else:
        curve[0][1] = float("nan")
    if len(curve) > 2:
        curve[1][1] = float("inf")
    return SimulationResult(objectives={"loss": last}, curve={"loss": curve},
                            checkpoint={"epoch": int(budget)})


def other_quantity(params, seed, budget, checkpoint=None):
    """The curve of a loss the objective is half of: its value at the budget is not the objective."""
    curve = _curve(params, budget, checkpoint)
    return _result(curve, loss=curve[-1][1] / 2)


def float32_objective(params, seed, budget, checkpoint=None):
    """The objective rounded to float32 (read from a tensor), the curve in float64: the same value."""
    curve = _curve(params, budget, checkpoint)
    return _result(curve, loss=float(np.float32(curve[-1][1])))
