"""Asynchronous successive halving (ASHA, Li et al. 2020).

No worker ever waits for a rung to fill: when a worker is free, the best
candidate of the highest rung that is in the top ``1/eta`` of that rung and
not yet promoted goes on to the next rung (a candidate whose segment failed
ranks last and is never promoted); if there is none, a new candidate
starts at the lowest rung (with a candidate budget, ``max_candidates``, only
until that many are started: the run then ends when no running segment can
bring a promotion; a rung with fewer than ``eta`` members then promotes its
best, so that a candidate reaches the top). Decisions are made with the results at hand, so
early promotions may be ones a synchronous schedule would not make; in return
the workers stay busy.

The state lists each rung's members and promoted candidates; every decision
reads them through an index kept beside the trial table (the members ranked
as :func:`~l2l.policies.base.survivors` ranks them), so that it costs
O(rungs x log(candidates)), not a sort of every rung.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from dataclasses import dataclass
from typing import Any, ClassVar

from l2l.policies.base import Action, RungPolicy, State, TrialTable, rung_of


class _Rung:
    """One rung's members ranked by (failed, -score, trial), and which of them are still open to promotion."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.keys: list[tuple] = []  # every member with a score at this budget, best first
        self.key_of: dict[int, tuple] = {}
        self.open: list[tuple] = []  # keys of members neither promoted nor failed, best first
        self.members: set[int] = set()
        self.promoted: set[int] = set()
        self.seen = [0, None, 0, None]  # how much of the state's members / promoted lists is indexed, last one

    def add(self, trial: int, trials: TrialTable) -> None:
        self.members.add(trial)
        self.rekey(trial, trials)

    def fill(self, members: list[int], promoted: list[int], trials: TrialTable) -> list[int]:
        """Index ``members`` and ``promoted`` of a rung indexed for the first time (a resume, a reader of the
        file) with one sort, not an insertion each; the members, each once, in their order."""
        new = list(dict.fromkeys(members))
        self.members.update(new)
        self.promoted.update(promoted)
        for trial, score in trials.scores_at(self.budget, new).items():  # (as :meth:`key`, one lookup a member)
            self.key_of[trial] = (trials.failed_at(trial, self.budget), -score if score == score else math.inf, trial)
        self.keys = sorted(self.key_of.values())
        self.open = [key for key in self.keys if not key[0] and key[2] not in self.promoted]
        return new

    def key(self, trial: int, trials: TrialTable) -> tuple | None:
        """Where ``trial`` ranks at this rung: (failed, -score, trial); None while it has no score here."""
        score = trials.score(trial, self.budget)
        if score is None:
            return None
        # (a NaN score ranks after every number: sorting with NaN would have no defined order)
        return trials.failed_at(trial, self.budget), -score if score == score else math.inf, trial

    def rekey(self, trial: int, trials: TrialTable) -> None:
        """Place ``trial`` by its current score and status (they change only when it reports)."""
        old = self.key_of.pop(trial, None)
        if old is not None:
            del self.keys[bisect_left(self.keys, old)]
            at = bisect_left(self.open, old)
            if at < len(self.open) and self.open[at] == old:
                del self.open[at]
        key = self.key(trial, trials)
        if key is None:
            return
        self.key_of[trial] = key
        insort(self.keys, key)
        if not key[0] and trial not in self.promoted:
            insort(self.open, key)

    def promote(self, trial: int) -> None:
        self.promoted.add(trial)
        key = self.key_of.get(trial)
        if key is not None:
            at = bisect_left(self.open, key)
            if at < len(self.open) and self.open[at] == key:
                del self.open[at]

    def best_open(self, top: int) -> int | None:
        """The best member not yet promoted (nor failed) if it ranks among the first ``top``, else None."""
        if self.open and bisect_left(self.keys, self.open[0]) < top:
            return self.open[0][2]
        return None


