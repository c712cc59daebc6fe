"""Fuzz every optimizer's ask/tell API as a user's own loop would misuse it, and report what is not a clean result.

Each registered optimizer (``l2l.optimizers.OPTIMIZERS``) is driven directly, ``opt.init(problem, seed)``,
``opt.ask(problem, state, n)``, ``opt.tell(problem, state, candidates, scores, outputs)``, with: no ``check()``
before a problem it cannot handle (a single-objective optimizer with two objectives, nsga3 with one), seeds and
``n`` of odd types, scores of the wrong count, shape and type, NaN, +inf, None and strings, a tell twice for one
ask, a candidate never asked (NaN, outside the bounds, of the wrong width), asks past the budget, integer and
categorical parameters, a space of one parameter, an int with low == high and a categorical of one choice, a state
that no init gave, and a round trip of the state (the trajectory codec and pickle) and of the optimizer (pickle)
in the middle of a generation, which must continue exactly.

A call is a DEFECT if it raises anything but l2l's own errors (L2LError), hangs (60 s), refuses in several lines,
accepts what it must refuse (``expect = "refuse"``), refuses what it must take (``expect = "work"``) or works but
gives a wrong result (a NaN told as a score taken otherwise than a failure, -inf; a continuation that differs).
Usage (NAME-FILTER: only the optimizers and cases whose name holds one of the words)::

    PYTHONPATH=. python scripts/fuzz_optimizers_api.py [--seed=N] [NAME-FILTER[,NAME-FILTER...]]

(``--seed=N``: the states the cases start from are made with seed 3 + N, 8 + N, ...; default 0.)

Exit status 1 if any call is a defect. Session 29 (helper-200): 20 optimizers x 59 cases, 1,180 calls, about 9
minutes on two cores shared with other work. Before the fixes (l2l/optimizers/_calls.py, base.Problem and
scalar_scores): 693 defects, 261 misuses accepted, 221 ValueError, 135 TypeError, 28 KeyError, 19 AttributeError,
16 silent (14 single-objective optimizers optimizing the first of two objectives, the GA taking a NaN as the best,
ask(n=0) of random and grid giving a generation), 7 hangs (ask(n=2*10**6)), 4 IndexError (nsga3 with one objective
inside DEAP, enkf told no outputs) and 2 ImportError (Nevergrad's NGOpt turning to FCMA, for a space of one-valued
parameters); after: none. No defect in the state round trips (codec, pickle of the state and of the optimizer,
mid-generation) nor in asks past the budget.
Session 32 (helper-250): ``tell_partial`` cases (gp with learn_from_stopped, tpe, motpe, auto; the others' ignores
everything, skipped): 48 defects (numpy's reshape ValueError for scores, budgets or candidates of the wrong count
or width, AttributeError for a problem of another type, a NaN candidate and +inf scores taken), none after
l2l/optimizers/_calls.py checked it as tell. ``--seed=3205 gp,tpe,cmaes,ga,random,pbt,nsga2,auto``: 790 calls,
0 defects, about 3 minutes at load 13.
Session 33 (helper-264): 29 more ``tell_partial`` cases (budgets +-inf, NaN (refused since 25e9423), numeric
strings, complex, objects, a dict, a scalar for several, (n, 2), (n, 1), bool, huge, one candidate told at a
higher budget then a lower one, numpy int64 / float32 / lists continued through the codec and pickle, no
candidates, a flat row, a candidate never asked or outside the bounds, right after init, scores of None objects,
a dict, 3-D, -inf and NaN as failed segments). ``--seed=3310``: 2,080 calls over all optimizers (skip 772, ok 490,
ArgumentError 461, ConfigError 357), 0 defects, about 3 minutes at load 20-27. Budgets of booleans (True as 1),
negative or 0 ones were taken then; refused in one line since (the lead, tests/test_lead33.py).
Session 34 (helper-277): ``--seed=3410`` on session 33's code (the tell_partial budget checks in): 2,080 calls
over all optimizers (skip 772, ok 479, ArgumentError 461, ConfigError 368), 0 defects, about a minute at load 1-7.
Session 35 (helper-298, fuzz35), load ~35: ``--seed=3502 random,gp,tpe,cmaes,ga`` (980 calls: skip 313, ok 241,
ArgumentError 239, ConfigError 187) and ``--seed=3507 auto,cross-entropy,enkf,es,face,nsga2,nsga3,simulated-annealing``
(1,488 calls: skip 619, ok 296, ArgumentError 290, ConfigError 283): 0 defects.
"""
from __future__ import annotations

