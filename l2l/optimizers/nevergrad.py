"""Any optimizer of Nevergrad's registry by name: ``[optimizer] name = "nevergrad", method = "NGOpt"``.

Needs the optional package (``pip install 'l2l[nevergrad]'``). The space maps
to a Nevergrad ``Dict`` parametrization, one entry per parameter: a float (or
an array of floats) is searched in its code coordinates (log10 of the value
for a log parameter) between its bounds, or around its default with a step of
its ``scale`` when unbounded; an int is an integer-cast scalar (log-scaled for
a log parameter); a categorical is a ``Choice`` among its choices. Scores are
larger-is-better; Nevergrad is told their negation as losses.

Nevergrad's optimizers are Python objects that cannot be written to a
trajectory without pickle. The state is therefore the *log* of what was asked
and told: every asked code in ask order, and the sequence of events (an ask,
or the tell of asked candidate ``i`` with its loss). A Nevergrad optimizer
built with the same method, budget, workers and seed and fed the same events
gives the same candidates, so a resumed run replays the log and continues
exactly. The optimizer object keeps its live Nevergrad optimizer between calls
(checked against the state) so that a run replays nothing; a replay that
asks something other than the stored code raises :class:`L2LError` naming the
method.

Known points (``run.initial_points``) go in through :meth:`Nevergrad.inject`: they wait in the state and each
of the next asks hands one out, in order, by Nevergrad's own ``suggest`` (the next ask returns that point; the
log marks such an ask :data:`SUGGESTED`, replayed as a suggest of its stored code and an ask). Nevergrad tells
its method such a candidate as one it did not ask (``_internal_tell_not_asked``: most methods learn from it as
from their own); a method that cannot be told one (``TellNotAskedNotSupportedError``) is not told it, and the
point is still evaluated and recorded like any other.
"""

from __future__ import annotations

import difflib
import itertools
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from l2l.errors import ConfigError, L2LError
from l2l.optimizers.base import GLOBAL_STATE_LOCK, MAX_BUDGET, MAX_POPULATION, Optimizer, Problem, State
from l2l.registry import option
from l2l.space import Categorical, Int

ASK = -1
#: An ask that handed out a known point (``run.initial_points``): replayed as Nevergrad's ``suggest`` of the stored
#: code, then an ask. Tells are the indices >= 0.
SUGGESTED = -2


def _release(version: str) -> tuple[int, ...]:
    """(2, 4, 0) of '2.4.0rc1': the leading numbers of a version."""
    numbers = []
    for part in version.split("."):
        digits = "".join(itertools.takewhile(str.isdigit, part))
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers)


def numpy_conflict() -> str | None:
    """Why the installed Nevergrad cannot run beside the installed numpy, or None. Nevergrad 1.0.12 and earlier
    call float() on a one-element array in NGOpt's ask, an error from numpy 2.4 on, after which one of its threads
    keeps the process from exiting (a run hung after the traceback); ``pip install 'l2l[nevergrad]'`` keeps numpy
    below 2.4."""
    from importlib import metadata

    try:
        nevergrad = metadata.version("nevergrad")
    except metadata.PackageNotFoundError:
        return None
    if _release(np.__version__) >= (2, 4) and _release(nevergrad) <= (1, 0, 12):
        return (f"nevergrad {nevergrad} does not work with numpy {np.__version__} (its NGOpt fails in ask and "
                f"hangs the process): pip install 'numpy<2.4' (the nevergrad extra pins it) or a newer nevergrad")
    return None


def _nevergrad():
    conflict = numpy_conflict()  # before the import, which takes seconds
    if conflict:
        raise ConfigError(f"optimizer 'nevergrad': {conflict}")
    try:
        import nevergrad
    except ImportError as error:
        raise ConfigError("optimizer 'nevergrad' needs the nevergrad package: pip install 'l2l[nevergrad]'") \
            from error
    return nevergrad


