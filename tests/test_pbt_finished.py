"""The finished event of a run whose policy did all its work says so (policy_done true) even when that work
spent its compute to the last unit, as PBT's always does (its compute is its population's); it said false.
A run that run.evaluations or run.compute stopped first does not claim it."""

from __future__ import annotations

import json

import l2l


def config(policy: str, **run) -> l2l.RunConfig:
    return l2l.from_mapping({
        "run": {"name": "pbt", "seed": 2, "generations": 1, "policy": policy, **run},
        "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random", "population_size": 4},
        "simulator": {"name": "sleep", "median": 0.0, "max_budget": 9}, "backend": {"name": "serial"}})


def finished(path) -> dict:
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
    assert events["kind"].iloc[-1] == "finished"
    return json.loads(events["detail"].iloc[-1])


def test_a_pbt_run_that_trained_its_population_to_the_top_is_done(tmp_path):
    path = l2l.run(config("pbt"), tmp_path / "pbt.h5")
    detail = finished(path)
    assert detail["compute"] == 4 * 9  # the population's compute, all spent
    assert detail["policy_done"] is True and "limit" not in detail
    final = l2l.load(path, segments=True)
    assert (final["budget"] == 9).sum() == 4


def test_a_sweep_whose_compute_is_exactly_what_it_needs_is_done(tmp_path):
    whole = finished(l2l.run(config("successive-halving"), tmp_path / "whole.h5"))
    exact = finished(l2l.run(config("successive-halving", compute=whole["compute"]), tmp_path / "exact.h5"))
    assert exact["compute"] == whole["compute"] and exact["policy_done"] is True


def test_a_pbt_run_stopped_by_a_segment_cap_or_short_compute_is_not_done(tmp_path):
    capped = finished(l2l.run(config("pbt", evaluations=10), tmp_path / "capped.h5"))
    assert capped["limit"] == "evaluations" and capped["policy_done"] is False and capped["segments"] == 10
    short = finished(l2l.run(config("pbt", compute=20), tmp_path / "short.h5"))
    assert short["policy_done"] is False and 20 <= short["compute"] < 36
