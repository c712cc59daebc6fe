"""The model-based policy's own behaviour: probes depth first, repeats where the top budget is noisy, its model.

The loop is played by :func:`l2l.testing.policies.play` (segments come back in the order they started).
"""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

import l2l
from l2l.policies import POLICIES, TrialTable, budget_key
from l2l.policies.base import ScoreIndex
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
                          value=value, indexed=True)  # the scores indexed as the driver's are: the same decisions
    return done, trials, state, policy


_PLAYED: dict[tuple, tuple] = {}


def played(name: str, seed: int = 0, **options) -> tuple:
    """``run(value, seed=seed, **options)`` of the bowl (``"bowl"``) or the noisy bowl of the same seed
    (``"noisy"``), run once per module: several tests assert different things of the same run."""
    key = (name, seed, tuple(sorted(options.items())))
    if key not in _PLAYED:
        _PLAYED[key] = run(noisy_bowl(seed) if name == "noisy" else bowl, seed=seed, **options)
    return _PLAYED[key]


def test_a_probe_trains_one_candidate_through_every_rung_before_the_next_one_starts():
    done, _, _, _ = run(bowl, capacity=1, segments=25, repeats=1)
    expected = [(trial, start, budget) for trial in range(5)
                for start, budget in zip([0.0] + BUDGETS[:-1], BUDGETS)]
    assert done == expected


def test_where_the_top_budget_is_noisy_the_chosen_candidate_is_trained_again_with_new_seeds():
    for seed in range(3):
        done, trials, state, policy = played("noisy", seed)
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
        _, _, state, _ = played("bowl", seed)
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

    for value, uses_low in ((bowl, True), (misleading, False)):  # the bowl's: the exact-top test's seed 0 run
        _, trials, state, policy = played("bowl") if value is bowl else run(value)
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


def test_the_model_proposes_bit_for_bit_what_its_plain_numpy_formula_gives():
    """parzen's density ratio is computed axis by axis and a candidate's mean without np.mean, each adding in
    numpy's order: a run proposes exactly the candidates it proposed before (a resumed run, a benchmark's figures).
    A numpy that adds in another order fails here, not in a run that quietly goes another way."""
    import math

    from l2l.policies.agreement import mean

    def log_density(samples, centres, width):  # the formula as written before the speed-up
        z = (samples[:, None, :] - centres[None, :, :]) / width
        kernels = -0.5 * np.sum(z * z, axis=2) - samples.shape[1] * math.log(width)
        stacked = np.concatenate([kernels, -0.5 * np.sum((samples - 0.5) ** 2, axis=1)[:, None]], axis=1)
        peak = stacked.max(axis=1, keepdims=True)
        return peak[:, 0] + np.log(np.exp(stacked - peak).sum(axis=1))

    rng = np.random.default_rng(20261207)
    for dimension in range(1, 11):  # 8 and more: numpy's own sum
        for n in (1, 30, 300):
            samples, centres, width = rng.random((24, dimension)), rng.random((n, dimension)), rng.uniform(0.01, 0.3)
            assert np.array_equal(parzen._log_density(samples, centres, width),
                                  log_density(samples, centres, width)), (dimension, n)
    for count in range(1, 12):
        values = (rng.standard_normal(count) * 10.0 ** rng.uniform(-6, 6, count)).tolist()
        assert mean(values) == float(np.mean(values)), values


def test_the_state_keeps_the_repeats_as_plain_json():
    _, _, state, _ = played("noisy", 1)  # a run with repeats: the chosen-candidate test's seed 1 run
    assert state["repeats"]
    assert all(isinstance(k, str) and isinstance(v, int) for k, v in state["repeats"].items())
    assert budget_key(TOP) == repr(TOP)


