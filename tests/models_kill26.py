"""Simulators for scripts/kill_stress.py and tests/test_kill26.py (the `python` simulator, path = tests/): a few
milliseconds per step, so that a kill -9 lands anywhere in a run, and a checkpoint whose content carries the
candidate's whole history, so that a segment continued from the wrong checkpoint (or none) gives other values."""

from __future__ import annotations

import os
import signal
import time

import numpy as np

from l2l.simulators.base import SimulationResult

#: Seconds slept per step (per evaluation for ``sphere``); scripts/kill_stress.py sets L2L_KILL26_STEP.
STEP = float(os.environ.get("L2L_KILL26_STEP", "0.002"))


def _maybe_die() -> None:
    """Kill this process (kill -9) at the K-th call counted in the file L2L_KILL26_AT names (``K PATH``)."""
    spec = os.environ.get("L2L_KILL26_AT")
    if not spec:
        return
    count, path = spec.split(" ", 1)
    calls = int(open(path).read() or 0) + 1 if os.path.exists(path) else 1
    with open(path, "w") as f:
        f.write(str(calls))
    if calls == int(count):
        os.kill(os.getpid(), signal.SIGKILL)


def sphere(params, seed):
    """The sphere value plus a little seeded noise."""
    _maybe_die()
    time.sleep(STEP)
    x = np.concatenate([np.atleast_1d(np.asarray(v, dtype=float)) for v in params.values()])
    return float(np.sum(x * x)) + 0.01 * float(np.random.default_rng(seed).random())


def curve(params, seed, budget, checkpoint=None):
    """A noisy learning curve towards the sphere value: each step adds seeded noise to ``acc``, which the checkpoint
    carries on, so the value depends on every segment that came before."""
    _maybe_die()
    x = np.asarray(params["x"], dtype=float)
    start = 0 if checkpoint is None else int(checkpoint["budget"])
    acc = 0.0 if checkpoint is None else float(checkpoint["acc"])
    rng = np.random.default_rng(seed)
    steps, values = [], []
    for step in range(start + 1, int(budget) + 1):
        time.sleep(STEP)
        acc += float(rng.normal()) * 0.1
        steps.append(step)
        values.append(float(np.sum(x * x)) + 10.0 / step + acc / step)
    if not steps:
        steps, values = [start], [float(np.sum(x * x)) + acc]
    return SimulationResult({"value": values[-1]}, curve={"value": np.column_stack([steps, values])},
                            checkpoint={"budget": float(budget), "acc": acc})


def sgd(params, seed, budget, checkpoint=None):
    """noisy-sgd (tests/pbt_models.py's) with the sleep and the kill of the others: for population-based training."""
    from pbt_models import SGD

    _maybe_die()
    time.sleep(STEP)
    return SGD.run_to({"learning_rate": params["learning_rate"]}, seed, budget, checkpoint)


def width(params, seed, budget, checkpoint=None):
    """A network whose width is the integer ``hidden``, which a continued segment ignores (it trains the weights of
    the checkpoint as they are, the donor's width under PBT): the warning path of l2l/policies/pbt_shapes.py."""
    _maybe_die()
    time.sleep(STEP)
    if checkpoint is None:
        done, weights = 0, np.random.default_rng(seed).normal(size=(3, int(params["hidden"])))
    else:
        done, weights = int(checkpoint["epoch"]), np.array(checkpoint["weights"])
    curve = []
    for epoch in range(done + 1, int(budget) + 1):
        weights = weights * (1 - params["learning_rate"])
        curve.append([epoch, float(np.mean(weights ** 2))])
    if not curve:
        curve = [[done, float(np.mean(weights ** 2))]]
    return SimulationResult({"loss": curve[-1][1]}, curve={"loss": np.array(curve)},
                            checkpoint={"epoch": int(budget), "weights": weights})