import pickle
import signal
import sys
import traceback
import warnings
from typing import Any, Callable

import numpy as np

from l2l.errors import L2LError
from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import Problem
from l2l.results_schema.codec import decode, encode
from l2l.space import Space
from l2l.testing.problems import evaluate, mixed_problem, objectives

warnings.simplefilter("ignore")

#: Options that keep each optimizer quick (the defaults otherwise).
QUICK = {"gp": {"n_candidates": 50, "population_size": 4}, "tpe": {"population_size": 4},
         "motpe": {"population_size": 4}, "nevergrad": {"population_size": 4, "budget": 60, "num_workers": 20},
         "grid": {"points": 3, "population_size": 6}}


class Hang(Exception):
    pass


def _alarm(*_: Any) -> None:
    raise Hang()


class Silent(Exception):
    """A call that worked but gave a wrong result."""


class Skip(Exception):
    """A case that does not apply to this optimizer."""


def make(name: str, **options: Any):
    return OPTIMIZERS.create(name, {**QUICK.get(name, {}), **options})


def problem(opt, k: int | None = None, space: Space | None = None) -> Problem:
    k = (2 if opt.multi_objective and opt.name not in ("random", "grid") else 1) if k is None else k
    return Problem(space or mixed_problem().space, objectives(k))


#: Added to the seed of :func:`started` (``--seed N``: other runs of the same cases).
SEED = 0


def started(opt, p: Problem, seed: int = 3, rounds: int = 1):
    """A state after ``rounds`` whole ask/tell rounds."""
    state = opt.init(p, seed + SEED)
    for _ in range(rounds):
        c, state = opt.ask(p, state)
        s, o = evaluate(p, c)
        state = opt.tell(p, state, c, s, o if opt.needs_outputs else None)
    return state


def tell(opt, p, state, c, s):
    return opt.tell(p, state, c, s, evaluate(p, np.atleast_2d(np.asarray(c, dtype=float)))[1]
                    if opt.needs_outputs else None)


def rounds(opt, p, state, n_rounds=3, sizes=(None,)):
    """Ask and tell ``n_rounds`` times; every candidate finite, within the bounds, decodable."""
    asked = []
    for i in range(n_rounds):
        if opt.done(p, state):
            break
        c, state = opt.ask(p, state, sizes[i % len(sizes)])
        c = np.asarray(c, dtype=float)
        if c.ndim != 2 or c.shape[1] != p.space.dimension or not np.all(np.isfinite(c)):
            raise Silent(f"ask gave candidates of shape {c.shape} or non-finite ones")
        if p.space.outside(c):
            raise Silent(f"ask gave {p.space.outside(c)}")
        for row in c:
            p.space.decode(row)
        asked.append(c)
        state = tell(opt, p, state, c, evaluate(p, c)[0])
    return asked, state


# -- the cases: (name, expect, function(optimizer name)) ----------------------------------------------------------
CASES: list[tuple[str, str, Callable[[str], Any]]] = []


def case(name: str, expect: str = "either"):
    def register(fn):
        CASES.append((name, expect, fn))
        return fn
    return register


def _other_objectives(name):
    opt = make(name)
    k = 1 if opt.multi_objective else 2
    p = problem(opt, k=k)
    rounds(opt, p, opt.init(p, 1), 3, (None, 3))
    return opt


@case("no check: the other number of objectives")
def _(name):
    opt = _other_objectives(name)
    if not opt.multi_objective and not opt._scalarizes():
        raise Silent("a single-objective optimizer took two objectives without weights (the second ignored)")


@case("seed numpy int64 is seed int", "work")
def _(name):
    opt = make(name)
    p = problem(opt)
    a, _ = rounds(opt, p, opt.init(p, np.int64(5)), 2)
    b, _ = rounds(make(name), p, make(name).init(p, 5), 2)
    if not all(np.array_equal(x, y) for x, y in zip(a, b)):
        raise Silent("seed np.int64(5) gave other candidates than seed 5")


@case("seed numpy uint32", "work")
def _(name):
    opt = make(name)
    p = problem(opt)
    rounds(opt, p, opt.init(p, np.uint32(5)), 1)


