"""The optimizer contract, checked for every optimizer in the registry."""

from __future__ import annotations

import numpy as np
import pytest

from l2l.errors import ConfigError
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import Problem
from l2l.results_schema.codec import decode, encode
from l2l.space import Space
from optimizer_helpers import drive, evaluate, mixed_problem, objectives, optimizer

NAMES = OPTIMIZERS.names()


@pytest.fixture(params=NAMES)
def name(request):
    return request.param


def test_every_option_has_a_help_text_and_a_default(name):
    description = OPTIMIZERS.describe(name)
    assert description["summary"]
    for entry in description["options"]:
        assert entry["help"], f"{name}.{entry['name']} has no help text"
        assert entry["default"] != "(required)"


def test_ask_gives_candidates_of_the_space_dimension_within_bounds(name):
    problem = mixed_problem(name)
    opt = optimizer(name)
    opt.check(problem)
    state = opt.init(problem, seed=3)
    record: list = []
    drive(opt, problem, state, generations=3, record=record)
    for candidates in record:
        assert candidates.ndim == 2 and candidates.shape[1] == problem.space.dimension
        assert len(candidates) >= 1
        assert np.all(np.isfinite(candidates))
        assert np.all(candidates >= problem.space.lower) and np.all(candidates <= problem.space.upper)
        for row in candidates:
            problem.space.decode(row)


def test_a_decoded_state_continues_exactly_like_the_original(name):
    problem = mixed_problem(name)
    opt = optimizer(name)
    state = drive(opt, problem, opt.init(problem, seed=5), generations=2)
    restored = decode(encode(state))
    original_run: list = []
    resumed_run: list = []
    drive(opt, problem, state, generations=2, record=original_run)
    drive(opt, problem, restored, generations=2, record=resumed_run)
    for a, b in zip(original_run, resumed_run):
        np.testing.assert_array_equal(a, b)


def test_the_same_seed_gives_the_same_candidates_and_another_seed_others(name):
    problem = mixed_problem(name)
    opt = optimizer(name)
    first: list = []
    second: list = []
    other: list = []
    drive(opt, problem, opt.init(problem, seed=11), generations=2, record=first)
    drive(opt, problem, opt.init(problem, seed=11), generations=2, record=second)
    drive(opt, problem, opt.init(problem, seed=12), generations=2, record=other)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    if name != "grid":
        assert any(not np.array_equal(a, b) for a, b in zip(first, other))


def test_ask_and_tell_leave_the_state_they_receive_untouched(name):
    problem = mixed_problem(name)
    opt = optimizer(name)
    state = drive(opt, problem, opt.init(problem, seed=2), generations=1)
    before = encode(state)
    candidates, asked = opt.ask(problem, state)
    assert encode(state) == before
    asked_bytes = encode(asked)
    scores, outputs = evaluate(problem, candidates)
    opt.tell(problem, asked, candidates, scores, outputs if opt.needs_outputs else None)
    assert encode(asked) == asked_bytes


def test_check_refuses_the_problems_the_optimizer_cannot_handle(name):
    opt = optimizer(name)
    unbounded = Space.from_json({"x": {"default": 0.0, "scale": 1.0, "shape": [2]}})
    bounded = Space.from_json({"x": {"low": 0.0, "high": 1.0, "shape": [2]}})
    if opt.needs_bounds:
        with pytest.raises(ConfigError, match="unbounded"):
            opt.check(Problem(unbounded, objectives(1)))
    else:
        problem = Problem(unbounded, objectives(1))
        opt.check(problem)
        record: list = []
        drive(opt, problem, opt.init(problem, seed=1), generations=2, record=record)
        assert np.all(np.isfinite(np.vstack(record)))
    if not opt.multi_objective:
        with pytest.raises(ConfigError, match="single-objective"):
            opt.check(Problem(bounded, objectives(2)))
    else:
        opt.check(Problem(bounded, objectives(2)))


ASYNC_NAMES = [n for n in NAMES if OPTIMIZERS.get(n).supports_async]


def test_some_optimizers_support_the_asynchronous_mode():
    assert {"random", "grid", "tpe", "motpe", "gp"} <= set(ASYNC_NAMES)


@pytest.mark.parametrize("async_name", ASYNC_NAMES)
def test_asynchronous_optimizers_take_any_subset_of_what_they_asked(async_name):
    name = async_name
    opt = optimizer(name)
    problem = mixed_problem(name)
    state = opt.init(problem, seed=4)
    first, state = opt.ask(problem, state, n=3)
    second, state = opt.ask(problem, state, n=1)
    assert first.shape == (3, problem.space.dimension) and second.shape == (1, problem.space.dimension)
    scores, _ = evaluate(problem, first)
    state = opt.tell(problem, state, first[[2, 0]], scores[[2, 0]])
    scores, _ = evaluate(problem, second)
    state = opt.tell(problem, state, second, scores)
    third, state = opt.ask(problem, state, n=2)
    assert third.shape == (2, problem.space.dimension)
    decode(encode(state))
