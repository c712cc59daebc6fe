"""The optimizer contract: hyperparameters in the object, everything else in an explicit state.

An optimizer is a frozen dataclass whose fields are its hyperparameters. It
never holds run state. The loop calls, with ``problem`` describing the space
and the objectives::

    state = optimizer.init(problem, seed)
    while not optimizer.done(problem, state):
        candidates, state = optimizer.ask(problem, state)        # (n, dimension) codes
        ...evaluate...
        state = optimizer.tell(problem, state, candidates, scores, outputs)

``candidates`` are rows of codes in the space's encoding (see
:mod:`l2l.space`). ``scores`` is an ``(n, n_objectives)`` array in which
**larger is better** for every objective: the loop multiplies minimized
objectives by -1 and replaces failed evaluations by the run's penalty before
telling. ``outputs`` is an ``(n, m)`` array of model outputs for optimizers
that declare ``needs_outputs`` (ensemble Kalman filter), otherwise ``None``.

The state is a dict whose leaves are ``None``, bool, int, float, str, lists,
dicts and numpy arrays, including the random generator's state
(:func:`rng_state`). It is written to the trajectory after every generation
and read back without pickle; a run resumed from it continues exactly.
Functions must not mutate the state they receive.

Every optimizer accepts ``ask(problem, state, n)`` for any ``n`` (``n`` omitted:
one generation) and a ``tell`` of any subset of what it asked, in any order;
telling a candidate that was not asked raises ``ValueError`` or adds it as a
result (``tpe``, ``motpe`` and ``gp``; ``random`` and ``grid`` learn nothing
from ``tell``), and nothing else (``l2l.testing.OptimizerContract`` checks it).

Under a multi-fidelity policy that does not propose candidates itself (asha, successive-halving, hyperband,
median-stopping), ``tell`` gets a candidate's result at the top budget only. An optimizer that declares
``learns_partial`` is also told, by :meth:`Optimizer.tell_partial`, each result below the top budget as it comes
(a candidate's latest one replaces its earlier ones; a candidate later told at the top budget is a complete
result, counted once); the others are never told those.
"""

from __future__ import annotations

import copy
import dataclasses
import random
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Iterator, Sequence

import numpy as np

from l2l.errors import ConfigError
from l2l.numbers import exact, number
from l2l.process_state import GLOBAL_STATE_LOCK  # (named here too: the optimizers import it from base)
# the problem and the limits live below this module (l2l.optimizers._calls names them too); named here as always
from l2l.optimizers.problem import (MAX_BUDGET, MAX_GENERATION_VALUES, MAX_POPULATION, MAX_STEP,  # noqa: F401
                                    Problem)
# named here before Problem moved (plug-ins may import them from here): the types a Problem holds, its error
from l2l.errors import ArgumentError  # noqa: F401
from l2l.objectives import Objective  # noqa: F401
from l2l.space import Space  # noqa: F401

State = dict[str, Any]

