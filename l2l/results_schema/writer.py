"""Writing a trajectory: SWMR appends and commit markers (file creation and repair: :mod:`.files`).

Crash safety rests on three rules:

1. A file is created complete (every group, attribute and fixed dataset) under
   a temporary name and moved into place, so a half-created file never exists
   (:func:`l2l.results_schema.files.create`).
2. While a run writes, the file is in HDF5's single-writer/multiple-reader
   (SWMR) mode: appends only, flushed in an order that keeps the file readable
   at every instant, also by other processes.
3. Rows count only once committed: evaluations up to the last value of
   ``/evaluations/committed``, generations up to the length of
   ``/generations/generation``, which is written after everything else.

A file whose writer died is still readable (in SWMR read mode). To write to it
again, :func:`~l2l.results_schema.files.repair` copies its committed part into
a new file that replaces it atomically. The same copy is used when the set of
columns must grow (a metric appears for the first time), because SWMR cannot
add datasets.
"""

from __future__ import annotations

import json
import os
import time
from itertools import chain, repeat
from operator import attrgetter, is_not, itemgetter
from pathlib import Path
from typing import Any, Mapping, Sequence

import h5py
import numpy as np

from l2l.errors import TrajectoryError
from l2l.objectives import Objective
from l2l.results_schema import checkpoint_store, codec, state_log
# The file-level operations live in .files; they are importable from here as before.
from l2l.results_schema.files import (_append, _rows_of, committed_generations, committed_rows,  # noqa: F401
                                      close_refused, create, create_reevaluation_group, event_text, needs_repair,
                                      quiet_refused_writes, repair, rewrite)
from l2l.results_schema.layout import (CHECKPOINT_BLOB, CHECKSUM_COLUMN, EVENT_DETAIL, EVENT_KIND, FORMAT,
                                       GENERATION_COLUMNS, NO_CHECKSUM, STATE_CHECKSUM_COLUMN, STATE_CHECKSUM_COLUMNS,
                                       STATISTICS_BLOB, STATISTICS_COLUMNS,
                                       STATUS_CODES, SUMMARY_STATISTICS)
from l2l.results_schema.lock import WriterLock
from l2l.results_schema.statistics import RunningStatistics, check_record
from l2l.space import Categorical, Float, Int, Space
from l2l.words import option


_BLOB_FIELDS = {"error": "error", "trace": "traces", "output": "outputs"}


#: The chunk cache of each dataset a writer holds open: enough for the last chunk (the largest are 512 KiB).
WRITER_CHUNK_CACHE_BYTES = 1 << 20
WRITER_CHUNK_CACHE_SLOTS = 521


#: How long :func:`_open_swmr_writer` waits for HDF5's lock of a file this process held open a moment ago, seconds.
INHERITED_HDF5_LOCK_WAIT = 2.0


def _open_swmr_writer(path: Path) -> h5py.File:
    """Open ``path`` for writing already in SWMR mode.

    Opening with ``ACC_SWMR_WRITE`` marks the file "open for SWMR writing" in
    the one superblock write that opens it. Opening in append mode and
    switching to SWMR afterwards leaves an instant in which the file is marked
    "open for writing" only: a writer killed then leaves a file that no SWMR
    reader can open.

    HDF5 locks the file it opens (``flock``). A child that another thread of this process forks (a subprocess: the
    ``sbatch`` of the ``slurm`` backend's workers, which start as the file is created; a ``command`` simulator's
    program in a second run) while the file is open holds a copy of its descriptor, and with it that lock, until it
    closes the descriptors it does not keep: the open just after the file was created (or closed) was refused
    ("unable to lock file", BlockingIOError; 155 of 2,000 creations with a thread running ``true`` in a loop
    beside). It is tried again for :data:`INHERITED_HDF5_LOCK_WAIT` seconds; a lock that another program holds
    (which :class:`WriterLock` tells first) is still refused.
    """
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    fapl.set_fclose_degree(h5py.h5f.CLOSE_STRONG)
    # Each dataset's chunk cache (8 MB by default here) keeps chunks written long ago: 8 MB per column, or
    # about 160 bytes per row until a million rows are written. Appends only need the chunk at the end.
    metadata_elements, _, _, preemption = fapl.get_cache()
    fapl.set_cache(metadata_elements, WRITER_CHUNK_CACHE_SLOTS, WRITER_CHUNK_CACHE_BYTES, preemption)
    deadline = time.monotonic() + INHERITED_HDF5_LOCK_WAIT
    while True:
        try:
            fid = h5py.h5f.open(os.fsencode(path), h5py.h5f.ACC_RDWR | h5py.h5f.ACC_SWMR_WRITE, fapl=fapl)
            return h5py.File(fid)
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _descriptor_if_unlinked(file: h5py.File, path: Path) -> int | None:
    """A second descriptor of the open ``file`` where ``path`` no longer names it, else None.

    Something removed the file (or put another in its place) while this writer had it open: a script's
    ``if os.path.exists(out): os.remove(out)`` outside ``if __name__ == "__main__":``, which every ``local``
    worker runs again as it starts. The rows then live only in the open file, and closing it would lose them
    without a word (``l2l.run`` returned the path of no file); the descriptor keeps it to be written back.
    """
    try:
        handle = file.id.get_vfd_handle()
        mine = os.fstat(handle)
    except Exception:  # noqa: BLE001 - a driver without a descriptor: nothing to check
        return None
    try:
        there = os.stat(path)
    except FileNotFoundError:
        return os.dup(handle)
    except OSError:
        return None
    return None if (there.st_dev, there.st_ino) == (mine.st_dev, mine.st_ino) else os.dup(handle)