def parametrization(problem: Problem, seed: int):
    """The Nevergrad parametrization of the space, its random state seeded from ``seed``.

    Nevergrad seeds each new parameter from ``numpy.random``'s global generator (seeds that the one seeded
    here then replaces); that generator is put back as it was, under :data:`GLOBAL_STATE_LOCK`, so a run leaves
    a program's ``np.random`` draws as they would have been."""
    ng = _nevergrad()
    with GLOBAL_STATE_LOCK:
        saved = np.random.get_state()
        try:
            return _parametrization(ng, problem, seed)
        finally:
            np.random.set_state(saved)


def _parametrization(ng: Any, problem: Problem, seed: int):
    entries: dict[str, Any] = {}
    for p in problem.space.parameters:
        if isinstance(p, Categorical):
            entries[p.name] = ng.p.Choice(list(range(len(p.choices))))
        elif isinstance(p, Int):
            if p.low == p.high:
                entries[p.name] = ng.p.Choice([p.low])
            elif p.log:
                entries[p.name] = ng.p.Log(lower=p.low, upper=p.high).set_integer_casting()
            else:
                entries[p.name] = ng.p.Scalar(lower=p.low, upper=p.high).set_integer_casting()
        else:
            low, high = p.code_bounds()
            default = np.asarray(p.default_code(), dtype=float).reshape(-1)
            if np.all(np.isfinite(low)) and np.all(np.isfinite(high)):
                entries[p.name] = ng.p.Array(init=np.clip(default, low, high), lower=low, upper=high)
            else:
                sigma = float(np.mean(p.code_scale()))
                entries[p.name] = ng.p.Array(init=default).set_mutation(sigma=sigma)
    out = ng.p.Dict(**entries)
    out.random_state = np.random.RandomState(int(np.random.SeedSequence(seed, spawn_key=(13,)).generate_state(1)[0]))
    return out


def to_code(problem: Problem, value: dict[str, Any]) -> np.ndarray:
    """The code vector of one Nevergrad ``Dict`` value."""
    parts = []
    for p in problem.space.parameters:
        v = value[p.name]
        if isinstance(p, Categorical):
            parts.append(np.array([float(v)]))
        elif isinstance(p, Int):
            parts.append(p.encode(int(v)))
        else:
            parts.append(np.asarray(v, dtype=float).reshape(-1))
    return np.concatenate(parts)


def to_value(problem: Problem, code: np.ndarray) -> dict[str, Any]:
    """The Nevergrad ``Dict`` value of one code vector (the inverse of :func:`to_code`)."""
    code = np.asarray(code, dtype=float)
    value: dict[str, Any] = {}
    for p, part in zip(problem.space.parameters, problem.space._slices):
        if isinstance(p, Categorical):
            value[p.name] = int(round(float(code[part][0])))
        elif isinstance(p, Int):
            value[p.name] = p.decode(code[part])
        else:
            value[p.name] = code[part].copy()
    return value


@dataclass
class _Live:
    """A Nevergrad optimizer, the candidates it asked, and the log (of one seed) it has been fed."""

    optimizer: Any
    seed: int
    candidates: list
    codes: np.ndarray
    events: np.ndarray
    losses: np.ndarray

    def follows(self, state: State) -> bool:
        """Whether ``state``'s log extends the one this optimizer was fed."""
        n, m, k = len(self.events), len(self.codes), len(self.losses)
        return (self.seed == state["seed"] and n <= len(state["events"]) and m <= len(state["codes"])
                and k <= len(state["losses"]) and np.array_equal(self.events, state["events"][:n])
                and np.array_equal(self.codes, state["codes"][:m])
                and np.array_equal(self.losses, state["losses"][:k]))


def _tell_not_asked() -> type[Exception]:
    """Nevergrad's error for a tell of a candidate its method did not ask and cannot learn from."""
    return _nevergrad().errors.TellNotAskedNotSupportedError


