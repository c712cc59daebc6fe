"""Trajectory files as wholes: atomic creation, the committed part, repair and rewrite by an atomic copy.

A file is created complete (every group, attribute and fixed dataset) under a
temporary name and moved into place, so a half-created file never exists. A
file whose writer died is still readable (in SWMR read mode); to write to it
again, :func:`repair` copies its committed part into a new file that replaces
it atomically. :func:`rewrite` uses the same copy when the set of columns must
grow, because SWMR cannot add datasets. Appending rows is
:class:`l2l.results_schema.writer.TrajectoryWriter`'s work.

Every file is created with paged file-space aggregation (:func:`_new_file`):
HDF5 then places each piece of metadata smaller than a page inside one 4 KiB
page. Linux copies a write into the page cache page by page and stops between
two pages when the writer is killed (kill -9), so a block of metadata that
crossed a page boundary, such as a dataset's object header rewritten when its
rows grow, could be left half new and half old: a checksum error that made the
dataset, and the rows in it, unreadable (about once in 2,000 kills). Within one
page such a write is whole or absent.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import h5py
import numpy as np

from l2l.errors import TrajectoryError
from l2l.objectives import Objective
from l2l.own_files import remove_stale
from l2l.results_schema.layout import (BLOB_CHUNK, BLOBS, CHECKPOINT_BLOB, CHECKSUM_COLUMNS, EVALUATION_COLUMNS,
                                       EVENT_DETAIL, EVENT_KIND, LINEAGE_COLUMNS, NO_CHECKSUM, SEGMENT_COLUMNS,
                                       FORMAT, GEN_CHUNK, GENERATION_COLUMNS, ROW_CHUNK, SCHEMA_VERSION,
                                       STATE_CHECKSUM_COLUMNS, STATISTICS_BLOB, STATISTICS_COLUMNS, STATUS_CODES,
                                       SUMMARY_STATISTICS)
from l2l.results_schema.layout import REEVALUATION_COLUMNS, REEVALUATION_ERRORS, REEVALUATION_GROUP
from l2l.results_schema.lock import real_file
from l2l.space import Categorical, Int, Space
from l2l.words import call, option

#: HDF5's file-space page (bytes): it divides the kernel's page size on every system (4 KiB or a multiple), so
#: no HDF5 page crosses a kernel page boundary.
FILE_SPACE_PAGE = 4096


def _new_file(path: Path) -> h5py.File:
    """A new HDF5 file at ``path`` (a temporary's name) whose metadata blocks do not cross page boundaries (see the
    module text). Made exclusively, after what was at the name is removed: a symbolic link someone planted there in a
    shared folder is not written through (``"w"`` truncated the file it led to)."""
    remove_stale(path)
    return h5py.File(path, "x", libver="latest", fs_strategy="page", fs_page_size=FILE_SPACE_PAGE)


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
           objectives: Sequence[Objective], metrics: Iterable[str] = (), keep: bool = False) -> int | None:
    """Create a new, empty trajectory at ``path`` atomically; refuse to overwrite. ``keep``: return a read-only
    descriptor of the created file, which the caller closes (``TrajectoryWriter``'s ``created``): by it the writer
    tells that file from one put in its place before it opened it (held open, its inode is not reused for that
    one)."""
    path = Path(path)
    if path.exists():
        raise TrajectoryError(f"{path} already exists; choose another {option('out')}, or resume it with "
                              f"'{call('resume', path)}'")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with _new_file(tmp) as f:
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
            for name, dtype in CHECKSUM_COLUMNS.items():  # -1 where no checkpoint (or no checksum) is
                _column(ev, name, dtype, compress=True, fill=NO_CHECKSUM)
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
            for name, dtype in STATE_CHECKSUM_COLUMNS.items():
                _column(gen, name, dtype, chunk=GEN_CHUNK, fill=NO_CHECKSUM)
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
        created = os.open(tmp, os.O_RDONLY) if keep else None
        if path.exists():
            if created is not None:
                os.close(created)
            raise TrajectoryError(f"{path} appeared while it was being created; not overwriting it")
        try:
            os.replace(tmp, path)
        except BaseException:
            if created is not None:
                os.close(created)
            raise
        return created
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
    _replace_with_committed(Path(path), "rewrite", (), None, edit)


def repair(path: str | os.PathLike, add_metrics: Iterable[str] = (), keep_rows: int | None = None) -> None:
    """Rewrite ``path`` to its committed part (and new metric columns), atomically.

    ``keep_rows`` drops the evaluation rows after that many (rows a run appended
    but did not commit with its state before it died).
    """
    _replace_with_committed(Path(path), "repair", add_metrics, keep_rows, None)


def _replace_with_committed(path: Path, kind: str, add_metrics: Iterable[str], keep_rows: int | None,
                            edit) -> None:
    """Copy the committed part of ``path`` into a temporary file beside it (``edit`` it), fsync it, and move
    it over ``path``: a reader sees the old file or the new one, never a part. Through a symbolic link, the file
    it leads to is replaced (before, the link was, with a copy: the run went on in that copy, its folder and lock
    no longer the file's)."""
    path = real_file(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{kind}.tmp")
    try:
        with h5py.File(path, "r", libver="latest", swmr=True, locking=False) as src:
            if src.attrs.get("format") != FORMAT:
                raise TrajectoryError(f"{path} is not an l2l trajectory")
            try:
                dst = _new_file(tmp)
                try:
                    _copy_committed(src, dst, add_metrics, keep_rows)
                    if edit is not None:
                        edit(dst)
                    dst.flush()
                except (OSError, RuntimeError) as exc:
                    if write_failure(exc) is not None:
                        _close_without_writing(dst, tmp)  # a close the disk refused would crash at exit
                    raise
                finally:
                    if dst.id.valid:
                        dst.close()
                with open(tmp, "rb+") as handle:
                    os.fsync(handle.fileno())
            except (OSError, RuntimeError) as exc:  # h5py says a failed write as either, the errno in its text
                reason = write_failure(exc)
                if reason is None:
                    raise
                raise TrajectoryError(f"{path}: cannot write the copy that {kind}s it ({tmp.name}, beside it): "
                                      f"{reason}; the file is unchanged") from None
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


#: A write refused by the disk or the system: errno -> what the line says.
WRITE_FAILURES = {errno.ENOSPC: "no space left on its disk", errno.EFBIG: "file too large (a file size limit: "
                  "ulimit -f)", errno.EDQUOT: "disk quota exceeded", errno.EROFS: "its folder is on a read-only "
                  "file system", errno.EIO: "input/output error of its disk"}


def write_failure(exc: BaseException) -> str | None:
    """What refused a write, if ``exc`` (an OSError, or h5py's RuntimeError or OSError that names the errno only
    in its text: 'errno = 28') says the disk or the system did; None for anything else."""
    number = getattr(exc, "errno", None)
    if number not in WRITE_FAILURES:
        found = re.search(r"errno = (\d+)", str(exc))
        number = int(found.group(1)) if found else None
    return WRITE_FAILURES.get(number) if number is not None else None


#: Files whose close the disk refused: HDF5 keeps them open and crashes as the process exits (h5py issues 914,
#: 2160), so ``l2l`` ends its process without HDF5's shutdown once it has said its line (:func:`l2l.cli.main`).
UNCLOSED: list[str] = []


def quiet_refused_writes() -> None:
    """Leave out of stderr what h5py says as it lets go of a dataset or file whose write the disk refused
    ('Exception ignored in: h5py._objects.ObjectID.__dealloc__' and HDF5's traceback, once per object): the
    writer says it in one line (:func:`close_refused`). Other unraisable exceptions go to the hook as before.
    Installed once, by the writers as they open a file."""
    previous = sys.unraisablehook
    if getattr(previous, "_l2l_quiet", False):
        return

    def hook(unraisable) -> None:
        exc = unraisable.exc_value
        if ("h5py" in repr(unraisable.object) or "errno = " in str(exc)) and write_failure(exc) is not None:
            return  # HDF5's text names the errno ('errno = 28'): its own write, not another's
        previous(unraisable)

    def excepthook(kind, exc, tb) -> None:  # Cython prints the exception of a __dealloc__ through it first
        frames, step = [], tb
        while step is not None:
            frames.append(step.tb_frame.f_code.co_filename)
            step = step.tb_next
        if frames and all("h5py" in name for name in frames) and "errno = " in str(exc) \
                and write_failure(exc) is not None:  # an uncaught exception has a frame of its program's
            return
        previous_except(kind, exc, tb)

    previous_except = sys.excepthook
    hook._l2l_quiet = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook
    sys.excepthook = excepthook


def close_refused(file: h5py.File, path: Path, kept: str, failure: BaseException | None = None) -> None:
    """Close ``file`` (the writer's handle on ``path``); a write the disk refused, in the close or in
    ``failure`` (the exception that ends the writer's block), raises one :class:`TrajectoryError` that names the file,
    why and what is ``kept``. The file is then brought to the length its HDF5 superblock says, with a hole (no disk
    space taken), where HDF5 had moved its end past what it could write: otherwise every reader refuses it as cut
    short, and what was committed before could not be read nor resumed."""
    reason = write_failure(failure) if isinstance(failure, (OSError, RuntimeError)) else None
    if reason is None:
        try:
            file.flush()  # what the close would write: refused here, before any object of the file is closed
        except (OSError, RuntimeError) as exc:
            reason = write_failure(exc)
            if reason is None:
                raise
    if reason is not None:
        _close_without_writing(file, path)
        raise TrajectoryError(_refused_line(path, reason, kept)) from None
    try:
        file.close()
    except (OSError, RuntimeError) as exc:
        reason = write_failure(exc)
        if reason is None:
            raise
        UNCLOSED.append(str(path))
        raise TrajectoryError(_refused_line(path, reason, kept)) from None


def _close_without_writing(file: h5py.File, path: Path) -> None:
    """Close ``file`` after the disk refused a write to it, its descriptor first pointed at the null device: HDF5
    writes what it still holds there, so every object of the file closes. A close refused on the disk would leave
    HDF5 half closed, and a second close of one of its datasets (as Python frees the last handle on it, or as
    HDF5 ends with the process) crashes the process (h5py issues 914, 2160). The file on the disk stays as the
    refused write left it (made readable again by :func:`_refused_line`)."""
    try:
        descriptor = file.id.get_vfd_handle()
        null = os.open(os.devnull, os.O_RDWR)
        try:
            os.dup2(null, descriptor)
        finally:
            os.close(null)
    except (OSError, RuntimeError, ValueError, TypeError):  # not a file of the default driver: closed as it is
        UNCLOSED.append(str(path))
        return
    try:
        file.close()
    except (OSError, RuntimeError):
        UNCLOSED.append(str(path))


def _refused_line(path: Path, reason: str, kept: str) -> str:
    from l2l.results_schema.opening import _superblock

    line = f"{path}: the disk refused a write to it: {reason}; {kept}"
    try:
        with open(path, "rb") as handle:
            superblock = _superblock(handle.read(128))
        size = os.stat(path).st_size
    except OSError:
        return line
    if superblock is not None and size < superblock[2]:
        try:
            os.truncate(path, superblock[2])
        except OSError:  # a file size limit: said, and the way to do it by hand
            line += f" (first, with room again: truncate -s {superblock[2]} {path}: the length HDF5 gave it)"
    return line


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
