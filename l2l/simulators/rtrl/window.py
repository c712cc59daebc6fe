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
from itertools import accumulate

import numpy as np
from numpy.lib.stride_tricks import as_strided

from l2l.simulators.rtrl import readout as ro
from l2l.simulators.rtrl.cells import Cell, Step
from l2l.simulators.rtrl.kernels import Counter

RECURRENT_KINDS = [0, 1, 3]   # rows of the gate derivatives that multiply y' in V_u, V_r, V_z

#: A sparse row whose scale leaves [SMALLEST_SCALE, 1 / SMALLEST_SCALE] is folded into the stored matrix.
SMALLEST_SCALE = 1e-100

_FIELDS = ("u", "r", "z", "s", "a", "o", "psi", "y", "c", "c_prev", "y_prev")


def pseudo_derivative(cell, weights, a: np.ndarray, psi: np.ndarray) -> None:
    """``psi = gamma max(0, 1 - |a - theta| / epsilon)`` into ``psi``, for any number of steps (and sequences)."""
    if cell.events:
        np.subtract(a, weights.theta, out=psi)
        np.abs(psi, out=psi)
        np.divide(psi, cell.epsilon, out=psi)
        np.subtract(1.0, psi, out=psi)
        np.maximum(0.0, psi, out=psi)
        np.multiply(cell.gamma, psi, out=psi)


def gate_step(cell, weights, q: np.ndarray, recurrent: np.ndarray, row: np.ndarray, c_prev: np.ndarray) -> int:
    """The element-wise part of one step, into ``row``'s fields (u, r, z, s, a; o, y, c): the gates from the
    input terms ``q`` and the recurrent terms ``recurrent`` (3 each), the candidate, the new state and the
    event threshold. The same for one sequence (fields of shape (n,)) and a batch ((batch, n)): the arrays
    broadcast alike. Returns the threshold's MACs (per sequence)."""
    gates = q[:2]
    gates += recurrent[:2]
    gates *= 0.5
    np.tanh(gates, out=gates)
    gates += 1.0
    np.multiply(0.5, gates, out=row[:2])                 # u and r (sigmoid)
    u, r, z, s, a = row[0], row[1], row[2], row[3], row[4]
    s[...] = recurrent[2]
    np.multiply(r, s, out=z)
    np.add(q[2], z, out=z)
    np.tanh(z, out=z)
    np.subtract(1.0, u, out=a)
    a *= c_prev
    np.add(np.multiply(u, z, out=q[0]), a, out=a)       # u z + (1 - u) c'
    if cell.events:                       # the pseudo-derivative: for the whole window in steps()
        theta, o, y, c = weights.theta, row[5], row[7], row[8]
        np.greater(a, theta, out=o)       # stored as 1.0 / 0.0: o a and o theta are the same numbers
        np.multiply(o, a, out=y)
        np.subtract(a, np.multiply(o, theta, out=c), out=c)
        return 2 * cell.n_units
    row[5] = 1.0
    row[7] = a
    row[8] = a
    return 0


class Recorder:
    """The forward steps of a window, written into preallocated rows (one array per quantity, a row per
    step): no per-step objects, and the window's arrays need no stacking. The arithmetic is that of
    :func:`l2l.simulators.rtrl.cells.forward`, operation for operation (tested bit for bit)."""

    def __init__(self, cell: Cell, window: int):
        self.cell, self.window = cell, window
        self.values = np.zeros((len(_FIELDS), window, cell.n_units))
        self.inputs = np.zeros((window, cell.n_inputs))
        self.targets: list[int] = []

    def __len__(self) -> int:
        return len(self.targets)

    def clear(self) -> None:
        self.targets = []

    def forward(self, weights, x: np.ndarray, c_prev: np.ndarray, y_prev: np.ndarray, target: int) -> int:
        """Run one step into the next row; returns its forward MACs. Each quantity is computed straight
        into its row (``out=``): no per-step arrays besides two temporaries."""
        cell, t = self.cell, len(self.targets)
        n, d = cell.n_units, cell.n_inputs
        row = self.values[:, t]
        inputs = self.inputs[t]
        inputs[...] = x
        sending = np.flatnonzero(y_prev)
        q = weights.W @ inputs
        q += weights.b
        recurrent = weights.V[:, :, sending] @ y_prev[sending]
        macs = 3 * n * d + 3 * n * sending.size + 3 * n
        macs += gate_step(cell, weights, q, recurrent, row, c_prev)
        row[9] = c_prev
        row[10] = y_prev
        self.targets.append(int(target))
        return macs

    def state(self) -> tuple[np.ndarray, np.ndarray]:
        """``(c, y)`` after the last step (copies: the rows are written again by later steps)."""
        t = len(self.targets) - 1
        return self.values[8, t].copy(), self.values[7, t].copy()

    def steps(self, weights) -> Step:
        """The window's steps as arrays with one row per step (views of the buffers); the pseudo-derivative
        ``psi = gamma max(0, 1 - |a - theta| / epsilon)`` is computed here for all of them."""
        length, cell = len(self.targets), self.cell
        u, r, z, s, a, o, psi, y, c, c_prev, y_prev = self.values[:, :length]
        pseudo_derivative(cell, weights, a, psi)
        return Step(self.inputs[:length], c_prev, y_prev, u, r, z, s, a, o, psi, y, c, macs=0)


