"""The scheduling-policy contract as a pytest class to subclass (see :mod:`l2l.testing`).

What every policy must do (the contract of :mod:`l2l.policies.base`): a
state that stays JSON-able and survives encoding to the trajectory file, so a
policy rebuilt from a stored state decides exactly as the original; the same
seed gives the same decisions; budgets are rungs, and a continued candidate
always goes to a higher budget than it reached; candidates reach the top
budget; ``next`` never changes the state it receives (checked at every decision of a played run); a policy
that takes the run's initial points (``takes_initial_points``) starts each once, in order, before any other new
candidate, also when rebuilt from its stored state in between.

``play`` is the loop's part in miniature: it asks the policy what a free
worker does, "runs" segments by computing a score from the candidate and the
budget, and reports them in the order they were started, ``capacity`` at a
time.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable, ClassVar, Mapping, Sequence

import numpy as np
import pytest

from l2l.config_policy import checked_next
from l2l.errors import ConfigError
from l2l.policies import POLICIES, Policy, TrialTable, budget_key
from l2l.results_schema.codec import decode, encode

BUDGETS = [1.0, 3.0, 9.0, 27.0, 81.0]


def score(code: np.ndarray, budget: float) -> float:
    """A larger-is-better learning curve: a bowl whose error shrinks with the budget."""
    return -float(np.sum((np.asarray(code) - 0.3) ** 2)) * (1 + 1.0 / budget)


def play(policy: Policy, state: dict[str, Any], trials: dict[str, dict], steps: int, *, capacity: int = 2,
         seed: int = 0, dimension: int = 2, value: Callable[[np.ndarray, float], float] = score,
         running: list | None = None, on_action: Callable | None = None,
         on_report: Callable | None = None, indexed: bool = False, compute: float = 0.0,
         initial_points: Sequence[Sequence[float]] | None = None
         ) -> tuple[list[tuple[int, float, float]], dict[str, Any], list]:
    """Play the loop's part for ``steps`` segments; returns (segments as (trial, from budget, budget), the
    final state, the segments still running).

    ``value(code, budget)`` is a candidate's larger-is-better result; a segment also records the values
    at the rungs it passed, as a learning curve would. ``on_action(state before, action, state after,
    table)`` and ``on_report(state before, state after, table, trial, budget)`` see every decision; the states
    are the very objects the policy received and returned, not copies (``next``, ``launched`` and ``report`` leave
    the state they receive untouched: :class:`PolicyContract` checks that at every decision), so copy one to keep
    it past the call.
    ``indexed``: the table answers from a :class:`~l2l.policies.base.ScoreIndex` told of every result, as the
    driver's does (else from the trials' dicts). ``compute``: the run's compute budget the policy is told
    (run.compute), the compute spent counted in the table as the loop counts it. ``initial_points``: the run's
    ``run.initial_points`` as codes of play's space (the unit cube of ``dimension``), as the driver gives them:
    the table says how many there are (:attr:`TrialTable.initial_points`) and a start with ``initial=i`` is a new
    candidate with the ``i``-th point's code (an ``i`` out of range fails with AssertionError, where the driver
    would fail with IndexError).
    """
    from l2l.policies.base import ScoreIndex
    from l2l.space import Space

    rng = np.random.default_rng([seed, len(trials)])
    loop = {"next_trial": len(trials), "compute": 0.0}
    index = ScoreIndex(trials) if indexed else None
    points = [np.asarray(p, dtype=float).reshape(-1).tolist() for p in (initial_points or ())]
    if any(len(p) != dimension for p in points):
        raise ValueError(f"initial_points must be codes of {dimension} values each (dimension), got "
                         f"{[len(p) for p in points]}")
    table = TrialTable(trials, None, loop, Space.from_json({"x": {"low": 0.0, "high": 1.0, "shape": [dimension]}}),
                       compute_budget=compute, index=index, initial_points=len(points))
    running = list(running or [])
    segments = []
    while len(segments) < steps:
        while len(running) < capacity and len(segments) < steps:
            before = state  # next leaves it untouched (the contract): no copy needed to show it
            try:  # an answer the loop cannot run fails here in words, as the run ends in one line
                action, state = checked_next(policy.policy if isinstance(policy, _Watched) else policy,
                                             policy.next(state, table), table)
            except ConfigError as exc:
                raise AssertionError(str(exc)) from None
            if on_action is not None:
                on_action(before, action, state, table)
            if action.kind in ("wait", "done"):
                break
            if action.kind == "start":
                trial = len(trials)
                if action.initial >= 0:  # one of run.initial_points, its code as given (the driver's propose)
                    assert action.initial < len(points), (
                        f"policy {policy.name!r} started run.initial_points[{action.initial}], but the run gives "
                        f"{len(points)} initial point{'s' if len(points) != 1 else ''}")
                    code = list(points[action.initial])
                    loop["initial_given"] = max(int(loop.get("initial_given", 0)), action.initial + 1)
                else:
                    code = list(action.code) if action.code is not None else rng.random(dimension).tolist()
                # a start from another trial's checkpoint (population-based training) is at that trial's budget
                reached = trials[str(action.parent)]["budget"] if action.parent >= 0 else 0.0
                trials[str(trial)] = {"code": code, "budget": reached, "scores": {}, "running": True,
                                      "parent": action.parent}
                loop["next_trial"] = len(trials)
                state = policy.launched(state, trial, action.budget)
            else:
                trial = action.trial
                trials[str(trial)]["running"] = True
            segments.append((trial, trials[str(trial)]["budget"], action.budget))
            running.append((trial, action.budget))
        if not running:
            break
        trial, budget = running.pop(0)
        record = trials[str(trial)]
        code = np.array(record["code"])
        passed = {budget_key(b): value(code, b) for b in BUDGETS if record["budget"] < b < budget}
        record["scores"] = {**record["scores"], **passed, budget_key(budget): value(code, budget)}
        loop["compute"] += budget - record["budget"]
        record["budget"], record["running"] = budget, False
        if index is not None:
            index.update(trial, record)
        before = state
        state = policy.report(state, table, trial, budget, record["scores"][budget_key(budget)])
        assert isinstance(state, dict), (f"policy {policy.name!r}: report returned {type(state).__name__} as its "
                                         f"state, not a dict")
        if on_report is not None:
            on_report(before, state, table, trial, budget)
    return segments, state, running


class _Watched:
    """``policy`` whose every ``next``, ``launched`` and ``report`` is checked to leave the state it receives
    untouched (else AssertionError): a run stores each commit's state as its change from the one before, found by
    identity, so a change in place goes unrecorded (the run itself sees only changes at the state's top level)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __getattr__(self, name: str) -> Any:
        return getattr(self.policy, name)

    def _untouched(self, method: str, state: dict[str, Any], *args: Any) -> Any:
        frozen = copy.deepcopy(state)
        answer = getattr(self.policy, method)(state, *args)  # play checks what it returned
        assert state == frozen, f"{type(self.policy).__name__}.{method} changed the state it received"
        return answer

    def next(self, state: dict[str, Any], trials: TrialTable) -> tuple[Any, dict[str, Any]]:
        return self._untouched("next", state, trials)

    def launched(self, state: dict[str, Any], trial: int, budget: float) -> dict[str, Any]:
        return self._untouched("launched", state, trial, budget)

    def report(self, state: dict[str, Any], trials: TrialTable, trial: int, budget: float, score: float
               ) -> dict[str, Any]:
        return self._untouched("report", state, trials, trial, budget, score)


class PolicyContract:
    """Subclass and set ``name`` (a registered policy) or ``policy_class``, with ``options``."""

    name: ClassVar[str | None] = None
    policy_class: ClassVar[type[Policy] | None] = None
    options: ClassVar[Mapping[str, Any]] = {}

    @pytest.fixture
    def make_policy(self) -> Callable[[], Policy]:
        if self.policy_class is not None:
            from l2l.registry import Registry

            registry = Registry("policy", {"subject": self.policy_class}, group=None)
            return lambda: registry.create("subject", dict(self.options))
        if self.name is None:
            raise TypeError(f"{type(self).__name__}: set policy_class or name (or override make_policy)")
        return lambda: POLICIES.create(self.name, dict(self.options))

    def test_the_state_stays_json_and_next_leaves_the_state_it_receives_untouched(self, make_policy):
        policy = make_policy()

        def check(before: dict, action, after: dict, table) -> None:
            json.dumps(after)

        state = policy.init(BUDGETS, 2, 0)
        frozen = copy.deepcopy(state)
        policy.next(state, TrialTable({}, None, {}, None))
        assert state == frozen
        play(_Watched(policy), state, {}, 200, on_action=check)  # and at every decision of a run

    def test_budgets_are_rungs_and_a_continued_candidate_goes_higher(self, make_policy):
        policy = make_policy()
        trials: dict[str, dict] = {}

        def goes_higher(before, action, after, table) -> None:
            if action.kind == "continue":
                assert action.budget > table.reached(action.trial), (
                    f"policy {policy.name!r} continued trial {action.trial} to budget {action.budget:g}, not above "
                    f"the {table.reached(action.trial):g} it reached (a continued candidate goes to a higher rung)")

        segments, _, _ = play(policy, policy.init(BUDGETS, 2, 0), trials, 300, on_action=goes_higher)
        assert segments
        for trial, start, budget in segments:
            assert budget in BUDGETS, f"policy {policy.name!r} ran trial {trial} to {budget:g}, not a rung {BUDGETS}"
            assert budget > start
        assert any(budget == BUDGETS[-1] for _, _, budget in segments), "no candidate reached the top budget"

    def test_a_policy_rebuilt_from_its_stored_state_decides_as_the_original(self, make_policy):
        policy = make_policy()
        state = policy.init(BUDGETS, 2, 5)
        trials: dict[str, dict] = {}
        _, state, running = play(policy, state, trials, 120, seed=5)
        stored_state, stored_trials = decode(encode(state)), decode(encode(trials))
        rest, _, _ = play(policy, state, trials, 120, seed=5, running=running)
        again, _, _ = play(make_policy(), stored_state, stored_trials, 120, seed=5, running=running)
        assert rest == again

    def test_a_policy_that_takes_initial_points_starts_each_first_in_order_once_also_when_rebuilt(self, make_policy):
        """A policy whose class says ``takes_initial_points`` (it proposes candidates itself and starts the run's
        ``run.initial_points`` as its first new ones, ``Action(initial=i)``) hands out each point once, in order,
        before any other new candidate; rebuilt from its stored state after the first, it goes on with the second
        and decides as the original. Any other policy never starts one itself: the optimizer hands them out (a
        start with ``initial=i`` would run the point a second time)."""
        policy = make_policy()
        points = [[0.125, 0.875], [0.5, 0.25], [0.875, 0.625]]

        def starts(into: list) -> Callable:
            def note(before, action, after, table) -> None:
                if action.kind == "start" and action.parent < 0:  # a new candidate (not one from a checkpoint)
                    into.append((table.launched, action.initial))  # the id it gets, and the point it is (-1: none)
            return note

        if not getattr(policy, "takes_initial_points", False):
            claimed: list = []
            play(policy, policy.init(BUDGETS, 2, 7), {}, 60, seed=7, initial_points=points, on_action=starts(claimed))
            claimed = [initial for _, initial in claimed if initial >= 0]
            assert not claimed, (
                f"policy {policy.name!r} started run.initial_points {claimed} itself, but its class does not set "
                f"takes_initial_points = True: the optimizer hands them out too, so each would run twice (set it, "
                f"or leave Action's initial at -1)")
            return

        first: list = []
        trials: dict[str, dict] = {}
        segments, _, _ = play(policy, policy.init(BUDGETS, 2, 7), trials, 60, seed=7, initial_points=points,
                              on_action=starts(first))
        given = [initial for _, initial in first]
        assert given[:len(points)] == list(range(len(points))) and all(i < 0 for i in given[len(points):]), (
            f"policy {policy.name!r} must start run.initial_points 0..{len(points) - 1} as its first new candidates, "
            f"each once, in order; its new candidates were (-1: not an initial point) {given[:10]}")
        for trial, initial in first[:len(points)]:
            assert trials[str(trial)]["code"] == points[initial]

        # rebuilt from the state stored right after the first point started
        cut = next(k for k, (trial, _, _) in enumerate(segments) if trial == first[0][0]) + 1
        before: list = []
        trials = {}
        _, state, running = play(policy, policy.init(BUDGETS, 2, 7), trials, cut, seed=7, initial_points=points,
                                 on_action=starts(before))
        handed = [initial for _, initial in before if initial >= 0]
        assert 0 < len(handed) < len(points), handed  # the cut falls between the points
        stored_state, stored_trials = decode(encode(state)), decode(encode(trials))
        rest, _, _ = play(policy, state, trials, 60 - cut, seed=7, running=running, initial_points=points)
        after: list = []
        again, _, _ = play(make_policy(), stored_state, stored_trials, 60 - cut, seed=7, running=running,
                           initial_points=points, on_action=starts(after))
        later = [initial for _, initial in after if initial >= 0]
        assert handed + later == list(range(len(points))), (
            f"policy {policy.name!r} rebuilt from its stored state after starting run.initial_points {handed} "
            f"started {later} (each must start once, in order: count them in the state)")
        assert rest == again

    def test_the_same_seed_gives_the_same_decisions(self, make_policy):
        first, _, _ = play(make_policy(), make_policy().init(BUDGETS, 2, 3), {}, 150, seed=3)
        second, _, _ = play(make_policy(), make_policy().init(BUDGETS, 2, 3), {}, 150, seed=3)
        assert first == second
