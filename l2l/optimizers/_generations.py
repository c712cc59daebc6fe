"""Any number of candidates asked, any subset told, for optimizers that update once per generation.

Population methods (CMA-ES, evolution strategies, cross-entropy, NSGA, the
Metropolis chains, the Kalman ensemble, gradient probes) sample a whole
generation from their state and update the state from the whole generation.
:class:`Generational` lets them take part in runs that ask for as many
candidates as there are free workers and tell results as they come:

* ``ask(n)`` hands out the next ``n`` members of the generation sampled
  last; when none is left it samples another generation *from the same
  state* (no update happened in between), so asking never waits for results.
  ``ask()`` without ``n`` hands out what is left of the last generation, or a
  whole new one. An optimizer may size a new generation by what is still
  wanted (``_sized_generation``): gradient descent adds line-search points,
  NSGA-II more offspring, the Metropolis chains more proposals, so a batch of
  16 is one generation rather than several sampled from the same state.
* ``tell`` takes any subset of what was asked, in any order. A result is
  matched to the asked row it belongs to (exactly, or after rounding both to
  the values they decode to). The state is updated once every member of a
  generation has been told, with the members in the order they were sampled,
  so mirrored pairs, chains and ensemble members keep their places.
  Generations complete in any order and each updates the state when it does.
* Telling a candidate that was never asked (or already told) raises
  ``ValueError``.

A generational optimizer told a small budget (:class:`BudgetSized`, below 20 evaluations per dimension)
samples a Latin hypercube first and starts from its best point; see ``docs/optimizers.md``.

Asked and told members wait in the state as arrays (``queued``, ``asked``,
``told`` with their ``[generation, index]`` slots), so a run stopped between
two tells resumes exactly.

Known points (``run.initial_points``) go in through :meth:`Generational.inject`, for the optimizers that
declare ``takes_initial_points``: each becomes the next member handed out, in place of the optimizer's own
member of the generation it falls in (the first generation's first members; more points than a generation fill
the next ones as they are sampled, after the earlier ones were told). They are told with their generation like
any member, so its update (selection, elites, recombination) uses them. An optimizer that searches around a mean
starts it at the first point (pycma's ``x0``; :meth:`Generational._start_at`), and one whose update reads each
member as a step from its distribution (CMA-ES, the evolution strategies) clips the injected points' steps first
(:meth:`Generational._injected`), as CMA-ES does for injected solutions (Hansen 2011).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.errors import ConfigError
from l2l.optimizers._common import Frame, finite_scores
from l2l.optimizers.base import MAX_POPULATION, Optimizer, Problem, State, new_rng_state, rng_from_state, rng_state
from l2l.registry import option

LEDGER = ("queued", "queued_slot", "asked", "asked_slot", "told", "told_slot", "told_scores", "told_outputs",
          "generations_sampled")


@dataclass(frozen=True)
class Generational(Optimizer):
    """Base of the optimizers that sample and update whole generations (see the module documentation)."""

    generational: ClassVar[bool] = True
    #: True if :meth:`inject` puts known points into the generations (``run.initial_points``); False: it
    #: returns None and the run refuses the points (see :mod:`l2l.initial_points`).
    takes_initial_points: ClassVar[bool] = False

    # -- what a subclass provides ---------------------------------------------------
    def _init_state(self, problem: Problem, seed: int) -> State:
        raise NotImplementedError

    def _next_generation(self, problem: Problem, state: State) -> tuple[np.ndarray, State]:
        """A whole generation sampled from ``state`` (which ``generations_sampled`` counts)."""
        raise NotImplementedError

    def _sized_generation(self, problem: Problem, state: State, wanted: int | None) -> tuple[np.ndarray, State]:
        """A whole generation for an ask that still wants ``wanted`` candidates (None: ``ask()`` without ``n``).

        By default the optimizer's own generation, whatever is wanted; an optimizer that can use a larger
        batch at once (more probes, offspring or proposals from the same state) overrides this.
        """
        return self._next_generation(problem, state)

    def _update(self, problem: Problem, state: State, candidates: np.ndarray, scores: np.ndarray,
                outputs: np.ndarray | None) -> State:
        """The state after a whole generation was told, members in the order they were sampled."""
        raise NotImplementedError

    def _update_generation(self, problem: Problem, state: State, number: int, candidates: np.ndarray,
                           scores: np.ndarray, outputs: np.ndarray | None) -> State:
        """:meth:`_update` for generation ``number`` (its place in ``generations_sampled``): an optimizer that set
        something aside when it sampled that generation (the GA's unchanged copies) takes it back here."""
        return self._update(problem, state, candidates, scores, outputs)

    def _design_size(self, problem: Problem) -> int:
        """Candidates of the space-filling start-up design (0: none; see :class:`BudgetSized`)."""
        return 0

    def _start_from(self, problem: Problem, state: State, candidates: np.ndarray, scalar: np.ndarray,
                    spacing: float) -> State:
        """The state after the start-up design was told: ``candidates`` (codes) and their scalar scores, best
        first; ``spacing`` is the design's typical distance between neighbours, in frame units."""
        raise NotImplementedError

    def _start_at(self, problem: Problem, state: State, point: np.ndarray) -> State:
        """The state before any generation was sampled, made to start from ``point`` (codes: the first injected
        point): a search around a mean (a ``mean`` in its state: cmaes, nes, cross-entropy, face) starts its mean
        there (pycma's ``x0``); any other is unchanged."""
        return {**state, "mean": Frame(problem).to_frame(point)} if "mean" in state else state

    def _injected(self, problem: Problem, state: State, candidates: np.ndarray, given: np.ndarray) -> np.ndarray:
        """The members of a told generation (codes, in the order sampled) as its update reads them, where
        ``given`` marks those that were injected points: by default unchanged; an optimizer whose update reads a
        member as a step from its distribution clips the injected ones' steps here."""
        return candidates

    # -- the contract ---------------------------------------------------------------
    def init(self, problem: Problem, seed: int) -> State:
        state = {**self._init_state(problem, seed), **_empty_ledger(problem)}
        size = self._design_size(problem)
        if size:  # only then: a run without a small budget has the state (and the run) it always had
            state.update(design_size=size, design_generation=-1, design_rng=new_rng_state(seed, 23),
                         design_budget=int(getattr(self, "budget")))
        return state

    def inject(self, problem: Problem, state: State, candidates: np.ndarray) -> State | None:
        """The state in which ``candidates`` (rows of codes: known points) are the next members handed out, in
        order, each in place of the optimizer's own member of the generation it falls in (members queued already
        first, then the generations sampled next); None if this optimizer does not take points
        (:attr:`takes_initial_points`). Told with their generation, they are part of its update. Injected before
        anything was sampled, the search starts from the first point where it has a mean (:meth:`_start_at`)."""
        if not self.takes_initial_points:
            return None
        state = {**_empty_ledger(problem), **state}
        points = np.asarray(candidates, dtype=float).reshape(-1, problem.space.dimension)
        pending = state.get("initial_pending")
        if len(points) and pending is None and state["generations_sampled"] == 0 and "injected_slot" not in state:
            state = self._start_at(problem, state, points[0])
        state = {**state, "initial_pending": points if pending is None else np.vstack([pending, points]),
                 "injected_slot": state.get("injected_slot", np.empty((0, 2), dtype=np.int64))}
        queued, state = _placed(state, state["queued"], state["queued_slot"])
        return {**state, "queued": queued}

    def ask(self, problem: Problem, state: State, n: int | None = None) -> tuple[np.ndarray, State]:
        state = {**_empty_ledger(problem), **state}  # a state written before the ledger existed has none
        queued, slots = state["queued"], state["queued_slot"]
        want = None if n is None else max(int(n), 0)
        while (len(queued) == 0) if want is None else (len(queued) < want):
            number = state["generations_sampled"]
            if state.get("design_generation") == -1:
                candidates, state = self._design(problem, state, 0 if want is None else want - len(queued))
                state["design_generation"] = number
            else:
                candidates, state = self._sized_generation(problem, state,
                                                           None if want is None else want - len(queued))
            candidates = np.asarray(candidates, dtype=float).reshape(-1, problem.space.dimension)
            if len(candidates) == 0:
                break
            new_slots = np.stack([np.full(len(candidates), number), np.arange(len(candidates))], axis=1)
            if "initial_pending" in state:  # known points in place of this generation's first members
                candidates, state = _placed(state, candidates, new_slots)
            queued = np.vstack([queued, candidates])
            slots = np.vstack([slots, new_slots]).astype(np.int64)
            state["generations_sampled"] = number + 1
        take = len(queued) if want is None else min(want, len(queued))
        out = queued[:take].copy()
        state.update(queued=queued[take:], queued_slot=slots[take:],
                     asked=np.vstack([state["asked"], out]),
                     asked_slot=np.vstack([state["asked_slot"], slots[:take]]).astype(np.int64))
        return out, state

    def tell(self, problem: Problem, state: State, candidates: np.ndarray, scores: np.ndarray,
             outputs: np.ndarray | None = None) -> State:
        dimension = problem.space.dimension
        state = {**_empty_ledger(problem), **state}
        candidates = np.asarray(candidates, dtype=float).reshape(-1, dimension)
        scores = np.asarray(scores, dtype=float).reshape(len(candidates), problem.n_objectives)
        rows = _match(problem, state["asked"], candidates, self.name)
        keep = np.ones(len(state["asked"]), dtype=bool)
        keep[rows] = False
        told_outputs = state["told_outputs"]
        if outputs is not None:
            outputs = np.asarray(outputs, dtype=float).reshape(len(candidates), -1)
            told_outputs = outputs if told_outputs is None else np.vstack([told_outputs, outputs])
        state = {**state, "asked": state["asked"][keep], "asked_slot": state["asked_slot"][keep],
                 "told": np.vstack([state["told"], state["asked"][rows]]),
                 "told_slot": np.vstack([state["told_slot"], state["asked_slot"][rows]]).astype(np.int64),
                 "told_scores": np.vstack([state["told_scores"], scores]), "told_outputs": told_outputs}
        return self._complete(problem, state)

    def _complete(self, problem: Problem, state: State) -> State:
        """Update the state with every generation whose members have all been told, oldest first."""
        waiting = set(state["queued_slot"][:, 0].tolist()) | set(state["asked_slot"][:, 0].tolist())
        for number in sorted(set(state["told_slot"][:, 0].tolist()) - waiting):
            members = state["told_slot"][:, 0] == number
            order = np.flatnonzero(members)[np.argsort(state["told_slot"][members, 1], kind="stable")]
            outputs = None if state["told_outputs"] is None else state["told_outputs"][order]
            rest = ~members
            told = candidates = state["told"][order]
            if len(state.get("injected_slot", ())):
                injected = state["injected_slot"]
                mine = injected[:, 0] == number
                if mine.any():
                    given = np.isin(state["told_slot"][order, 1], injected[mine, 1])
                    state = {**state, "injected_slot": injected[~mine]}
                    if number != state.get("design_generation"):
                        candidates = self._injected(problem, state, candidates, given)
            if number == state.get("design_generation"):
                updated = self._started(problem, state, candidates, state["told_scores"][order])
            else:
                updated = self._update_generation(problem, state, int(number), candidates,
                                                  state["told_scores"][order], outputs)
                if candidates is not told:  # the best point an update keeps is the point evaluated, not its clip
                    updated = _unclipped_best(updated, told, candidates)
            state = {**updated, "told": state["told"][rest], "told_slot": state["told_slot"][rest],
                     "told_scores": state["told_scores"][rest],
                     "told_outputs": None if state["told_outputs"] is None else state["told_outputs"][rest]}
        return state

    def _design(self, problem: Problem, state: State, wanted: int) -> tuple[np.ndarray, State]:
        """The start-up design: a Latin hypercube of ``design_size`` points (or of a larger batch asked at
        once) in the frame's unit cube."""
        rng = rng_from_state(state["design_rng"])
        size, dimension = int(state["design_size"]), problem.space.dimension
        if wanted > 1:  # whole batches, so that no batch mixes the design with samples of the state before it
            size = wanted * max(1, round(size / wanted))
        units = latin_hypercube(rng, size, dimension)
        return Frame(problem).from_frame(units), {**state, "design_rng": rng_state(rng)}

    def _started(self, problem: Problem, state: State, candidates: np.ndarray, scores: np.ndarray) -> State:
        scalar = finite_scores(self.scalar_scores(problem, scores))
        order = np.argsort(-scalar, kind="stable")
        spacing = float(len(candidates) ** (-1.0 / problem.space.dimension))
        return self._start_from(problem, state, candidates[order], scalar[order], spacing)


def clipped_steps(problem: Problem, candidates: np.ndarray, given: np.ndarray, mean: np.ndarray,
                  scale: np.ndarray | float, whiten: np.ndarray | None = None) -> np.ndarray:
    """``candidates`` with the rows ``given`` (injected points) moved toward ``mean`` until their step
    ``(x - mean) / scale`` (frame units; times ``whiten``, an inverse square root of the covariance, when given)
    is at most ``sqrt(n) + 2 n / (n + 2)`` long, the longest a sampled step of n standard normals typically has
    (pycma's repair of injected solutions); the other rows as they are."""
    frame = Frame(problem)
    n = problem.space.dimension
    steps = (frame.to_frame(candidates[given]) - mean) / scale
    lengths = np.linalg.norm(steps if whiten is None else steps @ whiten.T, axis=1)
    limit = math.sqrt(n) + 2 * n / (n + 2)
    factor = np.minimum(1.0, limit / np.maximum(lengths, 1e-300))
    out = np.array(candidates, dtype=float)
    out[given] = frame.from_frame(mean + scale * steps * factor[:, None])
    return out


def _unclipped_best(state: State, told: np.ndarray, clipped: np.ndarray) -> State:
    """``state`` whose ``best`` (the best point an optimizer keeps, es and nes) is the evaluated point where its
    update kept the clipped step of an injected one (:meth:`Generational._injected`)."""
    best = state.get("best")
    if best is None:
        return state
    for row in np.flatnonzero(np.any(told != clipped, axis=1)):
        if np.array_equal(best, clipped[row]):
            return {**state, "best": told[row].copy()}
    return state


def _placed(state: State, candidates: np.ndarray, slots: np.ndarray) -> tuple[np.ndarray, State]:
    """``candidates`` (with their ``slots``) with the pending known points in place of the first rows that are
    no point already, and the state with those points no longer pending and their slots marked injected."""
    pending, injected = state["initial_pending"], state["injected_slot"]
    slots = np.asarray(slots, dtype=np.int64).reshape(-1, 2)
    free = np.flatnonzero(~(slots[:, None, :] == injected[None, :, :]).all(axis=2).any(axis=1))[:len(pending)]
    if not len(free):
        return candidates, state
    candidates = np.array(candidates, dtype=float)
    candidates[free] = pending[:len(free)]
    rest = pending[len(free):]
    state = {**state, "injected_slot": np.vstack([injected, slots[free]]).astype(np.int64)}
    if len(rest):
        state["initial_pending"] = rest
    else:
        del state["initial_pending"]
    return candidates, state


def latin_hypercube(rng: np.random.Generator, size: int, dimension: int) -> np.ndarray:
    """``size`` points in the unit cube, one in each of ``size`` equal slices of every coordinate."""
    strata = np.stack([rng.permutation(size) for _ in range(dimension)], axis=1)
    return (strata + rng.random((size, dimension))) / size


#: Below this many evaluations per dimension a budget is small (see :class:`BudgetSized`); at and above it
#: the optimizers run exactly as without a budget.
SMALL_BUDGET_PER_DIMENSION = 20


#: Options that set the size of a generation or of the start-up trials: set to anything but their defaults,
#: the run keeps them and gets no start-up design (as ``auto`` keeps an explicit ``population_size``).
SIZE_OPTIONS = ("population_size", "min_population_size", "max_population_size", "increment",
                "n_random_directions", "n_startup_trials")


def sized_by_default(optimizer: Optimizer) -> bool:
    """True if every option of ``optimizer`` that sizes its generations is at its default."""
    import dataclasses

    return all(getattr(optimizer, f.name) == f.default for f in dataclasses.fields(optimizer)
               if f.name in SIZE_OPTIONS)


def design_size(budget: int | None, dimension: int, share: float) -> int:
    """Candidates of the start-up design for a run of ``budget`` evaluations (0: the budget is not small)."""
    if not budget or budget >= SMALL_BUDGET_PER_DIMENSION * dimension or share <= 0:
        return 0
    return max(2, int(share * budget))


@dataclass(frozen=True)
class BudgetSized(Generational):
    """A generational optimizer told the run's budget (``run.evaluations``). Below
    :data:`SMALL_BUDGET_PER_DIMENSION` evaluations per dimension it spends ``design_share`` of them on a
    space-filling design (a Latin hypercube over the ranges; whole batches when a batch is asked first) and
    starts from the design's best point(s), with steps and populations sized to the design's spacing and to
    what is left of the budget (``_start_from``, ``_small``). At and above that budget nothing changes: the
    state has no design and the run is the one without a budget. The choice of the budget is kept in the state,
    so a resumed run continues the same way whatever budget it is told then."""

    #: The share of a small budget spent on the start-up design, and the initial step after it as a fraction
    #: of the design's spacing.
    design_share: ClassVar[float] = 0.35
    start_step: ClassVar[float] = 0.15
    #: Generations a population sized by :meth:`_small` leaves room for after the design.
    small_generations: ClassVar[float] = 3

    budget: int | None = option(None, help="evaluations of the whole run (default: run.evaluations); below 20 "
                                "per dimension the run starts from a space-filling design", ge=1,
                                le=MAX_POPULATION * 1000)

    def _design_size(self, problem: Problem) -> int:
        if problem.n_objectives > 1 and not self._scalarizes():  # the design's best needs one score
            return 0
        if not sized_by_default(self):
            return 0
        return design_size(self.budget, problem.space.dimension, self.design_share)

    def _small(self, state: State, default: int, minimum: int = 4) -> int:
        """``default``, or after a start-up design (a small budget) a size that leaves the rest of the budget
        room for ``small_generations`` generations (never more than ``default`` nor less than ``minimum``)."""
        if "design_budget" not in state:
            return default
        rest = state["design_budget"] - state["design_size"]
        return int(max(minimum, min(default, rest // self.small_generations)))


def _empty_ledger(problem: Problem) -> State:
    dimension = problem.space.dimension
    no_slots = np.empty((0, 2), dtype=np.int64)
    return {"queued": np.empty((0, dimension)), "queued_slot": no_slots,
            "asked": np.empty((0, dimension)), "asked_slot": no_slots,
            "told": np.empty((0, dimension)), "told_slot": no_slots,
            "told_scores": np.empty((0, problem.n_objectives)), "told_outputs": None, "generations_sampled": 0}


def _match(problem: Problem, asked: np.ndarray, candidates: np.ndarray, optimizer_name: str = "") -> np.ndarray:
    """Index into ``asked`` of each told candidate (each asked row used once); ConfigError (a ValueError) naming
    the optimizer ``optimizer_name`` if one was not asked.

    Exact matches are found through a table of the asked rows' bytes (linear in the population); only a
    candidate without one (changed by a round trip through the file) is compared with every asked row.
    """
    free = np.ones(len(asked), dtype=bool)
    rows = np.empty(len(candidates), dtype=np.int64)
    exact: dict[bytes, list[int]] = {}
    asked = np.ascontiguousarray(asked, dtype=float)
    for index in range(len(asked) - 1, -1, -1):  # popped from the end: the first free row comes first
        exact.setdefault(asked[index].tobytes(), []).append(index)
    canonical_asked = None
    for i, row in enumerate(np.ascontiguousarray(candidates, dtype=float)):
        same = exact.get(row.tobytes())
        while same and not free[same[-1]]:
            same.pop()
        if same:
            hit = same.pop()
        else:
            if canonical_asked is None:
                canonical_asked = np.array([problem.space.canonical(a) for a in asked]).reshape(asked.shape)
            wanted = problem.space.canonical(row)
            hits = np.flatnonzero(free & np.all(np.isclose(canonical_asked, wanted, rtol=1e-9, atol=1e-12), axis=1))
            if not len(hits):
                raise ConfigError(f"optimizer {optimizer_name!r}: told candidate {i} ({row.tolist()}) was not asked, "
                                  f"or was told already")
            hit = int(hits[0])
        rows[i] = hit
        free[hit] = False
    return rows
