"""Check a file against the trajectory spec (SPEC.md); list every problem found.

Everything a reader relies on is checked (:mod:`l2l.results_schema.structure`:
objects, links, dtypes, shapes, the run's JSON), then every committed value:
ranges, categorical indices, blob addresses, every encoded state and trace,
error texts and the event log. :func:`validate` never raises: a file it cannot
read is a problem like any other.
"""

from __future__ import annotations

import os
from typing import Any, Iterator

import h5py
import numpy as np

from l2l.errors import TrajectoryError, path_argument
from l2l.results_schema import checkpoint_store, codec, pruning, reevaluations, state_log, structure
from l2l.results_schema import values as checks
from l2l.results_schema.layout import (CHECKPOINT_BLOB, CHECKSUM_COLUMN, EVALUATION_COLUMNS, GENERATION_COLUMNS,
                                       NO_CHECKSUM, REEVALUATION_ERRORS, SEGMENT_COLUMNS, STATE_CHECKSUM_COLUMN,
                                       STATISTICS_BLOB, STATUS_CODES, dropped_reason)
from l2l.results_schema.statistics import Prefixes, RunningStatistics, check_record
from l2l.results_schema.reader import open_file

#: Rows decoded at a time when the blobs of every evaluation are checked.
BATCH = 65536
#: Bytes of blobs read at a time (beyond one row's): a run of 88 MiB traces (2 GB) was read whole, 4.2 GB of memory.
BATCH_BYTES = 64 * 2 ** 20


def validate(path: str | os.PathLike) -> list[str]:
    """Problems of the file at ``path`` (an empty list means it holds to the spec)."""
    return validate_with_notes(path)[0]


