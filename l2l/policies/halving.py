"""Synchronous successive halving and Hyperband.

A *bracket* starts ``n`` new candidates at the budget of its first rung, waits
for all of them, continues the best ``n / eta`` to the next rung (never one
whose segment failed), and so on
up to the maximum budget. Successive halving repeats its one bracket (the
most aggressive: it starts at the lowest rung). Hyperband cycles through
brackets that start at every rung, from the lowest to the maximum budget
itself, so that a problem whose low budgets mislead is still searched at full
budget (Li et al. 2018).

Within a rung no worker starts the next rung before the rung is complete: a
worker with nothing to do waits. ``asha`` is the asynchronous alternative.

With a candidate budget (``max_candidates``; ``run.generations`` x the
optimizer's population size sets it) the brackets follow one another as without it until
that many candidates are started; the last bracket holds the ones left (its
plan cut down to them), and the run ends when it is complete.

The candidates of a bracket's first rung are asked one by one as workers
free, while the first of them are already being trained, and the optimizer
is told each result as it comes in: an optimizer that learns from results
(``tpe``, ``gp``) proposes from those of the bracket's own first candidates
that came in, which depends on how many workers run and which segment
finished first (``serial`` knows all the ones before, two workers all but
about one). With ``same_everywhere = true`` the results that come in
while the bracket still asks are *held* (the state's ``held``) and told, in
trial order, once its last candidate is asked: every ask of a bracket knows
the brackets before it and none of its own, so every backend and number of
workers asks the same candidates, and no worker waits for it. Knowing none
of its own bracket costs search quality in short runs (docs/multifidelity.md).
A state without ``held`` (the default, and runs stored before session 31)
tells each result as it comes in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from l2l.errors import ConfigError
from l2l.numbers import compute as compute_text, number
from l2l.policies.base import DONE, WAIT, Action, RungPolicy, State, TrialTable, survivors
from l2l.registry import option


def bracket_plan(levels: int, s: int, eta: float, hyperband: bool) -> list[int]:
    """Candidates per rung of the bracket that starts ``s`` rungs below the top (levels = K)."""
    if hyperband:
        first = int(math.ceil((levels + 1) / (s + 1) * eta ** s))
    else:
        first = int(round(eta ** s))
    return [max(1, int(math.floor(first * eta ** -k))) for k in range(s + 1)]


@dataclass(frozen=True)
class SuccessiveHalving(RungPolicy):
    """Synchronous successive halving: start many at the lowest budget, keep the best 1/eta at each rung."""

    name: ClassVar[str] = "successive-halving"
    hyperband: ClassVar[bool] = False

    brackets: int = option(0, help="brackets to run (0: until the run's compute budget is spent)", ge=0)
    same_everywhere: bool = option(False, help="ask a bracket's new candidates knowing the results of the "
                                         "brackets before it only, so that every backend and number of workers "
                                         "runs the same candidates with tpe or gp (by default an ask also knows "
                                         "the bracket's own first results that came in)")

    before_top_exact: ClassVar[bool] = True  # a rung is complete before the next starts, whatever the results

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.same_everywhere and self.proposes:
            raise ConfigError(f"policy {self.name!r}: option same_everywhere does not apply: it proposes its "
                              f"candidates itself, as results come in; use policy 'hyperband' with it")

    @classmethod
    def refused_options(cls) -> tuple[str, ...]:
        return super().refused_options() + (("same_everywhere",) if cls.proposes else ())

    def init(self, budgets: list[float], dimension: int, seed: int) -> State:
        state = {"budgets": list(budgets), "bracket": -1, "count": 0}
        if self.same_everywhere:
            state["held"] = []
        return self._open_bracket(state)

    def holds_results(self, state: State | None) -> bool:
        """Whether a result that comes in now waits to be told to the optimizer: while the open bracket's first
        rung still asks for candidates. Never in a state without ``held`` (``same_everywhere`` off, or
        stored before session 31)."""
        if not state or "held" not in state:
            return False
        return state["rung"] == state["start"] and len(state["members"]) < state["plan"][0]

    def hold(self, state: State, trial: int) -> State:
        """Trial ``trial``'s result came in while :meth:`holds_results`: it is told at :meth:`release`."""
        return {**state, "held": sorted(set(state["held"]) | {int(trial)})}

    def release(self, state: State | None) -> tuple[list[int], State | None]:
        """The held trials to tell the optimizer now, in trial order (none while the bracket still asks), and the
        state without them."""
        if not state or not state.get("held") or self.holds_results(state):
            return [], state
        return list(state["held"]), {**state, "held": []}

    def _first_rung(self, state: State, bracket: int) -> tuple[int, State]:
        """The rung the next bracket starts at (and the state after choosing it)."""
        levels = len(state["budgets"]) - 1
        if not self.hyperband:
            return 0, state
        return bracket % (levels + 1), state  # Hyperband: s = K, K-1, ..., 0, then again

    def _open_bracket(self, state: State) -> State:
        levels = len(state["budgets"]) - 1
        bracket = state["bracket"] + 1
        start, state = self._first_rung(state, bracket)
        plan = bracket_plan(levels, levels - start, self.eta, self.hyperband)
        return {**state, "bracket": bracket, "count": state["count"] + 1, "start": start, "rung": start,
                "plan": plan, "members": [], "launched": []}

    def next(self, state: State, trials: TrialTable) -> tuple[Action, State]:
        while True:
            if self.brackets and state["count"] > self.brackets:
                return DONE, state
            budgets, rung = state["budgets"], state["rung"]
            if self.max_candidates and rung == state["start"] and not state["members"]:  # a bracket opens
                left = self.max_candidates - trials.launched
                if left <= 0:  # the brackets before are complete: nothing runs
                    return DONE, state
                if left < state["plan"][0]:  # the last bracket holds the candidates left
                    state = {**state, "plan": truncated(state["plan"], left, self.eta)}
            wanted = state["plan"][rung - state["start"]]
            budget = budgets[rung]
            if rung == state["start"]:
                if len(state["members"]) < wanted:
                    return Action("start", budget), state
            else:
                waiting = [t for t in state["members"] if t not in state["launched"]]
                if waiting:
                    return (Action("continue", budget, waiting[0]),
                            {**state, "launched": state["launched"] + [waiting[0]]})
            if any(trials.score(t, budget) is None for t in state["members"]):
                return WAIT, state
            if rung == len(budgets) - 1:  # the bracket is complete
                state = self._open_bracket(state)
                continue
            keep = state["plan"][rung + 1 - state["start"]]
            best = survivors(trials, budget, state["members"], keep)  # failures are never continued
            state = {**state, "rung": rung + 1, "members": best, "launched": []}

    def launched(self, state: State, trial: int, budget: float) -> State:
        return {**state, "members": state["members"] + [trial], "launched": state["launched"] + [trial]}

    def open_candidates(self, state: State, trials: TrialTable, running: int) -> int | None:
        """The members of the bracket's current rung below the top budget: the others it started are at the top
        or were not kept at a rung (a bracket never goes back to them)."""
        top = state["budgets"][-1]
        return sum(1 for t in state["members"] if not trials.running(t) and trials.reached(t) < top - 1e-9)

    def continuable(self, state: State, trials: TrialTable) -> list[int]:
        """The members of the open bracket's current rung; once every member has its result there, only those
        the rung keeps (none at the top: the bracket is complete). A bracket never goes back to a candidate it
        did not keep, nor to one of an earlier bracket."""
        budgets, rung, members = state["budgets"], state["rung"], state["members"]
        budget, start = budgets[rung], state["start"]
        started = rung > start or len(members) >= state["plan"][0]
        if started and all(trials.score(t, budget) is not None for t in members):  # the rung is complete
            if rung == len(budgets) - 1:
                return []
            return sorted(survivors(trials, budget, members, state["plan"][rung + 1 - start]))
        return sorted(t for t in members if not trials.failed(t))

    def before_top(self, budgets: list[float], restarts: bool = False) -> float | None:
        """The first bracket's rungs below the top (it starts at the lowest rung; a rung is complete before the
        next starts), its plan cut down to ``max_candidates`` where that is smaller, segments continued
        (``restarts``: every segment trains from scratch, each costing its whole budget)."""
        if self.name not in ("successive-halving", "hyperband") or len(budgets) < 2:  # model-based: its own
            return None
        levels = len(budgets) - 1
        plan = bracket_plan(levels, levels, self.eta, self.hyperband)
        if self.max_candidates and self.max_candidates < plan[0]:
            plan = truncated(plan, self.max_candidates, self.eta)
        if restarts:
            return float(sum(count * b for count, b in zip(plan[:-1], budgets[:-1])))
        return _continued_cost(budgets[:-1], plan[:-1])

    def planned_compute(self, budgets: list[float]) -> float:
        """With a candidate budget: the brackets' cost if every segment trained from scratch (the most they
        can cost); else 100 times the top budget."""
        if not self.max_candidates:
            return 100.0 * budgets[-1]
        return self._brackets_cost(budgets, continued=False)

    def continued_compute(self, budgets: list[float]) -> float | None:
        """With a candidate budget: the brackets' cost when every promoted candidate continues from its
        checkpoint (a rung's segment costs its budget minus the rung's before); None without one."""
        return self._brackets_cost(budgets, continued=True) if self.max_candidates else None

    def _brackets_cost(self, budgets: list[float], continued: bool) -> float:
        levels, left, total, bracket = len(budgets) - 1, self.max_candidates, 0.0, 0
        while left > 0 and not (self.brackets and bracket >= self.brackets):
            start = bracket % (levels + 1) if self.hyperband else 0
            plan = bracket_plan(levels, levels - start, self.eta, self.hyperband)
            if left < plan[0]:
                plan = truncated(plan, left, self.eta)
            rungs = budgets[start:]
            steps = [b - (rungs[k - 1] if continued and k else 0.0) for k, b in enumerate(rungs)]
            total += sum(count * step for count, step in zip(plan, steps))
            left, bracket = left - plan[0], bracket + 1
        return float(total)


