"""The element-wise bookkeeping of a window of RTRL steps, done for all its steps at once.

RTRL's recursion is sequential only through the influence matrix: the forward
pass fixes every other quantity of a step (gate and event derivatives, which
units are active, the decay of each row, the Jacobian columns, the immediate
influences, the loss and its gradient with respect to ``y``). So
:class:`~l2l.simulators.rtrl.rtrl.RTRL` runs the forward pass at every step
and leaves the learning-rule work of up to ``window`` steps pending; then
:func:`prepare` computes those quantities for all of them with one numpy call
each, on arrays of shape (steps, n), and the learner applies the products to
the influence matrix step by step, in the same order as if each step had been
done on its own. The arithmetic of every entry is the same (element-wise
operations on the same operands; the row scales' running product is the same
sequence of multiplications), so the results are the same; the memory is that
of the window, not of the sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from l2l.simulators.rtrl import readout as ro
from l2l.simulators.rtrl.cells import Step, event_derivatives, gate_derivatives
from l2l.simulators.rtrl.kernels import Counter

RECURRENT_KINDS = [0, 1, 3]   # rows of the gate derivatives that multiply y' in V_u, V_r, V_z

#: A sparse row whose scale leaves [SMALLEST_SCALE, 1 / SMALLEST_SCALE] is folded into the stored matrix.
SMALLEST_SCALE = 1e-100

_FIELDS = ("x", "c_prev", "y_prev", "u", "r", "z", "s", "a", "o", "psi", "y", "c")


@dataclass
class Window:
    """Everything of a window of L steps except the influence matrix (rows of arrays: steps)."""

    steps: Step                  # the forward steps, stacked: (L, n) (x: (L, d))
    actives: list                # per step: the active units, sorted
    factors: np.ndarray          # (L, n) decay of each row, (1 - u_t) alpha_{t-1}
    scales: np.ndarray           # (L, n) sparse: the row scales after each step's decay (dense: ones)
    folds: dict                  # sparse: step -> (rows folded back into S, their scales)
    derivatives: np.ndarray      # (4, L, n) gate derivatives divided by the row scales
    thresholds: np.ndarray       # (L, n) immediate influence on the thresholds, divided by the scales
    output_factors: np.ndarray   # (L, n) beta_t * scale_t: Y_t's rows from S's
    y_theta: np.ndarray          # (L, n)
    jacobians: np.ndarray        # (n, K) the Jacobian columns of every step, side by side
    offsets: np.ndarray          # step t's columns: jacobians[:, offsets[t]:offsets[t + 1]]
    dy: np.ndarray               # (L, n) dL/dy_t
    scored: list                 # per step: whether a gradient dy_t^T Y_t is accumulated
    alpha: np.ndarray            # the last step's alpha and c_theta (carried to the next window)
    c_theta: np.ndarray


def stack(steps: list) -> Step:
    """The steps' fields as arrays with one row per step."""
    return Step(*(np.array([getattr(step, field) for step in steps]) for field in _FIELDS), macs=0)


def prepare(learner, steps: list, targets: list) -> Window:
    """The bookkeeping of ``steps`` for ``learner`` (an RTRL), given its state before the first of them.
    Updates the learner's loss, readout gradient, hits and event counts (in step order)."""
    cell, counter, n = learner.cell, learner.counter, learner.cell.n_units
    length = len(steps)
    stacked = stack(steps)
    keep = 1.0 - stacked.u
    alpha, beta, c_theta, y_theta = (np.broadcast_to(value, (length, n))
                                     for value in event_derivatives(cell, learner.weights, stacked))
    alpha_prev = np.concatenate([learner.alpha[None], alpha[:-1]])
    c_theta_prev = np.concatenate([learner.c_theta[None], c_theta[:-1]])
    factors = keep * alpha_prev
    folds: dict = {}
    if learner.sparse:
        scales = _running_scales(learner.scale, factors, folds)
    else:
        scales = np.ones((length, n))
    inverse = 1.0 / scales
    thresholds = keep * c_theta_prev * inverse
    derivatives = gate_derivatives(stacked) * inverse             # rows of S, not of M
    mask = (stacked.o != 0) | (stacked.psi != 0)
    counts = mask.sum(axis=1)
    units = np.nonzero(mask)[1]
    bounds = np.concatenate([[0], np.cumsum(counts)])
    actives = [units[bounds[t]:bounds[t + 1]] for t in range(length)]
    if learner.sparse:
        previous = [learner.active] + actives[:-1]
    else:
        previous = [learner.active] * length
    sizes = [p.size for p in previous]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    columns = np.concatenate(previous)
    coefficients = derivatives[RECURRENT_KINDS][:, np.repeat(np.arange(length), sizes)].transpose(0, 2, 1)
    jacobians = counter.columns_combination(coefficients, learner.weights.V, columns)
    dy, scored = _loss_gradients(learner, stacked, targets, length)
    return Window(stacked, actives, factors, scales, folds, derivatives, thresholds, beta * scales, y_theta,
                  jacobians, offsets, dy, scored, alpha[-1].copy(), c_theta[-1].copy())


