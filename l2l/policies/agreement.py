"""How well a low budget agrees with the top one, and which candidate the top budget's results choose.

Shared by the model-based policy (:mod:`l2l.policies.model_based`): the rank correlation (Spearman) of
the candidates' scores at a rung with their scores at the top budget, a lower confidence bound on it
for the few pairs a run has early on, and the grouping of a candidate's top-budget results over its
repeats (the same parameters trained again with new seeds).
"""

from __future__ import annotations

import math

import numpy as np

from l2l.policies.base import TrialTable


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks from 0, ties sharing their mean rank."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x), dtype=float)
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    return (np.bincount(inverse, weights=ranks) / counts)[inverse]


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Rank correlation of two equally long vectors (ties get their mean rank)."""
    ra, rb = _ranks(np.asarray(a, float)), _ranks(np.asarray(b, float))
    sa, sb = ra.std(), rb.std()
    if sa == 0 or sb == 0:
        return 0.0
    return float(np.mean((ra - ra.mean()) * (rb - rb.mean())) / (sa * sb))


def lower_bound(correlation: float, pairs: int, z: float) -> float:
    """``correlation`` less ``z`` standard errors, on Fisher's z scale (the standard error of a rank correlation
    of ``pairs`` pairs there is about sqrt(1.06 / (pairs - 3)), Fieller et al. 1957); ``z = 0``: unchanged.
    With five pairs, a measured 0.99 stays 0.95 at z = 1 and 0.9 becomes 0.64, 0.5 becomes 0 or less."""
    if z <= 0:
        return float(correlation)
    if pairs <= 3:
        return -1.0
    centre = math.atanh(min(max(float(correlation), -0.999999), 0.999999))  # np.clip's value, without its cost
    return math.tanh(centre - z * math.sqrt(1.06 / (pairs - 3)))


def top_groups(budgets: list[float], trials: TrialTable, repeats: dict[str, int]) -> dict[int, list[float]]:
    """Top-budget scores of every candidate, its repeats' with it (keyed by the first trial of the candidate)."""
    scores = trials.scores_at(budgets[-1])
    if not repeats:  # a result each (the policy asks at every decision: no lookup per trial)
        return {int(trial): [score] for trial, score in scores.items()}
    groups: dict[int, list[float]] = {}
    for trial, score in scores.items():
        groups.setdefault(int(repeats.get(str(trial), trial)), []).append(score)
    return groups


#: numpy adds fewer values than this one after the other, left to right from 0.0 (more in blocks of eight).
_SEQUENTIAL = 8


def mean(values: list[float]) -> float:
    """``float(np.mean(values))``, bit for bit, without numpy's cost for the few results of one candidate (the
    policy takes every candidate's mean at every decision)."""
    if len(values) >= _SEQUENTIAL:
        return float(np.mean(values))
    total = 0.0
    for value in values:
        total += value
    return total / len(values)


def incumbent(groups: dict[int, list[float]]) -> int | None:
    """The candidate with the best mean top-budget score; ties go to more results, then the earlier one."""
    if not groups:
        return None
    return max(groups, key=lambda t: (mean(groups[t]), len(groups[t]), -t))


def best_first(groups: dict[int, list[float]]) -> list[int]:
    """Candidates by mean top-budget score, best first (ties: more results, then the earlier one)."""
    return sorted(groups, key=lambda t: (-mean(groups[t]), -len(groups[t]), t))


__all__ = ["spearman", "lower_bound", "top_groups", "mean", "incumbent", "best_first"]