for _label, _seed in {"-1": -1, "1.5": 1.5, "'3'": "3", "None": None, "True": True, "array": np.array([1, 2]),
                      "2**80": 2 ** 80, "np.float64(2.0)": np.float64(2.0)}.items():
    @case(f"seed {_label}", "either" if _label in ("2**80",) else "refuse")
    def _(name, _seed=_seed):
        opt = make(name)
        p = problem(opt)
        rounds(opt, p, opt.init(p, _seed), 1)


@case("ask n numpy int64 is n int", "work")
def _(name):
    opt = make(name)
    p = problem(opt)
    state = opt.init(p, 2)
    a, _ = opt.ask(p, state, np.int64(3))
    b, _ = opt.ask(p, state, 3)
    if not np.array_equal(a, b):
        raise Silent("ask(n=np.int64(3)) differs from ask(n=3)")


@case("ask n 0 gives none", "either")
def _(name):
    opt = make(name)
    p = problem(opt)
    c, state = opt.ask(p, opt.init(p, 2), 0)
    if np.asarray(c).shape != (0, p.space.dimension):
        raise Silent(f"ask(n=0) gave candidates of shape {np.asarray(c).shape}")
    rounds(opt, p, state, 1)


for _label, _n in {"-1": -1, "2.5": 2.5, "'3'": "3", "True": True, "[2]": [2], "2*10**6": 2 * 10 ** 6}.items():
    @case(f"ask n {_label}", "refuse")
    def _(name, _n=_n):
        opt = make(name)
        p = problem(opt)
        opt.ask(p, opt.init(p, 2), _n)


def _asked(name, n=4, k=None):
    opt = make(name)
    p = problem(opt, k=k)
    if k is not None:
        try:
            opt.check(p)
        except L2LError:
            raise Skip() from None  # nsga3 with one objective: refused by init, as by the run
    state = started(opt, p)
    c, state = opt.ask(p, state, n)
    return opt, p, state, c, evaluate(p, c)[0]


@case("tell fewer scores than candidates", "refuse")
def _(name):
    opt, p, state, c, s = _asked(name)
    tell(opt, p, state, c, s[:-1])


@case("tell more scores than candidates", "refuse")
def _(name):
    opt, p, state, c, s = _asked(name)
    tell(opt, p, state, c, np.vstack([s, s[:1]]))


@case("tell scores one-dimensional, one objective", "work")
def _(name):
    opt, p, state, c, s = _asked(name, k=1)
    tell(opt, p, state, c, s[:, 0])


@case("tell scores with an extra objective", "refuse")
def _(name):
    opt, p, state, c, s = _asked(name)
    tell(opt, p, state, c, np.hstack([s, s[:, :1]]))


@case("tell scores transposed, two objectives", "refuse")
def _(name):
    opt = make(name)
    if not opt.multi_objective:
        opt = make(name, weights=(1.0, 1.0)) if "weights" in opt.options() else None
    if opt is None:
        return "skip"
    p = problem(opt, k=2)
    c, state = opt.ask(p, started(opt, p), 4)
    tell(opt, p, state, c, evaluate(p, c)[0].T)


@case("tell scores of shape (n, 1, 1)", "either")
def _(name):
    opt, p, state, c, s = _asked(name, k=1)
    tell(opt, p, state, c, s[:, :, None])


@case("tell candidates of the wrong width", "refuse")
def _(name):
    opt, p, state, c, s = _asked(name)
    tell(opt, p, state, np.hstack([c, c[:, :1]]), s)


@case("tell one candidate as a flat row", "work")
def _(name):
    opt, p, state, c, s = _asked(name, n=1)
    tell(opt, p, state, c[0], s[0])


@case("tell candidates as lists", "work")
def _(name):
    opt, p, state, c, s = _asked(name)
    tell(opt, p, state, c.tolist(), s.tolist())


for _label, _value in {"None": None, "'abc'": "abc", "'1.5'": "1.5", "object": object(), "complex": 1 + 2j}.items():
    @case(f"tell a score {_label}", "refuse")
    def _(name, _value=_value):
        opt, p, state, c, s = _asked(name)
        scores = s.astype(object)
        scores[1, 0] = _value
        tell(opt, p, state, c, scores)


@case("tell scores None", "refuse")
def _(name):
    opt, p, state, c, s = _asked(name)
    tell(opt, p, state, c, None)


