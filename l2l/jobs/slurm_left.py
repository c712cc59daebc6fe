"""The SLURM jobs of a run by name and by the files its folder keeps: the job names (``l2l-NAME``), the ids each
session records (a slurm-array batch folder's ``job_id``, the ``slurm`` backend's ``slurm-jobs`` folder, the session
that wrote them), and the cancelling of those an earlier session left in the queue (:func:`cancel_left_behind`,
every resume, whatever its backend).

Every SLURM command goes through :func:`l2l.jobs.slurm_common.call`.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Sequence

from l2l.jobs.array_batches import retire_batch  # the batch folder's layout is the backend's
from l2l.jobs.slurm_common import SlurmError, call


#: The file of a slurm-array batch folder (``<run>.work/array/batches/<batch>/``) naming its array's job: its id, then
#: on a line of its own the job's name (:func:`record_array_job`; an earlier version's holds the id alone).
JOB_ID_FILE = "job_id"
#: The folder of ``<run>.work`` where the ``slurm`` backend names each worker job it submitted (one file per job id,
#: holding the job's name), removed as the run closes its cluster.
WORKER_JOBS = "slurm-jobs"
#: The job name of the ``slurm`` worker jobs where no run folder is known (the script ``l2l run --dry-run`` prints);
#: before, of every one: the jobs an empty file of :data:`WORKER_JOBS` names (an earlier version's) carry it.
WORKER_JOB_NAME = "l2l-worker"


def run_job_name(work_dir: str | os.PathLike) -> str:
    """The job name of the SLURM jobs of the run whose folder is ``work_dir`` (``<run>.work``): ``l2l-NAME``, for
    slurm-array's arrays and the ``slurm`` backend's worker jobs alike, so that ``squeue`` tells the jobs of two
    sweeps apart (every worker job was ``l2l-worker``). Written into a job script by :func:`directive` only."""
    return f"l2l-{Path(work_dir).stem}"[:64]


def array_job_name(work_dir: str | os.PathLike) -> str:
    """The job name of the slurm-array jobs of the run whose folder is ``work_dir``: :func:`run_job_name`."""
    return run_job_name(work_dir)


def queued_job_name(job_id: str) -> str:
    """The name SLURM gave the job ``job_id`` (squeue); '' where squeue does not answer or lists it no more.

    Not always the name l2l wrote: a ``--job-name`` among the user's ``job_extra_directives`` comes after l2l's
    and wins, and ``SBATCH_JOB_NAME`` in sbatch's environment wins over both. The name recorded for a later session
    (:func:`cancel_left_behind`, which cancels an id only under its name) is therefore the one SLURM reports.
    """
    try:
        listed = call(["squeue", "--noheader", f"--jobs={job_id}", "--format=%F|%j"], timeout=30)
    except SlurmError:
        return ""
    names = {name.strip() for first, _, name in (line.partition("|") for line in listed.splitlines())
             if first.strip() == job_id}
    return names.pop() if len(names) == 1 else ""


#: How long a session waits for the jobs it cancelled to leave the queue before it gathers their logs, seconds.
CANCEL_SETTLE_SECONDS = 10.0


def wait_left_queue(ids: Sequence[str], seconds: float = CANCEL_SETTLE_SECONDS) -> None:
    """Return once squeue lists none of the jobs ``ids`` (an array's tasks by its id), or after ``seconds`` (squeue
    asked with back-off from 0.05 s; one that fails ends the wait).

    A job cancelled leaves the queue once its steps ended, slurmstepd having written ``*** JOB 123 ON node CANCELLED
    AT ... ***`` into its log; scancel returns before that: the logs of the tasks of an array cancelled and gathered
    at once (:func:`l2l.jobs.array_batches.retire_batch`) lacked the line that says why they stopped."""
    ids = [job_id for job_id in ids if job_id]
    deadline, pause = time.monotonic() + seconds, 0.05
    while ids:
        try:
            listed = call(["squeue", "--noheader", f"--jobs={','.join(ids)}", "--format=%i"],
                          timeout=max(1.0, deadline - time.monotonic()))
        except SlurmError:  # none of them is known any more, or no answer: nothing more to wait for
            return
        if not listed.strip() or time.monotonic() + pause > deadline:
            return
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def record_array_job(batch: str | os.PathLike, job_id: str, name: str) -> None:
    """Name the array ``job_id``, whose job name is ``name``, in its batch folder (:data:`JOB_ID_FILE`), for
    :func:`cancel_left_behind`. The name is kept with the id because the run's own may change: a run renamed (its
    file and folder moved to another name) has arrays of its old name in the queue, which the name made from the
    folder's new one did not match (none was cancelled). The session is named in the run's folder too
    (:func:`_record_session`)."""
    try:
        (Path(batch) / JOB_ID_FILE).write_text(f"{job_id}\n{name}\n")
    except OSError:
        pass
    _record_session(Path(batch).parent.parent.parent)  # <run>.work/array/batches/<batch>


#: The file of a run's folder (``<run>.work``) naming the session that recorded the SLURM jobs its files name
#: (:func:`record_array_job`, :func:`record_worker_job`): the folder it wrote them in, its host, process id and
#: process start, as JSON. A copy of the folder (``cp -r ../a/run.h5 ../a/run.work .``) holds it too, naming the
#: original: :func:`cancel_left_behind` leaves the jobs of a session alive elsewhere alone.
SESSION_FILE = ".slurm-session"


def _process_start(pid: int) -> str:
    """When process ``pid`` started (Linux: clock ticks since boot, /proc), so that a process id used again by
    another process is not taken for it; '' where this system does not say, 'Z' for a process that has died and
    waits for its parent to collect it (kill -9 from a program that has not waited for it yet)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rpartition(b")")[2].split()
        return "Z" if fields[0] == b"Z" else fields[19].decode()
    except (OSError, IndexError, UnicodeDecodeError):
        return ""


