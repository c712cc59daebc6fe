"""The outer loop's run state: the state before anything ran, older layouts, evaluation seeds."""

from __future__ import annotations

from typing import Any

import numpy as np

SEED_MASK = (1 << 63) - 1


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
                     "compute": 0.0, "next_trial": 0, "rows": 0, "in_flight": []}}


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
    policy = state.get("policy")
    if policy is None:
        policy = components.schedule.init(list(components.budgets), components.problem.space.dimension,
                                          components.config.seed)
    return {**state, "loop": loop, "trials": trials, "policy": policy}


def _record(code, cohort: int | None, index: int) -> dict[str, Any]:
    return {"code": [float(v) for v in code], "budget": 0.0, "scores": {}, "running": False, "row": -1,
            "cohort": cohort, "index": index}