@case("tell a score +inf", "refuse")
def _(name):
    opt, p, state, c, s = _asked(name)
    s[1, 0] = np.inf
    tell(opt, p, state, c, s)


@case("tell a NaN score as a failure (-inf)", "either")
def _(name):
    """The candidate told NaN is the one with the best true score: NaN must act as -inf does (a failure)."""
    opt = make(name)
    p = problem(opt)
    runs = []
    for bad in (np.nan, -np.inf):
        state = started(opt, p, seed=4)
        c, state = opt.ask(p, state)
        s = evaluate(p, c)[0]
        s[int(np.argmax(s[:, 0])), :] = bad
        state = tell(opt, p, state, c, s)
        later, _ = rounds(opt, p, state, 2)
        runs.append(later)
    if not all(np.array_equal(a, b) for a, b in zip(*runs)):
        raise Silent("a NaN score was taken otherwise than -inf (a failure)")


@case("tell a NaN candidate", "refuse")
def _(name):
    opt, p, state, c, s = _asked(name)
    c[1, 0] = np.nan
    tell(opt, p, state, c, s)


@case("tell twice for one ask", "either")
def _(name):
    opt, p, state, c, s = _asked(name)
    state = tell(opt, p, state, c, s)
    state = tell(opt, p, state, c, s)
    decode(encode(state))
    rounds(opt, p, state, 1)


@case("tell a candidate never asked", "either")
def _(name):
    opt, p, state, c, s = _asked(name)
    stranger = p.space.sample(np.random.default_rng(99), 1)
    state = tell(opt, p, state, stranger, evaluate(p, stranger)[0])
    rounds(opt, p, state, 1)


@case("tell a candidate outside the bounds", "either")
def _(name):
    opt, p, state, c, s = _asked(name)
    c = c.copy()
    c[0, 0] = p.space.upper[0] + 10.0
    rounds(opt, p, tell(opt, p, state, c, s), 1)


@case("tell, then ask, with a state no init gave (empty dict)", "refuse")
def _(name):
    opt, p, state, c, s = _asked(name)
    opt.ask(p, tell(opt, p, {}, c, s))  # random and grid learn nothing from tell: the ask refuses


@case("ask with a state None", "refuse")
def _(name):
    opt = make(name)
    opt.ask(problem(opt), None)


@case("ask with a state no init gave (empty dict)", "refuse")
def _(name):
    opt = make(name)
    opt.ask(problem(opt), {})


@case("init with a Space instead of a Problem", "refuse")
def _(name):
    opt = make(name)
    opt.init(mixed_problem().space, 1)


@case("a Problem of objective names (strings)", "refuse")
def _(name):
    opt = make(name)
    p = Problem(mixed_problem().space, ("f0",))
    rounds(opt, p, opt.init(p, 1), 1)


@case("a Problem without objectives", "refuse")
def _(name):
    opt = make(name)
    p = Problem(mixed_problem().space, ())
    rounds(opt, p, opt.init(p, 1), 1)


@case("ask after the budget", "either")
def _(name):
    opt = make(name)
    if "budget" in opt.options():
        opt = make(name, budget=8)
    p = problem(opt)
    opt.check(p)
    rounds(opt, p, opt.init(p, 1), 12, (3, None, 1))


def _space_case(spec):
    def run(name):
        opt = make(name)
        p = problem(opt, space=Space.from_json(spec))
        opt.check(p)
        asked, state = rounds(opt, p, opt.init(p, 1), 3, (None, 2, 1))
        decode(encode(state))
    return run


for _label, _spec in {
        "one float": {"x": {"low": -1.0, "high": 2.0}},
        "one int": {"n": {"type": "int", "low": 1, "high": 5}},
        "one categorical": {"c": {"type": "categorical", "choices": ["a", "b", "c"]}},
        "int low == high": {"n": {"type": "int", "low": 2, "high": 2}, "x": {"low": 0.0, "high": 1.0}},
        "only int low == high": {"n": {"type": "int", "low": 2, "high": 2}},
        "categorical of one choice": {"c": {"type": "categorical", "choices": ["only"]}},
        "log float": {"lr": {"low": 1e-5, "high": 1e-1, "log": True}}}.items():
    # a space with nothing to choose may be refused in one line (Nevergrad's NGOpt turns to FCMA, not installed)
    case(f"space: {_label}", "either" if "only" in _label or "one choice" in _label else "work")(_space_case(_spec))