def _write_back(descriptor: int, path: Path, folder: Path | None = None) -> None:
    """Write the closed trajectory ``descriptor`` holds to ``path`` if that is free, else beside it
    (``NAME.recovered.h5``, else ``NAME.recovered2.h5``, ...), never over a file; one line on stderr says which.
    ``folder``: the run's checkpoint folder, which a file written beside finds through a link of its own name
    (its rows reference ``NAME.recovered.h5.checkpoints``: every checkpoint was missing there)."""
    import shutil
    import sys

    how = "was removed" if not os.path.lexists(path) else "was replaced by another file"
    # an earlier recovery's file may be there too (it was left to be looked at): NAME.recovered2.h5, ...
    targets = [path] + [path.with_name(f"{path.stem}.recovered{n if n > 1 else ''}{path.suffix}")
                        for n in range(1, 100)]
    target = targets[1]
    try:
        with os.fdopen(descriptor, "rb") as source:
            for target in targets:
                try:
                    out = open(target, "xb")
                except FileExistsError:
                    if target == targets[-1]:
                        raise
                    continue
                with out:
                    source.seek(0)
                    shutil.copyfileobj(source, out)
                break
    except OSError as exc:
        print(f"l2l: warning: {path} {how} while this run wrote it, and its rows could not be written to "
              f"{target}: {exc.strerror or exc}", file=sys.stderr)
        return
    print(f"l2l: warning: {path} {how} while this run wrote it (by another process? a script's own code outside "
          f"if __name__ == '__main__': runs again in every local worker as it starts); the run's file is written "
          f"back to {target}{_link_checkpoints(folder, target) if target != path else ''}", file=sys.stderr)


def _link_checkpoints(folder: Path | None, target: Path) -> str:
    """Link the checkpoint folder ``folder`` of a run written back to ``target`` (another name) as ``target``'s;
    what the warning line adds about it ('' without a folder)."""
    if folder is None or not folder.is_dir():
        return ""
    link = checkpoint_store.folder_of(target)
    try:
        os.symlink(os.path.relpath(folder, link.parent), link)
    except OSError:  # (a folder of that name left there, or no links on this file system)
        return f"; its checkpoints are in {folder}: put them at {link}"
    return f", its checkpoints linked to it as {link}"


