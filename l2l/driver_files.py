"""The outer loop's file side: rows appended, commits taken and written, a stop recorded.

A mixin of :class:`l2l.driver._Loop` (it uses the loop's attributes: writer,
batch, buffer, loop, trials, running, policy, optimizer and policy states).
"""

from __future__ import annotations

import json
import time
from typing import Callable

import numpy as np

from l2l.jobs.base import OK
from l2l.outcomes import (check_curve_order, check_curve_values, check_curves, other_names,
                          refuse_missing_objectives, refuse_nest_name_errors,
                          summary as summarize)
from l2l.results_schema.checkpoint_store import LARGE, size_in_memory


def with_lifetime_losses(detail: dict, executor) -> dict:
    """The ``stopped`` event's ``detail`` with the retirements of worker jobs counted under the evaluations in
    flight (the ``slurm`` backend's, l2l.jobs.lifetime_losses), which the resume carries on, as many as fit the
    event beside the rest of ``detail`` (never shortening it)."""
    losses = getattr(executor, "lifetime_losses", None)
    try:
        found = losses() if losses is not None else None
    except Exception:  # noqa: BLE001 - a backend closing under a Ctrl-C: the event without them (as before)
        found = None
    if not found:
        return detail
    from l2l.jobs.lifetime_losses import KEY
    from l2l.results_schema.layout import EVENT_DETAIL

    marks = list(found["marks"])
    while marks:
        longer = {**detail, KEY: {**found, "marks": marks}}
        if len(json.dumps(longer).encode()) <= EVENT_DETAIL.itemsize:
            return longer
        marks = marks[:len(marks) // 2]
    return detail


#: The rows not yet appended are appended as soon as their checkpoints hold this many bytes in memory.
BUFFERED_CHECKPOINT_BYTES = 64 << 20


class Commits:
    def flush_due(self, seconds: float) -> bool:
        """True if the buffered rows are to be appended now: ``seconds`` after the last append, unless the
        generation in flight will be told within ``seconds`` (then its commit appends them a moment later, and an
        append now, tens of milliseconds holding the interpreter lock, would stand between the generation's
        last results and the next generation's submission: the first pause of a GA of 4 x 100 x 20 ms, whose
        first generation ends about a second after the run starts, was 40-50 ms instead of 15-20)."""
        waited = time.monotonic() - self.last_flush
        if self.buffer and getattr(self, "buffered_bytes", 0) >= BUFFERED_CHECKPOINT_BYTES:
            return True  # large checkpoints leave memory once written (see release)
        if not self.buffer or self.pending is not None or waited <= seconds:
            return False  # a pending commit appends after the next ask
        if waited > 2 * seconds:  # whatever the estimate says: a crash loses at most twice that much work
            return True
        mean = getattr(self, "mean_duration", None)
        if self.policy.commit != "cohort" or not self.running or mean is None:
            return True
        rounds = -(-len(self.running) // max(1, self.executor.worker_count))
        return rounds * mean >= seconds

    def flush(self) -> None:
        if self.buffer:
            decode = self.problem.space.decode
            outcomes = [o for o, _ in self.buffer]
            self.writer.append(outcomes, [decode(np.asarray(code, dtype=float)) for _, code in self.buffer])
            self.buffer = []
            self.buffered_bytes = 0
            self.release(outcomes)
        self.last_flush = time.monotonic()

    def release(self, outcomes) -> None:
        """Let the large checkpoints of ``outcomes``, now in the file, go from memory: a continuation reads
        one back when it needs it (:meth:`checkpoint_of`), so the loop holds at most the large checkpoints
        of the segments not yet appended, not every paused candidate's (1,000 candidates of 4 MB: 4 GB)."""
        for outcome in outcomes:
            checkpoint = getattr(outcome, "checkpoint", None)
            if checkpoint is None or size_in_memory(checkpoint) < LARGE:
                continue
            if self.checkpoints.get(outcome.trial) is checkpoint:
                del self.checkpoints[outcome.trial]
            outcome.checkpoint = None

    def commit(self, defer: bool = False) -> None:
        """Commit what finished since the last commit with the run state (and the segments still in flight).

        ``defer``: take the state now but write it (and call ``on_generation``) in :meth:`write_pending`, after
        the next generation is submitted, so that the workers do not wait for the file.
        """
        batch, self.batch = self.batch, []
        ok = np.array([o.status == OK for o in batch])
        values = np.array([[o.objectives.get(obj.name, np.nan) if o.status == OK else np.nan
                            for obj in self.objectives] for o in batch], dtype=float)
        loop = self.loop
        generation = loop["generation"]
        loop["generation"] = generation + 1
        loop["rows"] = self.writer.rows + len(self.buffer)  # the rows once the buffer is appended
        loop["elapsed"] = self.elapsed()
        self.session = time.monotonic()
        in_flight = [[trial, task.budget, task.from_budget] for task, trial in self.running.values()]
        partial = not defer and self._partial(batch)
        if partial:  # only the records that changed: the writer stores a delta (a run's cost stays per segment)
            changed = {str(o.trial) for o in batch}.union(map(str, range(self._committed_trials,
                                                                          self.loop["next_trial"])))
            trials = {k: {**self.trials[k], "running": False} for k in sorted(changed, key=int)}
        else:
            trials = {k: {**v, "running": False} for k, v in self.trials.items()}
        self._committed_trials = self.loop["next_trial"]
        # The optimizer's and policy's functions return new states and never change the ones they get: the
        # states taken here are still those of this commit when the next generation has been asked.
        state = {"optimizer": self.optimizer_state, "policy": self.policy_state, "trials": trials,
                 "loop": {**loop, "in_flight": in_flight, "worst": dict(loop["worst"]),
                          "best": dict(loop["best"])}}
        started, self.started = self.started, time.time()
        self.pending = (generation, batch, ok, summarize(self.objectives, values, ok), state, started, self.started,
                        partial)
        # The session's first commit checks the objectives (a run that fails here keeps its rows committed).
        if not defer or (not self.succeeded and not ok.any()):
            self.write_pending()

    def wrong_names_waiting(self) -> bool:
        """Whether, before this session's first success, the newest result returned other names than the run's
        objectives: committed at once, the run ends at that first result (:func:`refuse_missing_objectives`,
        where nothing of the commit succeeded) instead of up to a second of segments later (200 instant ones).
        Asked as each result comes in: it looks at that one result only."""
        return not self.succeeded and bool(self.batch) and other_names(self.batch[-1])

    def _partial(self, batch) -> bool:
        """True if this commit may store only the trial records that changed since the last one.

        A multi-fidelity trial's record changes when one of its segments finishes (it is then in ``batch``)
        or when it is created (ids from the last commit's ``next_trial`` on); nothing else changes a stored
        record (``running`` is stored as False). Runs whose policy forgets trials store them whole (few).
        """
        previous = getattr(self, "_committed_trials", None)
        writer = self.writer
        return (previous is not None and self.policy.multi_fidelity and not self.policy.forgets
                and getattr(writer, "deltas", False) and not writer.wants_full_state()
                and all(o.trial >= 0 and str(o.trial) in self.trials for o in batch))

    def _categorical_choices(self, batch) -> list[dict]:
        """The values of the space's categorical parameters (more than one choice) each outcome of ``batch`` was
        evaluated at (noted as each was recorded; [] where there are none, or one was not noted)."""
        codes = self.__dict__.pop("first_codes", {})
        space = self.problem.space
        names = [p.name for p in space if len(getattr(p, "choices", ())) > 1]
        if not names or any(id(outcome) not in codes for outcome in batch):
            return []
        return [{name: value for name, value in space.decode(np.asarray(codes[id(outcome)], dtype=float)).items()
                 if name in names} for outcome in batch]

    def write_pending(self) -> None:
        """Append the buffered rows and write the commit taken by :meth:`commit`, if one waits."""
        if self.pending is None:
            return
        generation, batch, ok, summary, state, started, finished, partial = self.pending
        self.pending = None
        self.flush()
        self.writer.commit_generation(generation, evaluations=self.writer.rows, failed=int((~ok).sum()),
                                      started=started, finished=finished, summary=summary, state=state,
                                      **({"partial": True} if partial else {}))
        self.last_commit = time.monotonic()
        if not self.objectives_checked:  # this session's first commit: generation 0, or the first after a resume
            self.objectives_checked = True
            check_curves(batch, self.writer)
            refuse_missing_objectives(batch, self.writer, resumed=generation > 0)
            choices = [c for p in self.problem.space if len(getattr(p, "choices", ())) > 1 for c in p.choices]
            refuse_nest_name_errors(batch, self.writer, resumed=generation > 0, names=self.problem.space.names,
                                    choices=choices, chosen=self._categorical_choices(batch))
        else:  # a later segment's curve (a continued one's, made from a checkpoint) may be the first out of order
            check_curve_order(batch, self.writer)
        # until an evaluation succeeds, a commit of failures holding one whose result had other names (or a command's
        # 'loss: 0.33') ends the run: the first commit's check above wants all of it so, and a model that raised in
        # part of the space hid the rest until run.stop_after_failures (21 segments, exit status 1)
        if not self.succeeded:
            if ok.any():
                self.succeeded = True
            else:
                refuse_missing_objectives(batch, self.writer, resumed=generation > 0 and not self.committed_before,
                                          later=True)
        self.committed_before = True
        # NaN/inf points, a value at the budget other than the objective: one warning line a session for each
        top = self.top
        if top is None and any(o.budget is None and o.traces for o in batch):  # a sweep: one call at the top
            fidelity = self.c.simulator.fidelity()
            top = float(fidelity.maximum) if fidelity is not None else None
        check_curve_values(batch, self.__dict__.setdefault("curve_warnings", set()), top)
        if self.on_generation is not None:
            info = {"generation": generation, "summary": summary, "failed": int((~ok).sum()),
                    "best": dict(state["loop"]["best"])}
            if self.budgets:
                info["compute"] = state["loop"]["compute"]
            self.on_generation(info)

    #: Called with each evaluation (segment) this session finishes (see :meth:`report_evaluation`); None: not.
    on_evaluation: Callable[[dict], None] | None = None

    def report_evaluation(self, trial: int, outcome) -> None:
        """Call ``on_evaluation(info)`` with ``outcome``, just recorded (after its retries; not yet in the file):
        ``info`` holds what its row in ``l2l.load`` will (generation, individual, seed, status, params,
        objectives (NaN for a failed one), metrics, error, duration, attempts), the run's evaluations so far
        and, where the run has a fidelity, the trial, budget and from_budget of the segment and the compute spent
        so far (trial, budget and from_budget None in a run without one, as docs/python_api.md says). The dicts are the callback's own: changing them changes nothing in the run."""
        ok = outcome.status == OK
        info = {"generation": outcome.generation, "individual": outcome.individual, "seed": outcome.seed,
                "status": outcome.status,
                "params": self.problem.space.decode(np.asarray(self.trials[str(trial)]["code"], dtype=float)),
                "objectives": {o.name: float(outcome.objectives.get(o.name, np.nan)) if ok else float("nan")
                               for o in self.objectives},
                "metrics": dict(outcome.metrics), "error": outcome.error or None, "duration": outcome.duration,
                "attempts": outcome.attempt + 1, "evaluations": int(self.loop["evaluations"])}
        if self.budgets:
            info.update(trial=trial, budget=outcome.budget, from_budget=outcome.from_budget,
                        compute=float(self.loop["compute"]))
        else:  # the keys a logger of any run reads (docs/python_api.md): info["trial"] was a KeyError here
            info.update(trial=None, budget=None, from_budget=None)
        self.on_evaluation(info)

    def stopped(self, reason: str | None = None, interrupted: bool = False, extra: dict | None = None) -> None:
        """A stop was asked (``reason``: else the control's): keep what finished (committed where the policy
        allows), and say so, with the candidates the policy may still continue. ``interrupted`` (Ctrl-C, which
        may land anywhere, in the loop's own bookkeeping too): append what finished but commit nothing new, and
        name the candidates the policy may continue as far as the loop can tell (what ``l2l show`` and
        ``l2l.load`` call paused; a resume decides from the last commit). ``extra``: more of the event's detail."""
        detail = {"generation": self.loop["generation"], "reason": reason or self.control.stop_reason, **(extra or {})}
        if interrupted:
            self.flush()
            try:
                detail = self.with_continuable(detail)
            except Exception:  # noqa: BLE001 - a state caught mid-update: the event without them
                pass
        elif self.policy.commit == "seconds":
            if self.batch:
                self.commit()
            detail = self.with_continuable(detail)  # the policy's state is the one committed
        else:
            self.flush()
            if self.policy.reuses_uncommitted:
                detail["evaluations_kept"] = len(self.batch)
        self.writer.event("stopped", with_lifetime_losses(detail, self.executor))
