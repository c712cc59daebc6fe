"""The scheduling policies on their own: the decisions each makes, driven by a tiny simulated loop.

``simulate`` plays the loop's part with :func:`l2l.testing.policies.play`: it asks the policy what a free
worker does, "runs" segments by computing a score from the candidate and the budget (results come back in
the order they were started, ``capacity`` at a time) and reports them.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from l2l.policies import POLICIES, budget_key, rung_budgets
from l2l.policies.halving import bracket_plan
from l2l.policies.model_based import spearman
from l2l.testing import PolicyContract
from l2l.testing.policies import BUDGETS, play


def simulate(policy, score, *, capacity=1, max_segments=2000, seed=0, dimension=2, on_action=None,
             on_report=None):
    """Run ``policy`` from its start until done or ``max_segments``; returns (segments, trials, final state)."""
    trials: dict[str, dict] = {}

    def check(before, action, after, table):
        json.dumps(after)  # the state stays JSON-able at every step
        if on_action is not None:
            on_action(action, table)

    # indexed: the table answers from a ScoreIndex, as the driver's does (the same answers as from the trials'
    # dicts, bit for bit, with less CPU)
    segments, state, _ = play(policy, policy.init(BUDGETS, dimension, seed), trials, max_segments,
                              capacity=capacity, seed=seed, dimension=dimension, value=score, on_action=check,
                              on_report=on_report, indexed=True)
    return segments, trials, state


def agreeing(code, budget):
    return -float(np.sum((code - 0.3) ** 2)) * (1 + 1.0 / budget)


def test_the_rungs_are_geometric_from_the_top_budget_down():
    assert rung_budgets(1, 81, 3) == BUDGETS
    assert rung_budgets(2, 100, 3) == [4.0, 11.0, 33.0, 100.0]
    assert rung_budgets(5, 5, 3) == [5.0]
    with pytest.raises(ValueError, match="minimum <= maximum"):
        rung_budgets(10, 1, 3)


def test_hyperband_brackets_follow_the_published_schedule():
    # Li et al. 2018, Table 1 (R = 81, eta = 3): candidates per rung of each bracket
    assert [bracket_plan(4, s, 3, True) for s in (4, 3, 2, 1, 0)] == [
        [81, 27, 9, 3, 1], [34, 11, 3, 1], [15, 5, 1], [8, 2], [5]]


def test_successive_halving_keeps_the_best_third_at_every_rung():
    policy = POLICIES.create("successive-halving", {"brackets": 1})
    segments, trials, _ = simulate(policy, agreeing, capacity=3)
    per_rung = Counter(budget for _, _, budget in segments)
    assert [per_rung[b] for b in BUDGETS] == [81, 27, 9, 3, 1]
    for low, high in zip(BUDGETS, BUDGETS[1:]):
        at_low = {int(t): r["scores"][budget_key(low)] for t, r in trials.items() if budget_key(low) in r["scores"]}
        promoted = {t for t, _, b in segments if b == high}
        best = sorted(at_low, key=lambda t: -at_low[t])[:len(promoted)]
        assert promoted == set(best)
    # every promotion continues from the budget the trial reached
    assert all(start in (0.0, *BUDGETS[:-1]) for _, start, _ in segments)


def test_hyperband_runs_its_brackets_in_turn_and_ends_after_the_last():
    policy = POLICIES.create("hyperband", {"brackets": 5})
    segments, trials, state = simulate(policy, agreeing, capacity=2)
    starts = Counter(budget for _, start, budget in segments if start == 0.0)
    assert starts == {1.0: 81, 3.0: 34, 9.0: 15, 27.0: 8, 81.0: 5}
    assert len(trials) == 81 + 34 + 15 + 8 + 5


def test_asha_never_waits_and_promotes_only_from_the_top_third_of_a_rung():
    promotions = []

    def check(action, table):
        if action.kind != "continue":
            return
        low = BUDGETS[BUDGETS.index(action.budget) - 1]
        scores = table.scores_at(low)
        rank = sorted(scores.values(), reverse=True).index(scores[action.trial])
        promotions.append((rank, len(scores)))

    policy = POLICIES.create("asha", {})
    segments, trials, state = simulate(policy, agreeing, capacity=4, max_segments=400, on_action=check)
    assert len(segments) == 400  # it always had something to run
    assert promotions and all(rank < size // 3 for rank, size in promotions)
    assert any(budget == 81.0 for _, _, budget in segments)
    assert len(trials) > 200  # most segments are cheap starts at the lowest rung


def test_median_stopping_stops_candidates_below_the_median_and_lets_good_ones_finish():
    decisions = []

    def check(before, after, table, trial, budget):
        others = [v for t, v in table.scores_at(budget).items() if t != trial]
        stopped = len(after["stopped"]) > len(before["stopped"])
        below = len(others) >= 4 and table.score(trial, budget) < np.median(others)
        decisions.append((stopped, below, budget))

    policy = POLICIES.create("median-stopping", {"min_trials": 4})
    segments, trials, state = simulate(policy, agreeing, capacity=1, max_segments=300, on_report=check)
    assert any(stopped for stopped, _, _ in decisions)
    assert all(stopped == below for stopped, below, budget in decisions if budget < 81.0)
    stopped = set(state["stopped"])
    assert not any(t in stopped and start >= trials[str(t)]["budget"] for t, start, _ in segments)
    finished = {int(t) for t, r in trials.items() if budget_key(81.0) in r["scores"]}
    assert finished and not stopped & finished


def misleading(code, budget):
    # at low budgets the best region is the opposite corner: low budgets rank candidates wrongly
    weight = budget / 81.0
    return -float(weight * np.sum((code - 0.2) ** 2) + (1 - weight) * np.sum((code - 0.9) ** 2))


_RUNS: dict[tuple, tuple] = {}


def model_based(score, seed: int, segments: int = 700, **options) -> tuple:
    """``simulate`` of the model-based policy with ``options`` (capacity 2), run once per module: the tests of its
    agreement and of its proposals read the same runs (and change none)."""
    key = (score.__name__, seed, segments, tuple(sorted(options.items())))
    if key not in _RUNS:
        _RUNS[key] = simulate(POLICIES.create("model-based", options), score, capacity=2, max_segments=segments,
                              seed=seed)
    return _RUNS[key]


@pytest.mark.parametrize("low_fidelity, expected", [("agree", "low"), ("mislead", "full")])
def test_the_model_based_policy_leans_on_low_budgets_only_as_far_as_they_agree(low_fidelity, expected):
    probe_share = []  # of the compute: probes train every candidate to the top budget, unselected
    for seed in range(5):
        # misleading: 400 segments, not 700 (its proposals are Optuna's TPE on the top budget alone, 2.4 s of CPU a
        # run at 700): the probe share is 0.98 to 0.99 (mean of 5 seeds, 10 sets of 5; at 700, 0.99), with the
        # agreement ignored 0.21 to 0.36; the agreeing runs stay at 700, shared with the proposals test (their
        # probe share at 400 was 0.20 to 0.44 on 10 sets: too near 0.4)
        segments, trials, state = (model_based(agreeing, seed) if low_fidelity == "agree" else
                                   model_based(misleading, seed, 400))
        agreement = state["agreement"]
        probes = set(state["probes"])
        cost = {True: 0.0, False: 0.0}
        for trial, start, budget in segments:
            cost[trial in probes] += budget - start
        probe_share.append(cost[True] / (cost[True] + cost[False]))
        if low_fidelity == "agree":
            assert min(agreement[:-1]) > 0.5
        else:
            assert agreement[0] < 0.3 and agreement[1] < 0.3
    if expected == "full":
        assert np.mean(probe_share) > 0.5  # mostly full-budget training where low budgets mislead
    else:
        assert np.mean(probe_share) < 0.4


def test_the_model_based_policys_proposals_find_better_candidates_than_random_ones_on_the_same_schedule():
    """The model against the same policy with it switched off (random_fraction = 1: every new candidate drawn at
    random; the same brackets and selection), seed for seed: the best candidate at the top budget has a regret
    (squared distance to the optimum) about 100 times smaller (log10: 1.6 to 2.6 lower, mean of 5 seeds, on 10 sets
    of 5 seeds; 49 of 50 seeds lower). Selection alone gives none of it: with the model's proposals random (mean
    0.44) or reversed, its good and bad sets swapped (-0.14), the test fails; the comparison it replaces, with as
    many random points at the top budget, passed with either."""
    def regret(options: dict, seed: int) -> float:
        _, trials, _ = model_based(agreeing, seed, **options)
        return float(np.log10(-max(r["scores"][budget_key(81.0)] for r in trials.values()
                                   if budget_key(81.0) in r["scores"])))

    gains = [regret({"random_fraction": 1.0}, seed) - regret({}, seed) for seed in range(5)]
    assert np.mean(gains) > 1.0 and sum(g > 0 for g in gains) >= 4, gains


def test_spearman_is_one_for_the_same_order_and_minus_one_for_the_reverse():
    a = np.array([0.1, 0.5, 0.2, 0.9])
    assert spearman(a, a * 10) == pytest.approx(1.0)
    assert spearman(a, -a) == pytest.approx(-1.0)
    assert spearman(a, np.ones(4)) == 0.0


class TestEveryPolicyKeepsThePolicyContract(PolicyContract):
    @pytest.fixture(params=POLICIES.names())
    def make_policy(self, request):
        return lambda: POLICIES.create(request.param, {})
