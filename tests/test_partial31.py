"""Every optimizer that can learn from stopped candidates does (session 31): the points of run.initial_points
under a multi-fidelity policy reach tpe at every budget they get to, each once (before, only at the top budget);
motpe told stopped candidates keeps them as Optuna keeps pruned trials of a multi-objective study (no value:
counted toward the start-up trials, in the bad group); gp with learn_from_stopped = true models a stopped
candidate by its latest value, capped at the worst told at the top budget. Runs stored before resume as they ran; a
new run killed with kill -9 and resumed ends as the uninterrupted run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import l2l
from conftest import comparable
from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import Problem
from l2l.optimizers.bayesian import _OptunaOptimizer
from l2l.space import Space
from test_tpepartial30 import final_state, killed_run

TESTS = Path(__file__).resolve().parent
POINTS = [{"x": [0.1, 0.2]}, {"x": [3.0, -4.0]}, {"x": [-0.3, 0.05]}, {"x": [4.5, 4.5]}]


def config(policy: str = "asha", compute: int = 40, seed: int = 2, points=POINTS) -> dict:
    return {"run": {"seed": seed, "compute": compute, "initial_points": points},
            "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
            "optimizer": {"name": "tpe", "population_size": 1, "n_startup_trials": 4},
            "policy": {"name": policy, "eta": 3},
            "simulator": {"name": "python", "path": str(TESTS), "function": "models_kill26:curve",
                          "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
            "backend": {"name": "serial"}}


#: The optimizer state an l2l before session 31 began a run with: partial results of asked candidates only.
OLD_INIT = ("from l2l.optimizers.bayesian import _OptunaOptimizer\n_init = _OptunaOptimizer.init\n"
            "def init(self, problem, seed):\n    state = _init(self, problem, seed)\n"
            "    state.pop('partial_unasked', None)\n    return state\n"
            "_OptunaOptimizer.init = init\n")


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setenv("L2L_KILL26_STEP", "0")


def point_rows(state: dict) -> list[np.ndarray]:
    """Per initial point, the rows of tpe's state holding it."""
    codes = state["optimizer"]["codes"]
    return [np.flatnonzero(np.all(codes == np.array(p["x"]), axis=1)) for p in POINTS]


@pytest.mark.parametrize("policy", ["asha", "hyperband"])
def test_initial_points_are_one_tpe_trial_each_at_the_budget_they_reached(tmp_path, policy):
    """Each point is one trial of the study tpe samples from, as an asked candidate would be: pruned at the budget
    the policy stopped it at (its value there), or complete if it reached the top budget (told there once)."""
    import optuna

    state = final_state(l2l.run(l2l.from_mapping(config(policy)), tmp_path / "r.h5", progress=False))
    trials = {tuple(r["code"]): r for r in state["trials"].values()}
    rows = point_rows(state)
    assert all(len(r) == 1 for r in rows)  # every point once
    assert sum(trials[tuple(p["x"])]["budget"] < 9 for p in POINTS) >= 2
    optimizer = OPTIMIZERS.create("tpe", {"population_size": 1, "n_startup_trials": 4})
    problem = Problem(Space.from_json(config()["space"]), (Objective("value"),))
    study, _ = optimizer._study(problem, state["optimizer"])
    made = study.get_trials(deepcopy=False)
    for point, (row,) in zip(POINTS, rows):
        record = trials[tuple(point["x"])]
        score = record["scores"][next(k for k in record["scores"] if float(k) == record["budget"])]
        if record["budget"] == 9:
            assert made[row].state == optuna.trial.TrialState.COMPLETE and made[row].value == pytest.approx(score)
        else:
            assert made[row].state == optuna.trial.TrialState.PRUNED
            assert made[row].value == pytest.approx(score)


