"""The outer loop's run state: the state before anything ran, older layouts, evaluation seeds."""

from __future__ import annotations

import copy
import sys
from typing import Any

import numpy as np

from l2l.outcomes import penalties
from l2l.policies.base import budget_key, stored_rungs
from l2l.results_schema.layout import OK, STATUS_CODES

SEED_MASK = (1 << 63) - 1
#: The key of a state's loop that says its ``compute`` counts every attempt of a segment (the failed ones that
#: were retried too); a state without it was committed by an l2l that counted a retried segment once.
EVERY_ATTEMPT = "every_attempt"
#: Marks the state of a run whose ``run.inherit = true`` generations end at the simulator's top budget: the last one
#: trains what the rounded shares left (40 steps over 3 generations: 13, 13, 14). A state without it (an l2l that
#: gave every generation the rounded share: 13, 13, 13, ending at 39) resumes with that schedule.
INHERIT_TO_TOP = "inherit_to_top"
#: Keys a policy's state gained after files were first written, by policy, with what a state stored without them
#: stands for (what its run did): a model-based state of 2 December 2026 (before probe brackets, repeats and the
#: endgame) has none of them; its bracket was an ordinary one (resuming it ended in ``KeyError: 'probe'``).
ADDED_POLICY_KEYS: dict[str, dict[str, Any]] = {
    "model-based": {"probe": False, "probes": [], "repeats": {}, "repeating": None, "local": {}, "step": None,
                    "localizing": None, "momentum": None, "endgame_from": None},
}


def evaluation_seed(run_seed: int, generation: int, individual: int) -> int:
    """The seed of one evaluation: a function of (run seed, generation, individual) only. Each is an integer >= 0
    (numpy's too); anything else is one ArgumentError line (None drew a random seed, "3" was taken, 3.5 raised
    numpy's TypeError)."""
    if not (type(run_seed) is type(generation) is type(individual) is int and min(run_seed, generation,
                                                                                 individual) >= 0):
        from l2l.errors import ArgumentError
        from l2l.parameters import plain

        for name, value in (("run_seed", run_seed), ("generation", generation), ("individual", individual)):
            value = plain(value)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ArgumentError(f"evaluation_seed: {name} must be an integer >= 0, got {type(value).__name__} "
                                    f"{value!r:.60}")
        run_seed, generation, individual = plain(run_seed), plain(generation), plain(individual)
    words = np.random.SeedSequence(run_seed, spawn_key=(generation, individual)).generate_state(2, np.uint32)
    return int((int(words[0]) << 32 | int(words[1])) & SEED_MASK)




def initial_state(components) -> dict[str, Any]:
    """The run state before anything ran."""
    config, problem = components.config, components.problem
    return {"optimizer": components.optimizer.init(problem, config.seed),
            "policy": components.schedule.init(list(components.budgets), problem.space.dimension, config.seed),
            "trials": {},
            "loop": {"generation": 0, "evaluations": 0, "failed": 0, "worst": {}, "best": {},
                     "compute": 0.0, "next_trial": 0, "rows": 0, "in_flight": [], EVERY_ATTEMPT: True,
                     INHERIT_TO_TOP: True}}


def count_every_attempt(state: dict[str, Any], trajectory) -> None:
    """Bring the ``compute`` of ``state`` (the last committed one of ``trajectory``, read by ``l2l resume``) to
    the count of every attempt, where it was committed by an l2l that counted a retried segment once: add
    ``budget - from_budget`` for each failed attempt of the rows it accounts for (``loop["rows"]``), so that
    ``run.compute`` stops the resumed run where ``l2l show`` (which counts from the rows) says it is spent.
    Reads the ``attempts`` column once, for the first resume of such a file only (the state it then commits
    says so); changes nothing in a state that already counts every attempt."""
    loop = state["loop"]
    if loop.get(EVERY_ATTEMPT):
        return
    loop[EVERY_ATTEMPT] = True
    rows = int(loop.get("rows", loop.get("evaluations", 0)) or 0)
    if not trajectory.multi_fidelity or rows <= 0:  # no segments: no compute counted
        return
    attempts = trajectory.rows(("attempts",), 0, rows)["attempts"]
    retried = np.flatnonzero(attempts > 1)
    if not len(retried):
        return
    budget = trajectory._take("evaluations/budget", retried)
    start = trajectory._take("evaluations/from_budget", retried)
    loop["compute"] = float(loop.get("compute", 0.0)) + float(np.sum((budget - start) * (attempts[retried] - 1)))