# -- the endgame: a local search at the top budget, and a race of the best few where the top budget is noisy --
def serial(value, *, seed=0, evaluations=60, dimension=2, budgets=BUDGETS, **options):
    """A serial run of ``evaluations`` full budgets' worth of compute, the run's compute budget known to the policy
    (as the driver tells it); returns the trials, the final state and the order of the segments. The table
    answers from a :class:`ScoreIndex` told of every result, as the driver's does (the same answers, bit for bit,
    as from the trials' dicts: the same decisions, for about half the CPU)."""
    policy = POLICIES.create("model-based", options)
    state = policy.init(budgets, dimension, seed)
    trials: dict[str, dict] = {}
    loop = {"compute": 0.0}
    index = ScoreIndex(trials)
    table = TrialTable(trials, None, loop, compute_budget=evaluations * TOP, index=index)
    order = []
    while loop["compute"] < evaluations * TOP:
        action, state = policy.next(state, table)
        assert action.kind in ("start", "continue")
        if action.kind == "start":
            trial = len(trials)
            trials[str(trial)] = {"code": list(action.code), "budget": 0.0, "scores": {}, "running": True}
            state = policy.launched(state, trial, action.budget)
        else:
            trial = action.trial
        record = trials[str(trial)]
        code = np.array(record["code"])
        for budget in budgets:
            if record["budget"] < budget <= action.budget:
                record["scores"][budget_key(budget)] = value(code, budget)
        loop["compute"] += action.budget - record["budget"]
        record["running"] = False
        start, record["budget"] = record["budget"], action.budget
        index.update(trial, record)
        state = policy.report(state, table, trial, action.budget, record["scores"][budget_key(action.budget)])
        order.append((trial, start, action.budget, loop["compute"]))
    return trials, state, order


def valley(code, budget):
    """A narrow, nearly flat valley (as Hartmann-3's optimum lies in): steep across, shallow along."""
    code = np.asarray(code)
    return -float(200 * (code[1] - 0.5) ** 2 + 0.5 * (code[0] - 0.1) ** 2) * (1 + 1.0 / budget)


#: the objectives of the serial runs several tests share, by name (``noisy`` draws its noise from the run's seed)
VALUES = {"bowl": lambda seed: bowl, "noisy": noisy_bowl, "valley": lambda seed: valley}
_SHARED: dict[tuple, tuple] = {}


def _key(name: str, seed: int, options: dict) -> tuple:
    return (name, seed, tuple(sorted(options.items())))


def _serial_named(name: str, seed: int, options: dict) -> tuple:
    return serial(VALUES[name](seed), seed=seed, **options)


def shared(name: str, seed: int = 0, **options) -> tuple:
    """``serial(VALUES[name](seed), seed=seed, **options)``, run once per module: the runs are deterministic, and
    several tests assert different things of the same run (callers must not change what it returns)."""
    key = _key(name, seed, options)
    if key not in _SHARED:
        _SHARED[key] = _serial_named(name, seed, options)
    return _SHARED[key]


def shared_on_two_cores(calls: list[tuple[str, int, dict]]) -> list[tuple]:
    """``shared(name, seed, **options)`` for every call, those not run yet worked out by two processes."""
    missing = list(dict.fromkeys(_key(*call) for call in calls if _key(*call) not in _SHARED))
    if missing:
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            found = pool.starmap(_serial_named, [(name, seed, dict(options)) for name, seed, options in missing],
                                 chunksize=1)
        _SHARED.update(zip(missing, found))
    return [_SHARED[_key(*call)] for call in calls]


def best_mean(trials, state):
    groups = top_groups(BUDGETS, TrialTable(trials), state["repeats"])
    return float(np.mean(groups[incumbent(groups)]))


def test_the_last_share_of_the_compute_goes_to_local_steps_at_the_top_budget():
    trials, state, order = shared("valley")  # exploit_share = 0.33 (the default; the valley test's seed 0 run)
    assert POLICIES.create("model-based", {}).exploit_share == 0.33
    local = {int(t) for t in state["local"]}
    assert len(local) >= 10
    first = {}  # each trial's first segment: (from budget, budget, compute spent before it)
    for trial, start, budget, spent in order:
        first.setdefault(trial, (start, budget, spent - (budget - start)))
    late = {trial for trial, (_, _, before) in first.items() if before >= (1 - 0.33) * 60 * TOP}
    for trial in local:  # trained from scratch to the top budget in one segment, in the last third only
        assert first[trial][:2] == (0.0, TOP) and trial in late
    assert late - {int(t) for t in state["repeats"]} <= local  # every new candidate of the last third is one


