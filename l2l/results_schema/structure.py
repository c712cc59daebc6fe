"""What readers rely on in a trajectory, checked cheaply when a file is opened.

:func:`inspect` walks every object of an open file through hard links only
(a soft, external or user-defined link is reported and never followed), and
checks the groups and datasets readers use: presence, dtype, number of
dimensions, and that each table holds at least its committed rows. It parses
the run's JSON attributes (deep or malformed JSON is a problem, not a crash)
and rebuilds the space and objectives. Its cost does not depend on the number
of rows.

The value checks are in :mod:`l2l.results_schema.values`; those of the
generations and the event log (a few rows) run here too. Every check returns
a list of one-line problems; an empty list means fine.
"""

from __future__ import annotations

import json
import os
from typing import Any

import h5py
import numpy as np

from l2l.objectives import Objective
from l2l.results_schema import values as checks
from l2l.results_schema.inspected import Layout
from l2l.results_schema.layout import (BLOBS, CHECKPOINT_BLOB, CHECKSUM_COLUMNS, EVALUATION_COLUMNS,
                                       EVENT_COLUMNS, FORMAT, GENERATION_COLUMNS, JSON_RUN_ATTRS, LINEAGE_COLUMNS,
                                       MAX_DEPTH, MAX_OBJECTS, SCHEMA_VERSION, SEGMENT_COLUMNS, STATE_CHECKSUM_COLUMNS,
                                       STATISTICS_BLOB, STATISTICS_COLUMNS, SUMMARY_STATISTICS, TEXT_RUN_ATTRS,
                                       parameter_dtype)
from l2l.space import Space

#: Attributes of /run that not every file has: "user" (older files), "fidelity" (multi-fidelity runs only).
OPTIONAL_RUN_ATTRS = ("user", "fidelity")
GROUPS = ("run", "evaluations", "evaluations/params", "evaluations/objectives", "evaluations/metrics",
          "generations", *(f"generations/{s}" for s in SUMMARY_STATISTICS), "blobs")


class _Stop(Exception):
    """A problem after which nothing further can be checked."""


def _attribute(obj: h5py.HLObject, key: str, where: str) -> Any:
    try:
        value = obj.attrs[key]
    except Exception as exc:  # any h5py failure to read an attribute (odd type, damaged heap)
        raise _Stop(f"{where} attribute {key!r} cannot be read: {_line(exc)}") from None
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise _Stop(f"{where} attribute {key!r} is not UTF-8 text") from None
    if isinstance(value, np.generic):
        value = value.item()
    return value


def parse_json(text: Any, what: str) -> Any:
    """``text`` parsed as JSON; raises ValueError with one line (also for JSON nested too deep)."""
    if not isinstance(text, str):
        raise ValueError(f"{what} must be JSON text, got {type(text).__name__}")
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"{what} is JSON nested too deeply to read") from None
    except ValueError as exc:
        raise ValueError(f"{what} is not JSON: {exc}") from None


def _walk(f: h5py.File, problems: list[str]) -> dict[str, h5py.HLObject]:
    """Every object reachable through hard links, by path; other links become problems."""
    found: dict[str, h5py.HLObject] = {}
    seen: dict[int, str] = {}
    readonly = f.mode == "r"
    stack: list[tuple[h5py.Group, str, int]] = [(f, "", 0)]
    while stack:
        group, prefix, depth = stack.pop()
        try:
            names = sorted(group)
        except Exception as exc:
            problems.append(f"the members of /{prefix} cannot be listed: {_line(exc)}")
            continue
        for name in names:
            path = f"{prefix}{name}"
            try:
                link = group.get(name, getlink=True)
            except Exception as exc:
                problems.append(f"/{path} is a link of an unknown type ({_line(exc)}); trajectories hold no links")
                continue
            if isinstance(link, h5py.SoftLink):
                problems.append(f"/{path} is a soft link to {link.path!r}; trajectories hold no links "
                                f"and readers do not follow them")
                continue
            if isinstance(link, h5py.ExternalLink):
                problems.append(f"/{path} is an external link to {link.filename}:{link.path}; trajectories "
                                f"hold no links and readers do not follow them")
                continue
            if not isinstance(link, h5py.HardLink):
                problems.append(f"/{path} is a link of an unknown type; trajectories hold no links")
                continue
            try:
                obj = _open(group, name, readonly)
                address = h5py.h5o.get_info(obj.id).addr
            except Exception as exc:
                problems.append(f"/{path} cannot be opened: {_line(exc)}")
                continue
            if address in seen:
                problems.append(f"/{path} is a second name of /{seen[address]}; every object has one name")
                continue
            seen[address] = path
            found[path] = obj
            if len(found) > MAX_OBJECTS:
                raise _Stop(f"the file holds more than {MAX_OBJECTS} objects; a trajectory holds a few dozen")
            if isinstance(obj, h5py.Group):
                if depth + 1 >= MAX_DEPTH:
                    problems.append(f"/{path} is nested deeper than a trajectory ever is")
                else:
                    stack.append((obj, f"{path}/", depth + 1))
    return found