def _running_scales(scale: np.ndarray, factors: np.ndarray, folds: dict) -> np.ndarray:
    """Row scales after each step's decay (the same products as one step at a time). A scale that leaves
    the safe range is recorded in ``folds`` (the learner folds its row into S at that step) and restarts
    from 1."""
    scales = np.cumprod(np.concatenate([scale[None], factors]), axis=0)[1:]
    size = np.abs(scales)
    if size.min() >= SMALLEST_SCALE and size.max() <= 1.0 / SMALLEST_SCALE:
        return scales
    scale = scale.copy()
    for t, factor in enumerate(factors):               # rare: step by step, folding as it goes
        scale *= factor
        size = np.abs(scale)
        rows = np.flatnonzero((size < SMALLEST_SCALE) | (size > 1.0 / SMALLEST_SCALE))
        if rows.size:
            folds[t] = (rows, scale[rows].copy())
            scale[rows] = 1.0
        scales[t] = scale
    return scales


def _loss_gradients(learner, stacked: Step, targets: list, length: int):
    """dL/dy_t of every step (readout loss at scored steps, activity penalty), and the learner's loss,
    readout gradient, hits and event counts brought up to date in step order."""
    n = learner.cell.n_units
    dy = np.zeros((length, n))
    penalty = learner.activity_penalty
    if penalty:
        counts = learner.event_counts + np.cumsum(stacked.o, axis=0)
        excess = penalty * (counts > learner.event_budget)
        learner.event_counts = counts[-1].copy()
    for t, target in enumerate(targets):
        if target >= 0:
            loss, dy[t], grad_readout = ro.loss_and_gradients(learner.readout, stacked.y[t], target)
            learner._loss += loss
            learner.grad_readout += grad_readout
            learner.hits += int(np.argmax(ro.logits(learner.readout, stacked.y[t]))) == target
            learner.scored += 1
        if penalty:
            learner._loss += float(excess[t] @ stacked.y[t])
    if penalty:
        dy += excess
        return dy, [True] * length
    return dy, [target >= 0 for target in targets]


def immediate_products(counter: Counter, window: Window, views_path: bool, learner) -> tuple:
    """The immediate influences of every step of the window (their MACs counted here): strided-view
    blocks ``(inputs (L, 3, n, d), recurrent (L, 3, n, n), biases (L, 3, n))`` for unpruned networks, or
    the values at the learner's flat positions ``(L, I)`` for pruned ones."""
    derivatives, stacked = window.derivatives, window.steps
    if views_path:
        inputs = counter.outer_rows(derivatives[:3], stacked.x)
        recurrent = counter.outer_rows(derivatives[RECURRENT_KINDS], stacked.y_prev)   # V_z acts through g_s
        biases = counter.outer_rows(derivatives[:3], np.ones((stacked.x.shape[0], 1)))[..., 0]
        return inputs, recurrent, biases
    length = stacked.x.shape[0]
    flat = derivatives.transpose(1, 0, 2).reshape(length, -1)
    presynaptic = np.concatenate([stacked.x, stacked.y_prev, np.ones((length, 1))], axis=1)
    return (counter.elementwise(flat[:, learner._immediate_derivative],
                                presynaptic[:, learner._immediate_source]),)