def _record_session(work: Path) -> None:
    """Write :data:`SESSION_FILE` in the run's folder ``work``: this process recorded the jobs its files name."""
    import json

    try:
        (work / SESSION_FILE).write_text(json.dumps({
            "folder": os.path.realpath(work), "host": socket.gethostname(), "pid": os.getpid(),
            "start": _process_start(os.getpid())}) + "\n")
    except OSError:
        pass


def _alive_elsewhere(work: Path) -> str:
    """The folder of the live run whose SLURM jobs the files of ``work`` name, where ``work`` is a copy of that
    run's folder ('' where they are ``work``'s own run's: the folder is the one they were recorded in, or the
    session that recorded them is dead).

    A session recorded them in another folder: that folder moved here (a run renamed with its folder: gone from
    there), or ``work`` is a copy of it (still there). In a copy they are that run's jobs while its session is
    alive (the same host: its process id, started when it was); on another host that cannot be told from here,
    and they are taken to be its run's all the same. Before, a resume of a copy of a live run's
    file and folder (one student continuing another's run in a folder of their own) cancelled the live run's
    worker jobs and arrays as 'left in the queue by a killed session of this run'."""
    import json

    try:
        said = json.loads((work / SESSION_FILE).read_text())
        folder, host, pid, start = str(said["folder"]), str(said["host"]), int(said["pid"]), str(said["start"])
    except (OSError, ValueError, TypeError, KeyError):  # none (an earlier l2l's folder), or cut short: its own
        return ""
    try:  # its own (by identity: a file system mounted at another path on another host), or moved here (renamed)
        if folder == os.path.realpath(work) or not os.path.isdir(folder) or os.path.samefile(folder, work):
            return ""
    except OSError:
        return ""
    if host != socket.gethostname():
        return folder
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return ""
    except OSError:  # exists, another user's (a lab mate's run whose folder was copied): told by its start too
        pass
    return folder if _process_start(pid) == start else ""


