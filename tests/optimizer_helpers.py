"""Problems, fast options and a driver shared by the optimizer tests (numpy functions, no loop)."""

from __future__ import annotations

import numpy as np

from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import Problem
from l2l.space import Space

#: Options that keep each optimizer quick enough for the test suite.
FAST_OPTIONS: dict[str, dict] = {
    "gp": {"population_size": 3, "n_startup_trials": 4},
    "tpe": {"population_size": 5, "n_startup_trials": 5},
    "motpe": {"population_size": 5, "n_startup_trials": 5},
    "nsga2": {"population_size": 8},
    "nsga3": {"population_size": 8, "reference_divisions": 4},
    "face": {"min_population_size": 6, "max_population_size": 12, "increment": 3},
    "gradient-descent": {"n_random_directions": 4},
    "cross-entropy": {"population_size": 8},
}


def optimizer(name: str, **options):
    return OPTIMIZERS.create(name, {**FAST_OPTIONS.get(name, {}), **options})


def objectives(k: int) -> tuple[Objective, ...]:
    return tuple(Objective(f"f{i}") for i in range(k))


def mixed_problem(name: str) -> Problem:
    """Floats (an array and a log one), an int and a categorical; two objectives for multi-objective optimizers."""
    space = Space.from_json({
        "x": {"low": -2.0, "high": 3.0, "shape": [3]},
        "rate": {"low": 1e-4, "high": 1e-1, "log": True},
        "layers": {"type": "int", "low": 1, "high": 6},
        "kind": {"type": "categorical", "choices": ["a", "b", "c"]},
    })
    k = 2 if OPTIMIZERS.get(name).multi_objective else 1
    return Problem(space, objectives(k))


def sphere_problem(dimension: int = 4, k: int = 1) -> Problem:
    # Off-centre bounds: starting in the middle of the box must not mean starting at the optimum.
    return Problem(Space.from_json({"x": {"low": -3.0, "high": 7.0, "shape": [dimension]}}), objectives(k))


def evaluate(problem: Problem, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Larger-is-better scores (n, k) and outputs (n, dimension) of a shifted sphere.

    Objective 0 is minus the squared distance to 0.5; objective 1 (if any) minus
    the squared distance to 1.5. The outputs are the residuals ``x - 0.5``.
    """
    residuals = candidates - 0.5
    columns = [-np.sum(residuals ** 2, axis=1), -np.sum((candidates - 1.5) ** 2, axis=1)]
    scores = np.stack(columns[: problem.n_objectives], axis=1)
    return scores, residuals


def drive(opt, problem: Problem, state, generations: int, record: list | None = None):
    """Run ``generations`` ask/tell rounds; append each generation's candidates to ``record``."""
    for _ in range(generations):
        candidates, state = opt.ask(problem, state)
        scores, outputs = evaluate(problem, candidates)
        state = opt.tell(problem, state, candidates, scores, outputs if opt.needs_outputs else None)
        if record is not None:
            record.append(candidates)
    return state
