"""Deferred propagation for sparse RTRL: a row of the influence matrix is brought up to date only when read.

Each step adds the rank-k update ``Jy_t Y_{t-1}`` (n x k times k x P') to every
row of the stored influence ``S``. Done at once, that is a pass over all n rows
every step, however few units are active: with small k the step is bound by
memory traffic, not by its multiply-accumulates. Instead the k x P' blocks
``Y_{t-1}`` and their n x k coefficients are stacked; a row receives the blocks
it has not yet received only when it is read (its unit is active) and every row
receives the rest when the stack is full (one matrix product over all rows,
once per window of steps). Additions commute, so S is the same as with eager
updates; each (row, block row) pair is multiplied exactly once, so the MACs
are those of the eager rule, but the passes over all rows drop from one per
step to one per window.
"""

from __future__ import annotations

import numpy as np

from l2l.simulators.rtrl.kernels import Counter


class DeferredRows:
    """A stack of pending rank-k updates of an n x P' matrix, with room for ``capacity`` (>= n) block rows."""

    def __init__(self, n: int, p: int, counter: Counter, capacity: int | None = None):
        capacity = n if capacity is None else max(int(capacity), n)
        self.coefficients = np.zeros((n, capacity))   # column j: the coefficients of stacked block row j
        self.blocks = np.empty((capacity, p))          # row j: stacked block row j
        self.applied = np.zeros(n, dtype=int)    # stacked block rows each matrix row has received
        self.top = 0
        self.counter = counter
        self.buffer = np.empty((n, min(p, 2048)))   # products a block of columns at a time (fits a cache)

    def reset(self) -> None:
        """Forget every pending update (a new sequence)."""
        self.top = 0
        self.applied[:] = 0

    def push(self, target: np.ndarray, coefficients: np.ndarray, block: np.ndarray) -> None:
        """Queue ``target += coefficients @ block``; makes room first if the stack is full."""
        k = block.shape[0]
        if k == 0:
            return
        if self.top + k > self.blocks.shape[0]:
            self.flush(target)
        self.coefficients[:, self.top:self.top + k] = coefficients
        self.blocks[self.top:self.top + k] = block
        self.top += k

    def apply(self, target: np.ndarray, rows: np.ndarray) -> None:
        """Bring ``target[rows]`` up to date (rows grouped by how far they are behind)."""
        if not rows.size or not self.top:
            return
        behind = self.applied[rows]
        for start in np.unique(behind):
            if start == self.top:
                continue
            group = rows[behind == start]
            self.counter.add_product_to_rows(target, group, self.coefficients[group, start:self.top],
                                             self.blocks[start:self.top], self.buffer)
        self.applied[rows] = self.top

    def flush(self, target: np.ndarray) -> None:
        """Bring every row up to date and empty the stack."""
        self.apply(target, np.arange(target.shape[0]))
        self.top = 0
        self.applied[:] = 0
