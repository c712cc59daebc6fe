"""l2l's optimizers driven directly from a user's own loop (init, ask, tell) refuse misuse in one line (session 29).

``scripts/fuzz_optimizers_api.py`` found, before: nsga3 with one objective and no ``check()`` failing inside DEAP
(IndexError); a single-objective optimizer given two objectives quietly optimizing the first; the GA taking a NaN
score as better than every other (and a failure told -inf through a weight of 0, which is NaN); scores of the wrong
count or shape, candidates of the wrong width and a candidate told twice ending in numpy's reshape errors or a bare
ValueError; ``ask(n=0)`` giving a whole generation (random, grid); a float or negative seed, a state no init gave,
enkf told without outputs ending in TypeError, KeyError or IndexError.
"""

from __future__ import annotations

import numpy as np
import pytest

from l2l.errors import ArgumentError, ConfigError
from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import MAX_POPULATION, Problem
from l2l.space import Space
from l2l.testing.problems import evaluate, mixed_problem, objectives

#: Options that keep each optimizer quick.
QUICK = {"gp": {"n_candidates": 50, "population_size": 4}, "tpe": {"population_size": 4},
         "motpe": {"population_size": 4}, "nevergrad": {"population_size": 4, "budget": 60, "num_workers": 20},
         "grid": {"points": 3, "population_size": 6}}
#: Every registered optimizer but nevergrad (an optional extra) and the ones that import optuna (slow to start).
NAMES = [name for name in OPTIMIZERS.names() if name not in ("nevergrad", "tpe", "motpe", "auto")]


def make(name: str, **options):
    return OPTIMIZERS.create(name, {**QUICK.get(name, {}), **options})


def problem_of(optimizer, k: int | None = None) -> Problem:
    return mixed_problem(k or (2 if optimizer.multi_objective else 1))


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message, message
    return message


def asked(name: str, n: int = 4):
    opt = make(name)
    p = problem_of(opt)
    state = opt.init(p, 3)
    candidates, state = opt.ask(p, state, n)
    return opt, p, state, candidates, evaluate(p, candidates)[0]


def test_nsga3_with_one_objective_is_refused_at_init_not_inside_deap():
    nsga3 = make("nsga3")
    p = mixed_problem(1)
    with pytest.raises(ConfigError) as error:  # was IndexError: tuple index out of range (deap/tools/emo.py)
        state = nsga3.init(p, 1)
        for _ in range(2):
            candidates, state = nsga3.ask(p, state)
            state = nsga3.tell(p, state, candidates, evaluate(p, candidates)[0])
    assert "'nsga3' needs at least 2 objectives" in one_line(error)


@pytest.mark.parametrize("name", ["cmaes", "ga", "gp"])
def test_a_single_objective_optimizer_given_two_objectives_is_refused_at_init(name):
    # Before, init took them and every tell used the first objective alone, quietly.
    opt = make(name)
    with pytest.raises(ConfigError, match="single-objective but the run has 2 objectives") as error:
        opt.init(mixed_problem(2), 1)
    one_line(error)
    make(name, weights=(1.0, 1.0)).init(mixed_problem(2), 1) if name != "cmaes" else None  # weights: taken


def _ga_after(bad_row: np.ndarray, seed: int, weights=None) -> list[np.ndarray]:
    """The GA's next two generations after one whose best member (by its true score) was told ``bad_row``."""
    ga = make("ga", population_size=10, **({"weights": weights} if weights else {}))
    p = mixed_problem(2 if weights else 1)
    state = ga.init(p, seed)
    candidates, state = ga.ask(p, state)
    scores = evaluate(p, candidates)[0]
    scores[int(np.argmax(scores[:, -1]))] = bad_row
    state = ga.tell(p, state, candidates, scores)
    later = []
    for _ in range(2):
        candidates, state = ga.ask(p, state)
        later.append(candidates)
        state = ga.tell(p, state, candidates, evaluate(p, candidates)[0])
    return later


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_the_ga_takes_a_nan_score_as_a_failure_like_minus_inf(seed):
    # DEAP's tournament (and the GA's copy of it) took NaN as better than everything.
    for nan, failure in zip(_ga_after(np.array([np.nan]), seed), _ga_after(np.array([-np.inf]), seed)):
        np.testing.assert_array_equal(nan, failure)


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_a_failure_weighted_by_zero_is_a_failure_not_nan(seed):
    # (-inf, -inf) @ (0, 1) is NaN; (-1e300, -inf) @ (0, 1) is -inf: the same failure must act alike.
    for a, b in zip(_ga_after(np.array([-np.inf, -np.inf]), seed, (0.0, 1.0)),
                    _ga_after(np.array([-1e300, -np.inf]), seed, (0.0, 1.0))):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("change, words", [
    (lambda c, s: (c, s[:-1]), "need scores of shape (4, "),
    (lambda c, s: (c, np.vstack([s, s[:1]])), "need scores of shape (4, "),
    (lambda c, s: (c, np.hstack([s, s[:, :1]])), "need scores of shape (4, "),
    (lambda c, s: (np.hstack([c, c[:, :1]]), s), "candidates must be an (n, 6) array"),
    (lambda c, s: (c, np.where(np.arange(len(s))[:, None] == 1, np.inf, s)), "score 0 of candidate 1 is +inf"),
    (lambda c, s: (c, s.astype(str)), "scores must be numbers, got str_"),
], ids=["fewer-scores", "more-scores", "extra-objective", "wide-candidates", "plus-inf", "strings"])
def test_a_tell_of_the_wrong_shape_or_values_is_refused_in_one_line_naming_the_optimizer(name, change, words):
    opt, p, state, candidates, scores = asked(name)
    candidates, scores = change(candidates, scores)
    outputs = evaluate(p, np.asarray(candidates, dtype=float)[:, :6])[1] if opt.needs_outputs else None
    with pytest.raises(ConfigError) as error:  # ArgumentError is one too
        opt.tell(p, state, candidates, scores, outputs)
    assert f"optimizer {opt.name!r}: tell" in one_line(error) and words in str(error.value)


