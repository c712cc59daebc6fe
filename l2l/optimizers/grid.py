"""Grid search over every combination of per-parameter levels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.errors import ConfigError
from l2l.optimizers.base import MAX_POPULATION, Optimizer, Problem, State
from l2l.registry import option
from l2l.space import Categorical, Int

MAX_POINTS = 10_000_000


@dataclass(frozen=True)
class GridSearch(Optimizer):
    """Every point of a regular grid, population_size points per generation; ends when exhausted."""

    name: ClassVar[str] = "grid"
    multi_objective: ClassVar[bool] = True
    supports_async: ClassVar[bool] = True

    points: int = option(5, help="levels per float dimension (ints: at most this many, categoricals: all)", ge=2)
    population_size: int = option(20, help="grid points evaluated per generation", ge=1, le=MAX_POPULATION)
    budget: int | None = option(None, help="evaluations of the whole run, set by the run from run.evaluations: a "
                                           "grid larger than that is said as the run starts", ge=1)
    generations: int | None = option(None, help="the run's generations, set by the run: a grid larger than they "
                                                "evaluate is said as the run starts", ge=1)

    def check(self, problem: Problem) -> None:
        problem.space.require_bounded("optimizer 'grid'")
        for p in problem.space.parameters:  # before the levels are spaced: points = 10**12 filled the memory
            if isinstance(p, Categorical):
                continue
            count = min(self.points, p.high - p.low + 1) if isinstance(p, Int) else self.points
            if count > MAX_POINTS:
                raise ConfigError(f"optimizer 'grid': points = {self.points} would give parameter {p.name!r} "
                                  f"{count} levels, more than the {MAX_POINTS} points a grid may have; lower points")
        size = int(np.prod([len(a) for a in self.levels(problem)], dtype=float))
        if size > MAX_POINTS:
            raise ConfigError(f"optimizer 'grid': the grid has {size} points, more than {MAX_POINTS}; "
                              f"lower points or the number of parameters")

    def levels(self, problem: Problem) -> list[np.ndarray]:
        """The code values of each encoded coordinate."""
        out = []
        for p in problem.space.parameters:
            if isinstance(p, Categorical):
                axis = np.arange(len(p.choices), dtype=float)
            elif isinstance(p, Int):  # spaced as the parameter is: evenly, or on a log scale (log = true)
                spacing = np.geomspace if p.log else np.linspace
                values = np.unique(np.round(spacing(p.low, p.high, min(self.points, p.high - p.low + 1))))
                axis = np.array([p.encode(int(v))[0] for v in values])
            else:
                low, high = p.code_bounds()
                axis = np.linspace(low[0], high[0], self.points)
            out.extend([axis] * p.size)
        return out

    def total(self, problem: Problem) -> int:
        return int(np.prod([len(a) for a in self.levels(problem)]))

    def init(self, problem: Problem, seed: int) -> State:
        total = self.total(problem)
        short = self.shortfall(problem, total)
        if short:  # once a run: init is not called again on resume
            from l2l.jobs.base import warn_line

            warn_line(f"l2l: warning: {short}")
        return {"next": 0, "total": total}

    def shortfall(self, problem: Problem, total: int | None = None) -> str:
        """What the run leaves out of the grid, where its generations (or evaluations) end it first; else "".

        The grid is walked in order, the last parameter fastest: a run that stops early has seen only the lowest
        levels of the first parameters (the original L2L's grid search evaluated the whole grid at once)."""
        total = self.total(problem) if total is None else total
        spent = self.budget if self.budget else self.generations * self.population_size if self.generations else None
        if spent is None or spent >= total:
            return ""
        first = problem.space.parameters[0].name
        first_levels = len(self.levels(problem)[0])
        reached = -(-spent // (total // first_levels))
        whole = -(-total // self.population_size)
        how = (f"set run.evaluations = {total}" if self.budget else
               f"set run.generations = {whole} (or population_size = {total}: the whole grid in one generation)")
        return (f"optimizer 'grid': the grid has {total} points and the run evaluates the first {spent}: the grid is "
                f"walked in order, so {first!r} takes {reached} of its {first_levels} levels and the best found is not the "
                f"grid's; "
                f"{how}, or lower points")

    def ask(self, problem: Problem, state: State, n: int | None = None) -> tuple[np.ndarray, State]:
        levels = self.levels(problem)
        start = state["next"]
        stop = min(start + (n or self.population_size), state["total"])
        indices = np.unravel_index(np.arange(start, stop), [len(a) for a in levels])
        candidates = np.stack([axis[i] for axis, i in zip(levels, indices)], axis=1) \
            if stop > start else np.empty((0, problem.space.dimension))
        return candidates, {**state, "next": stop}

    def tell(self, problem, state, candidates, scores, outputs=None) -> State:
        return dict(state)

    def done(self, problem: Problem, state: State) -> bool:
        return state["next"] >= state["total"]
