"""The lifetimes of a ``slurm`` run's worker jobs: each retires before its walltime, and an evaluation that a
retiring worker took along after running it for at least half the lifetime, :data:`LIFETIME_LOSSES` times, is
recorded as failed, its error naming the lifetime and what to change (it was run again for ever, a worker job paid
for each time). The scheduler's plugin (:func:`retirements_plugin`) tells of each retirement; :class:`WorkerLifetimes`
counts them for :class:`~l2l.jobs.slurm.SlurmExecutor`, across a resume too (l2l.jobs.lifetime_losses)."""

from __future__ import annotations

import time

from l2l.jobs.base import Outcome, died, warn_line
from l2l.jobs.lifetime_losses import carried, record, task_mark
from l2l.numbers import number

#: How many times a worker job may retire for its lifetime under an evaluation (one chunk of evaluations) that had
#: run on it for at least half the shortest lifetime, before the evaluation is recorded as failed (a chunk of
#: several is split first): Dask ran it again on the next worker job, which retired under it too, for ever.
LIFETIME_LOSSES = 2

#: A retirement counts only for an evaluation its worker took up within this many seconds of connecting (its
#: whole life, less the time to send it and a heartbeat's lag), :func:`lifetime_slack` of the lifetime.
LIFETIME_SLACK = (5.0, 0.05)


def lifetime_slack(lifetime: float) -> float:
    """Seconds a worker job may have lived before it took up an evaluation whose loss to its retirement still
    counts (:data:`LIFETIME_SLACK`: 5 s, or 5 % of the lifetime where that is more)."""
    return max(LIFETIME_SLACK[0], LIFETIME_SLACK[1] * lifetime)

#: The start of Dask's stimulus id of a worker closing itself gracefully: what its ``lifetime`` timer does (a
#: scale-down by the adaptive scaler retires idle workers under another id).
GRACEFUL_CLOSE = "worker-close-gracefully"

_retirements_class: type | None = None


def retirements_plugin() -> type:
    """:class:`_Retirements`'s class, a SchedulerPlugin (made here: distributed is imported as the cluster starts)."""
    global _retirements_class
    if _retirements_class is None:
        from distributed.diagnostics.plugin import SchedulerPlugin

        class _Retirements(SchedulerPlugin):
            """On a ``slurm`` run's scheduler (in the loop's process): as a worker job retires for its lifetime (a
            graceful close: ``remove-worker``, expected, :data:`GRACEFUL_CLOSE`), hands the tasks it was executing
            and for how long (its last heartbeat's figures, half a second old at most) to ``retired({key:
            seconds}, age)``, with the seconds the worker had been connected, on the scheduler's event loop. Tasks
            it held in its queue, never started, are not handed. The worker's record is gone from the scheduler as
            it logs the event: it is kept here from its arrival."""

            def __init__(self, scheduler: object, retired: object) -> None:
                self.retired = retired
                self.states = dict(getattr(scheduler, "workers", {}))  # address -> WorkerState
                self.arrived = dict.fromkeys(self.states, time.monotonic())  # address -> when it connected

            def add_worker(self, scheduler: object = None, worker: str = "") -> None:
                self.states[worker] = scheduler.workers.get(worker)
                self.arrived[worker] = time.monotonic()

            def remove_worker(self, scheduler: object = None, worker: str = "", **kwargs: object) -> None:
                self.states.pop(worker, None)
                self.arrived.pop(worker, None)

            def log_event(self, topic: str, msg: object) -> None:
                if topic != "all" or not isinstance(msg, dict) or msg.get("action") != "remove-worker":
                    return
                state = self.states.pop(msg.get("worker"), None)
                arrived = self.arrived.pop(msg.get("worker"), None)
                if state is None or not msg.get("expected") or \
                        not str(msg.get("stimulus_id", "")).startswith(GRACEFUL_CLOSE):
                    return
                executing = {task.key: float(seconds) for task, seconds in dict(state.executing).items()}
                if executing:
                    self.retired(executing, None if arrived is None else time.monotonic() - arrived)

        _retirements_class = _Retirements
    return _retirements_class