def _open(group: h5py.Group, name: str | bytes, readonly: bool) -> h5py.HLObject:
    """``group[name]`` without h5py's per-item overhead (it looks up the file's mode for every dataset: a third of
    the walk's time): the same low-level open and the same object classes."""
    oid = h5py.h5o.open(group.id, name if isinstance(name, bytes) else name.encode("utf-8"))
    kind = h5py.h5i.get_type(oid)
    if kind == h5py.h5i.DATASET:
        return h5py.Dataset(oid, readonly=readonly)
    if kind == h5py.h5i.GROUP:
        return h5py.Group(oid)
    if kind == h5py.h5i.DATATYPE:
        return h5py.Datatype(oid)
    raise TypeError("Unknown object type")


def _hard_dataset(f: h5py.File, path: str) -> h5py.Dataset:
    """The dataset at ``path``, reached through hard links only (checked before each step)."""
    node: h5py.Group = f
    parts = path.split("/")
    for i, part in enumerate(parts):
        where = "/" + "/".join(parts[:i + 1])
        try:
            if part not in node:
                raise _Stop(f"missing {'dataset' if i == len(parts) - 1 else 'group'} {where}")
            link = node.get(part, getlink=True)
            if not isinstance(link, h5py.HardLink):
                raise _Stop(f"{where} is a {type(link).__name__}, not a hard link; readers do not follow links")
            node = node[part]
        except _Stop:
            raise
        except Exception as exc:
            raise _Stop(f"{where} cannot be read: {_line(exc)}") from None
    if not isinstance(node, h5py.Dataset):
        raise _Stop(f"/{path} is not a dataset")
    return node


def _commit_marks(f: h5py.File) -> tuple[int, int]:
    """Committed evaluations and generations, read before anything else (a live writer appends after).

    Generations first: a writer commits a generation after the evaluations it
    counts, so the evaluations read next include them all.
    """
    generation = _hard_dataset(f, "generations/generation")
    if generation.ndim != 1:
        raise _Stop(f"/generations/generation has shape {generation.shape}, spec says (n,)")
    generations = int(generation.shape[0])
    log = _hard_dataset(f, "evaluations/committed")
    if log.dtype != np.dtype("<i8") or log.ndim != 1:
        raise _Stop(f"/evaluations/committed has dtype {log.dtype} and shape {log.shape}, spec says int64 (n,)")
    try:
        rows = int(log[log.shape[0] - 1]) if log.shape[0] else 0
    except Exception as exc:
        raise _Stop(f"/evaluations/committed cannot be read: {_line(exc)}") from None
    if rows < 0:
        raise _Stop(f"/evaluations/committed says {rows} rows; it must be >= 0")
    return rows, generations


def _run(group: h5py.Group, problems: list[str]) -> dict[str, Any]:
    run: dict[str, Any] = {}
    try:
        keys = list(group.attrs)
    except Exception as exc:
        raise _Stop(f"the attributes of /run cannot be listed: {_line(exc)}") from None
    for key in keys:
        try:
            value = _attribute(group, key, "/run")
        except _Stop as exc:
            problems.append(str(exc))
            continue
        if key in JSON_RUN_ATTRS:
            kind = JSON_RUN_ATTRS[key]
            try:
                value = parse_json(value, f"/run attribute {key!r}")
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if not isinstance(value, kind):
                problems.append(f"/run attribute {key!r} must be a JSON {'object' if kind is dict else 'array'}")
                continue
        elif key == "seed":
            if isinstance(value, str):
                try:
                    value = parse_json(value, "/run attribute 'seed'")
                except ValueError:
                    pass
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(f"/run attribute 'seed' must be an integer, got {value!r:.60}")
                continue
        elif key not in TEXT_RUN_ATTRS and isinstance(value, str) and value[:1] in "[{":
            try:
                value = parse_json(value, f"/run attribute {key!r}")
            except ValueError as exc:
                problems.append(str(exc))
                continue
        run[key] = value
    for key in (*JSON_RUN_ATTRS, *TEXT_RUN_ATTRS, "seed"):
        if key not in keys and key not in OPTIONAL_RUN_ATTRS:
            problems.append(f"/run lacks attribute {key!r}")
    return run


