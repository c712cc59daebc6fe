"""Real-time recurrent learning, dense and sparse, exact.

The influence matrix ``M_t = da_t/dw`` (units x parameters) is carried forward::

    M_t = diag((1 - u_t) * alpha_{t-1}) M_{t-1} + Jy_t Y_{t-1} + Mbar_t
    Y_t = dy_t/dw = diag(beta_t) M_t + (threshold terms)

with ``alpha = dc/da``, ``beta = dy/da`` and ``Jy_t = da_t/dy_{t-1}``. Units talk
only through ``y``, so ``Y_t`` has non-zero rows only for *active* units (an
event or a non-zero pseudo-derivative); the sparse rule multiplies only those
rows, and keeps only the columns of unpruned parameters (a pruned column stays
zero forever: its immediate influence is zero and ``J`` mixes rows, not
columns). Neither shortcut drops a non-zero term, so the sparse gradient equals
the dense one and BPTT's up to rounding.

The sparse rule makes no per-step pass over all rows of ``M``: it stores
``M = diag(scale) S`` and decays by multiplying the n scales (additions to a
row are divided by its scale; a row whose scale leaves [1e-100, 1e100] is
folded back into ``S``, counted), and it defers the propagation
``Jy Y_{t-1}`` (:mod:`.deferred`): a row is brought up to date when its unit
is active, all rows once per window of about n / k steps. The MACs stay
``n k_{t-1} P'`` per step, now done as few large products. :meth:`RTRL.result`
completes every row. The dense rule runs the textbook equations over every
row and column.

Activity regularization (``activity_penalty`` c, ``event_budget`` m): the loss
gains ``c * y_i`` for every event of unit i beyond its first m in the sequence
(m = 0: an L1 penalty on all outputs). Units within their budget are left
alone, so the penalty thins busy units instead of silencing idle ones. The
indicator is treated as a constant; the gradient flows through ``y``, so only
active rows contribute.

Memory: ``S`` (n x P'), one n x P' buffer (dense: a product temporary;
sparse: the stack of deferred blocks), ``Y`` (k x P') and the gradient (P')
-- independent of the sequence length. MACs are counted by the
kernels (:mod:`.kernels`) from the operands they multiply; :mod:`.macs` holds
the analytic model they are tested against.
"""

from __future__ import annotations

import numpy as np

from l2l.simulators.rtrl import readout as ro
from l2l.simulators.rtrl.bptt import Gradients
from l2l.simulators.rtrl.cells import (Cell, event_derivatives, forward,
                                       gate_derivatives, initial_state)
from l2l.simulators.rtrl.deferred import DeferredRows
from l2l.simulators.rtrl.kernels import Counter

#: A sparse row whose scale leaves [SMALLEST_SCALE, 1 / SMALLEST_SCALE] is folded into the stored matrix.
SMALLEST_SCALE = 1e-100


