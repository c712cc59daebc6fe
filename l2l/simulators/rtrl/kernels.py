"""The array operations of the learning rules, each counting the multiply-accumulates it performs.

Every product between arrays that RTRL performs on the influence matrix goes
through one of these functions, and each adds to ``counter.macs`` what it
computed, read off the operands it was given (never from a formula of the
caller). So the count follows the work actually done: a rule that propagates
more rows or columns than it should counts them. ``l2l.simulators.rtrl.macs``
holds the analytic model the counts are tested against. O(n) element-wise
products are not counted (see ``docs/egru_rtrl.md``).

Products are accumulated in place (``C += A B`` by BLAS ``dgemm`` with
``beta = 1`` on the transposed, Fortran-ordered view of a C-ordered target):
no temporary of the target's size and no second pass to add it. Without
SciPy the same sum goes through numpy (a temporary; the same result up to
rounding).
"""

from __future__ import annotations

import numpy as np

try:
    from scipy.linalg.blas import dgemm as _dgemm
except ImportError:      # scipy comes with l2l[datasets]; numpy alone is slower, not different
    _dgemm = None


def accumulate(target: np.ndarray, left: np.ndarray, right: np.ndarray, overwrite: bool = False) -> None:
    """``target += left @ right`` in place (``target`` and ``right`` C-ordered float64); with
    ``overwrite``, ``target[...] = left @ right`` (BLAS beta = 0: ``target`` is not read, so a matrix known
    to be zero need not be zeroed first; the same numbers, as x + 0 = x)."""
    if _dgemm is not None and target.flags.c_contiguous and right.flags.c_contiguous and target.size:
        view = target.T
        out = _dgemm(1.0, right.T, left.T, beta=0.0 if overwrite else 1.0, c=view, overwrite_c=True)
        if out is not view:
            target[...] = out.T      # BLAS could not write in place (never seen; kept exact anyway)
        return
    if overwrite:
        target[...] = left @ right
    else:
        target += left @ right


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

    def columns_combination(self, coefficients: np.ndarray, matrices: np.ndarray,
                            columns: np.ndarray) -> np.ndarray:
        """``sum_g coefficients[g][:, None] * matrices[g][:, columns]``: an n x k Jacobian block
        (``coefficients`` (g, n), or (g, n, k): one column of coefficients per gathered column)."""
        gathered = matrices[:, :, columns]
        self.macs += gathered.size
        if coefficients.ndim == 2:
            coefficients = coefficients[:, :, None]
        return (coefficients * gathered).sum(axis=0)

    def diagonal_combinations(self, coefficients: np.ndarray, matrices: np.ndarray) -> np.ndarray:
        """``sum_g coefficients[g, t][:, None] * matrices[g]`` for every t, side by side: (n, L m) for
        ``coefficients`` (g, L, n) and ``matrices`` (g, n, m) -- :meth:`columns_combination` with every
        column of every step, without gathering them."""
        gates, length, n = coefficients.shape
        m = matrices.shape[2]
        out, term = np.empty((n, length, m)), np.empty((n, length, m))
        np.multiply(coefficients[0].T[:, :, None], matrices[0][:, None, :], out=out)
        for gate in range(1, gates):
            out += np.multiply(coefficients[gate].T[:, :, None], matrices[gate][:, None, :], out=term)
        self.macs += out.size * gates
        return out.reshape(n, length * m)

    @staticmethod
    def columns_combinations(counters: list, owners: np.ndarray, coefficients: np.ndarray,
                             transposed: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """:meth:`columns_combination` of the columns of several sequences side by side, computed on
        rows: ``coefficients`` (g, K, n) (one row per gathered column), ``transposed`` (g, n, n) the
        matrices transposed (contiguous rows: a row gather), ``owners`` the sequence of each column; the
        same numbers (the gates summed in the same order), returned as an (n, K) view. Each sequence's
        counter gets the MACs of its columns."""
        gathered = transposed[:, columns]
        per_column = gathered.shape[0] * gathered.shape[2]
        for counter, count in zip(counters, np.bincount(owners, minlength=len(counters)).tolist()):
            counter.macs += count * per_column
        out = np.multiply(coefficients[0], gathered[0])
        for gate in range(1, gathered.shape[0]):
            out += np.multiply(coefficients[gate], gathered[gate], out=gathered[gate])
        return out.T

    @staticmethod
    def diagonal_combinations_of(counters: list, coefficients: np.ndarray, matrices: np.ndarray) -> np.ndarray:
        """:meth:`diagonal_combinations` of several sequences' steps side by side (``coefficients``
        (g, sequences x L, n), sequence-major); each counter gets its sequence's share (equal: the same
        number of steps each)."""
        scratch = Counter()
        out = scratch.diagonal_combinations(coefficients, matrices)
        share, remainder = divmod(scratch.macs, len(counters))
        assert not remainder
        for counter in counters:
            counter.macs += share
        return out

    def add_product(self, target: np.ndarray, left: np.ndarray, right: np.ndarray, overwrite: bool = False) -> None:
        """``target += left @ right`` in place (``target[...] = left @ right`` with ``overwrite``; see
        :func:`accumulate`)."""
        if left.shape[1] == 0 or left.shape[0] == 0:
            if overwrite:
                target.fill(0.0)
            return
        accumulate(target, left, right, overwrite)
        self.macs += left.shape[0] * left.shape[1] * right.shape[1]

    def scaled_into(self, out: np.ndarray, matrix: np.ndarray, factors: np.ndarray) -> np.ndarray:
        """``out[...] = factors[:, None] * matrix`` (no allocation); returns ``out``."""
        np.multiply(matrix, factors[:, None], out=out)
        self.macs += matrix.size
        return out

    def outer_rows(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """One outer product per step: ``out[t] = outer(left[:, t], right[t])`` for ``left`` (g, L, n) and
        ``right`` (L, c); shape (L, g, n, c)."""
        self.macs += left.size * right.shape[1]
        return left.transpose(1, 0, 2)[..., None] * right[:, None, None, :]

    def outer_into(self, out: np.ndarray, left: np.ndarray, right: np.ndarray) -> None:
        """``out[t, i, g] = left[t, i, g] * right[t]`` for ``left`` (L, n, g) and ``right`` (L, c): one
        outer product per step, written into ``out`` (L, n, g, c)."""
        np.multiply(left[..., None], right[:, None, None, :], out=out)
        self.macs += left.size * right.shape[1]

    def copy_into(self, out: np.ndarray, values: np.ndarray) -> None:
        """``out[...] = values``: products with a presynaptic value of 1 (counted as such)."""
        out[...] = values
        self.macs += values.size

    def elementwise(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """``first * second``."""
        self.macs += first.size
        return first * second

    def vector_matrix(self, vector: np.ndarray, matrix: np.ndarray) -> np.ndarray:
        """``vector @ matrix``."""
        self.macs += matrix.size
        return vector @ matrix