def _space(run: dict[str, Any]) -> tuple[Space, tuple[Objective, ...]]:
    try:
        space = Space.from_json(run["space"])
    except Exception as exc:  # whatever a damaged space makes the parameter classes raise
        raise _Stop(f"/run attribute 'space' is not a valid space: {_line(exc)}") from None
    try:
        objectives = tuple(Objective.from_json(o) for o in run["objectives"])
    except Exception as exc:
        raise _Stop(f"/run attribute 'objectives' is not a list of objectives: {_line(exc)}") from None
    if not objectives or len({o.name for o in objectives}) != len(objectives):
        raise _Stop("/run attribute 'objectives' must name at least one objective, each once")
    return space, objectives


def _expect(found: dict[str, h5py.HLObject], path: str, dtype: np.dtype | str, rows: int,
            shape: tuple[int, ...], problems: list[str]) -> None:
    item = found.get(path)
    if not isinstance(item, h5py.Dataset):
        problems.append(f"missing dataset /{path}" if item is None else f"/{path} is not a dataset")
        return
    # dtype and shape read once each (every read of h5py's properties asks HDF5 again)
    item_dtype, item_shape = item.dtype, item.shape
    ndim = 0 if item_shape is None else len(item_shape)  # None: an empty (null) dataspace, of rank 0
    if (dtype == "S" and item_dtype.kind != "S") or (dtype != "S" and item_dtype != dtype):
        problems.append(f"/{path} has dtype {item_dtype}, spec says {'bytes' if dtype == 'S' else dtype}")
    elif ndim != 1 + len(shape) or tuple(item_shape[1:]) != tuple(shape):
        problems.append(f"/{path} has shape {item_shape}, spec says (n, {', '.join(map(str, shape))})".replace(
            ", )", ")"))
    elif item_shape[0] < rows:
        problems.append(f"/{path} has {item_shape[0]} rows, fewer than the {rows} committed")


def _check_stored(f: h5py.File, found: dict[str, h5py.HLObject], group: str, columns: dict, rows: int,
                  claim: str) -> None:
    """Refuse more ``rows`` than the file can hold: the uncompressed columns of ``group`` take ``rows`` times their
    item sizes in the file once written. A crafted file declaring more (2 MB declaring 10^10 rows, its chunks never
    written) had every reader ask for the memory of rows that are nowhere (75 GB for one column)."""
    width = 0
    for name in columns:
        item = found[f"{group}/{name}"]
        if item.id.get_create_plist().get_nfilters() == 0:
            width += item.dtype.itemsize
    try:  # its size now, after the commit marks were read (a live writer wrote their rows before): HDF5's own
        size = os.stat(f.filename).st_size  # figure is the size at opening, smaller by what was appended since
    except (OSError, TypeError, ValueError):  # not a file on disk (an in-memory file, a file object)
        size = f.id.get_filesize()
    if rows * width > size:
        raise _Stop(f"{claim} {rows} rows, more than the file's {size} bytes hold; it is damaged or not l2l's")


def inspect(f: h5py.File) -> tuple[Layout | None, list[str]]:
    """Check what readers rely on; a :class:`Layout` only if there is no problem."""
    problems: list[str] = []
    try:
        layout = _inspect(f, problems)
    except _Stop as exc:
        problems.append(str(exc))
        return None, problems
    except Exception as exc:  # h5py raises OSError, KeyError, RuntimeError... on damaged metadata
        problems.append(f"unreadable structure: {_line(exc)}")
        return None, problems
    return (layout if not problems else None), problems


