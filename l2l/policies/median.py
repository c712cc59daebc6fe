"""Median stopping: a candidate whose result at some budget is worse than the median there is stopped.

Every candidate trains through the rungs (the geometric budgets also used by
the halving schedules); after each rung its score is compared with the scores
every other candidate had at the same budget. With at least ``min_trials`` of
those and past the ``grace`` budget, a candidate below their median is stopped
(Golovin et al. 2017, Google Vizier's rule; Optuna's MedianPruner). A
candidate whose segment failed is stopped, and its penalty does not count
in the median. Works
with any optimizer as the source of new candidates; a free worker continues
the oldest candidate that may go on, else starts a new one (with a candidate
budget, ``max_candidates``, until that many are started; the run ends when each
is stopped or at the top budget).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

from l2l.policies.base import MAX_CANDIDATES, Action, RungPolicy, State, TrialTable, budget_key, rung_of


class _Scores:
    """Every trial's successful scores by budget, sorted, kept beside the trial table.

    A trial's scores and status change only when it reports, so the index follows the reports instead of
    reading every trial for each median (built from the whole table on its first use: a resumed run).
    """

    def __init__(self, trials: TrialTable) -> None:
        self.sorted: dict[str, list[float]] = {}
        self.nans: dict[str, int] = {}
        self.of: dict[int, dict[str, float]] = {}  # what each trial contributes
        for trial in trials.ids():
            self.update(trials, trial)

    def update(self, trials: TrialTable, trial: int) -> None:
        for key, score in self.of.pop(trial, {}).items():
            self._remove(key, score)
        mine = {budget_key(b): s for b, s in trials.scores_of(trial).items() if not trials.failed_at(trial, b)}
        for key, score in mine.items():
            if score != score:
                self.nans[key] = self.nans.get(key, 0) + 1
            else:
                insort(self.sorted.setdefault(key, []), score)
        self.of[trial] = mine

    def _remove(self, key: str, score: float) -> None:
        if score != score:
            self.nans[key] -= 1
        else:
            values = self.sorted[key]
            del values[bisect_left(values, score)]

    def others(self, trial: int, budget: float) -> tuple[int, float]:
        """How many other trials have a successful score at ``budget``, and their median (NaN if one is)."""
        key = budget_key(budget)
        values, nans = self.sorted.get(key, []), self.nans.get(key, 0)
        own = self.of.get(trial, {}).get(key)
        if own is not None:
            self._remove(key, own)
        try:
            count = len(values) + nans
            if nans or not values:
                return count, float("nan")
            middle = len(values) // 2
            if len(values) % 2:
                return count, float(values[middle])
            return count, float((values[middle - 1] + values[middle]) / 2)  # as numpy's median computes it
        finally:
            if own is not None:
                if own != own:
                    self.nans[key] += 1
                else:
                    insort(values, own)
from l2l.registry import option


def pointless_min_trials(options: Mapping[str, Any], sweep: bool) -> str | None:
    """Why ``[policy]`` options ``options`` of median stopping would stop no candidate, or None: ``min_trials`` at
    least the candidates started (``max_candidates``, which a ``sweep``'s run.generations x population_size
    set), when a candidate is compared with at most one fewer others; the run trained every candidate to the top
    budget, as if without a policy, and said nothing. One line for a config's refusal."""
    count, least = options.get("max_candidates"), options.get("min_trials")  # given: the default 4 of a small
    # sweep (2 x 2 candidates, a first try) is left as it was
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (count, least)) or not 0 < count <= least:
        return None  # no candidate budget, or not counts: the options' own checks name them
    given = (f"the sweep's {count} candidates (run.generations x population_size)" if sweep
             else f"[policy] max_candidates = {count}")
    return (f"[policy] min_trials = {least} is at least {given}: a candidate has at most {count - 1} others to be "
            f"compared with, so median stopping would stop none; give min_trials below {count}")


@dataclass(frozen=True)
class MedianStopping(RungPolicy):
    """Stop a candidate whose result is below the median of the others at the same budget (compared at every rung)."""

    name: ClassVar[str] = "median-stopping"

    # (10**9 was taken: no budget ever had that many results, so nothing was stopped, without a word)
    min_trials: int = option(4, help="others needed at a budget before a candidate can be stopped there", ge=1,
                             le=MAX_CANDIDATES)
    grace: float = option(0.0, help="no candidate is stopped below this budget", ge=0)

    def init(self, budgets: list[float], dimension: int, seed: int) -> State:
        return {"budgets": list(budgets), "ready": [], "stopped": []}

    def next(self, state: State, trials: TrialTable) -> tuple[Action, State]:
        if state["ready"]:
            trial, budget = state["ready"][0]
            return Action("continue", budget, trial), {**state, "ready": state["ready"][1:]}
        if self.out_of_candidates(trials):
            return self.after_last_candidate(state, trials)
        return Action("start", state["budgets"][0]), state

    def open_candidates(self, state: State, trials: TrialTable, running: int) -> int | None:
        """The candidates waiting to go on: each result decides at once whether its candidate goes on."""
        return len(state["ready"])

    def continuable(self, state: State, trials: TrialTable) -> list[int]:
        """Every candidate the rule did not stop (a failed one is stopped too): those waiting to go on and
        those running, whose result the rule is still to judge."""
        stopped = set(state["stopped"])
        return [t for t in trials.ids() if t not in stopped and not trials.failed(t)]

    def report(self, state: State, trials: TrialTable, trial: int, budget: float, score: float) -> State:
        budgets = state["budgets"]
        index = trials.cache.get("median")
        if index is None:
            index = trials.cache["median"] = _Scores(trials)
        else:
            index.update(trials, trial)
        rung = rung_of(budgets, budget)
        if rung == len(budgets) - 1:
            return state
        if trials.failed(trial):  # no checkpoint to continue from, and a penalty is no result
            return {**state, "stopped": state["stopped"] + [trial]}
        count, median = index.others(trial, budget)
        if budget >= self.grace and count >= self.min_trials and score < median:
            return {**state, "stopped": state["stopped"] + [trial]}
        return {**state, "ready": state["ready"] + [[trial, budgets[rung + 1]]]}

