"""Each optimizer makes progress; NSGA-II beats random search on ZDT1; bad options are refused."""

from __future__ import annotations

import numpy as np
import pytest

from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import Problem
from l2l.optimizers.pareto import hypervolume_2d, pareto_front_mask
from l2l.space import Space
from optimizer_helpers import evaluate, optimizer, sphere_problem

LEARNERS = [name for name in OPTIMIZERS.names() if name not in ("random", "grid")]
#: Evaluations on the 4-D sphere: the model-based ones are slow per evaluation, and those that reach 1e-20
#: by 600 need no more than 200 to show it.
BUDGET = {"gp": 24, "tpe": 120, "motpe": 120, "auto": 200, "cmaes-quadratic": 200, "nevergrad": 100}
#: Seeds whose median is compared: fewer for the optimizers slow per evaluation.
SEEDS = {"gp": 3, "tpe": 3, "motpe": 3, "auto": 3, "cmaes-quadratic": 3, "nevergrad": 3}
#: FAST_OPTIONS' 8 samples a generation leave cross-entropy 2 elites, whose spread shrinks to nothing within
#: ~6 generations (best 1.4-1.9 on 2 of 5 seeds, no better than random search); 20 is still quick. face likewise:
#: with FAST_OPTIONS' 6-12 samples it passed on seeds 0-4 only by luck (on fresh seeds 200-209 its median best was
#: 1.33 against random search's 1.52, short of the bar on 6 of 10 seeds; scripts/optimizers_test_claims.py); with
#: its default sizes (20 first, up to 100, 10 more at a time) its median is 2e-4 on those seeds, below the bar on all.
SPHERE_OPTIONS = {"cross-entropy": {"population_size": 20},
                  "face": {"min_population_size": 20, "max_population_size": 100, "increment": 10}}


def _sphere_values(problem, candidates):
    scores, _ = evaluate(problem, candidates)
    return -scores[:, 0]


def _best_on_the_sphere(name: str, seed: int, budget: int, bar: float = 0.0) -> float:
    """The best (lowest) sphere value ``name`` finds in ``budget`` evaluations (random search: one batch), or the
    first best below ``bar``, where it stops: whether it ends below the bar is the same either way."""
    problem = sphere_problem(dimension=4, k=2 if name == "nsga3" else 1)
    if name == "random":
        opt = OPTIMIZERS.create("random", {"population_size": 20})
        candidates, _ = opt.ask(problem, opt.init(problem, seed=seed), n=budget)
        return float(_sphere_values(problem, candidates).min())
    opt = optimizer(name, **SPHERE_OPTIONS.get(name, {}))
    state = opt.init(problem, seed=seed)
    used, best = 0, np.inf
    while used < budget:
        candidates, state = opt.ask(problem, state)
        scores, outputs = evaluate(problem, candidates)
        state = opt.tell(problem, state, candidates, scores, outputs if opt.needs_outputs else None)
        best = min(best, float((-scores[:, 0]).min()))
        used += len(candidates)
        if best < bar:
            break
    return best


@pytest.mark.parametrize("name", LEARNERS)
def test_each_optimizer_beats_random_search_on_the_sphere_at_the_same_budget(name):
    """Median best of several seeds at least 3x lower than random search's at the same budget (random search
    reaches 0.5-3 in 600 evaluations from a first guess worth ~40: 'best < 0.2 x first' let a learner that
    stopped learning pass). A seed stops once its best is below the bar: the median of an odd number of seeds is
    below it exactly when it would be at the whole budget."""
    budget, seeds = BUDGET.get(name, 600), range(SEEDS.get(name, 5))
    assert len(seeds) % 2 == 1
    random = np.median([_best_on_the_sphere("random", seed, budget) for seed in seeds])
    learner = np.median([_best_on_the_sphere(name, seed, budget, bar=random / 3) for seed in seeds])
    assert learner < random / 3, \
        f"{name}: median best {learner:.3g} vs random search's {random:.3g} ({budget} evaluations)"


def test_random_search_improves_only_by_luck_so_learners_must_beat_it():
    problem = sphere_problem(dimension=4)
    opt = OPTIMIZERS.create("random", {"population_size": 20})
    state = opt.init(problem, seed=0)
    candidates, _ = opt.ask(problem, state, n=600)
    assert _sphere_values(problem, candidates).min() > 0.1


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_ga_asked_for_fewer_candidates_than_its_elites_gives_exactly_that_many(n):
    problem = sphere_problem(dimension=3)
    opt = OPTIMIZERS.create("ga", {"population_size": 8, "elite_size": 3})
    state = opt.init(problem, seed=0)
    candidates, state = opt.ask(problem, state)
    scores, _ = evaluate(problem, candidates)
    state = opt.tell(problem, state, candidates, scores)
    fewer, _ = opt.ask(problem, state, n=n)
    assert fewer.shape == (n, problem.space.dimension)
    if n >= 2:  # the best elite comes first, and at least one candidate is new offspring
        np.testing.assert_allclose(fewer[0], candidates[np.argmax(scores[:, 0])])


def _zdt1(x: np.ndarray) -> np.ndarray:
    f1 = x[:, 0]
    g = 1 + 9 * x[:, 1:].mean(axis=1)
    f2 = g * (1 - np.sqrt(f1 / g))
    return np.stack([f1, f2], axis=1)


