"""Small budgets: optimizers told ``run.evaluations`` start from a space-filling design below 20 per dimension.

The population optimizers (:class:`l2l.optimizers._generations.BudgetSized`) then start from its best point;
``tpe``/``motpe`` take it as their start-up trials.

Checked here: the contract still holds with the design (resume, partial tells, ``ask(n)``); the design is a
Latin hypercube sized to the budget or to a larger first batch; at 20 evaluations per dimension and above a
budget changes nothing (the same candidates as without one, one at a time and in batches); and at 10
evaluations per dimension every one of them beats random search on shifted test functions (2-D one at a time,
5-D in batches of 16), over several seeds with a margin (docs/optimizers.md has the black-box suite's figures).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers._generations import SMALL_BUDGET_PER_DIMENSION, BudgetSized
from l2l.optimizers.base import Problem
from l2l.space import Space
from l2l.testing import AsynchronousOptimizerContract, OptimizerContract
from l2l.testing.optimizers import GenerationalOptimizerContract

def optimizer(name: str, **options):
    """The optimizer with its default sizes (the test suite's fast options would turn the design off)."""
    return OPTIMIZERS.create(name, options)


SIZED = [n for n in OPTIMIZERS.names() if issubclass(OPTIMIZERS.get(n), BudgetSized)]
SINGLE = [n for n in SIZED if not OPTIMIZERS.get(n).multi_objective or n == "nsga2"]
#: Optuna's TPE: its start-up trials become the design.
MODEL_BASED = ["tpe", "motpe"]


def test_the_population_optimizers_take_a_budget():
    assert set(SINGLE) >= {"cmaes", "cross-entropy", "face", "es", "nes", "ga", "nsga2", "gradient-descent",
                           "simulated-annealing", "parallel-tempering"}


class TestContractWithASmallBudget(OptimizerContract):
    @pytest.fixture(params=SIZED + MODEL_BASED)
    def make_optimizer(self, request):
        return lambda: optimizer(request.param, budget=12)


class TestGenerationalContractWithASmallBudget(GenerationalOptimizerContract):
    @pytest.fixture(params=SIZED)
    def make_optimizer(self, request):
        return lambda: optimizer(request.param, budget=12)


class TestAsynchronousContractWithASmallBudget(AsynchronousOptimizerContract):
    @pytest.fixture(params=MODEL_BASED)
    def make_optimizer(self, request):
        return lambda: optimizer(request.param, budget=12)


def box(dimension: int) -> Problem:
    return Problem(Space.from_json({"x": {"low": -5.0, "high": 5.0, "shape": [dimension]}}), (Objective("f"),))


def run(opt, problem, function, evaluations: int, batch: int, seed: int) -> tuple[np.ndarray, float]:
    """Every candidate asked (in order) and the best value, asking ``batch`` at a time."""
    state = opt.init(problem, seed)
    asked, best = [], np.inf
    while sum(len(a) for a in asked) < evaluations:
        candidates, state = opt.ask(problem, state, n=min(batch, evaluations - sum(len(a) for a in asked)))
        values = function(candidates)
        asked.append(candidates)
        best = min(best, float(values.min()))
        state = opt.tell(problem, state, candidates, -values[:, None])
    return np.vstack(asked), best


@pytest.mark.parametrize("name", SINGLE + ["tpe"])
@pytest.mark.parametrize("batch", [1, 16])
def test_a_budget_of_20_per_dimension_or_more_changes_nothing(name, batch):
    problem = box(3)
    sphere = lambda x: np.sum((x - 1.5) ** 2, axis=1)  # noqa: E731
    free, _ = run(optimizer(name), problem, sphere, 50, batch, 3)
    for budget in (SMALL_BUDGET_PER_DIMENSION * 3, 100 * 3):
        told, _ = run(optimizer(name, budget=budget), problem, sphere, 50, batch, 3)
        np.testing.assert_array_equal(told, free)


@pytest.mark.parametrize("name", SINGLE + ["tpe"])
def test_the_design_is_a_latin_hypercube_of_a_share_of_the_budget_or_of_the_first_batch(name):
    problem = box(2)
    opt = optimizer(name, budget=20)
    state = opt.init(problem, 0)
    size = 7  # 0.35 of the budget
    points, _ = opt.ask(problem, state, n=size)
    strata = np.floor((points + 5.0) / 10.0 * size)
    for column in strata.T:  # one point in each of `size` slices of every coordinate
        assert sorted(column.tolist()) == list(range(size))
    batch, _ = opt.ask(problem, opt.init(problem, 0), n=16)
    for column in np.floor((batch + 5.0) / 10.0 * 16).T:
        assert sorted(column.tolist()) == list(range(16))


@pytest.mark.parametrize("name, options", [("ga", {"population_size": 6}), ("cmaes", {"population_size": 6}),
                                           ("face", {"increment": 5}), ("tpe", {"n_startup_trials": 4}),
                                           ("gradient-descent", {"n_random_directions": 3})])
def test_an_explicit_size_is_kept_and_the_run_gets_no_design(name, options):
    """As auto keeps an explicit population_size: a config that sizes its generations runs as it did."""
    problem = box(2)
    sphere = lambda x: np.sum((x - 1.5) ** 2, axis=1)  # noqa: E731
    told, _ = run(optimizer(name, budget=20, **options), problem, sphere, 20, 1, 3)
    free, _ = run(optimizer(name, **options), problem, sphere, 20, 1, 3)
    np.testing.assert_array_equal(told, free)


def test_several_objectives_without_weights_get_no_design():
    space = Space.from_json({"x": {"low": 0.0, "high": 1.0, "shape": [2]}})
    problem = Problem(space, (Objective("f"), Objective("g")))
    assert "design_size" not in optimizer("nsga2", budget=10).init(problem, 0)


def _functions(dimension: int):
    """Shifted sphere, rotated ellipsoid, Rosenbrock and Rastrigin on [-5, 5]^d, optimum value 0."""
    rng = np.random.default_rng(11)
    out = []
    for _ in range(2):
        q, _ = np.linalg.qr(rng.normal(size=(dimension, dimension)))
        shift = rng.uniform(-4, 4, dimension)
        scales = 1e3 ** (np.arange(dimension) / (dimension - 1))
        out += [lambda x, s=shift: np.sum((x - s) ** 2, axis=1),
                lambda x, s=shift, q=q: np.sum(scales * ((x - s) @ q.T) ** 2, axis=1),
                lambda x, s=shift: np.sum(100 * ((x - s + 1)[:, 1:] - (x - s + 1)[:, :-1] ** 2) ** 2
                                          + (x - s)[:, :-1] ** 2, axis=1),
                lambda x, s=shift: np.sum((x - s) ** 2 - 10 * np.cos(2 * np.pi * (x - s)) + 10, axis=1)]
    return out


@functools.lru_cache(maxsize=None)  # random search's figure is the same for every optimizer: computed once
def _precision(name: str | None, dimension: int, batch: int, seeds: range) -> float:
    problem, budget = box(dimension), 10 * dimension
    figures = []
    for seed in seeds:
        for function in _functions(dimension):
            opt = OPTIMIZERS.create("random", {}) if name is None else optimizer(name, budget=budget)
            figures.append(np.log10(max(run(opt, problem, function, budget, batch, seed)[1], 1e-8)))
    return float(np.mean(figures))


@pytest.mark.parametrize("name", SINGLE)
@pytest.mark.parametrize("dimension, batch, margin", [(2, 1, 0.08), (5, 16, 0.15)])
def test_at_10_evaluations_per_dimension_every_one_beats_random_search(name, dimension, batch, margin):
    """Before, without the design, all but gradient-descent missed the 2-D margin (one at a time: 0.69 to 1.42
    against 0.75; now 0.38 to 0.64) and ga, nsga2 and the annealing chains the 5-D one (batches of 16: 1.97 to
    2.21 against 2.11; now 1.71 to 1.83)."""
    seeds = range(6)
    assert _precision(name, dimension, batch, seeds) < _precision(None, dimension, batch, seeds) - margin


def test_a_run_with_few_evaluations_starts_its_optimizer_from_the_design(tmp_path):
    """run.evaluations reaches the optimizer as its budget (l2l/components.py), so a config needs nothing else."""
    import l2l
    from l2l.components import build

    data = {"run": {"name": "small", "seed": 4, "evaluations": 30},
            "space": {"x": {"low": -2.0, "high": 2.0, "shape": [3]}},
            "optimizer": {"name": "cmaes"}, "simulator": {"name": "sphere"}, "backend": {"name": "serial"}}
    components = build(l2l.from_mapping(data))
    assert components.optimizer.budget == 30
    assert components.optimizer.init(components.problem, 4)["design_size"] == 10
    frame = l2l.load(l2l.run(l2l.from_mapping(data), tmp_path / "small.h5"))
    assert len(frame) == 30
    first = np.column_stack([frame[f"x[{i}]"].to_numpy()[:10] for i in range(3)])
    for column in np.floor((first + 2.0) / 4.0 * 10).T:
        assert sorted(column.tolist()) == list(range(10))