class _Index:
    def __init__(self, budgets: list[float]) -> None:
        self.budgets = list(budgets)
        self.rungs = [_Rung(b) for b in budgets]
        self.rungs_of: dict[int, list[_Rung]] = {}
        self.last: State | None = None  # the state indexed last

    def fits(self, state: State) -> bool:
        """True if ``state`` extends the lists this index was built from (else it is built again)."""
        if state["budgets"] != self.budgets:
            return False
        for rung, members, promoted in zip(self.rungs, state["rungs"], state["promoted"]):
            count, last, done, last_promoted = rung.seen
            if len(members) < count or (count and members[count - 1] != last) or len(promoted) < done \
                    or (done and promoted[done - 1] != last_promoted):
                return False
        return True

    def sync(self, state: State, trials: TrialTable) -> "_Index":
        for rung, members, promoted in zip(self.rungs, state["rungs"], state["promoted"]):
            count, _, done, _ = rung.seen
            if not count and not done and not rung.members:  # indexed for the first time: sorted at once
                for trial in rung.fill(members, promoted, trials):
                    self.rungs_of.setdefault(trial, []).append(rung)
            else:
                for trial in members[count:]:
                    if trial not in rung.members:
                        rung.add(trial, trials)
                        self.rungs_of.setdefault(trial, []).append(rung)
                for trial in promoted[done:]:
                    rung.promote(trial)
            rung.seen = [len(members), members[-1] if members else None,
                         len(promoted), promoted[-1] if promoted else None]
        self.last = state
        return self


def _index(state: State, trials: TrialTable) -> _Index:
    index: Any = trials.cache.get("asha")
    if index is not None and index.last is state:  # states are never changed: nothing new since
        return index
    if index is None or not index.fits(state):
        index = trials.cache["asha"] = _Index(state["budgets"])
    return index.sync(state, trials)


