"""The arguments of ``init``, ``ask`` and ``tell`` checked, for l2l's own optimizers called from a user's loop.

The run's loop checks what it gives an optimizer (l2l.components calls ``check``; the codes it tells are those
asked; failures are told ``-inf``). A user who drives an optimizer directly (``opt.init(problem, seed)``,
``opt.ask(problem, state, n)``, ``opt.tell(problem, state, candidates, scores)``) gets the same checks here, in
one line each (:class:`~l2l.errors.ArgumentError` for a wrong type, :class:`~l2l.errors.ConfigError` for a wrong
value), instead of an IndexError from DEAP, a numpy reshape error, or a result quietly wrong:

* ``init`` takes a :class:`~l2l.optimizers.problem.Problem` and a seed that is a non-negative integer (a numpy
  integer too), and calls ``check(problem)`` as the run does (nsga3 with one objective, a single-objective
  optimizer with two objectives without ``weights``);
* ``ask`` takes a state (a dict, as ``init`` or the last ask or tell gave it) and ``n`` None or an integer in
  [0, MAX_POPULATION]; ``ask(n=0)`` gives no candidate (``random`` and ``grid`` gave a whole generation);
* ``tell`` takes candidates of the space's width (one flat row for one candidate), finite; scores of numbers,
  one row of ``n_objectives`` per candidate (a flat array for one objective or for one candidate), larger is
  better, NaN or ``-inf`` for a failed evaluation and never ``+inf``; the outputs the optimizer needs (enkf),
  one row per candidate;
* ``tell_partial`` (gp with learn_from_stopped, tpe, motpe, auto) takes candidates and scores as ``tell`` does and
  ``budgets`` finite numbers, one per candidate (session 32: numpy's reshape errors, a NaN candidate and +inf taken).

Nothing a run tells is changed: the arrays are passed on as they are (reshaped to (n, k) when given flat).
A state that lacks what the optimizer reads says which key it lacks. Plug-ins, and a plug-in's subclass of one
of l2l's optimizers, are left as they are.
"""

from __future__ import annotations

import functools
import operator
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np

from l2l.errors import ArgumentError, ConfigError, shown
from l2l.numbers import number
from l2l.optimizers.problem import MAX_POPULATION, Problem


def checked(cls: type) -> None:
    """Wrap the ``init``, ``ask``, ``tell`` and ``tell_partial`` that ``cls`` defines itself (an inherited one is
    wrapped already; the base class's ``tell_partial``, which ignores everything, is left)."""
    for method, wrap in (("init", _init), ("ask", _ask), ("tell", _tell), ("tell_partial", _tell_partial)):
        fn = cls.__dict__.get(method)
        if fn is not None and not getattr(fn, "_checked", False):
            wrapped = functools.wraps(fn)(wrap(fn))
            wrapped._checked = True  # type: ignore[attr-defined]
            setattr(cls, method, wrapped)


def _who(optimizer: Any, call: str) -> str:
    return f"optimizer {optimizer.name!r}: {call}"


def _problem(optimizer: Any, problem: Any, call: str) -> None:
    if not isinstance(problem, Problem):
        raise ArgumentError(f"{_who(optimizer, call)} takes a Problem (l2l.optimizers.Problem(space, objectives)) "
                            f"as its first argument, got {type(problem).__name__} {problem!r:.60}")


def _state(optimizer: Any, state: Any, call: str) -> None:
    if not isinstance(state, dict):
        raise ArgumentError(f"{_who(optimizer, call)} takes the state (a dict) that init or the last ask or tell "
                            f"returned, got {type(state).__name__} {state!r:.60}")


def _integer(optimizer: Any, value: Any, what: str, call: str) -> int:
    """``value`` as an int (numpy integers too); ArgumentError for a bool, a float, a text or an array."""
    if isinstance(value, (bool, np.bool_)):
        raise ArgumentError(f"{_who(optimizer, call)}: {what} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise ArgumentError(f"{_who(optimizer, call)}: {what} must be an integer, got {type(value).__name__} "
                            f"{value!r:.60}") from None