def _table(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> np.ndarray:
    """``[[row[name] for name in names] for row in rows]`` as an (n, len(names)) float array, in C-level passes.

    Raises KeyError if a row lacks a name.
    """
    n, k = len(rows), len(names)
    try:
        if k == 1:
            return np.fromiter(map(itemgetter(names[0]), rows), dtype="<f8", count=n).reshape(n, 1)
        return np.fromiter(chain.from_iterable(map(itemgetter(*names), rows)), dtype="<f8",
                           count=n * k).reshape(n, k)
    except (TypeError, ValueError):  # values numpy converts only one by one (None, 0-d arrays, ...)
        return np.array([[row[name] for name in names] for row in rows], dtype="<f8").reshape(n, k)


def _checkpoints_choice(file: h5py.File) -> str:
    """The run's ``run.checkpoints`` (from the config stored with it; "auto" where it has none)."""
    try:
        choice = json.loads(file["run"].attrs.get("config", "{}")).get("run", {}).get("checkpoints", "auto")
    except (ValueError, AttributeError, TypeError):
        return "auto"
    return choice if choice in checkpoint_store.CHOICES else "auto"


def _blob_piece(kind: str, value: Any) -> np.ndarray | None:
    """The bytes (or floats, for outputs) one row stores in its blob; None if it has nothing."""
    if kind == "output":
        return value
    if not value:
        return None
    return np.frombuffer(value.encode("utf-8") if kind == "error" else codec.encode(value), dtype="u1")


class TrajectoryWriter:
    """Appends evaluations and generations to an existing trajectory in SWMR mode.

    The writer holds the file's :class:`~l2l.results_schema.lock.WriterLock`
    (its own, or ``lock`` if the caller took it already): a second writer of
    the same file is refused with :class:`TrajectoryError`.
    """

    def __init__(self, path: str | os.PathLike, lock: WriterLock | None = None, keep_rows: int | None = None,
                 created: int | None = None):
        """``created``: a descriptor of the file a new run just created (``files.create``'s), which the writer
        closes; a file put in its place before this writer opened it (another run's trajectory too) is refused,
        never written."""
        self.path = Path(path)
        self._file = None
        quiet_refused_writes()
        #: The chain of states this writer extends (a resumed run's first commit starts a new one).
        self._chain = state_log.Chain()
        self._own_lock = lock is None
        self._lock = (lock or WriterLock(self.path)).acquire()
        try:
            self._check_created(created)
            if needs_repair(self.path) or (keep_rows is not None and _rows_of(self.path) > keep_rows):
                repair(self.path, keep_rows=keep_rows)
            self._open()
            self._check_created(created)
        except BaseException:
            if self._own_lock:
                self._lock.release()
            raise
        finally:
            if created is not None:
                os.close(created)

    def _check_created(self, created: int | None) -> None:
        """Refuse a file other than the one the run created (``created``), put at its name since (session 35: a
        run whose file was replaced between its creation and its writer's open appended its rows to the other
        run's trajectory put there, which then held both runs' rows; a file not HDF5 said only 'not an HDF5
        file')."""
        if created is None:
            return
        try:
            there = (os.fstat(self._file.id.get_vfd_handle()) if self._file is not None else os.stat(self.path))
        except OSError:
            there = None
        mine = os.fstat(created)
        if there is None or (there.st_dev, there.st_ino) != (mine.st_dev, mine.st_ino):
            if self._file is not None:
                self._file.close()
                self._file = None
            how = "removed" if there is None else "replaced by another file"
            raise TrajectoryError(f"{self.path} was {how} just after this run created it, before anything was "
                                  f"written to it; nothing was computed and the file there is left as it is: run "
                                  f"again with another {option('out')}")

    def _open(self) -> None:
        self._file = _open_swmr_writer(self.path)
        if self._file.attrs.get("format") != FORMAT:
            self._file.close()
            self._file = None
            raise TrajectoryError(f"{self.path} is not an l2l trajectory")
        ev = self._file["evaluations"]
        self._space = Space.from_json(json.loads(self._file["run"].attrs["space"]))
        self._objectives = [Objective.from_json(o) for o in json.loads(self._file["run"].attrs["objectives"])]
        self._metrics = set(ev["metrics"])
        #: Files of schema version 1 (written before multi-fidelity) have no segment columns.
        self.segments = "trial" in ev
        self.lineage = "parent" in ev  # files written before population-based training have no lineage
        self.rows = committed_rows(self._file)
        #: Files created since checkpoint checksums have their column (see _segment_columns).
        self.checksums = CHECKSUM_COLUMN in ev
        #: Files created since state checksums have their column (see commit_generation).
        self.state_checksums = STATE_CHECKSUM_COLUMN in self._file["generations"]
        #: Encoded checkpoints at least this large go to the folder beside the file (run.checkpoints; None: none).
        self.large = checkpoint_store.threshold(_checkpoints_choice(self._file))
        self._store = checkpoint_store.CheckpointStore(self.path)
        self._generations = committed_generations(self._file)
        #: Files of schema version 3 may hold a commit's state as a delta against the previous one.
        self.deltas = int(self._file.attrs.get("schema_version", 1)) >= 3
        # Dataset handles, looked up once: h5py lookups cost tens of microseconds each.
        self._datasets: dict[str, h5py.Dataset] = {}
        for group in ("evaluations", "generations", "blobs"):
            self._file[group].visititems(
                lambda name, item, group=group: self._datasets.__setitem__(f"{group}/{name}", item)
                if isinstance(item, h5py.Dataset) else None)
        self._dirty: set[str] = set()
        self._statistics = self._load_statistics()

    def _load_statistics(self) -> RunningStatistics | None:
        """The running statistics up to the committed rows: the last record and the rows after it.

        None (no statistics are written) for files created without them, and for files whose statistics
        do not cover every generation (a version of l2l without them wrote some): readers then count from
        the rows themselves.
        """
        if f"blobs/{STATISTICS_BLOB}" not in self._datasets or "generations/statistics_start" not in self._datasets:
            return None
        generations = committed_generations(self._file)
        starts, lengths = self._ds("generations/statistics_start"), self._ds("generations/statistics_length")
        if starts.shape[0] != generations or lengths.shape[0] != generations:
            return None
        try:
            if generations:
                start, length = int(starts[generations - 1]), int(lengths[generations - 1])
                record = codec.decode(self._ds(f"blobs/{STATISTICS_BLOB}")[start:start + length])
                if not check_record(record, self._objectives, self.rows):
                    return None
                statistics = RunningStatistics.from_record(self._objectives, record, self._objective_rows)
            else:
                statistics = RunningStatistics(self._objectives)
            if statistics.rows < self.rows:  # rows appended after the last generation's commit
                statistics.add(*self._statistics_columns(statistics.rows, self.rows))
        except Exception:  # noqa: BLE001 - a damaged index is dropped (readers then count rows), never fatal
            return None
        return statistics

    def _statistics_columns(self, start: int, stop: int) -> tuple[np.ndarray, ...]:
        read = {name: self._ds(f"evaluations/{name}")[start:stop]
                for name in ("status", "generation", "individual", "started", "duration")}
        values = np.stack([self._ds(f"evaluations/objectives/{o.name}")[start:stop] for o in self._objectives],
                          axis=1) if self._objectives else np.zeros((stop - start, 0))
        return read["status"], read["generation"], read["individual"], read["started"], read["duration"], values

    def _objective_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Generation, individual and objective values of the given rows (increasing, few)."""
        index = list(rows)
        values = np.stack([self._ds(f"evaluations/objectives/{o.name}")[index] for o in self._objectives], axis=1)
        return self._ds("evaluations/generation")[index], self._ds("evaluations/individual")[index], values

    def _ds(self, name: str) -> h5py.Dataset:
        return self._datasets[name]

    def _put(self, name: str, values: np.ndarray) -> int:
        """Append ``values`` to dataset ``name`` (flushed by the next :meth:`_flush_all`); the first new row."""
        self._dirty.add(name)
        return _append(self._datasets[name], values)

    def close(self, failure: BaseException | None = None) -> None:
        """Close the file; ``failure``: the exception that ends the writer's block (a write the disk refused is
        said in one line, :func:`~l2l.results_schema.files.close_refused`)."""
        try:
            if getattr(self, "_file", None) is not None:
                kept = _descriptor_if_unlinked(self._file, self.path)
                file, self._file = self._file, None
                try:
                    close_refused(file, self.path, f"every evaluation committed before is kept: l2l resume "
                                  f"{self.path} continues the run once the disk has room", failure)
                finally:  # let go of after the file closed them: a dataset whose close the disk refused (its
                    self._datasets = {}  # last handle let go of first) would crash the process as it exits
                if kept is not None:
                    _write_back(kept, self.path, getattr(getattr(self, "_store", None), "root", None))
        finally:
            if getattr(self, "_own_lock", False):
                self._lock.release()

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> "TrajectoryWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close(exc[1])

    # -- appends ---------------------------------------------------------------
    def _grow_schema(self, metrics: set[str]) -> None:
        self._close_file()
        repair(self.path, add_metrics=sorted(metrics))
        self._open()

    def _blob(self, name: str, data: np.ndarray) -> int:
        return self._put(f"blobs/{name}", data)

    def event(self, kind: str, detail: Any = "") -> None:
        """Append an entry to the run's event log (started, resumed, finished, ...)."""
        run = self._file["run"]
        _append(run["event_time"], np.array([time.time()]))
        _append(run["event_kind"], np.array([kind.encode()[:EVENT_KIND.itemsize]], dtype=EVENT_KIND))
        _append(run["event_detail"], np.array([event_text(detail)], dtype=EVENT_DETAIL))
        for key in ("event_time", "event_kind", "event_detail"):
            run[key].flush()

    def append(self, outcomes: Sequence[Any], params: Sequence[Mapping[str, Any]]) -> None:
        """Append one row per outcome and commit them.

        An outcome is any object with the attributes of :class:`l2l.jobs.base.Outcome`;
        ``params`` holds the decoded parameter values of each row.
        """
        if not outcomes:
            return
        n = len(outcomes)
        metric_dicts = list(map(attrgetter("metrics"), outcomes))
        metric_table = self._metric_table(metric_dicts)
        if metric_table is None:  # some row brings a metric the file has no column for yet
            new_metrics = set().union(*(d.keys() for d in metric_dicts)) - self._metrics
            if new_metrics:
                self._grow_schema(new_metrics)
            names = sorted(self._metrics)
            metric_table = np.array([[d.get(name, np.nan) for name in names] for d in metric_dicts],
                                    dtype="<f8").reshape(n, len(names))
        ds = self._ds
        # Column building is the writer's hot path: one C-level pass per column, no Python loop per row.
        def column(attribute: str, dtype: str) -> np.ndarray:
            return np.fromiter(map(attrgetter(attribute), outcomes), dtype=dtype, count=n)

        columns: dict[str, np.ndarray] = {
            "generation": column("generation", "<i8"),
            "individual": column("individual", "<i8"),
            "status": np.fromiter(map(STATUS_CODES.__getitem__, map(attrgetter("status"), outcomes)),
                                  dtype="u1", count=n),
            "seed": column("seed", "<u8"),
            "attempts": column("attempt", "<i4") + 1,
            "started": column("started", "<f8"),
            "duration": column("duration", "<f8"),
        }
        for kind, blob in (("error", "errors"), ("trace", "traces"), ("output", "outputs")):
            values = list(map(attrgetter(_BLOB_FIELDS[kind]), outcomes))
            # Empty texts and trace dicts hold nothing; outputs are arrays (any length) or None.
            present = any(map(is_not, values, repeat(None))) if kind == "output" else any(values)
            offsets = lengths = np.zeros(n, dtype="<i8")
            if present:
                pieces = [_blob_piece(kind, value) for value in values]
                lengths = np.array([0 if p is None else len(p) for p in pieces], dtype="<i8")
                start = self._blob(blob, np.concatenate([p for p in pieces if p is not None]))
                offsets = start + np.concatenate([[0], np.cumsum(lengths)[:-1]])
            columns[f"{kind}_start"], columns[f"{kind}_length"] = offsets, lengths
        if self.segments:
            columns.update(self._segment_columns(outcomes))
        elif any(getattr(o, "budget", None) is not None for o in outcomes):
            raise TrajectoryError(f"{self.path} was written before multi-fidelity runs (schema version 1) and "
                                  f"cannot hold segments")
        for name, values in columns.items():
            self._put(f"evaluations/{name}", values)
        scalars = [p.name for p in self._space.parameters if isinstance(p, Float) and not p.shape]
        if scalars:  # every scalar float parameter in one pass over the rows
            for name, values in zip(scalars, _table(params, scalars).T):
                self._put(f"evaluations/params/{name}", values)
        for p in self._space.parameters:
            if isinstance(p, Categorical):
                values = np.array([p.index(row[p.name]) for row in params], dtype="<i8")
            elif isinstance(p, Int):
                values = np.fromiter(map(itemgetter(p.name), params), dtype="<i8", count=n)
            elif p.shape:
                values = np.array(list(map(itemgetter(p.name), params)), dtype="<f8").reshape(n, *p.shape)
            else:
                continue
            self._put(f"evaluations/params/{p.name}", values)
        objective_names = [o.name for o in self._objectives]
        dicts = list(map(attrgetter("objectives"), outcomes))
        try:  # every row has every objective: one C-level pass
            objective_table = _table(dicts, objective_names)
        except KeyError:  # failed rows have none
            objective_table = np.array([[d.get(name, np.nan) for name in objective_names] for d in dicts],
                                       dtype="<f8").reshape(n, len(objective_names))
        for name, values in zip(objective_names, objective_table.T):
            self._put(f"evaluations/objectives/{name}", values)
        for name, values in zip(sorted(self._metrics), metric_table.T):
            self._put(f"evaluations/metrics/{name}", values)
        if self._statistics is not None:
            self._statistics.add(columns["status"], columns["generation"], columns["individual"],
                                 columns["started"], columns["duration"], objective_table)
        self._flush_all()
        self.rows += n
        _append(ds("evaluations/committed"), np.array([self.rows], dtype="<i8"))  # the commit, flushed last
        ds("evaluations/committed").flush()

    def _segment_columns(self, outcomes: Sequence[Any]) -> dict[str, np.ndarray]:
        n = len(outcomes)
        try:  # single-fidelity rows (no budget, no checkpoint) of Outcome objects: C-level passes only
            if list(map(attrgetter("budget"), outcomes)).count(None) == n and \
                    list(map(attrgetter("checkpoint"), outcomes)).count(None) == n:
                columns = {"trial": np.fromiter(map(attrgetter("trial"), outcomes), dtype="<i8", count=n),
                           "budget": np.full(n, np.nan), "from_budget": np.full(n, np.nan)}
                if self.lineage:
                    columns["parent"] = np.fromiter(map(attrgetter("parent"), outcomes), dtype="<i8", count=n)
                columns["checkpoint_start"] = columns["checkpoint_length"] = np.zeros(n, dtype="<i8")
                return columns
        except AttributeError:  # objects without some attribute: the defaults below
            pass
        budgets = [getattr(o, "budget", None) for o in outcomes]
        columns = {
            "trial": np.array([getattr(o, "trial", -1) for o in outcomes], dtype="<i8"),
            "budget": np.array([np.nan if b is None else b for b in budgets], dtype="<f8"),
            "from_budget": np.array([np.nan if b is None else getattr(o, "from_budget", 0.0)
                                     for o, b in zip(outcomes, budgets)], dtype="<f8"),
        }
        if self.lineage:
            columns["parent"] = np.array([getattr(o, "parent", -1) for o in outcomes], dtype="<i8")
        pieces = [None if getattr(o, "checkpoint", None) is None else self._checkpoint_piece(o.checkpoint)
                  for o in outcomes]
        self._store.sync()  # the large ones' files are durable before the rows that reference them commit
        lengths = np.array([0 if p is None else len(p) for p in pieces], dtype="<i8")
        offsets = np.zeros(n, dtype="<i8")
        if lengths.any():
            start = self._blob(CHECKPOINT_BLOB, np.concatenate([p for p in pieces if p is not None]))
            offsets = start + np.concatenate([[0], np.cumsum(lengths)[:-1]])
        columns["checkpoint_start"], columns["checkpoint_length"] = offsets, lengths
        if self.checksums and lengths.any():  # compared by every continuation and by l2l validate
            # The column grows only with rows that have checkpoints: rows past its end have none (single-fidelity
            # rows, those appended by a version of l2l without checksums). It is brought level first (its fill
            # value is NO_CHECKSUM), so that the new rows line up.
            crc = self._ds(f"evaluations/{CHECKSUM_COLUMN}")
            if crc.shape[0] < self.rows:
                crc.resize((self.rows,))
            columns[CHECKSUM_COLUMN] = np.array([NO_CHECKSUM if p is None else codec.checksum(p) for p in pieces],
                                                dtype="<i8")
        return columns

    def _checkpoint_piece(self, checkpoint: dict[str, Any]) -> np.ndarray:
        """What ``/blobs/checkpoints`` holds for ``checkpoint``: its encoded bytes, or (a large one, under
        run.checkpoints) the reference to its file in the folder beside the trajectory, written first."""
        parts = codec.encode_parts(checkpoint)
        if self.large is not None and sum(part.nbytes for part in parts) >= self.large:
            return np.frombuffer(self._store.put(parts), dtype="u1")
        return np.frombuffer(b"".join(parts), dtype="u1")

    def checkpoint(self, row: int, trial: int) -> dict[str, Any] | None:
        """The checkpoint stored with ``row`` (the last segment of ``trial``), or None if it has none.

        Raises :class:`TrajectoryError` naming the trial if it cannot be read, or if its bytes do not match
        the checksum stored with them (the file was damaged: continuing from it would give other results).
        """
        if row < 0:
            return None
        try:  # through the dataset handles looked up once (a lookup costs tens of microseconds)
            start, length = int(self._ds("evaluations/checkpoint_start")[row]), \
                int(self._ds("evaluations/checkpoint_length")[row])
            if length == 0:
                return None
            data = self._ds(f"blobs/{CHECKPOINT_BLOB}")[start:start + length]
            if self.checksums:
                crc = self._ds(f"evaluations/{CHECKSUM_COLUMN}")
                if row < crc.shape[0]:
                    codec.verify(data, int(crc[row]))
            if checkpoint_store.is_reference(data):
                data = self._store.get(data)
            return codec.decode(data)
        except Exception as exc:  # noqa: BLE001 - any damage is reported with the candidate it belongs to
            raise TrajectoryError(f"{self.path}: the checkpoint of trial {trial} (row {row}) cannot be read: "
                                  f"{exc}") from None

    def wants_full_state(self) -> bool:
        """True if the next commit must hold the whole state (else :meth:`commit_generation` takes a partial
        one): see :class:`~l2l.results_schema.state_log.Chain`."""
        return self._chain.wants_full() if self.deltas else True

    def commit_generation(self, generation: int, *, evaluations: int, failed: int, started: float,
                          finished: float, summary: Mapping[str, Mapping[str, float]], state: Any,
                          partial: bool = False) -> None:
        """Record a finished generation and the optimizer state after it.

        ``partial``: ``state["trials"]`` holds only the trial records that changed since the previous commit
        of this writer (allowed when :meth:`wants_full_state` is False); it is stored as a delta.
        """
        encoded = self._chain.encode(state, partial, self._generations, chained=self.deltas)
        blob = np.frombuffer(encoded, dtype="u1")
        start = self._blob("states", blob)
        ds = self._ds
        for stat in SUMMARY_STATISTICS:
            for o in self._objectives:
                self._put(f"generations/{stat}/{o.name}", np.array([summary[stat][o.name]], dtype="<f8"))
        row = {"evaluations": evaluations, "failed": failed, "started": started, "finished": finished,
               "state_start": start, "state_length": len(blob)}
        if self._statistics is not None:
            record = np.frombuffer(codec.encode(self._statistics.record()), dtype="u1")
            row.update(statistics_start=self._blob(STATISTICS_BLOB, record), statistics_length=len(record))
        if self.state_checksums:
            # Brought level with the committed generations first (filled with NO_CHECKSUM where a version of l2l
            # without state checksums committed some), so that this commit's checksum is on its row.
            crc = self._ds(f"generations/{STATE_CHECKSUM_COLUMN}")
            if crc.shape[0] != self._generations:
                crc.resize((self._generations,))
            row[STATE_CHECKSUM_COLUMN] = codec.checksum(encoded)
        dtypes = {**GENERATION_COLUMNS, **STATISTICS_COLUMNS, **STATE_CHECKSUM_COLUMNS}
        for name, value in row.items():
            self._put(f"generations/{name}", np.array([value], dtype=dtypes[name]))
        self._flush_all()
        _append(ds("generations/generation"), np.array([generation], dtype="<i8"))  # the commit, flushed last
        ds("generations/generation").flush()
        self._generations += 1

    def _metric_table(self, dicts: list[Mapping[str, float]]) -> np.ndarray | None:
        """Metrics as an (n, known metrics) array, NaN where missing; None if a row has an unknown one."""
        names = sorted(self._metrics)
        n = len(dicts)
        sizes = np.fromiter(map(len, dicts), dtype=np.int64, count=n)
        if not names:
            return None if sizes.any() else np.empty((n, 0))
        if (sizes == len(names)).all():
            try:  # same size and every known key present: exactly the known metrics
                return _table(dicts, names)
            except KeyError:
                return None
        if (sizes > len(names)).any():
            return None
        table = np.array([[d.get(name, np.nan) for name in names] for d in dicts], dtype="<f8").reshape(n, len(names))
        present = ~np.isnan(table)  # a row whose keys are not all known lacks some of them here
        return table if (present.sum(axis=1) == sizes).all() else None

    def _flush_all(self) -> None:
        # Dataset flushes (not File.flush) are what SWMR readers see: blobs first, then rows. Only datasets
        # appended to since the last flush have anything to flush.
        dirty = sorted(self._dirty, key=lambda name: not name.startswith("blobs/"))
        self._dirty.clear()
        for name in dirty:
            self._datasets[name].flush()
