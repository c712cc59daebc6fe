"""Behaviours of four optimizers that, before session 31, only test_initpoints30.py's fingerprint guarded.

helper-233's mutation round (tests/test_mutation31.py) found four mutations that no test of behaviour caught, only
the check that each optimizer evaluates exactly what it did before; a maintainer updating that fingerprint after a
deliberate change would accept them too. Each test below asserts what a user relies on and fails with its mutation:

- ga: ``random() > crossover_probability`` for ``<`` (crossover at 1 - p);
- nsga2: every gene mutated by default instead of 1 / dimension of them;
- cmaes: mu_eff dropped from the factor of the step-size path (the step size shrinks whatever the landscape);
- enkf: the target perturbed by gamma instead of sqrt(gamma) (the ensemble collapses twice as fast).

Every seed is fixed: the figures are deterministic; the margins guard against any change of the random stream.
"""

from __future__ import annotations

import numpy as np
import pytest

from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import Problem
from l2l.space import Space


def _unit_problem(dimension: int, objectives: int = 1) -> Problem:
    names = ("loss", "size")[:objectives]
    return Problem(Space.from_json({"x": {"type": "float", "low": 0.0, "high": 1.0, "shape": [dimension]}}),
                   tuple(Objective(name) for name in names))


def _unbounded_problem(dimension: int) -> Problem:
    return Problem(Space.from_json({"w": {"default": 0.0, "scale": 1.0, "shape": [dimension]}}), (Objective("f"),))


def _ga_pairs(crossover: float, seed: int) -> tuple[int, int]:
    """(pairs of children that are a blend of two members of the population, pairs) of a GA's second generation,
    without mutation or elites, from a first generation injected in [0.3, 0.7] (blends stay inside the bounds)."""
    problem = _unit_problem(4)
    ga = OPTIMIZERS.create("ga", {"population_size": 40, "crossover_probability": crossover,
                                  "mutation_probability": 0.0, "elite_size": 0})
    rng = np.random.default_rng(seed)
    first = 0.3 + 0.4 * rng.random((40, 4))
    state = ga.inject(problem, ga.init(problem, seed), first)
    population, state = ga.ask(problem, state)
    assert np.array_equal(population, first)
    state = ga.tell(problem, state, population, rng.random(40))
    children, state = ga.ask(problem, state)
    rows = {tuple(row) for row in population}
    sums = population[:, None, :] + population[None, :, :]
    blends = 0
    for a, b in zip(children[0::2], children[1::2]):
        copies = tuple(a) in rows and tuple(b) in rows
        # A blend crossover keeps each gene's sum of the pair: the children mix the genes of both parents.
        kept_sum = np.any(np.all(np.isclose(sums, a + b, rtol=0, atol=1e-12), axis=2))
        blends += bool(kept_sum and not copies)
    return blends, len(children) // 2


@pytest.mark.parametrize("crossover, low, high", [(1.0, 0.9, 1.0), (0.7, 0.55, 0.85), (0.0, 0.0, 0.0)])
def test_ga_crosses_over_about_crossover_probability_of_its_pairs_into_blends_of_both_parents(crossover, low, high):
    counts = [_ga_pairs(crossover, seed) for seed in range(12)]
    share = sum(b for b, _ in counts) / sum(n for _, n in counts)
    assert low <= share <= high, (crossover, share, counts)


@pytest.mark.parametrize("dimension", [5, 20])
def test_nsga2_mutates_about_one_gene_in_dimension_by_default(dimension):
    """Polynomial mutation's default rate is 1 / dimension per gene (Deb's rule): an offspring (without crossover)
    is its parent with about one gene changed, not a new point in every coordinate."""
    problem = _unit_problem(dimension, objectives=2)
    nsga = OPTIMIZERS.create("nsga2", {"population_size": 40, "crossover_probability": 0.0})
    changed = total = 0
    for seed in range(5):
        rng = np.random.default_rng(seed)
        state = nsga.init(problem, seed)
        first, state = nsga.ask(problem, state)
        state = nsga.tell(problem, state, first, rng.random((len(first), 2)))
        parents = state["parents"]
        children, state = nsga.ask(problem, state)
        for column in range(dimension):
            changed += int(np.sum(~np.isin(children[:, column], parents[:, column])))
        total += children.size
    rate = changed / total
    assert 0.6 / dimension <= rate <= 1.5 / dimension, (dimension, rate)  # every gene: 1


def _cmaes_log_step_growth(landscape: str, seed: int, generations: int = 20) -> float:
    """log(sigma after / sigma before) of ``generations`` of cmaes in 10 unbounded dimensions."""
    problem = _unbounded_problem(10)
    cmaes = OPTIMIZERS.create("cmaes", {})
    state = cmaes.init(problem, seed)
    start = state["sigma"]
    rng = np.random.default_rng(seed)
    for _ in range(generations):
        x, state = cmaes.ask(problem, state)
        scores = {"flat": lambda: rng.random(len(x)), "slope": lambda: x[:, 0],
                  "sphere": lambda: -np.sum(x ** 2, axis=1)}[landscape]()  # larger is better
        state = cmaes.tell(problem, state, x, scores)
    return float(np.log(state["sigma"] / start))


def test_cmaes_step_size_grows_on_a_slope_shrinks_near_the_optimum_and_holds_without_information():
    """Cumulative step-size adaptation: along a linear slope the steps agree and the step size grows (e^3 in 20
    generations); near a sphere's optimum it shrinks; with scores that tell nothing (random) it drifts neither
    way. The path's factor sqrt(c (2 - c) mu_eff) makes an uninformed path as long as a random vector's: without
    mu_eff the step size shrank e^-2 in 20 generations of random scores and did not grow on the slope."""
    seeds = range(6)
    slope = [_cmaes_log_step_growth("slope", seed) for seed in seeds]
    sphere = [_cmaes_log_step_growth("sphere", seed) for seed in seeds]
    flat = [_cmaes_log_step_growth("flat", seed) for seed in seeds]
    assert min(slope) > 1.5, slope
    assert max(sphere) < -0.7, sphere
    assert abs(float(np.mean(flat))) < 0.75, flat


def test_enkf_ensemble_keeps_the_spread_of_the_posterior_that_gamma_says():
    """With an identity model (outputs = parameters) each update is a Bayesian update with observation noise
    variance gamma: the ensemble's variance after k updates is the posterior's, 1 / (1 / v0 + k / gamma). The
    target perturbed by N(0, gamma) for each member keeps that spread; perturbed by gamma's square (sd gamma,
    not sqrt(gamma)) the ensemble shrank to half of it."""
    problem = _unbounded_problem(4)
    gamma = 0.04
    ratios = []
    for seed in range(6):
        enkf = OPTIMIZERS.create("enkf", {"ensemble_size": 100, "gamma": gamma, "sigma": 0.05})
        state = enkf.init(problem, seed)
        x, state = enkf.ask(problem, state)
        before = x.var(axis=0, ddof=1)
        for _ in range(3):
            state = enkf.tell(problem, state, x, -np.sum(x ** 2, axis=1), outputs=x)
            x, state = enkf.ask(problem, state)
        ratios.append(float(np.mean(x.var(axis=0, ddof=1) * (1 / before + 3 / gamma))))
    assert all(0.75 <= r <= 1.3 for r in ratios), ratios  # sd gamma: 0.5