def cancel_left_behind(work_dir: str | os.PathLike) -> list[str]:
    """Cancel the SLURM jobs an earlier session of the run whose folder is ``work_dir`` left in the queue; return
    the ids of those that were still there (``squeue``), for a line that says so.

    A loop killed with ``kill -9`` (or lost with its node) cannot cancel its jobs: slurm-array's arrays went on
    training segments whose results nobody reads, for their whole walltime, while ``l2l resume`` ran those
    segments again, and a ``slurm`` worker job finishes the evaluation it holds (a Dask worker closes once its
    scheduler is gone, but only after the evaluation under way). Every resume calls this, whatever its backend
    (before, only a resume on slurm-array did, for its arrays). The ids are those the run's folder names: each
    slurm-array batch folder's ``job_id`` and the ``slurm`` backend's :data:`WORKER_JOBS` folder. Only jobs of the
    names recorded with their ids are cancelled (an id SLURM has since given to another job is left alone): the
    names SLURM gave them (:func:`queued_job_name`: a user's own ``--job-name`` too), those of the run's old name if
    it was renamed since; :data:`WORKER_JOB_NAME` for a worker job's empty file; for an array's file that holds its id
    alone (an earlier version's), the name of the array squeue lists as started in that batch folder
    (:func:`_arrays_by_folder`: a run renamed since has it under its old name), else the run's name. Call it where
    no other session of the run is alive (under the run's writer lock); the files naming the ids are removed, so
    that each is cancelled once (kept where scancel did not answer); a folder without them costs two directory
    listings and calls nothing.

    The batch folders of the arrays cancelled (or gone from the queue) are retired then, as the array's own session
    retires one that ended (:func:`l2l.jobs.array_batches.retire_batch`): the logs of its tasks that ran go to the
    run's per-generation logs, the rest (job script, inputs, the logs of tasks that never ran) is removed; before,
    each killed session left its folders in ``array/batches/`` for the user to clear.
    """
    work = Path(work_dir)
    found: dict[str, tuple[list[str], list[Path]]] = {}  # by job name: the ids, the files naming them
    batches = sorted(path for path in work.glob("array/batches/*") if path.is_dir())
    if _alive_elsewhere(work):  # a copy of a live run's folder: its jobs are that run's, not this one's to cancel
        _forget_copied(work, batches)  # (nor are its arrays named by their batch folders' names: that run's too)
    else:
        _name_unrecorded_arrays(batches)
    arrays: dict[Path, str] = {}  # batch folder -> its array's id ('' where none is named)
    markers = [batch / JOB_ID_FILE for batch in batches] + sorted(work.glob(f"{WORKER_JOBS}/*"))
    named = _arrays_by_folder(markers)
    for marker in markers:
        try:
            if marker.parent.name == WORKER_JOBS:  # the id its name, the job's name its text
                job_id, name = marker.name, marker.read_text().strip() or WORKER_JOB_NAME
            else:
                job_id, _, name = marker.read_text().strip().partition("\n")
                job_id = job_id.strip()
                name = name.strip() or named.get(job_id) or array_job_name(work)
                arrays[marker.parent] = job_id
        except FileNotFoundError:  # a batch folder naming no array: sbatch refused it, or a session was killed
            continue               # before it wrote the id (retired below all the same)
        except OSError:  # removed all the same (as before), naming nothing that could be cancelled
            job_id, name = "", ""
        ids, markers = found.setdefault(name, ([], []))
        markers.append(marker)
        if job_id.isdigit():
            ids.append(job_id)
    cancelled: list[str] = []
    for name, (ids, markers) in found.items():
        if ids:
            queued = False  # whether squeue answered: then a scancel that fails found jobs that ended meanwhile
            try:  # those still in the queue under the run's job name (an array's tasks: its id once)
                # (names compared here: squeue's --name reads a comma as between two names, so the jobs of a run
                # named 'lr=0.1,bs=32.h5' were never found, and never cancelled)
                listed = call(["squeue", "--noheader", f"--jobs={','.join(ids)}", "--format=%F|%j"], timeout=30)
                rows = [line.partition("|") for line in listed.splitlines()]
                alive = sorted({row[0].strip() for row in rows if row[2].strip() == name.strip()} & set(ids), key=int)
                queued = True
            except SlurmError as exc:  # none of them is known any more, or squeue failed: cancel them all; no
                # SLURM here (a file resumed off the cluster it ran on): nothing can be cancelled from here
                alive = [] if "Invalid job id" in exc.stderr or exc.returncode == 127 else ids
            if alive:
                try:  # scancel cancels every id it knows, and fails for the others (ended meanwhile)
                    call(["scancel", f"--name={name}", *alive], timeout=30)
                except SlurmError as exc:
                    if not exc.refused or not queued:  # no SLURM here, or neither squeue nor scancel could reach
                        # the controller (or scancel did not answer): none is known cancelled (they were said so
                        # before); the ids are kept for the next session to try
                        markers = [] if exc.returncode != 127 else markers
                        alive = []
            cancelled += alive
        for marker in markers:
            try:
                marker.unlink()
            except OSError:
                pass
    try:  # the worker jobs' folder, once its files are gone (it was left empty in the run's folder)
        (work / WORKER_JOBS).rmdir()
    except OSError:  # none, or it names a job kept for the next session
        pass
    left = [batch for batch in batches if not (batch / JOB_ID_FILE).exists()]  # a kept id: its array may still run
    if left:
        wait_left_queue([arrays[batch] for batch in left if arrays.get(batch) in cancelled])  # their logs complete

        for batch in left:
            retire_batch(batch, arrays.get(batch, ""), cancelled=True)
    return cancelled


