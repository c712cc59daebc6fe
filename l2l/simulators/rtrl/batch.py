"""RTRL over a batch of sequences: the per-step numpy calls made once for the batch, the products per sequence.

A step of RTRL on one sequence makes dozens of numpy calls besides its
products (the forward pass, the window's bookkeeping, the loss), each on
arrays of n = 64 numbers; on the digits EGRU they cost sparse RTRL about a
third of its time. :class:`BatchRTRL` runs a batch of whole sequences of one
length and makes those calls once for the batch, on arrays of batch x n
numbers: the forward pass of every step (:class:`BatchRecorder`) and the
element-wise bookkeeping, Jacobian columns and loss of all steps
(:func:`prepare_batch`). Then each sequence gets its immediate influences and
its products step by step exactly as in :class:`~l2l.simulators.rtrl.rtrl.RTRL`
(the same code, ``RTRL._apply``, on that sequence's share of the batch), one
sequence after the other on one influence matrix, reused: its memory does not
grow with the batch, and it stays in cache from one sequence to the next.

The gradients are those of one sequence at a time up to rounding (tested to
1e-12): the forward pass multiplies the batch by every column of ``V`` (silent
units send zeros; one matrix product for the batch is cheaper than gathering
each sequence's sending columns, and the forward MACs counted stay those of
the event-based pass), and the loss and the readout gradient are summed in
another order; everything done on the influence matrix is the same operations
on the same operands. Each sequence counts the MACs of the one-sequence rule
(the batch's kernels count per sequence from their operands). Dense and sparse
RTRL are batched alike. The price: the forward steps of the whole batch are
held (batch x T x 12 n numbers), so this is for batches of short sequences
(the digits: 9 steps); long sequences stay with ``RTRL``, whose memory does not
grow with their length.
"""

from __future__ import annotations

from itertools import accumulate

import numpy as np

from l2l.simulators.rtrl import readout as ro
from l2l.simulators.rtrl.bptt import Gradients
from l2l.simulators.rtrl.cells import Cell, Step
from l2l.simulators.rtrl.kernels import Counter
from l2l.simulators.rtrl.rtrl import DEPTH, RTRL
from l2l.simulators.rtrl.window import (RECURRENT_KINDS, SMALLEST_SCALE, Window, _gate_derivatives, _running_scales,
                                        gate_step, immediate_products, pseudo_derivative)

_FIELDS = ("u", "r", "z", "s", "a", "o", "psi", "y", "c", "c_prev", "y_prev")


class BatchRecorder:
    """The forward steps of a window for a batch of sequences, written into preallocated rows: one array
    (batch, window, n) per quantity, so that each sequence's steps are contiguous."""

    def __init__(self, cell: Cell, window: int, batch: int):
        self.cell, self.window, self.batch = cell, window, batch
        self.values = np.zeros((len(_FIELDS), batch, window, cell.n_units))
        self.inputs = np.zeros((batch, window, cell.n_inputs))
        self.targets: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self.targets)

    def clear(self) -> None:
        self.targets = []

    def forward(self, weights, x: np.ndarray, c_prev: np.ndarray, y_prev: np.ndarray,
                targets: np.ndarray) -> np.ndarray:
        """Run one step of every sequence (``x`` (batch, d), state (batch, n)) into the next rows; returns
        each sequence's forward MACs (those of the event-based forward pass: silent units send nothing)."""
        cell, t = self.cell, len(self.targets)
        n, d = cell.n_units, cell.n_inputs
        row = self.values[:, :, t]                              # (fields, batch, n)
        inputs = self.inputs[:, t]
        inputs[...] = x
        q = np.matmul(inputs, weights.W.transpose(0, 2, 1))   # (3, batch, n)
        q += weights.b[:, None, :]
        recurrent = np.matmul(y_prev, weights.V.transpose(0, 2, 1))
        macs = 3 * n * d + 3 * n * np.count_nonzero(y_prev, axis=1) + 3 * n
        macs += gate_step(cell, weights, q, recurrent, row, c_prev)
        row[9] = c_prev
        row[10] = y_prev
        self.targets.append(np.asarray(targets, dtype=np.intp))
        return macs

    def state(self) -> tuple[np.ndarray, np.ndarray]:
        t = len(self.targets) - 1
        return self.values[8, :, t].copy(), self.values[7, :, t].copy()

    def steps(self, weights) -> Step:
        """The window's steps, (batch, L, n) per quantity, with the pseudo-derivative of all of them."""
        length, cell = len(self.targets), self.cell
        u, r, z, s, a, o, psi, y, c, c_prev, y_prev = self.values[:, :, :length]
        pseudo_derivative(cell, weights, a, psi)
        return Step(self.inputs[:, :length], c_prev, y_prev, u, r, z, s, a, o, psi, y, c, macs=0)