@dataclass
class Window:
    """Everything of a window of L steps except the influence matrix (rows of arrays: steps)."""

    steps: Step                  # the forward steps, stacked: (L, n) (x: (L, d))
    actives: list                # per step: the active units, sorted
    units: np.ndarray            # all of them, step after step
    bounds: list                 # step t's: units[bounds[t]:bounds[t + 1]]
    step_of_row: np.ndarray      # for each entry of units: its step
    row_within_step: np.ndarray  # and its position among that step's active units
    factors: np.ndarray          # (L, n) decay of each row, (1 - u_t) alpha_{t-1}
    scales: np.ndarray           # (L, n) sparse: the row scales after each step's decay (dense: ones)
    folds: dict                  # sparse: step -> (rows folded back into S, their scales)
    derivatives: np.ndarray      # (4, L, n) gate derivatives divided by the row scales
    thresholds: np.ndarray       # (L, n) immediate influence on the thresholds, divided by the scales
    output_factors: np.ndarray   # (L, n) beta_t * scale_t: Y_t's rows from S's
    y_theta: np.ndarray          # (L, n)
    jacobians: np.ndarray        # (n, K) the Jacobian columns of every step, side by side
    offsets: list                # step t's columns: jacobians[:, offsets[t]:offsets[t + 1]]
    dy: np.ndarray               # (L, n) dL/dy_t
    scored: list                 # per step: whether a gradient dy_t^T Y_t is accumulated
    alpha: np.ndarray            # the last step's alpha and c_theta (carried to the next window)
    c_theta: np.ndarray


