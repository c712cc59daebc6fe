"""run.initial_points: configurations known to be good are the run's first candidates (Optuna's enqueue_trial, Ray
Tune's points_to_evaluate), evaluated and told like any result; bad points refused in one line before anything is
created; a run killed with kill -9 and resumed evaluates none twice and ends as the uninterrupted run (session 29)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import l2l
from conftest import comparable, write_toml
from l2l.cli import main
from l2l.errors import ConfigError

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

SPACE = {"x": {"low": -2.0, "high": 2.0, "shape": [2]}, "n": {"type": "int", "low": -3, "high": 3},
         "c": {"type": "categorical", "choices": ["a", "b"]}}
POINTS = [{"x": [0.5, -1.0], "n": 3, "c": "b"}, {"x": [0.0, 0.0], "n": 0, "c": "a"},
          {"x": [1.0, 1.0], "n": -2, "c": "a"}]


def config(optimizer: str = "random", points=POINTS, seed: int = 1, **run) -> dict:
    out = {"run": {"seed": seed, "generations": 2, **run},
           "space": SPACE, "optimizer": {"name": optimizer, "population_size": 2},
           "simulator": {"name": "python", "path": str(TESTS), "function": "models_for_tests:quadratic"},
           "backend": {"name": "serial"}}
    if points is not None:
        out["run"]["initial_points"] = points
    return out


def values(frame, n: int = len(POINTS)) -> list[dict]:
    """The first ``n`` rows' parameters, as the points are written."""
    rows = frame.sort_values(["generation", "individual"]).head(n)
    return [{"x": [float(r["x[0]"]), float(r["x[1]"])], "n": int(r["n"]), "c": r["c"]} for _, r in rows.iterrows()]


@pytest.mark.parametrize("optimizer", ["random", "grid", "gp", "tpe"])
def test_the_first_rows_are_the_points_in_order_then_the_optimizer_goes_on(tmp_path, optimizer):
    path = l2l.run(l2l.from_mapping(config(optimizer)), tmp_path / "r.h5", progress=False)
    frame = l2l.load(path)
    assert values(frame) == POINTS  # across the first generation (2) and into the second
    assert len(frame) == 4 and values(frame, 4)[3] not in POINTS


def test_async_runs_start_with_the_points(tmp_path):
    data = config("random", mode="async", evaluations=5)
    del data["run"]["generations"]
    path = l2l.run(l2l.from_mapping(data), tmp_path / "a.h5", progress=False)
    frame = l2l.load(path)
    assert values(frame) == POINTS and len(frame) == 5


