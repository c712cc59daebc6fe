"""The two single-fidelity schedules, ``run.mode = "generational"`` and ``"async"``, as policies.

Both run every candidate once, at the simulator's full budget, and neither
remembers anything beyond what the loop counts (generations committed,
candidates launched), so their state is empty.

* :class:`Generational` asks the optimizer for a whole generation (a
  ``"batch"`` action), waits until every member has a result, tells the
  optimizer the generation at once and commits it. A generation interrupted in
  the middle is resumed by asking again from the saved optimizer state (which
  gives the same candidates) and evaluating only the members the file does not
  hold yet (``reuses_uncommitted``).
* :class:`Async` (steady state) asks for one candidate whenever a worker is
  free, keeps one queued per worker besides the running one, tells each result
  as it arrives and commits every ``population`` results, so the trajectory
  looks like a generational one: the k-th candidate is individual
  ``k % population`` of generation ``k // population``, and its seed derives
  from that pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from l2l.policies.base import DONE, WAIT, Action, Policy, State, TrialTable


@dataclass(frozen=True)
class Generational(Policy):
    """A generation at a time: ask, evaluate all, tell, commit."""

    name: ClassVar[str] = "generational"
    multi_fidelity: ClassVar[bool] = False
    commit: ClassVar[str] = "cohort"
    forgets: ClassVar[bool] = True
    reuses_uncommitted: ClassVar[bool] = True

    generations: int = 1  # 0: no limit (the run's evaluation or time budget ends it)

    def init(self, budgets: list[float], dimension: int, seed: int) -> State:
        return {}

    def next(self, state: State, trials: TrialTable) -> tuple[Action, State]:
        if len(trials):  # the generation in flight is not told yet
            return WAIT, state
        return (DONE if self.generations and trials.committed >= self.generations else Action("batch")), state

    def coordinates(self, trial: int, record: dict, budgets, budget) -> tuple[int, int, int, int]:
        generation, individual = int(record["cohort"]), int(record["index"])
        return generation, individual, generation, individual


@dataclass(frozen=True)
class Async(Policy):
    """Steady state: a new candidate whenever a worker is free; one result told at a time."""

    name: ClassVar[str] = "async"
    multi_fidelity: ClassVar[bool] = False
    commit: ClassVar[str] = "count"
    forgets: ClassVar[bool] = True
    queue_depth: ClassVar[int] = 2  # one candidate queued per worker besides the running one

    generations: int = 1  # 0: no limit (the run's evaluation or time budget ends it)
    population: int = 16

    def init(self, budgets: list[float], dimension: int, seed: int) -> State:
        return {}

    @property
    def commit_every(self) -> int:
        return self.population

    def next(self, state: State, trials: TrialTable) -> tuple[Action, State]:
        if not self.generations or trials.launched < self.generations * self.population:
            return Action("start"), state
        return (WAIT if len(trials) else DONE), state

    def coordinates(self, trial: int, record: dict, budgets, budget) -> tuple[int, int, int, int]:
        generation, individual = divmod(trial, self.population)
        return generation, individual, generation, individual
