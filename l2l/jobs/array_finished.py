"""The results a killed session's ``slurm-array`` tasks finished, kept for the resume that asks those evaluations again.

A loop killed with ``kill -9`` (or lost with its login node) leaves its arrays in the queue; the next session cancels
them and retires their batch folders (:func:`l2l.jobs.slurm_left.cancel_left_behind`). Before, every result those
arrays had written went with the folders, and the resume ran each of those evaluations again (4 of 4 results thrown
away in helper-372's measurement): on a cluster, hours of paid compute each.

Now :func:`keep_results`, called as such a folder is retired, keeps each result written completely (renamed into
place by its task after its checkpoint: :func:`l2l.jobs.array_task.write_outcome`; a temporary ``.<index>.json.<pid>``
of a task killed while writing is never read, and a file that does not read back whole is left) of an evaluation that
ended ``ok``, in ``<run>.work/array/finished/<key>.json`` (its new checkpoint beside it). A failed or timed-out one is
not kept: its cause may have been the node's, so it runs again. The key (:func:`evaluation_key`) is what the
evaluation is a function of: the row's coordinates and attempt, the seed, the parameters, the budgets and the
checkpoint the segment started from. Each entry holds the digest of the code that ran it (:func:`code_digest`: the
model's files and the modules it imports from its package, the simulator's options, the objectives, the timeout,
l2l's version), written into the batch folder at submission (:data:`CODE_FILE`).

The next session of the run (:class:`l2l.jobs.slurm_array.SlurmArrayExecutor`) reads them (:class:`Finished`) and
takes the result of each evaluation it is asked again with the same key and code instead of submitting it; one of
another code is run again, said in one line. The entries it took (and those of another code) go when that session
closes (the loop has then written every evaluation it took, so none is used twice); those it did not take stay for the
next session (before, they went too: a graceful stop right after a resume lost every result not yet asked for); a
session killed again leaves them all for the next. The folder goes once it is empty.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from l2l.jobs.tasks import OK, Outcome, Task

#: The file of a batch folder holding the digest of the code its tasks run (:func:`code_digest`).
CODE_FILE = "code"
#: The folder of ``<run>.work/array`` holding the results kept (:func:`keep_results`).
FINISHED = "finished"


def code_digest(simulator: Any, spec: dict[str, Any]) -> str:
    """The sha256 of what an evaluation's result depends on beside its task: the model's code (its files, the files of
    the modules it imports from its own package), the simulator's name and options, the objectives and the timeout
    (``spec``: the run's ``spec.json`` without its run folder, which a renamed run changes) and l2l's version."""
    from l2l.model_code import model_imports, model_sources
    from l2l.version import __version__

    try:
        sources, imports = model_sources(simulator), model_imports(simulator)
    except Exception as exc:  # noqa: BLE001 - cannot be hashed here: no result is taken for it
        sources, imports = [["not hashed", f"{type(exc).__name__}: {exc}"]], os.urandom(8).hex()
    settings = {key: value for key, value in spec.get("settings", {}).items() if key != "run_dir"}
    text = json.dumps({"model": sources, "imports": imports, "simulator": spec.get("simulator"),
                       "settings": settings, "l2l": __version__}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _checkpoint_digest(data: bytes | None) -> str:
    """The sha256 of a checkpoint's encoding, decoded and encoded again (the same checkpoint gives the same digest,
    whichever session encoded it); '' for none."""
    from l2l.results_schema import codec

    if data is None:
        return ""
    return hashlib.sha256(codec.encode(codec.decode(data))).hexdigest()


def _key(entry: dict[str, Any], checkpoint: str) -> str:
    fields = {name: entry.get(name) for name in ("generation", "individual", "seed", "attempt", "params", "budget",
                                                 "from_budget", "trial")}
    text = json.dumps({"task": fields, "checkpoint": checkpoint}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def evaluation_key(task: Task) -> str:
    """What tells the evaluation ``task`` from every other, across sessions (the same in the session that submitted
    it and in one that asks it again): its entry of ``tasks.json`` read back, and its checkpoint's digest."""
    from l2l.jobs.array_task import task_to_json
    from l2l.results_schema import codec

    entry = json.loads(json.dumps(task_to_json(task)))
    return _key(entry, _checkpoint_digest(None if task.checkpoint is None else codec.encode(task.checkpoint)))


