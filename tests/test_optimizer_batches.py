"""Generational optimizers asked for a batch larger than their generation (issue 13: in batches of 16 in 2-D,
gradient-descent was worse than random search, nsga2 and parallel-tempering level with it).

A batch asked at once is now one generation sized for it: gradient descent adds points along its last gradient
(random starting points before the first), NSGA-II and NES more samples, GA a generation of the batch's size,
the Metropolis chains more proposals (each chain weighs its best). Asked one at a time, nothing changes.
"""

from __future__ import annotations

import numpy as np
import pytest

from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import Problem
from l2l.space import Space

BATCHED = ("gradient-descent", "nsga2", "parallel-tempering", "simulated-annealing", "nes", "ga", "cross-entropy", "es")


def problem(dimension: int = 2) -> Problem:
    return Problem(Space.from_json({"x": {"low": -5.0, "high": 5.0, "shape": [dimension]}}), (Objective("f"),))


def rotated_ellipsoid(x: np.ndarray) -> np.ndarray:
    """An ill-conditioned, rotated quadratic with its minimum 0 off the centre of the box."""
    angle = 0.6
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    z = (x - np.array([2.3, -3.1])) @ rotation.T
    return z[:, 0] ** 2 + 100.0 * z[:, 1] ** 2


def rosenbrock(x: np.ndarray) -> np.ndarray:
    z = x - np.array([-1.7, 2.2]) + 1.0
    return 100.0 * (z[:, 1] - z[:, 0] ** 2) ** 2 + (1.0 - z[:, 0]) ** 2


def rastrigin(x: np.ndarray) -> np.ndarray:
    z = x - np.array([0.9, 3.3])
    return 20.0 + np.sum(z ** 2 - 10.0 * np.cos(2 * np.pi * z), axis=1)


def sphere(x: np.ndarray) -> np.ndarray:
    return np.sum((x - np.array([-3.6, -1.2])) ** 2, axis=1)


#: A small black-box suite in 2-D (minimum 0 each): smooth, ill-conditioned, curved valley, multimodal.
SUITE = (sphere, rotated_ellipsoid, rosenbrock, rastrigin)


def best_in_batches(name: str, seed: int, function=rotated_ellipsoid, budget: int = 80, batch: int = 16) -> float:
    """log10 of the lowest value found in ``budget`` evaluations asked ``batch`` at a time, default options."""
    opt, p = OPTIMIZERS.create(name, {}), problem()
    state, used, best = opt.init(p, seed), 0, np.inf
    while used < budget:
        candidates, state = opt.ask(p, state, min(batch, budget - used))
        values = function(candidates)
        state = opt.tell(p, state, candidates, -values[:, None])
        best, used = min(best, float(values.min())), used + len(candidates)
    return float(np.log10(max(best, 1e-12)))


@pytest.mark.parametrize("name", BATCHED)
def test_a_batch_of_16_asked_at_once_is_one_generation_of_16(name):
    opt, p = OPTIMIZERS.create(name, {}), problem()
    candidates, state = opt.ask(p, opt.init(p, 0), 16)
    assert len(candidates) == 16 and state["generations_sampled"] == 1  # was 2 to 6 generations from one state


@pytest.mark.parametrize("name", BATCHED)
def test_asked_one_at_a_time_the_generation_is_the_default_one(name):
    opt, p = OPTIMIZERS.create(name, {}), problem()
    whole, _ = opt.ask(p, opt.init(p, 3))
    state, singles = opt.init(p, 3), []
    for _ in range(len(whole)):
        one, state = opt.ask(p, state, 1)
        singles.append(one[0])
    np.testing.assert_array_equal(np.array(singles), whole)


@pytest.mark.parametrize("name", ["gradient-descent", "nsga2", "cross-entropy"])
def test_in_batches_of_16_in_2d_each_beats_random_search_by_two_standard_errors(name):
    """parallel-tempering is not claimed: it passed on seeds 0-9 by 0.271 against 2 SE 0.254, and on fresh seeds
    gained 0.196 (2 SE 0.155), 0.004 (0.269) and 0.175 (0.175) on 200-209, 300-309 and 400-409, worse than random
    search on 12 of those 30 seeds (paired mean 0.13 +- 0.07 decades; scripts/optimizer_batches_test_claims.py).
    The other three beat the bar on all three fresh sets."""
    seeds = range(10)  # per seed: the mean over the suite of log10 of the best value (80 evaluations)
    ours = [np.mean([best_in_batches(name, seed, f) for f in SUITE]) for seed in seeds]
    random = [np.mean([best_in_batches("random", seed, f) for f in SUITE]) for seed in seeds]
    standard_error = np.sqrt((np.var(ours) + np.var(random)) / len(seeds))
    assert np.mean(random) - np.mean(ours) > 2 * standard_error, (ours, random)


def test_gradient_descent_moves_to_the_best_of_its_extra_points_when_it_beats_the_probed_point():
    opt, p = OPTIMIZERS.create("gradient-descent", {}), problem()
    state, moves, lines = opt.init(p, 0), 0, 0
    for _ in range(5):  # starting points, then looks around the best one and lines along the gradient
        lines += bool(np.any(state.get("direction", 0.0)))
        candidates, state = opt.ask(p, state, 16)
        values = rotated_ellipsoid(candidates)
        state = opt.tell(p, state, candidates, -values[:, None])
        extra = values[3:]  # after the point and its 2 probes
        if extra.min() < values[0]:
            point = p.space.lower + state["point"] * (p.space.upper - p.space.lower)
            np.testing.assert_allclose(point, candidates[3 + np.argmin(extra)])
            moves += 1
    assert moves >= 3 and lines >= 1


def test_nsga2_keeps_40_parents_for_several_objectives_and_8_for_one():
    nsga2 = OPTIMIZERS.create("nsga2", {})
    two = Problem(problem().space, (Objective("f"), Objective("g")))
    assert len(nsga2.ask(two, nsga2.init(two, 0))[0]) == 40
    assert len(nsga2.ask(problem(), nsga2.init(problem(), 0))[0]) == 8  # was 40: one selection in 80 evaluations


@pytest.mark.parametrize("name", ["parallel-tempering", "simulated-annealing"])
def test_each_chain_weighs_its_best_proposal_of_a_batch(name):
    opt, p = OPTIMIZERS.create(name, {}), problem()
    state = opt.init(p, 1)
    first, state = opt.ask(p, state, 4)  # the starting points
    state = opt.tell(p, state, first, -rotated_ellipsoid(first)[:, None])
    candidates, state = opt.ask(p, state, 16)
    values = rotated_ellipsoid(candidates)
    state = opt.tell(p, state, candidates, -values[:, None])
    chains = opt.population_size
    best_per_chain = np.array([values[c::chains].min() for c in range(chains)])
    others = np.setdiff1d(values, best_per_chain)
    held = -state["scores"]  # (parallel tempering may have swapped them between chains)
    assert np.isin(held, np.concatenate([best_per_chain, rotated_ellipsoid(first)])).all()
    assert not np.isin(held, others).any() and np.isin(held, best_per_chain).any()
