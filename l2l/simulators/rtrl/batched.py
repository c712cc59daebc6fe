"""BPTT over a batch of sequences at once: the same gradients as :func:`bptt.bptt`, per sequence.

Training on a real dataset needs many passes over thousands of sequences; one
sequence at a time, numpy's call overhead dominates. This module runs the same
equations (``docs/egru_rtrl.md``) on (batch, units) arrays and returns each
sequence's gradient separately, so that a caller can add them in a fixed order
(the result does not depend on how trials are grouped, up to rounding).
Sparse RTRL computes the same gradients online; the tests check both against
:func:`bptt.bptt`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from l2l.simulators.rtrl import readout as ro
from l2l.simulators.rtrl.cells import Cell


@dataclass
class BatchGradients:
    """Per-sequence results of :func:`bptt_batch` (first axis: the sequence)."""

    loss: np.ndarray          # (B,)
    grad: np.ndarray          # (B, P)
    grad_readout: np.ndarray  # (B, R)
    hits: np.ndarray          # (B,) scored steps whose argmax is the target
    scored: np.ndarray        # (B,)
    active: np.ndarray        # (B, T) active units (event or non-zero pseudo-derivative) per step
    events: np.ndarray        # (B, T) events per step


def _sigmoid(q: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * q))


def forward_batch(cell: Cell, params: np.ndarray, inputs: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Forward pass of ``inputs`` (B, T, d); one dict of (B, n) arrays per step."""
    weights = cell.views(params)
    batch, n = inputs.shape[0], cell.n_units
    c, y = np.zeros((batch, n)), np.zeros((batch, n))
    steps = []
    for t in range(inputs.shape[1]):
        x = inputs[:, t]
        q = np.einsum("bd,gnd->gbn", x, weights.W) + weights.b[:, None, :]
        recurrent = np.einsum("bm,gnm->gbn", y, weights.V)
        u = _sigmoid(q[0] + recurrent[0])
        r = _sigmoid(q[1] + recurrent[1])
        s = recurrent[2]
        z = np.tanh(q[2] + r * s)
        a = u * z + (1.0 - u) * c
        if cell.events:
            theta = weights.theta
            o = (a > theta).astype(float)
            psi = cell.gamma * np.maximum(0.0, 1.0 - np.abs(a - theta) / cell.epsilon)
            y_new, c_new = o * a, a - o * theta
        else:
            o, psi, y_new, c_new = np.ones_like(a), np.zeros_like(a), a, a
        steps.append({"x": x, "c_prev": c, "y_prev": y, "u": u, "r": r, "z": z, "s": s, "a": a,
                      "o": o, "psi": psi, "y": y_new})
        c, y = c_new, y_new
    return steps


def bptt_batch(cell: Cell, params: np.ndarray, readout: np.ndarray, inputs: np.ndarray,
               targets: np.ndarray, activity_penalty: float = 0.0, event_budget: int = 0) -> BatchGradients:
    """Loss and (pseudo-)gradient of each sequence of ``inputs`` (B, T, d), ``targets`` (B, T).

    Equal to :func:`bptt.bptt` applied to each sequence (``activity_penalty``, ``event_budget`` as there).
    """
    weights = cell.views(params)
    batch, n = inputs.shape[0], cell.n_units
    steps = forward_batch(cell, params, inputs)
    w_out, b_out = ro.split(readout, n)
    penalty = float(activity_penalty) if cell.events else 0.0
    loss = np.zeros(batch)
    grad_readout = np.zeros((batch, readout.size))
    dy_loss = [np.zeros((batch, n)) for _ in steps]
    hits, scored = np.zeros(batch, dtype=int), np.zeros(batch, dtype=int)
    counts = np.zeros((batch, n))
    for t, step in enumerate(steps):
        counts += step["o"]
        rows = np.flatnonzero(targets[:, t] >= 0)
        if penalty:
            excess = penalty * (counts > event_budget)
            loss += (step["y"] * excess).sum(axis=1)
            dy_loss[t] += excess
        if not rows.size:
            continue
        scores = step["y"][rows] @ w_out.T + b_out
        hits[rows] += np.argmax(scores, axis=1) == targets[rows, t]
        scored[rows] += 1
        scores -= scores.max(axis=1, keepdims=True)
        probabilities = np.exp(scores)
        totals = probabilities.sum(axis=1, keepdims=True)
        probabilities /= totals
        chosen = (np.arange(rows.size), targets[rows, t])
        loss[rows] += ro.target_nll(probabilities[chosen], totals[:, 0], scores[chosen])
        delta = probabilities
        delta[np.arange(rows.size), targets[rows, t]] -= 1.0
        grad_readout[rows, :w_out.size] += np.einsum("bm,bn->bmn", delta, step["y"][rows]).reshape(rows.size, -1)
        grad_readout[rows, w_out.size:] += delta
        dy_loss[t][rows] += delta @ w_out
    grad = np.zeros((batch, cell.n_params))
    d, n_w = cell.n_inputs, 3 * n * cell.n_inputs
    g_w = grad[:, :n_w].reshape(batch, 3, n, d)
    g_v = grad[:, n_w:n_w + 3 * n * n].reshape(batch, 3, n, n)
    g_b = grad[:, n_w + 3 * n * n:n_w + 3 * n * n + 3 * n].reshape(batch, 3, n)
    g_theta = grad[:, cell.threshold_slice()]
    dy_next, dc_next = np.zeros((batch, n)), np.zeros((batch, n))
    theta = weights.theta
    for t in range(len(steps) - 1, -1, -1):
        step = steps[t]
        dy = dy_loss[t] + dy_next
        o, a, psi = step["o"], step["a"], step["psi"]
        if cell.events:
            da = (o + a * psi) * dy + (1.0 - theta * psi) * dc_next
            g_theta += -a * psi * dy + (-o + theta * psi) * dc_next
        else:
            da = dy + dc_next
        u, r, z, s = step["u"], step["r"], step["z"], step["s"]
        g_z = u * (1.0 - z ** 2)
        g_u = (z - step["c_prev"]) * u * (1.0 - u)
        g_s = g_z * r
        g_r = g_s * s * (1.0 - r)
        deltas = np.stack([g_u * da, g_r * da, g_z * da, g_s * da])   # (4, B, n)
        g_w += np.einsum("gbn,bd->bgnd", deltas[:3], step["x"])
        g_v += np.einsum("gbn,bm->bgnm", deltas[[0, 1, 3]], step["y_prev"])
        g_b += deltas[:3].transpose(1, 0, 2)
        dy_next = deltas[0] @ weights.V[0] + deltas[1] @ weights.V[1] + deltas[3] @ weights.V[2]
        dc_next = (1.0 - u) * da
    active = np.stack([((step["o"] != 0) | (step["psi"] != 0)).sum(axis=1) for step in steps], axis=1)
    events = np.stack([step["o"].sum(axis=1) for step in steps], axis=1).astype(int)
    return BatchGradients(loss, grad, grad_readout, hits, scored, active, events)
