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
what to change (l2l.jobs.slurm_lifetime). The counts of the evaluations
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

import logging
import os
import re
import shlex
import sys
import time
from dataclasses import dataclass, field
from typing import ClassVar

from l2l.errors import ConfigError, ExecutorError
from l2l.jobs.base import FAILED, Outcome, warn_line
from l2l.jobs.dask_executor import _DaskExecutor
from l2l.jobs.dask_cluster import (DASHBOARD_HELP, close_pages, dashboard_available, local_scratch, local_security,
                                  warn_plain_tcp)
from l2l.jobs.dask_interrupts import closing_through_ctrl_c
from l2l.jobs.dask_logs import cluster_closed, clusters_quiet, forget_closed_servers
from l2l.jobs.slurm_common import check_with_test_only, threads_beyond_cpus
from l2l.jobs.slurm_left import WORKER_JOB_NAME, forget_worker_jobs, run_job_name
from l2l.jobs.slurm_values import (check_extra_directives, check_interface, check_script_values, format_walltime,
                                   directive, memory_bytes, sbatch_value, walltime_seconds)
from l2l.jobs.slurm_jobqueue import _ClosingNoise, slurm_cluster_class
from l2l.jobs.slurm_lifetime import WorkerLifetimes
from l2l.jobs.slurm_submissions import REFUSAL_CHECK_SECONDS, RefusedJobs, _job_class, _Submissions
from l2l.registry import option

#: What distributed prints in this process while a ``slurm`` run's cluster (its scheduler) lives: ERROR and
#: CRITICAL records (dask-jobqueue's ``silence_logs``, given to l2l's filter instead: see l2l.jobs.dask_logs).
LOG_LEVEL = logging.ERROR


#: The folders of the worker jobs' logs, which sbatch reads as a file name pattern, and what to change instead.
LOG_FOLDER = {"log_directory": "choose a log_directory without '%'",
              "the run folder": "choose an output path (--out) without '%', or a log_directory"}

#: The worker that ran an evaluation Dask gave up last, in its ``KilledWorker`` message.
LAST_WORKER = re.compile(r"The last worker that attempt(?:ed)? to run the task was (\w+://[^\s]+?)\.?(?=\s|$)")
#: A worker job's log where Dask's nanny restarted its worker past its memory limit.
MEMORY_RESTART = re.compile(r"Worker (\w+://\S+) \(pid=\d+\) exceeded \d+% memory budget")
#: slurmstepd's line in a job's log where the cgroup's OOM killer ended a process of the job.
OOM_KILL = "oom_kill event"
#: Logs larger than this (bytes) are not read for :meth:`SlurmExecutor._memory_said`.
LOG_READ_LIMIT = 64 << 20


@dataclass
class SlurmExecutor(WorkerLifetimes, RefusedJobs, _DaskExecutor):
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
        if seconds <= 0:  # SLURM's 'no time limit' (the partition's most), and a lifetime of 0, which Dask reads as
            # none: the workers never retired, and SLURM ended them at the partition's limit mid-evaluation
            raise ConfigError(f"{who}: walltime {self.walltime!r} is no time limit to SLURM (the partition's most "
                              f"applies), and the worker jobs retire a margin before their walltime; give the worker "
                              f"jobs' walltime, e.g. '04:00:00'")
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
        (:func:`~l2l.jobs.dask_cluster.local_security`): the scheduler listens on the login node's network, where anyone
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
        warning = threads_beyond_cpus(simulator, self.cores, "cores")
        if warning:
            print(warning, file=sys.stderr, flush=True)

    def pre_run_checks(self, simulator=None) -> list[str]:
        """:meth:`check_submission`, in the line ``l2l run --dry-run`` prints."""
        self.check_submission()
        warning = threads_beyond_cpus(simulator, self.cores, "cores")
        return ["sbatch --test-only takes the worker jobs (no job made)", *([warning.removeprefix("l2l: ")] if warning
                                                                           else [])]

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
                for outcome in outcomes:
                    self._memory_said(outcome)
                return outcomes
            self.check_refused()
            if deadline is not None and time.monotonic() >= deadline:
                return []

    def _memory_said(self, outcome: Outcome) -> None:
        """An evaluation Dask gave up as its workers died (``KilledWorker``) where the worker jobs' logs say the last
        of them died of its memory: Dask's nanny restarted it past 95 % of ``memory`` (``Worker ADDRESS (pid=N)
        exceeded 95% memory budget``), or SLURM's OOM killer ended a process of its job (slurmstepd's ``oom_kill
        event``). Its failure's first line says so, and what to raise; before, it read 'KilledWorker: Attempted to
        run task ... on 4 different workers ... Inspecting worker logs is often a good next step' alone (8 worker
        restarts for one evaluation, run.retries counted; measured with a 1.5 GB model in memory = '1GB')."""
        error = outcome.error or ""
        if outcome.status != FAILED or "KilledWorker" not in error:
            return
        last = LAST_WORKER.search(error)
        folder = self._log_directory()
        if last is None or not folder:
            return
        address, how = last.group(1), ""
        try:
            names = [name for name in os.listdir(folder) if name.endswith((".err", ".out", ".log"))]
        except OSError:
            return
        for name in names:
            try:
                path = os.path.join(folder, name)
                if os.path.getsize(path) > LOG_READ_LIMIT:
                    continue
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except OSError:
                continue
            if any(found == address for found in MEMORY_RESTART.findall(text)):
                how = f"Dask restarted it past 95 % of its memory ([backend] memory = '{self.memory}' a worker job)"
                break
            if f"Start worker at:      {address}" in text and OOM_KILL in text:
                how = f"SLURM's OOM killer ended it within the memory its job booked ([backend] memory = " \
                      f"'{self.memory}')"
                break
        if how:
            # Dask's words below, after '--- ' as other tails are: the failure summaries take the line above them
            outcome.error = (f"the worker running this evaluation died out of memory: {how}; raise [backend] memory "
                             f"(the worker jobs' logs: {folder})\n--- {error}")

    def _local_scheduler(self):
        """The scheduler object: dask-jobqueue's cluster runs it in this process (on its event loop), so the
        scheduler's list of workers is read there, as the ``local`` backend reads its own (:meth:`_ask_workers`),
        not asked of it over the network (about one request a second while the run waits)."""
        return getattr(getattr(self, "_cluster", None), "scheduler", None)


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