class _Sequence:
    """One sequence's running totals while its batch is prepared (loss, readout gradient, counts, MACs)
    and the learner state its first step starts from."""

    def __init__(self, learner: RTRL):
        n = learner.cell.n_units
        self.counter = Counter()
        self.alpha, self.c_theta, self.scale = np.ones(n), np.zeros(n), np.ones(n)
        self.active = np.empty(0, dtype=np.intp) if learner.sparse else np.arange(n)
        self.event_counts = np.zeros(n)
        self.grad_readout = np.zeros_like(learner.readout)
        self.loss, self.hits, self.scored, self.forward_macs = 0.0, 0, 0, 0


class BatchRTRL:
    """:class:`~l2l.simulators.rtrl.rtrl.RTRL` on a batch of whole sequences of one length (the same
    options but ``window``: a batch is one window). :meth:`run` takes inputs (batch, T, d) and targets
    (batch, T) and returns one :class:`Gradients` per sequence, those of ``RTRL`` run on each sequence
    (up to rounding). The sequences' forward steps are recorded for the whole batch (memory
    batch x T x 12 n numbers), then the products run one sequence after the other on one influence
    matrix, reused: its memory does not grow with the batch, and it stays in cache from one sequence
    to the next as in a run of ``RTRL`` sequence after sequence."""

    def __init__(self, cell: Cell, params: np.ndarray, readout: np.ndarray, mask: np.ndarray | None = None,
                 sparse: bool = True, record: bool = False, activity_penalty: float = 0.0,
                 event_budget: int = 0, depth: int = DEPTH):
        self.cell, self.sparse = cell, sparse
        self.learner = RTRL(cell, params, readout, mask=mask, sparse=sparse, record=record,
                            activity_penalty=activity_penalty, event_budget=event_budget, depth=depth,
                            window=1)
        self.weights = self.learner.weights
        self.transposed = np.ascontiguousarray(self.weights.V.transpose(0, 2, 1))   # rows: V's columns
        self.recorder: BatchRecorder | None = None

    def run(self, inputs: np.ndarray, targets: np.ndarray) -> list[Gradients]:
        """Loss and gradients of every sequence of the batch."""
        inputs, targets = np.asarray(inputs, dtype=float), np.asarray(targets)
        size, length = targets.shape
        if self.recorder is None or self.recorder.values.shape[1:3] != (size, length):
            self.recorder = BatchRecorder(self.cell, length, size)
        recorder, learner = self.recorder, self.learner
        recorder.clear()
        sequences = [_Sequence(learner) for _ in range(size)]
        forward_macs = np.zeros(size, dtype=np.int64)
        c = y = np.zeros((size, self.cell.n_units))
        for t in range(length):
            forward_macs += recorder.forward(self.weights, inputs[:, t], c, y, targets[:, t])
            c, y = recorder.state()
        windows = prepare_batch(self, sequences, recorder)
        if learner._compact is not None and learner._compact_steps.shape[0] < length:
            learner._compact_steps = np.empty((length,) + learner._compact.shape)
        results = []
        for sequence, window, count in zip(sequences, windows, forward_macs.tolist()):
            learner.reset()
            learner.counter.macs = sequence.counter.macs
            learner._loss, learner.hits, learner.scored = sequence.loss, sequence.hits, sequence.scored
            learner.grad_readout[...] = sequence.grad_readout
            learner.event_counts = sequence.event_counts
            learner.forward_macs = count
            learner._apply(window, immediate_products(learner.counter, window, learner))
            results.append(learner.result())
        return results


