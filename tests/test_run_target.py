"""run.target (--target): a run ends once a candidate reaches the target, and only then.

What counts is a successful result at the run's top budget (every result outside multi-fidelity runs), the mean of
a candidate's repeats once none of them is still running; the run then ends finished (exit status 0, a valid file,
the line that says by whom), and ``l2l resume`` runs nothing more. A run that never reaches its target is the run
without one, row for row.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import l2l
from conftest import TESTS, comparable, write_toml
from l2l.cli import main

SPHERE_GA = {"run": {"name": "ga", "seed": 3, "generations": 12},
             "space": {"x": {"low": -5.0, "high": 5.0, "shape": [3]}},
             "optimizer": {"name": "ga", "population_size": 8}, "simulator": {"name": "sphere"},
             "backend": {"name": "serial"}}


def sphere_ga(target=None, **run):
    data = json.loads(json.dumps(SPHERE_GA))
    data["run"].update(run)
    if target is not None:
        data["run"]["target"] = target
    return l2l.from_mapping(data, base_dir=TESTS)


def policy_config(function: str, target=None, policy: str = "asha"):
    run = {"seed": 2, "compute": 300} | ({"target": target} if target is not None else {})
    return l2l.from_mapping({
        "run": run, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": policy, "eta": 3},
        "simulator": {"name": "python", "function": function,
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
        "backend": {"name": "serial"}}, base_dir=TESTS)


def finished_detail(path) -> dict:
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
        assert events["kind"].iloc[-1] == "finished"
        return json.loads(events["detail"].iloc[-1])


@pytest.fixture(scope="module")
def ga_runs(tmp_path_factory):
    """The GA on the sphere without a target, and with one its 5th generation reaches (a value of the full run)."""
    folder = tmp_path_factory.mktemp("target_ga")
    full = l2l.run(sphere_ga(), folder / "full.h5", progress=False)
    frame = l2l.load(full)
    target = float(frame.loc[frame["generation"] == 4, "value"].min())
    assert frame.loc[frame["generation"] < 4, "value"].min() > target  # no earlier generation reaches it
    reached = l2l.run(sphere_ga(target), folder / "reached.h5", progress=False)
    return full, reached, target


def test_a_generational_run_ends_at_the_first_result_that_reaches_its_target(ga_runs):
    full, reached, target = ga_runs
    rows, before = l2l.load(reached), l2l.load(full)
    first = int(np.flatnonzero(before["value"].to_numpy() <= target)[0])
    # the run ended at that result: the members of its generation not yet evaluated were cancelled, no more asked
    assert len(rows) == first + 1 < len(before) == 12 * 8
    assert comparable(rows).equals(comparable(before.iloc[:first + 1]))
    assert rows["value"].min() == target and l2l.validate(reached) == []
    detail = finished_detail(reached)["target"]
    assert detail["value"] == target and detail["candidate"] == [4, int(before.loc[first, "individual"])]
    assert detail["objectives"] == {"value": pytest.approx(target, rel=1e-11)} and detail["evaluations"] == first + 1
    assert l2l.load(reached).attrs["target"]["candidate"] == detail["candidate"]  # the Python API's view


def test_show_and_the_closing_summary_say_who_reached_the_target(ga_runs, capsys):
    _, reached, target = ga_runs
    assert main(["show", str(reached)]) == 0
    out = capsys.readouterr().out
    assert "status: finished (target reached)" in out
    line = next(line for line in out.splitlines() if line.startswith("target "))
    assert line.startswith(f"target     {target:g} reached by candidate 4/") and "after " in line
    from l2l.summary import finished_text

    text = finished_text(reached, 1.0)
    assert f"target {target:g} reached by candidate 4/" in text.splitlines()[1]


def test_a_target_never_reached_leaves_the_run_as_it_was_row_for_row(ga_runs, tmp_path, capsys):
    full, _, _ = ga_runs
    path = l2l.run(sphere_ga(-1.0), tmp_path / "never.h5", progress=False)  # a sphere value is never below 0
    assert comparable(l2l.load(path)).equals(comparable(l2l.load(full)))
    assert "target" not in finished_detail(path) and l2l.load(path).attrs["target"] is None
    assert main(["show", str(path)]) == 0
    assert "target     -1 not reached" in capsys.readouterr().out


def test_an_async_run_ends_at_its_target(tmp_path):
    async_run = {"mode": "async", "evaluations": 120}
    data = {**SPHERE_GA, "run": {"name": "async", "seed": 3}, "optimizer": {"name": "random"}}
    base = l2l.from_mapping({**data, "run": {**data["run"], **async_run}}, base_dir=TESTS)
    full = l2l.load(l2l.run(base, tmp_path / "full.h5", progress=False))
    values = full["value"].to_numpy()  # in the order they came in (one worker)
    target = float(np.sort(values)[2])  # the third best: reached well before the end
    path = l2l.run(l2l.from_mapping({**data, "run": {**data["run"], **async_run, "target": target}}, base_dir=TESTS),
                   tmp_path / "reached.h5", progress=False)
    first = int(np.flatnonzero(values <= target)[0])
    rows = l2l.load(path)
    assert len(rows) == first + 1 < 120 and rows["value"].min() <= target
    assert finished_detail(path)["target"]["evaluations"] == first + 1 and l2l.validate(path) == []


def test_an_asha_run_ends_at_a_top_budget_result_that_reaches_its_target(tmp_path):
    full = l2l.run(policy_config("models_compute_limit:curve"), tmp_path / "full.h5", progress=False)
    segments = l2l.load(full, segments=True).sort_values("started", kind="stable")  # one worker: as they came in
    top = segments[segments["budget"] == 9]
    target = float(top["value"].iloc[1])  # the second result at the top budget, better than the first
    assert top["value"].iloc[0] > target
    first = segments.index.get_loc(top.index[1])
    path = l2l.run(policy_config("models_compute_limit:curve", target), tmp_path / "reached.h5", progress=False)
    mine = l2l.load(path, segments=True).sort_values("started", kind="stable")
    assert len(mine) == first + 1 < len(segments)  # the run ended at that segment, nothing started after it
    assert mine["value"].tolist() == segments["value"].iloc[:first + 1].tolist()
    assert (mine["budget"] - mine["from_budget"]).sum() < 300
    best = l2l.load(path)
    assert best.loc[best["budget"] == 9, "value"].min() == target and l2l.validate(path) == []
    assert finished_detail(path)["target"]["candidate"] == int(top["trial"].iloc[1])


def test_a_low_rung_below_the_target_does_not_end_a_policy_run(tmp_path):
    """Every budget below the top gives 0, at or below the target 1; no top-budget result reaches it."""
    plain = l2l.run(policy_config("models_target:flattering_low_rungs", policy="successive-halving"),
                    tmp_path / "plain.h5", progress=False)
    path = l2l.run(policy_config("models_target:flattering_low_rungs", 1.0, policy="successive-halving"),
                   tmp_path / "target.h5", progress=False)
    mine, theirs = l2l.load(path, segments=True), l2l.load(plain, segments=True)
    assert (mine["value"] == 0).sum() > 10 and mine.loc[mine["budget"] == 9, "value"].min() > 1
    assert comparable(mine).equals(comparable(theirs))
    assert "target" not in finished_detail(path)


def one_candidate(target=None, generations: int = 6):
    """A space of one point: every evaluation is a repeat of the same candidate, its value set by its seed."""
    run = {"seed": 9, "generations": generations} | ({"target": target} if target is not None else {})
    return l2l.from_mapping({"run": run, "space": {"k": {"type": "categorical", "choices": ["only"]}},
                             "optimizer": {"name": "random", "population_size": 4},
                             "simulator": {"name": "python", "function": "models_target:by_seed"},
                             "backend": {"name": "serial"}}, base_dir=TESTS)


def seed_values(generations: int) -> np.ndarray:
    return np.array([[l2l.evaluation_seed(9, g, i) % 1000 / 100.0 for i in range(4)] for g in range(generations)])


def test_one_lucky_seed_does_not_end_the_run_while_the_candidates_repeats_are_pending(tmp_path):
    values = seed_values(6)
    lucky = float(values[0, 0])  # the first result in, and the best
    means = np.cumsum(values.sum(axis=1)) / (4 * np.arange(1, 7))
    assert lucky < values[0, 1:].min() and (means > lucky).all()  # the mean never reaches what one seed did
    path = l2l.run(one_candidate(lucky), tmp_path / "lucky.h5", progress=False)
    assert len(l2l.load(path)) == 24 and "target" not in finished_detail(path)


def test_the_mean_of_a_candidates_repeats_reaches_the_target_once_all_are_in(tmp_path):
    values = seed_values(1)[0]
    target = float(values.mean()) + 1e-9
    assert (values > target).any()  # the last repeat alone would not reach it
    path = l2l.run(one_candidate(target), tmp_path / "mean.h5", progress=False)
    detail = finished_detail(path)["target"]
    assert len(l2l.load(path)) == 4 and detail["results"] == 4 and detail["candidate"] == [0, 0]
    assert detail["objectives"]["value"] == pytest.approx(values.mean())


def test_several_objectives_reach_their_targets_in_one_result(tmp_path):
    """loss <= 2 and accuracy >= 0.55 (that is loss <= 0.82): the run goes on past results that reach one."""
    data = {**SPHERE_GA, "run": {**SPHERE_GA["run"], "seed": 1, "target": {"loss": 2.0, "accuracy": 0.55}},
            "space": {"x": {"low": -2.0, "high": 2.0, "shape": [3]}},
            "optimizer": {"name": "random", "population_size": 8},
            "simulator": {"name": "python", "function": "models_for_tests:two_objectives"},
            "objectives": [{"name": "loss"}, {"name": "accuracy", "direction": "maximize"}]}
    path = l2l.run(l2l.from_mapping(data, base_dir=TESTS), tmp_path / "two.h5", progress=False)
    rows = l2l.load(path)
    last = rows.iloc[-1]
    assert last["loss"] <= 2.0 and last["accuracy"] >= 0.55 and len(rows) < 12 * 8
    assert ((rows["loss"] <= 2.0) & (rows["accuracy"] >= 0.55)).sum() == 1
    assert (rows["loss"].iloc[:-1] <= 2.0).any()  # one target alone would have ended the run earlier
    assert finished_detail(path)["target"]["objectives"]["loss"] == pytest.approx(last["loss"])


@pytest.mark.parametrize("given, said", [
    ("target = \"high\"", "run.target must be a finite number or a table per objective"),
    ("target = nan", "run.target must be a finite number"),
    ("target = -inf", "run.target must be a finite number"),
    ("target = true", "run.target must be a finite number or a table"),
    ("target = {}", "run.target is an empty table"),
    ("target = { loss = 1.0 }", "run.target names 'loss', which is no objective of the run; its objective: 'value'"),
    ("target = { value = \"x\" }", "run.target.value must be a finite number"),
])
def test_a_bad_target_is_refused_in_one_line(tmp_path, capsys, given, said):
    text = write_toml(tmp_path / "run.toml", SPHERE_GA).read_text().replace("[run]\n", f"[run]\n{given}\n", 1)
    (tmp_path / "run.toml").write_text(text)
    assert main(["run", str(tmp_path / "run.toml"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"l2l: error: {said}") and err.count("\n") == 1
    assert not (tmp_path / "ga.h5").exists()


@pytest.mark.parametrize("given, said", [
    ("fast", "--target must be a finite number or NAME=VALUE per objective, comma-separated (e.g. loss=0.1,"),
    ("inf", "--target must be a finite number"),
    ("loss=0.1", "--target names 'loss', which is no objective of the run"),
    ("value=1,value2", "--target must be a finite number or NAME=VALUE per objective"),
    ("value=inf", "--target value=... must be a finite number"),  # the command line's words, not run.target's
])
def test_a_bad_target_option_is_refused_in_one_line(tmp_path, capsys, given, said):
    write_toml(tmp_path / "run.toml", {**SPHERE_GA, "objectives": [{"name": "value"}]})
    assert main(["run", str(tmp_path / "run.toml"), "--no-progress", "--target", given]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"l2l: error: {said}") and err.count("\n") == 1
    assert not (tmp_path / "ga.h5").exists()


def test_one_number_for_several_objectives_is_refused(tmp_path):
    data = {**SPHERE_GA, "run": {**SPHERE_GA["run"], "target": 1.0},
            "simulator": {"name": "python", "function": "models_for_tests:two_objectives"},
            "objectives": [{"name": "loss"}, {"name": "accuracy", "direction": "maximize"}]}
    with pytest.raises(l2l.ConfigError, match="run.target is one number and the run has 2 objectives"):
        l2l.from_mapping(data, base_dir=TESTS)


def test_the_target_option_ends_a_run_and_resume_runs_nothing_more(ga_runs, tmp_path, capsys):
    _, reached, target = ga_runs
    write_toml(tmp_path / "run.toml", SPHERE_GA)
    out = tmp_path / "cli.h5"
    assert main(["run", str(tmp_path / "run.toml"), "--no-progress", "--out", str(out), "--target", str(target)]) == 0
    said = capsys.readouterr()
    assert f"until value <= {target:g}" in said.err and f"target {target:g} reached by candidate 4/" in said.out
    assert comparable(l2l.load(out)).equals(comparable(l2l.load(reached)))
    with l2l.Trajectory(out) as trajectory:
        events = len(trajectory.events())
    for more in ([], ["--generations", "20"], ["--evaluations", "500"]):
        assert main(["resume", str(out), "--no-progress", *more]) == 0
        err = capsys.readouterr().err
        assert "has finished" in err and "nothing more to run: its run.target" in err and "was reached by" in err
        with l2l.Trajectory(out) as trajectory:
            assert len(trajectory.events()) == events
        assert len(l2l.load(out)) == len(l2l.load(reached))


def test_segments_waiting_for_a_worker_when_the_target_is_reached_are_cancelled_and_left_out(tmp_path, monkeypatch):
    """Eight segments start at a time (the serial backend claims eight workers and runs them one by one): those not
    yet run when a top-budget result reaches the target are cancelled, in no row and no count of the file."""
    from l2l.jobs.serial import SerialExecutor

    monkeypatch.setattr(SerialExecutor, "worker_count", property(lambda self: 8), raising=False)
    full = l2l.run(policy_config("models_compute_limit:curve"), tmp_path / "full.h5", progress=False)
    segments = l2l.load(full, segments=True).sort_values("started", kind="stable")
    target = float(segments.loc[segments["budget"] == 9, "value"].iloc[0])
    first = segments.index.get_loc(segments.index[(segments["budget"] == 9).to_numpy()][0])
    path = l2l.run(policy_config("models_compute_limit:curve", target), tmp_path / "reached.h5", progress=False)
    mine = l2l.load(path, segments=True).sort_values("started", kind="stable")
    assert mine["value"].tolist() == segments["value"].iloc[:first + 1].tolist()
    detail = finished_detail(path)
    assert detail["candidates"] == mine["trial"].nunique() < segments["trial"].nunique()
    assert detail["segments"] == len(mine) and detail["compute"] == (mine["budget"] - mine["from_budget"]).sum()
    assert l2l.validate(path) == []


def test_candidates_left_below_the_top_by_a_reached_target_are_stopped_not_paused(tmp_path, capsys):
    """l2l resume runs nothing more for a run that reached its target: none of its candidates is paused (before,
    the six ASHA had not promoted yet read as 'paused: the policy may still promote it')."""
    path = l2l.run(policy_config("models_compute_limit:curve", 6.0), tmp_path / "asha.h5", progress=False)
    frame = l2l.load(path)
    assert frame["state"].tolist() == ["stopped"] * 6 + ["completed"]
    assert main(["show", str(path)]) == 0
    assert "(1 completed, 6 stopped, 0 paused;" in capsys.readouterr().out
