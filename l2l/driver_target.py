"""The outer loop's run.target side: which results count toward the target (at the top budget; a candidate's
repeats by their mean), the results a resumed run holds already, and the end of the run once a candidate reached it
with none of its repeats still running.

A mixin of :class:`l2l.driver._Loop` (it uses the loop's attributes: watch, reached, trials, loop, policy, top,
budgets, lamarck, target_at, running, objectives, signs, problem, writer and the simulator); the watch itself, the
sums and means per candidate, is :class:`l2l.driver_state.TargetWatch`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from l2l.driver_state import stored_keys, value_key
from l2l.jobs import Outcome, Task
from l2l.jobs.base import OK
from l2l.policies import budget_key
from l2l.results_schema.layout import STATUS_CODES


class Targets:
    def target_budget(self) -> float | None:
        """The budget a result must have to count toward run.target: the run's top budget (Lamarckian generations:
        the simulator's maximum fidelity); None where every result is at the full budget."""
        if self.budgets:
            return self.top
        return float(self.c.simulator.fidelity().maximum) if self.lamarck else None

    def target_key(self, trial: int, outcome: Outcome, task: Task | None) -> tuple[Any, Any]:
        """(candidate, what names it) of a result: in a multi-fidelity run the candidate the progress bar pools
        (:meth:`_candidate`) and its trial; else the parameter values evaluated, and the generation and individual
        of the result. A result that continued another learner's checkpoint is a candidate of its own."""
        record = self.trials.get(str(trial))
        if self.policy.multi_fidelity and record is not None:
            return self._candidate(trial, record), int(trial)
        ident = [int(outcome.generation), int(outcome.individual)]
        if outcome.parent >= 0 or (record is not None and record.get("parent", -1) >= 0):
            return ("row", *ident), ident
        params = task.params if task is not None else \
            self.problem.space.decode(np.asarray(record["code"], dtype=float))
        return value_key(self.problem.space, params), ident

    def watch_results(self) -> None:
        """The results a resumed run holds already, toward run.target (a candidate's earlier repeats count in its
        mean): from the trial table in a multi-fidelity run, else from the rows committed (read once)."""
        watch = self.watch
        if self.policy.multi_fidelity:
            key, sign = budget_key(self.top), float(self.signs[0])
            for trial in sorted(self.trials, key=int):
                record = self.trials[trial]
                score = record.get("scores", {}).get(key)
                if record.get("budget") == self.top and record.get("ok", True) and score is not None:
                    watch.add(self._candidate(int(trial), record), np.array([float(score) * sign]), int(trial))
        else:
            self.watch_rows(self.target_at)
        # a run killed after a candidate reached the target, before it ended: see reached_before
        watch.waiting.update(key for key in watch.sums if watch.meets(key))

    def reached_before(self) -> None:
        """End a resumed run at once where a candidate of its committed results reached run.target with none of
        its repeats in flight (the segments in flight already resubmitted): only a run killed between the commit of
        the result that reached it and the event that ends the run holds one. Waiting for the next result instead
        ran more (a generational run's half-evaluated generation, committed, never asked the rest: it ended
        'finished' at once, its target unsaid)."""
        watch = self.watch
        if watch is None or self.reached is not None:
            return
        for key in [k for k in watch.sums if k in watch.waiting]:  # in the order of their first results
            if not self.repeat_running(key):
                compute = self.loop["compute"] if self.segmented else None
                self.reached = watch.reached(key, self.loop["evaluations"], compute, self.elapsed())
                return

    def watch_rows(self, budget: float | None) -> None:
        """The committed rows of a resumed run outside multi-fidelity policies, toward run.target (read once)."""
        watch = self.watch
        rows = int(self.loop.get("rows", 0) or 0)
        if rows <= 0:
            return
        read = self.writer._ds  # the writer's own datasets: the file is open for writing (noqa: SLF001)
        ok = read("evaluations/status")[:rows] == STATUS_CODES[OK]
        if budget is not None:
            ok &= read("evaluations/budget")[:rows] >= budget - 1e-9
        if not ok.any():
            return
        index = np.flatnonzero(ok)
        values = np.stack([read(f"evaluations/objectives/{o.name}")[:rows][index] for o in self.objectives], axis=1)
        generation = read("evaluations/generation")[:rows][index]
        individual = read("evaluations/individual")[:rows][index]
        keys = stored_keys(self.problem.space, {p.name: read(f"evaluations/params/{p.name}")[:rows][index]
                                                for p in self.problem.space.parameters})
        parent = read("evaluations/parent")[:rows][index] if self.lamarck and getattr(self.writer, "lineage", False) \
            else np.full(len(index), -1)
        for j in range(len(index)):
            if not np.all(np.isfinite(values[j])):
                continue
            ident = [int(generation[j]), int(individual[j])]
            key = ("row", *ident) if parent[j] >= 0 else keys[j]
            watch.add(key, values[j], ident)

    def note_target(self, trial: int, outcome: Outcome, task: Task | None) -> None:
        """Count ``outcome`` (just recorded) toward run.target, and end the run once a candidate reached it with
        none of its repeats still running; a failed result counts for nothing but may be the repeat others
        waited for."""
        watch = self.watch
        if watch is None or self.reached is not None:
            return
        budget = self.target_at
        at_top = budget is None or (outcome.budget is not None and outcome.budget >= budget - 1e-9)
        if not at_top and not watch.waiting:
            return
        key = None
        if at_top:
            key, ident = self.target_key(trial, outcome, task)
            values = np.array([outcome.objectives.get(o.name, np.nan) for o in self.objectives], dtype=float)
            if outcome.status == OK and np.all(np.isfinite(values)):
                watch.add(key, values, ident)
        for candidate in [key, *watch.waiting] if key is not None else list(watch.waiting):
            if not watch.meets(candidate):
                watch.waiting.discard(candidate)
            elif self.repeat_running(candidate):
                watch.waiting.add(candidate)
            else:
                compute = self.loop["compute"] if self.segmented else None
                self.reached = watch.reached(candidate, self.loop["evaluations"], compute, self.elapsed())
                return

    def repeat_running(self, key: Any) -> bool:
        """Whether an evaluation of candidate ``key`` is running (or waits for a worker)."""
        for task, trial in self.running.values():
            record = self.trials.get(str(trial))
            if self.policy.multi_fidelity:
                if record is not None and self._candidate(trial, record) == key:
                    return True
            elif isinstance(key, tuple) and key[:1] != ("row",) and value_key(self.problem.space, task.params) == key:
                return True
        return False
