"""The SLURM jobs a killed session of a run left in the queue: what ``l2l resume`` and ``l2l reevaluate`` say of
them, after cancelling those the run's folder names (:func:`l2l.jobs.slurm_left.cancel_left_behind`), or, for a
file moved or copied without its folder, how to find and cancel them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from l2l.errors import command
from l2l.jobs.slurm_left import cancel_left_behind, run_job_name
from l2l.results_schema.lock import writer_alive


def cancelled_note(left: list[str]) -> str:
    """The line that says which SLURM jobs a killed session of the run left in the queue were cancelled (ids
    from :func:`~l2l.jobs.slurm_left.cancel_left_behind`); '' for none."""
    if not left:
        return ""
    return (f"l2l: note: cancelled SLURM job{'s' * (len(left) > 1)} {', '.join(left)}, left in the queue by a killed "
            f"session of this run ({'they' if len(left) > 1 else 'it'} would have run on for nobody)")


#: The backends whose jobs a session killed leaves in the SLURM queue, named in the run's folder (cancel_left_behind).
SLURM_BACKENDS = ("slurm", "slurm-array")


def jobs_left_elsewhere(path: Path, log: Any, created_backend: str) -> str:
    """What a resume of ``path``, whose folder ``<file>.work`` is not beside it, does about the SLURM jobs its last
    session left in the queue, in one line ('' where there is nothing to say): the file was moved or copied without
    its folder, which names their ids, so :func:`~l2l.jobs.slurm_left.cancel_left_behind` found none (before,
    they ran on for nobody and nothing was said).

    Where the file moved away from the folder (the file its session recorded, ``log``'s last ``started`` or
    ``resumed`` event, is gone, its folder there), the jobs that folder names are cancelled, as beside the file:
    :func:`cancelled_note`. Where that folder is gone too, or belongs to a file still there (this one is a copy),
    nothing is cancelled: a killed session's (the log's last event is its own) one warning line names the command
    that lists its jobs and the one that cancels them, by the name they carry."""
    import json

    if path.with_suffix(".work").exists():
        return ""
    sessions = log[log["kind"].isin(("started", "resumed"))]
    if not len(sessions):
        return ""
    try:
        detail = json.loads(sessions["detail"].iloc[-1])
    except ValueError:
        detail = {}
    detail = detail if isinstance(detail, dict) else {}
    backend = detail.get("backend") if isinstance(detail.get("backend"), dict) else {}
    name = backend.get("name") or created_backend
    if name not in SLURM_BACKENDS:
        return ""
    recorded = detail.get("file")
    old = Path(recorded) if isinstance(recorded, str) and recorded else path.absolute()
    folder = old.with_suffix(".work")
    if old != path.absolute() and writer_alive(old):  # copied or moved from a run that goes on: its jobs are its own
        return ""
    if old != path.absolute() and folder.is_dir() and not old.exists():
        return cancelled_note(cancel_left_behind(folder))
    if log["kind"].iloc[-1] not in ("started", "resumed"):  # the session ended, cancelling its jobs
        return ""
    if folder.is_dir():
        where = f"belongs to {old}, of which this file is a copy"
    elif old != path.absolute():
        where = "is gone"
    else:
        where = "is not beside this file (moved or copied without it)"
    # not 'scancel --name=...': l2l submit's job of this run (perhaps the one running this resume) and runs of the
    # same name in other folders carry that name too
    listing = command("squeue", f"--name={run_job_name(folder)}", "--format=%i,%Z,%V")
    return (f"l2l: warning: this run's last session (backend {name!r}) was killed, and {folder}, the folder naming "
            f"the SLURM jobs it left in the queue, {where}: they are not cancelled from here; list them with "
            f"'{listing}' (id, folder, submitted) and cancel them by id ('scancel ID ...'), not by their name, which "
            f"l2l submit's job of this run and runs of the same name elsewhere carry too")


def say_note(note: list[str]) -> None:
    """Print the line in ``note`` (a one-element list, emptied: said once) on stderr, unless it is ''."""
    while note:
        line = note.pop()
        if line:
            print(line, file=sys.stderr)
