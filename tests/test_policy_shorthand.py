"""One line turns a sweep into an early-stopping sweep: run.policy = NAME, and run.generations under a policy
counts the sweep's candidates (generations x population_size), each trained until stopped or at the top."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import write_toml

import l2l
from l2l.cli import main
from l2l.config import from_mapping, load_config
from l2l.errors import ConfigError
from l2l.results_schema.reader import Trajectory

POPULATION = 20
SWEEP = {"run": {"name": "sweep", "seed": 3, "generations": 1},
         "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
         "optimizer": {"name": "random", "population_size": POPULATION},
         "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}}
TOP = 81.0  # the synthetic functions' top budget
HONOURED = ["successive-halving", "hyperband", "asha", "median-stopping"]


def _with(policy: str | None = None, **run) -> dict:
    data = {**SWEEP, "run": {**SWEEP["run"], **run}}
    if policy:
        data["run"]["policy"] = policy
    return data


def _write(folder: Path, data: dict) -> Path:
    return write_toml(folder / "sweep.toml", data)


def _finished(path: Path) -> dict:
    with Trajectory(path) as trajectory:
        events = trajectory.events()
    last = events.iloc[-1]
    assert last["kind"] == "finished"
    return json.loads(last["detail"])


def test_run_policy_is_short_for_a_policy_table_with_its_defaults_and_is_stored_as_the_table(tmp_path):
    short = from_mapping(_with("asha", generations=2))
    table = from_mapping({**_with(generations=2), "policy": {"name": "asha"}})
    assert short == table
    assert short.policy.name == "asha" and short.policy.options == {"max_candidates": 2 * POPULATION}
    stored = short.to_json()
    assert "policy" not in stored["run"] and "generations" not in stored["run"]
    assert stored["policy"] == {"name": "asha", "max_candidates": 2 * POPULATION}
    assert from_mapping(stored).policy == short.policy  # the stored form reads back as the same sweep
    assert load_config(_write(tmp_path, _with("asha", generations=2))).policy == short.policy


@pytest.mark.parametrize("policy", HONOURED)
def test_the_sweep_starts_exactly_its_candidates_and_ends_when_each_is_stopped_or_at_the_top(tmp_path, policy):
    path = l2l.run(from_mapping(_with(policy)), tmp_path / "run.h5")
    assert l2l.validate(path) == []
    candidates = l2l.load(path)
    assert len(candidates) == POPULATION
    assert set(candidates["state"]) <= {"stopped", "completed"} and (candidates["state"] == "completed").any()
    assert ((candidates["state"] == "completed") == (candidates["budget"] == TOP)).all()
    finished = _finished(path)
    assert finished["candidates"] == POPULATION and finished["policy_done"] is True and "limit" not in finished
    assert candidates["compute"].sum() < POPULATION * TOP  # the early stops are the compute saved


def test_a_compute_budget_given_too_ends_the_sweep_first_when_it_is_spent(tmp_path):
    # the sweep alone: 20 candidates at 1, 6 continued to 3, 2 to 9, 1 to 27 and 81: 116 units
    path = l2l.run(from_mapping(_with("successive-halving", compute=40)), tmp_path / "run.h5")
    finished = _finished(path)
    assert finished["policy_done"] is False and 40 <= finished["compute"] < 40 + TOP
    assert "completed" not in set(l2l.load(path)["state"])
    whole = l2l.run(from_mapping(_with("successive-halving")), tmp_path / "whole.h5")
    assert _finished(whole)["policy_done"] is True and _finished(whole)["compute"] == 116


def test_a_sweep_stopped_at_a_segment_cap_and_resumed_ends_as_one_never_stopped(tmp_path):
    whole = l2l.load(l2l.run(from_mapping(_with("asha")), tmp_path / "whole.h5"), segments=True)
    path = l2l.run(from_mapping(_with("asha", evaluations=12)), tmp_path / "parts.h5")
    assert len(l2l.load(path, segments=True)) == 12
    l2l.resume(path, evaluations=10_000)
    parts = l2l.load(path, segments=True)
    columns = ["trial", "budget", "from_budget", "seed", "value"]
    assert parts[columns].equals(whole[columns])
    assert parts["trial"].nunique() == POPULATION


def test_resume_generations_on_a_sweep_that_started_is_refused_and_leaves_the_file_alone(tmp_path, capsys):
    path = l2l.run(from_mapping(_with("successive-halving")), tmp_path / "run.h5")
    before = path.read_bytes()
    assert main(["resume", str(path), "--generations", "2", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot change the candidates of a run with a [policy] once it started" in err[0]
    assert f"starts {POPULATION} ([policy] max_candidates" in err[0]
    assert path.read_bytes() == before


def test_generations_on_the_command_line_resizes_a_sweep_whose_config_sets_run_generations(tmp_path):
    config = load_config(_write(tmp_path, _with("median-stopping")))
    assert config.with_overrides(generations=3).policy.options["max_candidates"] == 3 * POPULATION


@pytest.mark.parametrize("data, words", [
    ({**_with(), "policy": {"name": "pbt", "population": 5}},
     "run.generations and [policy] population both set how many candidates policy 'pbt' starts"),
    (_with("model-based"), "run.generations does not apply to policy 'model-based': it proposes candidates"),
    ({**_with("asha"), "optimizer": {"name": "cmaes"}},
     "optimizer 'cmaes' has no fixed population_size; set [optimizer] population_size"),
    ({**_with(), "policy": {"name": "asha", "max_candidates": 5}},
     "run.generations and [policy] max_candidates both set how many candidates policy 'asha' starts"),
    ({**_with("asha"), "policy": {"name": "asha"}},
     "run.policy = 'asha' and [policy] name both choose the policy; give one of them"),
    (_with({"name": "asha", "eta": 2}), "run.policy must be a policy's name such as 'successive-halving' "
                                        "(options go in a [policy] table)"),
    (_with("halving"), "unknown policy 'halving'; available: "),
])
def test_what_cannot_work_is_refused_in_one_line_with_exit_2_before_anything_is_written(tmp_path, capsys, data,
                                                                                         words):
    with pytest.raises(ConfigError, match=re.escape(words)):
        from_mapping(data)
    assert main(["run", str(_write(tmp_path, data)), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0]
    assert not list(tmp_path.glob("*.h5"))


def test_generations_on_the_command_line_of_a_policy_run_without_run_generations_is_refused(tmp_path, capsys):
    data = {**_with(compute=4 * TOP), "policy": {"name": "hyperband"}}
    del data["run"]["generations"]
    assert main(["run", str(_write(tmp_path, data)), "--generations", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not apply to a run with a [policy] ('hyperband') unless its config sets " \
                               "run.generations" in err[0]
    assert not list(tmp_path.glob("*.h5"))


def test_a_config_stored_by_an_earlier_version_keeps_ignoring_its_generations_beside_a_policy():
    # What RunConfig.to_json wrote for a policy run before run.generations counted candidates.
    stored = {"run": {"name": "old", "seed": 0, "generations": 10, "retries": 0, "timeout": 0, "penalty": "worst",
                      "mode": "generational", "compute": 400.0},
              **{k: v for k, v in SWEEP.items() if k != "run"}, "policy": {"name": "asha", "eta": 3}}
    assert from_mapping(stored).policy.options == {"eta": 3}
    assert from_mapping(stored, user_file=True).policy.options == {"eta": 3, "max_candidates": 10 * POPULATION}


def test_the_one_line_trains_the_sweeps_own_candidates_and_those_at_the_top_score_what_the_sweep_scored(tmp_path):
    sweep = l2l.load(l2l.run(from_mapping(_with()), tmp_path / "sweep.h5"))
    early = l2l.load(l2l.run(from_mapping(_with("successive-halving")), tmp_path / "early.h5")).sort_values("trial")
    assert (early["seed"].to_numpy() == sweep["seed"].to_numpy()).all()
    assert (early[["x[0]", "x[1]"]].to_numpy() == sweep[["x[0]", "x[1]"]].to_numpy()).all()
    top = early[early["budget"] == TOP]
    assert len(top) >= 1 and (top["value"].to_numpy() == sweep["value"].to_numpy()[top["trial"].to_numpy()]).all()


def test_the_banner_of_a_one_line_sweep_names_its_candidates(tmp_path, capsys):
    assert main(["run", str(_write(tmp_path, _with("asha"))), "--out", str(tmp_path / "a.h5"), "--no-progress"]) == 0
    banner = capsys.readouterr().err.splitlines()[0]
    assert f"policy asha, {POPULATION} candidates, compute at most " in banner


def test_the_done_line_and_show_of_a_one_line_sweep_say_its_compute_was_at_most_its_budget(tmp_path, capsys):
    # a finished sweep read "compute 63 of 351 units", as if it had stopped at a fifth of its work; the banner
    # says "at most", and so do they now
    path = tmp_path / "a.h5"
    assert main(["run", str(_write(tmp_path, _with("asha"))), "--out", str(path), "--no-progress"]) == 0
    done = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("done in"))
    assert main(["show", str(path)]) == 0
    progress = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress"))
    for line in (done, progress):
        assert re.search(r"compute \d+ of at most \d+ ", line), line
    # a run with an explicit compute budget and no sweep keeps "of"
    data = {**SWEEP, "run": {"name": "budget", "seed": 3, "compute": 400}, "policy": {"name": "asha"}}
    assert main(["run", str(_write(tmp_path, data)), "--out", str(tmp_path / "b.h5"), "--no-progress"]) == 0
    done = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("done in"))
    assert re.search(r"compute \d+ of 400 ", done), done


def test_run_policy_names_the_policy_of_a_policy_table_without_a_name(tmp_path):
    # what the shorthand's own error advises ("options go in a [policy] table"); it was refused with
    # "[policy] needs a name", and adding the name with "both choose the policy"
    both = from_mapping({**_with("asha", generations=2), "policy": {"eta": 2}})
    assert both.policy.name == "asha" and both.policy.options == {"eta": 2, "max_candidates": 2 * POPULATION}
    assert both == from_mapping({**_with(generations=2), "policy": {"name": "asha", "eta": 2}})


def test_resume_generations_on_a_pbt_sweep_names_its_population(tmp_path, capsys):
    data = {**_with("pbt"), "simulator": {"name": "noisy-sgd", "max_budget": 20}}
    data["space"] = {"learning_rate": {"type": "float", "low": 0.001, "high": 0.3, "log": True}}
    data["optimizer"] = {"name": "random", "population_size": 4}
    path = l2l.run(from_mapping(data), tmp_path / "pbt.h5")
    assert main(["resume", str(path), "--generations", "2", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert "policy 'pbt' starts 4 ([policy] population, from run.generations x population_size)" in err
