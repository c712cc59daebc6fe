"""The scheduling policy contract: who decides what runs next, and for how long.

The loop's two roles are kept apart (as Ray Tune keeps its searcher and its
scheduler): the **optimizer** proposes new candidates and is told results; the
**policy** decides what the free workers do next, one :class:`Action` at a
time: start a new candidate at some budget, continue a paused one to a higher
budget (from its checkpoint), wait for running segments, or finish.

A policy is a frozen dataclass of options (like an optimizer); everything it
remembers lives in a JSON-able ``state`` dict that the loop stores with every
commit, so a resumed run makes exactly the decisions an uninterrupted one
makes. It sees the candidates ("trials") through a read-only
:class:`TrialTable`: for each trial the budget it reached, its score at every
budget it was evaluated at, and whether a segment of it is running. Scores
are larger-is-better numbers (the loop negates minimized objectives and gives
failed segments the run's penalty), so policies never think about directions.

Budgets are in the simulator's fidelity units (training iterations, examples,
seconds of biological time). The rungs of the geometric schedules are
``max_budget * eta**(k - K)`` for ``k = 0..K`` with ``K = floor(log_eta(max/min))``.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable

import numpy as np

from l2l.errors import ConfigError
from l2l.numbers import number
from l2l.registry import option

State = dict[str, Any]


@dataclass(frozen=True)
class Action:
    """What one free worker does next.

    ``kind`` is ``"start"`` (a new candidate at ``budget``; ``code``, a point
    of the unit cube, if the policy proposes it itself, else the optimizer is
    asked), ``"batch"`` (a whole generation from the optimizer, run at once
    and told together), ``"continue"``
    (trial ``trial`` up to ``budget``), ``"wait"`` (nothing to do until a
    running segment reports) or ``"done"`` (the schedule is complete).
    """

    kind: str
    budget: float = 0.0
    trial: int = -1
    code: tuple[float, ...] | None = None
    #: A "start" that continues from the checkpoint of trial ``parent`` (exploitation, in population-based
    #: training) instead of from scratch; -1: from scratch.
    parent: int = -1
    #: A "start" of ``run.initial_points[initial]`` (a policy that proposes its candidates itself hands out the
    #: run's known good configurations first, see :attr:`TrialTable.initial_points`); -1: not one of them.
    initial: int = -1


WAIT = Action("wait")
DONE = Action("done")


def budget_key(budget: float) -> str:
    """The key of a budget in JSON-able dicts (budgets are floats; keys must be strings)."""
    return repr(float(budget))


class TrialTable:
    """Read-only view of the run's trials, as the loop keeps them in its state.

    ``trials`` maps a trial id (str) to ``{"code": [...], "budget": reached,
    "scores": {budget_key: score}, "running": bool}``.
    """

    def __init__(self, trials: dict[str, dict[str, Any]], to_unit: Any = None, loop: dict[str, Any] | None = None,
                 space: Any = None, compute_budget: float = 0.0, index: "ScoreIndex | None" = None,
                 initial_points: int = 0):
        self._trials = trials
        #: The scores by budget as arrays, kept by whoever writes the trials (the driver) through
        #: :meth:`ScoreIndex.update`; None: every question is answered from the trials themselves, as fast
        #: as a pass over them (a table of a test, or of a stored state that nothing writes to).
        self.index = index
        self._to_unit = to_unit
        self._loop = loop if loop is not None else {}
        #: The run's compute budget in fidelity units (``run.compute``; 0: not a multi-fidelity run).
        self.compute_budget = float(compute_budget)
        #: The run's parameter space (for policies that change parameters, such as PBT's explore step).
        self.space = space
        #: How many configurations the run gives in ``run.initial_points`` (a policy that proposes candidates
        #: itself starts them first: ``Action("start", budget, initial=i)``, i counted in its own state).
        self.initial_points = int(initial_points)
        #: Indexes a policy derives from its state and this table (never stored: a resumed run, with a new
        #: table, derives them again), so that a decision need not pass over every trial.
        self.cache: dict[str, Any] = {}
        self._sorted: tuple[int, list[tuple[int, str]]] | None = None

    @property
    def committed(self) -> int:
        """How many commits (generations) the run has made."""
        return int(self._loop.get("generation", 0))

    @property
    def compute(self) -> float:
        """Fidelity units the run has spent so far (segments finished)."""
        return float(self._loop.get("compute", 0.0))

    @property
    def launched(self) -> int:
        """How many candidates the run has started (the next trial's id)."""
        return int(self._loop.get("next_trial", 0))

    def __len__(self) -> int:
        return len(self._trials)

    def ids(self) -> list[int]:
        return [trial for trial, _ in self._keys()]

    def _keys(self) -> list[tuple[int, str]]:
        """Every trial's id and key, by id; sorted again only when trials were added (they are never removed)."""
        if self._sorted is None or self._sorted[0] != len(self._trials):
            self._sorted = (len(self._trials), sorted((int(k), k) for k in self._trials))
        return self._sorted[1]

    def any_running(self) -> bool:
        """True if a segment of some trial is running (its result may change what a policy does next)."""
        return any(record["running"] for record in self._trials.values())

    def score(self, trial: int, budget: float) -> float | None:
        return self._trials[str(trial)]["scores"].get(budget_key(budget))

    def reached(self, trial: int) -> float:
        return float(self._trials[str(trial)]["budget"])

    def running(self, trial: int) -> bool:
        return bool(self._trials[str(trial)]["running"])

    def failed(self, trial: int) -> bool:
        """True if the trial's last segment failed (its score is then the run's penalty)."""
        return not self._trials[str(trial)].get("ok", True)

    def failed_at(self, trial: int, budget: float) -> bool:
        """True if the trial's segment that ended at ``budget`` failed (a failed trial goes no further)."""
        return self.failed(trial) and abs(self.reached(trial) - float(budget)) < 1e-9

    def parent(self, trial: int) -> int:
        """The trial whose checkpoint this one started from (-1: from scratch)."""
        return int(self._trials[str(trial)].get("parent", -1))

    def code(self, trial: int) -> np.ndarray:
        """The trial's parameters as a code of the space (see :class:`l2l.space.Space`)."""
        return np.asarray(self._trials[str(trial)]["code"], dtype=float)

    def unit_code(self, trial: int) -> np.ndarray:
        """The trial's parameters as a point of the unit cube (what model-based policies work in)."""
        code = np.asarray(self._trials[str(trial)]["code"], dtype=float)
        return code if self._to_unit is None else np.asarray(self._to_unit(code[None, :]))[0]

    def unit_codes(self, trials: list[int], dimension: int) -> np.ndarray:
        """The unit codes of ``trials``, one row each (as :meth:`unit_code`, converted in one call)."""
        if not trials:
            return np.zeros((0, dimension))
        if self.index is not None:
            return self.index.unit_codes(np.asarray(trials, dtype=np.int64), self._trials, self._to_unit, dimension)
        codes = np.array([self._trials[str(t)]["code"] for t in trials], dtype=float)
        return codes if self._to_unit is None else np.asarray(self._to_unit(codes))

    def ranked_at(self, budget: float) -> tuple[np.ndarray, np.ndarray] | None:
        """The trials with a score at ``budget`` ranked best first (ties: the lower id first), with their scores;
        None where a score is NaN (whose place in an order Python's sort leaves to the order it met them in)."""
        if self.index is not None:
            return self.index.ranked_at(budget_key(budget))
        scores = self.scores_at(budget)
        ids = np.fromiter(scores, dtype=np.int64, count=len(scores))
        values = np.fromiter(scores.values(), dtype=float, count=len(scores))
        if np.isnan(values).any():
            return None
        order = np.lexsort((ids, -values))
        return ids[order], values[order]

    def spent(self) -> float:
        """The budgets every trial reached, summed in the order of their ids (left to right, as ``sum`` adds)."""
        if self.index is not None:
            return self.index.spent()
        return sum(self.reached(t) for t in self.ids())

    def to_unit_code(self, code: np.ndarray) -> np.ndarray:
        """A code of the space as a point of the unit cube."""
        code = np.asarray(code, dtype=float)
        return code if self._to_unit is None else np.asarray(self._to_unit(code[None, :]))[0]

    def scores_of(self, trial: int) -> dict[float, float]:
        """Every score of a trial, by budget."""
        return {float(k): v for k, v in self._trials[str(trial)]["scores"].items()}

    def scores_at(self, budget: float, trials: Iterable[int] | None = None) -> dict[int, float]:
        """Score of every trial (of ``trials``) evaluated at ``budget``, by trial id."""
        key, records = budget_key(budget), self._trials
        if trials is None and self.index is not None:
            return self.index.scores_at(key)
        chosen = self._keys() if trials is None else [(t, str(t)) for t in trials]
        found = {}
        for trial, name in chosen:
            scores = records[name]["scores"]
            if key in scores:
                found[trial] = scores[key]
        return found


class ScoreIndex:
    """The trials' scores by budget, their budgets reached and unit codes, as numpy arrays by trial id.

    A model-based policy ranks every candidate at every proposal: read from the trials' dicts, that is a pass
    in Python over all of them, and a run of tens of thousands of cheap candidates spent most of its time
    there (30,000 units of a 4-D sphere: 35 s, of which the policy 30 s). The driver keeps one index per run
    and tells it of every change to a trial's scores (:meth:`update`), so a question costs one numpy
    operation over the trials at one budget. Answers equal those computed from the dicts bit for bit (the
    same float operations, the same order), so a run decides as it did without the index: nothing stored
    depends on it, and a resumed run builds it again from the trials.
    """

    def __init__(self, trials: dict[str, dict[str, Any]]) -> None:
        self._slots: dict[str, dict[int, int]] = {}  # budget key -> trial -> slot in that budget's arrays
        self._ids: dict[str, np.ndarray] = {}
        self._values: dict[str, np.ndarray] = {}
        self._reached = np.zeros(0)
        self._present = np.zeros(0, dtype=bool)
        self._units = np.zeros((0, 0))
        self._known = np.zeros(0, dtype=bool)  # unit code computed
        for key in sorted(trials, key=int):
            self.update(int(key), trials[key])

    def _grow(self, trial: int) -> None:
        if trial < len(self._reached):
            return
        size = max(2 * len(self._reached), trial + 1, 64)
        self._reached = np.concatenate([self._reached, np.zeros(size - len(self._reached))])
        self._present = np.concatenate([self._present, np.zeros(size - len(self._present), dtype=bool)])
        self._known = np.concatenate([self._known, np.zeros(size - len(self._known), dtype=bool)])

    def update(self, trial: int, record: dict[str, Any]) -> None:
        """Take ``record``'s scores and budget reached as trial ``trial``'s (after any change to them)."""
        self._grow(trial)
        self._present[trial] = True
        self._reached[trial] = float(record["budget"])
        for key, score in record["scores"].items():
            slots = self._slots.setdefault(key, {})
            slot = slots.get(trial)
            if slot is None:
                slot = slots[trial] = len(slots)
                ids = self._ids.get(key)
                if ids is None or slot == len(ids):
                    size = max(16, 2 * slot)
                    self._ids[key] = np.concatenate([ids if ids is not None else np.zeros(0, np.int64),
                                                     np.zeros(size - slot, np.int64)])
                    self._values[key] = np.concatenate([self._values[key] if ids is not None else np.zeros(0),
                                                        np.zeros(size - slot)])
                self._ids[key][slot] = trial
            self._values[key][slot] = float(score)

    def drop(self, trial: int) -> None:
        """Forget trial ``trial`` (a policy that forgets told trials)."""
        if trial >= len(self._present) or not self._present[trial]:
            return
        self._present[trial], self._reached[trial] = False, 0.0
        for key, slots in self._slots.items():
            if trial in slots:
                kept = [(t, self._values[key][s]) for t, s in slots.items() if t != trial]
                self._slots[key] = {t: i for i, (t, _) in enumerate(kept)}
                self._ids[key] = np.array([t for t, _ in kept] + [0] * 16, dtype=np.int64)
                self._values[key] = np.array([v for _, v in kept] + [0.0] * 16)

    def _at(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        count = len(self._slots.get(key, ()))
        if not count:
            return np.zeros(0, np.int64), np.zeros(0)
        return self._ids[key][:count], self._values[key][:count]

    def scores_at(self, key: str) -> dict[int, float]:
        ids, values = self._at(key)
        order = np.argsort(ids, kind="stable")
        return dict(zip(ids[order].tolist(), values[order].tolist()))

    def ranked_at(self, key: str) -> tuple[np.ndarray, np.ndarray] | None:
        ids, values = self._at(key)
        if np.isnan(values).any():
            return None
        order = np.lexsort((ids, -values))
        return ids[order], values[order]

    def spent(self) -> float:
        return sum(self._reached[self._present].tolist())  # Python's sum, as over the dicts (3.12 compensates)

    def unit_codes(self, trials: np.ndarray, records: dict[str, dict[str, Any]], to_unit: Any,
                   dimension: int) -> np.ndarray:
        """The unit codes of ``trials`` (each converted once, the first time it is asked for)."""
        if len(trials):
            self._grow(int(trials.max()))
        if self._units.shape[1] != dimension or len(self._units) < len(self._known):
            grown = np.zeros((len(self._known), dimension))
            if self._units.shape[1] == dimension:
                grown[:len(self._units)] = self._units
            else:
                self._known[:] = False
            self._units = grown
        new = trials[~self._known[trials]]
        if len(new):
            codes = np.array([records[str(t)]["code"] for t in new.tolist()], dtype=float)
            self._units[new] = codes if to_unit is None else np.asarray(to_unit(codes))
            self._known[new] = True
        return self._units[trials]


#: Most candidates a policy's sweep may start (``[policy] max_candidates``, or ``population`` for ``pbt``, however
#: set): the halving policies plan their brackets one by one before the run starts, so a count like 10**30
#: (run.generations = 10**30) hung ``l2l run`` (and ``--dry-run``) there without a word.
MAX_CANDIDATES = 1_000_000

#: Most rungs of a geometric schedule (:func:`rung_budgets`). With the default eta = 3, 100 rungs span a factor
#: 3**99 (about 1.7e47) from the lowest budget to the top, far beyond any schedule in use (they have at most a few
#: dozen); an eta just above 1 (1.0000001) asked for tens of millions, and building them hung ``l2l run`` (and
#: ``--dry-run``) without a word.
MAX_RUNGS = 100


def rung_budgets(minimum: float, maximum: float, eta: float, integer: bool = True) -> list[float]:
    """The geometric rungs from ``maximum`` down by factors of ``eta``, none below ``minimum``.

    ConfigError if they are more than :data:`MAX_RUNGS` (counted before whole budgets merge neighbours).
    """
    if not (0 < minimum <= maximum):
        raise ValueError(f"0 < minimum <= maximum must hold, got (minimum={minimum}, maximum={maximum})")
    ratio = maximum / minimum
    span = math.log(ratio) if math.isfinite(ratio) else math.log(maximum) - math.log(minimum)  # ratio beyond 1e308
    if span / math.log(eta) + 1e-9 >= MAX_RUNGS:
        count = math.floor(span / math.log(eta) + 1e-9) + 1
        exact = math.exp(span / (MAX_RUNGS - 1))  # the least eta that gives MAX_RUNGS, shown rounded up
        scale = 10.0 ** (math.floor(math.log10(exact)) - 3)
        least = math.ceil(exact / scale) * scale
        raise ConfigError(f"eta = {eta!r} with min_budget = {number(minimum)} and max_budget = {number(maximum)} gives "
                          f"{count} rungs (budgets a factor eta apart), more than the {MAX_RUNGS} a policy may "
                          f"schedule; give eta = {number(least)} or more, or a min_budget nearer to max_budget")
    levels = int(math.floor(span / math.log(eta) + 1e-9))
    if integer:
        budgets = [float(max(1, round(maximum * eta ** (k - levels)))) for k in range(levels + 1)]
    else:
        # The powers of eta carry a few ulps of error (8.1 / 3**4 is 0.09999999999999999), which every table, plot
        # and the bar showed: the rungs below the top are rounded to RUNG_DIGITS significant digits (far above that
        # error, far below any difference a training budget makes), never below the minimum; the top is the maximum.
        # A run stored before keeps its rungs: they are in its policy state, which a resumed run goes on with.
        budgets = [max(minimum, significant(_rung(maximum, eta, levels - k))) for k in range(levels)] + [maximum]
    out: list[float] = []
    for b in budgets:  # rounding can merge neighbouring rungs at small budgets (or an eta within 1e-12 of 1)
        if not out or b > out[-1]:
            out.append(float(b))
    return out


#: Significant digits of the rungs of a continuous fidelity below the top (:func:`rung_budgets`).
RUNG_DIGITS = 12


def stored_rungs(state: State | None, budgets: Iterable[float]) -> list[float]:
    """The rungs a run goes on with: ``budgets`` (its config's, :func:`rung_budgets`), or those its policy
    ``state`` was made with where they are the same rungs but for rounding. A run stored before the rungs of a
    continuous fidelity were rounded keeps its own (0.8999999999999999, not 0.9): its scores are keyed by them,
    and a resumed run must read them and key new ones alike to decide as an uninterrupted run."""
    budgets = [float(b) for b in budgets]
    stored = state.get("budgets") if isinstance(state, dict) else None
    if not isinstance(stored, list) or len(stored) != len(budgets):
        return budgets
    try:
        stored = [float(b) for b in stored]
    except (TypeError, ValueError):
        return budgets
    return stored if all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(stored, budgets)) else budgets


def _rung(maximum: float, eta: float, down: int) -> float:
    """The rung ``down`` rungs below ``maximum``: ``maximum * eta**-down``, or from logarithms where that power
    underflows (eta = 1e10 between 1e-300 and 1e300 gave rungs of 0, or inexact ones)."""
    power = eta ** -down
    return maximum * power if power >= sys.float_info.min else math.exp(math.log(maximum) - down * math.log(eta))


def significant(value: float) -> float:
    """``value`` rounded to :data:`RUNG_DIGITS` significant digits (0.8999999999999999 -> 0.9): the rungs of the
    policies with rungs, and PBT's budgets (public: l2l.policies.pbt uses it)."""
    return float(f"{value:.{RUNG_DIGITS}g}")


@dataclass(frozen=True)
class Policy:
    """Base class of the scheduling policies.

    ``multi_fidelity`` policies need a simulator with a fidelity; ``proposes``
    policies choose new candidates themselves (a model-based policy, or PBT
    after its first population) instead of asking the optimizer, and the loop
    never tells the optimizer their results (it did not ask for most of them).
    """

    name: ClassVar[str] = "policy"
    multi_fidelity: ClassVar[bool] = True
    proposes: ClassVar[bool] = False
    #: When the loop commits (appends and saves the run state): "seconds" (at most once a second),
    #: "cohort" (when a batch action's candidates are all told) or "count" (every ``commit_every`` results).
    commit: ClassVar[str] = "seconds"
    commit_every: ClassVar[int] = 0
    #: Trials the optimizer was told about leave the trial table (nothing revisits them).
    forgets: ClassVar[bool] = False
    #: A resumed run reuses the rows written after the last commit (else they are dropped and redone).
    reuses_uncommitted: ClassVar[bool] = False
    #: Segments kept submitted per worker.
    queue_depth: ClassVar[int] = 1
    #: The policy honours a candidate budget (option ``max_candidates``, which ``run.generations`` x the
    #: optimizer's population size sets): it starts that many and ends once each is stopped or at the top budget.
    #: Where it does not, ``no_candidate_budget`` says why, in words for the one-line refusal.
    candidate_budget: ClassVar[bool] = False
    no_candidate_budget: ClassVar[str] = "it schedules by run.compute only"
    #: The option that run.generations x population_size sets where the policy honours it.
    sweep_option: ClassVar[str] = "max_candidates"

    @classmethod
    def refused_options(cls) -> tuple[str, ...]:
        """Options a subclass inherits but refuses (``l2l list`` leaves them out)."""
        return () if cls.candidate_budget else (cls.sweep_option,)

    def untold_asks(self) -> int | None:
        """The most candidates this policy asks of the optimizer that are never told (None: no bound).

        Multi-fidelity policies stop candidates before the top budget, and the loop tells the optimizer only
        top-budget results, so by default there is no bound; an optimizer that keeps only a few candidates
        out at once (``nevergrad``'s ``num_workers``) is refused with such a policy (see
        :mod:`l2l.components`).
        """
        return None

    def init(self, budgets: list[float], dimension: int, seed: int) -> State:
        """The state before anything ran; ``budgets`` are the rungs (see :func:`rung_budgets`)."""
        raise NotImplementedError

    def next(self, state: State, trials: TrialTable) -> tuple[Action, State]:
        """What a free worker does next."""
        raise NotImplementedError

    def launched(self, state: State, trial: int, budget: float) -> State:
        """A "start" action became trial ``trial`` (the loop assigns ids); default: nothing to note."""
        return state

    def report(self, state: State, trials: TrialTable, trial: int, budget: float, score: float) -> State:
        """Trial ``trial`` reached ``budget`` with ``score`` (the table already holds it)."""
        return state

    def open_candidates(self, state: State, trials: TrialTable, running: int) -> int | None:
        """How many started candidates without a running segment this policy may still continue (the others
        are at the top budget, or stopped for good); None if it cannot tell. ``running``: the candidates whose
        segment runs. A sweep's progress bar counts the candidates decided with it."""
        return None

    #: True where :meth:`before_top` is the exact least (the run with that compute plus one unit reaches the top
    #: budget whatever the results), False where it is a lower bound.
    before_top_exact: ClassVar[bool] = False

    def before_top(self, budgets: list[float], restarts: bool = False) -> float | None:
        """The least compute (fidelity units) this policy spends or commits before it can start any segment to the
        top budget ``budgets[-1]``, every promoted candidate continuing from its checkpoint (the cheapest there
        is), or with ``restarts`` training from scratch at every segment (a python function that takes no
        checkpoint): a run.compute at or below it ends the run with no candidate at the top, since the loop starts
        no segment once the compute spent and running reaches run.compute. None where the policy cannot tell."""
        return None

    def continuable(self, state: State, trials: TrialTable) -> list[int]:
        """The trials this policy, in ``state``, may still continue if the run goes on (a resume with more
        compute), running ones included; the others below the top budget are stopped for good (a trial at the
        top budget is never continued, listed or not). A run cut short (or stopped on request) stores them with
        its last event, so that ``l2l.load`` need not guess which candidates are paused. Default: every trial
        whose last segment did not fail."""
        return [t for t in trials.ids() if not trials.failed(t)]

    def coordinates(self, trial: int, record: dict[str, Any], budgets: list[float],
                    budget: float | None) -> tuple[int, int, int, int]:
        """Where a segment goes: (generation, individual) of its row, and the pair its seed derives from.

        Multi-fidelity segments: the rung and the trial; the seed is the trial's at every budget.
        """
        return (rung_of(budgets, budget) if budgets and budget is not None else 0), trial, 0, trial

    def options(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.init}


@dataclass(frozen=True)
class RungPolicy(Policy):
    """A policy over the geometric rungs between ``min_budget`` and ``max_budget`` (factor ``eta``)."""

    eta: float = option(3.0, help="factor between the budgets of neighbouring rungs; the halving schedules keep "
                        "the best 1/eta of a rung", gt=1)
    min_budget: float = option(0.0, help="budget of the lowest rung, in fidelity units (0: the simulator's minimum)",
                               ge=0)
    max_budget: float = option(0.0, help="budget of the top rung, in fidelity units (0: the simulator's maximum)",
                               ge=0)
    max_candidates: int = option(0, help="candidates to start in all, each trained until stopped or at the top "
                                 "budget; the run ends when none is left (0: no limit; run.generations x "
                                 "population_size sets it)", ge=0)

    candidate_budget: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if self.max_candidates and not self.candidate_budget:
            raise ConfigError(f"policy {self.name!r}: option max_candidates does not apply: {self.no_candidate_budget}")

    def planned_compute(self, budgets: list[float]) -> float:
        """The default ``run.compute``: with a candidate budget, the most its candidates can cost (each trained
        to every rung from scratch, as a simulator without checkpoints is: ASHA may promote every candidate that
        arrives among the best 1/eta of its rung), so that it never ends the run first; else 100 times the top
        budget."""
        if not self.max_candidates:
            return 100.0 * budgets[-1]
        return float(self.max_candidates * sum(budgets))

    def continued_compute(self, budgets: list[float]) -> float | None:
        """With a candidate budget, the most its candidates can cost when every segment continues from its
        checkpoint (each trains at most to the top budget once); None without one. What a run that ends by its
        candidates costs at most where the simulator checkpoints (:meth:`planned_compute`: where it restarts)."""
        return float(self.max_candidates * budgets[-1]) if self.max_candidates else None

    def out_of_candidates(self, trials: TrialTable) -> bool:
        """True once the candidate budget (if any) is all started."""
        return bool(self.max_candidates) and trials.launched >= self.max_candidates

    def after_last_candidate(self, state: State, trials: TrialTable) -> tuple[Action, State]:
        """Every candidate is started and none can go on now: wait for the running ones, else the run is done."""
        return (WAIT if trials.any_running() else DONE), state


def rung_of(budgets: list[float], budget: float) -> int:
    """Index of ``budget`` among the rungs (the nearest one)."""
    return int(np.argmin([abs(b - budget) for b in budgets]))


def ranked(scores: dict[int, float]) -> list[int]:
    """Trial ids from best to worst score; ties broken by the smaller id (deterministic)."""
    return sorted(scores, key=lambda t: (-scores[t], t))


def survivors(trials: TrialTable, budget: float, members: Iterable[int], keep: int) -> list[int]:
    """The best ``keep`` of ``members`` at ``budget``, failures ranked last and never kept.

    A failed segment's score is the run's penalty, which may tie with (or, set by hand, beat) real results;
    a candidate whose segment failed has no checkpoint to continue from and is never promoted.
    """
    scores = trials.scores_at(budget, members)
    failed = {t: trials.failed_at(t, budget) for t in scores}  # asked once per member, not per sort key and filter
    order = sorted(scores, key=lambda t: (failed[t], -scores[t], t))[:max(0, keep)]
    return [t for t in order if not failed[t]]