def prepare(learner, recorder: Recorder) -> Window:
    """The bookkeeping of the recorded steps for ``learner`` (an RTRL), given its state before the first
    of them. Updates the learner's loss, readout gradient, hits and event counts (in step order)."""
    cell, counter, n = learner.cell, learner.counter, learner.cell.n_units
    length, targets = len(recorder), recorder.targets
    stacked = recorder.steps(learner.weights)
    keep = 1.0 - stacked.u
    # alpha, c_theta of the step before each step and of each step: rows 0..L-1 and 1..L
    alphas, c_thetas = np.empty((length + 1, n)), np.empty((length + 1, n))
    alphas[0], c_thetas[0] = learner.alpha, learner.c_theta
    if cell.events:
        theta_psi = learner.weights.theta * stacked.psi
        np.subtract(1.0, theta_psi, out=alphas[1:])
        np.subtract(theta_psi, stacked.o, out=c_thetas[1:])  # -o + theta psi: the same number
        a_psi = stacked.a * stacked.psi
        beta, y_theta = stacked.o + a_psi, -a_psi          # -a psi: the same number as (-a) psi
    else:
        alphas[1:], c_thetas[1:] = 1.0, 0.0
        beta, y_theta = np.ones((length, n)), np.zeros((length, n))
    alpha, c_theta = alphas[1:], c_thetas[1:]
    factors = keep * alphas[:-1]
    folds: dict = {}
    derivatives = _gate_derivatives(stacked, keep)
    thresholds = keep * c_thetas[:-1]
    if learner.sparse:
        scales = _running_scales(learner.scale, factors, folds)
        inverse = 1.0 / scales
        thresholds *= inverse
        derivatives *= inverse                                    # rows of S, not of M
        output_factors = beta * scales
    else:                                  # the row scales stay 1: dividing by them changes no number
        scales, output_factors = np.ones((length, n)), beta
    mask = np.logical_or(stacked.o, stacked.psi)              # an event or a non-zero pseudo-derivative
    counts = mask.sum(axis=1)
    units = np.nonzero(mask)[1]
    bounds = [0, *accumulate(counts.tolist())]
    actives = [units[bounds[t]:bounds[t + 1]] for t in range(length)]
    if learner.sparse:
        previous = [learner.active] + actives[:-1]
    else:
        previous = [learner.active] * length
    sizes = [p.size for p in previous]
    offsets = [0, *accumulate(sizes)]
    if learner.sparse:
        columns = np.concatenate(previous)
        coefficients = derivatives[RECURRENT_KINDS][:, np.repeat(np.arange(length), sizes)].transpose(0, 2, 1)
        jacobians = counter.columns_combination(coefficients, learner.weights.V, columns)
    else:                                  # every column at every step: no gather
        jacobians = counter.diagonal_combinations(derivatives[RECURRENT_KINDS], learner.weights.V)
    dy, scored = _loss_gradients(learner, stacked, targets, length)
    step_of_row = np.repeat(np.arange(length), counts)
    row_within_step = np.arange(units.size) - np.repeat(bounds[:-1], counts)
    return Window(stacked, actives, units, bounds, step_of_row, row_within_step, factors, scales, folds,
                  derivatives, thresholds, output_factors, y_theta, jacobians, offsets, dy, scored,
                  alpha[-1].copy(), c_theta[-1].copy())


