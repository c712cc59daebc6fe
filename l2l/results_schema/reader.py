"""Reading a trajectory: run information, evaluations as pandas, states, traces.

Files are opened read-only in SWMR mode, so they can be read while a run
writes them and after its writer died. Only committed rows are returned.
Nothing read from a file is ever executed: attributes are JSON, arrays are
numeric, states and traces go through :mod:`l2l.results_schema.codec`, and
links are never followed (a file holding one is refused).

A file that is not a trajectory, or a damaged one, raises
:class:`~l2l.errors.TrajectoryError` with one line naming the file and what is
wrong, within about a second (see :mod:`l2l.results_schema.opening`): when it
is opened for what every reader relies on (:mod:`l2l.results_schema.structure`),
and when rows are read for the values read.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, Iterator, Sequence

import h5py
import numpy as np

from l2l.lazy import lazy_module
from l2l.errors import ArgumentError, TrajectoryError, path_argument
from l2l.results_schema import checkpoint_store, codec, frames, structure
from l2l.results_schema import values as checks
from l2l.results_schema.layout import CHECKPOINT_BLOB, CHECKSUM_COLUMN, RESERVED_COLUMNS, SEGMENT_VIEW, STATISTICS_BLOB
from l2l.results_schema.statistics import check_record
from l2l.results_schema.opening import open_hdf5
from l2l.results_schema.reader_generations import GenerationsReading
from l2l.results_schema.reader_log import RunLog
from l2l.results_schema.reader_stored import StoredOutputs
from l2l.words import call

pd = lazy_module("pandas")  # imported on first use: l2l.run reads no table (l2l.lazy)

RESERVED = RESERVED_COLUMNS  # the name readers of earlier versions imported
#: The rows ``l2l show`` and ``l2l resume`` read in full (the last ones) to refuse a damaged file: all rows of
#: a small file, a bounded tail of a large one (``l2l validate`` checks every row).
RECENT_ROWS = 16384

#: What h5py, numpy and pandas raise on data a damaged file holds; readers turn these into TrajectoryError.
_READ_ERRORS = (OSError, KeyError, ValueError, TypeError, IndexError, RuntimeError, OverflowError,
                RecursionError, MemoryError)


def open_file(path: str | os.PathLike) -> h5py.File:
    """Open a trajectory read-only (SWMR, no file lock) after checking it is one; one-line TrajectoryError if not.

    Waits at most about a second, also for a truncated, damaged or foreign file
    or a named pipe. The structure of the file is not checked here (use
    :class:`Trajectory`, or :func:`l2l.results_schema.validate.validate`).
    """
    path = path_argument(path)
    f = open_hdf5(path)
    try:
        fmt = f.attrs.get("format")
    except _READ_ERRORS as exc:
        f.close()
        raise TrajectoryError(f"{path}: unreadable HDF5 metadata: {structure._line(exc)}") from None
    if isinstance(fmt, bytes):
        fmt = fmt.decode("utf-8", errors="replace")
    if fmt != structure.FORMAT:
        f.close()
        raise TrajectoryError(f"{path} is not an l2l trajectory (no format attribute {structure.FORMAT!r})")
    return f


class Trajectory(GenerationsReading, StoredOutputs, RunLog):
    """A read-only view of one trajectory file (use as a context manager).

    Opening checks the structure readers rely on and raises
    :class:`TrajectoryError` (one line) if the file does not have it; reading
    rows checks the values read.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = path_argument(path)
        self._file = open_file(self.path)
        layout, problems = structure.inspect(self._file)
        if layout is None:
            self._file.close()
            more = f" (and {len(problems) - 1} more; see: {call('validate', self.path)})" if len(problems) > 1 else ""
            raise TrajectoryError(f"{self.path}: {problems[0]}{more}")
        self._layout = layout
        #: The /run attributes as the run was created with them (written once, never rewritten).
        self.stored_run = layout.run
        #: The run as it goes now: :attr:`stored_run` with the compute budget the last resume ran toward
        #: (``l2l resume FILE --compute N``), as ``l2l.load(...).attrs["fidelity"]`` and ``l2l show`` give it.
        self.run = self._as_resumed(layout.run)
        self.space = layout.space
        self.objectives = layout.objectives
        self.schema_version = layout.schema_version
        self.n_evaluations = layout.rows
        self.n_generations = layout.generations

    def _as_resumed(self, run: dict[str, Any]) -> dict[str, Any]:
        """``run`` with ``fidelity.compute`` the one the latest ``resumed`` event records, as ``l2l.load`` reads it
        (a copy; the metadata stays as written). A file whose event log cannot be read keeps the created value:
        the log's damage is reported where the log is read (:meth:`events`)."""
        fidelity = run.get("fidelity")
        if not isinstance(fidelity, dict) or fidelity.get("compute") is None:
            return run
        try:  # the log as read, without pandas (opening a file imports no table: l2l.lazy)
            _, kinds, details = structure.read_events(self._layout)
        except _READ_ERRORS:
            return run
        resumed = [detail for kind, detail in zip(kinds, details) if kind == b"resumed"]
        if not resumed:
            return run
        try:
            detail = json.loads(resumed[-1])
        except (TypeError, ValueError):
            return run
        compute = detail.get("compute") if isinstance(detail, dict) else None
        if isinstance(compute, bool) or not isinstance(compute, (int, float)) or not compute > 0 \
                or compute == fidelity["compute"]:
            return run
        return {**run, "fidelity": {**fidelity, "compute": compute}}

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "Trajectory":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextlib.contextmanager
    def _reading(self, what: str) -> Iterator[None]:
        try:
            yield
        except TrajectoryError as exc:
            text = str(exc)
            raise TrajectoryError(text if text.startswith(str(self.path)) else f"{self.path}: {what}: {text}") \
                from None
        except _READ_ERRORS as exc:
            raise TrajectoryError(f"{self.path}: cannot read {what}: {structure._line(exc)}") from None

    def _check(self, problems: list[str]) -> None:
        if problems:
            raise TrajectoryError(problems[0])

    def _ds(self, name: str) -> h5py.Dataset:
        return self._layout.datasets[name]

    def _read(self, name: str, stop: int, start: int = 0) -> np.ndarray:
        """Rows ``start:stop`` of dataset ``name``; damaged storage raises TrajectoryError naming the dataset."""
        try:
            return self._layout.datasets[name][start:stop]
        except _READ_ERRORS as exc:
            raise TrajectoryError(f"{self.path}: cannot read /{name}: {structure._line(exc)}") from None

    def _take(self, name: str, rows: np.ndarray) -> np.ndarray:
        """Rows ``rows`` (increasing, unique) of dataset ``name``: contiguous runs as slices, else point by point."""
        try:
            dataset = self._layout.datasets[name]
            if not len(rows):
                return dataset[0:0]
            breaks = np.flatnonzero(np.diff(rows) != 1) + 1
            if len(breaks) < 64:
                runs = np.split(rows, breaks)
                return np.concatenate([dataset[int(run[0]):int(run[-1]) + 1] for run in runs])
            return dataset[list(rows)]
        except _READ_ERRORS as exc:
            raise TrajectoryError(f"{self.path}: cannot read /{name}: {structure._line(exc)}") from None

    @property
    def file(self) -> h5py.File:
        """The open h5py file (read-only); every path the spec names is a hard-linked object in it."""
        return self._file

    @property
    def metric_names(self) -> list[str]:
        return list(self._layout.metrics)

    @property
    def metric_columns(self) -> dict[str, str]:
        """Column of each metric in :meth:`evaluations`: its name, or ``metric:<name>`` if that is taken.

        Taken are the reserved columns (``generation`` ... ``error``), the
        parameter columns (``x``, ``w[0,1]``), the objectives and, in a
        multi-fidelity run, its segment columns (``trial``, ``budget``, ``state``
        ...); the prefix is repeated in the unlikely case that the prefixed name
        is taken too.
        """
        taken = set(RESERVED) | set(self.space.columns()) | {o.name for o in self.objectives}
        if self.multi_fidelity:  # was: a metric named budget or state overwritten by the segment's column
            taken |= set(SEGMENT_VIEW)
        columns = {}
        for name in self.metric_names:
            column = name
            while column in taken:
                column = f"metric:{column}"
            taken.add(column)
            columns[name] = column
        return columns

    # -- evaluations ---------------------------------------------------------------
    def _column(self, name: str, n: int, rows: np.ndarray | None = None) -> np.ndarray:
        return self._read(f"evaluations/{name}", n) if rows is None else self._take(f"evaluations/{name}", rows)

    def _columns(self, names: tuple[str, ...], n: int, rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Evaluation columns for the first ``n`` rows (or the rows ``rows``), value-checked."""
        columns = {name: self._column(name, n, rows) for name in names}
        self._check(checks.row_problems(columns, self._layout))
        return columns

    @property
    def multi_fidelity(self) -> bool:
        """True if the run trained candidates in segments of growing budget (a run with a [policy])."""
        config = self.run.get("config")
        return self.schema_version >= 2 and isinstance(config, dict) and (
            "policy" in config or bool(isinstance(config.get("run"), dict) and config["run"].get("inherit")))

    @property
    def top_budget(self) -> float | None:
        """The top budget of a multi-fidelity run (None for other runs)."""
        fidelity = self.run.get("fidelity")
        if isinstance(fidelity, dict) and fidelity.get("rungs"):
            return float(fidelity["rungs"][-1])
        if self.multi_fidelity and self.n_evaluations:
            return float(np.nanmax(self._read("evaluations/budget", self.n_evaluations)))
        return None

    def evaluations(self, errors: bool = True, segments: bool = False,
                    columns: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per committed evaluation, sorted by (generation, individual).

        For a multi-fidelity run: one row per candidate (``trial``) at the highest
        budget it reached, with its ``state`` (completed, stopped, paused) and the
        ``compute`` it used; ``segments=True`` gives every segment instead, sorted
        by (trial, budget), with ``from_budget``, the segment's ``state``
        (promoted, completed, stopped, paused) and the ``compute`` it cost. In a run not finished, a candidate
        with a segment in flight at the last commit is ``running`` while a writer
        may still run it and ``interrupted`` where none is left (``l2l resume``
        runs it again), as ``l2l show`` counts it; these two categories are there
        only where a candidate has them. ``columns``: only these columns,
        in this order, read without the others (see :mod:`.frames`).
        """
        with self._reading("the evaluations"):
            if self.multi_fidelity:
                return frames.multi_fidelity_evaluations(self, errors, segments, columns)
            return frames.evaluations(self, errors, None, columns)

    def checkpoint(self, row: int) -> dict[str, Any] | None:
        """The checkpoint a segment returned (None if it returned none); raises :class:`TrajectoryError` if
        its bytes do not match the checksum stored with them (files written before checksums: not checked)."""
        if isinstance(row, bool) or not isinstance(row, (int, np.integer)) or not 0 <= row < self.n_evaluations:
            # -1 read 'index 0 is out of bounds for axis 0 with size 0'; 'a' numpy's words on indices
            raise TrajectoryError(f"{self.path}: no committed row {row!r} to read a checkpoint of: rows are numbered "
                                  f"0 to {self.n_evaluations - 1}" if self.n_evaluations else
                                  f"{self.path}: no committed row {row!r} to read a checkpoint of: the file has none")
        with self._reading(f"the checkpoint of row {row}"):
            columns = self._columns(("checkpoint_start", "checkpoint_length"), self.n_evaluations)
            start, length = int(columns["checkpoint_start"][row]), int(columns["checkpoint_length"][row])
            if not length:
                return None
            data = self._read(f"blobs/{CHECKPOINT_BLOB}", start + length, start)
            name = f"evaluations/{CHECKSUM_COLUMN}"
            if name in self._layout.datasets and row < self._layout.datasets[name].shape[0]:
                codec.verify(data, int(self._read(name, row + 1, row)[0]))
            if checkpoint_store.is_reference(data):  # a large checkpoint, in the folder beside the file
                try:
                    data = checkpoint_store.CheckpointStore(self.path).get(data)
                except checkpoint_store.MissingCheckpoint as exc:
                    from l2l.results_schema import pruning
                    if exc.digest not in pruning.recorded(self._layout.datasets):
                        raise TrajectoryError(f"{self.path}: the checkpoint of row {row} cannot be read: {exc}") \
                            from None
                    raise TrajectoryError(f"{self.path}: the checkpoint of row {row} was deleted by l2l prune "
                                          f"(superseded: a later segment of its trial continued from it)") from None
                except ValueError as exc:
                    raise TrajectoryError(f"{self.path}: the checkpoint of row {row} cannot be read: {exc}") from None
            value = codec.decode(data)
            if not isinstance(value, dict):
                raise TrajectoryError(f"the checkpoint of row {row} is not a mapping")
            return value

    def evaluations_at(self, rows: Any, errors: bool = False) -> pd.DataFrame:
        """The rows ``rows`` (committed row numbers in file order) of :meth:`evaluations`, with the same
        columns and order, read without the other rows. Single-fidelity view only (no segment view)."""
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        if len(rows) and (rows[0] < 0 or rows[-1] >= self.n_evaluations):
            raise TrajectoryError(f"{self.path}: rows {rows[0]}..{rows[-1]} are not all committed "
                                  f"({self.n_evaluations} are)")
        with self._reading("the evaluations"):
            return frames.evaluations(self, errors, rows)

    def check_recent_rows(self, count: int | None = None) -> None:
        """Read the last ``count`` committed rows (default :data:`RECENT_ROWS`) as :meth:`evaluations` would,
        raising :class:`TrajectoryError` if they are damaged: the bounded check of ``show`` and ``resume``."""
        count = RECENT_ROWS if count is None else count
        n = self.n_evaluations
        with self._reading("the evaluations"):
            frames.evaluations(self, False, np.arange(max(0, n - count), n))

    def statistics(self) -> dict[str, Any] | None:
        """The running statistics stored with the last committed generation (see
        :mod:`l2l.results_schema.statistics`), or None if the file has none for it (files written before
        them, a run before its first generation, a record that does not hold together)."""
        g = self.n_generations
        datasets = self._layout.datasets
        if not g or "generations/statistics_start" not in datasets or "generations/statistics_length" \
                not in datasets or f"blobs/{STATISTICS_BLOB}" not in datasets:
            return None
        try:
            starts, lengths = datasets["generations/statistics_start"], datasets["generations/statistics_length"]
            if starts.shape[0] < g or lengths.shape[0] < g:
                return None
            start, length = int(starts[g - 1]), int(lengths[g - 1])
            blob = datasets[f"blobs/{STATISTICS_BLOB}"]
            if start < 0 or length <= 0 or start + length > blob.shape[0]:
                return None
            record = codec.decode(blob[start:start + length])
        except (TrajectoryError, *_READ_ERRORS):
            return None
        return record if check_record(record, self.objectives, self.n_evaluations) else None

    def rows(self, names: tuple[str, ...], start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """Evaluation columns ``names`` of committed rows ``start:stop`` in file order (``objectives/<name>``
        and ``metrics/<name>`` reach those groups), without building a DataFrame: cheap for a few new rows."""
        stop = self.n_evaluations if stop is None else min(stop, self.n_evaluations)
        with self._reading("the evaluations"):
            return {name: self._read(f"evaluations/{name}", stop, start) for name in names}


def load(path: str | os.PathLike, segments: bool = False, reevaluations: bool = False,
         columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The evaluations of a trajectory as a DataFrame, one row per evaluation.

    For a multi-fidelity run, one row per candidate at its highest budget;
    ``segments=True``: one row per segment of training; each with its ``state`` (completed, stopped, paused,
    promoted, and running or interrupted in a run not finished: see :meth:`Trajectory.evaluations`).
    ``columns``: only these columns (e.g. ``["generation", "loss"]``), read without the others, so that
    a few columns of a very large file fit in memory; an unknown name raises one line listing the columns.
    ``reevaluations=True``: instead, the re-evaluations of the best candidates on fresh seeds
    (``l2l reevaluate``), one row per candidate and seed (see :meth:`Trajectory.reevaluations`).
    ``segments`` and ``reevaluations`` that are not True or False are refused in one line (an array raised numpy's
    "truth value is ambiguous").
    """
    from l2l.switches import check_switch

    segments, reevaluations = check_switch(segments, "segments"), check_switch(reevaluations, "reevaluations")
    if columns is not None and not isinstance(columns, str) and (  # columns=3 said the file could not be read
            not isinstance(columns, (list, tuple, np.ndarray, pd.Index, pd.Series))
            or not all(isinstance(name, str) for name in columns)):
        raise ArgumentError(f"columns must be a column name or a list of them, e.g. ['generation', 'loss'], got "
                            f"{type(columns).__name__} {columns!r:.60}")
    with Trajectory(path) as trajectory:
        if reevaluations:
            return trajectory.reevaluations()
        return trajectory.evaluations(segments=segments, columns=columns)


def generations(path: str | os.PathLike) -> pd.DataFrame:
    """The per-generation summary of a trajectory."""
    with Trajectory(path) as trajectory:
        return trajectory.generations()


def traces(path: str | os.PathLike) -> pd.DataFrame:
    """All traces of a trajectory in long form."""
    with Trajectory(path) as trajectory:
        return trajectory.traces_frame()
