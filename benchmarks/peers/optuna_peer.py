"""Optuna's TPE sampler with its Hyperband pruner on one problem of benchmarks/multifidelity.py.

Each trial trains its candidate in segments up to the rungs (the same geometric budgets as l2l's
policies, eta = 3), continuing from the checkpoint of the previous segment, reports the value at every
rung as an intermediate value and asks the pruner whether to stop. Compute is counted like l2l's: a
segment costs the budget it adds. Trials are run one at a time until the compute budget is spent.
"""

from __future__ import annotations

import time
import warnings

from peers.mf_problems import Problem


def run(problem: Problem, seed: int) -> tuple[list, float]:
    """(log, seconds) of TPE + HyperbandPruner with ``seed`` (see peers.mf_problems for the log)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
    rungs = problem.rungs(3.0)
    # a fixed study name: the pruner assigns trials to brackets by a hash of it (a random name made runs differ)
    study = optuna.create_study(
        study_name=f"{problem.name}-{seed}", direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.HyperbandPruner(min_resource=problem.min_budget, max_resource=problem.max_budget,
                                              reduction_factor=3))
    log, spent = [], 0.0
    started = time.perf_counter()
    while spent < problem.compute:
        trial = study.ask()
        unit = [trial.suggest_float(f"u{i}", 0.0, 1.0) for i in range(problem.dimension)]
        key = Problem.key(unit)
        checkpoint, reached, value = None, 0, float("nan")
        pruned = False
        for budget in rungs:
            previous = checkpoint
            value, checkpoint = problem.run_to(unit, 2_000_000 * (seed + 1) + trial.number, budget, previous)
            spent += budget - reached if previous is not None else budget
            reached = budget
            log.append((spent, budget, value, key))
            if value != value:
                break
            trial.report(value, budget)
            if budget < problem.max_budget and trial.should_prune():
                pruned = True
                break
        if value != value:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        elif pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, value)
    return log, time.perf_counter() - started
