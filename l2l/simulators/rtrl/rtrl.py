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
is read. The immediate influences of an unpruned network are kept apart, one
row of B = 3 (d + n + 1) + 1 entries per unit (running sums, in S's units), and
added only to the active rows when they are read; S holds the propagated part
(a folded row, or :meth:`RTRL.influence_matrix`, merges them back).

Every step runs the forward pass at once; the learning rule's work waits until
``window`` steps (default 16) are pending, or until the gradient, the loss, the
MACs or the influence matrix are read: then the element-wise bookkeeping of all
pending steps is done with one numpy call per quantity (:mod:`.window`), and
the products on ``S`` step by step in the same order (the same numbers as one
step at a time; memory grows with the window, not with the sequence). A reset
does not zero ``S``: the first product to all its rows overwrites it (BLAS
beta = 0). The dense rule runs the textbook equations over every row and
column, with the same kernels, window and reset (its immediate influences are
added through strided views of S: it reads every row anyway).
:mod:`.batch` runs a batch of sequences through each numpy call.

Activity regularization (``activity_penalty`` c, ``event_budget`` m): the loss
gains ``c * y_i`` for every event of unit i beyond its first m in the sequence
(m = 0: an L1 penalty on all outputs). Units within their budget are left
alone, so the penalty thins busy units instead of silencing idle ones. The
indicator is treated as a constant; the gradient flows through ``y``, so only
active rows contribute.

Memory: ``S`` (n x P'), dense: ``Y`` (n x P'); sparse: the stack ((depth + n)
x P', ``Y`` lives in it), the gathered rows (k_max x P') and the kept-apart
immediate influences ((window + 1) x n x B); the gradient (P'); the window's
forward steps (window x 11 n) -- independent of the sequence length. MACs are counted by the
kernels (:mod:`.kernels`) from the operands they multiply; :mod:`.macs` holds
the analytic model they are tested against.
"""

from __future__ import annotations

import numpy as np

from l2l.simulators.rtrl.bptt import Gradients
from l2l.simulators.rtrl.cells import Cell, initial_state
from l2l.simulators.rtrl.deferred import DeferredRows
from l2l.simulators.rtrl.kernels import Counter
from l2l.simulators.rtrl.window import Recorder, compact_columns, immediate_products, immediate_views, prepare

#: Block rows stacked before sparse RTRL propagates them to every row (measured fastest on the digits EGRU:
#: ``benchmarks/rtrl_depth.py``).
DEPTH = 4

#: Steps whose learning-rule work is done together (:mod:`.window`; measured on the digits EGRU:
#: ``benchmarks/rtrl_depth.py``).
WINDOW = 16


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
                 activity_penalty: float = 0.0, event_budget: int = 0, depth: int = DEPTH,
                 window: int = WINDOW):
        self.cell, self.params, self.readout, self.sparse = cell, params, readout, sparse
        self.depth = depth
        self.window = max(int(window), 1)
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
        """Learning-rule multiply-accumulates performed so far (counted by the kernels; completes the
        pending steps)."""
        self._complete()
        return self.counter.macs

    @property
    def loss(self) -> float:
        """The sequence's loss so far (completes the pending steps)."""
        self._complete()
        return self._loss

    @property
    def rescaled_rows(self) -> int:
        """Sparse rows folded back into the stored matrix so far (completes the pending steps)."""
        self._complete()
        return self._rescaled_rows

    def reset(self) -> None:
        """Start a new sequence: zero state, influence, gradient and counters (the large arrays are
        reused: a learner reset for every sequence does not allocate them again)."""
        n, p = self.cell.n_units, self.n_columns
        self.c, self.y = initial_state(self.cell)
        if getattr(self, "influence", None) is None:
            self.influence = np.zeros((n, p))    # S: the influence matrix is diag(scale) S
            self._views = immediate_views(self.cell, self.influence) if p == self.cell.n_params else None
            self._compact = None
            if self.sparse and self._views is not None:    # immediate influences kept apart, per unit
                self._columns_of_unit = compact_columns(self.cell)               # (n, B)
                self._compact = np.zeros(self._columns_of_unit.shape)
                self._compact_steps = np.empty((self.window,) + self._compact.shape)
            self.counter = Counter()
            if self.sparse:
                self.pending = DeferredRows(n, p, self.counter, self.depth)
            else:
                self._output = np.empty((n, p))   # Y_t, overwritten in place every step
        else:
            self.counter.macs = 0
            if self._compact is not None:
                self._compact.fill(0.0)
        # S is not zeroed: the first product to all its rows overwrites it (BLAS beta = 0; sparse: rows
        # read before it are zeros; dense: step 0's, Y_{-1} = 0); anything else reading S zeroes it first
        if self.sparse:
            self.pending.reset(zero=True)
        else:
            self._output.fill(0.0)                # Y_{-1} = 0
            self._zero_influence = True
        if getattr(self, "_recorder", None) is None:
            self._recorder = Recorder(self.cell, self.window)   # forward steps whose learning-rule work is pending
        self._recorder.clear()
        self.scale = np.ones(n)
        self.active = np.empty(0, dtype=np.intp) if self.sparse else np.arange(n)
        self.alpha = np.ones(n)
        self.c_theta = np.zeros(n)
        self.event_counts = np.zeros(n)
        self.grad = np.zeros(p)
        self.grad_readout = np.zeros_like(self.readout)
        self._loss, self.forward_macs = 0.0, 0
        self.steps = self.active_total = self.hits = self.scored = self._rescaled_rows = 0
        self.active_counts: list[int] = []

    def _materialize(self) -> None:
        """Zero S if it is only taken as zero (see :meth:`reset`)."""
        if self.sparse:
            self.pending.materialize(self.influence)
        elif self._zero_influence:
            self.influence.fill(0.0)
            self._zero_influence = False

    def influence_matrix(self) -> np.ndarray:
        """``M_t = da_t/dw`` over the propagated columns (a copy; completes pending steps and deferred
        rows)."""
        self._complete()
        if self.sparse:
            self.pending.flush(self.influence)
        self._materialize()
        if self.sparse:
            self._merge(np.arange(self.cell.n_units))
        return self.scale[:, None] * self.influence

    def _merge(self, rows: np.ndarray) -> None:
        """Add the kept-apart immediate influences of ``rows`` into the stored matrix (sparse, unpruned)."""
        if self._compact is None or not rows.size:
            return
        flat = self.influence.reshape(-1)
        positions = rows[:, None] * self.n_columns + self._columns_of_unit[rows]
        values = flat.take(positions, mode="clip")
        values += self._compact[rows]
        flat.put(positions, values)
        self._compact[rows] = 0.0

    def step(self, x: np.ndarray, target: int = -1) -> None:
        """Advance one time step; accumulate the loss gradient if ``target >= 0``. The forward pass runs
        now; the learning rule's work waits until ``window`` steps are pending (or the gradient, the
        influence matrix, the loss or the MACs are read)."""
        self.forward_macs += self._recorder.forward(self.weights, x, self.c, self.y, target)
        self.c, self.y = self._recorder.state()
        if len(self._recorder) >= self.window:
            self._complete()

    def _complete(self) -> None:
        """Do the learning-rule work of the pending steps: their element-wise bookkeeping at once
        (:mod:`.window`), then the products on the influence matrix step by step."""
        if not len(self._recorder):
            return
        window = prepare(self, self._recorder)
        self._recorder.clear()
        self._apply(window, immediate_products(self.counter, window, self))

    def _apply(self, window, immediate: tuple) -> None:
        """The products on the influence matrix of a prepared window (:func:`.window.prepare`), step by
        step, and the learner's state after it (also called by :class:`.batch.BatchRTRL` with one
        sequence's share of a batch's window)."""
        counter, influence, sparse, events = self.counter, self.influence, self.sparse, self.cell.events
        compact = self._compact
        if sparse and compact is None:       # immediate influences added into S: it must hold zeros
            self._materialize()
        flat = influence.reshape(-1)                              # a view: S is C-ordered
        everyone = np.arange(self.cell.n_units)
        active = self.active
        if sparse:
            rows_of = _RowsOfWindow(self, window, immediate)
        reordered = None                     # the last step's rows, if the deferred read reordered them
        for t, units in enumerate(window.actives):
            if sparse and t in window.folds:                      # a row scale left the safe range
                rows, values = window.folds[t]
                self._materialize()
                self.pending.read(influence, rows)
                self._merge(rows)
                counter.scale_rows(influence, values, rows)
                self._rescaled_rows += int(rows.size)
            elif not sparse:
                counter.scale_rows(influence, window.factors[t])
            start, end = window.offsets[t], window.offsets[t + 1]
            if end > start:                                       # Jy_t Y_{t-1}
                jacobian = window.jacobians[:, start:end]
                if reordered is not None:
                    jacobian = jacobian[:, reordered]
                if sparse:
                    self.pending.push(jacobian)                   # times Y_{t-1}, staged in the stack
                else:
                    counter.add_product(influence, jacobian, self._output, overwrite=self._zero_influence)
                    self._zero_influence = False
            if compact is not None:                               # sparse, unpruned: kept apart per unit
                if not rows_of.cumulative:                        # (else: running sums of the window's)
                    rows_of.add_immediate(t)
            elif self._views is not None:                         # dense, unpruned: strided views
                inputs, recurrent, biases, thresholds = self._views
                inputs += immediate[0][t]
                recurrent += immediate[1][t]
                biases += immediate[2][t]
                if events:
                    thresholds += window.thresholds[t]
            else:
                values = flat.take(self._immediate_flat, mode="clip")
                values += immediate[0][t]
                flat.put(self._immediate_flat, values)
                if events:
                    values = flat.take(self._threshold_flat, mode="clip")
                    values += window.thresholds[t]
                    flat.put(self._threshold_flat, values)
            reordered = None
            if sparse:
                output_influence = self.pending.stage(influence, int(units.size))
                if self.pending.top:                              # deferred rows: bring them up to date
                    active, rows = self.pending.read(influence, units)
                    reordered = np.searchsorted(units, active)
                elif self.pending.zero:                           # S is zero: so are its rows
                    active, rows = units, output_influence
                    rows.fill(0.0)
                else:                                             # gather straight into the stack
                    active = units
                    rows = np.take(influence, units, axis=0, out=output_influence, mode="clip")
                rows_of.output(t, rows, output_influence, active, reordered)
            else:
                counter.scaled_into(self._output, influence, window.output_factors[t])
                if events:
                    self._output[everyone, self._threshold_position] += window.y_theta[t]
                if window.scored[t]:
                    self.grad += counter.vector_matrix(window.dy[t], self._output)
                active = everyone
        self.active = active
        self.active_total += int(window.units.size)
        if self.record:
            self.active_counts.extend(units.size for units in window.actives)
        self.scale = window.scales[-1].copy()
        self.alpha, self.c_theta = window.alpha, window.c_theta
        self.steps += len(window.actives)

    def state_nbytes(self) -> int:
        """Bytes of the learning state (influence, its buffer, output influence, gradient)."""
        buffer = self.pending.nbytes if self.sparse else self._output.nbytes
        return self.influence.nbytes + buffer + self.grad.nbytes

    def result(self) -> Gradients:
        """The sequence's loss and gradients so far; completes the deferred rows (counted: the MACs of
        a finished sequence are those of the eager rule)."""
        self._complete()
        if self.sparse:
            self.pending.flush(self.influence)
        grad = np.zeros(self.cell.n_params)
        grad[self.columns] = self.grad
        return Gradients(self._loss, grad, self.grad_readout.copy(), self.macs, self.forward_macs,
                         self.steps, self.active_total, self.hits, self.scored,
                         list(self.active_counts))


class _RowsOfWindow:
    """Sparse RTRL's work on the active rows of a window's steps, with the indices and factors gathered
    for all steps at once (one entry per step and active unit, in step order)."""

    def __init__(self, learner: RTRL, window, immediate: tuple):
        self.learner, self.window = learner, window
        units, step, within = window.units, window.step_of_row, window.row_within_step
        p, n = learner.n_columns, learner.cell.n_units
        entry = step * n + units                                  # (step, unit) in the (L, n) arrays
        self.factors = window.output_factors.take(entry)
        self.y_theta = window.y_theta.take(entry)
        if learner.cell.events:
            self.threshold_positions = within * p + learner._threshold_position[units]
        self.dy = window.dy.take(entry)
        self.compact = learner._compact
        if self.compact is not None:
            self.block = immediate[0]
            self.cumulative = not window.folds          # no row folded: running sums of the blocks at once
            if self.cumulative:
                self.block[0] += self.compact
                for t in range(1, self.block.shape[0]):   # (np.cumsum along the steps is far slower)
                    self.block[t] += self.block[t - 1]
                self.compact[...] = self.block[-1]
                self.compact_values = self.block.reshape(-1, self.block.shape[2]).take(entry, axis=0)  # (rows, B)
            self.compact_positions = within[:, None] * p + learner._columns_of_unit[units]

    def add_immediate(self, t: int) -> None:
        self.compact += self.block[t]

    def output(self, t: int, rows: np.ndarray, output_influence: np.ndarray, active: np.ndarray,
               reordered) -> None:
        """``Y_t``: the active rows (``rows``, brought up to date) with their immediate influences, scaled
        by ``beta`` and the row scales into ``output_influence``, plus the threshold terms; the gradient."""
        learner, window = self.learner, self.window
        p = learner.n_columns
        start, end = window.bounds[t], window.bounds[t + 1]
        entries = slice(start, end) if reordered is None else start + reordered
        if self.compact is not None:
            flat_rows = rows.reshape(-1)
            if reordered is None:
                positions = self.compact_positions[entries]
            else:
                positions = np.arange(active.size)[:, None] * p + learner._columns_of_unit[active]
            if self.cumulative:
                flat_rows[positions] += self.compact_values[entries]
            else:
                flat_rows[positions] += self.compact[active]
        learner.counter.scaled_into(output_influence, rows, self.factors[entries])
        if learner.cell.events:
            if reordered is None:
                threshold_positions = self.threshold_positions[entries]
            else:                                     # the deferred read put the rows in another order
                threshold_positions = np.arange(active.size) * p + learner._threshold_position[active]
            output_influence.reshape(-1)[threshold_positions] += self.y_theta[entries]
        if window.scored[t]:
            learner.grad += learner.counter.vector_matrix(self.dy[entries], output_influence)


def rtrl(cell: Cell, params: np.ndarray, readout: np.ndarray, inputs: np.ndarray,
         targets: np.ndarray, mask: np.ndarray | None = None, sparse: bool = True,
         record: bool = False, activity_penalty: float = 0.0, event_budget: int = 0) -> Gradients:
    """Loss and gradient of one sequence by RTRL (see :class:`RTRL`)."""
    learner = RTRL(cell, params, readout, mask=mask, sparse=sparse, record=record,
                   activity_penalty=activity_penalty, event_budget=event_budget)
    for x, target in zip(inputs, targets):
        learner.step(x, int(target))
    return learner.result()
