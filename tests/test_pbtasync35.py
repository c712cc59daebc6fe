"""Asynchronous PBT with few members per worker: a poor member copies the best one, not another poor one.

benchmarks/pbt_async_few.py (4 members on 2 local workers) still ended with a learner 36 times the best one's loss
in some runs (seed 3): the two poor members ran ahead (a fast batch size), the first two to reach a budget were
ranked against each other only, and the worse one copied the other poor one, while the best member, slower,
trained behind them and was never anyone's donor. These tests replay that at policy level with a fixed order of
arrivals (simulated workers and clocks, no timing of the machine): members are now ranked against the whole
population, as Ray Tune's PBT ranks every trial by its latest score, and a bottom member waits for a top member
that is behind.
"""

from __future__ import annotations

import heapq

import numpy as np

from l2l.policies import POLICIES, TrialTable, budget_key
from l2l.space import Space

BUDGETS = [5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0]


def _policy(population: int = 4, **options):
    return POLICIES.create("pbt", {"population": population, "interval": 5, "max_budget": 40, "fraction": 0.25,
                                   "synchronous": False, **options})


def _loss(x: float, start: float, epochs: float) -> float:
    """A learner's loss after ``epochs`` more from ``start``: it falls towards 1, halving its distance every
    ``1 + 20 x`` epochs (``x``, its parameter: 0 is best); a member that copies another goes on from that one's
    loss, with its own parameter. Untouched, x = 0.05 ends at 1.00 after 40 epochs, x = 0.9 at 3.1."""
    return 1.0 + (start - 1.0) * 0.5 ** (epochs / (1 + 20 * x))


def replay(codes: list[float], durations: list[float], population: int = 4, workers: int = 2, seed: int = 0,
           **options) -> tuple[dict[str, dict], list[tuple[int, int]]]:
    """Play an asynchronous run of PBT on ``workers`` simulated workers: a segment of a member with parameter
    ``x`` takes ``durations[k]`` per epoch (k: the first member it descends from), so the order in which members
    arrive is fixed by the arguments, not by the machine. Returns the trials and the exploits (trial, donor)."""
    policy = _policy(population, **options)
    space = Space.from_json({"x": {"low": 0.0, "high": 1.0}})
    trials: dict[str, dict] = {}
    loop = {"next_trial": 0, "compute": 0.0}
    table = TrialTable(trials, None, loop, space)
    state = policy.init(BUDGETS, 1, seed)
    losses: dict[int, float] = {}  # each trial's loss at the budget it reached (its 'checkpoint')
    origin: dict[int, int] = {}
    clock, events, exploits, count = 0.0, [], [], 0
    while True:
        while len(events) < workers:
            action, state = policy.next(state, table)
            if action.kind in ("wait", "done"):
                break
            if action.kind == "start":
                trial = loop["next_trial"]
                loop["next_trial"] += 1
                parent = action.parent
                code = list(action.code) if action.code is not None else [codes[trial]]
                reached = trials[str(parent)]["budget"] if parent >= 0 else 0.0
                trials[str(trial)] = {"code": code, "budget": reached, "scores": {}, "running": True,
                                      "parent": parent}
                losses[trial] = losses[parent] if parent >= 0 else 10.0
                origin[trial] = origin[parent] if parent >= 0 else trial
                if parent >= 0:
                    exploits.append((trial, parent))
                state = policy.launched(state, trial, action.budget)
            else:
                trial = action.trial
                trials[str(trial)]["running"] = True
            count += 1
            took = (action.budget - trials[str(trial)]["budget"]) * durations[origin[trial]]
            heapq.heappush(events, (clock + took, count, trial, action.budget))
        if not events:
            return trials, exploits
        clock, _, trial, budget = heapq.heappop(events)
        record = trials[str(trial)]
        losses[trial] = _loss(record["code"][0], losses[trial], budget - record["budget"])
        record["scores"] = {**record["scores"], budget_key(budget): -losses[trial]}
        record["budget"], record["running"] = budget, False
        loop["compute"] += budget - record["budget"]
        state = policy.report(state, table, trial, budget, -losses[trial])


def final_losses(trials: dict[str, dict]) -> list[float]:
    return sorted(-r["scores"][budget_key(40.0)] for r in trials.values() if budget_key(40.0) in r["scores"])


