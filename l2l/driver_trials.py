"""The outer loop's trial side: candidates created and continued, results recorded, cohorts told.

A mixin of :class:`l2l.driver._Loop` (it uses the loop's attributes: trials,
loop, table, optimizer and its state, policy, running, finals, cohorts,
checkpoints, batch and buffer); :mod:`l2l.driver_files` is its file side.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from l2l.errors import ConfigError, EvaluationError, TrajectoryError
from l2l.jobs import Outcome, Task
from l2l.jobs.base import OK, every_segment_fails
from l2l.numbers import number
from l2l.outcomes import better, curve_scores, outputs, penalties
from l2l.driver_state import _record
from l2l.policies import budget_key
from l2l.words import call, passed_as


class Unreadable:
    """A checkpoint that cannot be read, in place of it (``l2l resume --drop-unreadable``): the segment that
    would continue from it is recorded as failed, with ``reason``, instead of run."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class Trials:
    # -- the best the progress bar names ------------------------------------------------------------------

    def top_results(self) -> dict[Any, list[float]]:
        """The results at the top budget of a single-objective multi-fidelity run, as :meth:`note_top` adds them:
        per candidate (equal parameters from scratch; one that continued another trial's checkpoint alone), the
        sum and count of its values, from the trial table (a resumed run's earlier results). {} for other runs."""
        sums: dict[Any, list[float]] = {}
        if not self.policy.multi_fidelity or len(self.objectives) != 1 or self.top is None:
            return sums
        key, sign = budget_key(self.top), float(self.signs[0])
        for trial, record in self.trials.items():
            score = record.get("scores", {}).get(key)
            if record.get("budget") == self.top and record.get("ok", True) and score is not None:
                entry = sums.setdefault(self._candidate(int(trial), record), [0.0, 0])
                entry[0] += float(score) * sign
                entry[1] += 1
        return sums

    def _candidate(self, trial: int, record: dict[str, Any]) -> Any:
        """Whose repeats a top-budget result of ``trial`` is pooled with, as :func:`l2l.analysis.best.repeat_groups`
        pools the rows ``l2l show`` ranks: equal parameters (the trial's code is that of the values evaluated),
        unless it continued another trial's checkpoint."""
        return ("trial", trial) if record.get("parent", -1) >= 0 else tuple(record["code"])

    def note_top(self, trial: int, record: dict[str, Any], value: float) -> None:
        """Add a successful result of ``trial`` at the top budget to :attr:`top_sums` (see :meth:`top_results`) and
        keep :attr:`top_best` the best candidate's."""
        key = self._candidate(trial, record)
        entry = self.top_sums.setdefault(key, [0.0, 0])
        entry[0] += float(value)
        entry[1] += 1
        if self.top_best is not None and self.top_best[2] == key:  # the best's mean moved, maybe behind another
            self.top_best = self.best_mean()
        elif self._ahead(entry[0] / entry[1], entry[1], self.top_best):
            self.top_best = (entry[0] / entry[1], entry[1], key)

    def _ahead(self, mean: float, count: int, best: tuple[float, int, Any] | None) -> bool:
        """Whether a candidate's ``mean`` of ``count`` results comes before ``best`` in ``l2l show``'s order: a
        better mean, or an equal one of more results."""
        return best is None or better(self.objectives[0], mean, best[0]) or (mean == best[0] and count > best[1])

    def best_mean(self) -> tuple[float, int, Any] | None:
        """(mean, count, candidate) of the candidate :attr:`top_sums` ranks first; None before any."""
        best = None
        for key, (total, count) in self.top_sums.items():
            if self._ahead(total / count, count, best):
                best = (total / count, count, key)
        return best

    def bar_best(self) -> tuple[dict[str, float], str]:
        """The best the progress bar names, and how: in a single-objective multi-fidelity run the candidate
        ``l2l show`` lists first, with the mean of its results at the top budget (and of how many, where it was
        trained more than once); otherwise the best single result of each objective, as before."""
        if self.top_best is None:
            return self.loop["best"], ""
        mean, count, _ = self.top_best
        return {self.objectives[0].name: mean}, f"(mean of {count})" if count > 1 else ""

    def lamarckian(self, trial: int) -> tuple[float, float]:
        """A candidate continues from its nearest member of the previous generation: (budget, from budget).

        Nearest in the unit cube of the space (ties: the smaller trial id); an offspring of mutation or
        crossover is nearest to a parent. The first generation starts from scratch.
        """
        maximum = self.c.simulator.fidelity().maximum
        pool = self.loop.get("pool") or []
        if not pool:
            return min(maximum, self.lamarck), 0.0
        unit = self.problem.space.to_unit(np.asarray(self.trials[str(trial)]["code"], dtype=float)[None, :])[0]
        codes = self.problem.space.to_unit(np.array([member[3] for member in pool], dtype=float))
        distance = np.sum((codes - unit) ** 2, axis=1)
        parent, row, budget, _ = pool[int(np.argmin(distance))]  # argmin takes the first: pool is by trial id
        self.trials[str(trial)].update(parent=int(parent), row=int(row), budget=float(budget),
                                       inherited_at=float(budget))
        self.checkpoints[trial] = self.read_checkpoint(int(row), int(parent))
        return min(maximum, float(budget) + self.lamarck), float(budget)

    def inherit(self, trial: int, parent: int) -> float:
        """Trial ``trial`` starts from ``parent``'s latest checkpoint; returns the budget it is at."""
        record, source = self.trials[str(trial)], self.trials[str(parent)]
        self.checkpoints[trial] = self.checkpoint_of(parent)
        # The row that holds the checkpoint: a resumed run reads it from there.
        record.update(parent=parent, budget=float(source["budget"]), row=int(source["row"]),
                      inherited_at=float(source["budget"]))
        return record["budget"]

    def new_trial(self, code, cohort: int | None, index: int) -> int:
        trial = self.loop["next_trial"]
        self.loop["next_trial"] = trial + 1
        # Multi-fidelity trials keep the code of the values evaluated (policies model them); the others keep
        # the code exactly as the optimizer gave it, which is what it is told back.
        kept = self.problem.space.canonical(code) if self.policy.multi_fidelity else code
        self.trials[str(trial)] = _record(kept, cohort, index)
        if cohort is not None:
            self.cohorts.setdefault(int(cohort), []).append(trial)
        return trial

    def checkpoint_of(self, trial: int) -> dict[str, Any] | Unreadable | None:
        if trial not in self.checkpoints:
            self.checkpoints[trial] = self.read_checkpoint(self.trials[str(trial)]["row"], trial)
        return self.checkpoints[trial]

    def read_checkpoint(self, row: int, trial: int) -> dict[str, Any] | Unreadable | None:
        """The checkpoint stored with ``row`` (trial ``trial``'s). One that cannot be read (damaged bytes, or
        its checksum does not match) ends the run with a one-line error naming the trial, the row and the way
        on; with ``drop_unreadable`` (``l2l resume --drop-unreadable``) it is an :class:`Unreadable` instead."""
        try:
            return self.writer.checkpoint(row, trial)
        except TrajectoryError as exc:
            if self.drop_unreadable:
                return Unreadable(str(exc))
            again = call("resume", self.writer.path, drop_unreadable=True,
                         function=passed_as(self.config.simulator.options))
            raise TrajectoryError(f"{exc}; restore the file from a copy, or go on without this checkpoint: "
                                  f"{again} (the segment that would "
                                  f"continue from it is recorded as failed, the policy goes on)") from None

    # -- results --------------------------------------------------------------------------------------------

    def record(self, trial: int, outcome: Outcome, task: Task | None = None, reused: bool = False) -> None:
        """Note one finished segment: counters, the trial table, the policy; final ones wait to be told."""
        record = self.trials[str(trial)]
        ok = outcome.status == OK
        values = np.array([outcome.objectives.get(o.name, np.nan) if ok else np.nan for o in self.objectives])
        final = self.top is None or outcome.budget is None or outcome.budget == self.top
        if ok:
            for j, o in enumerate(self.objectives):
                if o.name not in self.loop["worst"] or better(o, self.loop["worst"][o.name], values[j]):
                    self.loop["worst"][o.name] = float(values[j])
                if final and better(o, values[j], self.loop["best"].get(o.name)):
                    self.loop["best"][o.name] = float(values[j])
            if final and self.policy.multi_fidelity and len(self.objectives) == 1:
                self.note_top(trial, record, float(values[0]))
        cost = 0.0
        if self.segmented and task is not None:
            # from_budget is 0 when it restarted from scratch; every attempt counts, the failed ones retried
            # included (the row stores them as attempts): see results_schema.frames.segment_compute
            cost = (outcome.budget - task.from_budget) * (outcome.attempt + 1)
            self.loop["compute"] += cost
        self.loop["evaluations"] += 1
        self.loop["failed"] += int(not ok)
        if ok and not reused:  # what an evaluation takes, for flush_due
            self.mean_duration = outcome.duration if self.mean_duration is None else \
                0.8 * self.mean_duration + 0.2 * outcome.duration
        record["running"] = False
        record["ok"] = ok
        if task is not None and record.get("parent", -1) >= 0 and 0 < task.from_budget == record["inherited_at"]:
            outcome.parent = record["parent"]  # the segment that continued from the parent's checkpoint
        if not reused:
            self.buffer.append((outcome, record["code"]))
        self.batch.append(outcome)
        if not self.objectives_checked:  # its parameters, for the checks of the session's first commit
            self.__dict__.setdefault("first_codes", {})[id(outcome)] = record["code"]
        if self.policy.multi_fidelity:
            # a failure before any success scores -inf, below every success (0.0 ranked it first in the
            # model-based policy's order); policies never promote or continue a failed segment either way
            score = float(self.told(outcome)[0] * self.signs[0])
            record["scores"] = {**record["scores"], **curve_scores(outcome, self.objectives[0], self.budgets,
                                                                    task.from_budget if task else 0.0),
                                budget_key(outcome.budget): score}
            record["budget"] = float(outcome.budget)
            self.scores.update(trial, record)
            if ok:
                record["row"] = self.loop["rows"] + len(self.batch) - 1
                self.checkpoints[trial] = outcome.checkpoint
                record.pop("resume_from", None)
                if not reused and task is not None and self.policy.name == "pbt":
                    self.watch_shapes(trial, record, task, outcome)
            else:
                self.keep_checkpoint(trial, record, task)
                if not reused and task is not None and self.policy.name == "pbt":
                    self.watch_shapes(trial, record, task, outcome)
            self.policy_state = self.policy.report(self.policy_state, self.table, trial, outcome.budget, score)
            if not final and not self.policy.proposes and self.optimizer.learns_partial:
                self.tell_partial(record, outcome)
        elif self.lamarck:  # what the next generation may inherit
            record["budget"] = float(outcome.budget if ok else task.from_budget if task else 0.0)
            record["row"] = self.loop["rows"] + len(self.batch) - 1
            record["handed_on"] = bool(ok and outcome.checkpoint is not None)
        if final:
            self.finals[trial] = outcome
            self.ready.append(trial)
            if record["cohort"] is not None:
                cohort = int(record["cohort"])
                self.cohort_finals[cohort] = self.cohort_finals.get(cohort, 0) + 1
            self.completed += int(ok)  # one that failed at the top budget is stopped, as l2l show counts it
        needs = getattr(self.policy, "needs_checkpoints", False) or self.lamarck  # PBT, run.inherit
        top = self.target_budget()  # the top budget (run.inherit: the simulator's maximum)
        if (ok and not reused and outcome.checkpoint is None and needs and top is not None
                and outcome.budget is not None and outcome.budget < top):
            self.stopped("no checkpoint")  # the rows so far are kept (committed where the policy commits)
            raise EvaluationError(self.no_checkpoint(trial, outcome.budget))
        repeated = None if reused else every_segment_fails(outcome)
        if repeated:  # the simulator's programming error, which every segment repeats: the run ends at the
            # first, as at bad input (not a run spent on failures)
            self.stopped(repeated)
            raise ConfigError(self.cannot_store(trial, outcome))
        if not reused:
            if self.budgets:
                self.show(cost)
            else:
                generation = self.policy.coordinates(trial, record, self.budgets, self.top)[0]
                self.bar.update(1, generation, self.loop["best"], self.loop["failed"])

    def watch_shapes(self, trial: int, record: dict[str, Any], task: Task, outcome: Outcome) -> None:
        """PBT: warn once a session of an explored parameter that shapes the checkpoint, which a member continued
        from its donor's then ignored, or with which it failed (:mod:`l2l.policies.pbt_shapes`)."""
        from l2l.summary.failures import reason_of
        from l2l.outcomes import warn
        from l2l.policies.pbt_shapes import ShapeWatch, integers

        watch = self.__dict__.get("shape_watch")
        if watch is None:
            watch = self.__dict__["shape_watch"] = ShapeWatch(getattr(self.policy, "keep", ()), warn)
        if not outcome.ok:
            if outcome.parent >= 0:
                watch.failed(trial, outcome.parent, task.params, reason_of(outcome.status, outcome.error))
        elif task.from_budget == 0:
            watch.scratch(task.params, outcome.checkpoint, trial)
        elif outcome.parent >= 0:
            watch.continued(trial, outcome.parent, task.params, outcome.checkpoint)
        else:
            watch.seen[trial] = integers(task.params)

    def keep_checkpoint(self, trial: int, record: dict[str, Any], task: Task | None) -> None:
        """A segment of ``trial`` failed: it returned no checkpoint, but the one it started from (its own last good
        one, or the donor's it inherited) is as good as before. The record keeps that checkpoint's row and notes
        its budget (``resume_from``), so that a continuation (a PBT member with no healthy member to copy) starts
        there, after a resume too, instead of from scratch; 0 if the segment itself started from scratch or its
        checkpoint could not be read (``l2l resume --drop-unreadable``)."""
        start = float(task.from_budget) if task is not None else 0.0
        if start > 0 and isinstance(self.checkpoints.get(trial), Unreadable):
            start = 0.0
        if not start > 0:
            self.checkpoints[trial] = None
        record["resume_from"] = start

    def continues_from(self, trial: int) -> float:
        """The budget of the checkpoint a continuation of ``trial`` starts from: the budget it reached, or, after
        a failed segment, where that segment started (see :meth:`keep_checkpoint`)."""
        record = self.trials[str(trial)]
        if not record.get("ok", True) and "resume_from" in record:
            return float(record["resume_from"])
        return float(record["budget"])

    def no_checkpoint(self, trial: int, budget: float) -> str:
        """Why a policy that continues every member from its checkpoint (PBT), or run.inherit, ends the run at a
        segment that returned none, and what the user does about it."""
        simulator, fidelity = self.c.simulator, self.c.simulator.fidelity()
        unit = fidelity.unit or fidelity.name
        count = self.loop["evaluations"]
        done = "the segment done is" if count == 1 else f"the {count} segments done are"
        function = getattr(simulator, "function", None)
        if getattr(simulator, "name", "") == "command":
            who, how = "the program left no file in its {checkpoint_dir}", "write its state there"
        else:
            name = function if isinstance(function, str) and function else \
                getattr(getattr(simulator, "target", lambda: None)(), "__qualname__", None)
            who = f"{name} returned no checkpoint" if name else \
                f"simulator {getattr(simulator, 'name', '?')!r} returned no checkpoint"
            how = "return one with the result: l2l.SimulationResult(objectives=..., checkpoint={...})"
        if self.lamarck:  # run.inherit: the next generation continues this one's checkpoints
            return (f"run.inherit continues each candidate from its parent's checkpoint, but {who} at {number(budget)} "
                    f"{unit} (trial {trial}), so the next generation would inherit nothing and train from scratch: "
                    f"{how} (docs/coming_from_l2l.md#a-stateful-optimizee); {done} kept in {self.writer.path}")
        return (f"policy {self.c.config.policy.name!r} continues each member from its checkpoint and copies the "
                f"best members' checkpoints, but {who} at {number(budget)} {unit} (trial {trial}), so no member "
                f"could be continued or copied: {how} (docs/multifidelity_simulators.md); {done} kept in "
                f"{self.writer.path}")

    def cannot_store(self, trial: int, outcome: Outcome) -> str:
        """Why the run ends at a segment whose checkpoint cannot be stored (:func:`l2l.jobs.base.checkpoint_of`
        names the key and the type, and says what a checkpoint may hold) or whose curve is not rows of [fidelity,
        value] (:func:`l2l.jobs.base.curves`), and where the segments done are."""
        detail = outcome.error.split("\n", 1)[0][len("invalid result: "):]
        count = self.loop["evaluations"]
        if outcome.budget is None:  # a sweep without a policy: one call at the top budget
            where, word = f"generation {outcome.generation}, individual {outcome.individual}", "evaluation"
        else:
            fidelity = self.c.simulator.fidelity()
            where, word = f"the segment of trial {trial} to {number(outcome.budget)} {fidelity.unit or fidelity.name}", \
                "segment"
        done = f"the {word} done is" if count == 1 else f"the {count} {word}s done are"
        return (f"{detail} ({where}); every {word} would fail the same way, so the run ends at the first "
                f"(docs/multifidelity.md, 'Your own training function'); {done} kept in {self.writer.path}")

    def told(self, outcome: Outcome) -> np.ndarray:
        """The values the optimizer is told (failures get the run's penalty), in the objectives' directions;
        a failure before any success is told inf, worse than all (see outcomes.penalties)."""
        if outcome.status == OK:
            return np.array([outcome.objectives.get(o.name, np.nan) for o in self.objectives])
        return penalties(self.config, self.objectives, self.loop["worst"])

    def tell_partial(self, record: dict[str, Any], outcome: Outcome) -> None:
        """Tell the optimizer a candidate's result below the top budget (its latest: it may go on to the top
        budget, and is then told there by :meth:`settle`), in the objectives' directions as there; a failed
        segment is told NaN (Optuna's TPE ignores a failed trial), not the run's penalty."""
        scores = self.told(outcome) * self.signs if outcome.status == OK else np.full(len(self.objectives), np.nan)
        self.optimizer_state = self.optimizer.tell_partial(self.problem, self.optimizer_state,
                                                           np.array([record["code"]], dtype=float),
                                                           np.array([float(outcome.budget)]), scores[None, :])

    def settle(self) -> bool:
        """Tell the optimizer every cohort whose members all have final results; commit if the policy says."""
        told = False
        for cohort in self._complete_cohorts():
            members = sorted(cohort, key=lambda t: self.trials[str(t)]["index"])
            outcomes = [self.finals.pop(t) for t in members]
            if not self.policy.proposes:
                codes = np.array([self.trials[str(t)]["code"] for t in members], dtype=float)
                scores = np.stack([self.told(o) for o in outcomes]) * self.signs
                vectors = None
                if self.optimizer.needs_outputs:
                    vectors = outputs(outcomes, np.array([o.status == OK for o in outcomes]))
                self.optimizer_state = self.optimizer.tell(self.problem, self.optimizer_state, codes, scores,
                                                           vectors)
            if self.lamarck:  # the next generation inherits from this one's members that returned checkpoints
                self.loop["pool"] = [[t, self.trials[str(t)]["row"], self.trials[str(t)]["budget"],
                                      self.trials[str(t)]["code"]] for t in sorted(members)
                                     if self.trials[str(t)].get("handed_on")]
            if self.policy.forgets:
                for t in members:
                    del self.trials[str(t)]
                    if self.scores is not None:
                        self.scores.drop(t)
            told = True
            if self.policy.commit == "cohort":
                self.commit(defer=not self.lamarck)  # Lamarckian generations read the rows just written
            elif self.policy.commit == "count" and len(self.batch) >= self.policy.commit_every:
                self.commit()
        return told

    def _complete_cohorts(self) -> list[list[int]]:
        """Cohorts whose members all have final results (a trial without a cohort is one by itself)."""
        out, ready, self.ready = [], self.ready, []
        for trial in ready:
            cohort = self.trials[str(trial)]["cohort"]
            if cohort is None:
                out.append([trial])
                continue
            cohort = int(cohort)
            members = self.cohorts.get(cohort)
            if members is not None and self.cohort_finals.get(cohort, 0) == len(members):
                out.append(members)
                del self.cohorts[cohort]
                self.cohort_finals.pop(cohort, None)
        return out