class RTRL:
    """Online gradient of a sequence loss for fixed parameters.

    ``mask`` (bool, per flat parameter) marks unpruned parameters; with
    ``sparse=True`` only their columns and only active rows are propagated.
    Call :meth:`reset`, then :meth:`step` once per time step, then
    :meth:`result`. ``record=True`` keeps the active count of every step (a
    list that grows with the sequence; off by default so that memory does not).
    ``activity_penalty`` (>= 0) and ``event_budget`` (>= 0): see the module docstring.
    """

    def __init__(self, cell: Cell, params: np.ndarray, readout: np.ndarray,
                 mask: np.ndarray | None = None, sparse: bool = True, record: bool = False,
                 activity_penalty: float = 0.0, event_budget: int = 0):
        self.cell, self.params, self.readout, self.sparse = cell, params, readout, sparse
        self.record = record
        self.activity_penalty = float(activity_penalty) if cell.events else 0.0
        self.event_budget = int(event_budget)
        self.weights = cell.views(params)
        if sparse and mask is not None:
            self.columns = np.flatnonzero(mask)
        else:
            self.columns = np.arange(cell.n_params)
        owner, kind, source = (a[self.columns] for a in cell.column_structure())
        local = kind >= 0
        self._immediate_position = np.flatnonzero(local)
        self._immediate_owner = owner[local]
        self._immediate_derivative = kind[local] * cell.n_units + owner[local]
        self._immediate_source = source[local]
        threshold = np.flatnonzero(kind < 0)
        self._threshold_position = threshold[np.argsort(owner[threshold])]
        self.reset()

    @property
    def n_columns(self) -> int:
        return self.columns.size

    @property
    def n_immediate(self) -> int:
        return self._immediate_position.size

    @property
    def macs(self) -> int:
        """Learning-rule multiply-accumulates performed so far (counted by the kernels)."""
        return self.counter.macs

    def reset(self) -> None:
        """Start a new sequence: zero state, influence, gradient and counters (the large arrays are
        reused: a learner reset for every sequence does not allocate them again)."""
        n, p = self.cell.n_units, self.n_columns
        self.c, self.y = initial_state(self.cell)
        if getattr(self, "influence", None) is None:
            self.influence = np.zeros((n, p))    # S: the influence matrix is diag(scale) S
            self.counter = Counter()
            if self.sparse:
                self.pending = DeferredRows(n, p, self.counter)
            else:
                self._buffer = np.empty((n, p))
        else:
            self.influence.fill(0.0)
            self.counter.macs = 0
            if self.sparse:
                self.pending.reset()
        self.scale = np.ones(n)
        self.active = np.empty(0, dtype=int) if self.sparse else np.arange(n)
        self.output_influence = np.zeros((self.active.size, p))
        self.alpha = np.ones(n)
        self.c_theta = np.zeros(n)
        self.event_counts = np.zeros(n)
        self.grad = np.zeros(p)
        self.grad_readout = np.zeros_like(self.readout)
        self.loss, self.forward_macs = 0.0, 0
        self.steps = self.active_total = self.hits = self.scored = self.rescaled_rows = 0
        self.active_counts: list[int] = []

    def influence_matrix(self) -> np.ndarray:
        """``M_t = da_t/dw`` over the propagated columns (a copy; completes deferred rows)."""
        if self.sparse:
            self.pending.flush(self.influence)
        return self.scale[:, None] * self.influence

    def _decay(self, factors: np.ndarray) -> None:
        if not self.sparse:
            self.counter.scale_rows(self.influence, factors)
            return
        self.scale *= factors
        size = np.abs(self.scale)
        rows = np.flatnonzero((size < SMALLEST_SCALE) | (size > 1.0 / SMALLEST_SCALE))
        if rows.size:
            self.pending.apply(self.influence, rows)
            self.counter.scale_rows(self.influence, self.scale[rows], rows)
            self.scale[rows] = 1.0
            self.rescaled_rows += int(rows.size)

    def step(self, x: np.ndarray, target: int = -1) -> None:
        """Advance one time step; accumulate the loss gradient if ``target >= 0``."""
        cell, weights, counter = self.cell, self.weights, self.counter
        n = cell.n_units
        step = forward(cell, weights, x, self.c, self.y)
        self.forward_macs += step.macs
        keep = 1.0 - step.u
        self._decay(keep * self.alpha)
        inverse = 1.0 / self.scale
        influence = self.influence
        if cell.events:
            influence[np.arange(n), self._threshold_position] += keep * self.c_theta * inverse
        derivatives = gate_derivatives(step) * inverse          # rows of S, not of M
        previous = self.active
        if previous.size:
            jacobian = counter.columns_combination(
                (derivatives[0], derivatives[1], derivatives[3]), tuple(weights.V), previous)
            if self.sparse:
                self.pending.push(influence, jacobian, self.output_influence)
            else:
                counter.add_product(influence, jacobian, self.output_influence, self._buffer)
        presynaptic = np.concatenate([x, step.y_prev, [1.0]])
        counter.scatter_products(influence, self._immediate_owner, self._immediate_position,
                                 derivatives.ravel()[self._immediate_derivative],
                                 presynaptic[self._immediate_source])

        alpha, beta, c_theta, y_theta = event_derivatives(cell, weights, step)
        active = step.active if self.sparse else np.arange(n)
        if self.sparse:
            self.pending.apply(influence, active)
        rows = influence[active]
        row_scale = self.scale[active]
        output_influence = counter.scaled(rows, beta[active] * row_scale)
        threshold_columns = self._threshold_position[active] if cell.events else active[:0]
        if cell.events:
            output_influence[np.arange(active.size), threshold_columns] += y_theta[active]
        dy = np.zeros(n)
        if target >= 0:
            loss, dy, grad_readout = ro.loss_and_gradients(self.readout, step.y, int(target))
            self.loss += loss
            self.grad_readout += grad_readout
            self.hits += int(np.argmax(ro.logits(self.readout, step.y))) == int(target)
            self.scored += 1
        if self.activity_penalty:
            self.event_counts += step.o
            excess = self.activity_penalty * (self.event_counts > self.event_budget)
            self.loss += float(excess @ step.y)
            dy = dy + excess
        if target >= 0 or self.activity_penalty:
            self.grad += counter.vector_matrix(dy[active] * beta[active] * row_scale, rows)
            if cell.events:
                self.grad[threshold_columns] += dy[active] * y_theta[active]
        self.output_influence, self.active = output_influence, active
        self.alpha, self.c_theta = alpha, c_theta
        self.c, self.y = step.c, step.y
        self.steps += 1
        self.active_total += int(step.active.size)
        if self.record:
            self.active_counts.append(int(step.active.size))

    def state_nbytes(self) -> int:
        """Bytes of the learning state (influence, its buffer, output influence, gradient)."""
        buffer = self.pending.blocks.nbytes + self.pending.coefficients.nbytes if self.sparse else self._buffer.nbytes
        return self.influence.nbytes + buffer + self.output_influence.nbytes + self.grad.nbytes

    def result(self) -> Gradients:
        """The sequence's loss and gradients so far; completes the deferred rows (counted: the MACs of
        a finished sequence are those of the eager rule)."""
        if self.sparse:
            self.pending.flush(self.influence)
        grad = np.zeros(self.cell.n_params)
        grad[self.columns] = self.grad
        return Gradients(self.loss, grad, self.grad_readout.copy(), self.macs, self.forward_macs,
                         self.steps, self.active_total, self.hits, self.scored,
                         list(self.active_counts))


def rtrl(cell: Cell, params: np.ndarray, readout: np.ndarray, inputs: np.ndarray,
         targets: np.ndarray, mask: np.ndarray | None = None, sparse: bool = True,
         record: bool = False, activity_penalty: float = 0.0, event_budget: int = 0) -> Gradients:
    """Loss and gradient of one sequence by RTRL (see :class:`RTRL`)."""
    learner = RTRL(cell, params, readout, mask=mask, sparse=sparse, record=record,
                   activity_penalty=activity_penalty, event_budget=event_budget)
    for x, target in zip(inputs, targets):
        learner.step(x, int(target))
    return learner.result()
