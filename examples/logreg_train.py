"""A user's own training function with a budget and a checkpoint: logistic regression by minibatch SGD.

Numpy only, and fast (a candidate trained for 27 epochs takes milliseconds), so that a whole sweep and each
policy can be measured over many seeds in minutes (``benchmarks/mf_user_sweep.py``;
``examples/digits_train.py`` is the same idea on a small network and real images, ~30 minutes for its
benchmark).

The data are synthetic and fixed: 20 Gaussian features, a sparse true weight vector (about 40 % of the
features matter), labels from the sign of ``x @ w_true`` plus Gaussian noise (sd 1.5), so that no learner
gets below a known floor. 800 training examples and 400 validation examples are drawn once from the
generator seeded 123; :func:`fresh_examples` draws any number of new examples from the same distribution
(the same ``w_true``) that no run sees, for a held-out test.

Three hyper-parameters: the learning rate ``lr``, the L2 penalty ``l2`` and the minibatch size ``batch``.
The budget is in epochs (one pass over the 800 training examples); the objective is the cross-entropy
(``loss``) on the 400 validation examples. The weights start at zero; each epoch's example order comes from
``(seed, epoch)``, and the checkpoint holds the weights and the epoch, so a candidate continued from its
checkpoint equals one trained for the whole budget at once. Without a ``[policy]`` every candidate trains
the ``multi_fidelity`` maximum; with one, the policy decides how far each goes::

    [simulator]
    name = "python"
    function = "logreg_train:train"
    multi_fidelity = { name = "epochs", minimum = 1, maximum = 27 }
"""

from __future__ import annotations

import numpy as np

from l2l.simulators import SimulationResult

FEATURES = 20
TRAIN, VALIDATION = 800, 400
_DATA: dict = {}


def _truth() -> tuple[np.random.Generator, np.ndarray]:
    rng = np.random.default_rng(123)
    return rng, rng.normal(size=FEATURES) * (rng.random(FEATURES) < 0.4)


def dataset() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fixed training and validation examples: ``x_train, y_train, x_validation, y_validation``."""
    if not _DATA:
        rng, w_true = _truth()
        n = TRAIN + VALIDATION
        x = rng.normal(size=(n, FEATURES))
        y = (x @ w_true + rng.normal(scale=1.5, size=n) > 0).astype(float)
        _DATA["split"] = (x[:TRAIN], y[:TRAIN], x[TRAIN:], y[TRAIN:])
    return _DATA["split"]


def fresh_examples(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` new examples from the data's distribution, drawn from ``seed`` (not 123: never the training or
    validation examples)."""
    _, w_true = _truth()
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, FEATURES))
    return x, (x @ w_true + rng.normal(scale=1.5, size=n) > 0).astype(float)


def loss(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Cross-entropy of the weights ``w`` on the examples ``x, y``."""
    p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
    return float(-np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))


def fit(params: dict, seed: int, budget: int, w: np.ndarray | None = None, done: int = 0) -> np.ndarray:
    """The weights after training to ``budget`` epochs, from ``w`` after ``done`` epochs (zeros after none)."""
    x, y, _, _ = dataset()
    lr, l2, batch = float(params["lr"]), float(params["l2"]), int(params["batch"])
    w = np.zeros(FEATURES) if w is None else w.copy()
    for epoch in range(done + 1, int(budget) + 1):
        order = np.random.default_rng([seed, epoch]).permutation(len(y))
        for start in range(0, len(y), batch):
            b = order[start:start + batch]
            p = 1.0 / (1.0 + np.exp(-np.clip(x[b] @ w, -30, 30)))
            w -= lr * (x[b].T @ (p - y[b]) / len(b) + l2 * w)
    return w


def train(params, seed, budget, checkpoint=None):
    """Train to ``budget`` epochs (from ``checkpoint`` when l2l passes one) and return the validation loss,
    the learning curve of the epochs trained here and the checkpoint to continue from."""
    x, y, xv, yv = dataset()
    if checkpoint is None:
        w, done = np.zeros(FEATURES), 0
    else:
        w, done = checkpoint["w"], int(checkpoint["epoch"])
    curve = []
    for epoch in range(done + 1, int(budget) + 1):
        w = fit(params, seed, epoch, w, epoch - 1)
        curve.append([epoch, loss(w, xv, yv)])
    return SimulationResult(objectives={"loss": loss(w, xv, yv)}, curve={"loss": curve},
                            checkpoint={"w": w, "epoch": int(budget)})