@dataclass(frozen=True)
class ASHA(RungPolicy):
    """Asynchronous successive halving: promote the top 1/eta of a rung as soon as they are known."""

    name: ClassVar[str] = "asha"

    def init(self, budgets: list[float], dimension: int, seed: int) -> State:
        return {"budgets": list(budgets), "rungs": [[] for _ in budgets], "promoted": [[] for _ in budgets]}

    def next(self, state: State, trials: TrialTable) -> tuple[Action, State]:
        budgets = state["budgets"]
        index = _index(state, trials)
        for rung in range(len(budgets) - 2, -1, -1):
            top = int(len(state["rungs"][rung]) / self.eta + 1e-9)
            if top == 0:
                continue
            trial = index.rungs[rung].best_open(top)  # a failed candidate is never promoted
            if trial is not None:
                promoted = list(state["promoted"])
                promoted[rung] = promoted[rung] + [trial]
                after = {**state, "promoted": promoted}
                index.sync(after, trials)
                return Action("continue", budgets[rung + 1], trial), after
        if self.out_of_candidates(trials):  # a running segment's result may still promote one
            if not trials.any_running():
                closing = self._close(state, index, trials)
                if closing is not None:
                    return closing
            return self.after_last_candidate(state, trials)
        return Action("start", budgets[0]), state

    def before_top(self, budgets: list[float], restarts: bool = False) -> float | None:
        """A lower bound: a rung promotes only once it has ``eta`` members (its best ranks among the first
        ``members / eta``, members counted as they start), and every member of a rung was promoted from the rung
        below, so each rung below the top holds at least ``ceil(eta)`` candidates, each continued from its
        checkpoint, before the first segment to the top starts: ``ceil(eta)`` x the rung below the top. (Not the
        exact least: a later promotion needs a member better than those promoted, which the results decide.) With
        ``max_candidates`` the sweep's last step may promote a rung's best with fewer members, once every candidate
        is started: then at least all of them at the lowest rung and one candidate's way up to the rung below the
        top. ``restarts``: every segment trains from scratch, so a candidate's way up costs every rung's budget."""
        if len(budgets) < 2:
            return None
        each = math.ceil(self.eta - 1e-9)
        way_up = float(sum(budgets[:-1])) if restarts else float(budgets[-2])  # one candidate to the rung below the top
        promoted = float(each * way_up)
        if not self.max_candidates:
            return promoted
        closing = float(self.max_candidates * budgets[0] + (way_up - budgets[0]))
        return min(closing, promoted) if self.max_candidates >= each else closing

    def _close(self, state: State, index: _Index, trials: TrialTable) -> tuple[Action, State] | None:
        """The sweep's last step, when nothing runs: if the highest rung reached below the top promoted none
        (it has fewer than eta members), its best goes on, so that the sweep ends with a candidate at the top."""
        budgets = state["budgets"]
        highest = max((r for r, members in enumerate(state["rungs"]) if members), default=len(budgets) - 1)
        if highest == len(budgets) - 1 or state["promoted"][highest]:
            return None
        trial = index.rungs[highest].best_open(len(state["rungs"][highest]))
        if trial is None:  # every member failed
            return None
        promoted = list(state["promoted"])
        promoted[highest] = promoted[highest] + [trial]
        after = {**state, "promoted": promoted}
        index.sync(after, trials)
        return Action("continue", budgets[highest + 1], trial), after

    def open_candidates(self, state: State, trials: TrialTable, running: int) -> int | None:
        """The members of rungs below the top, neither promoted nor failed, that may still rank among the best
        1/eta of their rung once every candidate that can still reach it has (None without a candidate budget:
        any may)."""
        if not self.max_candidates:
            return None
        return len(self._open(state, trials, running))

    def _open(self, state: State, trials: TrialTable, running: int) -> list[int]:
        """The trials :meth:`open_candidates` counts: the first members of each rung's open list that rank within
        the cap the rung reaches once every candidate that can still arrive has, and the best of the highest rung
        the sweep's last step (:meth:`_close`) promotes anyway."""
        index = _index(state, trials)
        levels = len(state["budgets"]) - 1
        arriving = max(0, self.max_candidates - trials.launched) + running  # may still join any rung
        counted: list[int] = []
        out: list[int] = []
        for k in range(levels):
            rung = index.rungs[k]
            cap = int((len(state["rungs"][k]) + arriving) / self.eta + 1e-9)
            low, high = 0, len(rung.open)  # rung.open is best first: those ranked within the cap lead it
            while low < high:
                middle = (low + high) // 2
                if bisect_left(rung.keys, rung.open[middle]) < cap:
                    low = middle + 1
                else:
                    high = middle
            counted.append(low)
            out.extend(key[2] for key in rung.open[:low])
            arriving += low
        # the sweep's last step (_close): the highest rung reached below the top promotes its best anyway
        highest = max((r for r, members in enumerate(state["rungs"]) if members), default=levels)
        if highest < levels and not state["promoted"][highest] and index.rungs[highest].open \
                and not counted[highest]:
            out.append(index.rungs[highest].open[0][2])
        return out

    def continuable(self, state: State, trials: TrialTable) -> list[int]:
        """With a candidate budget (a sweep: no candidate joins past it, a resume included), the running trials
        and those :meth:`open_candidates` counts: a member ranked below the best 1/eta its rung will hold once
        every candidate has arrived is never promoted (the progress bar counts it stopped). Without one, every
        trial whose last segment did not fail: new candidates may still make any a rung's best."""
        if not self.max_candidates:
            return super().continuable(state, trials)
        running = [t for t in trials.ids() if trials.running(t)]
        return sorted(set(self._open(state, trials, len(running))) | set(running))

    def report(self, state: State, trials: TrialTable, trial: int, budget: float, score: float) -> State:
        rung = rung_of(state["budgets"], budget)
        index = _index(state, trials)
        if trial not in index.rungs[rung].members:
            rungs = list(state["rungs"])
            rungs[rung] = rungs[rung] + [trial]
            state = {**state, "rungs": rungs}
            index.sync(state, trials)
        for member in index.rungs_of.get(trial, []):  # its scores (and status) may have changed at every rung
            member.rekey(trial, trials)
        return state
