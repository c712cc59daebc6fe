"""The model-based policy's endgame (:class:`l2l.policies.model_based.ModelBased`, whose mixin this is): when
it starts, where it stands (:class:`EndgameStatus`), and its local search around the chosen candidate at the top
budget; and the mark of a run started before the endgame existed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from l2l.policies import parzen
from l2l.policies.agreement import incumbent, mean, top_groups
from l2l.policies.base import State, TrialTable
from l2l.policies.model_based_proposals import state_rng

#: Smallest and largest width of a local step of the endgame (in the unit cube).
LOCAL_STEP = (0.002, 0.3)
#: The key of the state of a run started before the endgame existed (3 December 2026): True, the run goes on as it
#: ran, with no endgame (its stored config cannot tell: it stored no exploit_share, as a later run left at the
#: default did not either). Set by :func:`l2l.driver_state.adopt` on resuming such a state; no new run has it.
NO_ENDGAME = "no_endgame"


def stored_before_endgame(state: State) -> bool:
    """True for the policy state of a run started before the endgame existed (3 December 2026): one that has no
    ``local`` (its local steps, in every state since), or that a resume marked so (:data:`NO_ENDGAME`)."""
    return bool(state.get(NO_ENDGAME)) or "local" not in state


@dataclass(frozen=True)
class EndgameStatus:
    """Where a model-based run's endgame stands (:meth:`ModelBased.endgame_status`)."""

    share: float  #: exploit_share
    begins: float | None  #: the compute spent from which it may start (None: no endgame, see endgame_begins)
    need: int  #: the top-budget candidates it waits for
    spent: float  #: the compute spent
    candidates: int  #: the top budget's candidates
    repeated: int  #: the top budget's results beyond each candidate's first (repeats)
    local: int  #: local steps taken (in this endgame or one before run.compute was raised)
    started: bool  #: the policy is in its endgame
    began: float | None  #: the compute spent when it started (None: not started, or started before it was recorded)
    #: the run was started before the endgame existed and goes on without one (``begins`` is None)
    before_endgame: bool = False

    @property
    def missing(self) -> int:
        """Top-budget candidates still needed before the endgame may start."""
        return max(0, self.need - self.candidates)


