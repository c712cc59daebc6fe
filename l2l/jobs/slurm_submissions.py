"""The worker jobs of a ``slurm`` run as sbatch and squeue answer for them: dask-jobqueue's job class submitting
through sbatch (:func:`_job_class`), what sbatch answered (:class:`_Submissions`, read by the executor's thread),
squeue asked about the run's jobs (:func:`_squeue`), and what the run does when sbatch refuses them
(:class:`RefusedJobs`)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
import re
import shlex
import tempfile
import threading
import time
import weakref

from l2l.jobs.base import warn_line
from l2l.jobs.slurm_common import JobsRefused, SlurmError, WorkersRefused, call, one_line, script_text
from l2l.jobs.slurm_values import sbatch_environment
from l2l.jobs.slurm_left import queued_job_name, record_worker_job

#: How often a ``slurm`` run waiting for results looks whether sbatch refused the worker jobs it needs, seconds.
REFUSAL_CHECK_SECONDS = 1.0

#: While sbatch refuses a ``slurm`` run's jobs and others of its jobs wait in the queue, how often squeue is asked
#: whether they still do, seconds (:meth:`SlurmExecutor._still_queued`).
QUEUE_CHECK_SECONDS = 5.0

#: The most sbatch calls of one run under way at once. dask-jobqueue submits the jobs it scales up to all at once
#: (one sbatch process each, side by side): ``maximum_jobs = 500`` would start 500 sbatch processes on the login
#: node, each an RPC to slurmctld at the same moment (12 of 12 in tests/test_hpcadmin35.py). The others wait.
SBATCH_AT_ONCE = 4


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
                    env = sbatch_environment(script_text(script_filename))  # (its lines win over SBATCH_*)
                    process = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                                   stderr=asyncio.subprocess.PIPE, env=env)
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



class RefusedJobs:
    """What :class:`~l2l.jobs.slurm.SlurmExecutor` does as sbatch answers for its worker jobs (its ``_submissions``,
    a :class:`_Submissions`): a warning line where the run goes on with fewer of them, and JobsRefused once none is
    left to run its evaluations (:meth:`check_refused`); squeue is asked which of them still wait."""

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