@dataclass(frozen=True)
class Optimizer:
    """Base class of every outer-loop optimizer."""

    name: ClassVar[str] = "optimizer"
    #: True if the optimizer handles several objectives itself.
    multi_objective: ClassVar[bool] = False
    #: True if the optimizer learns from every single result, so that steady-state runs (one candidate
    #: asked per free worker, results told one by one) suit it.
    supports_async: ClassVar[bool] = False
    #: True if the optimizer updates its state once per whole generation (see
    #: :mod:`l2l.optimizers._generations`): it too accepts ``ask(n)`` for any ``n`` and a ``tell`` of any
    #: subset, but learns only when every member of a generation has been told.
    generational: ClassVar[bool] = False
    #: True if the optimizer learns from results below the top budget of a multi-fidelity policy
    #: (:meth:`tell_partial`): the loop tells it those only then.
    learns_partial: ClassVar[bool] = False
    #: True if ``tell`` needs the simulators' output vectors.
    needs_outputs: ClassVar[bool] = False
    #: True if every parameter must have finite bounds.
    needs_bounds: ClassVar[bool] = True
    #: Options that set how many candidates one generation holds.
    population_options: ClassVar[tuple[str, ...]] = ("population_size", "ensemble_size", "max_population_size",
                                                     "n_random_directions")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """l2l's own optimizers get their ``init``, ``ask`` and ``tell`` checked by :mod:`l2l.optimizers._calls`
        (a user's own loop calls them directly); plug-ins (and their subclasses of these) are left as they are."""
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("l2l."):
            from l2l.optimizers._calls import checked

            checked(cls)

    # -- validation -----------------------------------------------------------
    def check(self, problem: Problem) -> None:
        """Raise :class:`ConfigError` if this optimizer cannot work on ``problem``."""
        if self.needs_bounds:
            problem.space.require_bounded(f"optimizer {self.name!r}")
        size = max((getattr(self, key, None) or 0 for key in self.population_options), default=0)
        if size * problem.space.dimension > MAX_GENERATION_VALUES:
            raise ConfigError(f"optimizer {self.name!r}: a generation of {size} candidates of "
                              f"{problem.space.dimension} values each holds more than {MAX_GENERATION_VALUES} "
                              f"numbers; lower the population size or the size of the space")
        if problem.n_objectives > 1 and not self.multi_objective and not self._scalarizes():
            names = [o.name for o in problem.objectives]
            raise ConfigError(
                f"optimizer {self.name!r} is single-objective but the run has {len(names)} "
                f"objectives {names}; use a multi-objective optimizer (nsga2, nsga3, motpe) "
                f"or give weights")

    def _scalarizes(self) -> bool:
        return getattr(self, "weights", None) is not None

    # -- the contract ---------------------------------------------------------
    def init(self, problem: Problem, seed: int) -> State:
        raise NotImplementedError

    def ask(self, problem: Problem, state: State, n: int | None = None) -> tuple[np.ndarray, State]:
        raise NotImplementedError

    def tell(self, problem: Problem, state: State, candidates: np.ndarray, scores: np.ndarray,
             outputs: np.ndarray | None = None) -> State:
        raise NotImplementedError

    def tell_partial(self, problem: Problem, state: State, candidates: np.ndarray, budgets: np.ndarray,
                     scores: np.ndarray) -> State:
        """Results of asked candidates below the top budget of a multi-fidelity policy: ``budgets`` ``(n,)``
        in fidelity units, ``scores`` ``(n, n_objectives)`` larger-is-better as in ``tell``, NaN for a failed
        segment. Each is a candidate's latest result and replaces its earlier one; the candidate stays asked
        (``tell`` gives its result at the top budget if it gets there). Default: ignored (the state as it is)."""
        return state

    def done(self, problem: Problem, state: State) -> bool:
        return False

    # -- helpers --------------------------------------------------------------
    def options(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.init and not f.name.startswith("_")}

    def scalar_scores(self, problem: Problem, scores: np.ndarray) -> np.ndarray:
        """One larger-is-better number per candidate: the only objective, or a weighted sum. A failure (a NaN
        score, or a weighted sum that is NaN: -inf times a weight of 0) is -inf, below every finite score; the
        GA's tournaments took a NaN as better than everything."""
        scores = np.asarray(scores, dtype=float)
        if scores.ndim == 1:
            scalar = scores
        elif getattr(self, "weights", None) is None:
            scalar = scores[:, 0]
        else:
            with np.errstate(invalid="ignore"):  # -inf * 0: NaN, a failure, made -inf below
                scalar = scores @ np.asarray(getattr(self, "weights"), dtype=float)
        return np.where(np.isnan(scalar), -np.inf, scalar)

    def _check_weights(self, problem: Problem) -> None:
        weights = getattr(self, "weights", None)
        if weights is not None and len(weights) != problem.n_objectives:
            raise ConfigError(f"optimizer {self.name!r}: weights has {len(weights)} entries "
                              f"but the run has {problem.n_objectives} objectives")
        # The weights act on scores each objective's direction has made larger-is-better: a negative one seeks the
        # worse value. The original L2L's fitness weights carried the direction (-1.0 to minimize); copied beside
        # direction = "minimize" they made a GA maximize its losses, silently.
        negative = [(o, w) for o, w in zip(problem.objectives, weights or ()) if w < 0]
        if negative:
            objective, weight = negative[0]
            raise ConfigError(f"optimizer {self.name!r}: weight {number(weight)} of objective {objective.name!r} is "
                              f"negative; weights act on scores already made larger-is-better by each objective's "
                              f"direction ({objective.name!r}: {objective.direction}), so a negative one seeks its "
                              f"worse value: give {exact(-weight)}")


# -- random generator state ----------------------------------------------------


def new_rng_state(seed: int, *key: int) -> dict[str, Any]:
    """A fresh PCG64 state derived from ``seed`` (and an optional key)."""
    sequence = np.random.SeedSequence(seed, spawn_key=tuple(key))
    return np.random.PCG64(sequence).state


def rng_from_state(state: dict[str, Any]) -> np.random.Generator:
    bit_generator = np.random.PCG64()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def rng_state(rng: np.random.Generator) -> dict[str, Any]:
    return rng.bit_generator.state


@contextmanager
def python_random(state: State, key: str = "python_random") -> Iterator[None]:
    """Run code that uses the global ``random`` module (DEAP) from ``state[key]``.

    The global generator is restored afterwards; the advanced generator state is
    written back into ``state[key]`` as JSON-able lists. Holds :data:`GLOBAL_STATE_LOCK` throughout, so a
    run in another thread neither draws from this generator nor restores its own over it.
    """
    with GLOBAL_STATE_LOCK:
        saved = random.getstate()
        version, internal, gauss = state[key]
        random.setstate((version, tuple(internal), gauss))
        try:
            yield
        finally:
            version, internal, gauss = random.getstate()
            state[key] = [version, list(internal), gauss]
            random.setstate(saved)


def new_python_random(seed: int) -> list[Any]:
    generator = random.Random(int(np.random.SeedSequence(seed, spawn_key=(7,)).generate_state(1)[0]))
    version, internal, gauss = generator.getstate()
    return [version, list(internal), gauss]


def copy_state(state: State) -> State:
    return copy.deepcopy(state)


def as_matrix(values: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    return np.atleast_2d(np.asarray(values, dtype=float))