def policy_config(policy: dict, optimizer: str = "random") -> dict:
    return {"run": {"seed": 3, "compute": 30, "initial_points": [{"x": [0.25, -0.5]}, {"x": [-1.0, 1.5]}]},
            "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}}, "optimizer": {"name": optimizer},
            "policy": policy,
            "simulator": {"name": "python", "path": str(TESTS), "function": "models_kill26:curve",
                          "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
            "backend": {"name": "serial"}}


def first_candidates(path: Path, n: int = 2) -> list[list[float]]:
    frame = l2l.load(path)
    key = "trial" if "trial" in frame.columns else "individual"
    firsts = frame.sort_values([key, "budget"]).drop_duplicates(key).sort_values(key).head(n)
    return [[float(r["x[0]"]), float(r["x[1]"])] for _, r in firsts.iterrows()]


@pytest.mark.parametrize("policy, optimizer", [({"name": "asha", "eta": 3}, "random"),
                                               ({"name": "pbt", "population": 4, "interval": 3}, "ga"),
                                               ({"name": "model-based"}, "random")])
def test_a_policy_starts_the_points_first(tmp_path, monkeypatch, policy, optimizer):
    """asha tells its optimizer (random takes results it never asked); pbt never tells it, so even ga does;
    model-based proposes its candidates itself and starts the points as its first (it refused them before)."""
    monkeypatch.setenv("L2L_KILL26_STEP", "0")
    path = l2l.run(l2l.from_mapping(policy_config(policy, optimizer)), tmp_path / "p.h5", progress=False)
    assert first_candidates(path) == [[0.25, -0.5], [-1.0, 1.5]]


def test_tpe_is_told_the_points(tmp_path):
    """The candidates tpe asks after the points depend on their results: a run whose points gave other results
    (the function differs from quadratic on the points only) asks others, and the same run twice asks the same."""
    def second_generation(function: str, name: str):
        c = config("tpe", generations=3)
        c["optimizer"]["n_startup_trials"] = 2
        c["simulator"]["function"] = function
        return comparable(l2l.load(l2l.run(l2l.from_mapping(c), tmp_path / name, progress=False))).iloc[3:]

    once, again = second_generation("models_for_tests:quadratic", "a.h5"), second_generation(
        "models_for_tests:quadratic", "b.h5")
    other = second_generation("models_enqueue29:other_at_points", "c.h5")
    columns = ["x[0]", "x[1]", "n", "c"]
    assert once[columns].equals(again[columns])
    assert not once[columns].reset_index(drop=True).equals(other[columns].reset_index(drop=True))


@pytest.mark.parametrize("optimizer", ["random", "tpe"])
def test_a_known_optimum_given_as_a_point_is_the_runs_best(tmp_path, optimizer):
    optimum = {"x": [0.0, 0.0], "n": 0, "c": "a"}
    path = l2l.run(l2l.from_mapping(config(optimizer, points=[POINTS[0], optimum])), tmp_path / "o.h5",
                   progress=False)
    best = l2l.best(path)
    assert best.objectives == {"value": 0.0} and (best.generation, best.individual) == (0, 1)
    assert {**best.params, "x": np.asarray(best.params["x"]).tolist()} == optimum


@pytest.mark.parametrize("points, said", [
    ([{"x": [0.5, 3.0], "n": 0, "c": "a"}], "run.initial_points[0]: x = [0.5, 3.0] lies outside [-2, 2]"),
    ([{"x": [0.5], "n": 0, "c": "a"}], "run.initial_points[0]: x must have shape [2], got [1]"),
    ([{"x": "big", "n": 0, "c": "a"}], "run.initial_points[0]: x must be a number array, got 'big'"),
    ([{"x": [0.5, 0.5], "n": 1.5, "c": "a"}], "run.initial_points[0]: n must be an integer, got 1.5"),
    ([{"x": [0.5, 0.5], "n": 9, "c": "a"}], "run.initial_points[0]: n = 9 lies outside [-3, 3]"),
    ([{"x": [0.5, 0.5], "n": 1, "c": "z"}], "run.initial_points[0]: c = 'z' is not one of ['a', 'b']"),
    ([POINTS[0], {"x": [0.5, 0.5], "c": "a"}], "run.initial_points[1] misses parameter 'n'"),
    ([{"x": [0.5, 0.5], "n": 1, "c": "a", "lr": 0.1}], "run.initial_points[0]: 'lr' is no parameter of the space"),
    ([POINTS[0], POINTS[1], POINTS[0]], "run.initial_points[2] is the same point as run.initial_points[0]"),
    ({"x": [0.5, 0.5]}, "run.initial_points must be a list of tables"),
])
def test_bad_points_are_refused_in_one_line(points, said):
    with pytest.raises(ConfigError) as error:
        l2l.from_mapping(config(points=points))
    assert said in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("change, said", [
    ({"optimizer": {"name": "gradient-descent"}},  # ga took them from session 30 on (tests/test_initpoints30.py)
     "run.initial_points: optimizer 'gradient-descent' cannot start from given points; initial points work with "
     "optimizer tpe, motpe, gp, random, grid, ga, "),
    ({"run": {"initial_points": [{"x": [0.5, 9.0], "n": 0, "c": "a"}]}}, "run.initial_points[0]: x = [0.5, 9.0]"),
])
def test_the_cli_refuses_with_exit_2_and_creates_nothing(tmp_path, capsys, change, said):
    data = config()
    for section, table in change.items():
        data[section] = {**data[section], **table} if section in data and section != "optimizer" else table
    path = write_toml(tmp_path / "c.toml", data)
    assert main(["run", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert said in err and len(err.splitlines()) == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]


def test_the_banner_and_dry_run_say_the_points_come_first(tmp_path, capsys):
    path = write_toml(tmp_path / "c.toml", config())
    assert main(["run", str(path), "--dry-run"]) == 0
    assert "note: 3 initial points first (run.initial_points)" in capsys.readouterr().err


def killed_run(data: dict, path: Path, at: int, tmp_path: Path, setup: str = "") -> None:
    """``l2l.run`` in a child process killed (kill -9) at its ``at``-th evaluation (models_kill26); ``setup``: Python
    code run first."""
    code = f"import l2l\n{setup}\nl2l.run(l2l.from_mapping({data!r}), {str(path)!r}, progress=False)\n"
    child = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT), "L2L_KILL26_STEP": "0",
                                "L2L_KILL26_AT": f"{at} {tmp_path / f'calls{at}'}"})
    assert child.returncode == -signal.SIGKILL, child.stderr


@pytest.mark.parametrize("at", [2, 4])
def test_a_run_killed_and_resumed_evaluates_no_point_twice_and_equals_the_whole(tmp_path, monkeypatch, at):
    """Killed in the first generation (the points' own) and in the second (one point and one asked candidate):
    the resumed run's rows are the uninterrupted run's."""
    data = config("tpe", generations=3)
    data["simulator"]["function"] = "models_kill26:sphere"
    monkeypatch.setenv("L2L_KILL26_STEP", "0")
    whole = l2l.run(l2l.from_mapping(data), tmp_path / "whole.h5", progress=False)
    killed = tmp_path / "killed.h5"
    killed_run(data, killed, at, tmp_path)
    l2l.resume(killed, progress=False)
    resumed = l2l.load(killed)
    assert comparable(resumed).equals(comparable(l2l.load(whole)))
    assert values(resumed) == POINTS and len(resumed) == 6


@pytest.mark.parametrize("mode", ["async", "asha", "model-based"])
def test_an_async_or_policy_run_killed_and_resumed_equals_the_whole(tmp_path, monkeypatch, mode):
    """Killed at the fourth evaluation, after the first points' results were committed (by count in an async
    run; asha commits by time, here at every result) and before the last point's: the resumed run starts none of the
    committed points again and ends with the uninterrupted run's rows."""
    if mode != "async":
        data = policy_config({"name": mode, "eta": 3}, "random")
        data["run"]["initial_points"].append({"x": [2.0, 2.0]})
    else:
        data = config("random", mode="async", evaluations=6)
        del data["run"]["generations"]
        data["run"]["initial_points"] = POINTS + [{"x": [-1.5, 0.25], "n": 1, "c": "b"}]
        data["simulator"]["function"] = "models_kill26:sphere"
    monkeypatch.setenv("L2L_KILL26_STEP", "0")
    whole = l2l.run(l2l.from_mapping(data), tmp_path / "whole.h5", progress=False)
    killed = tmp_path / "killed.h5"
    killed_run(data, killed, 4, tmp_path, setup="import l2l.driver\nl2l.driver.FLUSH_SECONDS = -1.0")
    # the first points kept, the last one not yet (model-based's first commit holds only the first result)
    assert (1 if mode == "model-based" else 2) <= len(l2l.load(killed)) < 4
    l2l.resume(killed, progress=False)
    assert comparable(l2l.load(killed)).equals(comparable(l2l.load(whole)))