#: Seed 3 of benchmarks/pbt_async_few.py in miniature: members 0 and 1 poor and fast, member 2 the best and slow,
#: member 3 in between.
CODES = [0.9, 0.95, 0.05, 0.5]
DURATIONS = [1.0, 1.1, 3.0, 1.3]


def test_a_poor_member_copies_the_best_member_behind_it_not_the_other_poor_one_ahead():
    trials, exploits = replay(CODES, DURATIONS)
    donors = {trial: parent for trial, parent in exploits}

    def first(trial: int) -> int:
        while donors.get(trial, -1) >= 0:
            trial = donors[trial]
        return trial

    losses = final_losses(trials)
    assert len(losses) == 4  # the population kept its size and every member reached the top budget
    # Before: members 0 and 1 reached each budget first and were judged against each other; 1 copied 0 (both
    # poor), the best member 2, behind them, was no one's donor, and the run ended with a learner 1.65 times the
    # best one's loss.
    assert losses[-1] <= 1.5 * losses[0], losses
    assert any(first(donor) == 2 for donor in donors.values())  # the best member is a donor


def test_the_worst_final_learner_stays_near_the_best_whatever_the_order_of_arrivals():
    ratios = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        codes = rng.uniform(0.02, 1.0, 4).tolist()
        # the poorer a member, the faster (a large batch): the poor ones arrive first, as in the benchmark
        durations = [0.5 + 2.5 * (1 - x) * rng.uniform(0.7, 1.3) for x in codes]
        trials, _ = replay(codes, durations, seed=seed)
        losses = final_losses(trials)
        assert len(losses) == 4, seed
        ratios.append(losses[-1] / losses[0])
    assert max(ratios) <= 1.5, [round(r, 2) for r in ratios]


def test_a_waiting_member_copies_a_later_top_member_when_the_first_is_at_the_top_budget():
    policy = _policy(8)
    space = Space.from_json({"x": {"low": 0.0, "high": 1.0}})
    trials = {str(t): {"code": [t / 10], "budget": 10.0, "scores": {budget_key(10.0): -t / 10}, "running": True,
                       "parent": -1} for t in range(8)}
    trials["0"].update(budget=40.0, scores={budget_key(10.0): 0.0, budget_key(40.0): 0.0}, running=False)
    trials["1"].update(running=False)
    state = {**policy.init(BUDGETS, 1, 0), "members": list(range(8)),
             "waiting": [{"slot": 7, "own": 7, "budget": 15.0, "following": 20.0, "top": [0, 1]}]}
    trials["7"].update(budget=15.0, scores={budget_key(15.0): -0.7}, running=False)
    trials["1"].update(budget=15.0, scores={budget_key(15.0): -0.1})
    state = policy.report(state, TrialTable(trials, None, {}, space), 1, 15.0, -0.1)
    (item,) = [i for i in state["queue"] if i["slot"] == 7]
    # Before: member 0, the first of its top members, was at the top budget (nothing to copy into), and member 7
    # went on with its own training although member 1 had reached its budget.
    assert item["kind"] == "start" and item["parent"] == 1
    assert not state["waiting"]


def test_an_asynchronous_exploit_for_the_last_interval_copies_the_donors_parameters_as_they_are():
    """Nothing judges a member after its last interval: an explored draw there that diverged (a momentum moved to
    0.99 beside a large learning rate) was a final learner that nothing replaced, up to 250000 times the best loss
    in benchmarks/pbt_async_few.py's simulated runs. Earlier intervals still explore."""
    space = Space.from_json({"x": {"low": 0.0, "high": 1.0}})
    for budget, explored in ((35.0, False), (30.0, True)):
        policy = _policy(4)
        rungs = [b for b in BUDGETS if b <= budget]
        trials = {str(t): {"code": [0.2 * (t + 1)], "budget": budget, "running": False, "parent": -1,
                           "scores": {budget_key(b): -(t + 1) * (50 - b) for b in rungs}} for t in range(4)}
        state = {**policy.init(BUDGETS, 1, 0), "members": [0, 1, 2, 3]}
        state = policy.report(state, TrialTable(trials, None, {}, space), 3, budget, -4 * (50 - budget))
        action, state = policy.next(state, TrialTable(trials, None, {}, space))
        assert action.kind == "start" and action.parent == 0 and action.budget == budget + 5
        assert (list(action.code) != [0.2]) is explored, (budget, action.code)
