"""Budgets in evaluations and in wall time, next to generations."""

import json

import pytest

import l2l
from l2l.cli import main
from l2l.control import RunControl
from l2l.errors import ConfigError
from conftest import comparable, make_config

SPACE = {"x": {"low": -5.0, "high": 5.0, "shape": [2]}}


def _finished(path) -> dict:
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
    finished = events[events["kind"] == "finished"]
    return json.loads(finished["detail"].iloc[-1])


def _config(**run):
    base = {key: value for key, value in run.items() if key not in ("optimizer", "simulator", "mode")}
    config = make_config(space=SPACE, optimizer=run.get("optimizer", {"name": "ga", "population_size": 6}),
                         simulator=run.get("simulator", {"name": "sphere"}))
    data = config.to_json()
    data["run"] = {k: v for k, v in data["run"].items() if k != "generations"}
    data["run"].update(base, mode=run.get("mode", "generational"))
    return l2l.from_mapping(data)


def test_a_generational_run_stops_exactly_at_its_evaluation_budget(tmp_path):
    config = _config(evaluations=15)
    assert config.generations == 0  # no generation limit when only the budget is given
    path = l2l.run(config, tmp_path / "b.h5")
    frame = l2l.load(path)
    assert len(frame) == 15 and l2l.validate(path) == []
    assert list(l2l.generations(path)["evaluations"]) == [6, 12, 15]  # the last generation is cut to fit
    assert _finished(path)["limit"] == "evaluations"
    with l2l.Trajectory(path) as trajectory:
        from l2l.summary import progress_line, summarize
        assert progress_line(summarize(trajectory)).startswith("3 generations, 15 of 15 evaluations")


def test_generations_and_evaluations_together_stop_at_whichever_comes_first(tmp_path):
    assert len(l2l.load(l2l.run(_config(evaluations=100, generations=2), tmp_path / "g.h5"))) == 12
    assert len(l2l.load(l2l.run(_config(evaluations=8, generations=5), tmp_path / "e.h5"))) == 8


@pytest.mark.parametrize("mode", ["generational", "async"])
def test_a_run_stopped_and_resumed_ends_within_its_budget_as_if_never_stopped(tmp_path, mode):
    optimizer = {"name": "tpe" if mode == "async" else "ga", "population_size": 4}
    config = _config(evaluations=10, optimizer=optimizer, mode=mode)
    reference = l2l.load(l2l.run(config, tmp_path / "reference.h5"))
    control = RunControl()
    path = tmp_path / "stopped.h5"
    l2l.run(config, path, control=control, on_generation=lambda info: control.request_stop("test"))
    assert len(l2l.load(path)) < 10
    l2l.resume(path)
    resumed = l2l.load(path)
    assert len(resumed) == 10 and len(reference) == 10
    assert comparable(resumed).equals(comparable(reference))


def test_resume_with_a_larger_budget_extends_a_finished_run(tmp_path):
    path = l2l.run(_config(evaluations=9), tmp_path / "x.h5")
    l2l.resume(path, evaluations=20)
    assert len(l2l.load(path)) == 20 and l2l.validate(path) == []
    l2l.resume(path)  # the stored budget is now 20: nothing more runs
    assert len(l2l.load(path)) == 20


def test_a_multi_fidelity_run_counts_segments_against_the_evaluation_budget(tmp_path):
    config = make_config(space=SPACE, optimizer={"name": "random"}, policy={"name": "asha"},
                         simulator={"name": "sphere", "multi_fidelity": True}, run={"evaluations": 11})
    segments = l2l.load(l2l.run(config, tmp_path / "mf.h5"), segments=True)
    assert len(segments) == 11


def test_a_wall_time_budget_starts_nothing_new_once_it_is_over(tmp_path):
    config = _config(max_time=0.4, optimizer={"name": "ga", "population_size": 4},
                     simulator={"name": "sleep", "median": 0.05, "sigma": 0.0})
    path = l2l.run(config, tmp_path / "t.h5")
    frame = l2l.load(path)
    assert 4 <= len(frame) and len(frame) % 4 == 0  # whole generations: the one running when time ran out ends
    assert _finished(path)["limit"] == "max_time"
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.state()["loop"]["elapsed"] >= 0.4
        from l2l.summary import progress_line, summarize
        assert " of 0.4 s, status: finished" in progress_line(summarize(trajectory))


@pytest.mark.parametrize("run, message", [
    ({"evaluations": -1}, "run.evaluations must be an integer >= 0"),
    ({"evaluations": 2.5}, "run.evaluations must be an integer >= 0"),
    ({"max_time": "1h"}, "run.max_time must be a number of seconds >= 0"),
    ({"max_time": float("inf")}, "run.max_time must be a number of seconds >= 0"),
])
def test_bad_budgets_are_refused_in_one_line(run, message):
    with pytest.raises(ConfigError, match=message):
        make_config(run=run)


def test_the_command_line_takes_budgets_and_refuses_bad_ones(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text('[run]\nname = "c"\n[space]\nx = { low = -1.0, high = 1.0 }\n'
                      '[optimizer]\nname = "random"\npopulation_size = 4\n[simulator]\nname = "sphere"\n'
                      '[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--evaluations", "6", "--no-progress"]) == 0
    assert len(l2l.load(tmp_path / "c.h5")) == 6
    assert main(["resume", str(tmp_path / "c.h5"), "--evaluations", "10", "--no-progress"]) == 0
    assert len(l2l.load(tmp_path / "c.h5")) == 10
    assert main(["run", str(config), "--out", str(tmp_path / "d.h5"), "--evaluations", "-3"]) == 2
    assert "l2l: error: --evaluations must be an integer >= 1, got -3" in capsys.readouterr().err
    assert not (tmp_path / "d.h5").exists()
    assert main(["resume", str(tmp_path / "c.h5"), "--generations", "0"]) == 2  # the option typed, not run.*
    assert capsys.readouterr().err.strip() == "l2l: error: --generations must be an integer >= 1, got 0"


def test_an_optimizer_that_plans_by_its_budget_is_told_the_runs_evaluation_budget(capsys, tmp_path):
    from l2l.components import build

    config = _config(evaluations=30, optimizer={"name": "auto"})
    optimizer = build(config).optimizer
    assert optimizer.budget == 30  # not its default of 100 per dimension
    assert build(_config(evaluations=30, optimizer={"name": "auto", "budget": 70})).optimizer.budget == 70
    toml = tmp_path / "auto.toml"
    toml.write_text('[run]\nname = "a"\nevaluations = 12\n[space]\nx = { low = -1.0, high = 1.0 }\n'
                    '[simulator]\nname = "sphere"\n[backend]\nname = "serial"\n')
    assert main(["run", str(toml), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "optimizer 'auto' chose" in err and "budget = 12" in err  # the choice is shown at the start
