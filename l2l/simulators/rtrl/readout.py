"""Linear softmax readout from the units' outputs ``y`` and its cross-entropy loss."""

from __future__ import annotations

import numpy as np


def init_readout(n_units: int, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Flat ``(W_o (m, n), b_o (m))`` with small uniform weights and zero biases."""
    flat = np.zeros(n_classes * (n_units + 1))
    flat[:n_classes * n_units] = rng.uniform(-1, 1, n_classes * n_units) / np.sqrt(n_units)
    return flat


def split(readout: np.ndarray, n_units: int) -> tuple[np.ndarray, np.ndarray]:
    n_classes = readout.size // (n_units + 1)
    return readout[:n_classes * n_units].reshape(n_classes, n_units), readout[n_classes * n_units:]


def logits(readout: np.ndarray, y: np.ndarray) -> np.ndarray:
    w_out, b_out = split(readout, y.size)
    return w_out @ y + b_out


def loss_and_gradients(readout: np.ndarray, y: np.ndarray, target: int):
    """Cross-entropy of class ``target`` given output ``y``.

    Returns ``(loss, dL/dy, dL/d readout)``.
    """
    w_out, _ = split(readout, y.size)
    scores = w_out @ y + readout[w_out.size:]
    scores = scores - scores.max()
    probabilities = np.exp(scores)
    total = probabilities.sum()
    probabilities /= total
    loss = float(target_nll(probabilities[target], total, scores[target]))
    delta = probabilities
    delta[target] -= 1.0
    grad_readout = np.concatenate([np.outer(delta, y).ravel(), delta])
    return loss, w_out.T @ delta, grad_readout


def target_nll(probability, total, target_score):
    """The cross-entropy ``-log(probability)`` of the target class (arrays: elementwise), and where the probability
    underflowed to 0 the same number from the scores: ``log(total) - target_score``, ``target_score`` the target's
    score minus the largest and ``total`` the sum of the exponentials of the scores so shifted. Scores a few hundred
    apart (a diverging learning rate: ``learning_rate = 1000``) underflowed the probability, and the training loss
    was inf, with numpy's 'divide by zero encountered in log' printed by every process."""
    probability = np.asarray(probability, dtype=float)
    positive = probability > 0
    if positive.all():
        return -np.log(probability)
    exact = np.log(total) - np.asarray(target_score, dtype=float)
    return np.where(positive, -np.log(np.where(positive, probability, 1.0)), exact)