def truncated(plan: list[int], first: int, eta: float) -> list[int]:
    """A bracket's plan cut down to ``first`` candidates at its first rung, the best 1/eta kept at each next."""
    return [max(1, int(math.floor(first * eta ** -k + 1e-9))) for k in range(len(plan))]


@dataclass(frozen=True)
class Hyperband(SuccessiveHalving):
    """Hyperband: successive-halving brackets that start at every rung in turn, the last at the full budget."""

    name: ClassVar[str] = "hyperband"
    hyperband: ClassVar[bool] = True

    def single_bracket_warning(self, budgets: list[float], compute: float, unit: str, generations: int = 0) -> str:
        """The warning line for a run whose candidates (``max_candidates``; ``generations`` > 0: set by
        run.generations) or ``compute`` leave room for the first bracket alone: that bracket is successive halving
        (the most aggressive, from the lowest rung), so nothing of Hyperband's hedge against misleading low
        budgets runs, and nothing said so. Names what runs every bracket once; '' where a second bracket can
        start, with one rung, and where ``brackets = 1`` asks for one. Not an error: the run is a valid one."""
        levels = len(budgets) - 1
        if levels < 1 or self.brackets == 1 or self.name != "hyperband":  # (model-based: brackets of its own)
            return ""
        plans = [bracket_plan(levels, levels - start, self.eta, True) for start in range(levels + 1)]
        first = plans[0]
        first_cost = _continued_cost(budgets, first)
        every = sum(plan[0] for plan in plans)
        every_cost = sum(_continued_cost(budgets[start:], plan) for start, plan in enumerate(plans))
        head = "l2l: warning: policy 'hyperband' has room for one bracket only: "
        tail = (f"so the run is successive halving, with no bracket from a higher rung in case low budgets mislead; "
                f"its {levels + 1} brackets (one from each rung, {number(budgets[0])} to {number(budgets[-1])} {unit})")
        if self.max_candidates and self.max_candidates <= first[0]:
            if generations:
                size = self.max_candidates // generations
                source = f"run.generations x population_size = {generations} x {size}"
                fix = f"run.generations = {math.ceil(every / size)}"
            else:
                source, fix = "[policy] max_candidates", f"[policy] max_candidates = {every}"
            return (f"{head}the first starts all {self.max_candidates} candidates ({source}) at the lowest rung, "
                    f"{tail} start {every} candidates: {fix} or more runs them all")
        if compute <= first_cost:
            return (f"{head}run.compute = {compute_text(compute)} {unit} is spent within the first "
                    f"({compute_text(first_cost)} {unit} when segments continue from checkpoints), {tail} cost "
                    f"{compute_text(every_cost)} {unit} when segments continue: run.compute = "
                    f"{compute_text(every_cost)} or more runs them all")
        return ""


def _continued_cost(budgets: list[float], plan: list[int]) -> float:
    """A bracket's compute from ``budgets[0]`` when every promoted candidate continues from its checkpoint."""
    return float(sum(count * (b - (budgets[k - 1] if k else 0.0)) for k, (count, b) in enumerate(zip(plan, budgets))))
