"""Inner loops for the population-based training tests (the `python` simulator, path = tests/)."""

from __future__ import annotations

from l2l.simulators.noisy_sgd import NoisySGD

SGD = NoisySGD(max_budget=100)


def diverging_sgd(params, seed, budget, checkpoint=None):
    """noisy-sgd, except that a learning rate above 0.1 diverges (raises) once past 30 steps."""
    start = 0 if checkpoint is None else int(checkpoint["step"])
    if params["learning_rate"] > 0.1 and budget > 30:
        raise FloatingPointError(f"diverged between steps {start} and {budget:g}")
    return SGD.run_to({"learning_rate": params["learning_rate"]}, seed, budget, checkpoint)


def slow_sgd(params, seed, budget, checkpoint=None):
    """noisy-sgd, 5 ms slower per segment: a run long enough (about 40 commits) for kill -9 to land mid-run on
    any machine (plain noisy-sgd finishes 160 segments in 0.2 s: two or three commits)."""
    import time
    time.sleep(0.005)
    return SGD.run_to({"learning_rate": params["learning_rate"]}, seed, budget, checkpoint)
