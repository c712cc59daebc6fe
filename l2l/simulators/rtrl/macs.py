"""The analytic cost and memory model of the learning rules (``docs/egru_rtrl.md``).

Symbols: ``n`` units, ``d`` inputs, ``P'`` propagated parameter columns (all
parameters for dense RTRL, the unpruned ones for sparse RTRL), ``I`` columns
with an immediate influence (``P'`` minus the ``n`` thresholds of an EGRU),
``k_t`` rows propagated at step ``t`` (``n`` for dense RTRL, the active units
for sparse RTRL; ``k_{-1} = 0`` for sparse, ``n`` for dense).

RTRL, one step::

    n P'  +  3 n k_{t-1}  +  n k_{t-1} P'  +  I  +  k_t P'  +  [gradient at t] k_t P'
    decay    Jacobian       propagation      Mbar  output        gradient
    (dense)                                        influence

Sparse RTRL decays by scaling n numbers instead of the n P' entries (the
influence matrix is stored as diag(scale) S); a row whose scale leaves the
safe range is folded into S, P' MACs for each such row (``rescaled_rows``, rare).
A step has a gradient term when it has a target, or at every step of an EGRU
trained with an activity penalty.

BPTT, one step: ``3 n (d + n)`` weight-gradient products ``+ 3 n^2`` backward
recurrent product. O(n) element-wise products and the readout are left out
of every rule.
"""

from __future__ import annotations

from typing import Sequence

BYTES = 8  # float64


def rtrl_step_macs(n: int, columns: int, immediate: int, active_previous: int, active: int,
                   has_gradient: bool, sparse: bool = False) -> int:
    return ((0 if sparse else n * columns) + 3 * n * active_previous + n * active_previous * columns
            + immediate + active * columns + (active * columns if has_gradient else 0))


def rtrl_sequence_macs(n: int, columns: int, immediate: int, active_counts: Sequence[int],
                       targets: Sequence[int], sparse: bool, penalized: bool = False,
                       rescaled_rows: int = 0) -> int:
    """Model MACs of a whole sequence given the active counts per step.

    ``penalized``: an EGRU with an activity penalty (a gradient term at every step);
    ``rescaled_rows``: sparse rows folded back into the stored matrix (see above).
    """
    rows = list(active_counts) if sparse else [n] * len(active_counts)
    previous = [0 if sparse else n] + rows[:-1]
    return sum(rtrl_step_macs(n, columns, immediate, kp, k, penalized or t >= 0, sparse)
               for kp, k, t in zip(previous, rows, targets)) + rescaled_rows * columns


def bptt_step_macs(n: int, d: int) -> int:
    return 3 * n * (d + n) + 3 * n * n


def kept_columns(n: int, d: int, density: float, events: bool) -> tuple[int, int]:
    """``(P', I)`` of sparse RTRL for a pruning density (as :func:`cells.pruning_mask` rounds)."""
    weights = 3 * int(round(density * n * d)) + 3 * int(round(density * n * n))
    immediate = weights + 3 * n
    return immediate + (n if events else 0), immediate


def rtrl_memory_bytes(n: int, columns: int, max_active: int, sparse: bool = False, depth: int = 4) -> int:
    """Peak working set: the influence (n x P') and the gradient (P'); dense: the output influence
    (n x P'); sparse: the stack of pending blocks ((depth + n) x P', the output influence lives in it)
    with their n x (depth + n) coefficients, and the gathered active rows (k x P')."""
    if sparse:
        return BYTES * (n * columns + (depth + n) * (columns + n) + max_active * columns + columns)
    return BYTES * (2 * n * columns + columns)


def bptt_memory_bytes(n: int, d: int, length: int) -> int:
    """The stored forward steps: x (d) and eleven n-vectors per step, plus dL/dy (n).
    Python's per-array overhead (about 100 bytes per array) comes on top."""
    return BYTES * length * (d + 12 * n)

