"""Asynchronous (steady-state) evaluation: a new candidate as soon as a worker is free.

For optimizers that take results one at a time (``supports_async``): random
and grid search, TPE, multi-objective TPE, the Gaussian process. The run keeps
every worker busy instead of waiting for the slowest evaluation of a
generation.

Bookkeeping, so that the trajectory looks like a generational one:

* the k-th candidate asked is individual ``k % population_size`` of
  generation ``k // population_size``, and its seed derives from that pair;
* every ``population_size`` results are committed together with the optimizer
  state, as one row of ``/generations``;
* candidates in flight at a commit are part of the committed loop state; a
  resumed run evaluates them again (same candidate, same seed), so nothing is
  counted twice. Results that arrived after the last commit are evaluated
  again as well: in this mode the file holds committed batches only.

Which candidate is asked k-th depends on the order in which earlier results
arrived, so asynchronous runs are reproducible only with the ``serial``
backend; the seeds of the evaluations are deterministic in any case.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from l2l.jobs import Outcome, Task
from l2l.jobs.base import OK


def drive_async(components, writer, state: dict[str, Any], *, reuse, progress: bool,
                on_generation: Callable[[dict], None] | None, settings, control) -> None:
    from l2l.loop import _announce, _Progress, _better, _penalties, _summary, evaluation_seed

    config, problem, optimizer = components.config, components.problem, components.optimizer
    objectives = problem.objectives
    signs = np.array([o.sign for o in objectives])
    population = int(getattr(optimizer, "population_size", 0) or 16)
    budget = config.generations * population
    loop = dict(state["loop"])
    loop.setdefault("asked", loop.get("evaluations", 0))
    in_flight: dict[int, list[float]] = {int(k): v for k, v in loop.pop("in_flight", {}).items()}
    optimizer_state = state["optimizer"]
    executor = components.executor
    bar = _Progress(progress, budget, loop["evaluations"])
    tasks: dict[int, Task] = {}
    candidates: dict[int, np.ndarray] = {}

    def submit(k: int, code: np.ndarray) -> None:
        generation, individual = divmod(k, population)
        params = problem.space.decode(code)
        task = Task(generation, individual, evaluation_seed(config.seed, generation, individual), params)
        tasks[k], candidates[k] = task, np.asarray(code, dtype=float)
        executor.submit([task])

    try:
        executor.start(components.simulator, settings)
        _announce(executor, progress)
        # One candidate queued per worker besides the running one: a worker that finishes
        # starts its next evaluation without waiting for a round trip through the loop.
        capacity = 2 * max(1, executor.worker_count)
        for k, code in sorted(in_flight.items()):
            submit(k, np.asarray(code))
        batch: list[tuple[Outcome, dict[str, Any]]] = []
        batch_started = time.time()
        while loop["evaluations"] < budget and not control.stop_requested:
            while len(tasks) < capacity and loop["asked"] < budget and not optimizer.done(problem, optimizer_state):
                codes, optimizer_state = optimizer.ask(problem, optimizer_state, 1)
                if len(codes) == 0:
                    break
                submit(loop["asked"], codes[0])
                loop["asked"] += 1
            if not tasks:
                break
            for outcome in executor.wait(timeout=1.0):
                k = outcome.generation * population + outcome.individual
                if not outcome.ok and outcome.attempt < config.retries:
                    task = tasks[k]
                    executor.submit([Task(task.generation, task.individual, task.seed, task.params,
                                          outcome.attempt + 1)])
                    continue
                params = tasks.pop(k).params
                code = candidates.pop(k)
                ok = outcome.status == OK
                values = np.array([outcome.objectives.get(o.name, np.nan) if ok else np.nan for o in objectives])
                for j, o in enumerate(objectives):
                    if ok:
                        if o.name not in loop["worst"] or _better(o, loop["worst"][o.name], values[j]):
                            loop["worst"][o.name] = float(values[j])
                        if _better(o, values[j], loop["best"].get(o.name)):
                            loop["best"][o.name] = float(values[j])
                told = values if ok else _penalties(config, objectives, loop["worst"])
                optimizer_state = optimizer.tell(problem, optimizer_state, code[None, :], (told * signs)[None, :])
                loop["evaluations"] += 1
                loop["failed"] += int(not ok)
                batch.append((outcome, params))
                bar.update(1, loop["evaluations"] // population, loop["best"], loop["failed"])
                if len(batch) == population or loop["evaluations"] == budget:
                    _commit(writer, loop, batch, tasks, candidates, optimizer_state, objectives,
                            batch_started, on_generation, _summary)
                    batch, batch_started = [], time.time()
        if control.stop_requested:
            writer.event("stopped", {"generation": loop["generation"], "reason": control.stop_reason})
            return
        if batch:
            _commit(writer, loop, batch, tasks, candidates, optimizer_state, objectives, batch_started,
                    on_generation, _summary)
        writer.event("finished", {"generations": loop["generation"], "evaluations": loop["evaluations"]})
    finally:
        bar.close()
        executor.close()


def _commit(writer, loop, batch, tasks, candidates, optimizer_state, objectives, started, on_generation,
            summarize) -> None:
    """Append a batch of results and commit it with the state (including what is still in flight)."""
    outcomes = [outcome for outcome, _ in batch]
    writer.append(outcomes, [params for _, params in batch])
    ok = np.array([o.status == OK for o in outcomes])
    values = np.array([[o.objectives.get(obj.name, np.nan) if o.status == OK else np.nan for obj in objectives]
                       for o in outcomes], dtype=float)
    summary = summarize(objectives, values, ok)
    generation = loop["generation"]
    loop["generation"] = generation + 1
    saved_loop = {**loop, "in_flight": {str(k): candidates[k].tolist() for k in sorted(tasks)}}
    writer.commit_generation(generation, evaluations=writer.rows, failed=int((~ok).sum()), started=started,
                             finished=time.time(), summary=summary,
                             state={"optimizer": optimizer_state, "loop": saved_loop})
    if generation == 0:
        from l2l.loop import refuse_missing_objectives
        refuse_missing_objectives(outcomes, writer)
    if on_generation is not None:
        on_generation({"generation": generation, "summary": summary, "failed": int((~ok).sum()),
                       "best": dict(loop["best"])})
