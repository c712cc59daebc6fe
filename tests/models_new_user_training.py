"""Simulators of tests/test_new_user_training.py, used through the `python` simulator (path = tests/).

A new user's training script in miniature: a loss that falls with every epoch, a learning rate above which
it diverges (huge but finite values, as a numpy network's loss before it turns into inf), and a parameter
that makes the candidate crash at the top budget.
"""

from __future__ import annotations

import numpy as np

from l2l.simulators.base import SimulationResult

TOP = 9


def train(params, seed, budget, checkpoint=None):
    """The loss after ``budget`` epochs, continued from ``checkpoint``; ``lr`` above 1 diverges (a finite loss of
    1e290 and more from the first epoch on); ``crash`` above 0.5 raises in the epoch that reaches :data:`TOP`."""
    lr, crash = float(params["lr"]), float(params["crash"])
    done = 0 if checkpoint is None else int(checkpoint["epoch"])
    loss = 1.0 if checkpoint is None else float(checkpoint["loss"])
    curve = []
    for epoch in range(done + 1, int(budget) + 1):
        if crash > 0.5 and epoch == TOP:
            raise RuntimeError(f"crashed in epoch {epoch}")
        loss = 1e290 * (1 + epoch) if lr > 1.0 else loss * (1.0 - 0.5 * lr)
        curve.append([epoch, loss])
    return SimulationResult({"loss": loss}, curve={"loss": np.asarray(curve)},
                            checkpoint={"epoch": int(budget), "loss": loss})


def noisy(params, seed, budget, checkpoint=None):
    """A loss that falls with every epoch towards ``lr``'s distance from 0.3, plus noise of the seed (sd 0.05):
    a candidate trained again with new seeds gets other results (the model-based policy's repeats)."""
    done = 0 if checkpoint is None else int(checkpoint["epoch"])
    base = (np.log10(float(params["lr"])) - np.log10(0.3)) ** 2
    noise = np.random.default_rng(seed).normal(scale=0.05)
    curve = [[epoch, base + 1.0 / epoch + noise] for epoch in range(done + 1, int(budget) + 1)]
    return SimulationResult({"loss": curve[-1][1]}, curve={"loss": np.asarray(curve)},
                            checkpoint={"epoch": int(budget)})
