"""Writing a trajectory: atomic creation, SWMR appends, commit markers, repair.

Crash safety rests on three rules:

1. A file is created complete (every group, attribute and fixed dataset) under
   a temporary name and moved into place, so a half-created file never exists.
2. While a run writes, the file is in HDF5's single-writer/multiple-reader
   (SWMR) mode: appends only, flushed in an order that keeps the file readable
   at every instant, also by other processes.
3. Rows count only once committed: evaluations up to the last value of
   ``/evaluations/committed``, generations up to the length of
   ``/generations/generation``, which is written after everything else.

A file whose writer died is still readable (in SWMR read mode). To write to it
again, :func:`repair` copies its committed part into a new file that replaces
it atomically. The same copy is used when the set of columns must grow (a
metric appears for the first time), because SWMR cannot add datasets.
"""

from __future__ import annotations

import json
import os
import time
from itertools import chain, repeat
from operator import attrgetter, is_not, itemgetter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import h5py
import numpy as np

from l2l.errors import TrajectoryError
from l2l.objectives import Objective
from l2l.results_schema import codec
from l2l.results_schema.layout import (BLOB_CHUNK, BLOBS, CHECKPOINT_BLOB, EVALUATION_COLUMNS, EVENT_DETAIL,
                                       EVENT_KIND, LINEAGE_COLUMNS, SEGMENT_COLUMNS,
                                       FORMAT, GEN_CHUNK, GENERATION_COLUMNS, ROW_CHUNK, SCHEMA_VERSION,
                                       STATISTICS_BLOB, STATISTICS_COLUMNS, STATUS_CODES, SUMMARY_STATISTICS)
from l2l.results_schema.layout import REEVALUATION_COLUMNS, REEVALUATION_ERRORS, REEVALUATION_GROUP
from l2l.results_schema.lock import WriterLock
from l2l.results_schema.statistics import RunningStatistics, check_record
from l2l.space import Categorical, Float, Int, Space


_BLOB_FIELDS = {"error": "error", "trace": "traces", "output": "outputs"}