def _gate_derivatives(stacked: Step, keep: np.ndarray) -> np.ndarray:
    """:func:`~l2l.simulators.rtrl.cells.gate_derivatives` of all the window's steps, operation for operation
    (the same numbers), written into one (4, L, n) array; ``keep = 1 - u``."""
    u, r, z, s = stacked.u, stacked.r, stacked.z, stacked.s
    derivatives = np.empty((4,) + u.shape)
    g_u, g_r, g_z, g_s = derivatives
    np.square(z, out=g_z)
    np.subtract(1.0, g_z, out=g_z)
    np.multiply(u, g_z, out=g_z)                      # u (1 - z^2)
    np.subtract(z, stacked.c_prev, out=g_u)
    g_u *= u
    g_u *= keep                                       # (z - c') u (1 - u)
    np.multiply(g_z, r, out=g_s)
    np.multiply(g_s, s, out=g_r)
    g_r *= 1.0 - r                                    # g_s s (1 - r)
    return derivatives


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
    readout gradient, hits and event counts brought up to date in step order (the arithmetic of
    :func:`~l2l.simulators.rtrl.readout.loss_and_gradients`, with the readout's views read once)."""
    n = learner.cell.n_units
    dy = np.zeros((length, n))
    penalty = learner.activity_penalty
    if penalty:
        counts = learner.event_counts + np.cumsum(stacked.o, axis=0)
        excess = penalty * (counts > learner.event_budget)
        learner.event_counts = counts[-1].copy()
    w_out, b_out = ro.split(learner.readout, n)
    grad_w, grad_b = ro.split(learner.grad_readout, n)        # views: updated in place
    for t, target in enumerate(targets):
        if target >= 0:
            y = stacked.y[t]
            scores = w_out @ y + b_out
            learner.hits += int(scores.argmax()) == target
            scores -= scores.max()
            target_score = float(scores[target])
            probabilities = np.exp(scores, out=scores)
            total = probabilities.sum()
            probabilities /= total
            chance = probabilities[target]  # (below: ro.target_nll's arithmetic, without its cost per step)
            learner._loss += -float(np.log(chance)) if chance > 0 else float(np.log(total) - target_score)
            probabilities[target] -= 1.0                        # the loss's gradient w.r.t. the scores
            np.matmul(probabilities, w_out, out=dy[t])
            grad_w += np.multiply.outer(probabilities, y)
            grad_b += probabilities
            learner.scored += 1
        if penalty:
            learner._loss += float(excess[t] @ stacked.y[t])
    if penalty:
        dy += excess
        return dy, [True] * length
    return dy, [target >= 0 for target in targets]


def immediate_products(counter: Counter, window: Window, learner) -> tuple:
    """The immediate influences of every step of the window (their MACs counted here): for sparse RTRL
    of an unpruned network, one block per step ``(L, n, B)`` (row i: unit i's entries, in the order of
    :func:`compact_columns`); for dense RTRL of one, strided-view blocks ``(inputs (L, 3, n, d), recurrent
    (L, 3, n, n), biases (L, 3, n))``; for pruned networks the values at the learner's flat positions
    ``(L, I)``."""
    derivatives, stacked = window.derivatives, window.steps
    length, d = stacked.x.shape
    if learner._compact is not None:
        n = learner.cell.n_units
        block = learner._compact_steps[:length]                 # (L, n, B), preallocated
        gates = derivatives.transpose(1, 2, 0)                   # (L, n, 4)
        counter.outer_into(block[:, :, :3 * d].reshape(length, n, 3, d), gates[:, :, :3], stacked.x)
        counter.outer_into(block[:, :, 3 * d:3 * (d + n)].reshape(length, n, 3, n), gates[:, :, RECURRENT_KINDS],
                           stacked.y_prev)                         # V_z acts through g_s
        counter.copy_into(block[:, :, 3 * (d + n):3 * (d + n + 1)], gates[:, :, :3])   # presynaptic value 1
        if learner.cell.events:
            block[:, :, -1] = window.thresholds
        return (block,)
    if learner._views is not None:
        inputs = counter.outer_rows(derivatives[:3], stacked.x)
        recurrent = counter.outer_rows(derivatives[RECURRENT_KINDS], stacked.y_prev)   # V_z acts through g_s
        biases = counter.outer_rows(derivatives[:3], np.ones((length, 1)))[..., 0]
        return inputs, recurrent, biases
    flat = derivatives.transpose(1, 0, 2).reshape(length, -1)
    presynaptic = np.concatenate([stacked.x, stacked.y_prev, np.ones((length, 1))], axis=1)
    return (counter.elementwise(flat[:, learner._immediate_derivative],
                                presynaptic[:, learner._immediate_source]),)


def compact_columns(cell: Cell) -> np.ndarray:
    """Row i, entry b: the column of an unpruned influence matrix that gets unit i's b-th immediate
    influence (in row i), in the order ``(gate g, x_j)`` for the input weights, ``(g, y'_j)`` for the
    recurrent ones, then the biases ``b_u, b_r, b_z`` and the threshold (n x B)."""
    n, d = cell.n_units, cell.n_inputs
    unit, gate = np.arange(n)[:, None, None], np.arange(3)[:, None]
    inputs = (gate * n * d + unit * d + np.arange(d)).reshape(n, 3 * d)
    recurrent = (3 * n * d + gate * n * n + unit * n + np.arange(n)).reshape(n, 3 * n)
    biases = 3 * n * (d + n) + np.arange(3) * n + unit[:, :, 0]
    parts = [inputs, recurrent, biases]
    if cell.events:
        parts.append(3 * n * (d + n + 1) + unit[:, :, 0])
    return np.concatenate(parts, axis=1)


def immediate_views(cell: Cell, influence: np.ndarray) -> tuple:
    """Strided views of an n x P influence matrix (all parameters as columns) on the entries that get an
    immediate influence: row i, the columns of unit i's own weights. ``inputs`` (3 gates x n x d),
    ``recurrent`` (3 x n x n), ``biases`` (3 x n) and ``thresholds`` (n)."""
    n, d, p = cell.n_units, cell.n_inputs, influence.shape[1]
    flat, item = influence.reshape(-1), influence.itemsize
    recurrent_start, bias_start = 3 * n * d, 3 * n * (d + n)
    inputs = as_strided(flat, (3, n, d), (n * d * item, (p + d) * item, item))
    recurrent = as_strided(flat[recurrent_start:], (3, n, n), (n * n * item, (p + n) * item, item))
    biases = as_strided(flat[bias_start:], (3, n), (n * item, (p + 1) * item))
    thresholds = as_strided(flat[bias_start + 3 * n:], (n,), ((p + 1) * item,)) if cell.events else None
    return inputs, recurrent, biases, thresholds
