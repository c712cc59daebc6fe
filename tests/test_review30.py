"""Session 30's review: tpe under asha told the stopped candidates (partial results, failed segments among them)
asks in a real run exactly what a study rebuilt from the run state asks (the live study is a cache, never the
truth), and the Optuna step that encodes a partial result's budget keeps the budgets' order at any scale."""

from __future__ import annotations

import dataclasses

import numpy as np

import l2l
from l2l.optimizers.bayesian import _OptunaOptimizer, _step

MODEL = '''
import numpy as np
from l2l.simulators.base import SimulationResult


def curve(params, seed, budget, checkpoint=None):
    """A learning curve toward the sphere value; fails where x[0] > 3 (any budget) or x[1] < -3 above budget 1."""
    x = np.asarray(params["x"], dtype=float)
    if x[0] > 3.0 or (x[1] < -3.0 and budget > 1):
        raise RuntimeError("diverged")
    acc = (0.0 if checkpoint is None else checkpoint["acc"]) + 0.1 * float(np.random.default_rng(seed).normal())
    return SimulationResult({"value": float(np.sum(x * x)) + 10.0 / (1 + budget) + acc},
                            checkpoint={"acc": acc})
'''


def test_tpe_under_asha_asks_what_a_study_rebuilt_at_every_ask_asks(tmp_path, monkeypatch):
    """A serial asha run with promotions and failed segments (told as FAIL trials): at every ask, the optimizer
    that keeps its study between asks proposes exactly what a fresh optimizer (a resumed run's) proposes from the
    same state."""
    (tmp_path / "review30_model.py").write_text(MODEL)
    ask = _OptunaOptimizer.ask
    asks = {"all": 0, "live": 0}

    def checked(self, problem, state, n=None):
        fresh = dataclasses.replace(self)  # same options, no live study
        asks["all"] += 1
        asks["live"] += bool(self._live)
        codes, new = ask(self, problem, state, n)
        assert np.array_equal(codes, ask(fresh, problem, state, n)[0]), f"ask {asks['all']}"
        return codes, new

    monkeypatch.setattr(_OptunaOptimizer, "ask", checked)
    data = {"run": {"seed": 4, "compute": 90, "stop_after_failures": 1000},
            "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
            "optimizer": {"name": "tpe", "population_size": 1, "n_startup_trials": 4},
            "policy": {"name": "asha", "eta": 3},
            "simulator": {"name": "python", "path": str(tmp_path), "function": "review30_model:curve",
                          "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 9}},
            "backend": {"name": "serial"}}
    path = l2l.run(l2l.from_mapping(data), tmp_path / "r.h5", progress=False)
    with l2l.Trajectory(path) as trajectory:
        state = trajectory.state()["optimizer"]
    budgets, scores = state["partial"]["budgets"], state["partial"]["scores"][:, 0]
    assert asks["all"] >= 20 and asks["live"] == asks["all"] - 1
    assert np.sum(np.isfinite(budgets) & np.isfinite(scores)) >= 5  # pruned trials
    assert np.sum(np.isfinite(budgets) & np.isnan(scores)) >= 1  # a failed segment below the top: FAIL
    assert np.sum(budgets == 3.0) >= 1 and np.sum(state["told"]) >= 1  # promoted, and told at the top budget


def test_the_optuna_step_of_a_budget_keeps_the_budgets_order_at_any_scale():
    """TPE ranks pruned trials by the step they reached: budgets of 1e-9, 0.5 or 1e300 fidelity units keep their
    order (and distinct budgets distinct steps), as Python ints an int64 holds."""
    budgets = [0.0, 5e-324, 1e-9, 2e-9, 0.5, 0.75, 1.0, 1.0 + 2 ** -52, 3.0, 9.0, 1e6, 1e300, np.finfo(float).max]
    steps = [_step(b) for b in budgets]
    assert all(isinstance(s, int) and 0 <= s < 2 ** 63 for s in steps)
    assert steps == sorted(steps) and len(set(steps)) == len(steps)
    assert _step(-1.0) == _step(0.0)
