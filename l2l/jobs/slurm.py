"""Backend ``slurm``: Dask workers running as SLURM jobs (dask-jobqueue's SLURMCluster).

The scheduler lives in the process of the outer loop (a login node, or the
batch job of ``l2l submit``); every SLURM job runs one single-threaded Dask
worker that evaluates chunks of tasks. Jobs come and go with adaptive scaling
between ``minimum_jobs`` and ``maximum_jobs``; a job that dies (cancelled,
node failure, walltime) is replaced, and the chunks it held are recomputed
elsewhere by the machinery shared with the local backend, which counts each
run as an attempt of its evaluations (see l2l.jobs.dask).

Workers retire themselves before the walltime: each gets a lifetime (the
walltime minus a safety margin), staggered so that they do not all leave at
once; the adaptive scaler then submits fresh jobs. An evaluation running on a
retiring worker is run again by Dask on another worker (each run counted as an
attempt). One that does not finish within a worker's lifetime was run again
for ever, silently, a worker job paid for each time: an evaluation a retiring
worker took along after running it for at least half the lifetime, twice
(LIFETIME_LOSSES), is recorded as failed, its error naming the lifetime and
what to change (:class:`_Retirements`, :meth:`SlurmExecutor._give_up_outlived`). The counts of the evaluations
in flight at a stop are kept in its ``stopped`` event, and the resume goes on from them (l2l.jobs.lifetime_losses).

sbatch may refuse worker jobs after the run has started (a per-user job or QOS
limit, a partition closed, an account spent). dask-jobqueue never submits a
refused job again and says nothing; the answers are therefore watched here
(:class:`_Submissions`), and once no worker is connected, none of the run's
jobs waits in the queue and sbatch's latest answer was a refusal, ``wait``
raises JobsRefused (the loop keeps what finished and says how to continue). Worker jobs refused while the
run scales up, others taken (a per-user job limit), leave it with fewer workers: one warning line says so; so
does a replacement (of a job that ended mid-run) refused while other worker jobs of the run remain.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import os
import re
import shlex
import signal
import sys
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import ClassVar

from l2l.errors import ConfigError, ExecutorError
from l2l.jobs.base import Outcome, died, warn_line
from l2l.jobs.dask import _DaskExecutor
from l2l.jobs.dask_cluster import (DASHBOARD_HELP, close_pages, dashboard_available, local_scratch, local_security,
                                  warn_plain_tcp)
from l2l.jobs.dask_interrupts import closing_through_ctrl_c
from l2l.jobs.dask_logs import cluster_closed, clusters_quiet, forget_closed_servers
from l2l.jobs.lifetime_losses import carried, record, task_mark
from l2l.jobs.slurm_common import (JobsRefused, SlurmError, WorkersRefused, call, check_extra_directives,
                                   check_interface, check_script_values, check_with_test_only, format_walltime,
                                   WORKER_JOB_NAME, directive, forget_worker_jobs, memory_bytes, one_line,
                                   queued_job_name, record_worker_job, run_job_name, sbatch_value,
                                   walltime_seconds)
from l2l.numbers import number
from l2l.registry import option


def slurm_cluster_class() -> type:
    """dask-jobqueue's ``SLURMCluster``, imported without changing how this process takes Ctrl-C.

    Importing ``dask_jobqueue`` (its ``runner`` module) installs a SIGINT handler that calls
    ``sys.exit()``: Ctrl-C then ended a run with status 0, silently, without the "interrupted ...
    l2l resume" line and the ``stopped`` event, as the SystemExit passed by the loop's
    ``except KeyboardInterrupt``. The handlers of SIGINT and SIGTERM are saved before and put back
    after; if another import came first, its handler is replaced by Python's default (KeyboardInterrupt).
    This is the one place l2l imports dask_jobqueue.
    """
    wanted = (signal.SIGINT, signal.SIGTERM)
    saved = {number: signal.getsignal(number) for number in wanted}
    try:
        from dask_jobqueue import SLURMCluster
    finally:
        for number, handler in saved.items():
            current = signal.getsignal(number)
            if getattr(handler, "__module__", "") == "dask_jobqueue.runner":  # imported by someone before us
                handler = signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL
            if handler is not None and current is not handler:
                try:
                    signal.signal(number, handler)
                except ValueError:  # not the main thread: the import could not install a handler either
                    pass
    return SLURMCluster


class _ClosingNoise(logging.Filter):
    """Drops what Dask logs, with a traceback, about a connection found closed while l2l closes the cluster.

    The client closes first, then the cluster (its scheduler, then the worker jobs): a message the scheduler
    still sends to the closed client, or a batch of it to a worker leaving, is logged as "Closed comm ... while
    trying to write" (CRITICAL) or "Batched Comm Closed" (INFO, printed once the cluster has closed: the filter
    of l2l.jobs.dask_logs is off) with a CommClosedError traceback, after a run that ended well. Only these
    two messages, only from the close on (they come late, from the event loop's thread) until the next cluster
    starts: during a run they still say that something went wrong. Likewise the scheduler's CancelledError (an
    ERROR with an empty message and a traceback) of the stream of a worker job that was retiring for its lifetime
    as the cluster closed: a run whose last evaluation failed as its worker retired (LIFETIME_LOSSES) closes then.
    """

    #: logger name -> the message (format string) it drops
    NOISE: ClassVar[dict] = {"distributed.scheduler": "Closed comm %r while trying to write %s",
                             "distributed.batched": "Batched Comm Closed %r"}
    closing = False

    def filter(self, record: logging.LogRecord) -> bool:
        if self.closing and record.name == "distributed.scheduler" and record.exc_info \
                and isinstance(record.exc_info[1], asyncio.CancelledError):
            return False
        return not (self.closing and self.NOISE.get(record.name) == record.msg)

    @classmethod
    def install(cls) -> "_ClosingNoise":
        """The one filter, on the loggers of :attr:`NOISE` (a logger's filters see the records it makes)."""
        for name in cls.NOISE:
            logging.getLogger(name).addFilter(_CLOSING_NOISE)  # once: a filter already there is not added again
        return _CLOSING_NOISE


_CLOSING_NOISE = _ClosingNoise()

#: What distributed prints in this process while a ``slurm`` run's cluster (its scheduler) lives: ERROR and
#: CRITICAL records (dask-jobqueue's ``silence_logs``, given to l2l's filter instead: see l2l.jobs.dask_logs).
LOG_LEVEL = logging.ERROR


#: The folders of the worker jobs' logs, which sbatch reads as a file name pattern, and what to change instead.
LOG_FOLDER = {"log_directory": "choose a log_directory without '%'",
              "the run folder": "choose an output path (--out) without '%', or a log_directory"}

#: How often a ``slurm`` run waiting for results looks whether sbatch refused the worker jobs it needs, seconds.
REFUSAL_CHECK_SECONDS = 1.0

#: While sbatch refuses a ``slurm`` run's jobs and others of its jobs wait in the queue, how often squeue is asked
#: whether they still do, seconds (:meth:`SlurmExecutor._still_queued`).
QUEUE_CHECK_SECONDS = 5.0

#: The most sbatch calls of one run under way at once. dask-jobqueue submits the jobs it scales up to all at once
#: (one sbatch process each, side by side): ``maximum_jobs = 500`` would start 500 sbatch processes on the login
#: node, each an RPC to slurmctld at the same moment (12 of 12 in tests/test_hpcadmin35.py). The others wait.
SBATCH_AT_ONCE = 4

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


class _Submissions:
    """What sbatch answered to the worker jobs dask-jobqueue submits from its scaler, for the loop's thread.

    dask-jobqueue submits in the event loop's thread and, when sbatch refuses (a per-user job or QOS limit
    reached after the run started, a partition closed, an account spent), keeps the job it could not submit
    among its workers and never submits it again: with no worker left, the run waited for ever and printed
    nothing. Here the answers are kept (written there, read by :meth:`SlurmExecutor.wait`).

    The run's first ``first`` submissions (maximum_jobs: the jobs it scales up to, before any is replaced) are
    counted apart: sbatch taking some of them and refusing the others (a per-user job limit) leaves the run with
    fewer workers for good, which :meth:`shortfall` tells. A later submission replaces a job that ended (cancelled,
    retired, died); one refused leaves the run with one worker fewer for good too, which
    :meth:`refused_replacements` tells.
    """

    def __init__(self, first: int = 0) -> None:
        self._lock = threading.Lock()
        self._refusal = ""  # sbatch's message while its latest answer was no
        self._submitting = 0  # sbatch calls under way: their answer is not known yet
        self.accepted: list[str] = []  # ids of the jobs sbatch took, the oldest first (pruned by the executor)
        self.ever_accepted = False
        self._first, self._submitted = first, 0
        self._first_taken, self._first_refused, self._first_refusal = 0, 0, ""
        self._replacements_refused, self._replacement_refusal = 0, ""  # not told yet

    def submitting(self) -> int:
        """One sbatch call begins; its number in the run (1 for the first)."""
        with self._lock:
            self._submitting += 1
            self._submitted += 1
            return self._submitted

    def answered(self, job_id: str | None = None, refusal: str = "", number: int = 0) -> None:
        """One sbatch call ended: a job taken (``job_id``), refused (``refusal``), or neither (it failed to run);
        ``number``: the call's, from :meth:`submitting`."""
        with self._lock:
            self._submitting -= 1
            if job_id is not None:
                self.accepted.append(job_id)
                self.ever_accepted, self._refusal = True, ""
            elif refusal:
                self._refusal = refusal
            if 0 < number <= self._first:
                self._first_taken += job_id is not None
                self._first_refused += bool(refusal)
                self._first_refusal = refusal or self._first_refusal
            elif number > self._first and refusal:
                self._replacements_refused += 1
                self._replacement_refusal = refusal

    def shortfall(self) -> tuple[int, int, str] | None:
        """(jobs taken, jobs asked, sbatch's refusal) of the run's first submissions, once sbatch took some and
        refused others and no call is under way; else None."""
        with self._lock:
            if self._submitting or not self._first_taken or not self._first_refused:
                return None
            return self._first_taken, self._first_taken + self._first_refused, self._first_refusal

    def refused_replacements(self) -> tuple[int, str]:
        """(replacement jobs refused and not told yet, sbatch's latest refusal of them); (0, '') while a call is under
        way or none was refused. :meth:`told` takes the count off once said."""
        with self._lock:
            if self._submitting or not self._replacements_refused:
                return 0, ""
            return self._replacements_refused, self._replacement_refusal

    def told(self, replacements: int) -> None:
        """``replacements`` refused replacements (from :meth:`refused_replacements`) were said."""
        with self._lock:
            self._replacements_refused = max(0, self._replacements_refused - replacements)

    def jobs(self) -> list[str]:
        with self._lock:
            return list(self.accepted)

    def forget(self, gone: set[str]) -> None:
        """Forget the jobs ``gone`` (they left the queue: they will not start any more)."""
        with self._lock:
            self.accepted = [job for job in self.accepted if job not in gone]

    def refusal(self) -> str:
        """sbatch's message if its latest answer was a refusal and no other call is under way, else ''."""
        with self._lock:
            return self._refusal if not self._submitting else ""


def _squeue(ids: list[str], columns: str) -> str | None:
    """squeue's lines (``columns`` a --format) for the jobs ``ids``; '' once none of them is known any more, None
    if squeue fails otherwise."""
    try:
        return call(["squeue", "--noheader", f"--jobs={','.join(ids)}", f"--format={columns}"], timeout=30)
    except SlurmError as exc:
        return "" if "Invalid job id" in exc.stderr else None


def _job_class(submissions: _Submissions, work_dir: str | None = None) -> type:
    """dask-jobqueue's ``SLURMJob``, submitting through sbatch as it does but telling ``submissions`` the answer.

    A refused job is left without a job id (as one that never starts): dask-jobqueue's own call raised the
    refusal in a callback of the event loop, which nobody awaits (a traceback on the terminal when the first
    job was refused, nothing at all later), and the run waited for the job all the same.

    Each job taken is named in ``work_dir`` (:func:`record_worker_job`) with the name SLURM gave it, asked of
    squeue once (:func:`queued_job_name`, in a thread: the event loop goes on): a ``--job-name`` among the user's
    ``job_extra_directives`` wins over the run's, and a later session, cancelling an id only under the name
    recorded with it, left those jobs running.
    """
    from dask_jobqueue.slurm import SLURMJob

    queued: dict[str, str] = {}  # 'name': the name SLURM gave the run's first worker job, once known
    gates: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> its Semaphore(SBATCH_AT_ONCE)

    class Job(SLURMJob):
        def __init__(self, *args, security=None, **kwargs):
            # dask-jobqueue writes the worker's --tls-* file paths into the job script as they are: quoted here (a
            # run's folder may hold a blank); nothing in this process opens them
            if security is not None:
                security = copy.copy(security)
                for field in ("tls_ca_file", "tls_worker_cert", "tls_worker_key"):
                    value = getattr(security, field, None)
                    if isinstance(value, str) and "\n" not in value:
                        setattr(security, field, shlex.quote(value))
            super().__init__(*args, security=security, **kwargs)

        async def _submit_job(self, script_filename: str) -> str:
            argv = [*shlex.split(self.submit_command), script_filename]
            number = submissions.submitting()
            job_id, refusal = None, ""
            gate = gates.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(SBATCH_AT_ONCE))
            try:
                async with gate:  # (the job script is written already: it waits here as a file of its own)
                    process = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                                   stderr=asyncio.subprocess.PIPE)
                    out, err = (part.decode(errors="replace") for part in await process.communicate())
                if process.returncode != 0:
                    refusal = one_line(out, err) or f"exit status {process.returncode}, no message"
                    return ""  # no job (see _job_id_from_submit_output)
                match = re.search(self.job_id_regexp, out)
                job_id = match.group("job_id") if match else None
                if job_id and work_dir:
                    record_worker_job(work_dir, job_id, queued.get("name", self.job_name))
                    if "name" not in queued:
                        name = await asyncio.to_thread(queued_job_name, job_id)
                        queued["name"] = name or self.job_name  # asked once, answered or not
                        if name and name != self.job_name:
                            record_worker_job(work_dir, job_id, name)
                return out
            finally:
                submissions.answered(job_id, refusal, number)

        def _job_id_from_submit_output(self, out: str) -> str | None:
            return super()._job_id_from_submit_output(out) if out else None

        @contextlib.contextmanager
        def job_file(self):
            """The job script, in a file ``mkstemp`` made ours and written through its descriptor. Dask's ``tmpfile``
            removed the file ``mkstemp`` made and opened its name again: another user of a shared $TMPDIR could put
            a file (or a link) there in between, and change the script before sbatch read it."""
            descriptor, path = tempfile.mkstemp(suffix=".sh")
            try:
                with os.fdopen(descriptor, "w") as handle:
                    handle.write(self.job_script())
                yield path
            finally:
                with contextlib.suppress(OSError):
                    os.remove(path)

    return Job


