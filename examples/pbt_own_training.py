"""Population-based training of your own numpy network, from Python, and the trained model taken out.

A two-layer tanh network learns two interleaved spirals (synthetic, fixed) by minibatch SGD with momentum;
the budget is in epochs, the checkpoint holds the weights, the velocities and the epoch, and each epoch's
batch order comes from ``(seed, epoch)``, so a learner continued from a checkpoint equals one trained at once.
PBT explores the learning rate and the momentum. After the run::

    best = l2l.best(path)                                   # the best final learner (its trial, its loss)
    schedule = l2l.lineage(path, [best.trial])              # its parameters over the budgets, who trained them
    curve = l2l.lineage(path, [best.trial], curves=True)    # its validation loss epoch by epoch, across exploits
    weights = l2l.checkpoint(path)                          # its weights: the trained model

Run it: ``python examples/pbt_own_training.py [OUT.h5]`` (a few seconds on one core; ``l2l resume OUT.h5``
continues it after a kill). See docs/pbt.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import l2l

HIDDEN, EPOCHS, BATCH = 16, 30, 32


def spirals() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """400 training and 200 validation points of two spirals (1.25 turns each), labels 0 and 1."""
    rng = np.random.default_rng(7)
    angle = rng.uniform(0.3, 2.5 * np.pi, 600)
    label = rng.integers(0, 2, 600)
    x = np.c_[np.cos(angle + np.pi * label), np.sin(angle + np.pi * label)] * angle[:, None] / 8
    x += rng.normal(0, 0.05, x.shape)
    return x[:400], label[:400], x[400:], label[400:]


X, Y, X_VALIDATION, Y_VALIDATION = spirals()
NAMES = ("w1", "b1", "w2", "b2")


def predict(weights: dict, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The hidden activity and the probability of label 1."""
    hidden = np.tanh(x @ weights["w1"] + weights["b1"])
    return hidden, 1 / (1 + np.exp(-np.clip(hidden @ weights["w2"] + weights["b2"], -30, 30)))


def loss(weights: dict, x: np.ndarray = X_VALIDATION, y: np.ndarray = Y_VALIDATION) -> float:
    """Cross-entropy on the validation points (or on ``x, y``)."""
    _, p = predict(weights, x)
    return float(-np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))


def train(params, seed, budget, checkpoint=None):
    """Train from ``checkpoint`` (from scratch without one) up to ``budget`` epochs."""
    if checkpoint is None:
        rng = np.random.default_rng(seed)
        weights = {"w1": rng.normal(0, 2, (2, HIDDEN)), "b1": rng.normal(0, 1, HIDDEN),
                   "w2": rng.normal(0, 1 / np.sqrt(HIDDEN), HIDDEN), "b2": np.zeros(())}
        velocity, done = {name: np.zeros_like(value) for name, value in weights.items()}, 0
    else:
        weights = {name: np.array(checkpoint["weights"][name], dtype=float) for name in NAMES}
        velocity = {name: np.array(checkpoint["velocity"][name], dtype=float) for name in NAMES}
        done = int(checkpoint["epoch"])
    curve = []
    for epoch in range(done + 1, int(budget) + 1):
        order = np.random.default_rng([seed, epoch]).permutation(len(Y))
        for start in range(0, len(Y), BATCH):
            batch = order[start:start + BATCH]
            hidden, p = predict(weights, X[batch])
            error = (p - Y[batch]) / len(batch)
            back = np.outer(error, weights["w2"]) * (1 - hidden ** 2)
            gradient = {"w1": X[batch].T @ back, "b1": back.sum(0), "w2": hidden.T @ error, "b2": error.sum()}
            for name in NAMES:
                velocity[name] = params["momentum"] * velocity[name] - params["lr"] * gradient[name]
                weights[name] = weights[name] + velocity[name]
        curve.append([epoch, loss(weights)])
    return l2l.SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                                checkpoint={"weights": weights, "velocity": velocity, "epoch": int(budget)})


CONFIG = {
    "run": {"name": "pbt-own-training", "seed": 0},
    "space": {"lr": {"type": "float", "low": 0.01, "high": 3.0, "log": True},
              "momentum": {"type": "float", "low": 0.0, "high": 0.95}},
    "policy": {"name": "pbt", "population": 8, "interval": 3},        # 10 decisions over 30 epochs
    "simulator": {"name": "python", "function": "pbt_own_training:train", "path": str(Path(__file__).parent),
                  "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": EPOCHS}},
    "objectives": [{"name": "loss", "direction": "minimize"}],
    "backend": {"name": "serial"},
}


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0)
    if len(sys.argv) > 2 or (len(sys.argv) > 1 and sys.argv[1].startswith("-")):
        print(f"usage: python {sys.argv[0]} [OUT.h5]  (no options; got {' '.join(sys.argv[1:])})", file=sys.stderr)
        sys.exit(2)
    try:  # an OUT.h5 that exists (the script run twice), a config refused: l2l's one line, exit status 2
        path = l2l.run(CONFIG, sys.argv[1] if len(sys.argv) > 1 else "pbt-own-training.h5")
    except (l2l.ConfigError, l2l.TrajectoryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    best = l2l.best(path)
    schedule = l2l.lineage(path, [best.trial])
    print(schedule[["trial", "from_budget", "budget", "parent", "lr", "momentum", "loss"]].to_string(index=False))
    weights = l2l.checkpoint(path)["weights"]
    _, p = predict(weights, X_VALIDATION)
    print(f"best learner: trial {best.trial}, validation loss {loss(weights):.4f} "
          f"(the run's {best.value:.4f}), accuracy {np.mean((p > 0.5) == Y_VALIDATION):.3f}")