#: The proposals the valley test compares the endgame under: the former model, and the defaults.
VALLEY_PROPOSALS = [{"pooled_ranks": False, "screening": False}, {}]


def _valley_calls(proposal: dict) -> list[tuple[str, int, dict]]:
    """The valley test's serial runs of ``proposal``: six seeds, each with and without the endgame."""
    return [("valley", seed, {**proposal, **options}) for seed in range(6) for options in ({}, {"exploit_share": 0.0})]


@pytest.mark.parametrize("proposal", VALLEY_PROPOSALS)
def test_the_local_search_finds_a_better_point_in_a_flat_valley_than_the_model_alone(proposal):
    # 60 evaluations: at 40 the top budget holds 11 to 17 candidates at two thirds, and the endgame waits for 12
    # (endgame_results), so on some seeds it has little or no time
    shared_on_two_cores([call for each in VALLEY_PROPOSALS for call in _valley_calls(each)])  # one pool for both
    calls = _valley_calls(proposal)
    # the distance of the chosen candidate's result from the valley's optimum (0) after each serial run
    found = [-best_mean(trials, state) for trials, state, _ in shared_on_two_cores(calls)]
    gaps = [found[2 * seed:2 * seed + 2] for seed in range(6)]  # each seed's gap with and without the endgame
    ratio = np.array([with_endgame / without for with_endgame, without in gaps])
    if not proposal:  # with the defaults (pooled_ranks, screening) every seed ends within 3e-4 of the optimum
        # (6e-5 at most on fresh seeds 200-209 and 300-309, scripts/model_based_test_claims.py). The model alone
        # ends close too, so the endgame is not claimed to be closer on most seeds: it was on 6 of 6 seeds here,
        # but on 6 and 8 of 10 fresh seeds (until session 43 the test asserted 4 of 6 for both proposals)
        assert np.max([with_endgame for with_endgame, _ in gaps]) < 1e-3
    else:  # the former model (0.065 away on seed 1) leaves more to the endgame: it typically halves the distance
        assert np.sum(ratio < 1) >= 4  # closer to the optimum on most seeds (8 and 9 of 10 fresh seeds)
        assert np.exp(np.mean(np.log(ratio))) < 0.5


def test_told_a_small_compute_the_run_is_the_first_part_of_a_longer_one_until_the_endgame_has_results_to_refine():
    """Issue 11's twelfth round: told a third of a sweep's compute, the endgame (its last third) started after 5 to
    15 top-budget results and did worse than going on proposing. It now waits until the top budget holds
    ``endgame_results`` candidates (by default twice what the model needs: 12 here), so a run told a small share
    (a quarter here) spends it as the first part of the longer run would; a longer run still gets its endgame."""
    for seed in range(4):
        long_trials, long_state, long_order = shared("noisy", seed)  # 60 evaluations, as the races test's run
        trials, state, order = serial(noisy_bowl(seed), seed=seed, evaluations=15)
        groups = top_groups(BUDGETS, TrialTable(trials), state["repeats"])
        assert len(groups) < 12 and max(map(len, groups.values())) <= 2  # no local step, no race
        assert not state["local"] and [t for t, *_ in order] == [t for t, *_ in long_order[:len(order)]]
        assert len(long_state["local"]) >= 5  # the longer run reached its dozen and refined its choice
        long_groups = top_groups(BUDGETS, TrialTable(long_trials), long_state["repeats"])
        assert sum(len(g) == 3 for g in long_groups.values()) >= 3  # and raced the best few (the top is noisy)
        ungated_trials, ungated, _ = serial(noisy_bowl(seed), seed=seed, evaluations=15, endgame_results=1)
        ungated_groups = top_groups(BUDGETS, TrialTable(ungated_trials), ungated["repeats"])
        assert max(map(len, ungated_groups.values())) == 3  # as before: a race on six to eight results


