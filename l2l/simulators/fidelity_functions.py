"""The synthetic multi-fidelity variant of the benchmark functions, and the Hartmann functions.

With ``fidelity = true`` a benchmark function ``f`` (minimum ``f*``) is evaluated at a budget ``b``
(whole numbers from ``min_budget`` to ``max_budget``, default 1..81) as::

    t = (max_budget - b) / (max_budget - min_budget)        1 at the lowest budget, 0 at the highest
    w = t ** bias_power
    agree:    value = f(x) + bias * w * (f(x) - f*)                        (+ noise)
    mislead:  value = f(x) + 2 * bias * w * (f(x - shift) - f(x))          (+ noise)
    noise     = fidelity_noise * t * |f(x) - f*| * N(0, 1),  N drawn from (seed, b)

At the highest budget the value is ``f(x)`` exactly (plus the ordinary ``noise`` option, drawn from the
seed alone). ``agree``: low budgets overestimate the distance to the optimum and are noisy, but rank
candidates roughly right. ``mislead``: low budgets favour points displaced by ``shift`` on every
coordinate (for the sphere at the lowest budget the apparent optimum is ``2 * shift``), so they rank
random candidates about as well as chance or worse, as in multi-fidelity suites whose low fidelities
are biased: a scheduler that trusts them wastes its budget.

The Hartmann functions (``hartmann3`` on [0, 1]^3, minimum -3.86278; ``hartmann6`` on [0, 1]^6,
minimum -3.32237) have the same two variants, except that their ``agree`` bias changes the weights of
their four bumps (``alpha + bias * w * (0.2, 0.2, -0.2, -0.2)``) instead of scaling the gap, so low
budgets distort the landscape without moving the global optimum to another bump, and their
``fidelity_noise`` defaults to 0.02 (0.05 for the others): most of [0, 1]^d is a plateau near 0.

The value at a budget is a deterministic function of (parameters, seed, budget): continuing from a
checkpoint ``{"budget": b}`` is exact, and the curve holds the value at every whole budget passed.
"""

from __future__ import annotations

import numpy as np

AGREE, MISLEAD = "agree", "mislead"
LOW_FIDELITY = (AGREE, MISLEAD)

HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
HARTMANN_AGREE = np.array([0.2, 0.2, -0.2, -0.2])
HARTMANN3_A = np.array([[3.0, 10.0, 30.0], [0.1, 10.0, 35.0], [3.0, 10.0, 30.0], [0.1, 10.0, 35.0]])
HARTMANN3_P = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]])
HARTMANN6_A = np.array([[10.0, 3.0, 17.0, 3.5, 1.7, 8.0], [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
                        [3.0, 3.5, 1.7, 10.0, 17.0, 8.0], [17.0, 8.0, 0.05, 10.0, 0.1, 14.0]])
HARTMANN6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                               [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
#: (minimum value, a minimizer) of each Hartmann function
HARTMANN3_MINIMUM = (-3.86278, (0.114614, 0.555649, 0.852547))
HARTMANN6_MINIMUM = (-3.32237, (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573))


def hartmann(x: np.ndarray, a: np.ndarray, p: np.ndarray, alpha: np.ndarray = HARTMANN_ALPHA) -> float:
    """-sum_i alpha_i exp(-sum_j a_ij (x_j - p_ij)^2)."""
    return float(-np.sum(alpha * np.exp(-np.sum(a * (x[None, :] - p) ** 2, axis=1))))


def gap_weight(budget: float, min_budget: float, max_budget: float) -> float:
    """t: 1 at the lowest budget, 0 at the highest (0 if the range is a single budget)."""
    if max_budget <= min_budget:
        return 0.0
    return float(min(1.0, max(0.0, (max_budget - budget) / (max_budget - min_budget))))


def fidelity_noise(seed: int, budget: int) -> float:
    """The standard normal draw of ``seed`` at ``budget`` (independent across budgets)."""
    return float(np.random.default_rng([seed, 1, int(budget)]).standard_normal())
