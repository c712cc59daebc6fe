"""``auto`` chooses by its documented decision table and is the default optimizer of a config."""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import Problem
from l2l.results_schema.codec import decode, encode
from l2l.space import Space
from optimizer_helpers import evaluate, mixed_problem, sphere_problem

UNBOUNDED = Problem(Space.from_json({"w": {"default": 0.0, "scale": 1.0, "shape": [3]}}), (Objective("f"),))
DISCRETE = Problem(Space.from_json({"layers": {"type": "int", "low": 1, "high": 6},
                                    "units": {"type": "int", "low": 8, "high": 512, "log": True},
                                    "kind": {"type": "categorical", "choices": ["a", "b"]},
                                    "rate": {"low": 1e-4, "high": 1e-1, "log": True}}), (Objective("f"),))
TWO = Problem(Space.from_json({"x": {"low": 0.0, "high": 1.0, "shape": [4]}}), (Objective("f"), Objective("g")))


@pytest.mark.parametrize("problem, options, name, row", [  # without Nevergrad
    (TWO, {"budget": 100}, "motpe", 1),
    (TWO, {"budget": 2000}, "nsga2", 2),
    (UNBOUNDED, {}, "cmaes-quadratic", 7),
    (DISCRETE, {"budget": 300}, "tpe", 4),
    (mixed_problem("tpe"), {"budget": 3000}, "cmaes-quadratic", 7),
    (sphere_problem(dimension=4), {"budget": 40}, "cmaes-quadratic", 7),
    (sphere_problem(dimension=4), {"budget": 40, "noisy": True}, "cmaes", 5),
    (sphere_problem(dimension=1), {"budget": 300}, "tpe", 6),
    (sphere_problem(dimension=8), {"budget": 2000}, "cmaes-quadratic", 7),
])
def test_auto_chooses_by_the_row_of_its_table_that_matches_first(problem, options, name, row):
    chosen, _, matched = OPTIMIZERS.create("auto", {"nevergrad": False, **options}).choose(problem)
    assert (chosen, matched) == (name, row)


def test_with_nevergrad_installed_auto_chooses_ngopt_for_a_mostly_discrete_space_told_budget_and_batch():
    chosen, options, row = OPTIMIZERS.create("auto", {"budget": 300, "population_size": 16}).choose(DISCRETE)
    assert (chosen, row) == ("nevergrad", 3)
    assert options == {"budget": 300, "population_size": 16, "num_workers": 16}
    # continuous spaces keep l2l's own choice, which beats NGOpt on the black-box suite
    assert OPTIMIZERS.create("auto", {"budget": 300}).choose(UNBOUNDED)[:3:2] == ("cmaes-quadratic", 7)
    assert OPTIMIZERS.create("auto", {"budget": 3000}).choose(TWO)[0] == "nsga2"  # not Nevergrad


def test_a_batch_size_sets_the_population_of_the_chosen_optimizer():
    own = {"nevergrad": False, "budget": 4000}
    _, options, _ = OPTIMIZERS.create("auto", {**own, "population_size": 16}).choose(sphere_problem(8))
    assert options["population_size"] == 16
    _, noisy, _ = OPTIMIZERS.create("auto", {**own, "noisy": True}).choose(sphere_problem(8))
    _, quiet, _ = OPTIMIZERS.create("auto", own).choose(sphere_problem(8))
    assert noisy["population_size"] == 2 * quiet["population_size"]


def test_the_choice_is_stated_in_one_line_and_kept_in_the_state():
    auto = OPTIMIZERS.create("auto", {"budget": 2000, "nevergrad": False})
    problem = sphere_problem(dimension=8)
    assert auto.describe(problem).startswith("optimizer 'auto' chose 'cmaes-quadratic' (population_size = 10), row 7")
    state = decode(encode(auto.init(problem, seed=0)))
    assert state["choice"] == "cmaes-quadratic" and state["row"] == 7


@pytest.mark.parametrize("nevergrad", [True, False])
def test_auto_finds_the_sphere_far_better_than_random_search(nevergrad):
    problem = sphere_problem(dimension=4)
    best = {}
    for name in ("auto", "random"):
        opt = OPTIMIZERS.create(name, {"budget": 400, "nevergrad": nevergrad} if name == "auto" else {})
        state = opt.init(problem, seed=1)
        values = []
        for _ in range(40):
            candidates, state = opt.ask(problem, state, n=10)
            scores, _ = evaluate(problem, candidates)
            state = opt.tell(problem, state, candidates, scores)
            values.append(-scores[:, 0].max())
        best[name] = min(values)
    assert best["auto"] < 0.01 * best["random"], best