@pytest.mark.parametrize("name", [name for name in NAMES if name not in ("gp", "random", "grid")])
def test_a_candidate_told_twice_is_refused_in_one_line_naming_the_optimizer(name):
    # tpe, motpe and gp take it as a result, random and grid learn nothing from tell; the others refuse it with a
    # ValueError, as the contract has it: a ConfigError naming the optimizer now, a bare ValueError before
    opt, p, state, candidates, scores = asked(name)
    outputs = evaluate(p, candidates)[1] if opt.needs_outputs else None
    state = opt.tell(p, state, candidates, scores, outputs)
    with pytest.raises(ConfigError) as error:
        opt.tell(p, state, candidates, scores, outputs)
    assert f"optimizer {opt.name!r}: told candidate 0" in one_line(error)


@pytest.mark.parametrize("name", ["random", "grid"])
def test_ask_for_no_candidate_gives_none(name):
    opt = make(name)
    p = problem_of(opt)
    candidates, state = opt.ask(p, opt.init(p, 1), 0)  # random and grid gave a whole generation
    assert candidates.shape == (0, p.space.dimension)
    assert len(opt.ask(p, state, 2)[0]) == 2


@pytest.mark.parametrize("name", ["random", "cmaes", "ga"])
@pytest.mark.parametrize("seed, kind, words", [(-1, ConfigError, "seed must be a non-negative integer, got -1"),
                                               (1.5, ArgumentError, "seed must be an integer, got float 1.5"),
                                               ("3", ArgumentError, "seed must be an integer, got str '3'"),
                                               (True, ArgumentError, "seed must be an integer, got True")])
def test_a_seed_that_is_no_non_negative_integer_is_refused_in_one_line(name, seed, kind, words):
    opt = make(name)
    with pytest.raises(kind) as error:  # -1: numpy's ValueError; 1.5, '3': TypeError; True: taken as 1
        opt.init(problem_of(opt), seed)
    assert words in one_line(error)


@pytest.mark.parametrize("n, words", [(-1, "n must lie in [0, "), (MAX_POPULATION + 1, "n must lie in [0, "),
                                      (2.5, "n must be an integer, got float 2.5")])
def test_ask_for_a_negative_huge_or_fractional_number_is_refused_in_one_line(n, words):
    opt = make("cmaes")  # -1 gave none, 2.5 two, 10**6 + 1 sampled generations until the memory ran out
    p = problem_of(opt)
    with pytest.raises(ConfigError) as error:
        opt.ask(p, opt.init(p, 1), n)
    assert words in one_line(error)


@pytest.mark.parametrize("name", ["random", "cmaes", "nsga2", "gp"])
def test_a_state_no_init_gave_is_refused_naming_the_key_it_lacks(name):
    opt = make(name)
    with pytest.raises(ArgumentError, match=r"the state has no '\w+'; give the state that this optimizer's init") \
            as error:  # was KeyError
        opt.ask(problem_of(opt), {})
    one_line(error)
    with pytest.raises(ArgumentError, match="takes the state .* got NoneType None"):
        opt.ask(problem_of(opt), None)


def test_enkf_told_without_outputs_says_it_needs_them():
    opt, p, state, candidates, scores = asked("enkf", n=None)
    with pytest.raises(ConfigError) as error:  # was IndexError in the generation ledger
        opt.tell(p, state, candidates, scores)
    assert "needs the simulators' outputs" in one_line(error)


def test_a_problem_of_names_or_a_space_alone_is_refused_in_one_line():
    space = mixed_problem().space
    with pytest.raises(ArgumentError, match=r"got str 'f0' \(e.g. Objective\('f0'\)\)"):
        Problem(space, ("f0",))  # was taken, and every optimizer read n_objectives = 1 of it
    with pytest.raises(ConfigError, match="Problem has no objective"):
        Problem(space, ())
    with pytest.raises(ArgumentError, match="init takes a Problem"):
        make("cmaes").init(space, 1)  # was AttributeError: 'Space' object has no attribute 'space'
    assert Problem(space, [Objective("f")]).objectives == (Objective("f"),)


def test_a_space_of_one_valued_parameters_is_searched_or_refused_in_one_line_by_nevergrad():
    pytest.importorskip("nevergrad")
    opt = make("nevergrad")
    p = Problem(Space.from_json({"n": {"type": "int", "low": 2, "high": 2}}), objectives(1))
    try:  # NGOpt turned to FCMA, which needs fcmaes: an ImportError in ask
        candidates, _ = opt.ask(p, opt.init(p, 1), 2)
    except ConfigError as error:
        assert "needs a package not installed" in str(error) and "\n" not in str(error)
    else:
        assert np.all(candidates == 2.0)
