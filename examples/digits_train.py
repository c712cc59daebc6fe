"""A user's own training script with a budget and a checkpoint: a small network learns handwritten digits.

64 pixels -> ``hidden`` tanh units -> 10 softmax outputs, trained by minibatch SGD with momentum and weight
decay on scikit-learn's digits (needs ``pip install 'l2l[datasets]'``). The budget is in epochs (one pass
over the 1,077 training images in batches of 64); the objective is the cross-entropy on 360 validation
images; the test error on 360 other images is a metric that no selection uses.

The checkpoint holds the weights, the momentum and the epoch, and each epoch's batch order comes from
``(seed, epoch)``, so a candidate continued from its checkpoint equals one trained at once. Without a
``[policy]`` every candidate trains ``maximum`` epochs; with one, the policy decides how far each goes
(``examples/digits_sweep.toml`` and ``examples/digits_halving.toml``; ``benchmarks/one_line_sweep.py``).
"""

from __future__ import annotations

import numpy as np

from l2l.simulators import SimulationResult

BATCH = 64
_DATA = {}


def data():
    """Standardized images and labels of the fixed train / validation / test split (read once)."""
    if not _DATA:
        from sklearn.datasets import load_digits

        digits = load_digits()
        images, labels = digits.images.reshape(len(digits.images), -1) / 16.0, digits.target
        order = np.random.default_rng(2024).permutation(len(labels))
        test, validation, train = order[:360], order[360:720], order[720:]
        mean, std = images[train].mean(axis=0), images[train].std(axis=0) + 0.1
        images = (images - mean) / std
        _DATA.update(train=(images[train], labels[train]), validation=(images[validation], labels[validation]),
                     test=(images[test], labels[test]))
    return _DATA


def _forward(weights, hidden, images):
    w1, b1, w2, b2 = _unpack(weights, hidden)
    h = np.tanh(images @ w1 + b1)
    scores = h @ w2 + b2
    scores -= scores.max(axis=1, keepdims=True)
    return h, scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))


def _unpack(weights, hidden):
    a, b = 64 * hidden, 64 * hidden + hidden
    return (weights[:a].reshape(64, hidden), weights[a:b], weights[b:b + 10 * hidden].reshape(hidden, 10),
            weights[b + 10 * hidden:])


def _scores(weights, hidden, split):
    images, labels = data()[split]
    if not np.all(np.isfinite(weights)):
        return 10.0, 1.0  # a learner that diverged
    with np.errstate(all="ignore"):
        _, log_p = _forward(weights, hidden, images)
    loss = float(-log_p[np.arange(len(labels)), labels].mean())
    return (min(loss, 10.0) if np.isfinite(loss) else 10.0), float(np.mean(log_p.argmax(axis=1) != labels))


def train(params, seed, budget, checkpoint=None):
    hidden = int(params["hidden"])
    rate, momentum, decay = float(params["learning_rate"]), float(params["momentum"]), float(params["weight_decay"])
    images, labels = data()["train"]
    if checkpoint is None:  # first segment: initial weights from the seed
        rng = np.random.default_rng([seed, 0])
        weights = np.concatenate([rng.normal(0, 64 ** -0.5, 64 * hidden), np.zeros(hidden),
                                  rng.normal(0, hidden ** -0.5, 10 * hidden), np.zeros(10)])
        velocity, epoch = np.zeros_like(weights), 0
    else:  # continue where this candidate stopped
        weights, velocity, epoch = checkpoint["weights"].copy(), checkpoint["velocity"].copy(), int(checkpoint["epoch"])
    curve = []
    with np.errstate(all="ignore"):  # a diverging learner is scored as such
        for epoch in range(epoch + 1, int(budget) + 1):
            order = np.random.default_rng([seed, epoch]).permutation(len(labels))
            for start in range(0, len(order), BATCH):
                batch = order[start:start + BATCH]
                w1, _, w2, _ = _unpack(weights, hidden)
                h, log_p = _forward(weights, hidden, images[batch])
                g = np.exp(log_p)
                g[np.arange(len(batch)), labels[batch]] -= 1.0
                g /= len(batch)
                gh = (g @ w2.T) * (1.0 - h * h)
                grad = np.concatenate([(images[batch].T @ gh).ravel(), gh.sum(axis=0), (h.T @ g).ravel(),
                                       g.sum(axis=0)]) + decay * weights
                velocity = momentum * velocity + grad
                weights = weights - rate * velocity
            curve.append([epoch, _scores(weights, hidden, "validation")[0]])
    loss, error = _scores(weights, hidden, "validation")
    return SimulationResult(objectives={"loss": loss},
                            metrics={"validation_error": error, "test_error": _scores(weights, hidden, "test")[1]},
                            curve={"loss": curve},
                            checkpoint={"epoch": int(budget), "weights": weights, "velocity": velocity})