class Endgame:
    """The endgame of :class:`l2l.policies.model_based.ModelBased` (its options, read through ``self``)."""

    def _endgame(self, state: State, trials: TrialTable, candidates: int | None = None) -> bool:
        """True in the last ``exploit_share`` of run.compute once the top budget holds ``endgame_results``
        candidates (``candidates``: their number, if known). Before that the choice rests on too few top-budget
        results to refine: told a third of a sweep's compute, the endgame starting at two ninths of it, after 5 to
        15 top-budget results, did worse on every problem of issue 11's twelfth round than going on proposing.
        Never for a run started before the endgame existed (:func:`stored_before_endgame`)."""
        if state.get(NO_ENDGAME):
            return False
        begins = self.endgame_begins(trials.compute_budget)
        if begins is None or trials.compute < begins:
            return False
        if candidates is None:
            candidates = len(top_groups(state["budgets"], trials, state["repeats"]))
        return candidates >= self.endgame_need(state["dimension"])

    def endgame_begins(self, compute: float | None) -> float | None:
        """The compute spent from which the endgame may start, of a run told ``compute`` (run.compute); None
        where there is none (``exploit_share = 0``, or no run.compute)."""
        if not (compute and compute > 0 and self.exploit_share > 0):
            return None
        return (1 - self.exploit_share) * float(compute)

    def endgame_need(self, dimension: int) -> int:
        """Top-budget candidates the endgame waits for: ``endgame_results``, or twice what the model needs."""
        return self.endgame_results or 2 * max(dimension + 2, 6)

    def _mark_endgame(self, state: State, trials: TrialTable) -> State:
        """The state with ``endgame_from``: the compute spent when the policy first found itself in the endgame
        (what the progress bar, the line ``l2l run``/``resume`` end with and ``l2l show`` report; no decision
        reads it), None before, and None again where a raised run.compute (``l2l resume --compute``) moved the
        endgame's start past the compute spent. Once started only that can end it: the top budget's candidates
        never become fewer. A state stored before the record (no key) gets one only while no local step was
        taken: one taken already means the endgame started in an earlier session, at a compute not known."""
        began = state.get("endgame_from")
        if began is not None:
            begins = self.endgame_begins(trials.compute_budget)
            return state if begins is not None and trials.compute >= begins else {**state, "endgame_from": None}
        if not self._endgame(state, trials):
            return state if "endgame_from" in state else {**state, "endgame_from": None}
        if "endgame_from" not in state and state["local"]:
            return state
        return {**state, "endgame_from": trials.compute}

    def endgame_status(self, state: State, trials: TrialTable, spent: float, compute: float | None
                       ) -> EndgameStatus:
        """Where the endgame of the run in ``state`` stands, ``spent`` of ``compute`` (run.compute) spent:
        ``l2l show``'s endgame line, the progress bar and the line ``l2l run``/``resume`` end with all read it.
        The top budget's candidates are counted by :func:`top_groups`, as the policy counts them. A run started
        before the endgame existed has none (``begins`` None, ``before_endgame``)."""
        groups = top_groups(list(state["budgets"]), trials, state.get("repeats") or {})
        need, begins = self.endgame_need(int(state["dimension"])), self.endgame_begins(compute)
        before = stored_before_endgame(state)
        if before:
            begins, began, started = None, None, False
        elif "endgame_from" in state:
            began = state["endgame_from"]
            started = began is not None
        else:  # a state stored before the record: started if it would be in the endgame now, from when unknown
            began, started = None, begins is not None and spent >= begins and len(groups) >= need
        return EndgameStatus(share=float(self.exploit_share), begins=begins, need=int(need), spent=float(spent),
                             candidates=len(groups), repeated=sum(len(g) for g in groups.values()) - len(groups),
                             local=len(state.get("local") or {}), started=started,
                             began=None if began is None else float(began), before_endgame=before)

    def _local(self, state: State, trials: TrialTable) -> tuple[np.ndarray | None, list | None, State]:
        """A step from the chosen candidate along a random subset of the axes, each axis with its own width,
        adapted by the one-fifth success rule (wider after a step that beat the candidate it started from,
        narrower after one that did not), so that the search stretches along flat valleys."""
        budgets, dimension = state["budgets"], state["dimension"]
        groups = top_groups(budgets, trials, state["repeats"])
        if len(groups) < max(dimension + 2, 6):
            return None, None, state
        step, local = state["step"], dict(state["local"])
        if step is None:  # the first steps: as wide as the best few at the top budget are spread
            best = sorted(groups, key=lambda t: (-mean(groups[t]), t))
            codes = np.stack([trials.unit_code(t) for t in best[: parzen.good_count(len(best))]])
            step = [float(np.clip(np.median(codes.std(axis=0)), *LOCAL_STEP))] * dimension
        step, momentum = np.array(step, dtype=float), state.get("momentum")
        for trial, (base, axes, move) in [(t, v) for t, v in local.items() if v is not None]:
            score = trials.score(int(trial), budgets[-1])
            if score is None:
                continue
            step[axes] = np.clip(step[axes] * (1.5 if score > base else 1.5 ** -0.25), *LOCAL_STEP)
            momentum = move if score > base else None  # a step that paid is tried again, twice as long
            local[trial] = None  # counted
        centre = incumbent(groups)
        rng = state_rng(state)
        origin = trials.unit_code(centre)
        if momentum is not None:
            move = 2.0 * np.array(momentum)
            axes = np.flatnonzero(move != 0)
            code = parzen.local_step(origin + move, 0.0, rng)
        else:
            axes = np.flatnonzero(rng.random(dimension) < 1.0 / dimension)
            if len(axes) == 0:
                axes = np.array([rng.integers(dimension)])
            width = np.zeros(dimension)
            width[axes] = step[axes]
            code = parzen.local_step(origin, width, rng)
        return code, [float(np.mean(groups[centre])), axes.tolist(), (code - origin).tolist()], {
            **state, "rng": rng.bit_generator.state, "step": step.tolist(), "local": local, "momentum": None}