def _column(group: h5py.Group, name: str, dtype: np.dtype, shape: tuple[int, ...] = (),
            chunk: int = ROW_CHUNK, fill: Any = None, compress: bool = False) -> h5py.Dataset:
    rows = max(1, chunk // max(1, int(np.prod(shape)) if shape else 1))
    kwargs: dict[str, Any] = {} if fill is None else {"fillvalue": fill}
    if compress:  # HDF5's standard deflate filter, which every HDF5 reader has
        kwargs.update(compression="gzip", compression_opts=1, shuffle=True)
    return group.create_dataset(name, shape=(0, *shape), maxshape=(None, *shape), dtype=dtype,
                                chunks=(rows, *shape), **kwargs)


def _append(dataset: h5py.Dataset, values: np.ndarray) -> int:
    """Append rows; returns the index of the first new row.

    Through h5py's low-level calls: its ``dataset[a:b] = values`` costs about
    100 microseconds more per call, a sixth of the writer's time per row.
    """
    dataset_id = dataset.id
    shape = dataset_id.shape
    start = shape[0]
    n = len(values)
    if n:
        values = np.ascontiguousarray(values, dtype=dataset.dtype)
        if values.shape[1:] != shape[1:]:
            raise ValueError(f"cannot append values of shape {values.shape[1:]} to {dataset.name} of shape "
                             f"{shape[1:]} per row")
        dataset_id.set_extent((start + n, *shape[1:]))
        space = dataset_id.get_space()
        space.select_hyperslab((start, *(0 for _ in shape[1:])), values.shape)
        dataset_id.write(h5py.h5s.create_simple(values.shape), space, values)
    return start


def event_text(detail: Any, size: int = EVENT_DETAIL.itemsize) -> bytes:
    """``detail`` as UTF-8 JSON of at most ``size`` bytes (text as it is), still valid JSON when cut.

    Long values are shortened first (the full backend options are in the run's
    config anyway); if that is not enough only the keys are kept.
    """
    if isinstance(detail, str):
        data = detail.encode()
        while len(data) > size:  # cut at a character boundary
            data = data[:size].decode("utf-8", errors="ignore").encode()
            size -= 1
        return data
    text = json.dumps(detail).encode()
    if len(text) <= size or not isinstance(detail, Mapping):
        return text if len(text) <= size else json.dumps({"truncated": True}).encode()
    short = {key: value if len(json.dumps(value)) <= 64 else json.dumps(value)[:60] + "..."
             for key, value in detail.items()}
    short["truncated"] = True
    text = json.dumps(short).encode()
    if len(text) <= size:
        return text
    return json.dumps({"truncated": True, "keys": [str(k)[:32] for k in detail][:8]}).encode()[:size]


def _param_dtype(parameter) -> np.dtype:
    if isinstance(parameter, (Int, Categorical)):
        return np.dtype("<i8")
    return np.dtype("<f8")


def create(path: str | os.PathLike, *, run: Mapping[str, Any], space: Space,
           objectives: Sequence[Objective], metrics: Iterable[str] = ()) -> None:
    """Create a new, empty trajectory at ``path`` atomically; refuse to overwrite."""
    path = Path(path)
    if path.exists():
        raise TrajectoryError(f"{path} already exists; choose another --out, or resume it with "
                              f"'l2l resume {path}'")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with h5py.File(tmp, "w", libver="latest") as f:
            f.attrs["format"] = FORMAT
            f.attrs["schema_version"] = SCHEMA_VERSION
            group = f.create_group("run")
            for key, value in run.items():
                group.attrs[key] = value if isinstance(value, (int, float, str)) else json.dumps(value)
            group.attrs["space"] = json.dumps(space.to_json())
            group.attrs["objectives"] = json.dumps([o.to_json() for o in objectives])
            _column(group, "event_time", np.dtype("<f8"), chunk=256)
            _column(group, "event_kind", EVENT_KIND, chunk=256)
            _column(group, "event_detail", EVENT_DETAIL, chunk=64)
            ev = f.create_group("evaluations")
            for name, dtype in EVALUATION_COLUMNS.items():
                _column(ev, name, dtype)
            # The segment columns of a single-fidelity run hold one value each (-1, NaN, 0): compressed, they
            # take almost no room; in multi-fidelity runs they are as small as the other columns.
            for name, dtype in {**SEGMENT_COLUMNS, **LINEAGE_COLUMNS}.items():
                _column(ev, name, dtype, compress=True)
            ev["status"].attrs["codes"] = json.dumps(STATUS_CODES)
            _column(ev, "committed", np.dtype("<i8"), chunk=1024)
            params = ev.create_group("params")
            for p in space.parameters:
                ds = _column(params, p.name, _param_dtype(p), p.shape)
                ds.attrs["kind"] = p.kind
                if isinstance(p, Categorical):
                    ds.attrs["choices"] = json.dumps(list(p.choices))
            obj = ev.create_group("objectives")
            for o in objectives:
                _column(obj, o.name, np.dtype("<f8")).attrs["direction"] = o.direction
            met = ev.create_group("metrics")
            for name in metrics:
                _column(met, name, np.dtype("<f8"), fill=np.nan)
            gen = f.create_group("generations")
            for name, dtype in {**GENERATION_COLUMNS, **STATISTICS_COLUMNS}.items():
                _column(gen, name, dtype, chunk=GEN_CHUNK)
            for stat in SUMMARY_STATISTICS:
                sg = gen.create_group(stat)
                for o in objectives:
                    _column(sg, o.name, np.dtype("<f8"), chunk=GEN_CHUNK)
            blobs = f.create_group("blobs")
            for name, dtype in {**BLOBS, CHECKPOINT_BLOB: np.dtype("u1")}.items():
                _column(blobs, name, dtype, chunk=BLOB_CHUNK)
            _column(blobs, STATISTICS_BLOB, np.dtype("u1"), chunk=4096)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        if path.exists():
            raise TrajectoryError(f"{path} appeared while it was being created; not overwriting it")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def committed_rows(f: h5py.File) -> int:
    log = f["evaluations/committed"]
    return int(log[log.shape[0] - 1]) if log.shape[0] else 0


def committed_generations(f: h5py.File) -> int:
    return int(f["generations/generation"].shape[0])


def _copy_committed(src: h5py.File, dst: h5py.File, add_metrics: Iterable[str], keep_rows: int | None = None) -> None:
    for key, value in src.attrs.items():
        dst.attrs[key] = value
    for name in src:
        src.copy(src[name], dst, name=name)
    rows = committed_rows(src) if keep_rows is None else min(keep_rows, committed_rows(src))
    generations = committed_generations(src)

    def truncate(group: h5py.Group, n: int, skip: tuple[str, ...] = ()) -> None:
        for key, item in group.items():
            if key in skip:
                continue
            if isinstance(item, h5py.Group):
                truncate(item, n)
            elif item.shape[0] > n:
                item.resize((n, *item.shape[1:]))

    truncate(dst["evaluations"], rows, skip=("committed",))
    truncate(dst["generations"], generations)
    if generations:
        last = dst["generations"]
        state_end = int(last["state_start"][generations - 1] + last["state_length"][generations - 1])
    else:
        state_end = 0
    ev = dst["evaluations"]
    ends = {
        "errors": int((ev["error_start"][:rows] + ev["error_length"][:rows]).max()) if rows else 0,
        "traces": int((ev["trace_start"][:rows] + ev["trace_length"][:rows]).max()) if rows else 0,
        "outputs": int((ev["output_start"][:rows] + ev["output_length"][:rows]).max()) if rows else 0,
        "states": state_end,
    }
    if STATISTICS_BLOB in dst["blobs"] and "statistics_start" in dst["generations"]:
        last = dst["generations"]
        kept = min(generations, last["statistics_start"].shape[0], last["statistics_length"].shape[0])
        ends[STATISTICS_BLOB] = int(last["statistics_start"][kept - 1] + last["statistics_length"][kept - 1]) \
            if kept else 0
    if CHECKPOINT_BLOB in dst["blobs"]:
        ends[CHECKPOINT_BLOB] = int((ev["checkpoint_start"][:rows] + ev["checkpoint_length"][:rows]).max()) \
            if rows else 0
    for name, end in ends.items():
        blob = dst["blobs"][name]
        if blob.shape[0] > end:
            blob.resize((end,))
    log = dst["evaluations/committed"]
    log.resize((1,))
    log[0] = rows
    events = dst["run"]
    n_events = min(events[k].shape[0] for k in ("event_time", "event_kind", "event_detail"))
    for k in ("event_time", "event_kind", "event_detail"):
        events[k].resize((n_events,))
    for name in add_metrics:
        column = _column(dst["evaluations/metrics"], name, np.dtype("<f8"), fill=np.nan)
        column.resize((rows,))
    if REEVALUATION_GROUP in dst:
        _truncate_reevaluations(dst[REEVALUATION_GROUP])


def _truncate_reevaluations(group: h5py.Group) -> None:
    """Cut the re-evaluation rows (and their error texts) to those committed, as for evaluations."""
    if "committed" not in group or REEVALUATION_ERRORS not in group or "error_start" not in group:
        return  # a damaged group is left for l2l validate to report; the run itself does not need it
    log = group["committed"]
    rows = int(log[log.shape[0] - 1]) if log.shape[0] else 0
    for item in [group[k] for k in group if k not in ("committed", REEVALUATION_ERRORS)] + \
            [group["objectives"][k] for k in group.get("objectives", {})] + \
            [group["metrics"][k] for k in group.get("metrics", {})]:
        if isinstance(item, h5py.Dataset) and item.shape[0] > rows:
            item.resize((rows,))
    end = int((group["error_start"][:rows] + group["error_length"][:rows]).max()) if rows else 0
    if group[REEVALUATION_ERRORS].shape[0] > end:
        group[REEVALUATION_ERRORS].resize((end,))
    if log.shape[0] > 1:
        log.resize((1,))
        log[0] = rows


def create_reevaluation_group(f: h5py.File, objectives: Iterable[str], metrics: Iterable[str] = ()) -> h5py.Group:
    """Add an empty ``/reevaluations`` group (or missing metric columns of one) to a file open for writing
    outside SWMR mode (see :func:`rewrite`)."""
    group = f.require_group(REEVALUATION_GROUP)
    if "committed" not in group:
        for name, dtype in REEVALUATION_COLUMNS.items():
            _column(group, name, dtype, chunk=1024)
        group["status"].attrs["codes"] = json.dumps(STATUS_CODES)
        _column(group, "committed", np.dtype("<i8"), chunk=256)
        _column(group, REEVALUATION_ERRORS, np.dtype("u1"), chunk=BLOB_CHUNK)
        for name in objectives:
            _column(group.require_group("objectives"), name, np.dtype("<f8"), chunk=1024)
        group.require_group("metrics")
    rows = group["generation"].shape[0]
    for name in metrics:
        if name not in group["metrics"]:
            _column(group["metrics"], name, np.dtype("<f8"), chunk=1024, fill=np.nan).resize((rows,))
    return group


def rewrite(path: str | os.PathLike, edit) -> None:
    """Copy the committed part of ``path`` into a new file, call ``edit(new_file)``, replace ``path`` atomically.

    The way to add groups or datasets to a trajectory, which SWMR cannot do; the caller holds the writer lock.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.rewrite.tmp")
    try:
        with h5py.File(path, "r", libver="latest", swmr=True, locking=False) as src:
            if src.attrs.get("format") != FORMAT:
                raise TrajectoryError(f"{path} is not an l2l trajectory")
            with h5py.File(tmp, "w", libver="latest") as dst:
                _copy_committed(src, dst, ())
                edit(dst)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def repair(path: str | os.PathLike, add_metrics: Iterable[str] = (), keep_rows: int | None = None) -> None:
    """Rewrite ``path`` to its committed part (and new metric columns), atomically.

    ``keep_rows`` drops the evaluation rows after that many (rows a run appended
    but did not commit with its state before it died).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.repair.tmp")
    try:
        with h5py.File(path, "r", libver="latest", swmr=True, locking=False) as src:
            if src.attrs.get("format") != FORMAT:
                raise TrajectoryError(f"{path} is not an l2l trajectory")
            with h5py.File(tmp, "w", libver="latest") as dst:
                _copy_committed(src, dst, add_metrics, keep_rows)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _rows_of(path: Path) -> int:
    with h5py.File(path, "r", libver="latest", locking=False) as f:
        return committed_rows(f)


def needs_repair(path: str | os.PathLike) -> bool:
    """True if the file was left open by a writer that died (it cannot be opened for writing)."""
    try:
        with h5py.File(path, "r", libver="latest", locking=False):
            return False
    except OSError:
        return True


#: The chunk cache of each dataset a writer holds open: enough for the last chunk (the largest are 512 KiB).
WRITER_CHUNK_CACHE_BYTES = 1 << 20
WRITER_CHUNK_CACHE_SLOTS = 521


def _open_swmr_writer(path: Path) -> h5py.File:
    """Open ``path`` for writing already in SWMR mode.

    Opening with ``ACC_SWMR_WRITE`` marks the file "open for SWMR writing" in
    the one superblock write that opens it. Opening in append mode and
    switching to SWMR afterwards leaves an instant in which the file is marked
    "open for writing" only: a writer killed then leaves a file that no SWMR
    reader can open.
    """
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    fapl.set_fclose_degree(h5py.h5f.CLOSE_STRONG)
    # Each dataset's chunk cache (8 MB by default here) keeps chunks written long ago: 8 MB per column, or
    # about 160 bytes per row until a million rows are written. Appends only need the chunk at the end.
    metadata_elements, _, _, preemption = fapl.get_cache()
    fapl.set_cache(metadata_elements, WRITER_CHUNK_CACHE_SLOTS, WRITER_CHUNK_CACHE_BYTES, preemption)
    fid = h5py.h5f.open(os.fsencode(path), h5py.h5f.ACC_RDWR | h5py.h5f.ACC_SWMR_WRITE, fapl=fapl)
    return h5py.File(fid)


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

    def __init__(self, path: str | os.PathLike, lock: WriterLock | None = None, keep_rows: int | None = None):
        self.path = Path(path)
        self._file = None
        self._own_lock = lock is None
        self._lock = (lock or WriterLock(self.path)).acquire()
        try:
            if needs_repair(self.path) or (keep_rows is not None and _rows_of(self.path) > keep_rows):
                repair(self.path, keep_rows=keep_rows)
            self._open()
        except BaseException:
            if self._own_lock:
                self._lock.release()
            raise

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

    def close(self) -> None:
        if getattr(self, "_file", None) is not None:
            self._file.close()
            self._file = None
        if getattr(self, "_own_lock", False):
            self._lock.release()

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> "TrajectoryWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

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
        pieces = [None if getattr(o, "checkpoint", None) is None else
                  np.frombuffer(codec.encode(o.checkpoint), dtype="u1") for o in outcomes]
        lengths = np.array([0 if p is None else len(p) for p in pieces], dtype="<i8")
        offsets = np.zeros(n, dtype="<i8")
        if lengths.any():
            start = self._blob(CHECKPOINT_BLOB, np.concatenate([p for p in pieces if p is not None]))
            offsets = start + np.concatenate([[0], np.cumsum(lengths)[:-1]])
        columns["checkpoint_start"], columns["checkpoint_length"] = offsets, lengths
        return columns

    def checkpoint(self, row: int, trial: int) -> dict[str, Any] | None:
        """The checkpoint stored with ``row`` (the last segment of ``trial``), or None if it has none.

        Raises :class:`TrajectoryError` naming the trial if it cannot be read.
        """
        if row < 0:
            return None
        try:
            ev = self._file["evaluations"]
            start, length = int(ev["checkpoint_start"][row]), int(ev["checkpoint_length"][row])
            if length == 0:
                return None
            return codec.decode(self._file["blobs"][CHECKPOINT_BLOB][start:start + length])
        except Exception as exc:  # noqa: BLE001 - any damage is reported with the candidate it belongs to
            raise TrajectoryError(f"{self.path}: the checkpoint of trial {trial} (row {row}) cannot be read: "
                                  f"{exc}") from None

    def commit_generation(self, generation: int, *, evaluations: int, failed: int, started: float,
                          finished: float, summary: Mapping[str, Mapping[str, float]], state: Any) -> None:
        """Record a finished generation and the optimizer state after it."""
        blob = np.frombuffer(codec.encode(state), dtype="u1")
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
        dtypes = {**GENERATION_COLUMNS, **STATISTICS_COLUMNS}
        for name, value in row.items():
            self._put(f"generations/{name}", np.array([value], dtype=dtypes[name]))
        self._flush_all()
        _append(ds("generations/generation"), np.array([generation], dtype="<i8"))  # the commit, flushed last
        ds("generations/generation").flush()

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