def _continued(name, restore):
    """Half a generation told, then the state (and optimizer) restored; both continue alike."""
    opt = make(name)
    p = problem(opt)
    state = started(opt, p, seed=8)
    c, state = opt.ask(p, state)
    half = max(1, len(c) // 2)
    state = tell(opt, p, state, c[:half], evaluate(p, c[:half])[0])
    other_opt, other_state = restore(opt, state)
    runs = []
    for o, st in ((opt, state), (other_opt, other_state)):
        st = tell(o, p, st, c[half:], evaluate(p, c[half:])[0]) if len(c) > half else st
        runs.append(rounds(o, p, st, 2, (None, 3))[0])
    if not all(np.array_equal(a, b) for a, b in zip(*runs)):
        raise Silent("the restored state continued otherwise than the original")


@case("state through the trajectory codec mid-generation", "work")
def _(name):
    _continued(name, lambda opt, state: (opt, decode(encode(state))))


@case("state through pickle mid-generation", "work")
def _(name):
    _continued(name, lambda opt, state: (opt, pickle.loads(pickle.dumps(state))))


@case("optimizer and state through pickle mid-generation", "work")
def _(name):
    _continued(name, lambda opt, state: (pickle.loads(pickle.dumps(opt)), pickle.loads(pickle.dumps(state))))


@case("enkf-style tell without outputs", "either")
def _(name):
    opt, p, state, c, s = _asked(name)
    if not opt.needs_outputs:
        return "skip"
    for _ in range(3):
        state = opt.tell(p, state, c, s, None)
        c, state = opt.ask(p, state)
        s = evaluate(p, c)[0]


@case("outputs of the wrong count", "either")
def _(name):
    opt, p, state, c, s = _asked(name)
    if not opt.needs_outputs:
        return "skip"
    opt.tell(p, state, c, s, evaluate(p, c)[1][:-1])


# -- tell_partial (session 31: gp's learn_from_stopped; tpe, motpe, auto), as a loop of one's own calls it -------
def _partial(name):
    """An optimizer that learns from results below the top budget (gp with learn_from_stopped), a state that asked
    4, and their scores; Skip for the others (their tell_partial ignores everything, as documented)."""
    opt = make(name, **({"learn_from_stopped": True} if name == "gp" else {}))
    if not opt.learns_partial:
        raise Skip()
    p = problem(opt)
    state = started(opt, p)
    c, state = opt.ask(p, state, 4)
    return opt, p, state, c, evaluate(p, c)[0]


@case("tell_partial then tell, continued", "work")
def _(name):
    opt, p, state, c, s = _partial(name)
    state = opt.tell_partial(p, state, c[:2], np.array([1.0, 3.0]), s[:2] - 1.0)
    state = opt.tell_partial(p, state, c[:1], np.array([9.0]), s[:1] * np.nan)  # a failed segment: NaN
    state = tell(opt, p, state, c[2:], s[2:])
    copy = decode(encode(state))
    runs = [rounds(o, p, st, 2, (None, 3))[0] for o, st in ((opt, state), (pickle.loads(pickle.dumps(opt)), copy))]
    if not all(np.array_equal(a, b) for a, b in zip(*runs)):
        raise Silent("a state with partial results continued otherwise through the codec")


for _label, _make in {
        "scores of the wrong count": lambda c, s: (c, np.ones(len(c)), s[:-1]),
        "scores None": lambda c, s: (c, np.ones(len(c)), None),
        "scores strings": lambda c, s: (c, np.ones(len(c)), np.array([["a"] * s.shape[1]] * len(c))),
        "scores +inf": lambda c, s: (c, np.ones(len(c)), np.full(s.shape, np.inf)),
        "budgets of the wrong count": lambda c, s: (c, np.ones(len(c) + 1), s),
        "budgets None": lambda c, s: (c, None, s),
        "budgets NaN": lambda c, s: (c, np.full(len(c), np.nan), s),  # (refused since review32b's 25e9423)
        "budgets a string": lambda c, s: (c, "1", s),
        "candidates of the wrong width": lambda c, s: (np.hstack([c, c]), np.ones(len(c)), s),
        "candidate NaN": lambda c, s: (np.full(c.shape, np.nan), np.ones(len(c)), s),
        "candidates a string": lambda c, s: ("abc", np.ones(len(c)), s)}.items():
    @case(f"tell_partial {_label}", "refuse")
    def _(name, _make=_make):
        opt, p, state, c, s = _partial(name)
        opt.tell_partial(p, state, *_make(np.asarray(c, dtype=float), np.asarray(s, dtype=float)))


for _label, _value in {"budgets negative": -1.0, "budgets 0": 0.0}.items():
    @case(f"tell_partial {_label}", "refuse")
    def _(name, _value=_value):
        opt, p, state, c, s = _partial(name)
        opt.tell_partial(p, state, c, np.full(len(c), _value), s)


# session 33: budgets of other kinds (review32b refuses NaN and inf budgets), odd candidates and scores
for _label, (_expect, _make) in {
        "budgets +inf": ("refuse", lambda c, s: (c, np.full(len(c), np.inf), s)),
        "budgets -inf": ("refuse", lambda c, s: (c, np.full(len(c), -np.inf), s)),
        "budgets numeric strings": ("refuse", lambda c, s: (c, np.array(["1"] * len(c)), s)),
        "budgets complex": ("refuse", lambda c, s: (c, np.ones(len(c)) + 1j, s)),
        "budgets objects": ("refuse", lambda c, s: (c, [object()] * len(c), s)),
        "budgets a dict": ("refuse", lambda c, s: (c, {"a": 1}, s)),
        "budgets a scalar for several": ("refuse", lambda c, s: (c, 3.0, s)),
        "budgets 2-D (n, 2)": ("refuse", lambda c, s: (c, np.ones((len(c), 2)), s)),
        "candidates None": ("refuse", lambda c, s: (None, np.ones(len(c)), s)),
        "candidates 3-D": ("refuse", lambda c, s: (c[:, :, None], np.ones(len(c)), s)),
        "scores None objects": ("refuse", lambda c, s: (c, np.ones(len(c)), np.array([[None] * s.shape[1]] * len(c)))),
        "scores a dict": ("refuse", lambda c, s: (c, np.ones(len(c)), {"f0": 1.0})),
        "scores 3-D": ("refuse", lambda c, s: (c, np.ones(len(c)), s[:, :, None].repeat(2, axis=2)))}.items():
    @case(f"tell_partial {_label}", _expect)
    def _(name, _make=_make):
        opt, p, state, c, s = _partial(name)
        opt.tell_partial(p, state, *_make(np.asarray(c, dtype=float), np.asarray(s, dtype=float)))


for _label, _make in {
        "budgets numpy int64": lambda c, s: (c, np.arange(1, len(c) + 1, dtype=np.int64), s),
        "budgets a list": lambda c, s: (c, [1.0] * len(c), s),
        "budgets float32": lambda c, s: (c, np.ones(len(c), dtype=np.float32), s),
        "candidates lists": lambda c, s: (c.tolist(), np.ones(len(c)), s.tolist()),
        "scores -inf (failed segments)": lambda c, s: (c, np.ones(len(c)), np.full(s.shape, -np.inf)),
        "scores NaN (failed segments)": lambda c, s: (c, np.ones(len(c)), np.full(s.shape, np.nan))}.items():
    @case(f"tell_partial {_label}, continued", "work")
    def _(name, _make=_make):
        opt, p, state, c, s = _partial(name)
        state = opt.tell_partial(p, state, *_make(np.asarray(c, dtype=float), np.asarray(s, dtype=float)))
        state = tell(opt, p, state, c, s)
        copy = decode(encode(state))
        runs = [rounds(o, p, st, 2, (None, 3))[0] for o, st in ((opt, state), (pickle.loads(pickle.dumps(opt)),
                                                                                 copy))]
        if not all(np.array_equal(a, b) for a, b in zip(*runs)):
            raise Silent("a state with partial results continued otherwise through the codec")


for _label, _make in {
        "budgets (n, 1)": lambda c, s: (c, np.ones((len(c), 1)), s),
        "budgets bool": lambda c, s: (c, np.ones(len(c), dtype=bool), s),
        "budgets huge": lambda c, s: (c, np.full(len(c), 1e300), s),
        "budgets decreasing for one candidate": None,
        "no candidates": lambda c, s: (c[:0], np.ones(0), s[:0]),
        "scores flat, one objective": lambda c, s: (c, np.ones(len(c)), s[:, 0]),
        "one candidate as a flat row": lambda c, s: (c[0], np.ones(1), s[0]),
        "a candidate never asked": lambda c, s: (c + 1e-3, np.ones(len(c)), s),
        "a candidate outside the bounds": lambda c, s: (c + 1e3, np.ones(len(c)), s)}.items():
    @case(f"tell_partial {_label}", "either")
    def _(name, _make=_make):
        opt, p, state, c, s = _partial(name)
        c, s = np.asarray(c, dtype=float), np.asarray(s, dtype=float)
        if _make is None:  # one candidate told at 9, then at 3
            state = opt.tell_partial(p, state, c[:1], np.array([9.0]), s[:1])
            state = opt.tell_partial(p, state, c[:1], np.array([3.0]), s[:1] - 1.0)
        else:
            state = opt.tell_partial(p, state, *_make(c, s))
        state = tell(opt, p, state, c, s)
        decode(encode(state))
        rounds(opt, p, state, 2)


@case("tell_partial right after init (nothing asked)", "either")
def _(name):
    opt = make(name, **({"learn_from_stopped": True} if name == "gp" else {}))
    if not opt.learns_partial:
        raise Skip()
    p = problem(opt)
    state = opt.init(p, 3 + SEED)
    stranger = p.space.sample(np.random.default_rng(5), 3)
    state = opt.tell_partial(p, state, stranger, np.array([1.0, 3.0, 9.0]), evaluate(p, stranger)[0])
    decode(encode(state))
    rounds(opt, p, state, 2)


@case("tell_partial state no init gave", "either")  # (gp, tpe: a state without 'partial' is returned as it is)
def _(name):
    opt, p, state, c, s = _partial(name)
    opt.tell_partial(p, {"bogus": 1}, c, np.ones(len(c)), s)


@case("tell_partial problem of another type", "refuse")
def _(name):
    opt, p, state, c, s = _partial(name)
    opt.tell_partial("problem", state, c, np.ones(len(c)), s)


# -- the driver ---------------------------------------------------------------------------------------------------
def run_case(optimizer: str, label: str, expect: str, fn) -> tuple[str, str]:
    signal.alarm(60)
    try:
        result = fn(optimizer)
        kind, message = ("skip" if result == "skip" else "ok"), ""
    except Hang:
        return "DEFECT", "hang (60 s)"
    except Silent as exc:
        return "DEFECT", f"silent: {exc}"
    except Skip:
        return "skip", ""
    except L2LError as exc:
        kind, message = type(exc).__name__, str(exc)
    except BaseException as exc:  # noqa: BLE001 - the finding
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return "DEFECT", f"{type(exc).__name__}: {str(exc)[:160]} ({frame.filename.split('/')[-1]}:{frame.lineno})"
    finally:
        signal.alarm(0)
    if kind == "skip":
        return kind, ""
    if kind != "ok" and "\n" in message.strip():
        return "DEFECT", f"{kind} in {message.count(chr(10)) + 1} lines: {message[:160]!r}"
    if kind == "ok" and expect == "refuse":
        return "DEFECT", "accepted (should be refused in one line)"
    if kind != "ok" and expect == "work":
        return "DEFECT", f"refused what must work: {kind}: {message[:160]}"
    return kind, message[:160]


def main(argv: list[str]) -> int:
    global SEED
    signal.signal(signal.SIGALRM, _alarm)
    seeds = [a for a in argv if a.startswith("--seed=")]
    SEED = int(seeds[-1].partition("=")[2]) if seeds else 0
    argv = [a for a in argv if a not in seeds]
    words = argv[0].split(",") if argv else []
    names = OPTIMIZERS.names()
    try:
        import nevergrad  # noqa: F401
    except ImportError:
        names = [n for n in names if n != "nevergrad"]
    counts: dict[str, int] = {}
    defects = []
    for name in names:
        for label, expect, fn in CASES:
            if words and not any(w in name or w in label for w in words):
                continue
            kind, message = run_case(name, label, expect, fn)
            counts[kind] = counts.get(kind, 0) + 1
            line = f"{name:20s} {label:48s} {kind}: {message}"
            if kind == "DEFECT":
                defects.append(line)
            print(line, flush=True)
    print()
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())), f"calls={sum(counts.values())}")
    print(f"{len(defects)} defects")
    for line in defects:
        print(line)
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