def validate_with_notes(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """(problems, notes) of the file at ``path``. Notes are damage the run itself recorded and went on without,
    which leaves the file valid: a checkpoint whose bytes no longer match their checksum, whose continuation
    ``l2l resume --drop-unreadable`` recorded as a failed segment (the bytes stay in the file)."""
    path = path_argument(path)
    try:
        f = open_file(path)
    except TrajectoryError as exc:
        return [str(exc)], []
    problems: list[str] = []
    notes: list[str] = []
    try:
        layout, problems = structure.inspect(f)
        if layout is not None:
            _check_values(f, layout, problems, notes)
    except Exception as exc:  # validate reports, it never crashes: h5py raises many types on damaged data
        problems.append(f"unreadable data: {type(exc).__name__}: {structure._line(exc)}")
    finally:
        f.close()
    return problems, notes


def missing_optimizer(config: Any, created: Any) -> str:
    """What a run's file lacks to name its optimizer (``''`` if nothing): the stored config's [optimizer] name, or
    else /run attribute 'optimizer', which resume and reevaluate then build the optimizer from (without either the
    config's default, ``auto``, would be fed the stored state of another optimizer). ``config`` and ``created`` are
    /run attributes 'config' and 'optimizer' as read."""
    table = config.get("optimizer") if isinstance(config, dict) else None
    if isinstance(table, dict) and isinstance(table.get("name"), str):
        return ""
    if isinstance(created, dict) and isinstance(created.get("name"), str):
        return ""  # a file written through the writer API without a config table: the attribute says it
    said = "has no [optimizer] table" if not isinstance(table, dict) else "has an [optimizer] table without a name"
    return f"the config stored in the file (/run attribute 'config') {said}, and /run attribute 'optimizer' names " \
           f"no optimizer either"


def _check_values(f: h5py.File, layout: structure.Layout, problems: list[str], notes: list[str]) -> None:
    rows, ds = layout.rows, layout.datasets
    log = ds["evaluations/committed"][:]
    if len(log) and ((np.diff(log) < 0).any() or log[0] < 0):
        problems.append("/evaluations/committed must never decrease")
    names = [*EVALUATION_COLUMNS, *(SEGMENT_COLUMNS if layout.schema_version >= 2 else ())]
    columns = {name: ds[f"evaluations/{name}"][:rows] for name in names}
    # parameters under params/<name>, never a column's name: a parameter named budget overwrote the budget column
    columns.update({f"params/{p.name}": ds[f"evaluations/params/{p.name}"][:rows] for p in layout.space.parameters})
    undeclared = structure.undeclared_parameters(layout)
    if undeclared:
        problems.append(undeclared)
    config = layout.run.get("config")
    named = config.get("space") if isinstance(config, dict) else None
    space = sorted(p.name for p in layout.space.parameters)
    if isinstance(named, dict) and sorted(named) != space:  # resume and reevaluate run the config's space
        problems.append(f"/run attribute 'config' names other parameters ({', '.join(sorted(named)) or 'none'}) "
                        f"than /run attribute 'space' ({', '.join(space) or 'none'})")
    optimizers = [table.get("name") if isinstance(table, dict) else None
                  for table in (config.get("optimizer") if isinstance(config, dict) else None,
                                layout.run.get("optimizer"))]
    if all(isinstance(name, str) for name in optimizers) and optimizers[0] != optimizers[1]:
        problems.append(f"/run attribute 'config' names optimizer {optimizers[0]!r}, /run attribute 'optimizer' "
                        f"{optimizers[1]!r} (the one whose state the file holds)")
    missing = missing_optimizer(config, layout.run.get("optimizer"))
    if missing:
        problems.append(missing)
    table = config.get("run") if isinstance(config, dict) else None
    seeds = [table.get("seed") if isinstance(table, dict) else None, layout.run.get("seed")]
    if all(isinstance(seed, int) and not isinstance(seed, bool) for seed in seeds) and seeds[0] != seeds[1]:
        # resume and reevaluate refuse it (load_run_config): a resume would append rows of the other seed
        problems.append(f"/run attribute 'config' has run.seed = {seeds[0]}, /run attribute 'seed' {seeds[1]} (the "
                        f"seed every row derives from)")
    problems += checks.row_problems(columns, layout)
    if "evaluations/parent" in ds:
        parent = ds["evaluations/parent"][:rows]
        if rows and (parent < -1).any():
            problems.append("/evaluations/parent must be -1 or a trial id")
        elif rows and "trial" in columns and not np.isin(parent[parent >= 0], columns["trial"]).all():
            problems.append("/evaluations/parent names a trial that has no row")
    status = columns["status"]
    ok = status == STATUS_CODES["ok"]
    objective_values = np.zeros((rows, len(layout.objectives)))
    for j, o in enumerate(layout.objectives):
        values = objective_values[:, j] = ds[f"evaluations/objectives/{o.name}"][:rows]
        if not np.isfinite(values[ok]).all():
            problems.append(f"objective {o.name!r} is not finite in some evaluation with status ok")
    failed_without_text = (~ok) & (columns["error_length"] == 0)
    if failed_without_text.any():
        problems.append(f"{int(failed_without_text.sum())} failed evaluations have no error text")
    pairs = set(zip(columns["generation"].tolist(), columns["individual"].tolist()))
    if len(pairs) != rows:
        problems.append(f"{rows - len(pairs)} evaluations are stored twice (same generation and individual)")
    if f"evaluations/{CHECKSUM_COLUMN}" in ds:  # files written before checksums lack the column
        # rows a version of l2l without checksums appended (past the column's end) have none
        crc = codec.padded_checksums(ds[f"evaluations/{CHECKSUM_COLUMN}"], rows)
        if rows and ((crc < NO_CHECKSUM) | (crc >= 1 << 32)).any():
            problems.append(f"/evaluations/{CHECKSUM_COLUMN} must be -1 or a CRC-32 (0 to 2**32 - 1)")
        elif "checkpoint_length" in columns and ((crc != NO_CHECKSUM) & (columns["checkpoint_length"] == 0)).any():
            problems.append(f"/evaluations/{CHECKSUM_COLUMN} holds a checksum for a row without a checkpoint")
        columns[CHECKSUM_COLUMN] = crc
    problems += pruning.problems(ds)
    if problems:
        return
    pruned = _Pruned(f.filename, pruning.recorded(ds))
    _check_blobs(ds, columns, problems, notes, checkpoint_store.CheckpointStore(f.filename), pruned)
    if pruned.found and not problems:
        count = len(pruned.found)
        notes.append(f"{count} superseded checkpoint{'s' * (count != 1)} pruned (l2l prune): their files are "
                     f"deleted, and no segment continues from them")
    _check_reevaluations(layout, columns["seed"], problems)
    _check_generations(layout, problems)
    _check_statistics(layout, columns, objective_values, problems)
    _check_events(ds, problems)
    _check_attributes(f, layout, problems)


def _check_attributes(f: h5py.File, layout: structure.Layout, problems: list[str]) -> None:
    """Attributes are numbers or text; text that starts like JSON must be JSON (the run's were checked)."""
    objects = [("", f), *((name, f[name]) for name in structure.GROUPS if name != "run"),
               *layout.datasets.items()]
    for name, obj in objects:
        for key in obj.attrs:
            try:
                value = obj.attrs[key]
            except Exception as exc:  # an attribute of a type h5py cannot read
                problems.append(f"attribute {key!r} of /{name} cannot be read: {structure._line(exc)}")
                continue
            if isinstance(value, bytes):
                try:
                    value = value.decode("utf-8")
                except UnicodeDecodeError:
                    problems.append(f"attribute {key!r} of /{name} is not UTF-8 text")
                    continue
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    structure.parse_json(value, f"attribute {key!r} of /{name}")
                except ValueError as exc:
                    problems.append(str(exc))


class _Pruned:
    """The files ``l2l prune`` deleted (``digests``, its record in the file at ``path``): a missing one is pruned
    (noted in ``found``) if no row that may still be needed references it (:func:`pruning.plan`)."""

    def __init__(self, path: str, digests: set[str]):
        self.path, self.digests, self.found = path, digests, set()
        self._needed: set[int] | None = None

    def excuses(self, data: bytes, row: int, store: checkpoint_store.CheckpointStore) -> bool:
        if not self.digests or not checkpoint_store.is_reference(data):
            return False
        try:
            digest = checkpoint_store.parse(data)[0]
        except ValueError:
            return False
        if digest not in self.digests or os.path.lexists(store.path(digest)):
            return False
        if self._needed is None:
            from l2l.results_schema.reader import Trajectory

            with Trajectory(self.path) as trajectory:
                self._needed = pruning.plan(trajectory).needed
        if row in self._needed:
            return False
        self.found.add(digest)
        return True


def _batches(starts: np.ndarray, lengths: np.ndarray, present: np.ndarray) -> Iterator[np.ndarray]:
    """``present`` (rows with a blob) in batches of at most :data:`BATCH` rows whose blobs span at most
    :data:`BATCH_BYTES` bytes (a row larger than that alone)."""
    ends = starts + lengths
    first, low, high = 0, 0, 0
    for i, row in enumerate(present.tolist()):
        start, end = int(starts[row]), int(ends[row])
        if i > first and (i - first >= BATCH or max(high, end) - min(low, start) > BATCH_BYTES):
            yield present[first:i]
            first = i
        low, high = (start, end) if i == first else (min(low, start), max(high, end))
    if len(present) > first:
        yield present[first:]


def _check_blobs(ds: dict[str, h5py.Dataset], columns: dict[str, np.ndarray], problems: list[str],
                 notes: list[str], store: checkpoint_store.CheckpointStore, pruned: _Pruned | None = None) -> None:
    """Every error text is UTF-8, every trace decodes to a mapping and every checkpoint matches its checksum and
    decodes to a mapping (in batches of rows); a large checkpoint's file in the folder beside the trajectory
    (``store``) is there and matches its SHA-256. A damaged checkpoint whose continuation was dropped (``l2l resume
    --drop-unreadable``) is a note, not a problem: the run recorded it and went on; so is a missing file that
    ``l2l prune`` deleted (``pruned``) when no row that may still be needed references it."""
    dropped: dict[int, int] = {}  # row of a damaged checkpoint: row of the failed segment that recorded it
    kinds = [("error", "errors", _text), ("trace", "traces", _trace)]
    if "checkpoint_start" in columns:
        kinds.append(("checkpoint", CHECKPOINT_BLOB, lambda data: _checkpoint(data, store)))
    for kind, blob, check in kinds:
        starts, lengths = columns[f"{kind}_start"], columns[f"{kind}_length"]
        for rows in _batches(starts, lengths, np.flatnonzero(lengths)):
            low, high = int(starts[rows].min()), int((starts[rows] + lengths[rows]).max())
            data = ds[f"blobs/{blob}"][low:high].tobytes()
            for row in rows:
                start = int(starts[row]) - low
                piece = data[start:start + int(lengths[row])]
                problem = None
                if kind == "checkpoint" and CHECKSUM_COLUMN in columns:
                    try:  # first: damaged bytes that still decode are damage all the same
                        codec.verify(piece, int(columns[CHECKSUM_COLUMN][row]))
                    except TrajectoryError as exc:
                        problem = f"cannot be read: {exc}"
                matches = problem is None  # its bytes in the file are as written
                problem = problem or check(piece)
                if problem and kind == "checkpoint" and matches and pruned is not None \
                        and pruned.excuses(piece, int(row), store):
                    continue
                if kind == "error" and not problem:
                    _note_dropped(piece, int(row), columns, dropped)
                if problem and kind == "checkpoint" and int(row) in dropped:
                    notes.append(f"note: the checkpoint of evaluation row {row} (trial {int(columns['trial'][row])}) "
                                 f"{problem}; it was dropped: l2l resume --drop-unreadable recorded the segment "
                                 f"that would continue from it as failed (row {dropped[int(row)]}), and no "
                                 f"segment continues from it")
                    continue
                if problem:
                    where = f" (trial {int(columns['trial'][row])})" if kind == "checkpoint" else ""
                    problems.append(f"the {kind} of evaluation row {row}{where} {problem}")
                    return


def _note_dropped(text: bytes, row: int, columns: dict[str, np.ndarray], dropped: dict[int, int]) -> None:
    """If row ``row``, whose error text is ``text``, is a segment ``l2l resume --drop-unreadable`` recorded as
    failed instead of continuing it (its text is :func:`~l2l.results_schema.layout.dropped_error`'s, the
    driver's), note the row of the checkpoint it would have continued from in ``dropped``: the last row before
    it of the same trial, with a checkpoint, at the budget the failed segment continued from."""
    if "from_budget" not in columns or "checkpoint_length" not in columns \
            or columns["status"][row] == STATUS_CODES["ok"] or not columns["from_budget"][row] > 0:
        return
    if dropped_reason(text.decode("utf-8")) is None:
        return
    trial, start = columns["trial"], float(columns["from_budget"][row])
    sources = np.flatnonzero((trial[:row] == trial[row]) & (columns["budget"][:row] == start)
                             & (columns["checkpoint_length"][:row] > 0))
    if len(sources):
        dropped[int(sources[-1])] = row


def _text(data: bytes) -> str | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "is not UTF-8 text"
    return None


def _decoded(data: bytes, check, what: str) -> str | None:
    """The problem of an encoded blob: it does not decode, or ``check(value)`` is false (then ``what``)."""
    try:
        value = codec.decode(data)
    except TrajectoryError as exc:
        return f"does not decode: {exc}"
    return None if check(value) else what


def _trace(data: bytes) -> str | None:
    return _decoded(data, lambda v: isinstance(v, dict) and all(isinstance(x, np.ndarray) for x in v.values()),
                    "is not a mapping of trace names to arrays")


def _checkpoint(data: bytes, store: checkpoint_store.CheckpointStore) -> str | None:
    if checkpoint_store.is_reference(data):  # a large checkpoint, in the folder beside the file
        try:
            data = store.get(data)
        except ValueError as exc:
            return f"cannot be read: {exc}"
    return _decoded(data, lambda v: isinstance(v, dict), "is not a mapping")


def _pieces(blob: h5py.Dataset, starts: np.ndarray, lengths: np.ndarray) -> Iterator[bytes]:
    """The bytes of rows 0, 1, ... of ``blob`` (row i: ``lengths[i]`` from ``starts[i]``; none for a length of 0
    or less), read in batches (:func:`_batches`): one read per row cost as much as decoding a generation's
    state. A batch that cannot be read is read again row by row, so that the rows before the damage are
    checked first, as one read per row did."""
    lengths = np.maximum(lengths, 0)
    done = 0  # rows yielded
    for rows in _batches(starts, lengths, np.flatnonzero(lengths)):
        low, high = int(starts[rows].min()), int((starts[rows] + lengths[rows]).max())
        try:
            data = blob[low:high].tobytes()
        except Exception:  # damaged: each row's own read raises where the damage is
            data = None
        for row in rows.tolist():
            yield from (b"" for _ in range(done, row))
            start, length = int(starts[row]), int(lengths[row])
            yield blob[start:start + length].tobytes() if data is None else data[start - low:start - low + length]
            done = row + 1
    yield from (b"" for _ in range(done, len(lengths)))


def _check_generations(layout: structure.Layout, problems: list[str]) -> None:
    ds, g = layout.datasets, layout.generations
    columns = {name: ds[f"generations/{name}"][:g] for name in GENERATION_COLUMNS}
    numbers = columns["generation"]
    if g and not (numbers == np.arange(numbers[0], numbers[0] + g)).all():
        problems.append("/generations/generation must count up by one")
    if g and (np.diff(columns["evaluations"]) < 0).any():
        problems.append("/generations/evaluations must never decrease")
    # Every state is decoded in full and checked, then compared with its checksum where one is stored (a changed
    # byte inside a number decodes as another number).
    name = f"generations/{STATE_CHECKSUM_COLUMN}"
    checksums = codec.padded_checksums(ds.get(name), g)
    if ((checksums < NO_CHECKSUM) | (checksums >= 1 << 32)).any():
        problems.append(f"/{name} must be -1 or a CRC-32 (0 to 2**32 - 1)")
        return
    current, first = None, -1  # schema version 3: the state so far along a chain of deltas, and its full state
    for i, data in enumerate(_pieces(ds["blobs/states"], columns["state_start"], columns["state_length"])):
        try:
            state = codec.decode(data)
            if state_log.is_delta(state):
                if layout.schema_version < 3:
                    raise TrajectoryError(f"a state stored as a delta needs schema version 3, the file has "
                                          f"{layout.schema_version}")
                if current is None or state_log.snapshot_of(state, i) != first:
                    raise TrajectoryError(f"it is a delta whose chain does not start at its full state "
                                          f"(row {first})")
                state = current = state_log.advance(current, state)
            else:
                current, first = state, i
        except TrajectoryError as exc:
            problems.append(f"the state of generation {numbers[i]} does not decode: {exc}")
            return
        found = checks.state_problems(state, f"the state of generation {numbers[i]}")
        if found:
            problems += found
            return
        try:  # last: what no longer decodes or holds no state is said so, whatever its checksum
            codec.verify(data, int(checksums[i]))
        except TrajectoryError as exc:
            problems.append(f"the state of generation {numbers[i]} cannot be read: {exc}")
            return


def _check_statistics(layout: structure.Layout, columns: dict[str, np.ndarray], objective_values: np.ndarray,
                      problems: list[str]) -> None:
    """Each generation's running statistics (what ``l2l show`` and ``resume`` trust instead of the rows) equal
    the same statistics computed again from the rows they account for."""
    ds = layout.datasets
    if f"blobs/{STATISTICS_BLOB}" not in ds or "generations/statistics_start" not in ds \
            or "generations/statistics_length" not in ds:
        return
    kept = min(layout.generations, ds["generations/statistics_start"].shape[0],
               ds["generations/statistics_length"].shape[0])
    starts = ds["generations/statistics_start"][:kept]
    lengths = ds["generations/statistics_length"][:kept]
    numbers = ds["generations/generation"][:kept]
    blob = ds[f"blobs/{STATISTICS_BLOB}"]
    size = int(blob.shape[0])
    inside = (starts >= 0) & (lengths > 0) & (starts <= size) & (lengths <= size - np.minimum(starts, size))
    readable = int(np.argmin(inside)) if not inside.all() else kept  # rows before the first one outside
    pieces = _pieces(blob, starts[:readable], lengths[:readable])
    table = (columns["status"], columns["generation"], columns["individual"], columns["started"],
             columns["duration"], objective_values)
    # The records at every generation's rows at once where they can be (one objective or three and more);
    # else again chunk by chunk, each generation's rows added to those before.
    prefixes = Prefixes.of(layout.objectives, *table)
    again = RunningStatistics(layout.objectives)
    for i in range(kept):
        where = f"the running statistics of generation {numbers[i]}"
        if i >= readable:
            problems.append(f"{where} lie outside /blobs/{STATISTICS_BLOB}")
            return
        try:
            record = codec.decode(next(pieces))
        except TrajectoryError as exc:
            problems.append(f"{where} do not decode: {exc}")
            return
        before = prefixes.stop if prefixes is not None else again.rows
        if not check_record(record, layout.objectives, layout.rows) or int(record["rows"]) < before:
            problems.append(f"{where} are not a record of the rows committed before it")
            return
        stop = int(record["rows"])
        if prefixes is not None:
            computed = prefixes.record(stop)
        else:
            for low in range(again.rows, stop, BATCH):
                high = min(low + BATCH, stop)
                again.add(*(column[low:high] for column in table))
            computed = again.record()
        differ = _record_differences(record, computed)
        if differ:
            problems.append(f"{where} differ from its rows ({', '.join(differ)}): l2l show and resume would "
                            f"report them")
            return


def _same(a: Any, b: Any) -> bool:
    """Whether two entries of statistics records hold the same numbers (NaN equal to NaN), as arrays of floats."""
    if a is None or b is None:
        return a is None and b is None
    kind = type(a)
    if kind is type(b) and (kind is float or kind is int):  # most entries: a number, or a list of a few
        return float(a) == float(b) or (a != a and b != b)
    if kind is list and type(b) is list and len(a) == len(b) and all(type(x) in _NUMBERS for x in a) \
            and all(type(x) in _NUMBERS for x in b):
        return all(float(x) == float(y) or (x != x and y != y) for x, y in zip(a, b))
    if kind is np.ndarray and type(b) is np.ndarray and a.dtype.kind == "i" and b.dtype.kind == "i":
        return a.shape == b.shape and a.tolist() == b.tolist()  # (row numbers, far below 2**53)
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


_NUMBERS = (int, float)


def _record_differences(stored: dict, computed: dict) -> list[str]:
    """The entries of a stored statistics record that differ from the one computed again from the rows."""
    differ = [key for key in ("status", "last_completion", "last_unsuccessful", "top") if key in computed
              and not _same(stored.get(key), computed[key])]
    if "front" in computed and stored.get("front") is not None and computed["front"] is not None \
            and not _same(stored["front"], computed["front"]):
        differ.append("front")  # (a front kept in one and too large in the other depends on the chunks added)
    differ += [f"best {name}" for name, value in computed["best"].items()
               if not _same(stored["best"].get(name), value)]
    return differ


def _check_events(ds: dict[str, h5py.Dataset], problems: list[str]) -> None:
    lengths = {ds[f"run/{name}"].shape[0] for name in ("event_time", "event_kind", "event_detail")}
    if max(lengths) - min(lengths) > 1:  # a writer killed between two appends leaves one extra
        problems.append("/run/event_time, event_kind and event_detail differ in length by more than one")


def _check_reevaluations(layout: structure.Layout, evaluation_seeds: np.ndarray, problems: list[str]) -> None:
    """The /reevaluations group, if the file has one: structure, values, fresh seeds, error texts."""
    rows, found = reevaluations.structure_problems(layout)
    if not found and reevaluations.present(layout):
        columns = reevaluations.read_columns(layout, rows)
        log = layout.datasets[f"{reevaluations.GROUP}/committed"][:]
        found = reevaluations.value_problems(columns, layout, evaluation_seeds, log)
        if not found:
            texts = reevaluations.errors_of(layout.datasets[f"{reevaluations.GROUP}/{REEVALUATION_ERRORS}"],
                                            columns["error_start"], columns["error_length"])
            if any(t is not None and "\ufffd" in t for t in texts):
                found.append(f"/{reevaluations.GROUP}/{REEVALUATION_ERRORS} holds text that is not UTF-8")
    problems += found