def keep_results(directory: Path) -> int:
    """Keep the results of the batch folder ``directory`` (``<run>.work/array/batches/<batch>``, its array cancelled
    or gone) written completely, of evaluations that ended ``ok``, in ``<run>.work/array/finished/`` (see the
    module's docstring); return how many. Nothing is kept from a folder that records no code digest (an earlier
    l2l's), nor where anything cannot be read; a result is kept once (the folder may be retired twice)."""
    from l2l.jobs.array_task import outcome_to_json, read_outcome, write_bytes_atomically, write_json_atomically

    results = directory / "results"
    try:
        code = (directory / CODE_FILE).read_text().strip()
        entries = json.loads((directory / "tasks.json").read_text())
        names = [name for name in os.listdir(results) if name.endswith(".json") and name[:-5].isdigit()]
    except (OSError, ValueError):
        return 0
    if not code or not isinstance(entries, list):
        return 0
    finished = directory.parent.parent / FINISHED
    kept = 0
    for name in sorted(names):
        index = int(name[:-5])
        if index >= len(entries) or not isinstance(entries[index], dict):
            continue
        entry = entries[index]
        try:
            outcome = read_outcome(str(results), index)  # a file that does not parse whole raises: not kept
            start = None
            if entry.get("checkpoint"):  # checkpoints/<index>.l2l (write_tasks)
                start = (directory / "checkpoints" / os.path.basename(str(entry["checkpoint"]))).read_bytes()
            key = _key(entry, _checkpoint_digest(start))
        except Exception:  # noqa: BLE001 - unreadable, cut short, or not l2l's: run again, as before
            continue
        if (outcome.status != OK or outcome.generation != entry.get("generation")
                or outcome.individual != entry.get("individual") or outcome.attempt != entry.get("attempt")):
            continue
        try:
            finished.mkdir(exist_ok=True)
            checkpoint_name = None
            if outcome.checkpoint is not None:
                checkpoint_name = f"{key}.checkpoint.l2l"
                from l2l.results_schema import codec

                write_bytes_atomically(str(finished / checkpoint_name), codec.encode(outcome.checkpoint))
            write_json_atomically(str(finished / f"{key}.json"),
                                  {"code": code, "outcome": outcome_to_json(outcome, checkpoint_name)})
        except OSError:
            continue
        kept += 1
    return kept


class Finished:
    """The results kept in ``<run>.work/array/finished`` (:func:`keep_results`), for a session whose code digest is
    ``code``: :meth:`take` one by its task."""

    def __init__(self, root: Path, code: str):
        self.folder = root / FINISHED
        self.code = code
        try:
            self.keys = {name[:-5] for name in os.listdir(self.folder) if name.endswith(".json")
                         and not name.startswith(".")}
        except OSError:
            self.keys = set()
        self.taken = 0  # results taken this session
        self.other_code = 0  # results of this session's evaluations left: another code ran them
        self.spent: set[str] = set()  # keys taken or found of no use this session: removed as it closes

    def take(self, task: Task) -> Outcome | None:
        """The kept result of the evaluation ``task``, or None (none kept, another code's, or unreadable)."""
        if not self.keys:
            return None
        key = evaluation_key(task)
        if key not in self.keys:
            return None
        self.keys.discard(key)  # taken once
        self.spent.add(key)  # (taken, another code's or unreadable: of no use to a later session either)
        try:
            data = json.loads((self.folder / f"{key}.json").read_text())
            if data.get("code") != self.code:
                self.other_code += 1
                return None
            outcome = _outcome(self.folder, data["outcome"])
        except Exception:  # noqa: BLE001 - unreadable: run again
            return None
        if outcome.status != OK:
            return None
        outcome.submissions = 1  # it ran once, in the killed session, which counted nothing of it
        self.taken += 1
        return outcome

    def remove(self) -> None:
        """Remove the kept results this session took or found of no use (it closes: the loop has written every
        evaluation it took); those not asked for stay for a later session. The folder goes once empty."""
        for key in self.spent:
            for name in (f"{key}.json", f"{key}.checkpoint.l2l"):
                try:
                    os.unlink(self.folder / name)
                except OSError:  # gone already (another session's close), or never written
                    pass
        self.spent = set()
        try:
            left = [name for name in os.listdir(self.folder) if not name.startswith(".")]
        except OSError:
            return
        if not left:
            shutil.rmtree(self.folder, ignore_errors=True)  # (with a temporary file a writer left, if any)


def _outcome(folder: Path, data: dict[str, Any]) -> Outcome:
    """The outcome ``data`` (an entry's, its checkpoint named beside it), read as
    :func:`l2l.jobs.array_task.read_outcome` reads one."""
    from l2l.jobs.array_task import outcome_from_json
    from l2l.results_schema import codec

    checkpoint = None
    if data.get("checkpoint"):
        checkpoint = codec.decode((folder / os.path.basename(str(data["checkpoint"]))).read_bytes())
    return outcome_from_json(data, checkpoint)
