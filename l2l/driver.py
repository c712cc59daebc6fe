"""The multi-fidelity driver: the optimizer proposes, a policy schedules segments of training.

A *trial* is one candidate (parameters from the optimizer, or from a policy
that proposes its own); a *segment* trains it from the budget it reached (with
the checkpoint it returned there) up to a higher budget. The policy (see
:mod:`l2l.policies`) decides, each time a worker is free, whether to start a
new trial, continue a paused one, wait, or finish. The optimizer is told a
trial's result when it reaches the top budget.

Every segment is one row of the trajectory (trial id, the budget reached, the
budget it continued from, its checkpoint); at most once a second the finished
segments are appended and committed together with the run state (optimizer,
policy, trial table, segments in flight). A resumed run starts from the last
commit: rows a dead run appended after it are dropped, the segments that were
in flight run again from the same checkpoints, and the same decisions follow
(exactly so on the ``serial`` backend, where the completion order is fixed).

Compute is counted in fidelity units: a segment continued from a checkpoint
costs ``budget - from_budget``; one that restarts from scratch (the simulator
returned no checkpoint) costs ``budget``. The run ends when the policy is done
or ``run.compute`` units are spent (segments already running still finish).
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from l2l.control import RunControl
from l2l.jobs import Outcome, Task
from l2l.jobs.base import OK
from l2l.policies import TrialTable, budget_key

FLUSH_SECONDS = 1.0

#: The row columns that say which segment a row is: (trial, budget reached).
SegmentKey = tuple[int, str]


def initial_state(components) -> dict[str, Any]:
    """The run state of a multi-fidelity run before anything ran."""
    config, problem = components.config, components.problem
    budgets = components.budgets
    return {"optimizer": components.optimizer.init(problem, config.seed),
            "policy": components.policy.init(budgets, problem.space.dimension, config.seed),
            "trials": {},
            "loop": {"generation": 0, "evaluations": 0, "failed": 0, "worst": {}, "best": {},
                     "compute": 0.0, "next_trial": 0, "rows": 0, "in_flight": []}}


def drive_policy(components, writer, state: dict[str, Any], *, progress: bool,
                 on_generation: Callable[[dict], None] | None, settings, control: RunControl) -> None:
    from l2l.loop import _announce, _better, _penalties, _Progress, _summary, evaluation_seed

    config, problem, optimizer, policy = components.config, components.problem, components.optimizer, \
        components.policy
    objectives = problem.objectives
    sign = objectives[0].sign
    budgets = components.budgets
    top = budgets[-1]
    loop = dict(state["loop"])
    trials: dict[str, dict[str, Any]] = {k: dict(v) for k, v in state["trials"].items()}
    optimizer_state, policy_state = state["optimizer"], state["policy"]
    table = TrialTable(trials, problem.space.to_unit)
    executor = components.executor
    compute_budget = components.compute
    bar = _Progress(progress, int(compute_budget), int(loop["compute"]), unit="budget")
    checkpoints: dict[int, dict[str, Any] | None] = {}  # latest checkpoint of each paused trial, by id
    running: dict[SegmentKey, Task] = {}

    def checkpoint_of(trial: int) -> dict[str, Any] | None:
        if trial not in checkpoints:
            checkpoints[trial] = writer.checkpoint(trials[str(trial)]["row"], trial)
        return checkpoints[trial]

    def submit(trial: int, budget: float, from_budget: float, attempt: int = 0) -> None:
        record = trials[str(trial)]
        checkpoint = checkpoint_of(trial) if from_budget > 0 else None
        params = problem.space.decode(np.asarray(record["code"], dtype=float))
        rung = int(np.argmin([abs(b - budget) for b in budgets]))
        task = Task(rung, trial, evaluation_seed(config.seed, 0, trial), params, attempt, budget=float(budget),
                    from_budget=float(from_budget) if checkpoint is not None else 0.0, checkpoint=checkpoint,
                    trial=trial)
        record["running"] = True
        running[(trial, budget_key(budget))] = task
        executor.submit([task])

    finished = False  # the policy said it is done (not only the compute budget spent)
    batch: list[Outcome] = []  # segments finished since the last commit, in the order they completed
    started, last_commit = time.time(), time.monotonic()
    completed = sum(1 for t in trials.values() if t["budget"] == top)
    try:
        executor.start(components.simulator, settings)
        _announce(executor, progress)
        for trial, budget, from_budget in loop.pop("in_flight"):
            submit(int(trial), float(budget), float(from_budget))
        while not control.stop_requested:
            capacity = max(1, executor.worker_count)  # asked again: workers may still be coming up, or go
            while len(running) < capacity and loop["compute"] < compute_budget:
                action, policy_state = policy.next(policy_state, table)
                if action.kind == "done":
                    finished = True
                    break
                if action.kind == "wait":
                    break
                if action.kind == "start":
                    if action.code is not None:  # the policy proposes a point of the unit cube
                        code = problem.space.from_unit(np.asarray(action.code, dtype=float)[None, :])[0]
                    else:
                        codes, optimizer_state = optimizer.ask(problem, optimizer_state, 1)
                        if len(codes) == 0:
                            finished = True
                            break
                        code = codes[0]
                    trial = loop["next_trial"]
                    loop["next_trial"] += 1
                    trials[str(trial)] = {"code": problem.space.canonical(code).tolist(), "budget": 0.0,
                                          "scores": {}, "running": False, "row": -1}
                    policy_state = policy.launched(policy_state, trial, action.budget)
                    submit(trial, action.budget, 0.0)
                else:
                    trial = action.trial
                    submit(trial, action.budget, trials[str(trial)]["budget"])
            if not running:
                break
            for outcome in executor.wait(timeout=1.0):
                key = (outcome.trial, budget_key(outcome.budget))
                task = running[key]
                if not outcome.ok and outcome.attempt < config.retries:
                    executor.submit([Task(task.generation, task.individual, task.seed, task.params,
                                          outcome.attempt + 1, task.budget, task.from_budget, task.checkpoint,
                                          task.trial)])
                    continue
                del running[key]
                record = trials[str(outcome.trial)]
                ok = outcome.status == OK
                value = outcome.objectives.get(objectives[0].name, np.nan) if ok else np.nan
                if ok:
                    o = objectives[0]
                    if o.name not in loop["worst"] or _better(o, loop["worst"][o.name], value):
                        loop["worst"][o.name] = float(value)
                    if outcome.budget == top and _better(o, value, loop["best"].get(o.name)):
                        loop["best"][o.name] = float(value)
                told = np.array([value]) if ok else _penalties(config, objectives[:1], loop["worst"])
                score = float(told[0] * sign)
                cost = outcome.budget - task.from_budget  # from_budget is 0 when it restarted from scratch
                loop["compute"] += cost
                loop["evaluations"] += 1
                loop["failed"] += int(not ok)
                record["scores"] = {**record["scores"], **_curve_scores(outcome, objectives[0], budgets,
                                                                        task.from_budget),
                                    budget_key(outcome.budget): score}
                record["budget"] = float(outcome.budget)
                record["running"] = False
                record["row"] = loop["rows"] + len(batch)
                checkpoints[outcome.trial] = outcome.checkpoint if ok else None
                policy_state = policy.report(policy_state, table, outcome.trial, outcome.budget, score)
                if outcome.budget == top and not policy.proposes:
                    optimizer_state = optimizer.tell(problem, optimizer_state, np.asarray(record["code"])[None, :],
                                                     np.array([[score]]))
                batch.append(outcome)
                completed += outcome.budget == top
                bar.update(int(round(cost)), loop["generation"], loop["best"], loop["failed"],
                           f"{len(trials)} candidates: {len(running)} running, {completed} completed")
            # Commit at most once a second: a crash loses at most that much work, which a resume redoes
            # with the same decisions (the segments in flight at the last commit run again in order).
            if batch and time.monotonic() - last_commit > FLUSH_SECONDS:
                _commit(writer, problem, loop, trials, running, batch, optimizer_state, policy_state, started,
                        on_generation, _summary)
                batch, started, last_commit = [], time.time(), time.monotonic()
        if batch:
            _commit(writer, problem, loop, trials, running, batch, optimizer_state, policy_state, started,
                    on_generation, _summary)
        if control.stop_requested:
            writer.event("stopped", {"generation": loop["generation"], "reason": control.stop_reason})
            return
        writer.event("finished", {"generations": loop["generation"], "evaluations": loop["evaluations"],
                                  "compute": loop["compute"], "policy_done": finished})
    finally:
        bar.close()
        executor.close()


def _curve_scores(outcome: Outcome, objective, budgets, from_budget: float) -> dict[str, float]:
    """Scores at the rungs a segment passed on its way, read from its learning curve.

    A candidate trained straight to the top budget thus also tells how it ranked at every lower rung,
    which is how the model-based policy measures whether low budgets agree with the top one.
    """
    from l2l.jobs.base import CURVE_PREFIX

    if outcome.status != OK:
        return {}
    curve = outcome.traces.get(f"{CURVE_PREFIX}{objective.name}")
    if curve is None or not len(curve):
        return {}
    out = {}
    for budget in budgets:
        if from_budget < budget < outcome.budget:
            hit = np.flatnonzero(np.isclose(curve[:, 0], budget))
            if len(hit) and np.isfinite(curve[hit[-1], 1]):
                out[budget_key(budget)] = float(curve[hit[-1], 1] * objective.sign)
    return out


def _commit(writer, problem, loop, trials, running, batch, optimizer_state, policy_state, started,
            on_generation, summarize) -> None:
    """Append a batch of segments and commit them with the run state (and the segments still in flight)."""
    params = [problem.space.decode(np.asarray(trials[str(o.trial)]["code"], dtype=float)) for o in batch]
    writer.append(batch, params)
    ok = np.array([o.status == OK for o in batch])
    values = np.array([[o.objectives.get(obj.name, np.nan) if o.status == OK else np.nan
                        for obj in problem.objectives] for o in batch], dtype=float)
    generation = loop["generation"]
    loop["generation"] = generation + 1
    loop["rows"] = writer.rows
    in_flight = [[task.trial, task.budget, task.from_budget] for task in running.values()]
    saved_trials = {k: {**v, "running": False} for k, v in trials.items()}
    summary = summarize(problem.objectives, values, ok)
    writer.commit_generation(generation, evaluations=writer.rows, failed=int((~ok).sum()), started=started,
                             finished=time.time(), summary=summary,
                             state={"optimizer": optimizer_state, "policy": policy_state, "trials": saved_trials,
                                    "loop": {**loop, "in_flight": in_flight}})
    if generation == 0:
        from l2l.loop import refuse_missing_objectives
        refuse_missing_objectives(batch, writer)
    if on_generation is not None:
        on_generation({"generation": generation, "summary": summary, "failed": int((~ok).sum()),
                       "best": dict(loop["best"]), "compute": loop["compute"]})
