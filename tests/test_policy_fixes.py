"""Scheduling policies as a new user meets them: PBT with any optimizer, failures never promoted, async PBT
finishing its population, optimizers that keep few candidates out, PBT intervals beyond the top budget."""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.errors import ConfigError
from l2l.policies.base import TrialTable, budget_key
from l2l.policies.pbt import PBT

LEARNING_RATE = {"learning_rate": {"low": 1e-3, "high": 0.19, "log": True},
                 "momentum": {"low": 0.05, "high": 0.95, "log": True}}


def pbt_mapping(optimizer=None, seed=1, **policy):
    mapping = {"run": {"name": "pbt", "seed": seed}, "space": LEARNING_RATE,
               "simulator": {"name": "noisy-sgd", "max_budget": 100},
               "objectives": [{"name": "loss", "direction": "minimize"}],
               "policy": {"name": "pbt", "population": 6, "interval": 10, **policy},
               "backend": {"name": "serial"}}
    if optimizer is not None:
        mapping["optimizer"] = optimizer
    return mapping


# -- 1. PBT without an [optimizer] table, or with one that cannot be told candidates it did not ask ----------
@pytest.mark.parametrize("optimizer", [None, {"name": "cmaes-quadratic"}, {"name": "nevergrad"}])
def test_pbt_runs_to_the_end_without_an_optimizer_table_and_with_generational_searchers(tmp_path, optimizer):
    path = l2l.run(l2l.from_mapping(pbt_mapping(optimizer)), tmp_path / "p.h5", progress=False)
    segments = l2l.load(path, segments=True)
    assert (segments["budget"] == 100).sum() == 6  # every member trained to the top budget
    assert (segments["parent"] >= 0).sum() >= 3  # and exploits happened (they were what crashed)
    if optimizer is None:  # docs/pbt.md: the first population is drawn by random search by default
        with l2l.Trajectory(path) as trajectory:
            assert trajectory.state()["optimizer"]["choice"] == "random"


def test_auto_under_pbt_chooses_random_row_0():
    from l2l.components import build

    components = build(l2l.from_mapping(pbt_mapping()))
    assert components.optimizer.choose(components.problem)[::2] == ("random", 0)
    assert "chose 'random'" in components.optimizer.describe(components.problem)


# -- 2. a candidate whose segment failed is never promoted or continued -------------------------------------
@pytest.mark.parametrize("policy", ["asha", "successive-halving", "hyperband", "median-stopping"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_policy_promotes_a_candidate_whose_segment_failed(tmp_path, policy, seed):
    config = l2l.from_mapping({
        # run.stop_after_failures = 0: 90 % of the space fails, so the first 10 segments may all fail (seeds 1, 2)
        "run": {"seed": seed, "compute": 60, "stop_after_failures": 0},
        "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": policy, **({"min_trials": 2} if policy ==
                                                                        "median-stopping" else {})},
        "simulator": {"name": "python", "function": "models_policy_fixes:mostly_failing",
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 27}},
        "backend": {"name": "serial"}})
    segments = l2l.load(l2l.run(config, tmp_path / "f.h5", progress=False), segments=True)
    failed = segments[segments["status"] != "ok"]
    assert len(failed) > len(segments) / 2  # most candidates fail at their first budget
    for trial, budget in zip(failed["trial"], failed["budget"]):
        later = segments[(segments["trial"] == trial) & (segments["budget"] > budget)]
        assert later.empty, f"{policy}: trial {trial} failed at {budget} and ran again at {later['budget'].tolist()}"


# -- 3. asynchronous PBT: an exploiting member never goes back to a budget below its own ----------------------
def _table(rows: dict[int, tuple[float, float]], running=()) -> TrialTable:
    from l2l.space import Space

    space = Space.from_json({"learning_rate": {"low": 1e-3, "high": 0.5, "log": True}})
    trials = {str(t): {"code": [-2.0], "budget": reached, "running": t in running, "ok": True,
                       "scores": {budget_key(b): score - (reached - b) for b in (10.0, 20.0) if b <= reached}}
              for t, (reached, score) in rows.items()}
    return TrialTable(trials, to_unit=space.to_unit, space=space)


def test_async_pbt_takes_donors_only_from_members_at_or_beyond_the_exploiters_budget():
    policy = PBT(population=4, interval=10, synchronous=False)
    state = {**policy.init([10.0, 20.0, 30.0, 40.0], 1, seed=0), "members": [0, 1, 2, 3]}
    # members 2 and 3 are behind (budget 10) with better scores than 0 and 1 have at 20
    table = _table({0: (20.0, -5.0), 1: (20.0, -1.0), 2: (10.0, 3.0), 3: (10.0, 2.0)}, running=(2, 3))
    state = policy.report(state, table, 0, 20.0, -5.0)
    action, state = policy.next(state, table)
    # ranked against the whole population (session 35), member 2 is the top: 0 waits for it, never copies it at 10
    assert action.kind == "wait"
    table._trials["2"].update(budget=20.0, running=False, scores={budget_key(10.0): 3.0, budget_key(20.0): 4.0})
    state = policy.report(state, table, 2, 20.0, 4.0)
    action, state = policy.next(state, table)
    assert action.kind == "start" and action.parent == 2  # once it is at 20
    assert action.budget == 30.0


