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
    probabilities /= probabilities.sum()
    loss = -float(np.log(probabilities[target]))
    delta = probabilities
    delta[target] -= 1.0
    grad_readout = np.concatenate([np.outer(delta, y).ravel(), delta])
    return loss, w_out.T @ delta, grad_readout