def test_a_run_stored_before_the_endgame_waited_for_results_resumes_as_it_ran():
    from l2l.config import stored_policy

    assert stored_policy({"name": "model-based"})["endgame_results"] == 1  # no gate, as those runs ran
    assert stored_policy({"name": "model-based", "endgame_results": 0})["endgame_results"] == 0
    assert POLICIES.create("model-based", {}).endgame_need(2) == 12
    assert POLICIES.create("model-based", {}).endgame_need(6) == 16
    assert POLICIES.create("model-based", {"endgame_results": 5}).endgame_need(6) == 5


def test_a_local_step_that_paid_is_tried_again_twice_as_long():
    policy = POLICIES.create("model-based", {})
    state = policy.init(BUDGETS, 2, 0)
    centre, better = [0.5, 0.5], [0.52, 0.49]
    trials = {str(i): {"code": list(np.random.default_rng(i).random(2)), "budget": TOP,
                       "scores": {budget_key(TOP): -1.0 - i}, "running": False} for i in range(8)}
    trials["8"] = {"code": centre, "budget": TOP, "scores": {budget_key(TOP): -0.5}, "running": False}
    trials["9"] = {"code": better, "budget": TOP, "scores": {budget_key(TOP): -0.4}, "running": False}
    state = {**state, "local": {"9": [-0.5, [0], [0.02, -0.01]]}, "step": [0.05, 0.05]}
    code, base, after = policy._local(state, TrialTable(trials))
    assert np.allclose(code, [0.56, 0.47]) and base[0] == -0.4  # from the new best, twice the step that paid
    assert after["local"]["9"] is None and np.allclose(after["step"], [0.075, 0.05])  # the axis moved widens
    state = {**after, "local": {**after["local"], "10": base}}
    trials["10"] = {"code": list(code), "budget": TOP, "scores": {budget_key(TOP): -0.45}, "running": False}
    code, _, after = policy._local(state, TrialTable(trials))  # that one failed: a plain step, narrower axes
    assert np.allclose(after["step"], [0.075 * 1.5 ** -0.25, 0.05 * 1.5 ** -0.25])
    assert 0 < np.linalg.norm(code - np.array(better)) < 0.3


def test_where_the_top_budget_is_noisy_the_endgame_races_the_best_few_with_more_seeds():
    for seed in range(3):  # the runs of the small-compute test's longer runs (60 evaluations, the default endgame)
        trials, state, _ = shared("noisy", seed)
        groups = top_groups(BUDGETS, TrialTable(trials), state["repeats"])
        assert sum(len(g) >= 3 for g in groups.values()) >= 3  # (outside the endgame: at most 2 results each)
        assert all(len(g) <= 3 for g in groups.values())
        _, exact, _ = serial(bowl, seed=seed)
        assert len(exact["repeats"]) <= 1  # an exact top budget is never raced


def test_the_probe_bracket_weighs_less_where_low_budgets_agree_and_fully_until_agreement_is_measured():
    policy = POLICIES.create("model-based", {"screening": False})  # the weights as measured (screening reshares them)
    assert policy.bracket_weights([None, None, None, 1.0]).tolist() == [0.5, 0.5, 0.5, 1.0]
    assert policy.bracket_weights([0.99, 0.98, 1.0, 1.0]).tolist() == [0.99, 0.98, 1.0, 0.25]
    assert policy.bracket_weights([-0.9, -0.95, 1.0]).tolist() == [0.0, 0.0, 1.0]
    assert np.allclose(policy.bracket_weights([0.3, 0.6, None, 1.0]), [0.3, 0.6, 0.5, 0.4])


def test_with_four_rungs_the_first_probe_bracket_has_five_candidates_and_measures_the_agreement():
    trials, state, order = serial(bowl, evaluations=6, budgets=BUDGETS[1:], exploit_share=0.0)
    assert sorted(state["probes"])[:5] == [0, 1, 2, 3, 4]
    assert {trial for trial, *_ in order[:20]} == {0, 1, 2, 3, 4}  # each through the rungs 3, 9, 27, 81
    assert None not in state["agreement"]  # measured for every rung once they finished, not left at the prior


