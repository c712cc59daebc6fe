"""TPE keeps its study between asks, and that changes no result."""

from __future__ import annotations

import numpy as np

from l2l.optimizers.bayesian import TPE
from optimizer_helpers import evaluate, mixed_problem, optimizer


def _run(fresh_object_each_time: bool, steps: int = 12) -> list[np.ndarray]:
    problem = mixed_problem("tpe")
    opt = optimizer("tpe", population_size=3, n_startup_trials=4)
    state = opt.init(problem, seed=9)
    asked = []
    for step in range(steps):
        if fresh_object_each_time:
            opt = optimizer("tpe", population_size=3, n_startup_trials=4)
        candidates, state = opt.ask(problem, state, n=1 + step % 3)
        scores, _ = evaluate(problem, candidates)
        keep = slice(None) if step % 2 else slice(0, 1)  # tell part of the batch now, the rest later
        state = opt.tell(problem, state, candidates[keep], scores[keep])
        if step % 2 == 0 and len(candidates) > 1:
            state = opt.tell(problem, state, candidates[1:], scores[1:])
        asked.append(candidates)
    return asked


def test_the_kept_study_gives_exactly_the_candidates_of_a_study_rebuilt_at_every_ask():
    kept = _run(fresh_object_each_time=False)
    rebuilt = _run(fresh_object_each_time=True)
    for a, b in zip(kept, rebuilt):
        np.testing.assert_array_equal(a, b)


def test_the_study_is_kept_between_asks_instead_of_rebuilt():
    problem = mixed_problem("tpe")
    opt = optimizer("tpe", population_size=2, n_startup_trials=2)
    state = opt.init(problem, seed=1)
    studies = []
    for _ in range(4):
        candidates, state = opt.ask(problem, state)
        scores, _ = evaluate(problem, candidates)
        state = opt.tell(problem, state, candidates, scores)
        studies.append(opt._live[0].study)
    assert all(s is studies[0] for s in studies)
    assert len(studies[0].trials) == 8


def test_a_state_in_the_former_layout_still_continues():
    problem = mixed_problem("tpe")
    opt = TPE(population_size=2, n_startup_trials=2)
    state = opt.init(problem, seed=2)
    candidates, state = opt.ask(problem, state)
    scores, _ = evaluate(problem, candidates)
    state = opt.tell(problem, state, candidates[:1], scores[:1])
    former = {"seed": state["seed"], "asks": state["asks"], "codes": state["codes"][:1],
              "scores": state["scores"][:1], "pending": state["codes"][1:]}
    np.testing.assert_array_equal(TPE(population_size=2, n_startup_trials=2).ask(problem, former)[0],
                                  TPE(population_size=2, n_startup_trials=2).ask(problem, state)[0])
    told = opt.tell(problem, former, candidates[1:], scores[1:])
    assert told["told"].all() and len(told["codes"]) == 2
