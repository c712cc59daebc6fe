"""``cmaes-quadratic``: CMA-ES plus the minimum of a quadratic model of the best results."""

from __future__ import annotations

import numpy as np
import pytest

from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import Problem
from l2l.optimizers.surrogate import quadratic_minimum
from l2l.space import Space


def _box(dimension: int) -> Problem:
    return Problem(Space.from_json({"x": {"low": -5.0, "high": 5.0, "shape": [dimension]}}), (Objective("f"),))


def _rotated_ellipsoid(dimension: int, seed: int):
    rng = np.random.default_rng(seed)
    optimum = rng.uniform(-4, 4, dimension)
    rotation, _ = np.linalg.qr(rng.normal(size=(dimension, dimension)))
    weights = 1e4 ** (np.arange(dimension) / (dimension - 1))
    return lambda x: np.sum(weights * ((np.atleast_2d(x) - optimum) @ rotation.T) ** 2, axis=1)


def _best(name: str, function, dimension: int, budget: int, batch: int, seed: int, **options) -> float:
    problem = _box(dimension)
    opt = OPTIMIZERS.create(name, options)
    state, used, best = opt.init(problem, seed), 0, np.inf
    while used < budget:
        candidates, state = opt.ask(problem, state, n=min(batch, budget - used))
        values = function(candidates)
        best, used = min(best, float(values.min())), used + len(candidates)
        state = opt.tell(problem, state, candidates, -values[:, None])
    return best


def test_the_model_minimum_of_a_rotated_ellipsoid_is_exact_from_enough_random_points():
    function = _rotated_ellipsoid(4, seed=3)
    points = np.random.default_rng(0).uniform(-5, 5, (16, 4))  # 15 terms in a 4-D quadratic, one more point
    minimum = quadratic_minimum(points, function(points))
    assert minimum is not None and function(minimum)[0] < 1e-12
    assert quadratic_minimum(points[:10], function(points[:10])) is not None  # squares only: 2 d + 1 terms
    assert quadratic_minimum(points[:9], function(points[:9])) is None  # too few to fit anything


@pytest.mark.parametrize("batch", [1, 16])
def test_on_an_ill_conditioned_rotated_ellipsoid_it_is_far_better_than_cmaes(batch):
    # 5-D, 60 evaluations per dimension, three seeds: the model's minimum lands on the optimum, plain
    # CMA-ES is still far from it.
    for seed in range(3):
        function = _rotated_ellipsoid(5, seed=10 + seed)
        ours = _best("cmaes-quadratic", function, 5, 300, batch, seed)
        plain = _best("cmaes", function, 5, 300, batch, seed)
        assert ours < 1e-6 and ours < 1e-4 * plain, (seed, ours, plain)


def test_a_score_the_model_cannot_fit_leaves_most_of_the_budget_to_cmaes():
    problem = _box(3)
    rng = np.random.default_rng(0)
    opt = OPTIMIZERS.create("cmaes-quadratic", {})
    state = opt.init(problem, seed=0)
    for _ in range(200):
        candidate, state = opt.ask(problem, state, n=1)
        state = opt.tell(problem, state, candidate, rng.normal(size=(1, 1)))  # pure noise
    assert 0 < state["proposals"] <= 40, state["proposals"]


def test_a_failed_evaluation_is_not_fitted_and_the_run_goes_on():
    problem = _box(2)
    opt = OPTIMIZERS.create("cmaes-quadratic", {})
    state = opt.init(problem, seed=1)
    best = np.inf
    for step in range(60):
        candidate, state = opt.ask(problem, state, n=1)
        value = float(np.sum((candidate - 1.0) ** 2))
        score = np.nan if step % 7 == 3 else -value
        best = min(best, value) if np.isfinite(score) else best
        state = opt.tell(problem, state, candidate, np.array([[score]]))
    assert best < 1e-8
    assert state["failed"] == sum(1 for step in range(60) if step % 7 == 3)
    assert np.isfinite(state["losses"]).all()


def test_the_state_keeps_only_the_results_the_model_may_be_fitted_to():
    problem = _box(3)  # 10 terms, fitted to the best 20 results; 4 x 20 kept
    opt = OPTIMIZERS.create("cmaes-quadratic", {})
    state, told = opt.init(problem, seed=0), []
    for _ in range(30):
        candidates, state = opt.ask(problem, state, n=10)
        told.extend(np.sum((candidates - 1.0) ** 2, axis=1))
        state = opt.tell(problem, state, candidates, -np.sum((candidates - 1.0) ** 2, axis=1, keepdims=True))
    assert len(state["codes"]) == len(state["losses"]) == 80
    assert np.allclose(np.sort(state["losses"]), np.sort(told)[:80]) and min(told) < 1e-8
