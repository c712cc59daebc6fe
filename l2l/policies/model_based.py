"""Model-based multi-fidelity search that leans on low budgets only as far as they agree with the full one.

The schedule is Hyperband's (brackets of successive halving that start at
different budgets); the new candidates of a bracket come from a model, in the
spirit of BOHB (Falkner et al. 2018): a tree-Parzen density ratio
(:mod:`l2l.policies.parzen`) fitted on every candidate at the highest budget it
reached *among the budgets whose ranking agrees with the top budget's*, ranked
by its pooled rank there (``pooled_ranks``, below; with ``pooled_ranks = false``
first by that budget and then by its score, so candidates stopped early fill
the bad set, as Optuna's TPE treats pruned trials), with a fraction of
candidates drawn at random so the model never locks in and a fraction of
local refinements around the best candidates at the top budget.

Low budgets can mislead: a learning curve may rank candidates differently
early than late. The policy measures it from the data. Its full-budget
bracket is a *probe*: its candidates are trained through every rung without
selection, one after the other (each continued from its checkpoint, so at the
cost of training it to the full budget at once, and the next one is proposed
knowing its result), and the first bracket is always one. The rank
correlation between the probes' scores at rung k and at the full budget says
how well rung k agrees, free of the bias a selection by low budgets would
bring in. Brackets are then drawn with weights proportional to that agreement
(unknown agreement counts as ``prior_agreement``; the probe bracket's weight
is one minus the best agreement, at least ``probe_weight``, and 1 while none
is measured; with ``agreement_confidence`` a rung's agreement is lowered by
that many standard errors of a correlation of its number of probe pairs):
where low budgets agree, the policy behaves like BOHB; where they mislead, it
runs mostly probes and becomes plain model-based search at the full budget.
With ``pooled_ranks`` (the default since issue 11's ninth benchmark round, as is
``screening``) the model ranks every candidate by its expected rank at the
top budget instead of budget first: its rank among all results at its highest
trusted budget, drawn towards the middle rank by one minus that budget's agreement
(less one standard error for its number of probes).

A noisy top budget (one seed's training may fail where another's succeeds)
makes the best single result a lucky one. So the candidate the policy would
choose, the best *mean* at the top budget (ties: the one evaluated more
often), is trained again with a new seed until it has ``repeats`` top-budget
results, within ``repeat_share`` of the compute spent (from the time the top
budget has as many results as the model needs). Once a repeat
reproduces its first result exactly (a noise-free top budget), nothing is
repeated any more.

The last ``exploit_share`` of the run's compute (the driver tells the policy
``run.compute``) is an *endgame*, once the top budget holds ``endgame_results``
candidates (by default twice the results the model needs; until then the run
goes on proposing, so a run told a small compute, a third of a sweep's, spends
it as the first third of a longer run would): every new candidate is a local step from the
chosen one, trained straight to the top budget, along a random subset of the
axes, each with its own width adapted by the one-fifth success rule; a step
that paid is tried again, twice as long. Where the top budget has shown noise,
the endgame first races the best ``race`` candidates: each gets
``repeats + 1`` top-budget results. With ``early_race``, the best ``race`` candidates
each get ``repeats`` results before the endgame already (within ``repeat_share``).

The state holds the random generator, the bracket and repeat bookkeeping and
the compute spent when the endgame started (reported, never decided on);
the model is refitted from the trial table at every proposal, so nothing else
needs storing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Collection

import numpy as np

from l2l.policies import model_based_curves as curves
from l2l.policies.agreement import best_first, incumbent, lower_bound, spearman, top_groups
from l2l.policies.base import DONE, WAIT, Action, State, TrialTable, survivors
from l2l.policies.halving import Hyperband, bracket_plan
from l2l.policies.model_based_endgame import Endgame, EndgameStatus
from l2l.policies.model_based_proposals import Proposals, state_rng
from l2l.registry import option

MIN_PAIRS = 5


#: Most samples one proposal draws (candidates of 'parzen', samples of 'kde'): the cost of every proposal grows with
#: them (10,000 parzen candidates made a 4000-unit sphere run take 52 s instead of 1.5 s) and picks no better past
#: it; 10**18 filled the memory in a numpy traceback.
MAX_PROPOSAL_SAMPLES = 10_000

#: Options whose defaults changed, with the value a run started before the change ran with: a run stores their
#: values when it starts, and a run started before, which stored none, is resumed as it ran (pooled_ranks and
#: screening became true in issue 11's ninth benchmark round; endgame_results gained its gate in the thirteenth:
#: 1 is no gate, as the endgame never starts before the top budget holds the model's minimum anyway).
CHANGED_DEFAULTS = {"pooled_ranks": False, "screening": False, "endgame_results": 1}


@dataclass(frozen=True)
class ModelBased(Proposals, Endgame, Hyperband):
    """Hyperband brackets whose new candidates come from a density-ratio model; brackets weighted by how well
    each budget agrees with the full one."""

    name: ClassVar[str] = "model-based"
    proposes: ClassVar[bool] = True
    #: run.initial_points are its first new candidates, in order (SMAC's additional initial configurations).
    takes_initial_points: ClassVar[bool] = True
    candidate_budget: ClassVar[bool] = False
    no_candidate_budget: ClassVar[str] = ("it proposes candidates itself, trains its choice again and refines it "
                                          "until run.compute is spent; give run.compute")

    random_fraction: float = option(0.15, help="share of new candidates drawn at random instead of from the model",
                                    ge=0, le=1)
    refine_fraction: float = option(0.2, help="share of model proposals that refine one of the best candidates "
                                    "at the top budget (a small step from it)", ge=0, le=1)
    candidates: int = option(24, help="model 'parzen': samples of the good density drawn to pick each proposal",
                             ge=1, le=MAX_PROPOSAL_SAMPLES)
    top_fraction: float = option(0.15, help="model 'kde': share of results it counts as good", gt=0, lt=1)
    samples: int = option(64, help="model 'kde': candidates drawn from the good density to pick each proposal",
                          ge=1, le=MAX_PROPOSAL_SAMPLES)
    prior_agreement: float = option(0.5, help="agreement assumed for a budget before it can be measured", ge=0, le=1)
    model: str = option("parzen", help="the proposal model: 'parzen' (a density ratio fitted on every candidate at "
                        "its highest trusted budget), 'tpe' (Optuna's multivariate TPE fitted on the highest trusted "
                        "budget's results) or 'kde' (a density ratio of one budget's results)",
                        choices=("parzen", "tpe", "kde"))
    repeats: int = option(2, help="top-budget results (each with its own seed) the chosen candidate gets while the "
                          "top budget proves noisy (1: never repeat)", ge=1)
    repeat_share: float = option(0.2, help="at most this share of the compute spent goes to repeats", ge=0, le=1)
    probe_weight: float = option(0.25, help="weight of the probe bracket where a lower budget agrees with the top "
                                 "one (it is 1 - that agreement where that is more)", ge=0, le=1)
    race: int = option(3, help="in the endgame, where the top budget proved noisy, the best this many candidates "
                       "(by mean) are trained again until each has one result more than 'repeats'", ge=1)
    exploit_share: float = option(0.33, help="the last share of the run's compute (run.compute) goes to a local "
                                  "search around the chosen candidate at the top budget", ge=0, le=1)
    endgame_results: int = option(0, help="the endgame starts no earlier than when the top budget holds this many "
                                  "candidates (0: twice what the model needs, 2 x max(dimension + 2, 6)); a run told "
                                  "a small run.compute that never gets there spends it all on proposals", ge=0,
                                  le=1_000_000)
    agreement_confidence: float = option(0.0, help="a bracket is weighted by its rung's agreement less this many "
                                         "standard errors (few pairs measure it roughly; 0: as measured)", ge=0)
    probe_first: bool = option(True, help="the first bracket is a probe (false: the broadest bracket of successive "
                               "halving first, the probe second)")
    early_race: bool = option(False, help="where the top budget proved noisy, race the best 'race' candidates to "
                              "'repeats' results each before the endgame too (within repeat_share)")
    screening: bool = option(True, help="share the weight of the brackets below the top in proportion to their "
                             "rung's agreement squared times the candidates they start (their total weight, and so "
                             "the probes' share, unchanged): where the lowest rungs agree, most brackets screen "
                             "many candidates there")
    pooled_ranks: bool = option(True, help="the proposal model ranks every candidate by its rank among all "
                                "results at its highest trusted budget, drawn towards that budget's middle rank by "
                                "one minus its agreement with the top (less one standard error for its number of "
                                "probes; false: by the highest trusted budget first, then the score there)")
    extrapolate: bool = option(False, help="a halving bracket promotes a member with results at three or more "
                               "rungs by a power law fitted to them and extrapolated to the top budget, not by its "
                               "result at the rung (a development option of issue 11: its learning curves)")

    def config_warning(self, given: Collection[str]) -> str:
        """The warning line for options given in the ``[policy]`` table (the keys ``given``) that do nothing as
        given, or '': ``endgame_results`` without an endgame (``exploit_share = 0``). Not an error: the run does
        what the other options say, and a later run may turn the endgame on."""
        if "endgame_results" in given and not self.exploit_share:
            return (f"l2l: warning: [policy] endgame_results = {self.endgame_results} does nothing with "
                    f"exploit_share = 0 (no endgame: the run proposes candidates until run.compute is spent); "
                    f"give exploit_share > 0 for an endgame, or leave endgame_results out")
        return ""

    def init(self, budgets: list[float], dimension: int, seed: int) -> State:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x6D62,)))
        state = {"budgets": list(budgets), "bracket": -1, "count": 0, "dimension": int(dimension),
                 "rng": rng.bit_generator.state, "agreement": [None] * len(budgets), "probes": [],
                 "repeats": {}, "repeating": None, "local": {}, "step": None, "localizing": None,
                 "momentum": None, "endgame_from": None}
        return self._open_bracket(state)

    def _open_bracket(self, state: State) -> State:
        state = super()._open_bracket(state)
        levels = len(state["budgets"]) - 1
        if state["bracket"] == 0 and not self.probe_first:  # the broadest bracket first, the probe second
            state = {**state, "start": 0, "rung": 0, "plan": bracket_plan(levels, levels, self.eta, True),
                     "probe": False}
        elif state["start"] == levels or state["bracket"] == (0 if self.probe_first else 1):
            # a probe: every candidate through every rung
            size = max(MIN_PAIRS, bracket_plan(levels, 0, self.eta, True)[0])  # enough to measure agreement
            state = {**state, "start": 0, "rung": 0, "plan": [size] * (levels + 1), "probe": True}
        else:
            state = {**state, "probe": False}
        return state

    def launched(self, state: State, trial: int, budget: float) -> State:
        if state.get("repeating") is not None:  # a repeat of an earlier candidate, outside the brackets
            return {**state, "repeats": {**state["repeats"], str(trial): state["repeating"]}, "repeating": None}
        if state.get("localizing") is not None:  # a local step of the endgame, outside the brackets
            return {**state, "local": {**state["local"], str(trial): state["localizing"]}, "localizing": None}
        state = super().launched(state, trial, budget)
        return {**state, "probes": state["probes"] + [trial]} if state["probe"] else state

    # -- brackets weighted by agreement ---------------------------------------------------------------
    def bracket_weights(self, agreement: list[float | None], pairs: list[int] | None = None) -> np.ndarray:
        """Weight of the bracket starting at each rung: its measured agreement with the top (or the prior), less
        ``agreement_confidence`` standard errors for its number of ``pairs``; the probe's is one minus the best of
        these, at least ``probe_weight``, and 1 while none is measured. With ``screening`` the brackets below the
        top share their total weight in proportion to agreement squared times the candidates each starts."""
        if pairs is not None and self.agreement_confidence > 0:
            agreement = [a if a is None or k == len(agreement) - 1 else
                         lower_bound(a, pairs[k], self.agreement_confidence) for k, a in enumerate(agreement)]
        measured = [max(0.0, a) for a in agreement[:-1] if a is not None]
        probe = max(self.probe_weight, 1.0 - max(measured)) if measured else 1.0
        weights = np.array([self.prior_agreement if a is None else max(0.0, a) for a in agreement[:-1]])
        if self.screening and weights.sum() > 0:
            # agreement squared is the share of the top budget's ranking a rung explains; a bracket starting
            # lower screens more candidates for about the same compute
            levels = len(agreement) - 1
            screened = np.array([bracket_plan(levels, levels - k, self.eta, True)[0] for k in range(levels)])
            value = weights ** 2 * screened
            total = value.sum()
            if 0 < total < math.inf:
                weights = weights.sum() * value / total
            else:  # the squares underflow (prior_agreement = 1e-300) or the sum overflows: the same shares, by logs
                with np.errstate(divide="ignore"):  # a weight of 0 keeps a share of 0
                    logs = 2 * np.log(weights) + np.array([math.log(n) for n in screened])
                share = np.exp(logs - logs.max())
                weights = weights.sum() * share / share.sum()
        return np.append(weights, probe)

    def _first_rung(self, state: State, bracket: int) -> tuple[int, State]:
        weights = self.bracket_weights(state["agreement"], state.get("pairs"))
        # a bracket starting at rung k costs about the same as any other; weight it by its rung's agreement
        rng = state_rng(state)
        start = int(rng.choice(len(weights), p=weights / weights.sum()))
        return start, {**state, "rng": rng.bit_generator.state}

    def next(self, state: State, trials: TrialTable) -> tuple[Action, State]:
        state = {**state, "repeats": state.get("repeats", {}), "repeating": None, "local": state.get("local", {}),
                 "step": state.get("step"), "localizing": None}
        state = self._mark_endgame(state, trials)
        repeat = self._repeat(state, trials)
        if repeat is not None:
            return (Action("start", state["budgets"][-1], code=tuple(float(v) for v in trials.unit_code(repeat))),
                    {**state, "repeating": repeat})
        while True:
            if self.brackets and state["count"] > self.brackets:
                return DONE, state
            action, state = (self._probe_step if state["probe"] else self._halving_step)(state, trials)
            if action is not None:
                break
            # the bracket is complete: measure agreement again, for the choice of the next one
            state = {**state, "agreement": self.agreement(state["budgets"], trials, state["probes"]),
                     "pairs": self.pairs(state["budgets"], trials, state["probes"])}
            state = self._open_bracket(state)
        if action.kind != "start":
            return action, state
        if self._endgame(state, trials):
            code, base, state = self._local(state, trials)
            if code is not None:
                return (Action("start", state["budgets"][-1], code=tuple(float(v) for v in code)),
                        {**state, "localizing": base})
        given = int(state.get("initial_given", 0))
        if given < trials.initial_points:  # run.initial_points first, in order, scheduled as any new candidate
            return Action("start", action.budget, initial=given), {**state, "initial_given": given + 1}
        code, state = self._propose(state, trials)
        return Action("start", action.budget, code=tuple(float(v) for v in code)), state

    def _halving_step(self, state: State, trials: TrialTable) -> tuple[Action | None, State]:
        """Successive halving within the bracket, rung after rung (None: the bracket is complete)."""
        while True:
            budgets, rung = state["budgets"], state["rung"]
            budget = budgets[rung]
            if rung == state["start"]:
                if len(state["members"]) < state["plan"][0]:
                    return Action("start", budget), state
            else:
                waiting = [t for t in state["members"] if t not in state["launched"]]
                if waiting:
                    return (Action("continue", budget, waiting[0]),
                            {**state, "launched": state["launched"] + [waiting[0]]})
            if any(trials.score(t, budget) is None for t in state["members"]):
                return WAIT, state
            if rung == len(budgets) - 1:
                return None, state
            keep = state["plan"][rung + 1 - state["start"]]
            best = self._promoted(state, trials, keep)  # a failed candidate is never promoted
            state = {**state, "rung": rung + 1, "members": best, "launched": []}

    def _probe_step(self, state: State, trials: TrialTable) -> tuple[Action | None, State]:
        """A probe bracket, depth first: a paused member goes on to its next rung before a new one starts."""
        budgets = state["budgets"]
        for trial in state["members"]:
            if not trials.running(trial) and not trials.failed(trial) and trials.score(trial, budgets[-1]) is None:
                reached = trials.reached(trial)
                following = [b for b in budgets if b > reached]
                return Action("continue", following[0], trial), state
        if len(state["members"]) < state["plan"][0]:
            return Action("start", budgets[0]), state
        if any(trials.running(t) for t in state["members"]):
            return WAIT, state
        return None, state

    def continuable(self, state: State, trials: TrialTable) -> list[int]:
        """The open bracket's members it may still continue: a probe bracket continues every member to the top,
        a halving bracket those of its current rung it may still keep (see :class:`Hyperband`). Repeats and
        local steps start new trials at the top budget: they continue no candidate left below it."""
        if state.get("probe"):
            return sorted(t for t in state["members"] if not trials.failed(t))
        budgets, rung, members = state["budgets"], state["rung"], state["members"]
        complete = ((rung > state["start"] or len(members) >= state["plan"][0])
                    and all(trials.score(t, budgets[rung]) is not None for t in members))
        if self.extrapolate and complete and rung < len(budgets) - 1:  # the members it keeps, as _halving_step does
            return sorted(self._promoted(state, trials, state["plan"][rung + 1 - state["start"]]))
        return super().continuable(state, trials)

    def _promoted(self, state: State, trials: TrialTable, keep: int) -> list[int]:
        """The members the open halving bracket keeps at its current rung (see the option ``extrapolate``)."""
        if self.extrapolate:
            return curves.promoted(trials, state["budgets"], state["rung"], state["members"], keep)
        return survivors(trials, state["budgets"][state["rung"]], state["members"], keep)

    def agreement(self, budgets: list[float], trials: TrialTable, probes: list[int]) -> list[float | None]:
        """Rank correlation of each rung's scores with the full budget's, over the probes that reached both."""
        top = trials.scores_at(budgets[-1], probes)
        out: list[float | None] = []
        for budget in budgets[:-1]:
            low = trials.scores_at(budget, top)
            if len(low) < MIN_PAIRS:
                out.append(None)
                continue
            ids = sorted(low)
            out.append(spearman(np.array([low[t] for t in ids]), np.array([top[t] for t in ids])))
        return out + [1.0]

    def pairs(self, budgets: list[float], trials: TrialTable, probes: list[int]) -> list[int]:
        """How many probes reached both each rung and the top budget (the agreement's sample size)."""
        top = trials.scores_at(budgets[-1], probes)
        return [len(trials.scores_at(budget, top)) for budget in budgets]
    # -- repeats of the chosen candidate where the top budget is noisy -------------------------------------
    def _repeat(self, state: State, trials: TrialTable) -> int | None:
        """The candidate to train again at the top budget with a new seed now, if any."""
        if self.repeats <= 1:
            return None
        budgets, repeats = state["budgets"], state["repeats"]
        groups = top_groups(budgets, trials, repeats)
        # the candidates with more than one result: those trained again (a look at each repeated one, not at all)
        pairs = [groups[t] for t in {int(t) for t in repeats.values()} if len(groups.get(t, ())) > 1]
        if pairs and all(max(g) == min(g) for g in pairs):
            return None  # the top budget is noise-free: a repeat would tell nothing new
        if len(groups) < max(state["dimension"] + 2, 6):
            return None  # not before the top budget has as many results as the model needs
        busy = {origin for t, origin in repeats.items() if trials.running(int(t))}
        if pairs and self._endgame(state, trials, len(groups)):
            # noise shown, endgame: race the best few, one more seed each
            waiting = [t for t in best_first(groups)[:self.race] if len(groups[t]) <= self.repeats and t not in busy]
            return waiting[0] if waiting else None
        spent = trials.spent()
        if (len(repeats) + 1) * budgets[-1] > self.repeat_share * (spent + budgets[-1]):
            return None
        if pairs and self.early_race:  # noise shown: the best few, each to 'repeats' results
            waiting = [t for t in best_first(groups)[:self.race] if len(groups[t]) < self.repeats and t not in busy]
            return waiting[0] if waiting else None
        best = incumbent(groups)
        if len(groups[best]) >= self.repeats or best in busy:
            return None
        return best


__all__ = ["ModelBased", "EndgameStatus", "spearman", "bracket_plan"]
