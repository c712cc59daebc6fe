"""Appending re-evaluation rows to ``/reevaluations`` of a closed trajectory, crash-safely.

The caller holds the file's :class:`~l2l.results_schema.lock.WriterLock`. The group is created (or given new
metric columns) by an atomic copy of the file (:func:`l2l.results_schema.files.rewrite`), since SWMR cannot
add datasets; rows are then appended in SWMR mode, data first and the commit mark last, as for evaluations.
A writer killed at any instant leaves a file whose committed rows are all readable; the next writer (or any
repair of the file) drops the rows past the commit mark.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import h5py
import numpy as np

from l2l.results_schema.layout import (REEVALUATION_COLUMNS, REEVALUATION_ERRORS, REEVALUATION_GROUP,
                                       REEVALUATION_HOST, REEVALUATION_HOST_DTYPE, REEVALUATION_MODEL,
                                       REEVALUATION_MODEL_DTYPE, STATUS_CODES)
from l2l.results_schema.files import close_refused, quiet_refused_writes
from l2l.results_schema.writer import _open_swmr_writer, create_reevaluation_group, needs_repair, rewrite


def _needs_rewrite(path: Path, metrics: set[str]) -> bool:
    if needs_repair(path):
        return True
    with h5py.File(path, "r", libver="latest", locking=False) as f:
        group = f.get(REEVALUATION_GROUP)
        if not isinstance(group, h5py.Group) or "committed" not in group:
            return True
        log = group["committed"]
        rows = int(log[log.shape[0] - 1]) if log.shape[0] else 0
        return group["generation"].shape[0] != rows or bool(metrics - set(group["metrics"])) \
            or REEVALUATION_HOST not in group or REEVALUATION_MODEL not in group  # an older l2l's group: added


def _create_group(f: h5py.File, objectives: Sequence[str], metrics: Sequence[str]) -> None:
    """The group (or its missing metric columns) and its ``host`` and ``model`` columns, b"" (not recorded) in rows
    stored before."""
    group = create_reevaluation_group(f, objectives, metrics)
    for name, dtype in ((REEVALUATION_HOST, REEVALUATION_HOST_DTYPE), (REEVALUATION_MODEL, REEVALUATION_MODEL_DTYPE)):
        if name not in group:
            group.create_dataset(name, shape=(group["generation"].shape[0],), maxshape=(None,), dtype=dtype,
                                 chunks=(1024,), fillvalue=b"")


def host_text(host: Any) -> bytes:
    """An outcome's ``host`` as the column stores it: UTF-8, cut to 64 bytes at a character's end."""
    data = str(host or "").encode("utf-8")
    return data[:REEVALUATION_HOST_DTYPE.itemsize].decode("utf-8", errors="ignore").encode("utf-8")


class ReevaluationWriter:
    """Appends rows (an :class:`~l2l.jobs.base.Outcome` and the index of its fresh seed) and commits them.
    ``model``: the digest of the model code the rows run where it is not the code the run ran
    (:data:`~l2l.results_schema.layout.REEVALUATION_MODEL`), '' where it is."""

    def __init__(self, path: str | os.PathLike, objectives: Sequence[str], metrics: Sequence[str] = (),
                 model: str = ""):
        self.path = Path(path)
        quiet_refused_writes()
        self.model = model.encode("ascii")
        self.objectives = list(objectives)
        self._file: h5py.File | None = None
        self._prepare(set(metrics))

    def _prepare(self, metrics: set[str]) -> None:
        self._close_file()
        if _needs_rewrite(self.path, metrics):
            rewrite(self.path, lambda f: _create_group(f, self.objectives, sorted(metrics)))
        self._file = _open_swmr_writer(self.path)
        group = self._file[REEVALUATION_GROUP]
        self._group = group
        log = group["committed"]
        self.rows = int(log[log.shape[0] - 1]) if log.shape[0] else 0
        self.metrics = sorted(group["metrics"])

    def _close_file(self, failure: BaseException | None = None) -> None:
        if self._file is not None:
            file, self._file, self._group = self._file, None, None
            close_refused(file, self.path, "every re-evaluation committed before is kept; the same l2l reevaluate "
                          "runs the rest once the disk has room", failure)

    def close(self, failure: BaseException | None = None) -> None:
        """Close the file; ``failure``: the exception that ends the writer's block (a write the disk refused is
        said in one line, :func:`~l2l.results_schema.files.close_refused`)."""
        self._close_file(failure)

    def __enter__(self) -> "ReevaluationWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close(exc[1])

    def append(self, rows: Sequence[tuple[Any, int]]) -> None:
        """Append one row per ``(outcome, repeat)`` and commit them."""
        if not rows:
            return
        new = set().union(*(o.metrics.keys() for o, _ in rows)) - set(self.metrics)
        if new:
            self._prepare(set(self.metrics) | new)
        group, n, start = self._group, len(rows), self.rows
        outcomes = [o for o, _ in rows]
        texts = [o.error.encode("utf-8") if o.error else b"" for o in outcomes]
        lengths = np.array([len(t) for t in texts], dtype="<i8")
        offsets = np.zeros(n, dtype="<i8")
        if lengths.any():
            blob = group[REEVALUATION_ERRORS]
            first = blob.shape[0]
            data = np.frombuffer(b"".join(texts), dtype="u1")
            blob.resize((first + len(data),))
            blob[first:] = data
            blob.flush()
            offsets = first + np.concatenate([[0], np.cumsum(lengths)[:-1]])
        columns: dict[str, np.ndarray] = {
            "generation": np.array([o.generation for o in outcomes], dtype="<i8"),
            "individual": np.array([o.individual for o in outcomes], dtype="<i8"),
            "repeat": np.array([r for _, r in rows], dtype="<i8"),
            "seed": np.array([o.seed for o in outcomes], dtype="<u8"),
            "status": np.array([STATUS_CODES[o.status] for o in outcomes], dtype="u1"),
            "attempts": np.array([o.attempt + 1 for o in outcomes], dtype="<i4"),
            "started": np.array([o.started for o in outcomes], dtype="<f8"),
            "duration": np.array([o.duration for o in outcomes], dtype="<f8"),
            "budget": np.array([np.nan if o.budget is None else o.budget for o in outcomes], dtype="<f8"),
            "error_start": offsets, "error_length": lengths,
        }
        assert set(columns) == set(REEVALUATION_COLUMNS)
        columns[REEVALUATION_HOST] = np.array([host_text(o.host) for o in outcomes], dtype=REEVALUATION_HOST_DTYPE)
        columns[REEVALUATION_MODEL] = np.full(n, self.model, dtype=REEVALUATION_MODEL_DTYPE)
        for name in self.objectives:
            columns[f"objectives/{name}"] = np.array([o.objectives.get(name, np.nan) for o in outcomes], dtype="<f8")
        for name in self.metrics:
            columns[f"metrics/{name}"] = np.array([o.metrics.get(name, np.nan) for o in outcomes], dtype="<f8")
        for name, values in columns.items():
            dataset = group[name]
            dataset.resize((start + n,))
            dataset[start:] = values
            dataset.flush()
        self.rows += n
        log = group["committed"]
        log.resize((log.shape[0] + 1,))
        log[-1] = self.rows
        log.flush()
