"""Population-based training (Jaderberg et al. 2017): learners that train in intervals, copy the best, explore.

A population of ``population`` members trains in intervals of ``interval``
fidelity units up to ``max_budget``. At the end of an interval a member in the
bottom ``fraction`` of the population (ranked by their scores at that budget)
**exploits** a member of the top ``fraction``: it continues from that member's
checkpoint (its weights, its optimizer's state) with the donor's parameters,
**explored**:

* ``explore = "perturb"``: each parameter is multiplied by one of ``factors``
  (log-scale parameters; a linear parameter moves by ``factor - 1`` of its
  range), and with probability ``resample_probability`` it is drawn afresh
  from the space instead (categorical parameters: drawn afresh or kept);
* ``explore = "resample"``: every parameter is drawn afresh;
* ``explore = "pb2"``: the parameters a Gaussian process of the score changes
  seen so far expects to do best over the next interval (PB2's idea; see
  :mod:`l2l.policies.pb2`), perturbation until there is enough data.

The other members continue their own training. Each exploit becomes a new
trial whose ``parent`` is the donor, so a final learner's whole schedule of
parameters can be read back (``l2l.lineage``). A member whose segment failed
is always replaced by exploitation, whatever its rank.

``synchronous = true`` waits until every member finished an interval before
deciding (the paper's synchronous variant); ``false`` decides for each member
as soon as it finishes an interval (once at least half the population has a
result; until then it continues), so no worker waits for the slowest member. It is ranked against the whole population, as Ray Tune's PBT ranks
every trial: two members are compared at the lower of their budgets, where both
have a score, the one ahead by the worse of its score there and its score now;
each member's rank is how many of the others it beats. One in the bottom copies
a member of the top that is at its budget or beyond; with none there yet it waits for the first
of them to reach it (as Ray Tune's PBT pauses a trial that ran ahead; a member
that waits is not counted in the bottom of the others, nor is it a donor; it goes
on itself once nothing that runs could reach it); donors are only members at or
beyond the exploiter's budget, so a member never trains a range of budgets twice
and the population finishes within ``population x max_budget``. The donor is
chosen uniformly from the top (``selection = "truncation"``) or as the better of
two members drawn at random from the upper half (``"tournament"``). An exploit
that trains the last interval (its donor at the budget below ``max_budget``
when it starts) takes the donor's parameters unexplored, in both variants.

The first population is asked from the optimizer (random search by default; the
optimizer is never told results, see ``proposes``);
every random choice of the policy derives from the run seed and a counter in
its state, so a resumed run decides exactly as an uninterrupted one.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.errors import ConfigError
from l2l.numbers import at_least, at_most, number
from l2l.parameters import Categorical
from l2l.policies.base import DONE, WAIT, Action, Policy, State, TrialTable, budget_key, significant
from l2l.policies.pb2 import pb2_point
from l2l.registry import option


#: Most intervals of a schedule (``max_budget / interval``). Each is a segment of every member, a row of the
#: trajectory and a decision, so 100000 of them (800000 segments with the default population) is past any run
#: that ends, while the budgets themselves take a fraction of a second to build and store; ``interval = 20`` with
#: ``max_budget = 10**12`` (5e10 intervals) hung ``l2l run`` (and ``--dry-run``) building them, without a word.
MAX_INTERVALS = 100_000


@dataclass(frozen=True)
class PBT(Policy):
    """Population-based training: exploit the best members' checkpoints, explore their parameters."""

    name: ClassVar[str] = "pbt"
    #: Exploiting members are the policy's own points: the optimizer only draws the first population and is
    #: never told results (it did not ask for the exploiters, and nothing is asked of it afterwards).
    proposes: ClassVar[bool] = True
    #: A sweep switched to PBT (run.generations x population_size candidates) trains that many members, each to
    #: the top budget: the sweep's compute.
    candidate_budget: ClassVar[bool] = True
    sweep_option: ClassVar[str] = "population"
    #: Every member continues from its own checkpoint and an exploit copies the donor's: a segment below the top
    #: budget that returns none ends the run (else nothing is ever continued or copied, and the run spends its
    #: compute restarting members from scratch, with none at the top budget, and exits as if fine).
    needs_checkpoints: ClassVar[bool] = True

    population: int = option(8, help="members trained side by side", ge=2)
    interval: float = option(0.0, help="fidelity units between two exploit/explore decisions (0: a tenth of "
                             "max_budget); a last interval shorter than half of one joins the one before", ge=0)
    max_budget: float = option(0.0, help="budget every member trains to, in fidelity units (0: the simulator's "
                               "maximum)", ge=0)
    fraction: float = option(0.25, help="the bottom fraction exploits the top fraction", gt=0, le=0.5)
    selection: str = option("truncation", help="how the donor is chosen: 'truncation' (uniformly from the top "
                            "fraction) or 'tournament' (better of two from the upper half)",
                            choices=("truncation", "tournament"))
    explore: str = option("perturb", help="'perturb' (multiply by one of factors), 'resample' (draw afresh) or "
                          "'pb2' (a Gaussian process of the score changes picks them)",
                          choices=("perturb", "resample", "pb2"))
    factors: list = option([0.8, 1.2], help="perturbation factors of explore = 'perturb'")
    keep: list = option([], help="parameters an exploiting member takes from its donor as they are, never "
                        "explored: those that shape the checkpoint it continues from, such as a layer's width")
    burn_in: float = option(0.0, help="fidelity units every member trains before the first exploit (0: none)",
                            ge=0)
    resample_probability: float = option(0.25, help="chance that explore = 'perturb' draws a parameter afresh",
                                         ge=0, le=1)
    synchronous: bool = option(True, help="decide when the whole population finished an interval (true) or for "
                               "each member as it finishes one (false)")

    def __post_init__(self) -> None:
        factors = self.factors
        if not isinstance(factors, (list, tuple)) or not factors or not all(
                isinstance(f, (int, float)) and not isinstance(f, bool) and f > 0 and math.isfinite(f)
                for f in factors):
            raise ConfigError(f"policy 'pbt': factors must be a list of positive numbers, got {factors!r}")

    # -- the rungs: one per interval --------------------------------------------------------------------
    def rungs(self, minimum: float, maximum: float, integer: bool) -> list[float]:
        """The budgets at the end of each interval; ConfigError if they are more than :data:`MAX_INTERVALS`."""
        interval = self._interval(maximum, integer)
        count = maximum / interval
        if not count - 1e-9 <= MAX_INTERVALS:  # infinite too (interval 1e-300, max_budget 1e308)
            shown = (f"{math.ceil(count - 1e-9)}" if count < 1e15 else f"about {count:.3g}" if math.isfinite(count)
                     else "more than 1e308")
            whole = integer and maximum < 1e15  # a whole interval, shown in full
            least = f"{math.ceil(maximum / MAX_INTERVALS)}" if whole else number(_rounded_up(maximum / MAX_INTERVALS))
            high_from = "" if self.max_budget else " (the simulator's maximum)"
            raise ConfigError(f"policy 'pbt': interval {number(interval)} and max_budget {number(maximum)}{high_from} "
                              f"give {shown} intervals, more than the {MAX_INTERVALS} a run may have (each is a "
                              f"segment of every member and a decision); give an interval of at least {least}, or a "
                              f"lower max_budget")
        return _rungs(interval, minimum, maximum, integer)

    def _interval(self, maximum: float, integer: bool) -> float:
        interval = self.interval or maximum / 10
        return max(1.0, float(round(interval))) if integer else interval

    def one_interval(self, minimum: float, maximum: float, fidelity) -> str | None:
        """Why budgets from ``minimum`` to ``maximum`` give a single interval, and what gives two; None if they
        give two or more. With one, no member is ever compared with another: nothing is exploited or explored,
        the run is a random sweep at the top budget that calls itself PBT (refused when the config is read)."""
        integer = fidelity.integer
        if len(self.rungs(minimum, maximum, integer)) > 1:
            return None
        interval, unit = self._interval(maximum, integer), fidelity.unit or fidelity.name

        def two(step: float, top: float) -> bool:
            return len(_rungs(step, minimum, top)) > 1

        ways = []
        if integer:  # whole budgets: the longest interval that leaves a second one
            longest = next((float(k) for k in range(int(maximum * 2 // 3) + 1, 0, -1) if two(k, maximum)), 0.0)
        else:  # shown rounded down, the way that still gives two
            longest = math.floor(maximum * 2 / 3 * 1000 + 1e-6) / 1000
            longest = longest if longest > 0 and two(longest, maximum) else 0.0
        if longest:
            ways.append(f"give an interval of at most {at_most(longest)}")
        higher = math.ceil(interval * 1.5 * 1000 - 1e-6) / 1000
        if integer:
            higher = float(math.ceil(higher))
        if higher <= fidelity.maximum and two(interval, higher):
            ways.append(f"raise max_budget to at least {at_least(higher)}")
        fix = ", or ".join(ways) if ways else f"widen the simulator's {fidelity.name} range"
        given = "" if self.interval else f" (the default: a tenth of max_budget{', in whole units' * integer})"
        high_from = "" if self.max_budget else f" (the simulator's {fidelity.name} maximum)"
        return (f"policy 'pbt': interval {number(interval)}{given} and max_budget {number(maximum)}{high_from} give "
                f"one interval ({number(maximum)} {unit}), so the members are never compared and none is ever "
                f"exploited; {fix}")

    def untold_asks(self) -> int | None:
        """The first population is asked of the optimizer and never told."""
        return self.population

    def planned_compute(self, budgets: list[float]) -> float:
        """Every member trains to the top budget once (a run's default ``run.compute``)."""
        return float(self.population * budgets[-1])

    @property
    def before_top_exact(self) -> bool:
        """Exact where the population moves interval by interval (synchronous); a lower bound otherwise."""
        return bool(self.synchronous)

    def before_top(self, budgets: list[float], restarts: bool = False) -> float | None:
        """Synchronous: every member reaches the interval below the top before any is sent on, so the whole
        population x ``budgets[-2]`` (exact). Asynchronous (a lower bound): every member's first interval is
        started first, and then one member's way up to ``budgets[-2]`` alone. (PBT refuses ``restarts``.)"""
        if len(budgets) < 2:
            return None
        if self.synchronous:
            return float(self.population * budgets[-2])
        return float(self.population * budgets[0] + (budgets[-2] - budgets[0]))

    # -- the contract -------------------------------------------------------------------------------------
    def init(self, budgets: list[float], dimension: int, seed: int) -> State:
        return {"budgets": list(budgets), "seed": int(seed), "draws": 0, "members": [], "queue": [],
                "launching": -1, "finished": []}

    def next(self, state: State, trials: TrialTable) -> tuple[Action, State]:
        budgets = state["budgets"]
        if len(state["members"]) < self.population:
            return Action("start", budgets[0]), {**state, "launching": len(state["members"])}
        if state["queue"]:
            item, queue = state["queue"][0], state["queue"][1:]
            state = {**state, "queue": queue, "launching": item["slot"]}
            if item["kind"] == "continue":
                return Action("continue", item["budget"], item["trial"]), state
            donor = item["parent"]
            if trials.reached(donor) >= budgets[-1]:  # the donor finished meanwhile: nothing left to copy into
                own = item["own"]
                return Action("continue", _next_budget(budgets, trials.reached(own)), own), state
            # the budget is read now: in the asynchronous variant the donor may have moved on since the decision
            budget = _next_budget(budgets, trials.reached(donor))
            code = item["code"]
            if budget >= budgets[-1] - 1e-9:  # the last interval (_exploiter_code)
                code = np.asarray(trials.to_unit_code(trials.code(donor)), dtype=float).tolist()
            return Action("start", budget, code=tuple(code), parent=donor), state
        if len(state["finished"]) == self.population:
            return DONE, state
        if state.get("waiting") and not any(trials.running(m) for m in state["members"]):
            # nothing runs that could reach a waiting member's budget: each goes on with its own training
            queue = [{"kind": "continue", "budget": item["following"], "trial": item["own"], "slot": item["slot"]}
                     for item in state["waiting"]]
            return self.next({**state, "queue": queue, "waiting": []}, trials)
        return WAIT, state

    def launched(self, state: State, trial: int, budget: float) -> State:
        """A start action became trial ``trial``: it is the member of the slot being launched."""
        members = list(state["members"])
        slot = state["launching"]
        if slot == len(members):
            members.append(trial)
        else:
            members[slot] = trial
        return {**state, "members": members, "launching": -1}

    def continuable(self, state: State, trials: TrialTable) -> list[int]:
        """The population's current members (a failed one too: with no healthy member to copy it goes on). A
        member replaced by an exploiting one is never continued: its slot goes on from the donor's checkpoint."""
        return sorted(state["members"])

    def report(self, state: State, trials: TrialTable, trial: int, budget: float, score: float) -> State:
        members = state["members"]
        if trial not in members:
            return state
        slot = members.index(trial)
        budgets = state["budgets"]
        if state.get("waiting"):
            state = self._donor_arrived(state, trials)
        if budget >= budgets[-1]:
            return {**state, "finished": sorted({*state["finished"], slot})}
        if not self.synchronous:
            return self._decide(state, trials, [slot], budget)
        if len(members) < self.population or any(trials.running(m) or trials.reached(m) < budget for m in members):
            return state
        return self._decide(state, trials, list(range(self.population)), budget)

    # -- exploit and explore ----------------------------------------------------------------------------------
    def _decide(self, state: State, trials: TrialTable, slots: list[int], budget: float) -> State:
        """Queue what the members in ``slots`` (all at ``budget``) do next."""
        members, budgets = state["members"], state["budgets"]
        following = budgets[budgets.index(budget) + 1] if budget in budgets else budgets[-1]
        if budget < self.burn_in:  # too early to tell good learners from slow starters
            queue = [*state["queue"], *({"kind": "continue", "budget": following, "trial": members[slot],
                                         "slot": slot} for slot in slots)]
            return {**state, "queue": queue}
        # the members that reached this budget, ranked by their score there (a member that inherited past it:
        # by its latest score); failures last. Asynchronous: the whole population (below). Donors behind it take
        # no part: an exploiting member never goes back to a lower budget, so every member trains each unit up
        # to max_budget at most once.
        need = max(2, (self.population + 1) // 2)
        at = budget
        if self.synchronous:
            peers = _peers(trials, members, budget)  # each with a result
            enough = len(peers) >= need
        else:
            # Asynchronous: ranked against the whole population, as Ray Tune's PBT ranks every trial, once half of
            # it has a result. Before, only against the members that had reached this budget (and a member among
            # the first to reach it against those at the budget before, by its score there): with few members per
            # worker the two poor members that ran ahead judged each other and the worse copied the other poor
            # one, while the best, behind them, never became a donor; and an exploiter that got worse in its first
            # interval, with no score of its own at the budget before, went on unjudged. A member behind is
            # compared at its own budget (where both have a score), not by its latest score against the others'
            # later ones: learning curves fall, and a slow good member would rank below fast poor ones.
            result = {m: bool(trials.scores_of(m)) or trials.failed(m) for m in members}
            peers = [m for m in members if result[m] or trials.parent(m) >= 0]
            enough = sum(result[m] for m in peers) >= need
        # by their scores at this budget: the synchronous ranking and a tournament's two draws
        scores = {m: _score_at(trials, m, at) for m in peers} if self.synchronous or self.selection == "tournament" \
            else {}
        queue = list(state["queue"])
        draws = state["draws"]
        cut = _quantile(self.fraction, len(peers))
        ranked = sorted(peers, key=lambda m: (-scores[m], m)) if self.synchronous else _ranked(trials, peers, at)
        top = [m for m in ranked[:cut] if not trials.failed(m)]
        pool = ranked  # where a tournament draws the donor from
        replaced = {item["own"] for item in state.get("waiting", [])}  # members that wait for a donor
        if not self.synchronous:  # the donor: a member of the top that is at this budget or beyond (else it waits)
            # the top of the members still training (one at max_budget has nothing left to copy into), those
            # that wait for a donor themselves left out
            training = [m for m in ranked if not trials.failed(m) and trials.reached(m) < budgets[-1] - 1e-9
                        and m not in replaced]
            leaders = training[:cut]
            ahead = [m for m in training if trials.reached(m) >= budget - 1e-9]
            own = members[slots[0]]
            pool = ahead[:ahead.index(own)] if own in ahead else ahead if trials.failed(own) else []
            top = [m for m in pool if m in leaders]
        bottom = set(ranked[-cut:])
        if not self.synchronous and replaced:
            # a member that waits for a donor is replaced already: the bottom is of the others (else, with few
            # members, a poor one waiting for a slow donor was the bottom alone, and a middling one went on)
            rest = [m for m in ranked if m not in replaced]
            bottom = set(rest[-_quantile(self.fraction, len(rest)):])
        healthy = [m for m in ranked if not trials.failed(m)]
        waiting = list(state.get("waiting", []))
        for slot in slots:
            trial = members[slot]
            failed = trials.failed(trial)
            if not self.synchronous and enough and trial in bottom and not top:
                # Asynchronous, in the bottom with no member of the top at its budget yet: it waits for one (Ray
                # Tune's PBT pauses a trial that ran ahead so the others catch up), rather than going on untouched;
                # once one of the top members reaches its budget it is judged again (_donor_arrived). Before, with
                # few members per worker, bad members went on to the end.
                behind = [m for m in leaders if m != trial]
                if behind:
                    waiting.append({"slot": slot, "own": trial, "budget": budget, "following": following,
                                    "top": behind})
                    continue
            if failed and not top and healthy:  # a failed member is replaced even before enough peers
                top = (healthy if self.synchronous else pool)[:1]
            if (enough or failed) and (trial in bottom or failed) and top and trial not in top:
                rng = np.random.default_rng([state["seed"], 7, draws])
                draws += 1
                donor = self._donor(rng, pool, top, scores)
                code = self._exploiter_code(rng, trials, donor, following, budgets[-1])
                queue.append({"kind": "start", "code": code.tolist(), "parent": donor, "own": trial, "slot": slot})
            else:
                queue.append({"kind": "continue", "budget": following, "trial": trial, "slot": slot})
        # Exploits go out first: their donors must not have moved on before their checkpoints are copied.
        queue.sort(key=lambda item: item["kind"] != "start")
        return {**state, "queue": queue, "draws": draws, **({"waiting": waiting} if waiting else {})}

    def _donor_arrived(self, state: State, trials: TrialTable) -> State:
        """Judge again each waiting member one of whose top members reached its budget, with that member's score
        there (it copies it if it is still in the top, else another one, or waits again, or goes on); likewise a
        waiting member whose top members all left the population, failed, reached max_budget (nothing left to copy
        into) or wait for a donor themselves. Before, the first of its top members to arrive was copied whatever
        its score there (one that had diverged meanwhile, 9.8 beside 0.07, in a simulated run), and when the first
        of them was at max_budget the member went on with its own training."""
        members, budgets = state["members"], state["budgets"]
        waiting, again = [], []
        replaced = {item["own"] for item in state["waiting"]}
        for item in state["waiting"]:
            alive = [m for m in item["top"] if m in members and not trials.failed(m) and m not in replaced
                     and trials.reached(m) < budgets[-1] - 1e-9]
            if alive and not any(trials.reached(m) >= item["budget"] - 1e-9 for m in alive):
                waiting.append(item)
            else:
                again.append(item)
        state = {**state, "waiting": waiting}
        for item in again:  # ranked again against the population as it is now
            state = self._decide(state, trials, [item["slot"]], item["budget"])
        return state

    def _donor(self, rng: np.random.Generator, ranked: list[int], top: list[int], scores: dict[int, float]) -> int:
        if self.selection == "tournament":
            upper = ranked[:max(2, len(ranked) // 2)]
            if len(upper) < 2:  # a single member ahead of an asynchronous exploiter judged a budget before
                return upper[0]
            a, b = (upper[i] for i in rng.choice(len(upper), size=2, replace=False))
            return a if (scores[a], -a) >= (scores[b], -b) else b
        return top[int(rng.integers(len(top)))]

    def _exploiter_code(self, rng: np.random.Generator, trials: TrialTable, donor: int, budget: float,
                        top: float) -> np.ndarray:
        """The exploiting member's parameters (a point of the unit cube): the donor's, explored; for the last
        interval (``budget`` is ``top``), the donor's as they are, in both variants. Nothing judges a member after
        its last interval, so a bad draw there (a momentum perturbed to 0.99 beside a large learning rate) was a final
        learner that nothing replaced: 6 of the 7 poor final learners left in benchmarks/pbt_async_few.py's
        simulated runs of session 35 (up to 250000 times the best loss). Which interval an exploit trains is
        settled when it starts, by where its donor is then (:meth:`next`): a member behind that copies a donor
        already at the budget below ``top`` trains the last interval too, and copies unexplored (session 35
        explored it: only the exploiter's own next budget was looked at)."""
        if budget >= top - 1e-9:
            return np.asarray(trials.to_unit_code(trials.code(donor)), dtype=float)
        return self._explore(rng, trials, donor, budget, top)

    def _explore(self, rng: np.random.Generator, trials: TrialTable, donor: int, budget: float,
                 top: float) -> np.ndarray:
        """The donor's parameters, explored; a point of the unit cube (what start actions carry)."""
        space = trials.space
        code = trials.code(donor).copy()
        if self.explore == "pb2":
            fixed = np.concatenate([np.full(p.size, isinstance(p, Categorical) or p.name in self.keep)
                                    for p in space.parameters])
            point = pb2_point(rng, trials, trials.unit_code(donor), fixed, budget, top)
            if point is not None:
                return np.asarray(point, dtype=float)
        start = 0
        for p in space.parameters:
            low, high = (np.asarray(b, dtype=float) for b in p.code_bounds())
            piece = slice(start, start + p.size)
            start += p.size
            if p.name in self.keep:  # the donor's value: its checkpoint was made with it
                continue
            fresh = low + rng.random(p.size) * (high - low)
            if self.explore == "resample" or isinstance(p, Categorical):
                redraw = np.ones(p.size, bool) if self.explore == "resample" else \
                    rng.random(p.size) < self.resample_probability
                code[piece] = np.where(redraw, fresh, code[piece])
                continue
            factor = np.asarray(self.factors, dtype=float)[rng.integers(len(self.factors), size=p.size)]
            moved = code[piece] + np.log10(factor) if getattr(p, "log", False) else \
                code[piece] + (factor - 1.0) * (high - low)
            redraw = rng.random(p.size) < self.resample_probability
            code[piece] = np.clip(np.where(redraw, fresh, moved), low, high)
        return np.asarray(trials.to_unit_code(code), dtype=float)


def _peers(trials: TrialTable, members: list[int], budget: float) -> list[int]:
    """The members that reached ``budget`` and have a result (a score, or a failure)."""
    return [m for m in members if trials.reached(m) >= budget - 1e-9 and (trials.scores_of(m) or trials.failed(m))]


def _ranked(trials: TrialTable, peers: list[int], budget: float) -> list[int]:
    """``peers`` best first, ranked by how many of the others each beats; failures last. Two members are compared
    at the lower of their budgets (or ``budget``), where both have a score (a member that inherited past it: its
    donors' score there), the one ahead by the worse of its score there and its score now (one whose learner got
    worse since, e.g. a diverging explored one, is not carried by its past). Members all at ``budget`` rank as by
    their scores there."""
    if not peers:
        return []
    reached = [min(trials.reached(m), budget) for m in peers]
    levels = sorted(set(reached))
    where = {level: i for i, level in enumerate(levels)}
    place = [where[level] for level in reached]
    scores = _lineage_scores(trials, peers, levels, place)
    wins = _wins_numpy(peers, place, scores) if len(peers) >= NUMPY_RANKING else None
    if wins is None:
        wins = _wins(peers, place, scores)
    latest = {m: row[-1] for m, row in zip(peers, scores)}
    return sorted(peers, key=lambda m: (-wins[m], -latest[m], m))


#: Populations from this size on count :func:`_ranked`'s wins with numpy (:func:`_wins_numpy`); smaller ones in
#: Python (:func:`_wins`), where numpy's calls cost more than they save. Both count the same.
NUMPY_RANKING = 24


def _lineage_scores(trials: TrialTable, peers: list[int], levels: list[float], place: list[int]) \
        -> list[list[float]]:
    """Each member's score at each of ``levels`` up to its own (``place``: the index of its own): its score there,
    else that of the donor it started from (or of the donor's donor), else its latest one; -inf for a member whose
    last segment failed. Read level by level, each trial's score asked for once (session 35 asked for it per
    member and level, walking its donors each time: most of the ranking's cost with 100 members)."""
    scores = [[-math.inf] * (p + 1) for p in place]
    failed = [trials.failed(m) for m in peers]
    parents: dict[int, int] = {}
    latest: dict[int, float] = {}
    for i, level in enumerate(levels):
        rows = [row for row, (p, bad) in enumerate(zip(place, failed)) if p >= i and not bad]
        # every trial's score there where the table keeps them as arrays (the driver's), else the members'
        everyone = trials.scores_at(level) if trials.index is not None else None
        found = everyone if everyone is not None else trials.scores_at(level, [peers[row] for row in rows])
        inherited: dict[int, float] = {}
        step = {peers[row]: peers[row] for row in rows if peers[row] not in found}  # member -> donor asked next
        while step:  # a member that inherited past this level: its donor's score there, or its donor's donor's...
            for trial in step.values():
                if trial not in parents:
                    parents[trial] = trials.parent(trial)
            step = {m: parents[trial] for m, trial in step.items()}
            there = everyone if everyone is not None else trials.scores_at(level, [t for t in step.values()
                                                                                    if t >= 0])
            for m, trial in list(step.items()):
                if trial in there:
                    inherited[m] = there[trial]
                elif trial < 0:  # ... else its own latest score
                    if m not in latest:
                        own = trials.scores_of(m)
                        latest[m] = float(own[max(own)]) if own else -math.inf
                    inherited[m] = latest[m]
                else:
                    continue
                del step[m]
        for row in rows:
            m = peers[row]
            scores[row][i] = float(found[m] if m in found else inherited[m])
    return scores


def _wins(peers: list[int], place: list[int], scores: list[list[float]]) -> dict[int, int]:
    """How many of the others each member beats: a pair is compared at the lower of their two levels, each
    member's key there the worse of its score there and its score now, the greater (key, -id) the winner.
    Counted by sorting and bisection, level by level (NaN placed as Python's sort and ``min`` place it)."""
    wins = dict.fromkeys(peers, 0)
    for low in range(max(place) + 1):
        own = sorted((scores[row][low], -m) for row, m in enumerate(peers) if place[row] == low)
        for k, (_, negative) in enumerate(own):
            wins[-negative] += k
        for high in range(low + 1, max(place) + 1):
            ahead = sorted((min(scores[row][low], scores[row][high]), -m) for row, m in enumerate(peers)
                           if place[row] == high)
            for key in own:
                wins[-key[1]] += bisect.bisect_left(ahead, key)
            for key in ahead:
                wins[-key[1]] += bisect.bisect_left(own, key)
    return wins


def _wins_numpy(peers: list[int], place: list[int], scores: list[list[float]]) -> dict[int, int] | None:
    """:func:`_wins` with one sort (None where a score is NaN): each member's key at each level up to its own, sorted
    level by level; a member at a level beats those before it there that are at that level or beyond, less, if
    it is beyond, those before it that are beyond too (their pair is compared at a higher level)."""
    places = np.asarray(place)
    size = places + 1
    row = np.repeat(np.arange(len(peers)), size)
    level = np.arange(len(row)) - np.repeat(np.cumsum(size) - size, size)
    value = np.fromiter(itertools.chain.from_iterable(scores), dtype=float, count=len(row))
    if np.isnan(value).any():  # NaN has no place in an order: as _wins places it
        return None
    now = value[np.cumsum(size) - 1]
    key = np.minimum(value, now[row])
    order = np.lexsort((-np.asarray(peers)[row], key, level))
    row, level = row[order], level[order]
    first = np.searchsorted(level, level)  # where each entry's level begins
    beyond = (places[row] > level).astype(np.int64)
    before = np.cumsum(beyond) - beyond
    beaten = np.arange(len(row)) - first - beyond * (before - before[first])
    return dict(zip(peers, np.bincount(row, weights=beaten, minlength=len(peers)).astype(np.int64).tolist()))


def _quantile(fraction: float, members: int) -> int:
    """How many members the top and the bottom ``fraction`` of ``members`` hold: ``round(fraction x members)`` (a
    half to the even count), at least 1 and at most half of them, as Ray Tune's PBT caps its quantiles, so that no
    member is in both. Before session 45, ``fraction = 0.5`` of 3 members (or 7, 11, ...) gave a top and a bottom of
    2 (4, 6) that shared the middle member: a donor although ranked in the bottom, while it went on untouched, so
    1 member of 3 exploited a top of 2, not the bottom 2 the options table promised."""
    return max(1, min(int(round(fraction * members)), members // 2))


def _score_at(trials: TrialTable, trial: int, budget: float) -> float:
    """The member's score at ``budget``, else its latest one (a member behind, or that inherited past it);
    a member whose last segment failed ranks last."""
    if trials.failed(trial):
        return -math.inf
    score = trials.score(trial, budget)
    if score is None:
        scores = trials.scores_of(trial)
        score = scores[max(scores)] if scores else -math.inf
    return float(score)


def _rungs(interval: float, minimum: float, maximum: float, integer: bool = True) -> list[float]:
    """The budgets at the end of each interval of ``interval`` units up to ``maximum`` (at least ``minimum``).

    The multiples of an interval of a continuous fidelity carry a few ulps of error (3 x 0.1 is
    0.30000000000000004), which the file, ``l2l.load``, ``l2l show`` and the plots showed: they are rounded as the
    rungs of the other policies are (:func:`l2l.policies.base.rung_budgets`). Whole intervals are exact as they are.
    A run stored before keeps its budgets: they are in its policy state, which a resumed run goes on with."""
    count = max(1, int(math.ceil(maximum / interval - 1e-9)))
    ends = (interval * (k + 1) for k in range(count))
    budgets = sorted({max(minimum, min(maximum, b if integer else significant(b))) for b in ends})
    if len(budgets) >= 2 and budgets[-1] - budgets[-2] < interval / 2:
        del budgets[-2]  # a last interval shorter than half of one joins the one before (81 = 9 x 8 + 9)
    return [float(b) for b in budgets]


def _rounded_up(value: float) -> float:
    """``value`` rounded up to 4 significant digits (a bound shown with :g that still holds when typed)."""
    scale = 10.0 ** (math.floor(math.log10(value)) - 3)
    return math.ceil(value / scale) * scale


def _next_budget(budgets: list[float], reached: float) -> float:
    for b in budgets:
        if b > reached + 1e-9:
            return b
    return budgets[-1]


__all__ = ["PBT", "budget_key"]
