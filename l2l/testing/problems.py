"""Small problems and an ask/tell driver for optimizer tests: numpy functions, no loop, no files."""

from __future__ import annotations

import numpy as np

from l2l.objectives import Objective
from l2l.optimizers.base import Optimizer, Problem, State
from l2l.space import Space


def objectives(k: int) -> tuple[Objective, ...]:
    """``k`` minimized objectives named f0, f1, ..."""
    return tuple(Objective(f"f{i}") for i in range(k))


def mixed_problem(n_objectives: int = 1) -> Problem:
    """Floats (an array and a log one), an int and a categorical."""
    space = Space.from_json({
        "x": {"low": -2.0, "high": 3.0, "shape": [3]},
        "rate": {"low": 1e-4, "high": 1e-1, "log": True},
        "layers": {"type": "int", "low": 1, "high": 6},
        "kind": {"type": "categorical", "choices": ["a", "b", "c"]},
    })
    return Problem(space, objectives(n_objectives))


def problem_for(optimizer: Optimizer) -> Problem:
    """:func:`mixed_problem` with two objectives for a multi-objective optimizer, one otherwise."""
    return mixed_problem(2 if optimizer.multi_objective else 1)


def sphere_problem(dimension: int = 4, k: int = 1) -> Problem:
    """A bounded float array of ``dimension`` values and ``k`` objectives."""
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


def drive(optimizer: Optimizer, problem: Problem, state: State, generations: int,
          record: list | None = None) -> State:
    """Run ``generations`` ask/tell rounds on :func:`evaluate`; append each generation's candidates to ``record``."""
    for _ in range(generations):
        candidates, state = optimizer.ask(problem, state)
        scores, outputs = evaluate(problem, candidates)
        state = optimizer.tell(problem, state, candidates, scores, outputs if optimizer.needs_outputs else None)
        if record is not None:
            record.append(candidates)
    return state
