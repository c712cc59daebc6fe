"""Fast options of the registered optimizers, and the problems and driver of :mod:`l2l.testing.problems`."""

from __future__ import annotations

from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import Problem
from l2l.testing.problems import drive, evaluate, objectives, sphere_problem
from l2l.testing.problems import mixed_problem as _mixed_problem

__all__ = ["FAST_OPTIONS", "drive", "evaluate", "mixed_problem", "objectives", "optimizer", "sphere_problem"]

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
    "nevergrad": {"population_size": 4, "num_workers": 16, "budget": 100},
}


def optimizer(name: str, **options):
    return OPTIMIZERS.create(name, {**FAST_OPTIONS.get(name, {}), **options})


def mixed_problem(name: str) -> Problem:
    """The mixed space of :func:`l2l.testing.problems.mixed_problem`; two objectives for multi-objective optimizers."""
    return _mixed_problem(2 if OPTIMIZERS.get(name).multi_objective else 1)
