"""Backpropagation through time: the reference gradient, memory linear in the length.

MACs counted per step (see ``docs/egru_rtrl.md``): the weight-gradient outer
products ``3 n (d + n)`` and the backward recurrent product ``3 n^2``; O(n)
element-wise products and the readout are left out for every learning rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from l2l.simulators.rtrl import readout as ro
from l2l.simulators.rtrl.cells import (Cell, Step, event_derivatives, forward,
                                       gate_derivatives, initial_state)


@dataclass
class Gradients:
    """What a learning rule returns for one sequence."""

    loss: float
    grad: np.ndarray             # d loss / d flat cell parameters
    grad_readout: np.ndarray     # d loss / d flat readout
    macs: int                    # learning-rule multiply-accumulates, counted as run
    forward_macs: int            # forward-pass multiply-accumulates (shared by all rules)
    steps: int = 0               # time steps
    active_total: int = 0        # active units summed over steps
    hits: int = 0                # scored steps where the readout's argmax is the target
    scored: int = 0              # steps with a target
    active: list[int] = field(default_factory=list)   # active units per step, if recorded


def run_forward(cell: Cell, params: np.ndarray, inputs: np.ndarray) -> list[Step]:
    """Forward pass over a sequence, keeping every step (what BPTT needs)."""
    weights = cell.views(params)
    c, y = initial_state(cell)
    steps: list[Step] = []
    for x in inputs:
        step = forward(cell, weights, x, c, y)
        steps.append(step)
        c, y = step.c, step.y
    return steps


def bptt(cell: Cell, params: np.ndarray, readout: np.ndarray, inputs: np.ndarray,
         targets: np.ndarray, activity_penalty: float = 0.0, event_budget: int = 0) -> Gradients:
    """Loss and exact (pseudo-)gradient of one sequence.

    ``inputs`` is (T, d); ``targets`` (T,) holds a class index at steps with a
    loss and -1 elsewhere. Pruned weights are zero in ``params``; their
    gradient is reported too (it is generally non-zero). ``activity_penalty``
    c adds ``c * y_i`` for each event of unit i beyond its first ``event_budget``
    (EGRU only; see :mod:`.rtrl`).
    """
    weights = cell.views(params)
    n, d = cell.n_units, cell.n_inputs
    steps = run_forward(cell, params, inputs)
    loss, grad_readout = 0.0, np.zeros_like(readout)
    dy_loss = np.zeros((len(steps), n))
    hits = scored = 0
    for t, (step, target) in enumerate(zip(steps, targets)):
        if target >= 0:
            step_loss, dy_loss[t], step_grad = ro.loss_and_gradients(readout, step.y, int(target))
            loss += step_loss
            grad_readout += step_grad
            hits += int(np.argmax(ro.logits(readout, step.y))) == int(target)
            scored += 1
    if activity_penalty and cell.events:
        counts = np.cumsum([step.o for step in steps], axis=0)
        for t, step in enumerate(steps):
            excess = activity_penalty * (counts[t] > event_budget)
            loss += float(excess @ step.y)
            dy_loss[t] += excess
    grad = np.zeros(cell.n_params)
    g = cell.views(grad)
    grad_theta = grad[cell.threshold_slice()]
    dy_next, dc_next = np.zeros(n), np.zeros(n)
    macs = 0
    for t in range(len(steps) - 1, -1, -1):
        step = steps[t]
        dy = dy_loss[t] + dy_next
        alpha, beta, c_theta, y_theta = event_derivatives(cell, weights, step)
        da = beta * dy + alpha * dc_next
        if cell.events:
            grad_theta += y_theta * dy + c_theta * dc_next
        deltas = gate_derivatives(step) * da          # dq_u, dq_r, dq_z, ds
        g.W += deltas[:3, :, None] * step.x[None, None, :]
        g.V[:2] += deltas[:2, :, None] * step.y_prev[None, None, :]
        g.V[2] += np.outer(deltas[3], step.y_prev)
        g.b += deltas[:3]
        dy_next = (weights.V[0].T @ deltas[0] + weights.V[1].T @ deltas[1]
                   + weights.V[2].T @ deltas[3])
        dc_next = (1.0 - step.u) * da
        macs += 3 * n * (d + n) + 3 * n * n
    active = [int(s.active.size) for s in steps]
    return Gradients(loss, grad, grad_readout, macs, sum(s.macs for s in steps),
                     len(steps), sum(active), hits, scored, active)
