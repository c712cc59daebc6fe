"""Median stopping: a candidate whose result at some budget is worse than the median there is stopped.

Every candidate trains through the rungs (the geometric budgets also used by
the halving schedules); after each rung its score is compared with the scores
every other candidate had at the same budget. With at least ``min_trials`` of
those and past the ``grace`` budget, a candidate below their median is stopped
(Golovin et al. 2017, Google Vizier's rule; Optuna's MedianPruner). A
candidate whose segment failed is stopped, and its penalty does not count
in the median. Works
with any optimizer as the source of new candidates; a free worker continues
the oldest candidate that may go on, else starts a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.policies.base import Action, RungPolicy, State, TrialTable, rung_of
from l2l.registry import option


@dataclass(frozen=True)
class MedianStopping(RungPolicy):
    """Stop a candidate whose result is below the median of the others at the same budget (compared at every rung)."""

    name: ClassVar[str] = "median-stopping"

    min_trials: int = option(4, help="others needed at a budget before a candidate can be stopped there", ge=1)
    grace: float = option(0.0, help="no candidate is stopped below this budget", ge=0)

    def init(self, budgets: list[float], dimension: int, seed: int) -> State:
        return {"budgets": list(budgets), "ready": [], "stopped": []}

    def next(self, state: State, trials: TrialTable) -> tuple[Action, State]:
        if state["ready"]:
            trial, budget = state["ready"][0]
            return Action("continue", budget, trial), {**state, "ready": state["ready"][1:]}
        return Action("start", state["budgets"][0]), state

    def report(self, state: State, trials: TrialTable, trial: int, budget: float, score: float) -> State:
        budgets = state["budgets"]
        rung = rung_of(budgets, budget)
        if rung == len(budgets) - 1:
            return state
        if trials.failed(trial):  # no checkpoint to continue from, and a penalty is no result
            return {**state, "stopped": state["stopped"] + [trial]}
        others = [s for t, s in trials.scores_at(budget).items() if t != trial and not trials.failed_at(t, budget)]
        if budget >= self.grace and len(others) >= self.min_trials and score < float(np.median(others)):
            return {**state, "stopped": state["stopped"] + [trial]}
        return {**state, "ready": state["ready"] + [[trial, budgets[rung + 1]]]}

