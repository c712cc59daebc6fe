"""The optimizers do not change behaviour when the scores are scaled or shifted (benchmarks/scale_invariance.py).

A user's objective may be an error in [0, 1], a loss of 1e6 or a log-likelihood of -1e4: the rank-based
optimizers must propose exactly the same candidates under y -> 1e6 y + 3, and the ones that use the scores'
values must take the same steps whatever their unit.
"""

from __future__ import annotations

import numpy as np
import pytest

from l2l.optimizers.base import Problem
from tests.optimizer_helpers import evaluate, optimizer, sphere_problem

SEEDS = (1, 2, 3, 4, 5)


def proposals(name: str, problem: Problem, seed: int, factor: float, offset: float, generations: int,
              first_fails: bool = False, **options) -> np.ndarray:
    """Every candidate asked in ``generations`` ask/tell rounds on shifted spheres (one per objective) whose scores
    are ``factor * score + offset``; with ``first_fails`` the first candidate is told ``-inf`` (a failure before
    any success, as a run tells it)."""
    chosen = optimizer(name, **options)
    state = chosen.init(problem, seed)
    asked = []
    for _ in range(generations):
        candidates, state = chosen.ask(problem, state)
        scores, _ = evaluate(problem, candidates)
        scores = factor * scores + offset
        if first_fails and not asked:
            scores[0] = -np.inf
        state = chosen.tell(problem, state, candidates, scores)
        asked.append(candidates)
    return np.vstack(asked)


@pytest.mark.parametrize("name, generations", [("cmaes", 6), ("ga", 4), ("es", 6), ("nes", 6), ("nsga2", 4),
                                               ("tpe", 2), ("motpe", 2), ("nsga3", 4)])
def test_a_rank_based_optimizer_proposes_the_same_candidates_when_the_scores_are_scaled_and_shifted(name,
                                                                                                 generations):
    problem = sphere_problem(4, 2 if name in ("nsga3", "motpe") else 1)
    for seed in SEEDS[:3]:
        plain = proposals(name, problem, seed, 1.0, 0.0, generations)
        transformed = proposals(name, problem, seed, 1e6, 3.0, generations)
        assert np.array_equal(plain, transformed), f"{name}, seed {seed}"


@pytest.mark.parametrize("method", ["adam", "rmsprop"])
def test_gradient_descent_takes_the_same_steps_when_the_scores_are_a_billionth(method):
    """Adam's and RMSProp's epsilon was 1e-8 in score units: with scores of order 1e-9 (a tiny loss) it outweighed
    the gradient and the point barely moved (0.5 to 0.84 of the range of 10 away after 8 generations)."""
    problem = sphere_problem(4)
    for seed in SEEDS:
        plain = proposals("gradient-descent", problem, seed, 1.0, 0.0, 8, method=method)
        tiny = proposals("gradient-descent", problem, seed, 1e-9, 0.0, 8, method=method)
        huge = proposals("gradient-descent", problem, seed, 1e6, -5e6, 8, method=method)
        np.testing.assert_allclose(tiny, plain, rtol=0, atol=1e-6, err_msg=f"{method}, seed {seed}")
        np.testing.assert_allclose(huge, plain, rtol=0, atol=1e-6, err_msg=f"{method}, seed {seed}")


@pytest.mark.parametrize("name, generations, options", [
    ("gp", 3, {"population_size": 4, "n_startup_trials": 4, "n_candidates": 100}),
    ("gradient-descent", 6, {})])
def test_a_failure_before_any_success_weighs_the_same_whatever_the_scale_of_the_scores(name, generations, options):
    """A failure told as -inf was replaced by the worst score minus 1 + |worst|, in score units: with scores of
    order 1e-6 it lay a million of their ranges below them, and gp (which standardizes the scores it holds) saw
    every success as alike, its best after 24 evaluations 10-20 instead of 0.3-6."""
    problem = sphere_problem(4)
    for seed in SEEDS[:3]:
        plain = proposals(name, problem, seed, 1.0, 0.0, generations, first_fails=True, **options)
        for factor, offset in ((1e-6, 0.0), (1e6, 3.0)):
            scaled = proposals(name, problem, seed, factor, offset, generations, first_fails=True, **options)
            np.testing.assert_allclose(scaled, plain, rtol=0, atol=1e-6, err_msg=f"{name}, seed {seed}, x{factor:g}")