def rescore_early_failures(state: dict[str, Any], trajectory, config) -> int:
    """Score -inf the segments of ``state`` (the last committed one of ``trajectory``, read by ``l2l resume``)
    that failed before the run's first success, where an l2l before 6 December 2026 scored them 0.0: better than
    any real error (a minimized objective's scores are negated), so that the model-based policy, which refits its
    model on the stored scores at every proposal, ranked those failed candidates among its best and proposed
    near them for the rest of the run. Today's l2l scores them -inf, as it tells the optimizer (see
    :func:`l2l.outcomes.penalties`); nothing else marks them, so they are found from the rows: the failed segments
    (by status) before the first successful one, whose trial still holds 0.0 at that budget. A run given a number
    as ``run.penalty`` (``config``'s) scored them with it and is left as it is; so is a state with no 0.0 score
    (every other one: read without touching the rows). Returns how many scores changed."""
    trials = state.get("trials") or {}
    if not trajectory.multi_fidelity or not any(score == 0.0 for record in trials.values()
                                                for score in (record.get("scores") or {}).values()):
        return 0
    if np.isfinite(penalties(config, trajectory.objectives[:1], {})[0]):
        return 0
    rows = int(state["loop"].get("rows", state["loop"].get("evaluations", 0)) or 0)
    status = trajectory.rows(("status",), 0, rows)["status"]
    ok = np.flatnonzero(status == STATUS_CODES[OK])
    early = np.arange(int(ok[0]) if len(ok) else len(status))  # rows in the order they were recorded
    if not len(early):
        return 0
    columns = trajectory.rows(("trial", "budget"), 0, int(early[-1]) + 1)
    changed = 0
    for trial, budget in zip(columns["trial"].tolist(), columns["budget"].tolist()):
        record = trials.get(str(int(trial)))
        key = budget_key(budget)
        if record is not None and record.get("scores", {}).get(key) == 0.0:
            record["scores"] = {**record["scores"], key: -np.inf}
            changed += 1
    return changed


def adopt(state: dict[str, Any], components) -> dict[str, Any]:
    """A state saved by an earlier version of l2l, in today's layout (generational and async runs)."""
    loop = dict(state["loop"])
    # a trial of a policy run stored before the one outer loop (2 December 2026) has no cohort: none was told as one.
    # Its index 0 renumbers nothing: such records had no index either (both came with that loop), and a [policy]
    # run's new trials get cohort None, index 0 today; its rows are placed by rung and trial (Policy.coordinates), and
    # the trial ids, the next trial and the parents (lineage) are kept as stored (tests/test_compat28.py)
    trials = {k: r if "cohort" in r else {**r, "cohort": None, "index": 0}
              for k, r in (state.get("trials") or {}).items()}
    in_flight = loop.get("in_flight", [])
    if isinstance(in_flight, dict):  # async runs kept {candidate number: code}
        for k, code in in_flight.items():
            trials[str(int(k))] = _record(code, None, 0)
        loop["in_flight"] = [[int(k), None, 0.0] for k in sorted(in_flight, key=int)]
        loop["next_trial"] = loop.pop("asked", loop["evaluations"])
        loop.setdefault("rows", loop["evaluations"])
    loop.setdefault("in_flight", [])
    loop.setdefault("next_trial", 0)
    loop.setdefault("compute", 0.0)
    resumes = getattr(components.optimizer, "resumes", None)
    if resumes is not None:  # 'auto' learns its stored choice before anything is asked (Auto.busy_workers)
        resumes(state["optimizer"])
    policy = state.get("policy")
    if policy is None:
        policy = components.schedule.init(list(components.budgets), components.problem.space.dimension,
                                          components.config.seed)
    else:  # a run stored before the rungs of a continuous fidelity were rounded goes on with its own, which the
        # loop reads from the components: its policy state and scores are keyed by them (0.8999999999999999, where
        # the config gives 0.9 today)
        components.budgets = tuple(stored_rungs(policy, components.budgets))
        name = getattr(components.schedule, "name", "")
        added = ADDED_POLICY_KEYS.get(name, {})
        if name == "model-based":
            policy = _without_endgame(policy, components)
        policy = {**copy.deepcopy({k: v for k, v in added.items() if k not in policy}), **policy}
    return {**state, "loop": loop, "trials": trials, "policy": policy}


