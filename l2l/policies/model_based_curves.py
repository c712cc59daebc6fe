"""Promotion by a candidate's learning curve: the model-based policy's option ``extrapolate`` (off by default).

A halving bracket promotes the best members of a rung. With ``extrapolate``, a member that has results at
:data:`MIN_POINTS` or more rungs is ranked by the least-squares fit of a saturating power law
``loss(t) = c + a t^-b`` (``a >= 0``, ``b`` on a grid) to its results at the rungs it reached, extrapolated to
the top budget, instead of by its result at the rung. On issue 11's egru learning curve (development seeds
10..24, benchmarks/mf_curve_extrapolation.py) this ranked candidates at a third of the top budget a little better
than the rung's value (Spearman with the top budget 0.42 against 0.34); docs/multifidelity_benchmark.md.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from l2l.policies.base import TrialTable

#: Exponents ``b`` of the power law tried by :func:`power_law`.
EXPONENTS = (0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
#: Fewest rungs with results from which a member is ranked by its extrapolation (two fit any exponent).
MIN_POINTS = 3


def power_law(fidelities: Sequence[float], losses: Sequence[float], top: float) -> float:
    """``c + a top^-b`` of the least-squares fit of ``c + a t^-b`` (``a >= 0``, ``b`` on :data:`EXPONENTS`) to
    (fidelities, losses): lower is better.

    With fewer than three points the exponent is 0.5. A rising curve gets the flat fit (its mean). The value
    never leaves the range of the losses seen by more than their spread below (a guard against a fit that dives
    on noise) nor rises above the worst of them; a non-finite loss gives inf (worst)."""
    t, y = np.asarray(fidelities, float), np.asarray(losses, float)
    if not np.isfinite(y).all():
        return float("inf")
    if len(t) == 1 or np.ptp(y) == 0:
        return float(y[-1])
    best, value = np.inf, float(y[-1])
    for b in (EXPONENTS if len(t) >= 3 else (0.5,)):
        design = np.column_stack([np.ones_like(t), t ** -b])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        if coef[1] < 0:
            coef = np.array([y.mean(), 0.0])
        sse = float(np.sum((design @ coef - y) ** 2))
        if sse < best - 1e-15:
            best, value = sse, float(coef[0] + coef[1] * top ** -b)
    spread = float(np.ptp(y))
    return float(np.clip(value, y.min() - spread, y.max()))


def promoted(trials: TrialTable, budgets: Sequence[float], rung: int, members: Iterable[int], keep: int) -> list[int]:
    """The best ``keep`` of ``members`` at ``budgets[rung]`` as :func:`~l2l.policies.base.survivors` ranks them,
    except that every member with results at :data:`MIN_POINTS` or more rungs up to this one is ranked by its
    extrapolation to the top budget (:func:`power_law` on minus its scores; scores are maximized). Failures are
    ranked last and never kept; ties go to the lower trial id."""
    budget, top = budgets[rung], budgets[-1]
    scores = trials.scores_at(budget, members)
    loss = {}
    for trial, score in scores.items():
        points = [(b, trials.score(trial, b)) for b in budgets[:rung + 1]]
        points = [(b, s) for b, s in points if s is not None]
        if len(points) >= MIN_POINTS and not trials.failed_at(trial, budget):
            loss[trial] = power_law([b for b, _ in points], [-s for _, s in points], top)
        else:
            loss[trial] = -score
    order = sorted(scores, key=lambda t: (trials.failed_at(t, budget), loss[t], t))[:max(0, keep)]
    return [t for t in order if not trials.failed_at(t, budget)]
