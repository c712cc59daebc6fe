"""Nevergrad's optimizers by name: every parameter type, exact resume by replay, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.errors import ConfigError, L2LError
from l2l.optimizers import OPTIMIZERS
from l2l.results_schema.codec import decode, encode
from optimizer_helpers import evaluate, mixed_problem, sphere_problem


def _play(opt, problem, state, rounds: int, record: list) -> dict:
    for step in range(rounds):
        candidates, state = opt.ask(problem, state, n=1 + step % 3)
        scores, _ = evaluate(problem, candidates)
        order = np.arange(len(candidates))[::-1]  # told in another order than asked
        state = opt.tell(problem, state, candidates[order], scores[order])
        record.append(candidates)
    return state


@pytest.mark.parametrize("method", ["NGOpt", "CMA", "TwoPointsDE", "PSO", "DiscreteOnePlusOne", "RandomSearch"])
def test_a_state_read_back_in_a_new_process_continues_exactly_by_replaying_its_log(method):
    problem = mixed_problem("nevergrad")
    options = {"method": method, "population_size": 4, "budget": 60}
    opt = OPTIMIZERS.create("nevergrad", options)
    state = _play(opt, problem, opt.init(problem, seed=5), rounds=4, record=[])
    saved = decode(encode(state))
    original: list = []
    resumed: list = []
    _play(opt, problem, state, rounds=3, record=original)
    fresh = OPTIMIZERS.create("nevergrad", options)  # no live Nevergrad optimizer: replays the log
    _play(fresh, problem, saved, rounds=3, record=resumed)
    for a, b in zip(original, resumed):
        np.testing.assert_array_equal(a, b)


def test_every_parameter_type_is_searched_within_its_bounds():
    problem = mixed_problem("nevergrad")
    opt = OPTIMIZERS.create("nevergrad", {"method": "NGOpt", "budget": 40, "num_workers": 40})
    candidates, _ = opt.ask(problem, opt.init(problem, seed=1), n=40)
    values = [problem.space.decode(c) for c in candidates]
    assert {v["kind"] for v in values} == {"a", "b", "c"}
    assert {v["layers"] for v in values} <= set(range(1, 7)) and len({v["layers"] for v in values}) > 2
    assert all(1e-4 <= v["rate"] <= 1e-1 for v in values)
    assert all(-2.0 <= x <= 3.0 for v in values for x in v["x"])


def test_ngopt_finds_the_sphere_far_better_than_random_search():
    problem = sphere_problem(dimension=4)
    results = {}
    for name, options in (("nevergrad", {"budget": 200, "num_workers": 4}), ("random", {})):
        opt = OPTIMIZERS.create(name, options)
        state = opt.init(problem, seed=0)
        best = np.inf
        for _ in range(50):
            candidates, state = opt.ask(problem, state, n=4)
            scores, _ = evaluate(problem, candidates)
            state = opt.tell(problem, state, candidates, scores)
            best = min(best, -scores[:, 0].max())
        results[name] = best
    assert results["nevergrad"] < 0.05 * results["random"], results


def test_asking_more_than_num_workers_untold_candidates_is_refused_instead_of_hanging():
    problem = sphere_problem(dimension=4)
    opt = OPTIMIZERS.create("nevergrad", {"budget": 200, "num_workers": 1})  # NGOpt picks a sequential method
    candidates, state = opt.ask(problem, opt.init(problem, seed=0), n=1)
    with pytest.raises(L2LError, match="more than num_workers = 1"):
        opt.ask(problem, state, n=1)
    scores, _ = evaluate(problem, candidates)
    state = opt.tell(problem, state, candidates, scores)
    assert opt.ask(problem, state, n=1)[0].shape == (1, 4)


def test_an_unknown_method_is_refused_with_the_closest_names():
    with pytest.raises(ConfigError, match="'NGopt' is not in Nevergrad's registry; did you mean 'NGOpt'"):
        OPTIMIZERS.create("nevergrad", {"method": "NGopt"}).check(sphere_problem())


def test_a_run_names_the_method_in_its_config(tmp_path):
    config = l2l.from_mapping({
        "run": {"name": "ng", "seed": 3, "generations": 3},
        "space": {"x": {"low": -2.0, "high": 2.0, "shape": [2]}},
        "optimizer": {"name": "nevergrad", "method": "TwoPointsDE", "population_size": 4},
        "simulator": {"name": "sphere"}, "backend": {"name": "serial"},
    })
    frame = l2l.load(l2l.run(config, tmp_path / "ng.h5"))
    assert len(frame) == 12
