"""benchmarks/mf_curve_extrapolation.py: predictors of a candidate's top-budget rank from its partial learning curve."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from module_files import module_from_file

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "mf_curve_extrapolation.py"
RUNGS, TOP = [6, 18, 54, 162], 162


@pytest.fixture(scope="module")
def script():
    """The script as a module, loaded in this process (its sys.path entries undone afterwards)."""
    path = list(sys.path)
    module = module_from_file("mf_curve_extrapolation", SCRIPT)
    sys.path[:] = path
    return module


@pytest.fixture
def run(script, monkeypatch, capsys):
    """Run the script's main() with these arguments: (exit status, stdout, stderr)."""
    def call(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", [str(SCRIPT), *args])
        try:
            script.main()
            status = 0
        except SystemExit as exc:
            status = exc.code
        out, err = capsys.readouterr()
        return status, out, err
    return call


def curves_file(path: Path, seeds: list[int], candidates: int) -> Path:
    """Stored curves of candidates that follow c + a t^-0.5: the ones still far from their floor at a third of the
    training (large a) end best, so the error at a rung ranks them wrongly and the curve's shape rightly."""
    runs = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        rows = []
        for _ in range(candidates):
            height = rng.uniform(0.5, 3.0)
            floor = 0.4 - 0.12 * height + rng.uniform(0, 0.01)  # slow starters have the lowest floor

            def error(t):
                return float(floor + height * t ** -0.5)

            curve = [[float(t), error(t)] for t in range(3, 55, 3)]
            rows.append({"curve": curve, "rungs": [error(t) for t in RUNGS],
                         "losses": [error(t + 1) for t in range(54)], "honest": error(TOP)})
        runs.append({"problem": "egru", "seed": seed, "rung_budgets": RUNGS, "top": TOP, "rows": rows})
    summary = {"settings": {"fresh": 1, "every": {"egru": 3}}}
    path.write_text(json.dumps({"summary": summary, "runs": runs}))
    return path


def test_a_curve_that_predicts_the_top_budget_shows_a_gain_over_the_rung_value_with_its_intervals(tmp_path, run):
    stored = curves_file(tmp_path / "curves.json", [10, 11, 12], 12)
    status, out, err = run("--load", str(stored), "--problems", "egru", "--first-seed", "10", "--seeds", "3",
                           "--draws", "200")
    assert status == 0, err
    figures = json.loads(out.splitlines()[-1])["problems"]["egru"]["1/3"]
    assert figures["rung"] == 54 and set(figures) == {"rung", "top", "fresh"}
    raw, power = figures["top"]["raw"], figures["top"]["power"]
    assert power["rho"] > 0.95 and raw["rho"] < 0.0  # the rung's error ranks them backwards here
    assert abs(power["gain"] - (power["rho"] - raw["rho"])) < 2e-3
    for key in ("gain_candidates", "gain_seeds", "gain_both"):
        low, high = power[key]
        assert 0 < low <= high  # the interval of the gain excludes 0
    assert raw["gain"] == 0.0 and raw["gain_both"] == [0.0, 0.0]


def test_verdict_seeds_and_bad_arguments_are_refused_in_one_line_with_exit_status_2(tmp_path, run):
    for args, message in ((["--first-seed", "45"], "reach into the verdict seeds"),
                          (["--first-seed", "20", "--seeds", "10"], "reach into the verdict seeds"),
                          (["--problems", "hartmann3-agree"], "is no learning curve here"),
                          (["--seeds", "1"], "--seeds must be at least 2"),
                          (["--load", str(curves_file(tmp_path / "c.json", [10, 11], 4)), "--problems", "lsnn"],
                           "holds no curves of lsnn")):
        status, out, err = run(*args)
        assert status == 2, (args, err)
        assert message in err.splitlines()[-1]
        assert not out


# -- the model-based policy's option extrapolate (off by default) ------------------------------------------------
BUDGETS = [6.0, 18.0, 54.0, 162.0]


def bracket_at_third_rung(curves: dict[int, list[float]]) -> tuple[dict, "TrialTable"]:
    """A halving bracket of the model-based policy whose members have results (scores: maximized) at the rungs
    6, 18 and 54 and wait there to be promoted to the top budget (one of three is kept)."""
    from l2l.policies.base import TrialTable, budget_key

    trials = {str(t): {"code": [0.1 * t], "budget": 54.0, "running": False,
                       "scores": {budget_key(b): s for b, s in zip(BUDGETS, scores)}} for t, scores in curves.items()}
    state = {"budgets": BUDGETS, "rung": 2, "start": 0, "members": sorted(curves), "launched": sorted(curves),
             "plan": [27, 9, 3, 1], "probe": False}
    return state, TrialTable(trials)


#: Minus a test error: trial 0 is best at the rung but has stopped improving; trial 1 is a little worse at the
#: rung and still improving fast (its power law reaches a lower error at the top budget); trial 2 is bad.
CURVES = {0: [-0.50, -0.30, -0.28], 1: [-0.50, -0.45, -0.30], 2: [-0.50, -0.50, -0.49]}


def test_by_default_a_halving_bracket_promotes_the_best_result_at_the_rung():
    from l2l.policies.model_based import ModelBased

    policy = ModelBased()
    assert policy.extrapolate is False
    state, table = bracket_at_third_rung(CURVES)
    action, state = policy._halving_step(state, table)
    assert (action.kind, action.budget, action.trial) == ("continue", 162.0, 0)
    assert policy.continuable({**state, "rung": 2, "members": [0, 1, 2]}, table) == [0]


def test_with_extrapolate_it_promotes_the_member_whose_curve_extrapolates_best_and_keeps_that_one_continuable():
    from l2l.policies.model_based import ModelBased
    from l2l.policies.model_based_curves import power_law

    # the fits behind the choice: trial 1's curve ends lower at 162 than trial 0's, both below their last value
    zero, one = (power_law(BUDGETS[:3], [-s for s in CURVES[t]], 162.0) for t in (0, 1))
    assert one < zero < 0.28
    policy = ModelBased(extrapolate=True)
    state, table = bracket_at_third_rung(CURVES)
    assert policy.continuable(state, table) == [1]
    action, state = policy._halving_step(state, table)
    assert (action.kind, action.budget, action.trial) == ("continue", 162.0, 1)


def test_with_extrapolate_a_member_with_fewer_than_three_rungs_and_a_failure_are_ranked_as_before():
    from l2l.policies.model_based_curves import promoted

    # a bracket that started at 18: two points per member, ranked by the rung's result as without the option
    curves = {0: [None, -0.30, -0.28], 1: [None, -0.45, -0.30], 2: [None, -0.50, -0.49]}
    state, table = bracket_at_third_rung(curves)
    for trial in curves:
        table._trials[str(trial)]["scores"].pop(repr(6.0))
    assert promoted(table, BUDGETS, 2, [0, 1, 2], 1) == [0]
    # a failed segment at the rung is never promoted, whatever its curve
    state, table = bracket_at_third_rung(CURVES)
    table._trials["1"]["ok"] = False
    assert promoted(table, BUDGETS, 2, [0, 1, 2], 2) == [0, 2]