def _inspect(f: h5py.File, problems: list[str]) -> Layout | None:
    fmt = _attribute(f, "format", "root") if "format" in f.attrs else None
    if fmt != FORMAT:
        raise _Stop(f"not an l2l trajectory (no root attribute format = {FORMAT!r})")
    version = _attribute(f, "schema_version", "root") if "schema_version" in f.attrs else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise _Stop(f"root attribute 'schema_version' must be an integer, got {version!r:.60}")
    if version > SCHEMA_VERSION:
        raise _Stop(f"schema version {version}; this l2l reads up to {SCHEMA_VERSION}: upgrade l2l")
    if version < 1:
        raise _Stop(f"root attribute 'schema_version' must be 1 or more, got {version}")
    rows, generations = _commit_marks(f)
    found = _walk(f, problems)
    for group in GROUPS:
        if not isinstance(found.get(group), h5py.Group):
            problems.append(f"missing group /{group}" if group not in found else f"/{group} is not a group")
    if problems:
        return None
    run = _run(found["run"], problems)
    if "space" not in run or "objectives" not in run:
        return None
    space, objectives = _space(run)
    for name, dtype in EVALUATION_COLUMNS.items():
        _expect(found, f"evaluations/{name}", dtype, rows, (), problems)
    if version >= 2:
        for name, dtype in SEGMENT_COLUMNS.items():
            _expect(found, f"evaluations/{name}", dtype, rows, (), problems)
        for name, dtype in LINEAGE_COLUMNS.items():  # optional: files written before l2l 0.2 lack them
            if f"evaluations/{name}" in found:
                _expect(found, f"evaluations/{name}", dtype, rows, (), problems)
        for name, dtype in CHECKSUM_COLUMNS.items():  # optional: files written before checksums lack them; a
            if f"evaluations/{name}" in found:  # version of l2l without them appends rows it does not cover
                _expect(found, f"evaluations/{name}", dtype, 0, (), problems)
        _expect(found, f"blobs/{CHECKPOINT_BLOB}", "u1", 0, (), problems)
    for p in space.parameters:
        _expect(found, f"evaluations/params/{p.name}", parameter_dtype(p.kind), rows, tuple(p.shape), problems)
    for o in objectives:
        _expect(found, f"evaluations/objectives/{o.name}", "<f8", rows, (), problems)
    metrics = [path.rsplit("/", 1)[1] for path in found if path.startswith("evaluations/metrics/")]
    for name in metrics:
        _expect(found, f"evaluations/metrics/{name}", "<f8", rows, (), problems)
    for name, dtype in GENERATION_COLUMNS.items():
        _expect(found, f"generations/{name}", dtype, generations, (), problems)
    for stat in SUMMARY_STATISTICS:
        for o in objectives:
            _expect(found, f"generations/{stat}/{o.name}", "<f8", generations, (), problems)
    for name, dtype in BLOBS.items():
        _expect(found, f"blobs/{name}", dtype, 0, (), problems)
    # Optional (files created since the running statistics): shorter than the generations when a version of
    # l2l without them wrote some, so only their dtype and shape are checked; readers ignore what is amiss.
    for path in [f"generations/{name}" for name in STATISTICS_COLUMNS] + [f"blobs/{STATISTICS_BLOB}"] + \
            [f"generations/{name}" for name in STATE_CHECKSUM_COLUMNS]:  # the states' checksums likewise
        if path in found:
            _expect(found, path, "u1" if path.startswith("blobs/") else "<i8", 0, (), problems)
    for name, dtype in EVENT_COLUMNS.items():
        _expect(found, f"run/{name}", dtype, 0, (), problems)
    if problems:
        return None
    _check_stored(f, found, "evaluations", EVALUATION_COLUMNS, rows, "/evaluations/committed says")
    _check_stored(f, found, "generations", GENERATION_COLUMNS, generations, "/generations/generation has")
    datasets = {path: item for path, item in found.items() if isinstance(item, h5py.Dataset)}
    layout = Layout(datasets=datasets, run=run, space=space, objectives=objectives, schema_version=version,
                    rows=rows, generations=generations, metrics=sorted(metrics))
    # Generations and events are few (one row per generation, per start or end of a process): check them now.
    problems += checks.generation_problems({name: datasets[f"generations/{name}"][:generations]
                                     for name in GENERATION_COLUMNS}, layout)
    problems += checks.event_problems(*read_events(layout))
    return layout


def undeclared_parameters(layout: Layout) -> str:
    """The problem of parameter columns the run's space does not name ('' if none): a space edited or damaged
    after the run (a parameter taken out) reads on, its column ignored, but resuming it fed the optimizer state
    of the full space to the smaller one (a traceback: 'cannot reshape array of size 25 into shape (4)')."""
    named = {p.name for p in layout.space.parameters}
    extra = sorted({path.split("/")[2] for path in layout.datasets if path.startswith("evaluations/params/")
                    and path.split("/")[2] not in named})
    if not extra:
        return ""
    return (f"/evaluations/params/{extra[0]} is the column of no parameter of the run's space (/run attribute "
            f"'space' names {', '.join(sorted(named)) or 'none'}): the space was edited or damaged after the run")


def read_events(layout: Layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times, kinds and details of the event log (as long as its shortest dataset)."""
    datasets = [layout.datasets[f"run/{name}"] for name in EVENT_COLUMNS]
    n = min(d.shape[0] for d in datasets)
    times, kinds, details = (d[:n] for d in datasets)
    return times, kinds, details


def _line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