def test_a_run_with_initial_points_killed_and_resumed_equals_the_whole(tmp_path):
    """Killed after the points' partial results were committed: the resumed run's rows are the uninterrupted run's
    (the points told once each, as there)."""
    data = config("asha", compute=40, seed=3)
    whole = l2l.load(l2l.run(l2l.from_mapping(data), tmp_path / "whole.h5", progress=False))
    killed = tmp_path / "killed.h5"
    killed_run(data, killed, 9, tmp_path)
    assert 0 < len(l2l.load(killed)) < len(whole)
    state = final_state(killed)
    assert sum(len(r) for r in point_rows(state)) >= 3
    l2l.resume(killed, progress=False)
    assert comparable(l2l.load(killed)).equals(comparable(whole))
    assert all(len(r) == 1 for r in point_rows(final_state(killed)))


def test_a_run_with_initial_points_stored_before_resumes_as_it_ran(tmp_path, monkeypatch):
    """A run begun by an l2l that told tpe the points' top-budget results only (a state without
    ``partial_unasked``), killed and resumed by this one: its rows are the old l2l's uninterrupted run's."""
    data = config("asha", compute=40, seed=3)
    with monkeypatch.context() as patch:
        init = _OptunaOptimizer.init

        def old_init(self, problem, seed):
            state = init(self, problem, seed)
            state.pop("partial_unasked", None)
            return state

        patch.setattr(_OptunaOptimizer, "init", old_init)
        old = l2l.load(l2l.run(l2l.from_mapping(data), tmp_path / "old.h5", progress=False))
    new = l2l.load(l2l.run(l2l.from_mapping(data), tmp_path / "new.h5", progress=False))
    killed = tmp_path / "killed.h5"
    killed_run(data, killed, 9, tmp_path, setup=OLD_INIT)
    assert "partial_unasked" not in final_state(killed)["optimizer"]
    l2l.resume(killed, progress=False)
    assert comparable(l2l.load(killed)).equals(comparable(old))
    assert not comparable(new).equals(comparable(old))  # the new run learned from the stopped points


def motpe_asks(learn: bool, stored_before: bool = False) -> np.ndarray:
    """Twelve asks of motpe (two objectives, 4 start-up trials), each candidate told a partial result (every sixth
    a failed segment) and every fifth the top budget's; each ask checked against a fresh optimizer's from the same
    state (a resumed run's)."""
    space = Space.from_json({"x": {"low": -5.0, "high": 5.0, "shape": [2]}})
    problem = Problem(space, (Objective("a", "minimize"), Objective("b", "minimize")))
    options = {"population_size": 1, "n_startup_trials": 4, "learn_from_stopped": learn}
    optimizer = OPTIMIZERS.create("motpe", options)
    state = optimizer.init(problem, 3)
    if stored_before:
        state.pop("partial", None)
    asked = []
    for step in range(12):
        before = state
        codes, state = optimizer.ask(problem, before, 1)
        assert np.array_equal(codes, OPTIMIZERS.create("motpe", options).ask(problem, before, 1)[0])
        asked.append(codes[0])
        scores = [-float(np.sum(codes[0] ** 2)), -float(np.sum((codes[0] - 1.0) ** 2))]
        state = optimizer.tell_partial(problem, state, codes, [1.0 + step % 3], [scores if step % 6 else
                                                                                 [np.nan, np.nan]])
        if step % 5 == 4:
            state = optimizer.tell(problem, state, codes, [scores])
    return np.array(asked)


def test_motpe_counts_stopped_candidates_toward_its_start_up_trials_as_optuna_does():
    """Two of twelve candidates reach the top budget: told only those, motpe would propose at random all along
    (4 start-up trials); told the stopped ones as Optuna's pruned trials, it proposes from its model after the
    4th. A state without partial results (stored before) asks as before."""
    learned, ignored = motpe_asks(True), motpe_asks(False)
    assert np.array_equal(learned[:5], ignored[:5])
    assert all(not np.array_equal(a, b) for a, b in zip(learned[5:], ignored[5:]))
    assert np.array_equal(motpe_asks(True, stored_before=True), ignored)


