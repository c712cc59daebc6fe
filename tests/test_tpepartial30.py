"""tpe under a multi-fidelity policy learns from the candidates it stops (session 30): each result below the top
budget reaches it as a partial one, an Optuna PRUNED trial at that budget, as Optuna's TPE learns from the trials
its pruner stopped; a candidate promoted to the top budget is then one complete trial. A run stored before (its
optimizer state without the partial results) resumes as it ran; a new run killed with kill -9 and resumed ends as
the uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def config(policy: str = "asha", compute: int = 20, seed: int = 2, **optimizer) -> dict:
    return {"run": {"seed": seed, "compute": compute}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
            "optimizer": {"name": "tpe", "population_size": 1, "n_startup_trials": 4, **optimizer},
            "policy": {"name": policy, "eta": 3},
            "simulator": {"name": "python", "path": str(TESTS), "function": "models_kill26:curve",
                          "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
            "backend": {"name": "serial"}}


def final_state(path: Path) -> dict:
    with l2l.Trajectory(path) as trajectory:
        return trajectory.state()


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setenv("L2L_KILL26_STEP", "0")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tpe_under_asha_uses_its_model_once_enough_candidates_stopped(tmp_path, seed):
    """n_startup_trials = 4 and at most one candidate reaches the top budget: told only top-budget results, TPE
    would propose at random all run long; told the stopped ones, it proposes from its model after the 4th (the
    first 4 candidates are the same random ones, every later one differs)."""
    codes = []
    for learn in (True, False):
        path = l2l.run(l2l.from_mapping(config(compute=20, seed=seed, learn_from_stopped=learn)),
                       tmp_path / f"{learn}.h5", progress=False)
        state = final_state(path)
        assert sum(1 for r in state["trials"].values() if r["budget"] == 9) <= 1
        codes.append(state["optimizer"]["codes"])
    learned, ignored = codes
    n = min(len(learned), len(ignored))
    assert n >= 6
    assert np.array_equal(learned[:4], ignored[:4])
    assert all(not np.array_equal(learned[i], ignored[i]) for i in range(4, n))


def test_a_promoted_candidate_is_one_optuna_trial(tmp_path):
    """Every candidate is one trial of the study TPE samples from: complete if it reached the top budget (told
    there once, not also as pruned), pruned at the budget it reached if it was stopped there."""
    path = l2l.run(l2l.from_mapping(config(compute=80)), tmp_path / "r.h5", progress=False)
    state = final_state(path)
    trials = state["trials"]
    top = [k for k, r in trials.items() if r["budget"] == 9]
    assert len(top) >= 2 and len(trials) > len(top) + 4
    optimizer = OPTIMIZERS.create("tpe", {"population_size": 1, "n_startup_trials": 4})
    problem = Problem(Space.from_json(config()["space"]), (Objective("value"),))
    import optuna

    study, _ = optimizer._study(problem, state["optimizer"])
    kinds = [t.state for t in study.get_trials(deepcopy=False)]
    assert len(kinds) == len(trials)  # one trial per candidate
    assert kinds.count(optuna.trial.TrialState.COMPLETE) == len(top)
    assert kinds.count(optuna.trial.TrialState.PRUNED) == len(trials) - len(top)
    budgets = sorted(max(t.intermediate_values) for t in study.get_trials(deepcopy=False)
                     if t.state == optuna.trial.TrialState.PRUNED)
    assert budgets[0] < budgets[-1]  # stopped at rung 1 and at rung 3: ranked by the budget reached first


def test_the_live_study_gives_what_a_study_rebuilt_at_every_ask_gives():
    """Asks, partial results (revised as candidates are promoted), top-budget results and failures: the optimizer
    that keeps its study between asks proposes exactly what fresh optimizers (a resumed run's) propose."""
    space = Space.from_json({"x": {"low": -5.0, "high": 5.0, "shape": [2]}})
    problem = Problem(space, (Objective("value", "minimize"),))
    options = {"population_size": 1, "n_startup_trials": 3}
    kept = OPTIMIZERS.create("tpe", options)
    rng = np.random.default_rng(5)
    state = kept.init(problem, 7)
    asked: list[np.ndarray] = []
    for step in range(24):
        before = state
        codes, state = kept.ask(problem, before, 1 + step % 2)
        assert np.array_equal(codes, OPTIMIZERS.create("tpe", options).ask(problem, before, len(codes))[0])
        asked += list(codes)
        for code in codes:
            score = -float(np.sum(code ** 2))
            state = kept.tell_partial(problem, state, code, [1.0], [score if step % 7 else np.nan])
        if step % 3 == 2:  # promote an earlier candidate: a later partial result, then maybe the top budget
            code = asked[int(rng.integers(len(asked)))]
            state = kept.tell_partial(problem, state, code, [3.0], [-float(np.sum(code ** 2)) + 0.1])
            if step % 2:
                state = kept.tell(problem, state, code[None, :], [[-float(np.sum(code ** 2))]])
    assert np.sum(state["told"]) >= 3 and np.sum(np.isfinite(state["partial"]["budgets"])) >= 15


def killed_run(data: dict, path: Path, at: int, tmp_path: Path, setup: str = "") -> None:
    """``l2l.run`` in a child process killed (kill -9) at its ``at``-th evaluation (models_kill26), committing at
    every result; ``setup``: Python code run first."""
    code = (f"import l2l, l2l.driver\nl2l.driver.FLUSH_SECONDS = -1.0\n{setup}\n"
            f"l2l.run(l2l.from_mapping({data!r}), {str(path)!r}, progress=False)\n")
    child = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS)]),
                                "L2L_KILL26_STEP": "0", "L2L_KILL26_AT": f"{at} {tmp_path / f'calls{at}'}"})
    assert child.returncode == -signal.SIGKILL, child.stderr


