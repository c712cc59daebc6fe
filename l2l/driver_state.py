"""The outer loop's run state: the state before anything ran, older layouts, evaluation seeds."""

from __future__ import annotations

from typing import Any

import numpy as np

from l2l.policies.base import stored_rungs

SEED_MASK = (1 << 63) - 1
#: The key of a state's loop that says its ``compute`` counts every attempt of a segment (the failed ones that
#: were retried too); a state without it was committed by an l2l that counted a retried segment once.
EVERY_ATTEMPT = "every_attempt"


def evaluation_seed(run_seed: int, generation: int, individual: int) -> int:
    """The seed of one evaluation: a function of (run seed, generation, individual) only."""
    words = np.random.SeedSequence(run_seed, spawn_key=(generation, individual)).generate_state(2, np.uint32)
    return int((int(words[0]) << 32 | int(words[1])) & SEED_MASK)




def initial_state(components) -> dict[str, Any]:
    """The run state before anything ran."""
    config, problem = components.config, components.problem
    return {"optimizer": components.optimizer.init(problem, config.seed),
            "policy": components.schedule.init(list(components.budgets), problem.space.dimension, config.seed),
            "trials": {},
            "loop": {"generation": 0, "evaluations": 0, "failed": 0, "worst": {}, "best": {},
                     "compute": 0.0, "next_trial": 0, "rows": 0, "in_flight": [], EVERY_ATTEMPT: True}}


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


def adopt(state: dict[str, Any], components) -> dict[str, Any]:
    """A state saved by an earlier version of l2l, in today's layout (generational and async runs)."""
    loop = dict(state["loop"])
    trials = dict(state.get("trials") or {})
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
    return {**state, "loop": loop, "trials": trials, "policy": policy}


def _record(code, cohort: int | None, index: int) -> dict[str, Any]:
    return {"code": [float(v) for v in code], "budget": 0.0, "scores": {}, "running": False, "row": -1,
            "cohort": cohort, "index": index}