def _without_endgame(policy: dict[str, Any], components) -> dict[str, Any]:
    """A model-based state of a run started before the endgame existed (3 December 2026), marked to go on as it
    ran: with no endgame (:data:`~l2l.policies.model_based_endgame.NO_ENDGAME`), where today's default would give
    the compute a resume adds one (its stored config stored no ``exploit_share``, as a run of today left at the
    default does not either). Said in one note line on stderr, once per session; any other state is returned as it
    is."""
    from l2l.policies.model_based_endgame import NO_ENDGAME, stored_before_endgame

    if not stored_before_endgame(policy):
        return policy
    if getattr(components.schedule, "exploit_share", 0):
        print("l2l: note: this model-based run was started before the endgame existed (3 December 2026): it goes "
              "on as it ran, proposing candidates until run.compute is spent, with no endgame (a new run has one: "
              "the last exploit_share of run.compute)", file=sys.stderr)
    return {**policy, NO_ENDGAME: True}


def _record(code, cohort: int | None, index: int) -> dict[str, Any]:
    return {"code": [float(v) for v in code], "budget": 0.0, "scores": {}, "running": False, "row": -1,
            "cohort": cohort, "index": index}


class TargetWatch:
    """``run.target``: whether a candidate has reached the values that end the run.

    What counts is what ``l2l show`` ranks first by: a candidate's successful results at the run's top budget (every
    result outside multi-fidelity runs; a low rung's value never counts), averaged over its repeats (equal
    parameters evaluated from scratch again: a GA's elite, the model-based policy's repeats), and only once none of
    its repeats is still running, so that one lucky seed does not end the run while the others are pending. Failed
    evaluations (whose penalty the optimizer is told) never count. A table of several objectives is reached when
    one candidate's means reach every target listed.
    """

    def __init__(self, target: float | dict[str, float], objectives) -> None:
        names = [o.name for o in objectives]
        table = target if isinstance(target, dict) else {names[0]: float(target)}
        self.target = target
        #: (column, value to reach, sign) per objective listed: reached where sign * (mean - value) >= 0.
        self.goals = [(names.index(name), float(value), objectives[names.index(name)].sign)
                      for name, value in table.items()]
        self.names = names
        #: Per candidate: [sum of each objective, count of results, its first evaluation's id].
        self.sums: dict[Any, list[Any]] = {}
        self.waiting: set[Any] = set()  # candidates that meet the target while a repeat of theirs runs

    def add(self, key: Any, values: np.ndarray, ident: Any) -> None:
        """One successful result at the top budget of candidate ``key`` (``ident``: what names it)."""
        entry = self.sums.get(key)
        if entry is None:
            self.sums[key] = [np.array(values, dtype=float), 1, ident]
        else:
            entry[0] = entry[0] + values
            entry[1] += 1

    def meets(self, key: Any) -> bool:
        entry = self.sums.get(key)
        if entry is None:
            return False
        mean = entry[0] / entry[1]
        return all(sign * (mean[column] - value) >= 0 for column, value, sign in self.goals)

    def reached(self, key: Any, evaluations: int, compute: float | None, elapsed: float) -> dict[str, Any]:
        """What the file records of the candidate ``key`` that reached the target: the target, the candidate (its
        trial in a multi-fidelity run, else [generation, individual] of its first evaluation), its mean of each
        objective and of how many results, and the evaluations (compute) and seconds the run had spent."""
        total, count, ident = self.sums[key]
        out = {"value": self.target, "candidate": ident,
               "objectives": {name: float(f"{total[j] / count:.12g}") for j, name in enumerate(self.names)},
               "results": int(count), "evaluations": int(evaluations), "elapsed": round(float(elapsed), 3)}
        if compute is not None:
            out["compute"] = float(f"{compute:.12g}")
        return out


def value_key(space, values: dict[str, Any]) -> tuple[float, ...]:
    """The candidate a result outside multi-fidelity runs belongs to: the parameter values evaluated (a choice by
    its index), as ``l2l show`` pools the rows of a candidate evaluated more than once; :func:`stored_keys` makes
    the same of the rows in the file."""
    from l2l.parameters import Categorical

    out: list[float] = []
    for p in space.parameters:
        value = values[p.name]
        if isinstance(p, Categorical):
            out.append(float(p.index(value)))
        else:
            out.extend(np.asarray(value, dtype=float).reshape(-1).tolist())
    return tuple(out)


def stored_keys(space, columns: dict[str, np.ndarray]) -> list[tuple[float, ...]]:
    """:func:`value_key` of each stored row (``columns``: each parameter's column of the rows as the file keeps
    them, a choice as its index)."""
    n = len(next(iter(columns.values()))) if columns else 0
    pieces = [np.asarray(columns[p.name], dtype=float).reshape(n, -1) for p in space.parameters]
    codes = np.concatenate(pieces, axis=1) if pieces else np.zeros((n, 0))
    return [tuple(row) for row in codes.tolist()]
