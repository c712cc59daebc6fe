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

What a sparse step costs follows its active units. It stores
``M = diag(scale) S`` and decays by multiplying the n scales (no pass over
the matrix; additions to a row are divided by its scale; a row whose scale
leaves [1e-100, 1e100] is folded back into ``S``, counted). ``Y_t`` is formed
from the k_t gathered active rows straight into the stack of
:mod:`.deferred`; the propagation ``Jy Y_{t-1}`` (n k_{t-1} P' MACs) is done by
in-place BLAS products (``S += J Y``, no temporary): to every row at once
as soon as ``depth`` block rows are stacked (default 4, which measured
fastest; depth 1 propagates every step), in between to a row when its unit
is read.
The immediate influence of an unpruned network is added through strided views
(no index arrays). The dense rule runs the textbook equations over every row
and column, with the same kernels.

Activity regularization (``activity_penalty`` c, ``event_budget`` m): the loss
gains ``c * y_i`` for every event of unit i beyond its first m in the sequence
(m = 0: an L1 penalty on all outputs). Units within their budget are left
alone, so the penalty thins busy units instead of silencing idle ones. The
indicator is treated as a constant; the gradient flows through ``y``, so only
active rows contribute.

Memory: ``S`` (n x P'), dense: ``Y`` (n x P'); sparse: the stack ((depth + n)
x P', ``Y`` lives in it) and the gathered rows (k_max x P'); the gradient
(P') -- independent of the sequence length. MACs are counted by the
kernels (:mod:`.kernels`) from the operands they multiply; :mod:`.macs` holds
the analytic model they are tested against.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from l2l.simulators.rtrl import readout as ro
from l2l.simulators.rtrl.bptt import Gradients
from l2l.simulators.rtrl.cells import (Cell, event_derivatives, forward,
                                       gate_derivatives, initial_state)
from l2l.simulators.rtrl.deferred import DeferredRows
from l2l.simulators.rtrl.kernels import Counter

#: Block rows stacked before sparse RTRL propagates them to every row (measured fastest on the digits EGRU:
#: ``benchmarks/rtrl_depth.py``).
DEPTH = 4

RECURRENT_KINDS = [0, 1, 3]   # rows of the gate derivatives that multiply y' in V_u, V_r, V_z

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
    ``depth`` (sparse): stacked block rows that trigger the propagation to every row (see above).
    """

    def __init__(self, cell: Cell, params: np.ndarray, readout: np.ndarray,
                 mask: np.ndarray | None = None, sparse: bool = True, record: bool = False,
                 activity_penalty: float = 0.0, event_budget: int = 0, depth: int = DEPTH):
        self.cell, self.params, self.readout, self.sparse = cell, params, readout, sparse
        self.depth = depth
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
        # positions in the flattened influence matrix: immediate influences and threshold entries
        self._immediate_flat = self._immediate_owner * self.columns.size + self._immediate_position
        self._threshold_flat = np.arange(self._threshold_position.size) * self.columns.size \
            + self._threshold_position
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
            self._views = _immediate_views(self.cell, self.influence) if p == self.cell.n_params else None
            self.counter = Counter()
            if self.sparse:
                self.pending = DeferredRows(n, p, self.counter, self.depth)
            else:
                self._output = np.empty((n, p))   # Y_t, overwritten in place every step
        else:
            self.influence.fill(0.0)
            self.counter.macs = 0
            if self.sparse:
                self.pending.reset()
        if not self.sparse:
            self._output.fill(0.0)                # Y_{-1} = 0
        self.scale = np.ones(n)
        self.active = np.empty(0, dtype=np.intp) if self.sparse else np.arange(n)
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
            self.pending.read(self.influence, rows)
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
        flat = influence.reshape(-1)                              # a view: S is C-ordered
        if cell.events:                                           # O(n), not counted
            if self._views is not None:
                thresholds = self._views[3]
                thresholds += keep * self.c_theta * inverse
            else:
                values = flat.take(self._threshold_flat, mode="clip")
                values += keep * self.c_theta * inverse
                flat.put(self._threshold_flat, values)
        derivatives = gate_derivatives(step) * inverse          # rows of S, not of M
        previous = self.active
        if previous.size:
            jacobian = counter.columns_combination(derivatives[RECURRENT_KINDS], weights.V, previous)
            if self.sparse:
                self.pending.push(jacobian)                       # times Y_{t-1}, staged in the stack
            else:
                counter.add_product(influence, jacobian, self._output)
        if self._views is not None:                               # unpruned: strided views, no indices
            inputs, recurrent, biases, _ = self._views
            counter.add_outer(inputs, derivatives[:3], x)
            counter.add_outer(recurrent, derivatives[RECURRENT_KINDS], step.y_prev)   # V_z acts through g_s
            counter.add_outer(biases, derivatives[:3], 1.0)      # presynaptic value 1
        else:
            presynaptic = np.concatenate([x, step.y_prev, [1.0]])
            counter.scatter_products(flat, self._immediate_flat,
                                     derivatives.ravel()[self._immediate_derivative],
                                     presynaptic[self._immediate_source])

        alpha, beta, c_theta, y_theta = event_derivatives(cell, weights, step)
        units = step.active
        if self.sparse:
            output_influence = self.pending.stage(influence, int(units.size))
            if self.pending.top:                                  # deferred rows: bring them up to date
                active, rows = self.pending.read(influence, units)
            else:                                                 # gather straight into the stack
                active = units
                rows = np.take(influence, units, axis=0, out=output_influence, mode="clip")
        else:
            output_influence, active, rows = self._output, np.arange(n), influence
        counter.scaled_into(output_influence, rows, beta[active] * self.scale[active])
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
            self.grad += counter.vector_matrix(dy[active], output_influence)
        self.active = active
        self.alpha, self.c_theta = alpha, c_theta
        self.c, self.y = step.c, step.y
        self.steps += 1
        self.active_total += int(units.size)
        if self.record:
            self.active_counts.append(int(units.size))

    def state_nbytes(self) -> int:
        """Bytes of the learning state (influence, its buffer, output influence, gradient)."""
        buffer = self.pending.nbytes if self.sparse else self._output.nbytes
        return self.influence.nbytes + buffer + self.grad.nbytes

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


def _immediate_views(cell: Cell, influence: np.ndarray) -> tuple:
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


def rtrl(cell: Cell, params: np.ndarray, readout: np.ndarray, inputs: np.ndarray,
         targets: np.ndarray, mask: np.ndarray | None = None, sparse: bool = True,
         record: bool = False, activity_penalty: float = 0.0, event_budget: int = 0) -> Gradients:
    """Loss and gradient of one sequence by RTRL (see :class:`RTRL`)."""
    learner = RTRL(cell, params, readout, mask=mask, sparse=sparse, record=record,
                   activity_penalty=activity_penalty, event_budget=event_budget)
    for x, target in zip(inputs, targets):
        learner.step(x, int(target))
    return learner.result()
