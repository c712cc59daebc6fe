"""The end of a ``slurm-array`` batch folder (``<run>.work/array/batches/<batch>``): its tasks' logs appended to
the run's per-generation logs, then the folder removed (:func:`retire_batch`).

Both the backend (:mod:`l2l.jobs.slurm_array`, as an array ends or is cancelled) and the next session's clean-up
(:func:`l2l.jobs.slurm_left.cancel_left_behind`) retire batches, so the rule lives below both."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Sequence

from l2l.jobs.base import Task


def retire_batch(directory: Path, job_id: str, tasks: Sequence[Task] | None = None, cancelled: bool = False,
                 keep: bool = True) -> None:
    """Append the logs of the tasks of the batch folder ``directory`` (``<run>.work/array/batches/<batch>``, array
    ``job_id``) to the run's per-generation logs (``array/logs/generation-NNNNN.log``), then remove the folder.

    ``tasks``: the array's, in index order (read from its ``tasks.json`` where not given). An array that ended has
    each task's log, ``(no log)`` for one that never wrote any (it failed to launch). A ``cancelled`` one has those
    of the tasks that started, each said cancelled where it wrote no result: a task still in the queue has no log,
    and its job script, inputs and checkpoint are the next session's to write again (before, a cancelled array's
    folder stayed in ``batches/``, holding them, and the logs of the tasks that ran among them).

    The results a ``cancelled`` array's tasks wrote completely are kept for the next session, unless ``keep`` is
    False (the array's own session cancels it as it closes): :func:`l2l.jobs.array_finished.keep_results` (a killed
    session's arrays, cancelled by the next session, had each result thrown away with the folder, and run again).

    Called again on a folder kept because an append failed (a full disk), it appends only the logs not appended yet
    (each appended is marked ``logs/<index>.gathered``; a write cut short is taken back): before, the generations
    appended before the failure were appended again.
    """
    keys = [(task.generation, task.individual, task.attempt) for task in tasks] if tasks is not None \
        else _task_keys(directory)
    by_generation: dict[int, list[tuple[int, str]]] = {}  # generation -> (task index, its part of the log)
    for index, (generation, individual, attempt) in enumerate(keys):
        if (directory / "logs" / f"{index}.gathered").exists():  # appended by an earlier call that failed later
            continue
        try:
            text = (directory / "logs" / f"{index}.log").read_text(errors="replace")
        except OSError:
            if cancelled:
                continue
            text = "(no log)\n"
        what = f"SLURM job {job_id or '?'}_{index}"
        if cancelled and not (directory / "results" / f"{index}.json").exists():
            what += ", cancelled before it wrote a result"
        by_generation.setdefault(generation, []).append(
            (index, f"==== generation {generation} individual {individual} attempt {attempt} ({what}) ====\n{text}"))
    logs = directory.parent.parent / "logs"
    for generation, parts in by_generation.items():
        if not _append_log(logs, logs / f"generation-{generation:05d}.log", "".join(part for _, part in parts)):
            return  # the folder is kept with the logs it holds: nothing is lost
        for index, _ in parts:  # a later generation's append may fail (a full disk): these are not appended again
            _mark_gathered(directory / "logs", index)
    if cancelled and keep:
        from l2l.jobs.array_finished import keep_results

        keep_results(directory)
    shutil.rmtree(directory, ignore_errors=True)


def _append_log(folder: Path, log: Path, text: str) -> bool:
    """Append ``text`` to ``log`` (in ``folder``, made if missing); False if it could not, the file then cut back to
    its length before (a write a full disk cut short left part of the text, appended again with the rest later)."""
    try:
        folder.mkdir(exist_ok=True)
        descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    except OSError:
        return False
    try:
        length = os.lseek(descriptor, 0, os.SEEK_END)
        unwritten = memoryview(text.encode("utf-8"))
        try:
            while unwritten:
                unwritten = unwritten[os.write(descriptor, unwritten):]
        except OSError:
            os.ftruncate(descriptor, length)
            return False
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return True


def _mark_gathered(logs: Path, index: int) -> None:
    """Mark task ``index``'s log appended to its generation's (its log renamed ``<index>.gathered``; an empty one for
    a task without a log): :func:`retire_batch` called again on the folder appends it no more."""
    try:
        os.replace(logs / f"{index}.log", logs / f"{index}.gathered")
    except FileNotFoundError:
        try:
            (logs / f"{index}.gathered").touch()
        except OSError:
            pass
    except OSError:
        pass


def _task_keys(directory: Path) -> list[tuple[int, int, int]]:
    """(generation, individual, attempt) of each task of the batch folder ``directory``; [] if unreadable."""
    try:
        entries = json.loads((directory / "tasks.json").read_text())
        return [(int(entry["generation"]), int(entry["individual"]), int(entry["attempt"])) for entry in entries]
    except (OSError, ValueError, TypeError, KeyError):
        return []