def _forget_copied(work: Path, batches: Sequence[Path]) -> None:
    """Remove from ``work``, a copy of a live run's folder (:func:`_alive_elsewhere`), the files naming that run's
    jobs and session: none of them is this run's (its batch folders are retired as any whose array is gone)."""
    for marker in [*(batch / JOB_ID_FILE for batch in batches), *work.glob(f"{WORKER_JOBS}/*"), work / SESSION_FILE]:
        try:
            marker.unlink()
        except OSError:
            pass


def _name_unrecorded_arrays(batches: Sequence[Path]) -> None:
    """Name in its :data:`JOB_ID_FILE` the array that squeue lists as started in each of ``batches`` that names
    none (a batch folder of an l2l before 5 December 2026, which recorded no id, or of a session killed before it
    wrote it), so that :func:`cancel_left_behind` cancels it as any other: before, it retired such a folder while
    its array ran on, the tasks training the segments the resume ran again (and their logs said 'cancelled').
    Found by ``--chdir``: the batch folder's name is unique to its array, wherever the folder was then. No SLURM
    call where every folder names its array."""
    bare = {batch.name: batch for batch in batches if not (batch / JOB_ID_FILE).exists()}
    if not bare:
        return
    try:
        listed = call(["squeue", "--noheader", f"--user={os.getuid()}", "--format=%F|%Z|%j"], timeout=30)
    except SlurmError:  # no SLURM here, or no answer: nothing to name
        return
    for first, folder, name in (line.split("|", 2) for line in listed.splitlines() if line.count("|") >= 2):
        batch = bare.pop(Path(folder.strip()).name, None) if Path(folder.strip()).parent.name == "batches" else None
        if batch is not None and first.strip().isdigit():
            record_array_job(batch, first.strip(), name.strip())


def _arrays_by_folder(markers: Sequence[Path]) -> dict[str, str]:
    """The names SLURM gave the arrays that ``markers`` (:data:`JOB_ID_FILE` files) name by id alone (an earlier
    l2l's), by id: those of the arrays squeue lists as started in their batch folder (``--chdir``; its name is the
    batch's own, unique to the array, wherever the folder was then). {} where there are none (no SLURM call).

    Without them such an array was looked for under the run's ``l2l-NAME`` of now: a run renamed since (its file
    and folder moved together) left it running, under its old name."""
    batches: dict[str, str] = {}  # id -> its batch folder's name
    for marker in markers:
        try:
            if marker.parent.name != WORKER_JOBS and "\n" not in marker.read_text().strip():
                batches[marker.read_text().strip()] = marker.parent.name
        except OSError:
            continue
    ids = [job_id for job_id in batches if job_id.isdigit()]
    if not ids:
        return {}
    try:
        listed = call(["squeue", "--noheader", f"--jobs={','.join(ids)}", "--format=%F|%Z"], timeout=30)
    except SlurmError:  # none of them is known any more, or no answer: looked for under the run's name
        return {}
    started = {first.strip() for first, _, folder in (line.partition("|") for line in listed.splitlines())
               if first.strip() in batches and Path(folder.strip()).name == batches[first.strip()]
               and Path(folder.strip()).parent.name == "batches"}
    return {job_id: name for job_id in sorted(started) if (name := queued_job_name(job_id))}


def record_worker_job(work_dir: str | os.PathLike, job_id: str, name: str) -> None:
    """Name the ``slurm`` worker job ``job_id``, whose job name is ``name``, in the run's folder, for
    :func:`cancel_left_behind`."""
    try:
        folder = Path(work_dir) / WORKER_JOBS
        folder.mkdir(parents=True, exist_ok=True)
        (folder / job_id).write_text(name + "\n")
    except OSError:
        return
    _record_session(Path(work_dir))