def test_motpe_keeps_a_stopped_candidate_as_a_pruned_trial_without_a_value():
    """As in an Optuna multi-objective study (no Trial.report there): pruned, no value, no intermediate value; a
    failed segment is a failed trial."""
    import optuna

    space = Space.from_json({"x": {"low": -5.0, "high": 5.0, "shape": [2]}})
    problem = Problem(space, (Objective("a", "minimize"), Objective("b", "minimize")))
    optimizer = OPTIMIZERS.create("motpe", {"population_size": 3, "n_startup_trials": 4})
    codes, state = optimizer.ask(problem, optimizer.init(problem, 1))
    state = optimizer.tell_partial(problem, state, codes[:2], [1.0, 3.0], [[-1.0, -2.0], [np.nan, np.nan]])
    study, _ = optimizer._study(problem, state)
    made = study.get_trials(deepcopy=False)
    assert [t.state for t in made] == [optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.FAIL,
                                       optuna.trial.TrialState.RUNNING]
    assert made[0].values is None and made[0].intermediate_values == {}


def gp_config(policy: str = "asha", compute: int = 20, seed: int = 2, **options) -> dict:
    data = config(policy, compute, seed, points=[])
    del data["run"]["initial_points"]
    data["optimizer"] = {"name": "gp", "population_size": 1, "n_startup_trials": 4, "n_candidates": 200,
                         "learn_from_stopped": True, **options}
    return data


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gp_under_asha_uses_its_model_once_enough_candidates_stopped(tmp_path, seed):
    """At most one candidate reaches the top budget: told only top-budget results, gp would propose at random all
    run long (its model needs two); told the stopped ones, it proposes from its model after the 4th (the first 4
    candidates are the same random ones, every later one differs)."""
    codes = []
    for learn in (True, False):
        path = l2l.run(l2l.from_mapping(gp_config(seed=seed, learn_from_stopped=learn)), tmp_path / f"{learn}.h5",
                       progress=False)
        state = final_state(path)
        assert sum(1 for r in state["trials"].values() if r["budget"] == 9) <= 1
        codes.append(np.array([r["code"] for _, r in sorted(state["trials"].items(), key=lambda kv: int(kv[0]))]))
    learned, ignored = codes
    n = min(len(learned), len(ignored))
    assert n >= 6
    assert np.array_equal(learned[:4], ignored[:4])
    assert all(not np.array_equal(learned[i], ignored[i]) for i in range(4, n))


def test_gp_keeps_a_stopped_candidate_below_every_complete_one_and_forgets_it_once_complete():
    """A stopped candidate's value is capped at the worst told at the top budget; told at the top budget later,
    it is a complete result only (not also a stopped one)."""
    space = Space.from_json({"x": {"low": -5.0, "high": 5.0, "shape": [2]}})
    problem = Problem(space, (Objective("value", "minimize"),))
    gp = OPTIMIZERS.create("gp", {"population_size": 3, "n_startup_trials": 2, "learn_from_stopped": True})
    codes, state = gp.ask(problem, gp.init(problem, 1))
    state = gp.tell(problem, state, codes[:1], [[-5.0]])
    state = gp.tell_partial(problem, state, codes[1:], [1.0, 3.0], [[-1.0], [-9.0]])
    stopped, values = gp._stopped(problem, state, np.array([-5.0]))
    assert np.array_equal(stopped, codes[1:]) and list(values) == [-5.0, -9.0]
    state = gp.tell(problem, state, codes[1:2], [[-2.0]])
    assert np.array_equal(state["partial"]["codes"], codes[2:]) and len(state["pending"]) == 1


def test_a_new_hyperband_gp_run_killed_and_resumed_equals_the_whole(tmp_path):
    """Killed after stopped candidates were committed: the resumed run's rows are the uninterrupted run's."""
    data = gp_config("hyperband", compute=60, seed=3)
    whole = l2l.load(l2l.run(l2l.from_mapping(data), tmp_path / "whole.h5", progress=False))
    killed = tmp_path / "killed.h5"
    killed_run(data, killed, 12, tmp_path)
    assert 0 < len(l2l.load(killed)) < len(whole)
    assert len(final_state(killed)["optimizer"]["partial"]["codes"]) >= 4
    l2l.resume(killed, progress=False)
    assert comparable(l2l.load(killed)).equals(comparable(whole))

