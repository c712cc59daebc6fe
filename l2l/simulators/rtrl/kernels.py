"""The array operations of the learning rules, each counting the multiply-accumulates it performs.

Every product between arrays that RTRL performs on the influence matrix goes
through one of these functions, and each adds to ``counter.macs`` what it
computed, read off the operands it was given (never from a formula of the
caller). So the count follows the work actually done: a rule that propagates
more rows or columns than it should counts them. ``l2l.simulators.rtrl.macs``
holds the analytic model the counts are tested against. O(n) element-wise
products are not counted (see ``docs/egru_rtrl.md``).
"""

from __future__ import annotations

import numpy as np


class Counter:
    """Multiply-accumulates performed so far."""

    def __init__(self) -> None:
        self.macs = 0

    def scale_rows(self, matrix: np.ndarray, factors: np.ndarray, rows: np.ndarray | None = None) -> None:
        """``matrix[rows] *= factors[:, None]`` in place (all rows if ``rows`` is None)."""
        if rows is None:
            matrix *= factors[:, None]
            self.macs += matrix.size
        elif rows.size:
            matrix[rows] *= factors[:, None]
            self.macs += rows.size * matrix.shape[1]

    def scaled(self, matrix: np.ndarray, factors: np.ndarray) -> np.ndarray:
        """``factors[:, None] * matrix`` (a new array)."""
        self.macs += matrix.size
        return factors[:, None] * matrix

    def columns_combination(self, coefficients: np.ndarray, matrices: tuple[np.ndarray, ...],
                            columns: np.ndarray) -> np.ndarray:
        """``sum_g coefficients[g][:, None] * matrices[g][:, columns]``: an n x k Jacobian block."""
        block = np.zeros((matrices[0].shape[0], columns.size))
        for coefficient, matrix in zip(coefficients, matrices):
            block += coefficient[:, None] * matrix[:, columns]
            self.macs += block.size
        return block

    def add_product(self, target: np.ndarray, left: np.ndarray, right: np.ndarray,
                    buffer: np.ndarray) -> None:
        """``target += left @ right`` through ``buffer`` (same shape as ``target``): no allocation."""
        if left.shape[1] == 0:
            return
        np.matmul(left, right, out=buffer)
        target += buffer
        self.macs += left.shape[0] * left.shape[1] * right.shape[1]

    def scatter_products(self, target: np.ndarray, rows: np.ndarray, columns: np.ndarray,
                         first: np.ndarray, second: np.ndarray) -> None:
        """``target[rows[j], columns[j]] += first[j] * second[j]`` (entries are distinct)."""
        target[rows, columns] += first * second
        self.macs += first.size

    def vector_matrix(self, vector: np.ndarray, matrix: np.ndarray) -> np.ndarray:
        """``vector @ matrix``."""
        self.macs += matrix.size
        return vector @ matrix

    def add_product_to_rows(self, target: np.ndarray, rows: np.ndarray, left: np.ndarray,
                            right: np.ndarray, buffer: np.ndarray) -> None:
        """``target[rows] += left @ right`` (``left`` has one row per entry of ``rows``), a block of
        columns at a time through ``buffer`` (at least len(rows) rows): no large temporary."""
        if left.shape[1] == 0 or rows.size == 0:
            return
        every_row = rows.size == target.shape[0]        # rows is 0..n-1 in order
        width = buffer.shape[1]
        for start in range(0, right.shape[1], width):
            stop = min(start + width, right.shape[1])
            product = buffer[:rows.size, :stop - start]
            np.matmul(left, right[:, start:stop], out=product)
            if every_row:
                target[:, start:stop] += product
            else:
                target[rows, start:stop] += product
        self.macs += left.shape[0] * left.shape[1] * right.shape[1]