@contextmanager
def _keys(optimizer: Any, problem: Any, state: dict, call: str) -> Iterator[None]:
    """A KeyError for a key that the state lacks and that init gives, said in one line: a state that no init of
    this optimizer gave. Any other KeyError (a fault of the optimizer's own) goes on as it is."""
    try:
        yield
    except KeyError as error:
        key = error.args[0] if error.args else None
        if isinstance(key, str) and key not in state:
            initial = _initial_keys(optimizer, problem)
            missing = key if key in initial else next((k for k in initial if k not in state), None)
            if missing is not None:
                raise ArgumentError(f"{_who(optimizer, call)}: the state has no {missing!r}; give the state that "
                                    f"this optimizer's init or its last ask or tell returned") from None
        raise


def _initial_keys(optimizer: Any, problem: Any) -> list:
    try:
        return list(optimizer.init(problem, 0))
    except Exception:  # noqa: BLE001 - then the KeyError is told as it is
        return []


def _own(optimizer: Any) -> bool:
    """Whether ``optimizer`` is one of l2l's own: a plug-in's subclass of one (in its own module) is left as it is."""
    return type(optimizer).__module__.startswith("l2l.")


def _init(fn: Callable) -> Callable:
    def init(self: Any, problem: Any, seed: Any) -> Any:
        if not _own(self):
            return fn(self, problem, seed)
        _problem(self, problem, "init")
        seed = _integer(self, seed, "seed", "init")
        if seed < 0:
            raise ConfigError(f"{_who(self, 'init')}: seed must be a non-negative integer, got {seed}")
        self.check(problem)
        return fn(self, problem, seed)
    return init


def _ask(fn: Callable) -> Callable:
    def ask(self: Any, problem: Any, state: Any, n: Any = None) -> Any:
        if not _own(self):
            return fn(self, problem, state, n)
        _problem(self, problem, "ask")
        _state(self, state, "ask")
        if n is not None:
            n = _integer(self, n, "n", "ask")
            if not 0 <= n <= MAX_POPULATION:
                raise ConfigError(f"{_who(self, 'ask')}: n must lie in [0, {MAX_POPULATION}] (candidates asked at "
                                  f"once), got {n}")
            if n == 0:
                return np.empty((0, problem.space.dimension)), state
        with _keys(self, problem, state, "ask"):
            return fn(self, problem, state, n)
    return ask


def _tell(fn: Callable) -> Callable:
    def tell(self: Any, problem: Any, state: Any, candidates: Any, scores: Any, outputs: Any = None) -> Any:
        if not _own(self):
            return fn(self, problem, state, candidates, scores, outputs)
        _problem(self, problem, "tell")
        _state(self, state, "tell")
        candidates, scores, outputs = told(self, problem, candidates, scores, outputs)
        with _keys(self, problem, state, "tell"):
            return fn(self, problem, state, candidates, scores, outputs)
    return tell


def _tell_partial(fn: Callable) -> Callable:
    """``tell_partial`` checked as ``tell`` is (a loop of one's own calls it, docs/optimizers.md: numpy's reshape
    errors, or a NaN candidate and +inf scores taken), and ``budgets`` numbers, one per candidate."""
    def tell_partial(self: Any, problem: Any, state: Any, candidates: Any, budgets: Any, scores: Any) -> Any:
        if not _own(self):
            return fn(self, problem, state, candidates, budgets, scores)
        _problem(self, problem, "tell_partial")
        _state(self, state, "tell_partial")
        candidates, scores, _ = told(self, problem, candidates, scores, None, "tell_partial")
        if _booleans(budgets):  # True read as a budget of 1
            raise ConfigError(f"{_who(self, 'tell_partial')}: budgets must be numbers (the fidelity each result was "
                              f"reached at), got booleans")
        budgets = _numbers(self, budgets, "budgets", "tell_partial")
        if budgets.shape != (len(candidates),):
            if budgets.size != len(candidates) or budgets.ndim > 1:
                raise ConfigError(f"{_who(self, 'tell_partial')}: {len(candidates)} candidate"
                                  f"{'s' * (len(candidates) != 1)} need {len(candidates)} budgets, one each, got "
                                  f"shape {budgets.shape}")
            budgets = budgets.reshape(len(candidates))
        bad = np.flatnonzero(~np.isfinite(budgets))  # TPE read a NaN one as 'no result below the top': dropped unsaid
        if len(bad):
            raise ConfigError(f"{_who(self, 'tell_partial')}: budget {bad[0]} is {budgets[bad[0]]}; tell the budget "
                              f"each candidate's result was reached at")
        bad = np.flatnonzero(budgets <= 0)  # no result is reached with no training
        if len(bad):
            raise ConfigError(f"{_who(self, 'tell_partial')}: budget {bad[0]} is {number(budgets[bad[0]])}; a budget "
                              f"is the positive amount of the fidelity each candidate's result was reached at")
        with _keys(self, problem, state, "tell_partial"):
            return fn(self, problem, state, candidates, budgets, scores)
    return tell_partial


