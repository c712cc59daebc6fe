"""Which large checkpoints a run can still use, and the record of those ``l2l prune`` deleted (``/pruned``).

A run keeps the checkpoint of every segment, but only some can ever be read again:

* each trial's checkpoint of its latest committed segment (the trained model; what a later promotion or
  exploit continues from), also counting only the rows up to ``loop.rows`` of the last committed state,
  since ``l2l resume`` drops the rows appended after that commit and continues from the state;
* every row the last committed state names: each trial record's ``row`` (a paused candidate's checkpoint,
  a PBT donor's copied into another trial, a pending continuation) and the Lamarckian pool's rows;
* every row with a checkpoint and no trial (none is written today: kept, being in doubt).

:func:`plan` finds them (the *needed* rows); the files of ``NAME.h5.checkpoints/`` that no needed row
references are superseded. ``l2l prune`` first appends their SHA-256 digests to ``/pruned`` and commits
them, then deletes the files, so that ``l2l validate`` reports a missing file a committed row references
as pruned (a note) when its digest is recorded and no needed row references it, and as damage otherwise.

``/pruned`` is optional: ``sha256`` (S64, one digest per deleted file) and ``committed`` (int64, the
number of committed digests after each prune; digests past the last value do not count). It is created
by an atomic copy of the file (:func:`~l2l.results_schema.files.rewrite`), since SWMR cannot add
datasets, and appended to in SWMR mode, digests first and the commit mark last: a prune killed at any
instant leaves a file that validates and resumes, and deletes nothing before its record is committed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from l2l.results_schema import checkpoint_store
from l2l.results_schema.files import _append, _column, needs_repair, rewrite
from l2l.results_schema.layout import CHECKPOINT_BLOB

GROUP = "pruned"
DIGEST = np.dtype("S64")
#: A reference is about 100 bytes; longer pieces of /blobs/checkpoints are checkpoints stored in the file.
_REFERENCE_BYTES = 256


@dataclass
class Plan:
    """What :func:`plan` found in the committed rows of a trajectory."""

    digests: list[str | None]  # per committed row: the file its checkpoint's reference names (None: no file)
    needed: set[int] = field(default_factory=set)  # rows whose checkpoint a user or the run may still need
    trials: int = 0  # trials with a checkpoint in the folder

    @property
    def referenced(self) -> set[str]:
        return {d for d in self.digests if d is not None}

    @property
    def keep(self) -> set[str]:
        return {self.digests[row] for row in self.needed if self.digests[row] is not None}


def needed_rows(trial: np.ndarray, has_checkpoint: np.ndarray, state: dict[str, Any] | None) -> set[int]:
    """The rows (of the committed ones, ``trial`` and ``has_checkpoint`` per row) whose checkpoint may still be
    read: see the module text. ``state``: the last committed run state (None if there is none)."""
    rows = len(trial)
    needed = set(np.flatnonzero(has_checkpoint & (trial < 0)).tolist())
    limits = {rows}
    if state is not None:
        loop = state.get("loop") or {}
        limits.add(max(0, min(rows, int(loop.get("rows", loop.get("evaluations", rows))))))
        for record in (state.get("trials") or {}).values():
            row = record.get("row", -1) if isinstance(record, dict) else -1
            if isinstance(row, int) and 0 <= row < rows:
                needed.add(row)
        for member in loop.get("pool") or []:
            if 0 <= int(member[1]) < rows:
                needed.add(int(member[1]))
    for limit in limits:  # each trial's last row with a checkpoint, among the first ``limit`` rows
        candidates = np.flatnonzero(has_checkpoint[:limit] & (trial[:limit] >= 0))
        if len(candidates):
            reversed_trials = trial[candidates][::-1]
            _, first = np.unique(reversed_trials, return_index=True)
            needed.update(candidates[::-1][first].tolist())
    return needed


def plan(trajectory) -> Plan:
    """The needed rows of ``trajectory`` (an open :class:`~l2l.results_schema.reader.Trajectory`) and the file
    each committed row's checkpoint references. Raises TrajectoryError if its state or rows cannot be read."""
    rows = trajectory.n_evaluations
    datasets = trajectory._layout.datasets
    if "evaluations/checkpoint_length" not in datasets or not rows:
        return Plan([None] * rows)
    with trajectory._reading("the checkpoint references"):
        columns = trajectory._columns(("trial", "checkpoint_start", "checkpoint_length"), rows)
        trial, starts, lengths = columns["trial"], columns["checkpoint_start"], columns["checkpoint_length"]
        digests: list[str | None] = [None] * rows
        small = np.flatnonzero((lengths > 0) & (lengths <= _REFERENCE_BYTES))
        blob = f"blobs/{CHECKPOINT_BLOB}"
        for batch in range(0, len(small), 4096):
            chunk = small[batch:batch + 4096]
            low, high = int(starts[chunk].min()), int((starts[chunk] + lengths[chunk]).max())
            data = trajectory._read(blob, high, low).tobytes() if high - low <= 1 << 24 else None
            for row in chunk.tolist():
                start, length = int(starts[row]), int(lengths[row])
                piece = data[start - low:start - low + length] if data is not None else \
                    trajectory._read(blob, start + length, start).tobytes()
                if checkpoint_store.is_reference(piece):
                    try:
                        digests[row] = checkpoint_store.parse(piece)[0]
                    except ValueError:  # a malformed reference: l2l validate reports it
                        pass
        state = trajectory.state() if trajectory.n_generations else None
    beside = np.array([d is not None for d in digests], dtype=bool)
    needed = needed_rows(trial, lengths > 0, state)
    return Plan(digests, needed, int(len(np.unique(trial[beside & (trial >= 0)]))))