def prepare_batch(batch: BatchRTRL, sequences: list, recorder: BatchRecorder) -> list[Window]:
    """:func:`~l2l.simulators.rtrl.window.prepare` for every sequence of the batch, one numpy call per
    quantity for all of them: each sequence's :class:`Window` (views of the batch's arrays). Each
    sequence's loss, readout gradient, hits, event counts and Jacobian MACs are brought up to date."""
    learners, cell, n = sequences, batch.cell, batch.cell.n_units
    size, length = len(sequences), len(recorder)
    stacked = recorder.steps(batch.weights)                      # (batch, L, n)
    keep = 1.0 - stacked.u
    alphas, c_thetas = np.empty((size, length + 1, n)), np.empty((size, length + 1, n))
    alphas[:, 0] = [learner.alpha for learner in learners]
    c_thetas[:, 0] = [learner.c_theta for learner in learners]
    if cell.events:
        theta_psi = batch.weights.theta * stacked.psi
        np.subtract(1.0, theta_psi, out=alphas[:, 1:])
        np.subtract(theta_psi, stacked.o, out=c_thetas[:, 1:])
        a_psi = stacked.a * stacked.psi
        beta, y_theta = stacked.o + a_psi, -a_psi
    else:
        alphas[:, 1:], c_thetas[:, 1:] = 1.0, 0.0
        beta, y_theta = np.ones((size, length, n)), np.zeros((size, length, n))
    factors = keep * alphas[:, :-1]
    derivatives = _gate_derivatives(stacked, keep)               # (4, batch, L, n)
    thresholds = keep * c_thetas[:, :-1]
    folds = [{} for _ in learners]
    if batch.sparse:
        scales = _batch_scales(np.array([learner.scale for learner in learners]), factors, folds)
        inverse = 1.0 / scales
        thresholds *= inverse
        derivatives *= inverse[None]
        output_factors = beta * scales
    else:
        scales, output_factors = np.ones((size, length, n)), beta
    mask = np.logical_or(stacked.o, stacked.psi)
    counts = mask.sum(axis=2)                                    # (batch, L)
    sequence_of, _, units = np.nonzero(mask)                     # sequence-major, then step, then unit
    per_sequence = np.bincount(sequence_of, minlength=size).tolist()
    starts = [0, *accumulate(per_sequence)]
    dy, scored = _batch_loss_gradients(batch, sequences, stacked, recorder.targets, length)
    columns, coefficient_rows, plans = [], [], []
    for index, learner in enumerate(learners):
        seq_units = units[starts[index]:starts[index + 1]]
        bounds = [0, *accumulate(counts[index].tolist())]
        actives = [seq_units[bounds[t]:bounds[t + 1]] for t in range(length)]
        previous = [learner.active] + actives[:-1] if batch.sparse else [learner.active] * length
        sizes = [p.size for p in previous]
        plans.append((seq_units, bounds, actives, sizes))
        if batch.sparse:
            columns.extend(previous)
            coefficient_rows.append(np.repeat(index * length + np.arange(length), sizes))
    recurrent = derivatives[RECURRENT_KINDS].reshape(3, size * length, n)
    if batch.sparse:
        rows = np.concatenate(coefficient_rows)
        jacobians = Counter.columns_combinations([learner.counter for learner in learners], rows // length,
                                                 recurrent[:, rows], batch.transposed, np.concatenate(columns))
    else:
        jacobians = Counter.diagonal_combinations_of([learner.counter for learner in learners], recurrent,
                                                     batch.weights.V)
    windows, base = [], 0
    for index, (seq_units, bounds, actives, sizes) in enumerate(plans):
        seq_counts = counts[index]
        offsets = [base + offset for offset in accumulate([0] + sizes)]
        base = offsets[-1]
        step_of_row = np.repeat(np.arange(length), seq_counts)
        row_within_step = np.arange(seq_units.size) - np.repeat(bounds[:-1], seq_counts)
        steps = Step(*(getattr(stacked, name)[index] for name in ("x", "c_prev", "y_prev", "u", "r", "z", "s",
                                                                  "a", "o", "psi", "y", "c")), macs=0)
        windows.append(Window(steps, actives, seq_units, bounds, step_of_row, row_within_step, factors[index],
                              scales[index], folds[index], derivatives[:, index], thresholds[index],
                              output_factors[index], y_theta[index], jacobians, offsets, dy[index], scored[index],
                              alphas[index, -1].copy(), c_thetas[index, -1].copy()))
    return windows