def test_async_pbt_replaces_a_failed_member_even_before_half_the_population_reached_its_budget():
    policy = PBT(population=6, interval=10, synchronous=False)
    state = {**policy.init([10.0, 20.0, 30.0], 1, seed=0), "members": [0, 1, 2, 3, 4, 5]}
    table = _table({0: (10.0, -1e9), 1: (10.0, -2.0), **{t: (0.0, 0.0) for t in range(2, 6)}}, running=range(2, 6))
    table._trials["0"]["ok"] = False  # trial 0's segment to 10 failed: its score is the penalty
    for t in range(2, 6):
        table._trials[str(t)]["scores"] = {}
    state = policy.report(state, table, 0, 10.0, -1e9)
    action, state = policy.next(state, table)
    assert action.kind == "start" and action.parent == 1  # not "continue" trial 0, which has no checkpoint


def _local_pbt(tmp_path, seed):
    config = l2l.from_mapping({
        "run": {"name": "a", "seed": seed}, "space": {"learning_rate": {"low": 1e-3, "high": 0.5, "log": True}},
        "optimizer": {"name": "random"},
        "simulator": {"name": "python", "function": "models_policy_fixes:shrinking",
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 81}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "policy": {"name": "pbt", "population": 6, "interval": 9, "synchronous": False},
        "backend": {"name": "local", "workers": 2}})
    return l2l.run(config, tmp_path / f"a{seed}.h5", progress=False)


@pytest.mark.parametrize("seed", [0, 3])
def test_async_pbt_on_two_workers_trains_every_member_to_the_top_within_its_compute(tmp_path, seed):
    path = _local_pbt(tmp_path, seed)
    frame, segments = l2l.load(path), l2l.load(path, segments=True)
    assert (frame["state"] == "completed").sum() == 6 and (segments["budget"] == 81).sum() == 6
    assert (segments["budget"] - segments["from_budget"]).sum() <= 6 * 81
    # a member trains forwards only: each of its pieces starts where the one before ended, or later
    history = l2l.lineage(path)
    assert history["member"].nunique() == 6
    for _, rows in history.groupby("member"):
        assert (np.diff(rows["budget"].to_numpy()) > 0).all() and rows["budget"].iloc[-1] == 81


# -- 4. optimizers that keep at most num_workers candidates out, under policies that leave some untold -------
def _asha(optimizer=None, space=None):
    mapping = {"run": {"seed": 0, "compute": 200},
               "space": space or {"k": {"type": "int", "low": -4, "high": 4},
                                  "j": {"type": "int", "low": -4, "high": 4}, "x": {"low": -5.0, "high": 5.0}},
               "policy": {"name": "asha"}, "simulator": {"name": "sphere", "multi_fidelity": True},
               "backend": {"name": "serial"}}
    if optimizer:
        mapping["optimizer"] = optimizer
    return l2l.from_mapping(mapping)


def test_nevergrad_under_a_stopping_policy_is_refused_when_the_config_is_read():
    with pytest.raises(ConfigError, match="'nevergrad' keeps at most num_workers = 10 candidates asked and not "
                                          "told, and policy 'asha' never tells the candidates it stops"):
        l2l.loop.build(_asha({"name": "nevergrad"}, space={"x": {"low": -5.0, "high": 5.0, "shape": [2]}}))
    with pytest.raises(ConfigError, match="policy 'pbt' asks 6 and tells none; set \\[optimizer\\] num_workers = 6"):
        l2l.loop.build(l2l.from_mapping(pbt_mapping({"name": "nevergrad", "num_workers": 4})))


def test_auto_does_not_choose_nevergrad_under_asha_and_the_run_completes(tmp_path):
    path = l2l.run(_asha(), tmp_path / "d.h5", progress=False)  # a mostly discrete space: row 3 without a policy
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.state()["optimizer"]["choice"] == "tpe"
    segments = l2l.load(path, segments=True)
    assert (segments["budget"] - segments["from_budget"]).sum() >= 200


# -- 5. a PBT interval above the top budget ----------------------------------------------------------------
@pytest.mark.parametrize("key", ["interval", "burn_in"])
def test_a_pbt_interval_above_max_budget_is_refused_in_one_line(key):
    mapping = pbt_mapping(**{key: 500})
    with pytest.raises(ConfigError, match=f"policy 'pbt': {key} = 500 is above max_budget = 100") as error:
        l2l.loop.build(l2l.from_mapping(mapping))
    assert "\n" not in str(error.value)
