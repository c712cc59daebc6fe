"""A small tree-Parzen-style proposal model in the unit cube, fitted on results ordered best first.

Given points ordered from best to worst, the first ``good_count(n)`` are the *good* set, the rest
the *bad* set. Each set becomes a mixture of Gaussian kernels (one per point, plus a broad prior
kernel at the centre of the cube, so that the model never forgets unexplored space). Candidates are
drawn from the good mixture and the one with the largest good/bad density ratio is proposed
(Bergstra et al. 2011, multivariate as in Falkner et al. 2018).

The order is the caller's business: for multi-fidelity data the model-based policy ranks a trial first
by the highest budget it reached that it trusts, then by its score there, so that the candidates
stopped at low budgets fill the bad set, as Optuna's TPE treats pruned trials. Everything is numpy;
a proposal over a thousand points costs about a millisecond.
"""

from __future__ import annotations

import math

import numpy as np

#: Kernel width, relative to the cube's side, before shrinking with the number of points.
WIDTH = 0.2
#: Weight of the prior kernel (centre 0.5, width 1) among the kernels of a set (each point has weight 1).
PRIOR_WEIGHT = 1.0


def good_count(n: int) -> int:
    """Size of the good set among ``n`` points: a tenth, at least 1, at most 25 (Optuna's default rule)."""
    return max(1, min(int(math.ceil(0.1 * n)), 25))


def _widths(count: int, dimension: int) -> float:
    return max(WIDTH * (count + 1) ** (-1.0 / (dimension + 4)), 1.0 / min(100, count + 1) / 4)


def _log_density(samples: np.ndarray, centres: np.ndarray, width: float) -> np.ndarray:
    """Log density of the mixture of the kernels at ``centres`` (width ``width``) plus the prior kernel."""
    dimension = samples.shape[1]
    z = (samples[:, None, :] - centres[None, :, :]) / width
    log_kernels = -0.5 * np.sum(z * z, axis=2) - dimension * math.log(width)
    prior = -0.5 * np.sum((samples - 0.5) ** 2, axis=1)
    weights = np.concatenate([np.zeros(len(centres)), [math.log(PRIOR_WEIGHT)]])
    stacked = np.concatenate([log_kernels, prior[:, None]], axis=1) + weights
    peak = stacked.max(axis=1, keepdims=True)
    return peak[:, 0] + np.log(np.exp(stacked - peak).sum(axis=1))


def _reflect(points: np.ndarray) -> np.ndarray:
    """Fold points back into [0, 1] (a kernel's mass beyond a face is mirrored, not piled on it)."""
    points = np.abs(points)
    return np.clip(1.0 - np.abs(1.0 - points), 0.0, 1.0)


def propose(ordered: np.ndarray, rng: np.random.Generator, candidates: int = 24) -> np.ndarray:
    """A point of the unit cube from the density ratio of the good and bad sets of ``ordered`` (best first).

    ``ordered`` is an (n, d) array with n >= 2; ``candidates`` points are drawn from the good mixture.
    """
    n, dimension = ordered.shape
    split = good_count(n)
    good, bad = ordered[:split], ordered[split:]
    good_width, bad_width = _widths(len(good), dimension), _widths(len(bad), dimension)
    # draw from the good mixture: a point's kernel, or the prior's with its share of the weight
    choice = rng.integers(0, len(good) + 1, size=candidates)
    prior = choice == len(good)
    centres = np.where(prior[:, None], 0.5, good[np.minimum(choice, len(good) - 1)])
    widths = np.where(prior, 1.0, good_width)[:, None]
    samples = _reflect(centres + rng.normal(size=(candidates, dimension)) * widths)
    ratio = _log_density(samples, good, good_width) - _log_density(samples, bad, bad_width)
    return samples[int(np.argmax(ratio))]


def refine(ordered: np.ndarray, rng: np.random.Generator, scale: float) -> np.ndarray:
    """A point near one of the best few of ``ordered`` (best first): a Gaussian step of the few's spread.

    Half the time the step is taken from the very best point; ``scale`` multiplies the spread
    (at least 0.005 of the side on every axis), so refinements tighten as the best few gather.
    """
    n, dimension = ordered.shape
    best = ordered[: good_count(n)]
    centre = ordered[0] if rng.random() < 0.5 or len(best) == 1 else best[rng.integers(len(best))]
    spread = np.clip(best.std(axis=0) if len(best) > 1 else np.full(dimension, 0.1), 0.005, 0.2)
    return _reflect(centre + rng.normal(size=dimension) * spread * scale)


def local_step(centre: np.ndarray, width: np.ndarray | float, rng: np.random.Generator) -> np.ndarray:
    """A Gaussian step of ``width`` (per axis, or one for all) from ``centre``, folded back into the unit cube."""
    return _reflect(np.asarray(centre, float) + rng.normal(size=len(centre)) * width)


__all__ = ["propose", "refine", "good_count", "local_step"]