#: The optimizer state an l2l before session 30 began a run with: no partial results (told top-budget ones only).
OLD_INIT = ("from l2l.optimizers.bayesian import _OptunaOptimizer\n_init = _OptunaOptimizer.init\n"
            "def init(self, problem, seed):\n    state = _init(self, problem, seed)\n"
            "    state.pop('partial', None)\n    return state\n"
            "_OptunaOptimizer.init = init\n")


def test_a_run_stored_before_resumes_as_it_ran(tmp_path, monkeypatch):
    """A run begun by an l2l that told tpe top-budget results only (its state has no partial results), killed and
    resumed by this one: its rows are those of the old l2l's uninterrupted run, not those of a new run."""
    data = config("hyperband", compute=80, seed=3)
    with monkeypatch.context() as patch:
        init = _OptunaOptimizer.init

        def old_init(self, problem, seed):
            state = init(self, problem, seed)
            state.pop("partial", None)
            return state

        patch.setattr(_OptunaOptimizer, "init", old_init)
        old = l2l.load(l2l.run(l2l.from_mapping(data), tmp_path / "old.h5", progress=False))
    new = l2l.load(l2l.run(l2l.from_mapping(data), tmp_path / "new.h5", progress=False))
    killed = tmp_path / "killed.h5"
    killed_run(data, killed, 15, tmp_path, setup=OLD_INIT)
    assert 0 < len(l2l.load(killed)) < len(old)
    assert "partial" not in final_state(killed)["optimizer"]
    l2l.resume(killed, progress=False)
    assert comparable(l2l.load(killed)).equals(comparable(old))
    assert not comparable(new).equals(comparable(old))  # the new run learned from its stopped candidates


def test_a_new_hyperband_tpe_run_killed_and_resumed_equals_the_whole(tmp_path):
    """Killed at the 15th segment, after partial results were committed: the resumed run tells tpe the same results
    (committed with the run state, the segments in flight again) and ends with the uninterrupted run's rows."""
    at = 15
    data = config("hyperband", compute=80, seed=3)
    whole = l2l.load(l2l.run(l2l.from_mapping(data), tmp_path / "whole.h5", progress=False))
    killed = tmp_path / "killed.h5"
    killed_run(data, killed, at, tmp_path)
    assert 0 < len(l2l.load(killed)) < len(whole)
    assert np.isfinite(final_state(killed)["optimizer"]["partial"]["budgets"]).sum() >= 4
    l2l.resume(killed, progress=False)
    assert comparable(l2l.load(killed)).equals(comparable(whole))


def test_auto_passes_the_stopped_candidates_on_to_the_tpe_it_chose(tmp_path):
    """``auto`` picks tpe for a one-dimensional space: under asha that tpe is told the stopped candidates too."""
    data = config(compute=20)
    data["space"] = {"x": {"low": -5.0, "high": 5.0}}
    data["optimizer"] = {"name": "auto"}
    state = final_state(l2l.run(l2l.from_mapping(data), tmp_path / "r.h5", progress=False))["optimizer"]
    assert state["choice"] == "tpe"
    assert np.isfinite(state["inner"]["partial"]["budgets"]).sum() >= 4
