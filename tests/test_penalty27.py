"""A failure before the run's first success is told the worst value there is, never 0.0 (run.penalty = 'worst').

Before, ``outcomes.penalties`` told such a failure ``worst.get(name, 0.0)``: for a minimized error 0.0 is better
than every real result, so a first generation that failed stayed the GA's elite (copied into every generation)
and NSGA-II's parents.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import l2l
from conftest import make_config
from optimizer_helpers import evaluate, optimizer, sphere_problem
from l2l.config import from_mapping
from l2l.optimizers import OPTIMIZERS
from l2l.outcomes import penalties
from l2l.results_schema.codec import decode, encode

FAILING = 12  # the first generation: population 12


def failing_first(params, seed, counter, objectives=1):
    """Raises on the run's first 12 calls (counted in the file ``counter``; serial backend), then a bowl."""
    path = Path(counter)
    calls = int(path.read_text()) if path.exists() else 0
    path.write_text(str(calls + 1))
    if calls < FAILING:
        raise RuntimeError(f"not ready yet (call {calls})")
    x, y = params["x"], params["y"]
    err = 1.0 + (x - 0.2) ** 2 + (y - 0.5) ** 2
    return {"err": err, "size": 1.0 + (x - 0.8) ** 2 + y ** 2} if objectives == 2 else {"err": err}


def _config(tmp_path, name, seed, generations=4, objectives=1):
    return make_config(
        space={"x": {"low": 0.0, "high": 1.0}, "y": {"low": 0.0, "high": 1.0}},
        simulator={"name": "python", "function": "test_penalty27:failing_first",
                   "kwargs": {"counter": str(tmp_path / f"calls-{name}-{seed}"), "objectives": objectives}},
        objectives=[{"name": "err"}] + ([{"name": "size"}] if objectives == 2 else []),
        optimizer={"name": name, "population_size": 12},
        run={"generations": generations, "seed": seed})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_ga_elite_is_never_a_candidate_of_a_failed_first_generation(tmp_path, seed):
    path = l2l.run(_config(tmp_path, "ga", seed), tmp_path / "run.h5")
    frame = l2l.load(path)
    assert (frame.loc[frame["generation"] == 0, "status"] != "ok").all()
    assert (frame.loc[frame["generation"] > 0, "status"] == "ok").all()
    with l2l.Trajectory(path) as trajectory:
        for generation in (1, 2, 3):
            elite = trajectory.state(generation)["optimizer"]["elite_scores"][0]
            # the best error of the generations told so far, not the 0.0 a failure was told
            best = frame.loc[(frame["generation"] <= generation) & (frame["status"] == "ok"), "err"].min()
            assert elite == pytest.approx(-best), (generation, elite, best)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nsga2_keeps_no_failed_candidate_among_its_parents(tmp_path, seed):
    path = l2l.run(_config(tmp_path, "nsga2", seed, generations=3, objectives=2), tmp_path / "run.h5")
    frame = l2l.load(path)
    assert (frame.loc[frame["generation"] == 0, "status"] != "ok").all()
    with l2l.Trajectory(path) as trajectory:
        for generation in (1, 2):
            parents = trajectory.state(generation)["optimizer"]["parent_scores"]
            assert np.isfinite(parents).all(), (generation, parents)
            assert (parents <= -1.0).all()  # real errors and sizes are at least 1


def test_a_resumed_run_whose_first_generation_failed_equals_an_uninterrupted_one(tmp_path):
    short = l2l.run(_config(tmp_path, "nsga2", 4, generations=2, objectives=2), tmp_path / "short.h5")
    l2l.resume(short, generations=4)
    (tmp_path / "long").mkdir()  # its own count of calls
    longer = l2l.run(_config(tmp_path / "long", "nsga2", 4, generations=4, objectives=2), tmp_path / "long.h5")
    columns = ["generation", "individual", "status", "x", "y", "err", "size"]
    assert l2l.load(short)[columns].equals(l2l.load(longer)[columns])


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_every_optimizer_takes_a_first_generation_of_failures_and_ranks_it_below_every_success(name):
    """What the loop tells of a generation that failed before any success, for every registered optimizer: no
    error, a state that is stored and read back, and results after it as good as after no such generation."""
    opt = optimizer(name)
    k = 2 if opt.multi_objective else 1
    problem = sphere_problem(2, k)
    config = from_mapping({"run": {"name": "t"}, "space": {"x": {"low": 0.0, "high": 1.0}},
                           "simulator": {"name": "sphere"}, "optimizer": {"name": "random"}})
    told = penalties(config, problem.objectives, {}) * -1.0  # minimized: the loop's signs
    assert np.all(told == -np.inf)
    state = opt.init(problem, 3)
    candidates, state = opt.ask(problem, state)
    state = decode(encode(opt.tell(problem, state, candidates, np.tile(told, (len(candidates), 1)),
                                   candidates - 0.5 if opt.needs_outputs else None)))
    for _ in range(2):
        candidates, state = opt.ask(problem, state)
        if not len(candidates):  # grid: exhausted
            break
        assert np.isfinite(candidates).all()
        scores, outputs = evaluate(problem, candidates)
        state = decode(encode(opt.tell(problem, state, candidates, scores, outputs if opt.needs_outputs else None)))
    for key in ("elite_scores", "parent_scores"):
        if key in state and len(state[key]):
            assert np.isfinite(state[key]).all() and (np.asarray(state[key]) < 0).all(), (key, state[key])


@pytest.mark.parametrize("penalty, warned", [(1000.0, True), ("worst", False), ({"err": 1000.0, "size": 0.0}, False)])
def test_one_number_as_the_penalty_of_a_maximized_and_a_minimized_objective_is_warned_of(tmp_path, capsys, penalty,
                                                                                          warned):
    config = make_config(
        space={"x": {"low": 0.0, "high": 1.0}, "y": {"low": 0.0, "high": 1.0}},
        simulator={"name": "python", "function": "test_penalty27:failing_first",
                   "kwargs": {"counter": str(tmp_path / "calls"), "objectives": 2}},
        objectives=[{"name": "err"}, {"name": "size", "direction": "maximize"}],
        optimizer={"name": "nsga2", "population_size": 12}, run={"generations": 1, "penalty": penalty})
    l2l.run(config, tmp_path / "run.h5")  # a warning, not a refusal
    lines = [line for line in capsys.readouterr().err.splitlines() if "run.penalty" in line]
    if warned:
        assert len(lines) == 1 and "'size' is maximized" in lines[0] and 'penalty = "worst"' in lines[0], lines
    else:
        assert lines == []