def test_without_probe_first_the_broadest_bracket_screens_first_and_the_probe_follows():
    """probe_first = false (issue 11's sixth round): the first bracket is successive halving's broadest (81
    candidates at budget 1 with these five rungs, a third kept at each rung), the second the probe."""
    trials, state, order = serial(bowl, evaluations=12, exploit_share=0.0, repeats=1, probe_first=False)
    first = [(trial, start, budget) for trial, start, budget, _ in order[:81]]
    assert first == [(trial, 0.0, 1.0) for trial in range(81)]  # no candidate trained further before all 81
    promoted = [(trial, start, budget) for trial, start, budget, _ in order[81:108]]
    assert all(start == 1.0 and budget == 3.0 for _, start, budget in promoted)  # then a third of them, to 3
    assert len({trial for trial, _, _ in promoted}) == 27 and all(trial < 81 for trial, _, _ in promoted)
    assert state["probes"] and min(state["probes"]) >= 81  # the probe came second
    assert trials[str(min(state["probes"]))]["budget"] == TOP
    _, _, default_order = serial(bowl, evaluations=12, exploit_share=0.0, repeats=1)
    assert [(t, s, b) for t, s, b, _ in default_order[:5]] == [(0, s, b) for s, b in zip([0.0] + BUDGETS, BUDGETS)]


# -- options tried for issue 11's fourth round (off by default: no gain on the development seeds) ------------
def test_with_early_race_the_best_few_get_a_second_seed_before_the_endgame_where_the_top_budget_is_noisy():
    for seed in range(3):
        trials, state, order = serial(noisy_bowl(seed), seed=seed, evaluations=40, exploit_share=0.0, early_race=True)
        groups = top_groups(BUDGETS, TrialTable(trials), state["repeats"])
        few = sorted(groups, key=lambda t: -float(np.mean(groups[t])))[:3]
        assert [len(groups[t]) for t in few] == [2, 2, 2]  # not only the incumbent is checked again
        assert all(len(g) <= 2 for g in groups.values())  # 'repeats' results each, no more before the endgame
        assert len(state["repeats"]) * TOP <= 0.2 * order[-1][3] + TOP  # within repeat_share
        plain, default, _ = serial(noisy_bowl(seed), seed=seed, evaluations=40, exploit_share=0.0)
        checked = top_groups(BUDGETS, TrialTable(plain), default["repeats"])
        assert sum(len(g) >= 2 for g in groups.values()) > sum(len(g) >= 2 for g in checked.values())
        _, exact, _ = serial(bowl, seed=seed, evaluations=40, exploit_share=0.0, early_race=True)
        assert len(exact["repeats"]) <= 1  # an exact top budget is never raced


def test_with_agreement_confidence_an_agreement_of_few_pairs_weighs_its_bracket_less_than_of_many():
    from l2l.policies.agreement import lower_bound

    policy = POLICIES.create("model-based", {"agreement_confidence": 1.0, "screening": False})
    few = policy.bracket_weights([0.9, 0.5, 0.8, 1.0], [5, 5, 5, 5])
    many = policy.bracket_weights([0.9, 0.5, 0.8, 1.0], [60, 60, 60, 60])
    assert few[0] < 0.7 and few[1] == 0.0 and few[2] < 0.4  # five pairs are weak evidence
    assert lower_bound(0.99, 5, 1.0) > 0.9  # unless they agree almost perfectly
    assert abs(many[0] - 0.9) < 0.05 and many[1] > 0.3
    assert few[-1] > many[-1]  # the probe bracket makes up for what the low budgets are not trusted with
    assert lower_bound(0.9, 5, 0.0) == 0.9 and lower_bound(0.9, 3, 1.0) == -1.0
    default = POLICIES.create("model-based", {"screening": False})
    assert default.bracket_weights([0.9, 0.5, 0.8, 1.0], [5, 5, 5, 5]).tolist() == [0.9, 0.5, 0.8, 0.25]
    _, state, _ = serial(bowl, evaluations=30, agreement_confidence=1.0)
    assert state["pairs"][-1] >= 5 and len(state["pairs"]) == len(BUDGETS)  # the sample size is kept with the run


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_model_based_never_promotes_or_continues_a_candidate_whose_segment_failed(tmp_path, seed):
    config = l2l.from_mapping({
        # run.stop_after_failures = 0: 90 % of the space fails, so the first 10 segments may all fail (seeds 0, 1)
        "run": {"seed": seed, "compute": 200, "stop_after_failures": 0},
        "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "model-based"},
        "simulator": {"name": "python", "function": "models_policy_fixes:mostly_failing",
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 27}},
        "backend": {"name": "serial"}})
    segments = l2l.load(l2l.run(config, tmp_path / "f.h5"), segments=True)
    failed = segments[segments["status"] != "ok"]
    assert len(failed) > len(segments) / 3
    for trial, budget in zip(failed["trial"], failed["budget"]):
        later = segments[(segments["trial"] == trial) & (segments["budget"] > budget)]
        assert later.empty, f"trial {trial} failed at {budget} and ran again at {later['budget'].tolist()}"