def _booleans(values: Any) -> bool:
    """Whether ``values`` are booleans, or a list of numbers holds one (``[True, 3.0]``: numpy makes it 1.0)."""
    if isinstance(values, (list, tuple)):
        return any(isinstance(value, (bool, np.bool_)) for value in values)
    return getattr(values, "dtype", np.dtype(float)).kind == "b" or isinstance(values, (bool, np.bool_))


def _numbers(optimizer: Any, values: Any, what: str, call: str = "tell") -> np.ndarray:
    """``values`` as an array of floats, or one line naming the first value that is no number."""
    try:
        array = None if values is None else np.asarray(values)
    except ValueError:  # a ragged list ([1, [2, 3]]): numpy's 'inhomogeneous shape' error
        array = np.asarray(values, dtype=object)
    if array is None or array.dtype.kind not in "biuf":
        if array is None or array.ndim == 0:
            given = f"{type(values).__name__} {values!r:.40}"
        else:
            index = next((i for i in np.ndindex(array.shape) if not isinstance(array[i], (int, float, np.integer,
                                                                                          np.floating))), None)
            given = ("an array of " + str(array.dtype) if index is None else
                     f"{type(array[index]).__name__} {array[index]!r:.40} at {list(index)}")
        raise ArgumentError(f"{_who(optimizer, call)}: {what} must be numbers, got {shown(given)}"
                            + (" (a failed evaluation is told -inf or NaN)" if what == "scores" else ""))
    return array.astype(float, copy=False)


def told(optimizer: Any, problem: Any, candidates: Any, scores: Any, outputs: Any, call: str = "tell") -> tuple:
    """``candidates`` (n, d), ``scores`` (n, k) and ``outputs`` (n, m) as arrays of floats, or one line saying what
    is wrong with them (see the module documentation); ``call``: the method named (``tell_partial`` needs no
    outputs)."""
    dimension, k = problem.space.dimension, problem.n_objectives
    codes = _numbers(optimizer, candidates, "candidates", call)
    if codes.ndim == 1 and codes.size == dimension:
        codes = codes.reshape(1, dimension)
    if codes.ndim != 2 or codes.shape[1] != dimension:
        raise ConfigError(f"{_who(optimizer, call)}: candidates must be an (n, {dimension}) array of this space's "
                          f"codes, got shape {codes.shape}")
    bad = np.flatnonzero(~np.isfinite(codes).all(axis=1))
    if len(bad):
        raise ConfigError(f"{_who(optimizer, call)}: candidate {bad[0]} holds a NaN or infinite value; tell the "
                          f"candidates ask gave")
    n = len(codes)
    values = _numbers(optimizer, scores, "scores", call)
    if values.shape != (n, k):
        if values.size == n * k and (values.ndim == 0 or (values.ndim == 1 and (k == 1 or n == 1))):
            values = values.reshape(n, k)
        else:
            raise ConfigError(f"{_who(optimizer, call)}: {n} candidate{'s' * (n != 1)} need scores of shape "
                              f"({n}, {k}), one row of {k} per candidate, got shape {values.shape}")
    best = np.argwhere(values == np.inf)
    if len(best):
        i, j = best[0]
        raise ConfigError(f"{_who(optimizer, call)}: score {j} of candidate {i} is +inf, better than any (scores "
                          f"are larger-is-better); tell a failed evaluation as -inf or NaN")
    if optimizer.needs_outputs and call == "tell":
        if outputs is None:
            raise ConfigError(f"{_who(optimizer, 'tell')} needs the simulators' outputs: tell(problem, state, "
                              f"candidates, scores, outputs), one row of outputs per candidate")
        outputs = _numbers(optimizer, outputs, "outputs")
        if outputs.ndim == 1 and n == 1:
            outputs = outputs.reshape(1, -1)
        if outputs.ndim != 2 or len(outputs) != n:
            raise ConfigError(f"{_who(optimizer, 'tell')}: {n} candidate{'s' * (n != 1)} need {n} rows of outputs, "
                              f"got shape {outputs.shape}")
    return codes, values, outputs
