"""Asynchronous PBT's last interval (session 36).

An asynchronous exploit that trains the last interval (from the budget below ``max_budget`` up to it) takes its
donor's parameters as they are: nothing judges a member after it, so an explored draw that went wrong there is a
final learner that nothing replaces. Session 35 looked at the exploiter's own next budget, so a member behind that
copied a donor already at the budget below the top trained the last interval with explored parameters
(tests/test_pbt.py's serial run: trial 25, 90 -> 100).
"""

from __future__ import annotations

import pytest

from l2l.policies import POLICIES, TrialTable, budget_key
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
