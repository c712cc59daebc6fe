"""Asynchronous PBT's last interval, and its ranking of the whole population (session 36).

An asynchronous exploit that trains the last interval (from the budget below ``max_budget`` up to it) takes its
donor's parameters as they are: nothing judges a member after it, so an explored draw that went wrong there is a
final learner that nothing replaces. Session 35 looked at the exploiter's own next budget, so a member behind that
copied a donor already at the budget below the top trained the last interval with explored parameters
(tests/test_pbt.py's serial run: trial 25, 90 -> 100). The ranking of the whole population is read level by level
and counted with one sort: cheaper, and the same order as comparing every pair.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from l2l.policies import POLICIES, TrialTable, budget_key
from l2l.policies.base import ScoreIndex
from l2l.policies.pbt import NUMPY_RANKING, _ranked
from l2l.space import Space

BUDGETS = [5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0]
SPACE = Space.from_json({"x": {"low": 0.0, "high": 1.0}})


def _member(trial: int, reached: float) -> dict:
    """Member ``trial`` (parameter 0.2 x (trial + 1), the lower the better) trained from scratch to ``reached``."""
    return {"code": [0.2 * (trial + 1)], "budget": reached, "running": False, "parent": -1,
            "scores": {budget_key(b): -(trial + 1) * (50 - b) for b in BUDGETS if b <= reached}}


@pytest.mark.parametrize("donor_at, last", [(35.0, True), (30.0, False)])
def test_an_asynchronous_member_behind_that_copies_a_donor_at_the_last_interval_takes_its_parameters_as_they_are(
        donor_at, last):
    """Member 3, the worst, finishes 25 epochs while the best, member 0, is at ``donor_at``: it copies member 0's
    checkpoint and trains from there. From 35 that is the last interval (35 -> 40): the donor's parameter as it is
    (before: explored, its own next budget being 30); from 30 it is not, and is explored."""
    policy = POLICIES.create("pbt", {"population": 4, "interval": 5, "max_budget": 40, "fraction": 0.25,
                                     "synchronous": False})
    trials = {"0": _member(0, donor_at), "1": _member(1, 30.0), "2": _member(2, 30.0), "3": _member(3, 25.0)}
    table = TrialTable(trials, None, {}, SPACE)
    state = {**policy.init(BUDGETS, 1, 0), "members": [0, 1, 2, 3]}
    state = policy.report(state, table, 3, 25.0, trials["3"]["scores"][budget_key(25.0)])
    action, state = policy.next(state, table)
    assert action.kind == "start" and action.parent == 0 and action.budget == donor_at + 5
    assert (list(action.code) == [0.2]) is last, action.code


@pytest.mark.parametrize("budget, last", [(35.0, True), (30.0, False)])
def test_a_synchronous_exploit_for_the_last_interval_takes_the_donors_parameters_as_they_are(budget, last):
    policy = POLICIES.create("pbt", {"population": 4, "interval": 5, "max_budget": 40, "fraction": 0.25})
    trials = {str(t): _member(t, budget) for t in range(4)}
    table = TrialTable(trials, None, {}, SPACE)
    state = {**policy.init(BUDGETS, 1, 0), "members": [0, 1, 2, 3]}
    state = policy.report(state, table, 3, budget, trials["3"]["scores"][budget_key(budget)])
    action, state = policy.next(state, table)  # exploits first: the bottom member (3) copies the top one (0)
    assert action.kind == "start" and action.parent == 0 and action.budget == budget + 5
    assert (list(action.code) == [0.2]) is last, action.code


def _reference(trials: TrialTable, peers: list[int], budget: float) -> list[int]:
    """The ranking as _ranked's docstring defines it, pair by pair."""
    @functools.lru_cache(maxsize=None)
    def lineage(m: int, at: float) -> float:
        if trials.failed(m):
            return -math.inf
        step = m
        while step >= 0:
            if trials.score(step, at) is not None:
                return float(trials.score(step, at))
            step = trials.parent(step)
        own = trials.scores_of(m)
        return float(own[max(own)]) if own else -math.inf

    reached = {m: min(trials.reached(m), budget) for m in peers}

    def key(m: int, at: float) -> tuple[float, int]:
        return min(lineage(m, at), lineage(m, reached[m])), -m

    wins = {m: sum(key(m, min(reached[m], reached[n])) > key(n, min(reached[m], reached[n]))
                   for n in peers if n != m) for m in peers}
    return sorted(peers, key=lambda m: (-wins[m], -lineage(m, reached[m]), m))


def _population(rng: np.random.Generator, size: int) -> tuple[dict, list[int], float]:
    """A population of ``size`` members after some exploits: trials descended from others (their scores start
    where their donors were), a few failed, one just started from its donor (no score of its own), ties."""
    trials, members = {}, []
    for t in range(size):
        reached = float(rng.choice(BUDGETS[:6]))
        trials[str(t)] = {"code": [0.5], "budget": reached, "running": False, "parent": -1,
                          "scores": {budget_key(b): float(rng.integers(-6, 0)) for b in BUDGETS if b <= reached}}
    for t in range(size, 2 * size):  # exploiters: a donor among the earlier trials, from its budget on
        donor = int(rng.integers(t))
        start = trials[str(donor)]["budget"]
        reached = float(rng.choice([b for b in BUDGETS if b >= start]))
        trials[str(t)] = {"code": [0.5], "budget": reached, "running": False, "parent": donor, "ok": True,
                          "scores": {budget_key(b): float(rng.integers(-6, 0)) for b in BUDGETS
                                     if start < b <= reached}}
        if rng.random() < 0.1:
            trials[str(t)]["ok"] = False
    members = sorted(rng.choice(2 * size, size, replace=False).tolist())
    return trials, members, float(rng.choice(BUDGETS[2:]))


@pytest.mark.parametrize("size", [6, NUMPY_RANKING + 16])
def test_the_whole_population_ranking_is_the_pairwise_one_it_describes(size):
    """Read level by level and counted with one sort (numpy from NUMPY_RANKING members on), the order is the one
    of comparing every pair as _ranked's docstring says, with the driver's score index or without."""
    rng = np.random.default_rng(size)
    for _ in range(15):
        trials, members, budget = _population(rng, size)
        expected = _reference(TrialTable(trials, None, {}, SPACE), members, budget)
        assert _ranked(TrialTable(trials, None, {}, SPACE), members, budget) == expected
        indexed = TrialTable(trials, None, {}, SPACE, index=ScoreIndex(trials))
        assert _ranked(indexed, members, budget) == expected