def test_a_config_without_an_optimizer_table_runs_with_auto(tmp_path):
    config = l2l.from_mapping({"run": {"name": "auto", "seed": 2, "generations": 2},
                               "space": {"x": {"low": -2.0, "high": 2.0, "shape": [3]}},
                               "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    assert config.optimizer.name == "auto"
    frame = l2l.load(l2l.run(config, tmp_path / "auto.h5"))
    assert len(frame) > 0 and np.isfinite(frame["x[0]"]).all()


def _built(backend: dict, optimizer: dict | None = None, space: dict | None = None):
    from l2l.components import build

    data = {"space": space or {"x": {"low": -2.0, "high": 2.0, "shape": [3]}}, "simulator": {"name": "sphere"},
            "backend": backend}
    if optimizer is not None:
        data["optimizer"] = optimizer
    components = build(l2l.from_mapping(data))
    return components.optimizer, components.problem


def test_the_backends_workers_are_autos_batch_when_the_config_sets_no_population():
    opt, problem = _built({"name": "local", "workers": 24})
    assert opt.choose(problem)[:2] == ("cmaes-quadratic", {"population_size": 24})  # was 7 (4 + 3 ln 3)
    assert "workers = 24" in opt.describe(problem)
    opt, problem = _built({"name": "serial"})
    assert opt.choose(problem)[1] == {"population_size": 7}


def test_an_explicit_population_is_kept_whatever_the_workers():
    opt, problem = _built({"name": "local", "workers": 24}, {"population_size": 5})
    assert opt.workers is None and opt.choose(problem)[1] == {"population_size": 7}
    opt, problem = _built({"name": "local", "workers": 24}, {"name": "cmaes"})
    assert opt.population_size is None  # other optimizers are not told the workers


def test_with_workers_the_tpe_rows_keep_tpes_own_batch():
    space = {"n": {"type": "int", "low": 1, "high": 9}, "k": {"type": "categorical", "choices": [1, 2, 3]}}
    opt, problem = _built({"name": "local", "workers": 24}, {"nevergrad": False}, space)
    name, options, row = opt.choose(problem)
    assert (name, row) == ("tpe", 4) and "population_size" not in options


def test_a_noisy_objective_is_declared_in_the_optimizer_table_without_a_name():
    opt, problem = _built({"name": "serial"}, {"noisy": True})
    assert opt.choose(problem)[::2] == ("cmaes", 5) and "noisy = true" in opt.describe(problem)
    quiet, problem = _built({"name": "serial"})
    assert "noisy = false; set [optimizer] noisy = true" in quiet.describe(problem)  # the run's start line says how


def test_a_noisy_value_that_is_not_a_boolean_is_refused_by_the_cli(tmp_path, capsys):
    from l2l.cli import main

    path = tmp_path / "noisy.toml"
    path.write_text('[space.x]\nlow = 0.0\nhigh = 1.0\n\n[simulator]\nname = "sphere"\n\n'
                    '[optimizer]\nnoisy = "yes"\n\n[backend]\nname = "serial"\n')
    assert main(["run", str(path), "--out", str(tmp_path / "n.h5")]) == 2
    assert "option 'noisy' must be true or false, got 'yes'" in capsys.readouterr().err


@pytest.mark.parametrize("run, says", [
    ({"generations": 2}, "budget = 300 by default, while its 2 generations spend 14 evaluations: set run.evaluations"),
    ({"generations": 2, "evaluations": 50}, "budget = 50, workers"),  # the run's budget: nothing to add
])
def test_the_banner_says_what_the_runs_generations_spend_beside_the_default_budget(run, says):
    """A run limited by run.generations: 'budget = 300' alone read as the run's budget, which was 14
    evaluations (2 generations of the chosen CMA-ES's 7); with run.evaluations that is the budget."""
    from l2l.components import build

    config = l2l.from_mapping({"run": {"name": "a", **run}, "space": {"x": {"low": -1.0, "high": 1.0, "shape": [3]}},
                               "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    components = build(config)
    assert says in components.optimizer.describe(components.problem)