@dataclass(frozen=True)
class Nevergrad(Optimizer):
    """Any optimizer of Nevergrad's registry by name (NGOpt, CMA, TwoPointsDE, ...); needs l2l[nevergrad]."""

    name: ClassVar[str] = "nevergrad"
    supports_async: ClassVar[bool] = True
    needs_bounds: ClassVar[bool] = False
    #: Known points are handed out by Nevergrad's ``suggest`` (:meth:`inject`).
    takes_initial_points: ClassVar[bool] = True

    method: str = option("NGOpt", help="name of an optimizer in Nevergrad's registry (nevergrad.optimizers.registry)")
    population_size: int = option(10, help="candidates asked per generation", ge=1, le=MAX_POPULATION)
    budget: int | None = option(None, help="evaluations the run will spend, told to the method (NGOpt chooses by "
                                           "it; default: 100 per dimension); the run is done when they are asked",
                                ge=1, le=MAX_BUDGET)
    num_workers: int | None = option(None, help="most candidates asked and not yet told at any time, told to the "
                                                "method (default: population_size)", ge=1, le=MAX_POPULATION)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_live", [])

    def check(self, problem: Problem) -> None:
        super().check(problem)
        registry = _nevergrad().optimizers.registry
        if self.method not in registry:
            close = difflib.get_close_matches(self.method, list(registry), n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else "; e.g. 'NGOpt', 'CMA', 'TwoPointsDE'"
            raise ConfigError(f"optimizer 'nevergrad': method {self.method!r} is not in Nevergrad's registry{hint}")

    # -- state -----------------------------------------------------------------
    def init(self, problem: Problem, seed: int) -> State:
        return {"seed": int(seed), "codes": np.empty((0, problem.space.dimension)),
                "events": np.empty(0, dtype=np.int64), "losses": np.empty(0)}

    def _build(self, problem: Problem, seed: int):
        ng = _nevergrad()
        self.check(problem)
        return ng.optimizers.registry[self.method](parametrization=parametrization(problem, seed),
                                                   budget=self.evaluations(problem),
                                                   num_workers=self.num_workers or self.population_size)

    def _synced(self, problem: Problem, state: State) -> _Live:
        """The live Nevergrad optimizer after every event of ``state`` (replayed from the log if need be)."""
        live = self._live[0] if self._live else None
        events = state["events"]
        if live is None or not live.follows(state):
            dimension = problem.space.dimension
            live = _Live(self._build(problem, state["seed"]), state["seed"], [], np.empty((0, dimension)),
                         np.empty(0, dtype=np.int64), np.empty(0))
        told = len(live.losses)
        for event in events[len(live.events):]:
            if event in (ASK, SUGGESTED):
                i = len(live.candidates)
                if event == SUGGESTED:
                    live.optimizer.suggest(to_value(problem, state["codes"][i]))
                candidate = live.optimizer.ask()
                if not np.allclose(to_code(problem, candidate.value), state["codes"][i], rtol=1e-9, atol=1e-12):
                    raise L2LError(f"optimizer 'nevergrad': replaying method {self.method!r} asked another "
                                   f"candidate than the stored one (number {i}); this method is not "
                                   f"deterministic, so the run cannot be resumed exactly")
                live.candidates.append(candidate)
            else:
                try:
                    live.optimizer.tell(live.candidates[int(event)], float(state["losses"][told]))
                except _tell_not_asked():  # a known point, of a method that cannot learn from one it did not ask
                    pass
                told += 1
        live.codes, live.events, live.losses = state["codes"].copy(), events.copy(), state["losses"].copy()
        self._live[:] = [live]
        return live

    # -- the contract ----------------------------------------------------------
    def ask(self, problem: Problem, state: State, n: int | None = None) -> tuple[np.ndarray, State]:
        size = self.population_size if n is None else max(int(n), 0)
        out = len(state["codes"]) - int(np.sum(state["events"] >= 0))
        workers = self.untold_limit()
        if out + size > workers:
            # Nevergrad's methods expect at most num_workers candidates out at once; sequential ones (NGOpt
            # picks them for one worker) would wait forever for a result.
            raise L2LError(f"optimizer 'nevergrad': asking {size} more candidates would leave {out + size} "
                           f"untold, more than num_workers = {workers} told to method {self.method!r}; "
                           f"set num_workers to the most evaluations that run at once")
        # The lock: warnings.catch_warnings is not thread-safe; two runs' asks interleaved left
        # ('ignore', None, Warning) in the process's filters.
        with GLOBAL_STATE_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            live = self._synced(problem, state)
            pending = state.get("initial_pending")
            given = 0 if pending is None else min(size, len(pending))
            rows = []
            for k in range(size):
                if k < given:  # a known point: Nevergrad's next ask returns it
                    live.optimizer.suggest(to_value(problem, pending[k]))
                try:
                    candidate = live.optimizer.ask()
                except ImportError as error:  # NGOpt picks FCMA for a space of one-valued parameters
                    raise ConfigError(f"optimizer 'nevergrad': method {self.method!r} turned to one that needs a "
                                      f"package not installed ({str(error).strip()}); install it or choose "
                                      f"another method") from None
                live.candidates.append(candidate)
                rows.append(to_code(problem, candidate.value))
        candidates = np.array(rows, dtype=float).reshape(size, problem.space.dimension)
        if given:  # the points as given (Nevergrad's value of a point is the point, up to its int casting)
            candidates[:given] = pending[:given]
        kinds = np.full(size, ASK, dtype=np.int64)
        kinds[:given] = SUGGESTED
        new = {**state, "codes": np.vstack([state["codes"], candidates]),
               "events": np.concatenate([state["events"], kinds])}
        if pending is not None:
            if len(pending) > given:
                new["initial_pending"] = pending[given:]
            else:
                del new["initial_pending"]
        live.codes, live.events = new["codes"].copy(), new["events"].copy()
        return candidates, new

    def tell(self, problem, state, candidates, scores, outputs=None) -> State:
        """Results of asked candidates (any subset, any order); ConfigError (a ValueError) for a candidate that was not
        asked."""
        candidates = np.asarray(candidates, dtype=float).reshape(-1, problem.space.dimension)
        scalar = self.scalar_scores(problem, np.asarray(scores, dtype=float).reshape(len(candidates), -1))
        told_already = set(state["events"][state["events"] >= 0].tolist())
        free = np.array([i not in told_already for i in range(len(state["codes"]))], dtype=bool)
        indices = []
        for row in candidates:
            hits = np.flatnonzero(free & np.all(state["codes"] == row, axis=1))
            if not len(hits):
                wanted = problem.space.canonical(row)
                hits = np.flatnonzero(free & np.array([np.allclose(problem.space.canonical(c), wanted)
                                                       for c in state["codes"]], dtype=bool))
            if not len(hits):
                raise ConfigError(f"optimizer 'nevergrad': told candidate {row.tolist()} was not asked, or was told "
                                  f"already")
            free[hits[0]] = False
            indices.append(int(hits[0]))
        losses = np.where(np.isfinite(scalar), -scalar, np.inf)
        return {**state, "events": np.concatenate([state["events"], np.array(indices, dtype=np.int64)]),
                "losses": np.concatenate([state["losses"], losses])}

    def inject(self, problem: Problem, state: State, candidates: np.ndarray) -> State:
        """The state in which ``candidates`` (rows of codes: known points, ``run.initial_points``) are the next
        candidates asked, in order, after any injected before; each ask hands one out by Nevergrad's ``suggest``,
        and its result is told to the method like any other."""
        points = np.asarray(candidates, dtype=float).reshape(-1, problem.space.dimension)
        pending = state.get("initial_pending")
        return {**state, "initial_pending": points if pending is None else np.vstack([pending, points])}

    def untold_limit(self) -> int:
        """The most candidates asked and not yet told at any time (a run's policy is checked against it)."""
        return int(self.num_workers or self.population_size)

    def evaluations(self, problem: Problem) -> int:
        """The budget told to Nevergrad."""
        return self.budget or 100 * problem.space.dimension

    def done(self, problem: Problem, state: State) -> bool:
        return len(state["codes"]) >= self.evaluations(problem)
