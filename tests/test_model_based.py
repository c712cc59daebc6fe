"""The model-based policy's own behaviour: probes depth first, repeats where the top budget is noisy, its model.

The loop is played by :func:`l2l.testing.policies.play` (segments come back in the order they started).
"""

from __future__ import annotations

import numpy as np

from l2l.policies import POLICIES, TrialTable, budget_key
from l2l.policies import parzen
from l2l.policies.model_based import incumbent, top_groups
from l2l.testing.policies import BUDGETS, play

TOP = BUDGETS[-1]


def bowl(code, budget):
    return -float(np.sum((np.asarray(code) - 0.3) ** 2)) * (1 + 1.0 / budget)


def noisy_bowl(seed: int):
    """A bowl whose top-budget results carry noise (a new draw at every evaluation, like a new seed)."""
    rng = np.random.default_rng(seed)
    return lambda code, budget: bowl(code, budget) + (0.05 * rng.standard_normal() if budget == TOP else 0.0)


def run(value, *, seed=0, segments=500, capacity=2, **options):
    policy = POLICIES.create("model-based", options)
    trials: dict[str, dict] = {}
    done, state, _ = play(policy, policy.init(BUDGETS, 2, seed), trials, segments, capacity=capacity, seed=seed,
                          value=value)
    return done, trials, state, policy


def test_a_probe_trains_one_candidate_through_every_rung_before_the_next_one_starts():
    done, _, _, _ = run(bowl, capacity=1, segments=25, repeats=1)
    expected = [(trial, start, budget) for trial in range(5)
                for start, budget in zip([0.0] + BUDGETS[:-1], BUDGETS)]
    assert done == expected


def test_where_the_top_budget_is_noisy_the_chosen_candidate_is_trained_again_with_new_seeds():
    for seed in range(3):
        done, trials, state, policy = run(noisy_bowl(seed), seed=seed)
        repeats = {int(t): origin for t, origin in state["repeats"].items()}
        assert repeats, "no candidate was trained again"
        for trial, origin in repeats.items():  # the same parameters, at the top budget, as a new trial
            assert trials[str(trial)]["code"] == trials[str(origin)]["code"]
            assert [b for t, _, b in done if t == trial] == [TOP]
        groups = top_groups(BUDGETS, TrialTable(trials), state["repeats"])
        chosen = incumbent(groups)
        assert len(groups[chosen]) >= 2  # the candidate a user would pick has results from two seeds
        spent = sum(budget - start for _, start, budget in done)
        assert len(repeats) * TOP <= policy.repeat_share * spent + TOP


def test_where_the_top_budget_is_exact_one_repeat_shows_it_and_nothing_more_is_repeated():
    for seed in range(3):
        _, _, state, _ = run(bowl, seed=seed)
        assert len(state["repeats"]) <= 1


def test_repeats_can_be_switched_off():
    _, _, state, _ = run(noisy_bowl(0), repeats=1)
    assert state["repeats"] == {}


def test_the_chosen_candidate_is_the_best_mean_and_a_tie_goes_to_the_one_evaluated_more_often():
    assert incumbent({0: [1.0, -1.0], 1: [0.5]}) == 1
    assert incumbent({0: [0.5], 1: [0.5, 0.5]}) == 1
    assert incumbent({}) is None


def test_candidates_stopped_at_agreeing_budgets_feed_the_model_and_those_at_misleading_ones_do_not():
    def misleading(code, budget):
        weight = budget / TOP
        return -float(weight * np.sum((code - 0.2) ** 2) + (1 - weight) * np.sum((code - 0.9) ** 2))

    for value, uses_low in ((bowl, True), (misleading, False)):
        _, trials, state, policy = run(value, segments=600)
        table = TrialTable(trials)
        at_top = len(table.scores_at(TOP))
        modelled = len(policy._ordered(state, table))
        assert (modelled > 2 * at_top) if uses_low else (modelled == at_top)


def test_the_parzen_model_proposes_near_the_good_points_and_refinements_stay_near_the_best():
    rng = np.random.default_rng(0)
    points = rng.random((200, 3))
    ordered = points[np.argsort(np.sum((points - 0.3) ** 2, axis=1))]
    proposals = np.array([parzen.propose(ordered, rng) for _ in range(100)])
    uniform = rng.random((100, 3))
    assert np.all((proposals >= 0) & (proposals <= 1))
    assert np.mean(np.linalg.norm(proposals - 0.3, axis=1)) < 0.6 * np.mean(np.linalg.norm(uniform - 0.3, axis=1))
    refined = np.array([parzen.refine(ordered, rng, 1.0) for _ in range(100)])
    assert np.all((refined >= 0) & (refined <= 1))
    assert np.mean(np.linalg.norm(refined - 0.3, axis=1)) < 0.5 * np.mean(np.linalg.norm(uniform - 0.3, axis=1))


def test_the_state_keeps_the_repeats_as_plain_json():
    _, _, state, _ = run(noisy_bowl(1), segments=300)
    assert all(isinstance(k, str) and isinstance(v, int) for k, v in state["repeats"].items())
    assert budget_key(TOP) == repr(TOP)