# -- the record ------------------------------------------------------------------------------------------------

def recorded(datasets: dict[str, h5py.Dataset]) -> set[str]:
    """The committed digests of ``/pruned`` (``datasets``: every dataset of the file by path); empty if none."""
    digests, log = datasets.get(f"{GROUP}/sha256"), datasets.get(f"{GROUP}/committed")
    if digests is None or log is None or not log.shape or not log.shape[0]:
        return set()
    count = max(0, min(int(log[log.shape[0] - 1]), digests.shape[0]))
    return {bytes(d).decode("ascii", errors="replace") for d in digests[:count]}


def count(trajectory) -> int:
    """How many checkpoint files ``l2l prune`` deleted from beside ``trajectory`` (an open
    :class:`~l2l.results_schema.reader.Trajectory`): its committed digests; 0 without ``/pruned``, and for one
    that cannot be read or is malformed (``l2l validate`` reports that)."""
    datasets = trajectory._layout.datasets
    try:
        return 0 if problems(datasets) else len(recorded(datasets))
    except (OSError, ValueError, KeyError):
        return 0


def problems(datasets: dict[str, h5py.Dataset]) -> list[str]:
    """What is wrong with ``/pruned`` (nothing if the file has none)."""
    digests, log = datasets.get(f"{GROUP}/sha256"), datasets.get(f"{GROUP}/committed")
    if digests is None and log is None:
        return []
    if digests is None or log is None or digests.dtype != DIGEST or digests.ndim != 1 \
            or log.dtype != np.dtype("<i8") or log.ndim != 1:
        return [f"/{GROUP} must hold sha256 (S64) and committed (int64), one-dimensional"]
    marks = log[:]
    if len(marks) and ((np.diff(marks) < 0).any() or marks[0] < 0 or marks[-1] > digests.shape[0]):
        return [f"/{GROUP}/committed must never decrease and count at most the digests stored"]
    hexdigits = set(b"0123456789abcdef")
    if any(len(d) != 64 or not set(d) <= hexdigits for d in digests[:int(marks[-1]) if len(marks) else 0]):
        return [f"/{GROUP}/sha256 holds something that is not a SHA-256 digest in hex"]
    return []


def _prepare(f: h5py.File) -> None:
    """Create ``/pruned`` in a file open for writing outside SWMR mode, or cut it to its committed digests."""
    group = f.require_group(GROUP)
    if "sha256" not in group or "committed" not in group:
        for name in ("sha256", "committed"):
            if name in group:
                del group[name]
        _column(group, "sha256", DIGEST, chunk=1024)
        _column(group, "committed", np.dtype("<i8"), chunk=256)
        return
    log = group["committed"]
    count = int(log[log.shape[0] - 1]) if log.shape[0] else 0
    group["sha256"].resize((count,))
    log.resize((1,))
    log[0] = count


def _needs_rewrite(path: Path) -> bool:
    if needs_repair(path):
        return True
    with h5py.File(path, "r", libver="latest", locking=False) as f:
        group = f.get(GROUP)
        if not isinstance(group, h5py.Group) or "sha256" not in group or "committed" not in group:
            return True
        log = group["committed"]
        return group["sha256"].shape[0] != (int(log[log.shape[0] - 1]) if log.shape[0] else 0)


def record(path: str | os.PathLike, digests: list[str]) -> None:
    """Append ``digests`` to ``/pruned`` of ``path`` and commit them; the caller holds the writer lock."""
    from l2l.results_schema.writer import _open_swmr_writer

    path = Path(path)
    if _needs_rewrite(path):
        rewrite(path, _prepare)
    f = _open_swmr_writer(path)
    try:
        values, log = f[f"{GROUP}/sha256"], f[f"{GROUP}/committed"]
        _append(values, np.array([d.encode("ascii") for d in digests], dtype=DIGEST))
        values.flush()
        _append(log, np.array([values.shape[0]], dtype="<i8"))  # the commit, flushed last
        log.flush()
    finally:
        f.close()


__all__ = ["GROUP", "Plan", "count", "needed_rows", "plan", "problems", "record", "recorded"]