def forget_worker_jobs(work_dir: str | os.PathLike) -> None:
    """Remove the names :func:`record_worker_job` wrote: the run closed its cluster, which cancelled their jobs."""
    folder = Path(work_dir) / WORKER_JOBS
    for marker in folder.glob("*"):
        try:
            marker.unlink()
        except OSError:
            pass
    try:
        folder.rmdir()
    except OSError:
        pass


#: How long ``l2l show`` waits for squeue's answer on a running run's jobs (:func:`queued_line`), seconds: a
#: summary is read at once; a controller that does not answer in this time is said so, not waited for.
SHOW_SQUEUE_SECONDS = 5.0


def recorded_jobs(work_dir: str | os.PathLike) -> tuple[dict[str, str], dict[str, str]]:
    """The SLURM jobs the run's folder ``work_dir`` names (as :func:`cancel_left_behind` reads them, changing
    nothing): the slurm-array arrays and the ``slurm`` worker jobs, each {id: name} ('' where no name is recorded:
    an earlier version's array file, or a worker job's empty one)."""
    work = Path(work_dir)
    arrays: dict[str, str] = {}
    workers: dict[str, str] = {}
    for marker in sorted(work.glob(f"array/batches/*/{JOB_ID_FILE}")):
        try:
            job_id, _, name = marker.read_text().strip().partition("\n")
        except OSError:
            continue
        if job_id.strip().isdigit():
            arrays[job_id.strip()] = name.strip()
    for marker in sorted(work.glob(f"{WORKER_JOBS}/*")):
        try:
            name = marker.read_text().strip()
        except OSError:
            continue
        if marker.name.isdigit():
            workers[marker.name] = name or WORKER_JOB_NAME
    return arrays, workers


def queued_line(work_dir: str | os.PathLike, seconds: float = SHOW_SQUEUE_SECONDS) -> str:
    """What ``l2l show`` says of a running run's jobs in the queue: its slurm-array tasks or ``slurm`` worker jobs
    running and pending, by one squeue call on the ids its folder names (:func:`recorded_jobs`; jobs only of the
    names recorded with them, as :func:`cancel_left_behind` takes them), with the ids to follow them by (``2 array
    tasks running, 6 pending (array 123: squeue -j 123)``). '' where the folder names no job (a run on another
    backend: no SLURM call) or there is no squeue here (a file read off the cluster); a squeue that fails or does
    not answer within ``seconds`` is one clause saying so. Before, a running run showed 'running' alone, and a user
    on a cluster could not tell queued from running without finding the jobs' ids."""
    arrays, workers = recorded_jobs(work_dir)
    if not arrays and not workers:
        return ""
    names = {**arrays, **workers}
    try:
        listed = call(["squeue", "--noheader", "--array", f"--jobs={','.join(names)}", "--format=%F|%j|%T"],
                      timeout=seconds)
    except SlurmError as exc:
        if exc.returncode == 127:  # no SLURM here
            return ""
        if "Invalid job id" in exc.stderr:  # none of them is known any more
            listed = ""
        else:
            reason = " ".join((exc.stderr or "").split())[:120] or f"exit status {exc.returncode}"
            return f"squeue did not say ({reason}): the run's jobs not counted"
    counts = {"running": 0, "pending": 0}
    seen: set[str] = set()
    for line in listed.splitlines():
        first, name, state = (part.strip() for part in (line.split("|", 2) + ["", ""])[:3])
        if first not in names or (names[first] and name != names[first]):  # an id SLURM has given another job
            continue
        key = {"RUNNING": "running", "CONFIGURING": "running", "PENDING": "pending"}.get(state)
        if key:
            counts[key] += 1
            seen.add(first)
    what = "array task" if arrays else "worker job"
    if arrays and workers:
        what = "job"
    ids = sorted(seen or names, key=int)
    shown = ",".join(ids[:4]) + (",..." if len(ids) > 4 else "")
    label = ("array" if len(ids) == 1 else "arrays") if arrays and not workers else ("job" if len(ids) == 1
                                                                                    else "jobs")
    if not seen:
        return f"none of its {what}s in the queue ({label} {shown})"
    running = f"{counts['running']} {what}{'s' * (counts['running'] != 1)} running"
    return f"{running}, {counts['pending']} pending ({label} {shown}: squeue -j {','.join(ids)})"
