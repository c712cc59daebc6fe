"""``noisy-sgd`` with ``task = "digits"``: a tanh network learns handwritten digits by minibatch momentum SGD.

The network: 64 standardized pixels -> ``hidden`` tanh units -> 10 softmax outputs, weights drawn from the
seed (scaled by fan-in), biases zero. One step draws ``batch_size`` training images from (seed, step), takes
the gradient of their mean cross-entropy and applies ``v <- momentum v + g``, ``w <- w - learning_rate v``
(the update of the quadratic task). All weights live in one flat vector, so the checkpoint is the quadratic
task's ``{"x", "v", "step"}`` (arrays and a whole number, no pickles).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from l2l.simulators.base import SimulationResult

PIXELS, CLASSES = 64, 10
#: Cross-entropy reported for a learner whose weights stopped being finite.
DIVERGED = 1e3


def _data():
    from l2l.simulators.rtrl.tasks import Digits, load_digit_images

    images, labels = load_digit_images()
    flat = images.reshape(len(images), -1)
    task = Digits()
    train = task.split_indices("train")
    scaled = (flat - flat[train].mean(axis=0)) / (flat[train].std(axis=0) + 0.1)
    return scaled, labels, task


def _unpack(x: np.ndarray, hidden: int):
    a = PIXELS * hidden
    w1 = x[:a].reshape(PIXELS, hidden)
    b1 = x[a:a + hidden]
    w2 = x[a + hidden:a + hidden + hidden * CLASSES].reshape(hidden, CLASSES)
    b2 = x[a + hidden + hidden * CLASSES:]
    return w1, b1, w2, b2


def _initial(hidden: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32])
    return np.concatenate([rng.normal(0.0, 1.0 / np.sqrt(PIXELS), PIXELS * hidden), np.zeros(hidden),
                           rng.normal(0.0, 1.0 / np.sqrt(hidden), hidden * CLASSES), np.zeros(CLASSES)])


def _forward(x: np.ndarray, hidden: int, images: np.ndarray):
    w1, b1, w2, b2 = _unpack(x, hidden)
    h = np.tanh(images @ w1 + b1)
    scores = h @ w2 + b2
    scores = scores - scores.max(axis=1, keepdims=True)
    log_p = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    return h, log_p


def _gradient(x: np.ndarray, hidden: int, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    w1, _, w2, _ = _unpack(x, hidden)
    h, log_p = _forward(x, hidden, images)
    g = np.exp(log_p)
    g[np.arange(len(labels)), labels] -= 1.0
    g /= len(labels)
    gh = (g @ w2.T) * (1.0 - h * h)
    return np.concatenate([(images.T @ gh).ravel(), gh.sum(axis=0), (h.T @ g).ravel(), g.sum(axis=0)])


def _held_out(x: np.ndarray, hidden: int, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Cross-entropy and error on the held-out images."""
    if not np.all(np.isfinite(x)):
        return DIVERGED, 1.0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # huge weights: capped below
        _, log_p = _forward(x, hidden, images)
        loss = float(-log_p[np.arange(len(labels)), labels].mean())
    if not np.isfinite(loss):
        return DIVERGED, 1.0
    return min(loss, DIVERGED), float(np.mean(log_p.argmax(axis=1) != labels))


def train_digits(owner: Any, rate: float, momentum: float, seed: int, target: int,
                 checkpoint) -> SimulationResult:
    """Train from ``checkpoint`` (None: the seed's initial weights) to step ``target``."""
    images, labels, task = _data()
    train = task.split_indices("train")
    held = task.split_indices(owner.held_out)
    held_images, held_labels = images[held], labels[held]
    hidden = owner.hidden
    if checkpoint is None:
        x, step = _initial(hidden, seed), 0
        v = np.zeros_like(x)
    else:
        x, v = np.array(checkpoint["x"], dtype=float), np.array(checkpoint["v"], dtype=float)
        step = int(checkpoint["step"])
        if x.shape != (PIXELS * hidden + hidden + hidden * CLASSES + CLASSES,) or v.shape != x.shape:
            raise ValueError(f"simulator 'noisy-sgd': the checkpoint's weights have shape {x.shape}, "
                             f"not those of a digits network with {hidden} hidden units")
    points = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a diverging learner is caught below
        while step < target and np.all(np.isfinite(x)):
            step += 1
            rng = np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32, step])
            batch = train[rng.integers(0, train.size, owner.batch_size)]
            v = momentum * v + _gradient(x, hidden, images[batch], labels[batch])
            x = x - rate * v
            if not np.all(np.isfinite(x)):  # diverged: the learner is lost for good
                x = np.full_like(x, np.inf)
            if step % owner.curve_every == 0 or step == target:
                points.append([step, _held_out(x, hidden, held_images, held_labels)[0]])
    step = max(step, target)  # a diverged learner stays diverged: its checkpoint is at the budget
    loss, error = _held_out(x, hidden, held_images, held_labels)
    curve = np.asarray(points, dtype=float) if points else np.zeros((0, 2))
    return SimulationResult(objectives={"loss": loss}, metrics={"held_out_error": error},
                            curve={"loss": curve}, checkpoint={"x": x, "v": v, "step": step})