def test_with_screening_brackets_shift_to_the_lowest_rung_where_it_agrees_and_the_probes_keep_their_share():
    """screening = true (issue 11's seventh round): the brackets below the top share their total weight in
    proportion to agreement squared times the candidates each starts (81, 34, 15, 8 with these five rungs)."""
    plain, screening = POLICIES.create("model-based", {"screening": False}), POLICIES.create("model-based", {})
    assert screening.screening  # the default since issue 11's ninth round
    agree = [0.99, 0.98, 0.99, 0.99, 1.0]
    weights = screening.bracket_weights(agree)
    assert np.isclose(weights[:-1].sum(), plain.bracket_weights(agree)[:-1].sum())  # same total below the top
    assert weights[-1] == plain.bracket_weights(agree)[-1] == 0.25  # the probe's weight unchanged
    assert weights[0] / weights.sum() > 0.5 > plain.bracket_weights(agree)[0] / plain.bracket_weights(agree).sum()
    assert list(weights[:-1]) == sorted(weights[:-1], reverse=True)  # the broadest bracket first
    weak_low = screening.bracket_weights([0.1, 0.3, 0.9, 1.0])  # a low rung that barely agrees is left alone
    assert weak_low[0] < plain.bracket_weights([0.1, 0.3, 0.9, 1.0])[0] and weak_low[2] > weak_low[1] > weak_low[0]
    assert screening.bracket_weights([-0.9, -0.95, 1.0]).tolist() == [0.0, 0.0, 1.0]  # misleading: probes only
    # on a bowl whose every rung agrees, a run of the same compute screens more candidates at the lowest budget
    counts = []
    for seed in range(3):  # brackets are drawn at random: 1.15x to 3.2x as many candidates over seeds 0..7
        trials, _, _ = serial(bowl, seed=seed, evaluations=40, exploit_share=0.0, repeats=1)
        base, _, _ = serial(bowl, seed=seed, evaluations=40, exploit_share=0.0, repeats=1, screening=False)
        assert len(trials) > len(base), (seed, len(trials), len(base))
        counts.append((len(trials), len(base)))
    assert sum(a for a, _ in counts) > 1.5 * sum(b for _, b in counts), counts



