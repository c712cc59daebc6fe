"""The outer loop: the optimizer proposes, a policy schedules, the executor runs, the file keeps it all.

Every run, whatever its mode, goes through :func:`drive`. The policy (see
:mod:`l2l.policies`) decides, each time a worker is free, what runs next:

* ``batch``: a whole generation from the optimizer (``generational`` mode);
* ``start``: one new candidate, from the optimizer or proposed by the policy
  (``async`` mode, and the multi-fidelity schedules at their lowest budget);
* ``continue``: a paused candidate trained on to a higher budget from its
  checkpoint (multi-fidelity schedules);
* ``wait`` or ``done``.

A *trial* is one candidate; a *segment* evaluates it up to a budget (once, at
the full budget, outside multi-fidelity runs). Candidates asked together (a
generation) are told to the optimizer together once all have a final result;
a candidate asked alone is told as soon as it has one (in multi-fidelity runs:
when it reaches the top budget; an optimizer that ``learns_partial``, such as
``tpe``, is also told each result below it as a partial one, see
:meth:`l2l.optimizers.base.Optimizer.tell_partial`; the others never hear of a
stopped candidate). Under ``successive-halving`` and ``hyperband`` with
``same_everywhere`` the results that come in while a bracket still asks
for candidates are held and told in trial order once it asked its last, so
that what each ask knows is the same on every backend (``_Loop.release_held``).

Rows are appended as segments finish (at most once a second), and committed
together with the run state (optimizer, policy, trial table, segments in
flight) when the policy says: at the end of each generation, every
``population`` results (async) or at most once a second (multi-fidelity). A
generation's commit is taken when it is told and written once the next
generation has gone to the workers, so that they do not wait for the file.
A resumed run starts from the last commit. The generational policy reuses the
rows of a generation it was in the middle of; the others drop rows written
after the last commit and run the segments that were in flight again, from the
same checkpoints, with the same seeds, so the same decisions follow (exactly
so on the ``serial`` backend, where the completion order is fixed).

Compute is counted in fidelity units: a segment continued from a checkpoint
costs ``budget - from_budget``; one that restarts from scratch (the simulator
returned no checkpoint) costs ``budget``. Every attempt counts: a segment that
failed and was run again (``run.retries``) costs that much per attempt, the
failed ones included, since they ran on the workers and where an attempt
failed is not known (so the figure is an upper bound of the work done, never
below it). So does every run a backend made by itself (``slurm-array``
resubmits a task whose job ended without a result, the Dask backends run
again a task whose worker left; ``Outcome.submissions``),
counted once the segment's outcome comes back. A multi-fidelity run ends when the
policy is done or ``run.compute`` units are spent. No segment starts once the
compute spent plus that of the segments in flight reaches ``run.compute``,
however many workers are free: only the segments already running can go past
it, by less than one attempt each. A retry is a new attempt: a segment that
fails once ``run.compute`` is spent is recorded as failed, not run again.

A session whose first ``run.stop_after_failures`` evaluations (segments) all
failed, after their retries, while none of the run ever succeeded, stops as on
a stop request: a broken model does not spend the whole budget
(:mod:`l2l.driver_failures`).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, Callable

import numpy as np

from l2l.config_policy import plug_in, unstorable, waits_forever
from l2l.control import RunControl
from l2l.errors import ExecutorError
from l2l import numbers
from l2l.jobs import Outcome, Task
from l2l.jobs.base import FAILED, RETRIED_ERROR, every_segment_fails
from l2l.outcomes import warn
from l2l.driver_asks import Asks
from l2l.driver_bar import Bar
from l2l.driver_failures import FailureWatch
from l2l.driver_giving_up import GivingUp
from l2l.driver_held import HeldResults
from l2l.driver_files import Commits
from l2l.driver_target import Targets
from l2l.driver_trials import Trials, Unreadable
from l2l.driver_state import (INHERIT_TO_TOP, SEED_MASK, TargetWatch, _record, adopt,  # noqa: F401
                              evaluation_seed, initial_state)
from l2l.policies import TrialTable
from l2l.policies.base import ScoreIndex, significant
from l2l.progress import Progress, announce, rate_unit
from l2l.results_schema.frames import id_ranges
from l2l.results_schema.layout import EVENT_DETAIL, dropped_error
from l2l.results_schema.checkpoint_store import size_in_memory
from l2l.words import call, on_command_line, passed_as

FLUSH_SECONDS = 1.0
STOP_POLL_SECONDS = 1.0


def fitted(detail: dict[str, Any]) -> dict[str, Any]:
    """``detail`` of the event that ends a run, its run.target record shortened where the whole would not fit the
    event (the objectives' means of many objectives): the target and the candidate always stay."""
    target = detail.get("target")
    if target is None or len(json.dumps(detail).encode()) <= EVENT_DETAIL.itemsize:
        return detail
    for kept in (("value", "candidate", "evaluations", "compute", "results"), ("candidate", "evaluations")):
        detail = {**detail, "target": {k: target[k] for k in kept if k in target}}
        if len(json.dumps(detail).encode()) <= EVENT_DETAIL.itemsize:
            break
    return detail


def nothing_left(policy, policy_state, table: TrialTable) -> bool:
    """True if ``policy``, in ``policy_state``, has nothing more to run with no segment running (its own work is
    complete: every candidate of a sweep completed or stopped, every PBT member at the top budget); ``table`` is
    asked, not changed (give one whose caches the run does not use). A policy that schedules by compute alone
    (no candidate budget, no count of brackets) always has more: it is not asked (a model-based one would fit
    its model for the answer)."""
    if policy_state is None or not (policy.candidate_budget or getattr(policy, "brackets", 0)):
        return False
    action, _ = policy.next(policy_state, table)
    return action.kind == "done"


def drive(components, writer, state: dict[str, Any], *, reuse: dict[int, Outcome], progress: bool,
          on_generation: Callable[[dict], None] | None, settings, control: RunControl,
          drop_unreadable: bool = False, on_evaluation: Callable[[dict], None] | None = None) -> None:
    """Run ``components`` from ``state`` until the policy is done, the budget is spent or a stop is asked.

    ``drop_unreadable``: a segment whose checkpoint cannot be read is recorded as failed (else the run ends
    with an error naming it). ``on_evaluation``: called with each evaluation (segment) this session finishes
    (:meth:`Commits.report_evaluation`)."""
    _Loop(components, writer, adopt(state, components), reuse, progress, on_generation, control,
          drop_unreadable, on_evaluation).go(settings)


class _Loop(HeldResults, Trials, Commits, Targets, Asks, GivingUp, Bar):
    def __init__(self, components, writer, state, reuse, progress, on_generation, control,
                 drop_unreadable: bool = False, on_evaluation: Callable[[dict], None] | None = None) -> None:
        self.c = components
        self.on_evaluation = on_evaluation
        self.drop_unreadable = drop_unreadable
        #: Segments not run because their checkpoint could not be read (drop_unreadable), with their failed
        #: outcomes: received by the loop as if a worker had returned them (never retried).
        self.unread: dict[tuple[int, int], Outcome] = {}
        self.config, self.problem, self.optimizer = components.config, components.problem, components.optimizer
        self.policy = components.schedule
        self.objectives = self.problem.objectives
        self.signs = np.array([o.sign for o in self.objectives])
        self.budgets = list(components.budgets)
        self.top = self.budgets[-1] if self.budgets else None
        self.writer, self.reuse, self.control, self.on_generation = writer, dict(reuse), control, on_generation
        self.loop = dict(state["loop"])
        self.trials: dict[str, dict[str, Any]] = {k: dict(v) for k, v in state["trials"].items()}
        self.optimizer_state, self.policy_state = state["optimizer"], state["policy"]
        #: The trials' scores as arrays for the policy's questions, told of every change (driver_trials.report).
        self.scores = ScoreIndex(self.trials) if self.policy.multi_fidelity else None
        self.table = TrialTable(self.trials, self.problem.space.to_unit, self.loop, self.problem.space,
                                components.compute, self.scores, len(self.config.initial_points))
        self.executor = components.executor
        self.cap = self.config.evaluations or None
        #: Lamarckian generations: the fidelity units each generation trains on from its parents' checkpoints.
        self.lamarck = float(getattr(components, "inherit", 0.0) or 0.0)
        #: run.inherit = true: the last generation trains to the top budget (the rounded shares sum to it), unless
        #: the state is one of an l2l that stopped it a rounding short (INHERIT_TO_TOP); such a run resumes as it ran
        self.last_to_top = (self.lamarck > 0 and components.config.inherit is True
                            and bool(self.loop.get(INHERIT_TO_TOP)))
        self.segmented = self.policy.multi_fidelity or self.lamarck > 0  # rows carry trial, budget, checkpoint
        self.checkpoints: dict[int, dict[str, Any] | None] = {}  # latest checkpoint of each paused trial
        self.running: dict[tuple[int, int], tuple[Task, int]] = {}  # (task, trial) by the row's (generation,
        # individual)
        # the compute of the segments in self.running (budget - from_budget per attempt: the attempts of a
        # retried segment that failed count as spent from the moment they failed)
        self.committed = 0.0
        #: Runs of a segment in self.running that its backend made by itself in its earlier attempts (slurm-array
        #: resubmits a task whose job ended without a result): each is an attempt, counted in the row's attempts.
        self.resubmitted: dict[tuple[int, int], int] = {}
        #: The error of a segment's first failed attempt, while it is retried (run.retries): kept on its row if a
        #: retry succeeds (an ok row's error text), where it was kept nowhere and l2l show said '0 failed'.
        self.retry_errors: dict[tuple[int, int], str] = {}
        self.finals: dict[int, Outcome] = {}  # trials with a final result, not yet told
        self.outbox: list[Task] = []  # submitted by the loop, not yet handed to the executor
        self.seeds: dict[tuple[int, int], int] = {}  # evaluation seeds computed ahead (see prepare_seeds)
        self.upcoming: tuple[int, int] | None = None  # (generation, size) whose seeds prepare_seeds computes
        self.mean_duration: float | None = None  # seconds per evaluation, a running mean (see flush_due)
        # Members of each cohort (a generation) and how many of them have a final result: a cohort is told
        # when the two counts meet, without a pass over all trials per result.
        self.cohorts: dict[int, list[int]] = {}
        for key, record in self.trials.items():
            if record.get("cohort") is not None:
                self.cohorts.setdefault(int(record["cohort"]), []).append(int(key))
        self.cohort_finals: dict[int, int] = {}
        self.ready: list[int] = []  # trials with a final result whose cohort (if any) may be complete now
        # Finished, not yet appended, with the code of the values evaluated: decoded as they are appended, which
        # at a generation's end is after the next generation's submission, not between its last result and it.
        self.buffer: list[tuple[Outcome, list[float]]] = []
        self.buffered_bytes = 0  # of the checkpoints of the buffered rows
        self.batch: list[Outcome] = []  # since the last commit (with reused rows), in completion order
        self.finished = False  # the policy or the optimizer said it is done (not only the budget spent)
        #: The results at the top budget by candidate, and the best candidate's mean: the bar's best (bar_best).
        self.top_sums: dict[Any, list[float]] = self.top_results()
        self.top_best = self.best_mean()
        self.limit: str | None = None  # "evaluations" or "max_time" once that budget stopped new work
        #: run.target: what counts toward it (None: no target), and what the file records once a candidate reached
        #: it (the loop then ends as on a stop, but finished: see note_target).
        self.watch = TargetWatch(self.config.target, self.objectives) if self.config.target is not None else None
        self.reached: dict[str, Any] | None = None
        #: run.stop_after_failures: this session's evaluations while none of the run succeeded, and the record of
        #: the stop once the first N all failed (the loop then ends as on a stop: see giving_up).
        self.failures = FailureWatch(self.failure_limit, "segment" if self.policy.multi_fidelity else "evaluation")
        self.gave_up: dict[str, Any] | None = None
        self.target_at = self.target_budget() if self.watch is not None else None
        if self.watch is not None:
            self.watch_results()
        self.session = time.monotonic()  # reset once the executor is ready; earlier sessions: loop["elapsed"]
        self.started, self.last_flush, self.last_commit = time.time(), time.monotonic(), time.monotonic()
        # a candidate whose segment to the top budget failed is stopped, not completed (as l2l show counts it)
        self.completed = sum(1 for t in self.trials.values()
                             if self.top is not None and t["budget"] == self.top and t.get("ok", True))
        self.pending: tuple | None = None  # a commit taken, not yet written (see commit)
        self.waited = False  # the policy's last answer in fill was WAIT
        self.objectives_checked = False  # by this session's first commit (see Commits.write_pending)
        self.succeeded = False  # a commit of this session held a success (until then: Commits.wrong_names_waiting)
        self.committed_before = False  # this session wrote a commit
        #: A sweep's candidates (run.generations x population_size) when its bar counts them: those decided
        #: (completed, or stopped for good) of all, rather than compute against the most it could cost.
        self.sweep = 0
        if self.budgets:
            candidates = int(getattr(self.policy, "max_candidates", 0) or 0)
            in_flight = len(self.loop.get("in_flight", []))
            if candidates and not self.config.compute and self.open_candidates(in_flight) is not None:
                self.sweep = candidates
                self.bar = Progress(progress, candidates, self.decided(in_flight), unit="candidate")
            else:
                whole = components.fidelity is None or components.fidelity.integer
                self.bar = Progress(progress, components.compute if not whole else int(components.compute),
                                    self.loop["compute"] if not whole else int(self.loop["compute"]),
                                    unit=rate_unit(components.fidelity),  # 'epochs/s', not 'budget/s'
                                    fractional=not whole)  # 0.1 biological seconds a segment moves it
        else:
            lam = getattr(self.optimizer, "lam", None)  # cmaes's 4 + 3 ln d when population_size is not given
            per_generation = int(getattr(self.policy, "population", 0)
                                 or getattr(self.optimizer, "population_size", 0)
                                 or (lam(self.problem) if callable(lam) else 0) or 0)
            total = self.config.generations * per_generation
            self.bar = Progress(progress, min(total, self.cap) if total and self.cap else total or self.cap or 0,
                                self.loop["evaluations"])

    # -- the loop, top to bottom ------------------------------------------------------------------------
    def go(self, settings) -> None:
        started = int(self.loop["evaluations"])  # the run's evaluations before this session's
        try:
            for trial, budget, from_budget in self.loop.pop("in_flight"):
                self.submit(int(trial), None if budget is None else float(budget), float(from_budget))
            self.reached_before()
            # The first work is asked for while the workers come up (prepared by l2l.run); the executor's
            # worker count is the one planned until it has started.
            self.fill(send=False)
            self.executor.start(self.c.simulator, settings)
            # run.max_time counts from here: the start-up of the workers (a local cluster under load, a
            # scheduler to connect to) is not the sweep's time.
            self.session = time.monotonic()
            announce(self.executor, self.bar.bar is not None)
            self.send()
            if self.upcoming is not None:  # the second generation's seeds, while the first runs (the submission
                self.executor.let_submissions_out()  # on its way to the workers first)
                self.prepare_seeds()
            try:
                while not self.control.stop_requested and self.reached is None and not self.giving_up():
                    launched = self.waited = False
                    try:
                        launched = self.fill() if not self.failures_in_flight() else False
                        if launched and self.pending is not None:
                            self.executor.let_submissions_out()  # the workers first, then the file
                    finally:  # the generation told last is written while the next one runs
                        self.write_pending()
                    if launched:
                        self.prepare_seeds()
                    told = self.settle()
                    if not self.running:
                        if launched or told:
                            continue
                        if self.waited and plug_in(self.policy):  # a plug-in's WAIT that no result can end:
                            if self.batch:  # said in one line, what finished committed (l2l's own policies,
                                self.commit()  # checked by the contract suite, end the run as before)
                            raise waits_forever(self.policy)
                        break
                    if self.unread:  # segments that could not start (drop_unreadable): failed at once
                        for outcome in list(self.unread.values()):
                            self.receive(outcome)
                            self.settle()
                        continue
                    for outcome in self.executor.wait(timeout=STOP_POLL_SECONDS):
                        self.receive(outcome)
                        self.settle()
                    # Append at most once a second, and commit so too where the policy commits by time:
                    # a crash loses at most that much work (two seconds where a generation about to end is
                    # written by its commit, see flush_due), which a resume redoes with the same decisions.
                    if (self.policy.commit == "seconds" and self.batch
                            and (time.monotonic() - self.last_commit > FLUSH_SECONDS or self.wrong_names_waiting())):
                        self.commit()
                    elif self.flush_due(FLUSH_SECONDS):
                        self.flush()
                self.write_pending()
            except KeyboardInterrupt:
                self.write_pending()
                self.stopped("interrupted", interrupted=True)  # keep what finished before the interrupt
                raise
            except ExecutorError as exc:
                # the backend cannot go on (sbatch refusing its jobs): what finished is appended, as after Ctrl-C,
                # and the error says where it is and how to go on
                self.write_pending()
                self.flush()
                when = getattr(exc, "resume_when", "")
                where = self.writer.path.absolute()  # as l2l run's banner and 'results:' line name it
                exc.args = (f"{exc}; every finished evaluation is in {where}; "
                            f"{when + ', ' if when else ''}continue with: "
                            f"{call('resume', where, function=passed_as(self.config.simulator.options))}",)
                raise
            if self.control.stop_requested and self.reached is None:
                self.stopped()
                return
            if self.gave_up is not None:  # run.stop_after_failures: kept as on a stop, 'l2l resume' goes on
                self.stopped(self.gave_up["reason"], extra={"failures": self.gave_up["failures"]})
                if not on_command_line():  # l2l run and resume say it as their last line, after the summary
                    warn(self.stopped_for_failures_line())
                return
            unstarted = 0  # candidates whose first segment was cancelled: no row holds them
            if self.reached is not None:  # the segments still running are cancelled (the executor is closed below,
                # as after a stop) and left out of the commit: the run is finished, nothing reruns them
                unstarted = sum(1 for _, trial in self.running.values() if not self.trials[str(trial)]["scores"])
                self.running.clear()
            if self.batch:
                self.commit()
            if getattr(self.c, "policy", None) is not None and not self.finished and not self.limit \
                    and self.reached is None:
                # run.compute may be spent by the very segments that completed the policy's work (PBT's
                # compute is its population's): the policy says whether anything was left
                self.finished = nothing_left(self.policy, self.policy_state, self.fresh_table())
            if self.budgets:
                self.show(0.0)
            if getattr(self.c, "policy", None) is not None:  # a [policy] run counts segments, not generations
                # the compute to 12 significant digits, as the rungs are: a PBT sum of float differences of
                # budgets read 4.000000000000003 (the run state keeps the sum itself, which decides)
                detail = {"segments": self.loop["evaluations"], "candidates": self.loop["next_trial"] - unstarted,
                          "compute": significant(self.loop["compute"]), "policy_done": self.finished}
            else:
                detail = {"generations": self.loop["generation"], "evaluations": self.loop["evaluations"]}
                if self.budgets:
                    detail.update(compute=significant(self.loop["compute"]), policy_done=self.finished)
            if self.limit:
                detail["limit"] = self.limit
            if self.reached is not None:
                detail["target"] = self.reached
            detail = fitted(detail)
            # a run that reached its target continues no candidate (l2l resume runs nothing more for it): no
            # 'continuable' (files written before held one; readers go by the target record, see let_go)
            ended = self.finished or self.reached is not None
            self.writer.event("finished", detail if ended else self.with_continuable(detail))
        finally:
            self.bar.close()
            self.executor.close()
        if not on_command_line() and self.loop["evaluations"] > started \
                and self.loop["failed"] >= self.loop["evaluations"]:
            warn(self.all_failed_line())

    def fill(self, send: bool = True) -> bool:
        """Ask the policy what the free workers do, and submit it (``send``: now); True if anything was
        launched."""
        launched = False
        capacity = self.policy.queue_depth * max(1, self.executor.worker_count)  # workers come and go
        while not self.finished and self.reached is None and len(self.running) < capacity and not self.spent():
            if self.out_of_budget():
                break
            action, self.policy_state = self.policy.next(self.policy_state, self.table)
            if action.kind == "done":
                self.finished = True
            elif action.kind == "wait":
                self.waited = True
                break
            elif action.kind == "batch":
                self.finished = not self.start_generation()
                launched = True
            elif action.kind == "start":
                code = self.propose(action)
                if code is None:
                    self.finished = True
                    break
                trial = self.new_trial(code, None, 0)
                from_budget = self.inherit(trial, action.parent) if action.parent >= 0 else 0.0
                self.policy_state = self.policy.launched(self.policy_state, trial, action.budget)
                self.submit(trial, action.budget or self.top, from_budget)
                self.release_held()
                launched = True
            else:
                self.submit(action.trial, action.budget, self.continues_from(action.trial))
                launched = True
        if send:
            self.send()
        if launched and self.budgets:  # the bar counts the segments running once the free workers got theirs
            self.show(0.0)
        return launched

    def write_pending(self) -> None:
        """:meth:`Commits.write_pending`; a plug-in policy's state that cannot be stored is said in one line naming
        the policy (was: a TypeError traceback from the encoder), the commits before it kept."""
        pending = self.pending
        try:
            super().write_pending()
        except (TypeError, ValueError):
            error = unstorable(self.policy, pending[4]["policy"]) if pending is not None else None
            if error is None:
                raise
            raise error from None

    def prepare_seeds(self) -> None:
        """The evaluation seeds of the generation after the one just sent, while its workers are busy: a
        function of (run seed, generation, individual) only, they would otherwise be computed (about 15 us
        each) between the generation's last result and the next submission, while the workers wait."""
        upcoming, self.upcoming = self.upcoming, None
        if upcoming is not None:
            generation, size = upcoming
            self.seeds = {(generation, i): evaluation_seed(self.config.seed, generation, i) for i in range(size)}

    def send(self) -> None:
        if self.outbox:
            tasks, self.outbox = self.outbox, []
            self.executor.submit(tasks)

    def spent(self) -> bool:
        """True once run.compute is spent, counting the segments in flight at their full cost (and the failed
        attempts of those being retried): nothing new starts then, so only the segments already running can
        overshoot (by at most one attempt each, and the runs their backend adds by itself: slurm-array's
        resubmissions, known when the segment comes back)."""
        return bool(self.budgets) and self.loop["compute"] + self.committed >= self.c.compute

    def cost(self, task: Task) -> float:
        """The compute one attempt of a segment counts (``budget - from_budget``; 0 outside budgets)."""
        if not self.segmented or task.budget is None:
            return 0.0
        return float(task.budget) - float(task.from_budget)

    def elapsed(self) -> float:
        """Seconds this run has spent in the loop since its executor was ready, over all its sessions."""
        return float(self.loop.get("elapsed", 0.0)) + time.monotonic() - self.session

    def out_of_budget(self) -> bool:
        """True once run.evaluations are all started or run.max_time is over: nothing new starts then."""
        if self.cap and self.loop["evaluations"] + len(self.running) >= self.cap:
            self.limit = "evaluations"
        elif self.config.max_time and self.elapsed() >= self.config.max_time:
            self.limit = "max_time"
        return self.limit is not None

    def start_generation(self) -> bool:
        """Ask for a generation and submit it (members already in the file are reused); False if none."""
        if self.optimizer.done(self.problem, self.optimizer_state):
            return False
        self.started = time.time()
        candidates, state = self.ask()
        remaining = self.cap - self.loop["evaluations"] if self.cap else len(candidates)
        if len(candidates) > remaining:  # the last generation stops exactly at run.evaluations
            candidates, state = self.ask(remaining)
        self.optimizer_state = state
        self.took_initial()
        if len(candidates) == 0:
            return False
        generation = self.loop["generation"]
        self.upcoming = (generation + 1, len(candidates))
        for index, code in enumerate(candidates):
            trial = self.new_trial(code, generation, index)
            if index in self.reuse:
                self.record(trial, self.reuse[index], reused=True)
                self.note_target(trial, self.reuse[index], None)
            elif self.lamarck:
                budget, start = self.lamarckian(trial)
                if self.last_to_top and generation + 1 >= (self.config.generations or 0):
                    budget = float(self.c.simulator.fidelity().maximum)  # the remainder of the spread top budget
                self.submit(trial, budget, start)
            else:
                self.submit(trial, self.top, 0.0)
        self.reuse = {}
        return True

    def submit(self, trial: int, budget: float | None, from_budget: float) -> None:
        record = self.trials[str(trial)]
        checkpoint = self.checkpoint_of(trial) if from_budget > 0 else None
        params = self.problem.space.decode(np.asarray(record["code"], dtype=float))
        generation, individual, seed_g, seed_i = self.policy.coordinates(trial, record, self.budgets, budget)
        mf = self.segmented
        seed = self.seeds.pop((seed_g, seed_i), None)
        if seed is None:
            seed = evaluation_seed(self.config.seed, seed_g, seed_i)
        unreadable = isinstance(checkpoint, Unreadable)
        task = Task(generation, individual, seed, params,
                    budget=float(budget) if mf else None,
                    from_budget=float(from_budget) if checkpoint is not None else 0.0,
                    checkpoint=None if unreadable else checkpoint, trial=trial if mf else -1)
        record["running"] = True
        self.running[(generation, individual)] = (task, trial)
        self.committed += self.cost(task)
        if unreadable:  # l2l resume --drop-unreadable: a failed segment, the policy goes on without it
            self.drop(task, checkpoint.reason)
            return
        self.outbox.append(task)  # sent by fill() in one submission: a generation travels in few chunks

    def drop(self, task: Task, reason: str) -> None:
        """Record ``task`` as a failed segment without running it: the checkpoint it would continue from
        cannot be read (``l2l resume --drop-unreadable``). Its compute counts as a failed segment's."""
        error = dropped_error(reason)  # l2l validate recognises this text (layout.DROPPED_ERROR)
        self.unread[(task.generation, task.individual)] = Outcome(
            task.generation, task.individual, task.seed, FAILED, error=error, started=time.time(),
            attempt=task.attempt, budget=task.budget, from_budget=task.from_budget, trial=task.trial)
        text = (f"l2l: {reason}; the segment of trial {task.trial} to {numbers.number(task.budget)} is recorded as "
                f"failed")
        if self.bar.bar is not None:
            self.bar.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr)

    def receive(self, outcome: Outcome) -> None:
        key = (outcome.generation, outcome.individual)
        task, trial = self.running[key]
        unread = self.unread.pop(key, None) is not None  # a retry would find the same checkpoint unreadable
        again = max(0, outcome.submissions - 1)  # runs the backend added (resubmitted, or a worker left): attempts
        if again:  # that ran (or may have run) the simulator, spent as soon as they are known, as a failed one is
            self.resubmitted[key] = self.resubmitted.get(key, 0) + again
            self.committed += self.cost(task) * again
        # a retry is a new attempt: none starts once run.compute is spent (the failed one counted), so a run whose
        # simulator keeps failing ends at its compute budget however many retries are allowed
        if not unread and not outcome.ok and outcome.attempt < self.config.retries and not self.spent() \
                and self.reached is None and not every_segment_fails(outcome) \
                and not (outcome.error or "").startswith("out of memory: "):  # (a Dask worker past its memory limit:
            # the same evaluation needs the same memory again, as slurm-array's OUT_OF_MEMORY; see
            # l2l.jobs.dask_executor._memory_killed)
            self.executor.submit([Task(task.generation, task.individual, task.seed, task.params,
                                       outcome.attempt + 1, task.budget, task.from_budget, task.checkpoint,
                                       task.trial)])
            # the failed attempt was spent and the next one is committed: run.compute counts both from now on
            self.committed += self.cost(task)
            self.retry_errors.setdefault(key, outcome.error or outcome.status)
            return
        del self.running[key]
        first_error = self.retry_errors.pop(key, None)
        if first_error is not None and outcome.ok and not outcome.error:
            outcome.error = f"{RETRIED_ERROR} {first_error}"
        outcome.attempt += self.resubmitted.pop(key, 0)  # the row's attempts (attempt + 1) count every run
        self.committed -= self.cost(task) * (outcome.attempt + 1)  # every attempt was committed (see above)
        self.record(trial, outcome, task=task)
        if self.on_evaluation is not None:
            self.report_evaluation(trial, outcome)
        self.failures.saw(outcome.status, outcome.error, self.loop["evaluations"] > self.loop["failed"])
        self.note_target(trial, outcome, task)
        if outcome.checkpoint is not None:  # what the rows not yet appended hold in memory (see flush_due)
            self.buffered_bytes += size_in_memory(outcome.checkpoint)

    def work_left(self) -> bool:
        """Whether the loop, nothing running, would start anything more (asked of the policy with a table and a
        state it keeps to itself: the answer changes nothing)."""
        if self.finished or self.reached is not None or self.out_of_budget() or self.spent():
            return False
        action, _ = self.policy.next(self.policy_state, self.fresh_table())
        return action.kind in ("batch", "start", "continue")

    def fresh_table(self) -> TrialTable:
        """A table of the run's trials with caches of its own (for questions that must not touch the run's)."""
        return TrialTable(self.trials, self.problem.space.to_unit, self.loop, self.problem.space, self.c.compute,
                          self.scores, len(self.config.initial_points))

    def with_continuable(self, detail: dict[str, Any]) -> dict[str, Any]:
        """``detail`` of the event that ends a ``[policy]`` run before its policy is done, with the trials below
        the top budget the policy may still continue (``continuable``, as id ranges: ``l2l.load`` reads the
        other candidates below the top as stopped, these as paused); as it is where the ranges would make the
        event longer than the file keeps (the reader then guesses, as for a file written before)."""
        if getattr(self.c, "policy", None) is None or self.policy_state is None:
            return detail
        at_top = {int(k) for k, record in self.trials.items() if record["budget"] >= self.top - 1e-9}
        ids = [t for t in self.policy.continuable(self.policy_state, self.table) if t not in at_top]
        ranges = id_ranges(ids, free=at_top)
        out = {**detail, "continuable": ranges}
        return out if len(json.dumps(out).encode()) <= EVENT_DETAIL.itemsize else detail
