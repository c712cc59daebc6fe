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
the dense one and BPTT's up to rounding. The dense rule runs the same
equations over every row and column.

Memory: ``M`` (n x P'), ``Y`` (k x P') and the gradient (P') -- independent of
the sequence length. MACs are counted as the code runs; ``l2l.simulators.rtrl.macs``
holds the analytic model they must match.
"""

from __future__ import annotations

import numpy as np

from l2l.simulators.rtrl import readout as ro
from l2l.simulators.rtrl.bptt import Gradients
from l2l.simulators.rtrl.cells import (Cell, event_derivatives, forward,
                                       gate_derivatives, initial_state)


class RTRL:
    """Online gradient of a sequence loss for fixed parameters.

    ``mask`` (bool, per flat parameter) marks unpruned parameters; with
    ``sparse=True`` only their columns and only active rows are propagated.
    Call :meth:`reset`, then :meth:`step` once per time step, then
    :meth:`result`. ``record=True`` keeps the active count of every step (a
    list that grows with the sequence; off by default so that memory does not).
    """

    def __init__(self, cell: Cell, params: np.ndarray, readout: np.ndarray,
                 mask: np.ndarray | None = None, sparse: bool = True, record: bool = False):
        self.cell, self.params, self.readout, self.sparse = cell, params, readout, sparse
        self.record = record
        self.weights = cell.views(params)
        n = cell.n_units
        if sparse and mask is not None:
            self.columns = np.flatnonzero(mask)
        else:
            self.columns = np.arange(cell.n_params)
        owner, kind, source = (a[self.columns] for a in cell.column_structure())
        local = kind >= 0
        self._immediate_position = np.flatnonzero(local)
        self._immediate_owner = owner[local]
        self._immediate_derivative = kind[local] * n + owner[local]
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

    def reset(self) -> None:
        """Start a new sequence: zero state, influence, gradient and counters."""
        n, p = self.cell.n_units, self.n_columns
        self.c, self.y = initial_state(self.cell)
        self.influence = np.zeros((n, p))
        self.active = np.empty(0, dtype=int) if self.sparse else np.arange(n)
        self.output_influence = np.zeros((self.active.size, p))
        self.alpha = np.ones(n)
        self.c_theta = np.zeros(n)
        self.grad = np.zeros(p)
        self.grad_readout = np.zeros_like(self.readout)
        self.loss, self.macs, self.forward_macs = 0.0, 0, 0
        self.steps = self.active_total = self.hits = self.scored = 0
        self.active_counts: list[int] = []

    def step(self, x: np.ndarray, target: int = -1) -> None:
        """Advance one time step; accumulate the loss gradient if ``target >= 0``."""
        cell, weights = self.cell, self.weights
        n, p = cell.n_units, self.n_columns
        step = forward(cell, weights, x, self.c, self.y)
        self.forward_macs += step.macs
        derivatives = gate_derivatives(step)
        keep = 1.0 - step.u
        influence = self.influence           # updated in place: one n x P' temporary per step
        influence *= (keep * self.alpha)[:, None]
        self.macs += n * p
        if cell.events:
            influence[np.arange(n), self._threshold_position] += keep * self.c_theta
        previous = self.active
        if previous.size:
            jacobian = (derivatives[0][:, None] * weights.V[0][:, previous]
                        + derivatives[1][:, None] * weights.V[1][:, previous]
                        + derivatives[3][:, None] * weights.V[2][:, previous])
            influence += jacobian @ self.output_influence
            self.macs += 3 * n * previous.size + n * previous.size * p
        presynaptic = np.concatenate([x, step.y_prev, [1.0]])
        influence[self._immediate_owner, self._immediate_position] += (
            derivatives.ravel()[self._immediate_derivative] * presynaptic[self._immediate_source])
        self.macs += self.n_immediate

        alpha, beta, c_theta, y_theta = event_derivatives(cell, weights, step)
        active = step.active if self.sparse else np.arange(n)
        output_influence = beta[active, None] * influence[active]
        self.macs += active.size * p
        if cell.events:
            output_influence[np.arange(active.size), self._threshold_position[active]] += y_theta[active]
        if target >= 0:
            loss, dy, grad_readout = ro.loss_and_gradients(self.readout, step.y, int(target))
            self.loss += loss
            self.grad_readout += grad_readout
            self.grad += dy[active] @ output_influence
            self.macs += active.size * p
            self.hits += int(np.argmax(ro.logits(self.readout, step.y))) == int(target)
            self.scored += 1
        self.output_influence, self.active = output_influence, active
        self.alpha, self.c_theta = alpha, c_theta
        self.c, self.y = step.c, step.y
        self.steps += 1
        self.active_total += int(step.active.size)
        if self.record:
            self.active_counts.append(int(step.active.size))

    def state_nbytes(self) -> int:
        """Bytes of the learning state (influence, output influence, gradient)."""
        return self.influence.nbytes + self.output_influence.nbytes + self.grad.nbytes

    def result(self) -> Gradients:
        grad = np.zeros(self.cell.n_params)
        grad[self.columns] = self.grad
        return Gradients(self.loss, grad, self.grad_readout.copy(), self.macs, self.forward_macs,
                         self.steps, self.active_total, self.hits, self.scored,
                         list(self.active_counts))


def rtrl(cell: Cell, params: np.ndarray, readout: np.ndarray, inputs: np.ndarray,
         targets: np.ndarray, mask: np.ndarray | None = None, sparse: bool = True,
         record: bool = False) -> Gradients:
    """Loss and gradient of one sequence by RTRL (see :class:`RTRL`)."""
    learner = RTRL(cell, params, readout, mask=mask, sparse=sparse, record=record)
    for x, target in zip(inputs, targets):
        learner.step(x, int(target))
    return learner.result()
