"""Asynchronous successive halving (ASHA, Li et al. 2020).

No worker ever waits for a rung to fill: when a worker is free, the best
candidate of the highest rung that is in the top ``1/eta`` of that rung and
not yet promoted goes on to the next rung (a candidate whose segment failed
ranks last and is never promoted); if there is none, a new candidate
starts at the lowest rung. Decisions are made with the results at hand, so
early promotions may be ones a synchronous schedule would not make; in return
the workers stay busy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from l2l.policies.base import Action, RungPolicy, State, TrialTable, rung_of, survivors


@dataclass(frozen=True)
class ASHA(RungPolicy):
    """Asynchronous successive halving: promote the top 1/eta of a rung as soon as they are known."""

    name: ClassVar[str] = "asha"

    def init(self, budgets: list[float], dimension: int, seed: int) -> State:
        return {"budgets": list(budgets), "rungs": [[] for _ in budgets], "promoted": [[] for _ in budgets]}

    def next(self, state: State, trials: TrialTable) -> tuple[Action, State]:
        budgets = state["budgets"]
        for rung in range(len(budgets) - 2, -1, -1):
            members = state["rungs"][rung]
            top = int(len(members) / self.eta + 1e-9)
            if top == 0:
                continue
            best = survivors(trials, budgets[rung], members, top)  # a failed candidate is never promoted
            for trial in best:
                if trial not in state["promoted"][rung]:
                    promoted = [list(p) for p in state["promoted"]]
                    promoted[rung].append(trial)
                    return Action("continue", budgets[rung + 1], trial), {**state, "promoted": promoted}
        return Action("start", budgets[0]), state

    def report(self, state: State, trials: TrialTable, trial: int, budget: float, score: float) -> State:
        rung = rung_of(state["budgets"], budget)
        rungs = [list(r) for r in state["rungs"]]
        if trial not in rungs[rung]:
            rungs[rung].append(trial)
        return {**state, "rungs": rungs}