class WorkerLifetimes:
    """What :class:`~l2l.jobs.slurm.SlurmExecutor` does about its worker jobs' lifetimes (its ``_lifetime`` and
    ``_stagger``, seconds, set from walltime, lifetime and lifetime_stagger): a warning line where run.timeout is not
    below them, the retirements counted under each evaluation in flight, and those outlived given up. Works on the
    chunks and futures of the Dask backend it is mixed into (l2l.jobs.dask)."""

    def _lifetime_said(self) -> str:
        """The worker jobs' lifetime as a message names it: ``lifetime 00:00:40: 40 s`` or ``walltime 00:01:00 less
        the retire margin: 30 s`` (± the stagger, where there is one)."""
        what = f"lifetime {self.lifetime}" if self.lifetime else f"walltime {self.walltime} less the retire margin"
        spread = f" ± {self._stagger} s" if self._stagger else ""
        return f"{what}: {self._lifetime} s{spread}"

    def _lifetime_fix(self) -> str:
        return "raise [backend] lifetime (and walltime)" if self.lifetime else "raise [backend] walltime"

    def _warn_timeout(self, timeout: float | None) -> None:
        """One warning line as the run starts where run.timeout is at least the worker jobs' shortest lifetime: an
        evaluation that long is not ended by its timeout but taken along by its retiring worker, run again, and
        recorded as failed after LIFETIME_LOSSES such runs. No line without run.timeout (most runs have none and
        evaluations far shorter than the lifetime)."""
        if timeout and timeout >= self._lifetime - self._stagger:
            warn_line(f"l2l: warning: backend 'slurm': run.timeout = {number(timeout)} s is not below the worker jobs' "
                      f"lifetime ({self._lifetime_said()}): an evaluation that long fails as its worker retires "
                      f"under it, not at its timeout; {self._lifetime_fix()}, or set run.timeout below "
                      f"{self._lifetime - self._stagger} s")

    def _follow_workers(self) -> None:
        """As every Dask backend; and the scheduler (in this process) tells :meth:`_retired` of the evaluations a
        worker job took along as it retired for its lifetime (:func:`retirements_plugin`)."""
        super()._follow_workers()
        self._outlived: dict = {}  # chunk key -> seconds it had run on each worker that retired under it
        scheduler = self._local_scheduler()
        if scheduler is not None:
            scheduler.add_plugin(retirements_plugin()(scheduler, self._retired),
                                 name=f"{self._plugin_name()}-retirements")

    def _retired(self, executing: dict, age: float | None = None) -> None:
        """A worker job retired for its lifetime while executing the chunks ``executing`` (key: seconds each had
        run on it), ``age`` seconds after it connected (None: not known); on the scheduler's event loop. Each of ours
        in flight that had run for at least half the shortest lifetime, and for about the worker's whole life (it
        started within :data:`LIFETIME_SLACK` of the worker's arrival), is counted (:meth:`_give_up_outlived` ends
        it): an evaluation of under half the lifetime is never counted, and neither is one a worker took up late in
        its life, which may fit the life of a fresh one (a review: one of 0.8 lifetimes landing twice on workers
        with 0.5 to 0.8 lifetimes left was failed, though it fit a fresh worker job)."""
        least = (self._lifetime - self._stagger) / 2
        slack = lifetime_slack(self._lifetime)
        with self._lost_lock:
            for key, seconds in executing.items():
                if key in self._chunks and seconds >= least and (age is None or seconds >= age - slack):
                    self._outlived.setdefault(key, []).append(seconds)

    def _give_up_outlived(self) -> list[Outcome]:
        """The chunks worker jobs retired under LIFETIME_LOSSES times (see :meth:`_retired`), taken from Dask
        (which would run them again on the next worker job, for ever, a job paid for each time): a chunk of one
        becomes a failed outcome whose error names the lifetime and what to change, each run counted as an
        attempt; a chunk of several is sent again as chunks of one (its evaluations may fit one by one)."""
        if not getattr(self, "_outlived", None):  # (none: the usual case, also before start() made the lock)
            return []
        with self._lost_lock:
            keys = [key for key, runs in self._outlived.items()
                    if len(runs) + self._carried_losses(key) >= LIFETIME_LOSSES]
        outcomes: list[Outcome] = []
        for key in keys:
            with self._lost_lock:
                runs = self._outlived.pop(key)
            if key not in self._chunks or key not in self._by_key:  # came back meanwhile: its outcome stands
                continue
            before = self._carried_losses(key)  # (counted in the session the resume continues: not its attempts)
            chunk, future = self._chunks.pop(key), self._by_key.pop(key)
            self._futures.discard(future)
            if future is self._isolated:
                self._isolated = None
            lost = max(self._runs_lost(key), len(runs))  # (the client's notice of the retirements may come later)
            try:
                future.cancel()  # its next run, started already perhaps, is Dask's to drop
            except Exception:  # noqa: BLE001 - the client is closing: nothing runs it again then
                pass
            if len(chunk) > 1:
                for task in chunk:
                    self._reruns[id(task)] = (task, self._reruns.get(id(task), (task, 0))[1] + lost)
                self._submit_chunks([[task] for task in chunk])
                continue
            task = chunk[0]
            # the same words for every evaluation so ended (no seconds of its own): the run's summary counts them
            # as one reason ("2 x ..."), not one and "1 with another reason"
            times = "twice" if len(runs) + before == 2 else f"{len(runs) + before} times"
            outcome = died(task, f"did not finish within the slurm worker jobs' lifetime ({self._lifetime_said()}): "
                                 f"its worker job retired under it {times}, each time after it had run for over half "
                                 f"of it; {self._lifetime_fix()}, or set run.timeout below "
                                 f"{self._lifetime - self._stagger} s")
            outcome.submissions = lost + self._reruns.pop(id(task), (task, 0))[1]
            outcomes.append(outcome)
            self._pending -= 1
        return outcomes

    def _carried_losses(self, key: str) -> int:
        """The retirements the session a resume continues counted under the evaluation of chunk ``key`` (one sent
        alone; :meth:`carry_lifetime_losses`)."""
        counts, chunk = getattr(self, "_carried", None), self._chunks.get(key)
        return counts.get(task_mark(chunk[0]), 0) if counts and chunk is not None and len(chunk) == 1 else 0

    def lifetime_losses(self) -> dict | None:
        """What the ``stopped`` event of a run stopping now records: the retirements counted under each evaluation
        in flight sent alone, this session's and those carried (l2l.jobs.lifetime_losses.record); None if none."""
        if getattr(self, "_lost_lock", None) is None or not getattr(self, "_chunks", None):  # (not started)
            return None
        with self._lost_lock:
            counts = {key: len(runs) for key, runs in getattr(self, "_outlived", {}).items()}
        return record(self._lifetime, ((task_mark(chunk[0]), counts.get(key, 0) + self._carried_losses(key))
                                       for key, chunk in list(self._chunks.items()) if len(chunk) == 1))

    def carry_lifetime_losses(self, detail: dict | None) -> None:
        """Count the retirements the ``stopped`` event ``detail`` of the session a resume continues records, for
        the evaluations this one runs again (under the same lifetime only: see l2l.jobs.lifetime_losses)."""
        self._carried = carried(detail, self._lifetime)