def _zdt1_hypervolume(name: str, seed: int, generations: int = 25, population: int = 40) -> float:
    problem = Problem(Space.from_json({"x": {"low": 0.0, "high": 1.0, "shape": [10]}}),
                      (Objective("f1"), Objective("f2")))
    opt = OPTIMIZERS.create(name, {"population_size": population})
    state = opt.init(problem, seed)
    scores = []
    for _ in range(generations):
        candidates, state = opt.ask(problem, state)
        batch = -_zdt1(candidates)
        state = opt.tell(problem, state, candidates, batch)
        scores.append(batch)
    return hypervolume_2d(np.vstack(scores), reference=(-1.1, -3.0))


def test_nsga2_finds_a_zdt1_front_with_clearly_more_hypervolume_than_random_search():
    nsga2 = np.median([_zdt1_hypervolume("nsga2", seed) for seed in range(3)])
    random = np.median([_zdt1_hypervolume("random", seed) for seed in range(3)])
    assert nsga2 > 2 * random, (nsga2, random)


def test_nsga3_also_beats_random_search_on_zdt1():
    assert _zdt1_hypervolume("nsga3", 0) > _zdt1_hypervolume("random", 0)


def test_pareto_front_mask_keeps_exactly_the_non_dominated_points():
    scores = np.array([[1, 5], [2, 4], [2, 3], [0, 0], [3, 1], [3, 1], [np.nan, 9]], dtype=float)
    np.testing.assert_array_equal(pareto_front_mask(scores), [True, True, False, False, True, True, False])


def test_hypervolume_2d_is_the_area_of_the_dominated_staircase():
    scores = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [0.5, 0.5]])
    assert hypervolume_2d(scores, reference=(0.0, 0.0)) == pytest.approx(3 + 2 + 1)
    assert hypervolume_2d(scores, reference=(5.0, 5.0)) == 0.0


@pytest.mark.parametrize("name, options, fragment", [
    ("cmaes", {"population_size": 0}, "population_size"),
    ("cmaes", {"sigma": -1.0}, "sigma must be > 0"),
    ("es", {"learning_rate": -0.1}, "learning_rate must be > 0"),
    ("gradient-descent", {"learning_rate": 0.0}, "learning_rate"),
    ("gradient-descent", {"method": "newton"}, "method must be one of"),
    ("gradient-descent", {"n_random_directions": 0}, "n_random_directions"),
    ("cross-entropy", {"elite_fraction": 1.5}, "elite_fraction"),
    ("cross-entropy", {"distribution": "cauchy"}, "distribution"),
    ("face", {"min_population_size": 10, "max_population_size": 5}, "max_population_size"),
    ("nes", {"population_size": 1}, "population_size"),
    ("simulated-annealing", {"cooling_schedule": "fast"}, "cooling_schedule"),
    ("simulated-annealing", {"cooling_rate": 1.5}, "cooling_rate"),
    ("parallel-tempering", {"min_temperature": 5.0, "max_temperature": 1.0}, "max_temperature"),
    ("enkf", {"ensemble_size": 1}, "ensemble_size"),
    ("enkf", {"gamma": 0.0}, "gamma"),
    ("enkf", {"target": []}, "target"),
    ("tpe", {"population_size": 0}, "population_size"),
    ("gp", {"n_startup_trials": -1}, "n_startup_trials"),
    ("motpe", {"n_ei_candidates": 0}, "n_ei_candidates"),
    ("nsga2", {"population_size": 2}, "population_size"),
    ("nsga2", {"crossover_probability": 2.0}, "crossover_probability"),
    ("nsga3", {"reference_divisions": 0}, "reference_divisions"),
])
def test_invalid_options_are_refused_with_the_option_value_and_rule(name, options, fragment):
    with pytest.raises(ConfigError, match=fragment) as error:
        OPTIMIZERS.create(name, options)
    assert repr(next(iter(options.values())))[:4] in str(error.value) or "must" in str(error.value)


def test_nsga3_refuses_a_single_objective():
    with pytest.raises(ConfigError, match="at least 2 objectives"):
        OPTIMIZERS.create("nsga3").check(sphere_problem())


def test_enkf_needs_outputs_matching_its_target():
    problem = sphere_problem(dimension=2)
    opt = OPTIMIZERS.create("enkf", {"target": [0.0, 0.0, 0.0]})
    candidates, state = opt.ask(problem, opt.init(problem, 0))
    scores, outputs = evaluate(problem, candidates)
    with pytest.raises(Exception, match="3 entries"):
        opt.tell(problem, state, candidates, scores, outputs)
    with pytest.raises(Exception, match="outputs"):
        opt.tell(problem, state, candidates, scores, None)


def test_enkf_fits_a_linear_model_to_its_target():
    rng = np.random.default_rng(0)
    design = rng.normal(size=(30, 3))
    truth = np.array([1.0, -2.0, 0.5])
    problem = Problem(Space.from_json({"w": {"default": 0.0, "scale": 1.0, "shape": [3]}}), (Objective("mse"),))
    opt = OPTIMIZERS.create("enkf", {"target": list(design @ truth), "ensemble_size": 20, "gamma": 1e-4})
    state = opt.init(problem, seed=1)
    for _ in range(10):
        candidates, state = opt.ask(problem, state)
        outputs = candidates @ design.T
        mse = np.mean((outputs - design @ truth) ** 2, axis=1)
        state = opt.tell(problem, state, candidates, -mse[:, None], outputs)
    np.testing.assert_allclose(state["ensemble"].mean(axis=0) * 4 - 2, truth, atol=0.05)