def _batch_scales(scale: np.ndarray, factors: np.ndarray, folds: list) -> np.ndarray:
    """The row scales of every sequence after each step (``scale`` (batch, n), ``factors`` (batch, L, n))."""
    scales = np.cumprod(np.concatenate([scale[:, None], factors], axis=1), axis=1)[:, 1:]
    size = np.abs(scales)
    if size.min() >= SMALLEST_SCALE and size.max() <= 1.0 / SMALLEST_SCALE:
        return scales
    for index in range(scale.shape[0]):                 # rare: the sequences step by step, folding
        scales[index] = _running_scales(scale[index], factors[index], folds[index])
    return scales


def _batch_loss_gradients(batch: BatchRTRL, sequences: list, stacked: Step, targets: list, length: int):
    """dL/dy of every sequence and step (batch, L, n) and whether each step is scored; each sequence's
    loss, readout gradient, hits and event counts updated (the readout's arithmetic, for all scored
    steps of the batch at once)."""
    learner, n, size = batch.learner, batch.cell.n_units, len(sequences)
    dy = np.zeros((size, length, n))
    labels = np.stack(targets, axis=1)                           # (batch, L)
    owners, steps = np.nonzero(labels >= 0)
    losses = np.zeros((size, length))
    if owners.size:
        w_out, b_out = ro.split(learner.readout, n)
        y = stacked.y[owners, steps]                             # (scored, n)
        scores = y @ w_out.T + b_out
        classes = labels[owners, steps]
        hits = np.bincount(owners, scores.argmax(axis=1) == classes, minlength=size)
        scores -= scores.max(axis=1, keepdims=True)
        chosen = np.arange(owners.size)
        target_scores = scores[chosen, classes]                  # (a copy: the exponentials overwrite scores)
        probabilities = np.exp(scores, out=scores)
        totals = probabilities.sum(axis=1, keepdims=True)
        probabilities /= totals
        losses[owners, steps] = ro.target_nll(probabilities[chosen, classes], totals[:, 0], target_scores)
        probabilities[chosen, classes] -= 1.0                    # the loss's gradient w.r.t. the scores
        dy[owners, steps] = probabilities @ w_out
        for index, sequence in enumerate(sequences):
            mine = owners == index
            grad_w, grad_b = ro.split(sequence.grad_readout, n)
            grad_w += probabilities[mine].T @ y[mine]
            grad_b += probabilities[mine].sum(axis=0)
            sequence.hits += int(hits[index])
            sequence.scored += int(mine.sum())
    penalty = learner.activity_penalty
    if penalty:
        counts = np.array([sequence.event_counts for sequence in sequences])[:, None] \
            + np.cumsum(stacked.o, axis=1)
        excess = penalty * (counts > learner.event_budget)
        losses += np.einsum("bln,bln->bl", excess, stacked.y)
        dy += excess
        for index, sequence in enumerate(sequences):
            sequence.event_counts = counts[index, -1].copy()
    for index, sequence in enumerate(sequences):
        sequence.loss += float(losses[index].sum())
    scored = [[True] * length] * size if penalty else (labels >= 0).tolist()
    return dy, scored


def rtrl_batch(cell: Cell, params: np.ndarray, readout: np.ndarray, inputs: np.ndarray, targets: np.ndarray,
               mask: np.ndarray | None = None, sparse: bool = True, record: bool = False,
               activity_penalty: float = 0.0, event_budget: int = 0, depth: int = DEPTH) -> list[Gradients]:
    """Loss and gradient of each of a batch of sequences (``inputs`` (batch, T, d), ``targets``
    (batch, T)) by RTRL (see :class:`BatchRTRL`)."""
    return BatchRTRL(cell, params, readout, mask=mask, sparse=sparse, record=record,
                     activity_penalty=activity_penalty, event_budget=event_budget,
                     depth=depth).run(inputs, targets)
