"""Simulators used by the tests through the `python` simulator (path = tests/)."""

from __future__ import annotations

import math
import os
import signal
import sys
import time

import numpy as np

from l2l.simulators.base import SimulationResult


def quadratic(params, seed):
    x = np.concatenate([np.atleast_1d(np.asarray(v, dtype=float)) for v in params.values()
                        if not isinstance(v, str)])
    return float(np.sum(x * x))


def flaky(params, seed, mode="raise"):
    """Misbehaves for about a third of the seeds, in the way ``mode`` says."""
    bad = seed % 3 == 0
    if bad and mode == "raise":
        raise RuntimeError(f"simulation diverged for seed {seed}")
    if bad and mode == "nan":
        return float("nan")
    if bad and mode == "wrong":
        return {"something_else": 1.0}
    if bad and mode == "hang":
        time.sleep(60)
    if bad and mode == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    if bad and mode == "exit":
        sys.exit(0)  # as a script turned into a function may still do
    if bad and mode == "huge":
        return {"value": 10 ** 400}  # an int no float can hold
    if bad and mode == "none":
        return {"value": None}
    return quadratic(params, seed)


def with_traces(params, seed):
    rng = np.random.default_rng(seed)
    curve = np.cumsum(rng.random(20))
    return SimulationResult(objectives={"value": quadratic(params, seed)},
                            metrics={"rate": float(curve[-1]), "log_rate": math.log(curve[-1])},
                            traces={"curve": curve, "matrix": np.eye(2)})


def two_objectives(params, seed):
    q = quadratic(params, seed)
    return {"loss": q, "accuracy": 1.0 / (1.0 + q)}


def once_dies(params, seed, marker=""):
    """Kills its own worker process the first time it runs; succeeds afterwards."""
    if marker and not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return quadratic(params, seed)


def flaky_curve(params, seed, budget, checkpoint=None):
    """A learning curve towards the sphere value that fails for one candidate in four at budgets above 3."""
    x = np.asarray(params["x"], dtype=float)
    start = 0.0 if checkpoint is None else float(checkpoint["budget"])
    if budget > 3 and seed % 4 == 0:
        raise RuntimeError(f"diverged at budget {budget}")
    steps = np.arange(int(start) + 1, int(budget) + 1)
    values = float(np.sum(x * x)) + 10.0 / steps
    return SimulationResult({"value": float(values[-1])}, curve={"value": np.column_stack([steps, values])},
                            checkpoint={"budget": float(budget)})