def test_with_pooled_ranks_the_model_orders_candidates_by_their_rank_at_an_agreeing_budget_not_by_budget_first():
    """pooled_ranks = true (issue 11's eighth round): a candidate counts by its rank among all results at its
    highest trusted budget, drawn towards that budget's middle rank by one minus the budget's agreement (less one
    standard error for its number of probe pairs), so a random probe that reached the top budget with a poor
    result no longer outranks the best cheap results where they agree, and a few probes' agreement counts less."""
    def table(scores_by_trial):
        return TrialTable({str(t): {"code": [t / 10, t / 10], "budget": max(s), "scores": {budget_key(b): v
                           for b, v in s.items()}, "running": False} for t, s in scores_by_trial.items()})

    # trials 0..2 reached the top (0: a poor probe), 3..7 stopped at budget 27 (3, 4: better there than 0)
    trials = table({0: {27.0: -9.0, TOP: -9.0}, 1: {27.0: -1.0, TOP: -1.0}, 2: {27.0: -2.0, TOP: -2.0},
                    3: {27.0: -1.5}, 4: {27.0: -3.0}, 5: {27.0: -10.0}, 6: {27.0: -11.0}, 7: {27.0: -12.0}})

    def order(agreement_27, pairs=50, **options):
        state = {"budgets": BUDGETS, "dimension": 2, "agreement": [None, None, None, agreement_27, 1.0],
                 "pairs": [0, 0, 0, pairs, pairs]}
        return [round(c[0] * 10) for c in POLICIES.create("model-based", options)._ordered(state, trials)]

    assert order(0.95, pooled_ranks=False) == [1, 2, 0, 3, 4, 5, 6, 7]  # without the option: the top budget first
    assert order(0.95) == order(0.95, pooled_ranks=True)  # the default since issue 11's ninth round
    # ranks at 27 among all eight results there: 1: 0, 3: 1, 2: 2, 4: 3, 0: 4, 5: 5, ...; at the top: 1: 0, 2: 1, 0: 2
    assert order(0.95, pooled_ranks=True) == [1, 2, 3, 0, 4, 5, 6, 7]
    assert order(0.95, pairs=5, pooled_ranks=True) == [1, 2, 3, 0, 4, 5, 6, 7]  # 0.95 on five pairs: still 0.80
    assert order(0.7, pooled_ranks=True) == [1, 2, 3, 0, 4, 5, 6, 7]  # 0.7 on fifty pairs counts as 0.62
    # the same 0.7 measured on five probes counts as 0.14: rung 27's candidates drawn towards its middle rank (3.5)
    assert order(0.7, pairs=5, pooled_ranks=True) == [1, 2, 0, 3, 4, 5, 6, 7]
    # a budget that does not agree feeds nothing, as without the option
    assert order(0.3, pooled_ranks=True) == order(0.3, pooled_ranks=False) == [1, 2, 0]
    with pytest.raises(l2l.ConfigError, match="pooled_ranks"):
        POLICIES.create("model-based", {"pooled_ranks": "yes"})


def test_a_run_started_before_the_defaults_changed_resumes_with_the_options_it_ran_with(tmp_path):
    import json

    import h5py

    def mapping(**options):
        return {"run": {"name": "mb", "seed": 2, "compute": 150},
                "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [3]}},
                "optimizer": {"name": "random"}, "policy": {"name": "model-based", "eta": 3, **options},
                "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}}

    fresh = l2l.run(l2l.from_mapping(mapping()), tmp_path / "fresh.h5", progress=False)
    with l2l.Trajectory(fresh) as trajectory:  # a run stores the values of the options whose defaults changed
        assert {k: trajectory.run["config"]["policy"][k] for k in ("pooled_ranks", "screening")} == \
            {"pooled_ranks": True, "screening": True}
    off = {"pooled_ranks": False, "screening": False}
    reference, old = (l2l.run(l2l.from_mapping(mapping(**off)), tmp_path / name, progress=False)
                      for name in ("reference.h5", "old.h5"))
    with h5py.File(old, "r+") as f:  # as a run started before the change stored its config: no such keys
        config = json.loads(f["run"].attrs["config"])
        config["policy"] = {k: v for k, v in config["policy"].items() if k not in off}
        f["run"].attrs["config"] = json.dumps(config)
    for path, value in ((old, "false"), (fresh, "true")):  # l2l show names the policy as the run runs it
        shown = main_output(["show", str(path)])
        line = next(line for line in shown.splitlines() if line.startswith("policy "))
        assert f'"pooled_ranks": {value}, "screening": {value}' in line and "optimizer is not used" in line
    for path in (reference, old, fresh):
        l2l.resume(path, compute=900, progress=False)
    columns = ["trial", "budget", "from_budget", "seed", "status"]
    segments = {p: l2l.load(p, segments=True)[columns].reset_index(drop=True) for p in (reference, old, fresh)}
    assert segments[old].equals(segments[reference])
    assert not segments[fresh].equals(segments[reference])  # the defaults would have made another run


def main_output(argv: list[str]) -> str:
    import contextlib
    import io

    from l2l.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()