@dataclass
class SlurmExecutor(_DaskExecutor):
    """Dask workers as SLURM jobs (dask-jobqueue), scaled between minimum_jobs and maximum_jobs."""

    name: ClassVar[str] = "slurm"
    #: Said after the refusal of an option another backend has (``workers = 2`` of the README's local example).
    option_hints: ClassVar[dict[str, str]] = {"workers": "the most worker jobs at once is maximum_jobs "
                                                         "(what --workers sets)"}
    #: What the idle-workers warning line counts (see :meth:`workers_said`).
    worker_word: ClassVar[str] = "worker job"

    partition: str = option("", help="SLURM partition (queue); '' for the cluster's default")
    account: str = option("", help="account (project) to charge; '' for your default")
    # SLURM reads counts as 32-bit integers: 10**18 reached sbatch as '-c -1486618624'; no node has 1024 CPUs.
    cores: int = option(1, help="CPUs booked per job (the worker itself is single-threaded)", ge=1, le=1024)
    memory: str = option("2GB", help="memory per job, e.g. '4GB'")
    walltime: str = option("01:00:00", help="walltime per worker job, e.g. '04:00:00'")
    job_extra_directives: list = option([], help="extra #SBATCH options, e.g. ['--qos=long']")
    prologue: list = option([], help="shell lines run before the worker, e.g. ['module load python']")
    interface: str = option("", help="network interface workers and scheduler use, e.g. 'ib0' ('' = default)")
    minimum_jobs: int = option(1, help="jobs kept even when idle", ge=0)
    maximum_jobs: int = option(4, help="most jobs at once (adaptive scaling in between)", ge=1)
    lifetime: str = option("", help="worker lifetime ('' = walltime minus a margin, so it leaves before "
                                    "SLURM kills it)")
    lifetime_stagger: str = option("", help="random spread of lifetimes ('' = 5% of the walltime, at most 5 min)")
    lifetime_restart: bool = option(False, help="restart the worker process in the same job when its "
                                                "lifetime ends (for leaks; the job still ends at walltime)")
    log_directory: str = option("", help="folder of the worker jobs' logs ('' = <run>.work/slurm-logs)")
    chunk_size: int = option(0, help="evaluations per Dask task (0: adapt to the evaluation time)", ge=0)
    dashboard: bool = option(True, help=DASHBOARD_HELP.format(where="on this host's address"))
    _cluster: object = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        who = "backend 'slurm'"
        check_script_values(who, {key: getattr(self, key) for key in (
            "partition", "account", "memory", "walltime", "job_extra_directives", "prologue", "interface",
            "lifetime", "lifetime_stagger", "log_directory")}, patterns=LOG_FOLDER)
        memory_bytes(who, "memory", self.memory)
        if self.log_directory and os.path.lexists(self.log_directory) and not os.path.isdir(self.log_directory):
            # (was a FileExistsError traceback as the run started, its file left behind)
            raise ConfigError(f"{who}: log_directory {self.log_directory!r} is not a folder; give the folder of the "
                              f"worker jobs' logs, or leave it out for <run>.work/slurm-logs")
        above = os.path.dirname(os.path.abspath(self.log_directory)) if self.log_directory else ""
        while above and not os.path.lexists(above) and os.path.dirname(above) != above:
            above = os.path.dirname(above)  # (--dry-run said the config was valid; the run could not make it)
        if above and os.path.lexists(above) and not os.path.isdir(above):
            raise ConfigError(f"{who}: log_directory {self.log_directory!r} is inside {above!r}, which is not a "
                              f"folder; give the folder of the worker jobs' logs, or leave it out for "
                              f"<run>.work/slurm-logs")
        if self.interface:
            check_interface(who, self.interface)
        seconds = walltime_seconds(self.walltime, f"{who}: walltime")
        if self.maximum_jobs < self.minimum_jobs:
            raise ConfigError(f"{who}: need minimum_jobs <= maximum_jobs, got minimum_jobs={self.minimum_jobs}, "
                              f"maximum_jobs={self.maximum_jobs}")
        self.job_extra_directives = list(check_extra_directives(self.job_extra_directives, who))
        for line in self.prologue:
            if not isinstance(line, str) or "\n" in line:
                raise ConfigError(f"{who}: prologue must be a list of single shell lines, got {line!r}")
        margin = min(max(60, seconds // 10), 600)
        if self.lifetime:
            lifetime = walltime_seconds(self.lifetime, f"{who}: lifetime")
            if lifetime <= 0:  # (Dask reads a lifetime of 0 as none: the workers stayed until SLURM killed them)
                raise ConfigError(f"{who}: lifetime {self.lifetime!r} is no time to work: give the worker jobs' "
                                  f"lifetime below walltime {self.walltime!r}, or leave it out for the walltime "
                                  f"minus a margin")
            if lifetime >= seconds:
                raise ConfigError(f"{who}: lifetime {self.lifetime!r} must be shorter than walltime "
                                  f"{self.walltime!r}")
        else:
            lifetime = max(seconds - margin, seconds // 2)
        stagger = walltime_seconds(self.lifetime_stagger, f"{who}: lifetime_stagger") \
            if self.lifetime_stagger else min(300, seconds // 20)
        self._lifetime, self._stagger = lifetime, min(stagger, lifetime // 2)

    def _job_kwargs(self, run_dir: str | None = None) -> dict:
        """Arguments of SLURMCluster: one single-threaded worker per job, ``cores`` CPUs booked (named for the run
        whose folder is ``run_dir``, where given: see :meth:`_job_name`)."""
        self._dashboard = self.dashboard and dashboard_available()  # the scheduler runs in this process
        worker_args = ["--lifetime", f"{self._lifetime}s", "--lifetime-stagger", f"{self._stagger}s"]
        if self.lifetime_restart:
            worker_args.append("--lifetime-restart")
        if not self.dashboard:  # and no HTTP port at all: the worker's /health, /metrics, /statics besides the pages
            worker_args += ["--no-dashboard", "--worker-class", "l2l.jobs.dask_worker.PagelessWorker"]
        memory = self.memory if not self.memory.strip().isdigit() else f"{self.memory.strip()}MiB"
        kwargs = dict(cores=1, processes=1, job_cpu=self.cores, memory=memory, python=shlex.quote(sys.executable),
                      walltime=format_walltime(walltime_seconds(self.walltime)),
                      job_extra_directives=list(self.job_extra_directives),
                      job_script_prologue=list(self.prologue), worker_extra_args=worker_args,
                      job_name=self._job_name(run_dir), job_directives_skip=["#SBATCH -J "],
                      scheduler_options={"dashboard_address": self._dashboard_address(), "dashboard": self._dashboard},
                      silence_logs=False)  # which changed this process's handlers' levels: LOG_LEVEL instead
        if not self.dashboard:  # the scheduler's pages were up while the cluster started, until close_pages
            from l2l.jobs.dask_worker import PagelessScheduler

            kwargs["scheduler_cls"] = PagelessScheduler
        # dask-jobqueue writes its -J line with the name as it is: the run's name, a file's, may hold a blank, a
        # quote or a '#' (sbatch then read the line's rest as another directive, or none); written by directive()
        # instead, the one place where a value of a job script is checked and quoted (before the user's extra
        # directives: a --job-name among them still wins, as before)
        kwargs["job_extra_directives"] = [directive("job-name", kwargs["job_name"]).removeprefix("#SBATCH "),
                                          *kwargs["job_extra_directives"]]
        # dask-jobqueue writes these into #SBATCH lines as they are: quote them as sbatch reads them.
        if self.partition:
            kwargs["queue"] = sbatch_value(self.partition)
        if self.account:
            kwargs["account"] = sbatch_value(self.account)
        if self.interface:
            kwargs["interface"] = self.interface
        log_directory = self._log_directory()
        if log_directory:
            # dask-jobqueue's own -e/-o lines do not quote the path; ours do.
            kwargs["job_directives_skip"] += ["#SBATCH -e ", "#SBATCH -o "]
            kwargs["job_extra_directives"] = kwargs["job_extra_directives"] + [
                f"-e {sbatch_value(os.path.join(log_directory, 'l2l-worker-%J.err'))}",
                f"-o {sbatch_value(os.path.join(log_directory, 'l2l-worker-%J.out'))}"]
        return kwargs

    def _dashboard_address(self) -> str:
        """Where the scheduler's HTTP server (the dashboard's pages) listens: the address the worker jobs reach the
        scheduler at (that of ``interface``, else the one this host reaches other hosts from), on a free port.
        Before, ``:0``: every interface of the login node, also those the cluster's nodes do not use."""
        from distributed.comm.addressing import unparse_host_port
        from distributed.utils import get_ip, get_ip_interface

        try:
            host = get_ip_interface(self.interface) if self.interface else get_ip()
        except (OSError, ValueError, KeyError):  # (checked in __post_init__; no IPv4 address there)
            return ":0"
        return unparse_host_port(host, 0)

    def _job_name(self, run_dir: str | None = None) -> str:
        """The worker jobs' name: the run's, ``l2l-NAME`` (:func:`run_job_name`, as slurm-array's arrays), by which
        ``squeue`` tells two sweeps' jobs apart and a later session cancels those a killed one left (``run_dir``,
        or the run's folder once known); ``l2l-worker`` where no run folder is known."""
        run_dir = run_dir or getattr(self, "_run_dir", None)
        return run_job_name(run_dir) if run_dir else WORKER_JOB_NAME

    def workers_said(self, workers: int) -> str:
        """The connected workers, as the idle-workers warning line counts them: each is a worker job of its own
        (single-threaded)."""
        return f"the run has {workers} worker jobs connected"

    @classmethod
    def check_run_dir(cls, run_dir: str, options: dict) -> None:
        """Refuse a run folder with a ``%`` where the worker jobs' logs go in it (no log_directory given),
        before anything is created: sbatch reads it in ``-o``/``-e`` as a pattern (the logs went nowhere); and
        one with a line break in any case: the worker jobs' name is the run's (:meth:`_job_name`)."""
        patterns = LOG_FOLDER if not options.get("log_directory") else None
        check_script_values("backend 'slurm'", {"the run folder": os.path.abspath(run_dir)}, patterns=patterns)

    def _log_directory(self) -> str:
        run_dir = getattr(self, "_run_dir", None)
        if self.log_directory:
            return self.log_directory
        return os.path.join(run_dir, "slurm-logs") if run_dir else ""

    def _tls(self) -> dict:
        """TLS between the scheduler (in this process) and the worker jobs, with credentials made in the process
        (:func:`~l2l.jobs.dask.local_security`): the scheduler listens on the login node's network, where anyone
        who reaches its port could otherwise send it work to run as the user. The worker's key and certificate go
        to files of mode 0600 (dask-jobqueue's, removed as the cluster closes) in the folder of the jobs' logs,
        which the jobs reach (SLURM writes their logs there); without it or the ``cryptography`` package: plain
        TCP, as before."""
        folder = self._log_directory()
        security = local_security() if folder else None
        if security is None:
            if folder:
                warn_plain_tcp(self)
            return {}
        os.makedirs(folder, exist_ok=True)
        return {"security": security, "protocol": "tls://", "shared_temp_directory": os.path.abspath(folder)}

    def job_script(self, run_dir: str | None = None) -> str:
        """The sbatch script of one worker job (what ``l2l run --dry-run`` prints), its jobs named as the run's whose
        folder is ``run_dir`` will be."""
        kwargs = self._job_kwargs(run_dir)
        clusters_quiet(LOG_LEVEL)  # (its scheduler starts and closes in this process)
        try:
            cluster = slurm_cluster_class()(**kwargs)
            try:
                return cluster.job_script()
            finally:
                cluster.close()
                forget_closed_servers()
        finally:
            cluster_closed(LOG_LEVEL)

    def prepare(self, simulator=None) -> None:
        """Ask sbatch whether it takes the worker jobs (:meth:`pre_run_checks`), before the run's file is created;
        no worker starts ahead of :meth:`start`: the worker jobs' log folder is the run's, known only then (started
        earlier, their logs went to the current folder)."""
        self._refuse_unsendable(simulator)
        self.pre_run_checks(simulator)

    def pre_run_checks(self, simulator=None) -> list[str]:
        """:meth:`check_submission`, in the line ``l2l run --dry-run`` prints."""
        self.check_submission()
        return ["sbatch --test-only takes the worker jobs (no job made)"]

    def check_submission(self) -> None:
        """Raise an L2LError of one line if sbatch refuses the worker job (``sbatch --test-only``, no job made).

        dask-jobqueue submits the jobs from its adaptive scaler, in the event loop: a refusal there (a partition
        or account that does not exist, a walltime above the partition's limit) was logged as a traceback every
        second while the run waited for workers that never came, until it was killed. Done once per executor.
        """
        if getattr(self, "_submission_checked", False):
            return
        slurm_cluster_class()  # imports dask_jobqueue the one way that keeps this process's Ctrl-C
        from dask_jobqueue.slurm import SLURMJob

        kwargs = {key: value for key, value in self._job_kwargs().items()
                  if key not in ("scheduler_options", "silence_logs", "scheduler_cls")}
        script = SLURMJob(scheduler="tcp://127.0.0.1:8786", name="l2l-check", **kwargs).job_script()
        check_with_test_only(script, [], "the worker jobs")
        self._submission_checked = True

    def start(self, simulator, settings) -> None:
        self._run_dir, self._resumed = settings.run_dir, settings.resumed
        self._warn_timeout(settings.timeout)
        super().start(simulator, settings)

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

    def _connect(self):
        import dask
        from distributed import Client
        log_directory = self._log_directory()
        if log_directory:
            if not self.log_directory:  # checked with the output path already, unless started by other code
                self.check_run_dir(getattr(self, "_run_dir", None) or "", {})
            else:
                from l2l.config_paths import relative_hint

                if relative_hint(log_directory):  # made beside the config, the one the user meant left empty
                    warn_line(f"l2l: warning: backend 'slurm': log_directory {log_directory} does not exist and is "
                              f"made{relative_hint(log_directory)}")
            try:
                os.makedirs(log_directory, exist_ok=True)
            except OSError as exc:  # no permission, a file in the way: was a traceback
                raise ExecutorError(f"backend 'slurm': cannot create the folder of the worker jobs' logs "
                                    f"{log_directory}: {exc.strerror or exc}") from None
        self.check_submission()  # started without prepare()
        _ClosingNoise.install().closing = False
        self._submissions, self._stuck_since, self._warned = _Submissions(self.maximum_jobs), None, False
        job_cls = _job_class(self._submissions, getattr(self, "_run_dir", None))
        kwargs = {**self._job_kwargs(), **self._tls()}
        if not getattr(self, "_quieted", False):  # until close() has closed the cluster
            clusters_quiet(LOG_LEVEL)
            self._quieted = True
        scratch = local_scratch()  # the scheduler's folder, first on this process's sys.path: not in a shared /tmp's
        try:
            with dask.config.set({"temporary-directory": scratch} if scratch else {}):
                self._cluster = slurm_cluster_class()(**kwargs, job_cls=job_cls)
        except BaseException:
            self._unquiet()
            raise
        if not self.dashboard:
            close_pages(self._cluster)
        # Adaptive scaling also replaces jobs that died, even when minimum == maximum.
        self._cluster.adapt(minimum_jobs=self.minimum_jobs, maximum_jobs=self.maximum_jobs,
                            wait_count=3, interval="1s")
        return Client(self._cluster, set_as_default=False)

    def wait(self, timeout: float | None = None) -> list[Outcome]:
        """As the other Dask backends; while no result comes, look every REFUSAL_CHECK_SECONDS whether sbatch
        refused the worker jobs the run needs (:meth:`check_refused`), and whether worker jobs retired under an
        evaluation LIFETIME_LOSSES times (:meth:`_give_up_outlived`)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = REFUSAL_CHECK_SECONDS if deadline is None else max(0.0, deadline - time.monotonic())
            outcomes = self._give_up_outlived() if self.pending else []
            outcomes = outcomes or super().wait(timeout=min(left, REFUSAL_CHECK_SECONDS))
            self.warn_fewer_workers()
            if outcomes or not self.pending:
                return outcomes
            self.check_refused()
            if deadline is not None and time.monotonic() >= deadline:
                return []

    def warn_fewer_workers(self) -> None:
        """One warning line (stderr, once a run) when sbatch took some of the worker jobs the run scaled up to
        and refused the others (a per-user job limit): dask-jobqueue never submits those again and the run goes
        on with fewer workers; before, it said nothing. Then :meth:`warn_refused_replacements`."""
        submissions = getattr(self, "_submissions", None)
        if submissions is None:
            return
        short = submissions.shortfall() if not self._warned else None
        if short is not None:
            self._warned = True
            taken, asked, said = short
            warn_line(f"l2l: warning: the run goes on with {taken} of its {asked} worker jobs: sbatch refused "
                      f"{asked - taken} ({said})")
        self.warn_refused_replacements(submissions)

    def warn_refused_replacements(self, submissions: _Submissions) -> None:
        """One warning line when sbatch refused the replacement of a worker job that ended mid-run (cancelled,
        retired, died) while other worker jobs of the run remain, running or waiting in the queue: dask-jobqueue
        never submits it again, so the run goes on with fewer workers for good; before, it said nothing. With
        none left nothing is said here: :meth:`check_refused` ends the run (or a job taken later carries it on)."""
        refused, said = submissions.refused_replacements()
        if not refused:
            return
        left = self._jobs_left(submissions)
        if left is None:  # squeue did not answer: say it at a later look
            return
        submissions.told(refused)
        running, waiting = left
        jobs = running + waiting
        if not jobs:  # the run's end (check_refused), or a job taken later, says the rest
            return
        what = "a replacement worker job" if refused == 1 else f"{refused} replacement worker jobs"
        queue = f" ({waiting} waiting in the queue)" if waiting else ""
        warn_line(f"l2l: warning: sbatch refused {what} ({said}); the run goes on with {jobs} worker "
                  f"job{'s' if jobs != 1 else ''}{queue}")

    @staticmethod
    def _jobs_left(submissions: _Submissions) -> tuple[int, int] | None:
        """(running, pending) of the jobs sbatch took for this run, by squeue; jobs completing (cancelled, ended)
        are not counted. None if squeue fails."""
        ids = submissions.jobs()
        if not ids:
            return 0, 0
        text = _squeue(ids, "%i %t")
        if text is None:
            return None
        states = [line.split()[1] for line in text.splitlines() if len(line.split()) == 2]
        return sum(state in ("R", "CF") for state in states), sum(state == "PD" for state in states)

    def check_refused(self) -> None:
        """Raise JobsRefused if the run cannot go on: sbatch refused the latest worker job, no worker is
        connected, and none of the run's jobs waits in the queue (dask-jobqueue never submits a refused job
        again), for as long as a replacement could still be submitted (:meth:`_replacement_seconds`). Jobs
        pending in the queue (a limit on running jobs, a busy partition) are waited for: they start later.
        The first submission refused (sbatch --test-only let it pass) ends the run in one line too, without
        the advice to resume: its file holds nothing computed (a resumed run's holds finished evaluations: its
        JobsRefused says how to continue)."""
        submissions = getattr(self, "_submissions", None)
        said = submissions.refusal() if submissions is not None else ""
        if not said or self._connected_workers() or self._still_queued(submissions):
            self._stuck_since = None
            return
        # dask-jobqueue replaces a worker that left once Dask's lost-worker-timeout has passed: until then its
        # replacement may still be submitted (and taken), and the refusal seen may be older than the loss
        now = time.monotonic()
        self._stuck_since = now if self._stuck_since is None else self._stuck_since
        if now - self._stuck_since < self._replacement_seconds():
            return
        if not submissions.ever_accepted and not getattr(self, "_resumed", False):
            raise WorkersRefused(f"sbatch refused the worker jobs: {said} (after 'sbatch --test-only' took them; "
                                 f"correct [backend] in the config, or run again once SLURM takes them)")
        raise JobsRefused(f"sbatch refused the worker jobs the run needs: {said} (no worker is left, none waits "
                          f"in the queue)")

    @staticmethod
    def _replacement_seconds() -> float:
        """How long after the last worker left a replacement may still be submitted: Dask's lost-worker-timeout
        (15 s by default), and REFUSAL_CHECK_SECONDS for each of the scaler's and l2l's ticks."""
        import dask
        from dask.utils import parse_timedelta

        lost = parse_timedelta(dask.config.get("distributed.deploy.lost-worker-timeout", "15s"), default="s")
        return float(lost or 0) + 3 * REFUSAL_CHECK_SECONDS

    def _local_scheduler(self):
        """The scheduler object: dask-jobqueue's cluster runs it in this process (on its event loop), so the
        scheduler's list of workers is read there, as the ``local`` backend reads its own (:meth:`_ask_workers`),
        not asked of it over the network (about one request a second while the run waits)."""
        return getattr(getattr(self, "_cluster", None), "scheduler", None)

    def _connected_workers(self) -> int:
        try:
            return len(self._cluster.scheduler_info["workers"])
        except Exception:  # noqa: BLE001 - closing, or not known yet: as if one were there (nothing ends)
            return 1

    def _still_queued(self, submissions: _Submissions) -> bool:
        """:meth:`_queued`, asked of squeue at most once per QUEUE_CHECK_SECONDS while its answer is yes: a run
        whose jobs wait in the queue behind a refused one (a QOS limit) waits for hours, and asked squeue every
        second all that time (check_refused's pace)."""
        now = time.monotonic()
        if now < getattr(self, "_queued_until", 0.0):
            return True
        queued = self._queued(submissions)
        self._queued_until = now + QUEUE_CHECK_SECONDS if queued else 0.0
        return queued

    @staticmethod
    def _queued(submissions: _Submissions) -> bool:
        """True if a job sbatch took for this run is still in the queue (pending, running, completing); the ids
        that left it are forgotten. A squeue that fails counts as True: nothing is ended on a guess."""
        ids = submissions.jobs()
        if not ids:
            return False
        text = _squeue(ids, "%i")
        if text is None:
            return True
        queued = set(text.split())
        submissions.forget(set(ids) - queued)
        return bool(queued & set(ids))

    def describe(self) -> str:
        where = f"partition {self.partition}" if self.partition else "default partition"
        return f"slurm ({self.minimum_jobs}-{self.maximum_jobs} jobs, {where}, walltime {self.walltime})"

    def close(self) -> None:
        if getattr(self, "_submissions", None) is not None:
            self.warn_fewer_workers()  # said once, if the run ended before a wait saw it
        if self._cluster is not None or getattr(self, "_client", None) is not None:
            _ClosingNoise.install().closing = True
        try:
            super().close()
        finally:  # Ctrl-C pressed again while closing: the cluster is closed once, to its end (see dask.py)
            cluster, self._cluster = self._cluster, None
            try:
                if cluster is not None:
                    try:
                        closing_through_ctrl_c(cluster.close)
                    except Exception:  # noqa: BLE001 - closing must not hide the run's result
                        pass
                    else:  # its jobs are cancelled: none is left for a later session to cancel
                        if getattr(self, "_run_dir", None):
                            forget_worker_jobs(self._run_dir)
                    # without this, distributed keeps the closed scheduler (its client, futures, the run's backend, the
                    # DequeHandler it put on distributed.scheduler) alive for the rest of the process, as for local
                    forget_closed_servers()
            finally:  # (also after Ctrl-C during the close, raised once the close is done)
                self._unquiet()

    def _unquiet(self) -> None:
        """The run's cluster is closed (or never started): distributed's lines are no longer filtered for it."""
        if getattr(self, "_quieted", False):
            self._quieted = False
            cluster_closed(LOG_LEVEL)
