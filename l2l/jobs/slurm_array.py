"""Backend ``slurm-array``: every batch of evaluations is one ``sbatch --array``, no long-lived scheduler.

For clusters that forbid long-running processes on login nodes, or whose
simulations are MPI programs themselves. Files, all under the run directory
(``<run>.work/array``, made absolute)::

    spec.json                     simulator name + options and settings, written once
    batches/<batch>/tasks.json    the tasks of one array (JSON: parameters, seeds, budgets of segments)
    batches/<batch>/checkpoints/  <index>.l2l: the checkpoint a segment starts from (codec, no pickle)
    batches/<batch>/job.sh        the job script
    batches/<batch>/results/      <index>.json, written by the task under a temporary name, then renamed;
                                  <index>.checkpoint.l2l, the segment's new checkpoint, renamed in first
    batches/<batch>/logs/         one log per task while the array runs
    batches/<batch>/job_id        the array's SLURM job id and job name (a later session cancels it: a loop
                                  killed could not)
    batches/<batch>/code          the digest of the code its tasks run (array_finished.code_digest)
    finished/<key>.json           the results a killed session's arrays finished, kept by the next session as it
                                  cancels them, taken where it asks those evaluations again (array_finished)
    logs/generation-00003.log     the logs of all tasks of generation 3, gathered when their array ends

A batch directory is removed once every one of its tasks is accounted for, so
a sweep of many thousands of evaluations leaves one log file per generation;
so is one whose array is cancelled (the run ended or was stopped with tasks in
flight, or a later session cancelled a killed one's), keeping the logs of the
tasks that ran (:func:`retire_batch`).

Completion is seen in the result files; job states come from ``squeue``
(``sacct`` is often disabled). Both are paced by the executor, not by each
``wait`` (the loop calls it every second): ``squeue`` with a pause that grows
from 0.2 s to ``poll_max`` (5 s) and starts again from 0.2 s only when an array
is submitted with none of the run's in the queue (a generation's start), the
result folders from 0.2 s after each result to ``poll_max`` while none comes.
Before, every ``wait`` started at 0.2 s: a run called squeue about three times
a second for as long as it ran. A task whose
job ended (failed, cancelled, timed out, node failure, vanished from the queue)
without a result is resubmitted up to ``retries`` times, the tasks found lost at
one look together in one array (before, one ``sbatch`` each: an array of a
thousand tasks that failed to launch was a thousand sbatch calls and jobs), then
reported as a failed (or timed-out) Outcome whose error says what SLURM did to it. Every
Outcome says how many submissions it took (``Outcome.submissions``): a job
that ended without a result may have run the simulator (and used the
allocation) all the same, so the loop counts each submission as an attempt.

An array sbatch refuses after the run's first was taken (a job-count or QOS
limit, a partition closed) waits and is submitted again while other arrays of
the run are in the queue; once none is left and sbatch still refuses, ``wait``
raises JobsRefused (the loop keeps what finished and says how to continue).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Sequence

from l2l.errors import ConfigError
from l2l.jobs.array_batches import retire_batch
from l2l.jobs.array_finished import CODE_FILE, Finished, code_digest
from l2l.jobs.array_task import read_result, write_json_atomically, write_tasks
from l2l.jobs.base import FAILED, TIMEOUT, Executor, FollowsWorkers, Outcome, Settings, Task, died, warn_line
from l2l.jobs.slurm_array_script import ArrayScript
from l2l.jobs.slurm_common import (SQUEUE_OUTAGE_SECONDS, JobsRefused, SlurmError, SlurmUnreachable, call,
                                   max_array_size, parse_job_id, unreachable)
from l2l.jobs.slurm_left import (array_job_name, cancel_left_behind, queued_job_name, record_array_job,
                                 wait_left_queue)
from l2l.jobs.slurm_values import check_extra_directives, check_script_values, slurm_memory, walltime_seconds
from l2l.registry import option
from l2l.simulators.base import Simulator
from l2l.simulators.said_replay import replay

#: States after which an array task will not write a result any more.
ENDED = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY",
         "BOOT_FAIL", "DEADLINE", "SPECIAL_EXIT", "REVOKED"}
FIRST_POLL, POLL_GROWTH = 0.2, 1.5
#: Seconds between two submissions of an array sbatch refused, while others of the run are still in the queue.
RESUBMIT_SECONDS = 10.0
#: The evaluations counted as running at once without a ``max_running`` throttle (the queue decides).
UNTHROTTLED_SLOTS = 32


@dataclass
class _Array:
    """One submitted ``sbatch --array``: its tasks by index and what is known about them."""

    directory: Path
    tasks: list[Task]
    job_id: str = ""  # '' while sbatch refuses it (see SlurmArrayExecutor._sbatch)
    open: set[int] = field(default_factory=set)
    ended: dict[int, tuple[float, str]] = field(default_factory=dict)  # index -> (first seen ended, state)
    unsure: bool = False  # sbatch did not answer in time: it may have taken the array all the same (_adopt)


@dataclass
class SlurmArrayExecutor(ArrayScript, FollowsWorkers, Executor):
    """Each batch of evaluations is one SLURM job array; results come back through files."""

    name: ClassVar[str] = "slurm-array"
    #: Said after the refusal of an option another backend has (``workers = 2`` of the README's local example).
    option_hints: ClassVar[dict[str, str]] = {"workers": "the most array tasks running at once is max_running "
                                                         "(what --workers sets)"}

    partition: str = option("", help="SLURM partition; '' for the cluster's default")
    account: str = option("", help="account (project) to charge; '' for your default")
    walltime: str = option("00:30:00", help="walltime of one evaluation's job, e.g. '02:00:00'")
    memory: str = option("", help="memory per node of one evaluation, e.g. '4G' ('' = cluster default)")
    # SLURM reads counts as 32-bit integers: at 10**18 sbatch failed after the run's file existed ('invalid number
    # of tasks (-n -1486618624)'), or never answered; the bounds are above any cluster's size.
    nodes: int = option(1, help="nodes per evaluation", ge=1, le=100_000)
    ntasks: int = option(1, help="tasks (MPI ranks) per evaluation", ge=1, le=1_000_000)
    cpus_per_task: int = option(1, help="CPUs per task", ge=1, le=1024)
    launch: str = option("python", help="'python': run the evaluation directly; 'srun': start it with srun "
                                        "on all ntasks (MPI simulations; rank 0 writes the result)", choices=("python", "srun"))
    max_running: int = option(0, help="most tasks of one array running at once (%N throttle; 0: no limit)", ge=0)
    array_size: int = option(0, help="most tasks per array (0: the cluster's MaxArraySize)", ge=0)
    retries: int = option(2, help="resubmissions of a task whose job failed, was cancelled or timed out", ge=0)
    job_extra_directives: list = option([], help="extra #SBATCH options, e.g. ['--qos=long']")
    prologue: list = option([], help="shell lines run before each evaluation, e.g. ['module load nest']")
    python: str = option("", help="Python interpreter on the compute nodes ('' = the one running l2l)")
    # (1e30 was taken: the pauses grew without end, the run saw its results ever later; result_grace = 1e30: a lost
    # task never counted as lost)
    poll_max: float = option(5.0, help="longest pause between two squeue calls, seconds", ge=FIRST_POLL, le=3600)
    result_grace: float = option(5.0, help="seconds a result file may lag behind its job's end (shared "
                                           "file systems) before the task counts as lost", ge=0, le=86400)

    def __post_init__(self) -> None:
        who = "backend 'slurm-array'"
        check_script_values(who, {key: getattr(self, key) for key in (
            "partition", "account", "walltime", "memory", "job_extra_directives", "prologue", "python")})
        if self.memory:
            slurm_memory(who, "memory", self.memory)
        walltime_seconds(self.walltime, f"{who}: walltime")
        self.job_extra_directives = list(check_extra_directives(self.job_extra_directives, who))
        for line in self.prologue:
            if not isinstance(line, str) or "\n" in line:
                raise ConfigError(f"{who}: prologue must be a list of single shell lines, got {line!r}")
        self._arrays: list[_Array] = []
        self._ready: list[Outcome] = []
        self._pending = 0
        self._attempts: dict[tuple[int, int, int], int] = {}  # resubmissions of a task, by (generation,
        # individual, attempt): 0 (absent) until its first job is lost
        self._root: Path | None = None
        self._job_name = "l2l-array"
        self._queued_name = ""  # the name SLURM gave the run's arrays (queued_job_name), once the first is taken
        self._name_asked = False  # squeue asked for it (once a session, answered or not)
        self._batches = 0
        self._limit = 0
        self._accepted = False  # whether sbatch took any array of this executor
        self._resumed = False  # the run's file holds finished evaluations (Settings.resumed)
        self._refusal = ""  # sbatch's last message refusing an array, while one waits to be submitted
        self._resubmit_at = 0.0
        # the pacing of squeue and of the result folders' scans, the executor's (see the module's docstring)
        self._squeue_pause, self._squeue_at = FIRST_POLL, 0.0
        self._scan_pause, self._scan_at = FIRST_POLL, 0.0
        self._resubmit: list[Task] = []  # tasks found lost at one look, resubmitted together (_check_queue)
        self._squeue_failing: float | None = None  # since when squeue fails (slurmctld unreachable), else None
        self._sbatch_failing: float | None = None  # since when sbatch finds slurmctld out of reach, else None
        #: results a killed session's arrays finished that this one took instead of running them (array_finished),
        #: counted as the executor closes
        self.taken_finished = 0
        self._code = ""  # the digest of the code the tasks run (start: array_finished.code_digest)
        self._finished: Finished | None = None  # the results a killed session's arrays finished (start)

    # -- the protocol -------------------------------------------------------------------------------

    def start(self, simulator: Simulator, settings: Settings) -> None:
        if not settings.run_dir:
            raise ConfigError("backend 'slurm-array' needs a run directory (settings.run_dir) for its files")
        self.check_simulator(simulator)  # checked in prepare already, unless started by other code
        run_dir = os.path.abspath(settings.run_dir)  # the tasks start elsewhere: see _paths
        self.check_run_dir(run_dir, {})  # checked with the output path already, unless started by other code
        self._resumed = settings.resumed
        options = simulator.options()
        spec = {"simulator": {"name": simulator.name, "options": options},
                "settings": {"objectives": list(settings.objectives), "timeout": settings.timeout,
                             "run_dir": run_dir}}
        try:
            text = json.dumps(spec)
        except TypeError as exc:
            raise ConfigError(f"backend 'slurm-array': the options of simulator {simulator.name!r} cannot be "
                              f"written as JSON ({exc}); use the 'slurm' backend") from None
        self._root = Path(run_dir) / "array"
        (self._root / "batches").mkdir(parents=True, exist_ok=True)
        (self._root / "logs").mkdir(exist_ok=True)
        write_json_atomically(str(self._root / "spec.json"), json.loads(text))
        self._job_name = array_job_name(settings.run_dir)
        self._code = code_digest(simulator, spec)
        self._cancel_left_behind()  # (the results its arrays finished kept: array_finished)
        self._finished = Finished(self._root, self._code)
        self._limit = self.array_size or max_array_size()

    def _cancel_left_behind(self) -> None:
        """Cancel the arrays an earlier session of this run left in the queue (:func:`cancel_left_behind`, which
        every ``l2l resume`` calls as well, whatever its backend; called here too for a run started by other code).
        """
        cancel_left_behind(self._root.parent)

    def submit(self, tasks: Sequence[Task]) -> None:
        tasks = self._take_finished(list(tasks))
        if not tasks:
            return
        if not any(array.open for array in self._arrays):  # a generation's start: its early failures seen soon
            self._squeue_pause, self._squeue_at = FIRST_POLL, time.monotonic() + FIRST_POLL
        self._scan_pause, self._scan_at = FIRST_POLL, time.monotonic() + FIRST_POLL
        self._submit_arrays(tasks)
        self._pending += len(tasks)

    def _take_finished(self, tasks: list[Task]) -> list[Task]:
        """The ``tasks`` to submit: those but the evaluations whose results a killed session's arrays finished
        (:mod:`l2l.jobs.array_finished`), whose outcomes are ready at once."""
        finished = self._finished
        if finished is None or not finished.keys:
            return tasks
        left = []
        for task in tasks:
            outcome = finished.take(task)
            if outcome is None:
                left.append(task)
                continue
            self._ready.append(outcome)
            self._pending += 1
        return left

    def _submit_arrays(self, tasks: list[Task]) -> None:
        """Submit ``tasks`` as few arrays as the cluster's MaxArraySize (or ``array_size``) allows."""
        for begin in range(0, len(tasks), self._limit):
            self._submit_array(tasks[begin:begin + self._limit])

    def _submit_array(self, tasks: list[Task]) -> None:
        self._batches += 1
        first = tasks[0]
        name = f"g{first.generation:05d}-{self._batches:04d}-{os.getpid()}-{os.urandom(2).hex()}"
        directory = self._root / "batches" / name
        (directory / "results").mkdir(parents=True)
        (directory / "logs").mkdir()
        write_tasks(str(directory), tasks)
        (directory / CODE_FILE).write_text(self._code + "\n")  # a later session takes its results by it
        paths = self._paths(directory)
        Path(paths["script"]).write_text(self.job_script(paths["spec"], paths["batch"]))
        array = _Array(directory, tasks, "", set(range(len(tasks))))
        try:
            self._sbatch(array)
        except SlurmError:  # the run's first array refused: the run ends, and nothing ran from the folder
            shutil.rmtree(directory, ignore_errors=True)
            raise
        self._arrays.append(array)  # refused, it waits there without a job id (see _submit_refused)

    def _sbatch(self, array: _Array) -> bool:
        """Submit ``array`` (its folder is ready); False if sbatch refuses it.

        The run's first submission refused raises the SlurmError (one line: the options are wrong, or SLURM
        takes nothing from this user now; the file holds nothing computed). A later one is kept for
        :meth:`_submit_refused`: a job-count limit reached by the run's own arrays lifts as they end (before,
        the run ended with an error at once, and cancelled its arrays still running). So is the first of a
        resumed run, whose file holds finished evaluations: its JobsRefused then says how to continue (before,
        the SlurmError said nothing of the file or of ``l2l resume``).
        """
        paths = self._paths(array.directory)
        indices = f"0-{len(array.tasks) - 1}" + (f"%{self.max_running}" if self.max_running else "")
        try:
            output = call(["sbatch", "--parsable", f"--array={indices}", f"--output={paths['output']}",
                           f"--chdir={paths['chdir']}", paths["script"]])
        except SlurmError as exc:
            # a mid-run sbatch that did not answer in time is kept as a refusal is (before, it ended the run), but
            # it may have been taken: found in the queue by its folder before it is submitted again (_adopt)
            if not (exc.refused or exc.returncode == -1) or not (self._accepted or self._resumed):
                raise
            array.unsure = array.unsure or exc.returncode == -1
            self._refusal = exc.said or f"exit status {exc.returncode}, no message"
            self._resubmit_at = time.monotonic() + RESUBMIT_SECONDS
            if not unreachable(self._refusal):  # an answer (a limit reached): JobsRefused once none is queued
                self._sbatch_failing = None
            elif self._sbatch_failing is None:
                self._sbatch_failing = time.monotonic()
            return False
        self._sbatch_failing = None
        array.job_id = parse_job_id(output)
        self._accepted = True
        # for a later session, should this one be killed before it cancels the array (_cancel_left_behind), with the
        # name SLURM gave it, asked once a session: a user's --job-name wins over the run's (it was not cancelled)
        record_array_job(array.directory, array.job_id, self._queued_name or self._job_name)
        if not self._name_asked:  # once: squeue that does not answer would hold the driver up to 30 s a submission
            self._name_asked = True
            self._queued_name = queued_job_name(array.job_id)
            if self._queued_name and self._queued_name != self._job_name:
                record_array_job(array.directory, array.job_id, self._queued_name)
        return True

    def _submit_refused(self) -> None:
        """Submit again the arrays sbatch refused: every RESUBMIT_SECONDS while others of the run are in the
        queue (their results still come, and their end may lift the limit), and once more when none is left;
        refused then, the run cannot go on: JobsRefused."""
        refused = [array for array in self._arrays if not array.job_id]
        if not refused:
            return
        queued = any(array.job_id and array.open for array in self._arrays)
        outage = self._sbatch_failing is not None  # slurmctld out of reach: asked again every RESUBMIT_SECONDS
        if (queued or outage) and time.monotonic() < self._resubmit_at:
            return
        for array in refused:
            if array.unsure and not self._adopt(array):
                self._resubmit_at = time.monotonic() + RESUBMIT_SECONDS
                break  # squeue cannot say whether sbatch took it: not submitted twice on a guess
            if not array.job_id and not self._sbatch(array):
                break  # the others would be refused as well
        waiting = sum(len(array.tasks) for array in self._arrays if not array.job_id)
        if waiting and not queued:
            if self._sbatch_failing is not None and time.monotonic() - self._sbatch_failing < SQUEUE_OUTAGE_SECONDS:
                return  # a controller restarting or failing over: its minutes are waited out, as squeue's are
            raise JobsRefused(f"sbatch refused the job arrays the run needs: {self._refusal} ({waiting} "
                              f"evaluation(s) not submitted; none of the run's jobs is left in the queue)")
        if not waiting:
            self._refusal = ""

    def _adopt(self, array: _Array) -> bool:
        """For ``array``, whose sbatch did not answer in time: take the array squeue lists as started in its
        folder (``--chdir``: the folder's name is unique to it) as its own, recorded as any. True if it may be
        submitted (again) now: found so, or not in the queue; False where squeue does not answer."""
        try:
            listed = call(["squeue", "--noheader", f"--user={os.getuid()}", "--format=%F|%Z"], timeout=30)
        except SlurmError:
            return False
        for first, _, folder in (line.partition("|") for line in listed.splitlines()):
            if folder.strip() == str(array.directory) and first.strip().isdigit():
                array.job_id = first.strip()
                record_array_job(array.directory, array.job_id, self._queued_name or self._job_name)
                break
        array.unsure = False
        return True

    @property
    def finished_taken(self) -> int:
        """How many results of a killed session's arrays this session took instead of running the evaluations (for
        the event that ends the session, should the loop record it)."""
        return self.taken_finished + (self._finished.taken if self._finished is not None else 0)

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def worker_count(self) -> int:
        """How many evaluations run at once: the queue decides; the throttle, if set, is the best guess, else
        UNTHROTTLED_SLOTS. At most those an optimizer that keeps a fixed number of candidates out allows
        (:meth:`~l2l.jobs.base.FollowsWorkers.follow_workers`): said in one warning line where ``max_running``
        is above them, and without it where the limit is a num_workers the config gave (``nevergrad``'s), not
        ``auto``'s own choice, made for l2l's guess of the slots."""
        if self.max_running:
            return self._busy(self.max_running)
        if getattr(self, "_given", False):
            return self._busy(UNTHROTTLED_SLOTS)
        return min(self._most() or UNTHROTTLED_SLOTS, UNTHROTTLED_SLOTS)

    @property
    def slots_guessed(self) -> bool:
        """Whether :attr:`worker_count`'s slots are l2l's guess (no ``max_running``): an asynchronous ``nevergrad``
        run is then not refused for them but keeps at most num_workers out, said in one line (as a resumed one
        does), where a throttle given is refused before the run's file exists."""
        return not self.max_running

    worker_word: ClassVar[str] = "slot"

    def workers_said(self, workers: int) -> str:
        """The array's slots, as the idle-workers warning line counts them: it has no workers of a cluster."""
        if self.max_running:
            return f"max_running = {self.max_running} gives the array {workers} slots (its tasks running at once)"
        return (f"the array has no max_running, counted as {workers} slots (its tasks running at once; SLURM's "
                f"queue decides)")

    def wait(self, timeout: float | None = None) -> list[Outcome]:
        """Block until at least one outcome is ready (or ``timeout`` passes); return all ready ones."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._pending:
            if time.monotonic() >= self._scan_at:
                self._collect_results()
                # after a result others may follow soon; while none comes, the folders are read ever less often
                self._scan_pause = FIRST_POLL if self._ready else min(self._scan_pause * POLL_GROWTH, self.poll_max)
                self._scan_at = time.monotonic() + self._scan_pause
            if not self._ready and time.monotonic() >= self._squeue_at:
                self._check_queue()
                self._squeue_pause = min(self._squeue_pause * POLL_GROWTH, self.poll_max)
                self._squeue_at = time.monotonic() + self._squeue_pause
            if not self._ready:
                self._submit_refused()
            if self._ready:
                ready, self._ready = self._ready, []
                self._pending -= len(ready)
                return ready
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return []
            wake = min(self._scan_at, self._squeue_at, *(() if deadline is None else (deadline,)))
            time.sleep(max(0.0, wake - now))
        return []

    def _collect_results(self) -> None:
        for array in self._arrays:
            with os.scandir(array.directory / "results") as entries:
                names = [e.name for e in entries if not e.name.startswith(".") and e.name.endswith(".json")]
            for name in names:
                index = int(name[:-5])
                if index not in array.open:
                    continue
                outcome, said = read_result(str(array.directory / "results"), index)
                replay(said, self)  # a model's own seed or threads: said here, once for the run (tasks' logs unread)
                task = array.tasks[index]
                outcome.submissions = 1 + self._attempts.pop((task.generation, task.individual, task.attempt), 0)
                self._ready.append(outcome)
                array.open.discard(index)
        self._retire_finished()

    def _states(self) -> dict[str, tuple[str, str]] | None:
        """'job_index' -> (state, reason) for every task of our arrays that SLURM still knows; None where squeue
        failed (:meth:`_squeue_failed`): nothing is known of them at this look."""
        ids = ",".join(a.job_id for a in self._arrays if a.open and a.job_id)
        if not ids:
            return {}
        try:
            text = call(["squeue", "--noheader", "--array", "--states=all", f"--jobs={ids}",
                         "--format=%i|%T|%r"])
        except SlurmError as exc:
            if "Invalid job id" in exc.stderr:  # every one of our jobs has left the controller
                self._squeue_answers()
                return {}
            if exc.returncode == 127:  # no squeue here at all
                raise
            self._squeue_failed(exc)
            return None
        self._squeue_answers()
        states = {}
        for line in text.splitlines():
            parts = line.strip().split("|")
            if len(parts) == 3:
                states[parts[0]] = (parts[1], parts[2])
        return states

    def _squeue_failed(self, exc: SlurmError) -> None:
        """squeue failed (slurmctld restarting, failing over, overloaded): the run goes on, its tasks' results read
        from their files, and says so in one line; after SQUEUE_OUTAGE_SECONDS of failures in a row it ends
        (SlurmUnreachable: the loop keeps every finished evaluation and says how to continue). Before, the first
        failure ended the run, status failed, its arrays cancelled: a controller's restart of a few seconds ended
        every slurm-array run of the cluster."""
        now = time.monotonic()
        if self._squeue_failing is None:
            self._squeue_failing = now
            warn_line(f"l2l: warning: squeue failed ({exc.said or f'exit status {exc.returncode}'}); the run goes on, "
                      f"reading the results its tasks write, and asks squeue again every {self.poll_max:g} s (up to "
                      f"{SQUEUE_OUTAGE_SECONDS / 60:g} minutes)")
        elif now - self._squeue_failing >= SQUEUE_OUTAGE_SECONDS:
            raise SlurmUnreachable(f"squeue has failed for {(now - self._squeue_failing) / 60:.0f} minutes "
                                   f"({exc.said or f'exit status {exc.returncode}'})")
        self._squeue_pause = self.poll_max  # (not asked faster while it fails)

    def _squeue_answers(self) -> None:
        """squeue answered: one line if it had failed (:meth:`_squeue_failed`)."""
        if self._squeue_failing is not None:
            warn_line(f"l2l: note: squeue answers again, after {time.monotonic() - self._squeue_failing:.0f} s")
            self._squeue_failing = None

    def _check_queue(self) -> None:
        states = self._states()
        if states is None:  # squeue failed: no task is taken for lost on that
            self._retire_finished()
            return
        now = time.monotonic()
        unexpanded = {key.split("_[")[0] for key in states if "_[" in key}
        for array in self._arrays:
            if not array.job_id:  # refused by sbatch: waits in _submit_refused
                continue
            for index in sorted(array.open):
                state, reason = states.get(f"{array.job_id}_{index}", ("", ""))
                if not state and array.job_id in unexpanded:
                    continue  # still pending as part of a range squeue did not expand
                if state and state not in ENDED:
                    array.ended.pop(index, None)
                    continue
                seen, _ = array.ended.setdefault(index, (now, state or "GONE"))
                if now - seen < self.result_grace:
                    continue  # its result file may still be on its way
                self._collect_results()
                if index in array.open:
                    array.open.discard(index)
                    self._lost(array, index, state or "GONE", reason)
        resubmit, self._resubmit = self._resubmit, []
        if resubmit:  # one array for the tasks lost at this look (before: one sbatch and one job each)
            self._submit_arrays(resubmit)
        self._retire_finished()

    def _lost(self, array: _Array, index: int, state: str, reason: str) -> None:
        """A task ended without a result: resubmit it, or report it with what SLURM did."""
        task = array.tasks[index]
        key = (task.generation, task.individual, task.attempt)
        tries = self._attempts.get(key, 0)
        what = "left the queue" if state == "GONE" else f"ended {state}" + \
            (f" ({reason})" if reason and reason != "None" else "")
        if tries < self.retries and state != "OUT_OF_MEMORY":  # (the same evaluation needs the same memory again)
            self._attempts[key] = tries + 1
            self._resubmit.append(task)  # submitted with the others lost at this look (_check_queue)
            return
        # the job's id and log on a line of their own, after the reason: the failure summaries (l2l run, l2l show)
        # count failures by the reason's line, and with the id in it a cancelled array's tasks were as many reasons
        # ('4 failed: 1 × "SLURM job 17826_0 ended CANCELLED ...", 3 with 3 other reasons')
        log = self._root / "logs" / f"generation-{task.generation:05d}.log"
        # what to do about it: the line said what SLURM did, not that the time limit was the backend's walltime
        advice = (f": [backend] walltime = '{self.walltime}' (each evaluation's job) is shorter than the evaluation; "
                  f"raise it (and keep run.timeout below it)" if state == "TIMEOUT" else "")
        if state == "OUT_OF_MEMORY":  # SLURM killed it past its memory: not resubmitted, it would be again
            booked = f"[backend] memory = '{self.memory}'" if self.memory else \
                "the cluster's default memory (no [backend] memory given)"
            advice = (f": SLURM killed it past the memory its job booked, {booked}; raise memory (per node of one "
                      f"evaluation; not resubmitted: the evaluation would need as much again)")
        outcome = died(task, f"SLURM job {what} without writing a result, after {tries + 1} submission(s){advice}\n"
                             f"--- SLURM job {array.job_id}_{index}; its log: {log}")
        outcome.status = TIMEOUT if state in ("TIMEOUT", "DEADLINE") else FAILED
        outcome.submissions = tries + 1
        self._attempts.pop(key, None)
        self._ready.append(outcome)

    def _retire_finished(self) -> None:
        """Gather the logs of arrays with nothing open into per-generation files; remove their folders."""
        keep = []
        for array in self._arrays:
            if array.open:
                keep.append(array)
                continue
            retire_batch(array.directory, array.job_id, array.tasks)
        self._arrays = keep

    def describe(self) -> str:
        where = f"partition {self.partition}" if self.partition else "default partition"
        return f"slurm-array ({where}, walltime {self.walltime}, {self.ntasks} task(s) per evaluation)"

    def close(self) -> None:
        """Cancel arrays still running (their results would be read by nobody) and retire their batch folders
        (:func:`retire_batch`: the logs of the tasks that ran are kept). Where scancel did not answer (or found no
        controller) the folders stay, with the ids, for the next session to cancel (:func:`cancel_left_behind`)."""
        running = [a.job_id for a in self._arrays if a.open and a.job_id]
        cancelled = True
        if running:
            try:
                call(["scancel", *running], timeout=30)
            except SlurmError as exc:  # an array that ended meanwhile: 'Invalid job id', the others are cancelled
                cancelled = "Invalid job id" in exc.stderr
        if cancelled:
            wait_left_queue(running)  # slurmstepd's CANCELLED line written into the logs of the tasks that ran
            for array in self._arrays:
                retire_batch(array.directory, array.job_id, array.tasks, cancelled=True, keep=False)
        self._arrays = []
        self._pending = 0
        self._say_finished()

    def _say_finished(self) -> None:
        """One line each: how many results of a killed session's arrays were taken, and how many were not, another
        code having run them; the kept results go (:class:`Finished`)."""
        finished = self._finished
        if finished is None:
            return
        if finished.taken:
            warn_line(f"l2l: note: {finished.taken} evaluation{'s' * (finished.taken != 1)} taken from the results "
                      f"the killed session's job arrays had finished (not run again)")
        if finished.other_code:
            warn_line(f"l2l: note: {finished.other_code} result{'s' * (finished.other_code != 1)} the killed "
                      f"session's job arrays had finished {'were' if finished.other_code != 1 else 'was'} not taken: "
                      f"the model's code (or the simulator's options, or l2l) changed since; run again")
        self.taken_finished += finished.taken
        finished.remove()
        self._finished = None
