"""run.initial_points with optimizer nevergrad (session 30), which refused them before: each point is handed out by
Nevergrad's own ``suggest`` (its next ask returns the point) and told to the method as a candidate it did not ask, so
the run's first rows are the points in order and the method learns from them; the log replays each suggest, so a
killed run resumes exactly; 'auto' takes them where it picks nevergrad; runs without points are the runs they were.

Nevergrad's import takes seconds: the first test of a process pays it once (the module-level import below)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import l2l
from conftest import comparable, write_toml
from l2l.cli import main
from l2l.initial_points import refusal
from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.auto import _nevergrad_installed
from l2l.optimizers.base import Problem
from l2l.space import Space
from test_enqueue29 import killed_run

if not _nevergrad_installed():
    pytest.skip("Nevergrad is not installed (or cannot run beside this numpy)", allow_module_level=True)
import nevergrad  # noqa: E402,F401  the slow import, once for the module

TESTS = Path(__file__).resolve().parent

SPACE = {"x": {"low": -2.0, "high": 2.0, "shape": [2]}, "n": {"type": "int", "low": -3, "high": 3},
         "c": {"type": "categorical", "choices": ["a", "b", "c"]}, "u": {"default": 1.0, "scale": 0.5}}
#: Five points: more than a generation of four; an unbounded parameter (u) given far from its default.
POINTS = [{"x": [0.5, -1.0], "n": 3, "c": "b", "u": 2.5}, {"x": [1.0, 1.0], "n": -2, "c": "c", "u": -7.0},
          {"x": [-1.5, 0.25], "n": 1, "c": "a", "u": 3.0}, {"x": [1.75, -0.5], "n": -1, "c": "c", "u": 1.0},
          {"x": [0.0, 1.0], "n": 2, "c": "b", "u": 0.5}]
OPTIMUM = {"x": [0.0, 0.0], "n": 0, "c": "a", "u": 0.0}  # of models_for_tests:quadratic (0; c is not summed)


def config(method: str = "NGOpt", points=POINTS, seed: int = 1, generations: int = 3, **run) -> dict:
    out = {"run": {"seed": seed, "generations": generations, **run}, "space": SPACE,
           "optimizer": {"name": "nevergrad", "method": method, "population_size": 4},
           "simulator": {"name": "python", "path": str(TESTS), "function": "models_for_tests:quadratic"},
           "backend": {"name": "serial"}}
    if points is not None:
        out["run"]["initial_points"] = points
    return out


def rows(frame) -> list[dict]:
    """Every row's parameters in the run's order, as the points are written."""
    ordered = frame.sort_values(["generation", "individual"])
    out = []
    for _, r in ordered.iterrows():
        row = {"x": [float(r["x[0]"]), float(r["x[1]"])], "n": int(r["n"])}
        if "c" in r:
            row.update(c=r["c"], u=float(r["u"]))
        out.append(row)
    return out


def run(tmp_path: Path, data: dict, name: str = "r.h5"):
    return l2l.load(l2l.run(l2l.from_mapping(data), tmp_path / name, progress=False))


@pytest.mark.parametrize("method", ["NGOpt", "CMA", "TwoPointsDE"])
def test_the_first_rows_are_the_points_in_order_then_nevergrad_goes_on(tmp_path, method):
    frame = run(tmp_path, config(method))
    assert rows(frame)[:5] == POINTS
    assert len(frame) == 12 and all(r not in POINTS for r in rows(frame)[5:])


def test_asked_one_at_a_time_in_an_async_run_the_points_come_first(tmp_path):
    data = config(points=POINTS[:3], mode="async", evaluations=7)
    del data["run"]["generations"]
    frame = run(tmp_path, data)
    assert rows(frame)[:3] == POINTS[:3] and len(frame) == 7


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_known_optimum_given_as_a_point_is_the_runs_best_and_nevergrad_learns_it(tmp_path, seed):
    """The optimum, third of three points, is the best row; Nevergrad was told it (its recommendation is it)."""
    points = POINTS[:2] + [OPTIMUM]
    frame = run(tmp_path, config(points=points, seed=seed))
    best = frame.sort_values(["value", "generation", "individual"]).iloc[[0]]
    assert rows(best) == [OPTIMUM] and rows(frame)[:3] == points

    optimizer = OPTIMIZERS.create("nevergrad", {"method": "NGOpt", "population_size": 4})
    space = Space.from_json({"x": {"type": "float", **SPACE["x"]}, "n": SPACE["n"]})
    problem = Problem(space, (Objective("value", "minimize"),))
    known = np.stack([space.encode({"x": [1.0, 1.0], "n": 2}), space.encode({"x": [0.0, 0.0], "n": 0})])
    state = optimizer.inject(problem, optimizer.init(problem, seed), known)
    asked, state = optimizer.ask(problem, state, 4)
    scores = np.array([[-float(np.sum(c * c))] for c in asked])  # larger is better, as the loop tells them
    state = optimizer.tell(problem, state, asked, scores)
    _, state = optimizer.ask(problem, state, 4)  # replays the tells into the live Nevergrad optimizer
    live = optimizer._live[0].optimizer
    assert live.num_tell_not_asked == 2
    assert np.allclose(np.asarray(live.provide_recommendation().value["x"]), 0.0)


@pytest.mark.parametrize("at", [3, 7])
def test_a_run_killed_and_resumed_evaluates_no_point_twice_and_equals_the_whole(tmp_path, monkeypatch, at):
    """Killed among the points (the third) and after them (the seventh evaluation): the resumed run, which rebuilds
    Nevergrad's optimizer by replaying the log with its suggests, has the uninterrupted run's rows."""
    space = {"x": SPACE["x"], "n": SPACE["n"]}
    points = [{"x": p["x"], "n": p["n"]} for p in POINTS]
    data = config(points=points)
    data["space"] = space
    data["simulator"]["function"] = "models_kill26:sphere"
    monkeypatch.setenv("L2L_KILL26_STEP", "0")
    whole = run(tmp_path, data, "whole.h5")
    killed = tmp_path / "killed.h5"
    killed_run(data, killed, at, tmp_path)
    l2l.resume(killed, progress=False)
    resumed = l2l.load(killed)
    assert comparable(resumed).equals(comparable(whole))
    assert rows(resumed)[:5] == points and len(resumed) == 12


def test_auto_takes_the_points_where_it_picks_nevergrad(tmp_path):
    """Half the coordinates discrete, Nevergrad installed: auto's row 3 picks nevergrad, which took no points
    before (the run was refused with exit 2)."""
    space = Space.from_json({"x": {"type": "float", "low": -2.0, "high": 2.0},
                             "n": {"type": "int", "low": -3, "high": 3}})
    components = SimpleNamespace(config=SimpleNamespace(initial_points=({"x": 0.5, "n": 1},), policy=None),
                                 optimizer=OPTIMIZERS.create("auto", {}), policy=None,
                                 problem=Problem(space, (Objective("value"),)))
    assert OPTIMIZERS.create("auto", {}).choose(components.problem)[0] == "nevergrad"
    assert refusal(components) == ""
    points = [{"x": 0.5, "n": 1}, {"x": -1.0, "n": 0}]
    data = config(points=points, generations=2)
    data["space"] = {"x": {"low": -2.0, "high": 2.0}, "n": SPACE["n"]}
    data["optimizer"] = {"name": "auto", "population_size": 4}
    frame = l2l.load(l2l.run(l2l.from_mapping(data), tmp_path / "r.h5", progress=False))
    ordered = frame.sort_values(["generation", "individual"])
    assert [{"x": float(r["x"]), "n": int(r["n"])} for _, r in ordered.head(2).iterrows()] == points
    assert len(frame) == 8


def test_gradient_descent_still_refuses_and_names_nevergrad_among_those_that_take_them(tmp_path, capsys):
    data = config(points=[{"x": [0.5, 1.0], "n": 1, "c": "a", "u": 1.0}])
    data["optimizer"] = {"name": "gradient-descent"}
    path = write_toml(tmp_path / "c.toml", data)
    assert main(["run", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("l2l: error: run.initial_points: optimizer 'gradient-descent' cannot start from given points; "
                          "initial points work with optimizer ") and len(err.splitlines()) == 1, err
    works_with = err.split("initial points work with optimizer ")[1].split(" (or under")[0].split(", ")
    assert "nevergrad" in works_with and "gradient-descent" not in works_with
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]


#: What runs without points evaluated (sha256 of their rows), measured before nevergrad took points.
WITHOUT_POINTS = {("NGOpt", 1, None): "53df8e3351d40392", ("TwoPointsDE", 3, "async"): "9ea584a846349ce5"}


def fingerprint(frame) -> str:
    columns = [c for c in frame.columns if c.startswith(("x[", "n", "c", "u", "value"))]
    ordered = frame.sort_values(["generation", "individual"])
    text = json.dumps({c: ordered[c].tolist() for c in sorted(columns)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.mark.parametrize("method, seed, mode", list(WITHOUT_POINTS))
def test_runs_without_points_evaluate_what_they_did_before(tmp_path, method, seed, mode):
    data = config(method, points=None, seed=seed)
    if mode:
        data["run"] = {"seed": seed, "evaluations": 24, "mode": mode}
    assert fingerprint(run(tmp_path, data)) == WITHOUT_POINTS[(method, seed, mode)]
