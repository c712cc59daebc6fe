"""Deferred propagation for sparse RTRL: rows of the influence matrix brought up to date when read.

Each step adds the rank-k update ``Jy_t Y_{t-1}`` (n x k times k x P') to every
row of the stored influence ``S``. The k x P' blocks ``Y_{t-1}`` (written
there by the caller, :meth:`DeferredRows.stage`: no copy) and their n x k
coefficients are stacked; once ``depth`` block rows are stacked they go to
every row in one in-place product (``S += C B``, BLAS with beta = 1). Below
that, a row receives the blocks it lacks only when it is read (its unit is
active): the rows are gathered, sorted by how far behind they are, updated by
a few products (:func:`_products`) and written back. Additions commute, so S
is the same as with eager updates; each (row, block row) pair is multiplied
exactly once, so the MACs are those of the eager rule.

On the digits EGRU (k ~ 10 of 64 units active) depth 4 (RTRL's default)
measured 5-8 % faster than depth 1 (every update applied at once, reads are
plain gathers) and deeper stacks slower: rows read in between must be
gathered, brought up to date and written back, and a later full product
cannot skip them in place (``benchmarks/rtrl_depth.py``).
"""

from __future__ import annotations

import numpy as np

from l2l.simulators.rtrl.kernels import Counter


class DeferredRows:
    """A stack of pending rank-k updates of an n x P' matrix. It is applied to every row (one in-place
    product) as soon as it holds ``depth`` block rows or more; in between, rows are read from it."""

    def __init__(self, n: int, p: int, counter: Counter, depth: int = 1):
        self.depth = max(int(depth), 1)
        capacity = self.depth + n                      # below depth, plus one block of at most n rows
        self.coefficients = np.zeros((n, capacity))   # column j: the coefficients of stacked block row j
        self.blocks = np.empty((capacity, p))          # row j: stacked block row j
        self.applied = np.zeros(n, dtype=np.intp)     # stacked block rows each matrix row has received
        self.partial = False                           # whether any entry of applied is non-zero
        self.top = 0
        self.staged = 0                                # rows blocks[top:top + staged] filled, not yet queued
        self.counter = counter
        self.gathered = np.empty((0, p))               # rows being read (grows to the most rows read at once)
        self.zero = False                              # the target is zero, whatever it holds (see reset)

    @property
    def nbytes(self) -> int:
        return self.coefficients.nbytes + self.blocks.nbytes + self.gathered.nbytes

    def reset(self, zero: bool = False) -> None:
        """Forget every pending update (a new sequence). ``zero``: the target is to be taken as zero
        without being zeroed; the first product to every row overwrites it (BLAS beta = 0), rows read
        before are zeros, and :meth:`materialize` zeroes it if anything else needs it."""
        self.top = self.staged = 0
        self.applied[:] = 0
        self.partial = False
        self.zero = zero

    def materialize(self, target: np.ndarray) -> None:
        """Zero the target if it is only taken as zero."""
        if self.zero:
            target.fill(0.0)
            self.zero = False

    def stage(self, target: np.ndarray, k: int) -> np.ndarray:
        """Room for the next block: a k x P' view of the stack for the caller to fill (flushes first
        if the stack is full); :meth:`push` queues it."""
        if self.top >= self.depth or self.top + k > self.blocks.shape[0]:
            self.staged = 0
            self.flush(target)
        self.staged = k
        return self.blocks[self.top:self.top + k]

    def push(self, coefficients: np.ndarray) -> None:
        """Queue ``target += coefficients @ (the staged block)``."""
        k = self.staged
        self.coefficients[:, self.top:self.top + k] = coefficients
        self.top += k
        self.staged = 0

    def read(self, target: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bring ``target[rows]`` up to date. Returns the rows in the order used (most behind first) and
        their values, a view of a buffer valid until the next read or flush."""
        if self.gathered.shape[0] < rows.size:
            self.gathered = np.empty((rows.size, self.blocks.shape[1]))
        if not self.top:                        # nothing pending: a plain gather
            gathered = self.gathered[:rows.size]
            if self.zero:
                gathered.fill(0.0)
            else:
                np.take(target, rows, axis=0, out=gathered, mode="clip")
            return rows, gathered
        self.materialize(target)                # rows brought up to date are written back
        behind = self.applied[rows]
        order = np.argsort(behind, kind="stable")
        rows, behind = rows[order], behind[order]
        gathered = self.gathered[:rows.size]
        np.take(target, rows, axis=0, out=gathered, mode="clip")   # "raise" would buffer the output
        stale = int(np.searchsorted(behind, self.top))      # rows[:stale] lack some block rows
        if stale:
            for first, last, start, end in _products(behind[:stale], self.top):
                self.counter.add_product(gathered[first:last], self.coefficients[rows[first:last], start:end],
                                         self.blocks[start:end])
            target[rows[:stale]] = gathered[:stale]
            self.applied[rows[:stale]] = self.top
            self.partial = True
        return rows, gathered

    def flush(self, target: np.ndarray) -> None:
        """Bring every row up to date and empty the stack (a staged block moves to the bottom)."""
        if self.top:
            if not self.partial:             # every row lacks the whole stack: one product, in place
                self.counter.add_product(target, self.coefficients[:, :self.top], self.blocks[:self.top],
                                         overwrite=self.zero)
                self.zero = False
            else:
                self.read(target, np.flatnonzero(self.applied < self.top))
            if self.staged:
                self.blocks[:self.staged] = self.blocks[self.top:self.top + self.staged]
        self.top = 0
        if self.partial:
            self.applied[:] = 0
            self.partial = False


def _products(behind: np.ndarray, top: int) -> list[tuple[int, int, int, int]]:
    """How to bring rows up to date, as products ``(first, last, start, end)``: the sorted rows
    ``first:last`` receive block rows ``start:end``. ``behind`` (sorted, < top) says how many block rows
    each row has. Either one product per group of equally-behind rows (each group reads its block
    rows), or one per segment between consecutive distinct positions, for the prefix of rows that lacks
    it (each block row read once; the rows read and written once per segment), whichever moves less
    memory, counted as (block rows + 2 x rows) per product. Both multiply each missing (row, block row)
    pair once: the same MACs."""
    starts, first = np.unique(behind, return_index=True)
    last = np.append(first[1:], behind.size)
    ends = np.append(starts[1:], top)
    by_group = int(np.sum(top - starts) + 2 * behind.size)
    by_segment = int(np.sum(ends - starts) + 2 * np.sum(last))
    if by_group <= by_segment:
        return list(zip(first.tolist(), last.tolist(), starts.tolist(), [top] * starts.size))
    return list(zip([0] * starts.size, last.tolist(), starts.tolist(), ends.tolist()))
