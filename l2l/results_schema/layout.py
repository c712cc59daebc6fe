"""Names, dtypes and constants of the trajectory layout (schema version 1; see SPEC.md)."""

from __future__ import annotations

import numpy as np

FORMAT = "l2l-trajectory"
SCHEMA_VERSION = 3
#: Versions this l2l reads (version 1: before multi-fidelity segments; 3: run states may be deltas).
READABLE_VERSIONS = (1, 2, 3)

#: What became of an evaluation, and its code in /evaluations/status.
OK, FAILED, TIMEOUT = "ok", "failed", "timeout"
STATUS_CODES = {OK: 0, FAILED: 1, TIMEOUT: 2}
#: The columns of the evaluations table (l2l.load) that no parameter, objective or metric may take.
RESERVED_COLUMNS = ("generation", "individual", "status", "seed", "attempts", "started", "duration", "error")
#: Names refused for parameters and objectives: the reserved columns and ``worker``.
RESERVED_NAMES = frozenset({*RESERVED_COLUMNS, "worker"})
#: The columns multi-fidelity runs add to the evaluations table.
SEGMENT_VIEW = ("trial", "budget", "from_budget", "parent", "state", "compute")
STATUS_NAMES = {code: name for name, code in STATUS_CODES.items()}

ROW_CHUNK = 16384
BLOB_CHUNK = 65536
GEN_CHUNK = 256

#: Per-evaluation columns every file has, with their dtypes.
EVALUATION_COLUMNS: dict[str, np.dtype] = {
    "generation": np.dtype("<i8"),
    "individual": np.dtype("<i8"),
    "status": np.dtype("u1"),
    "seed": np.dtype("<u8"),
    "attempts": np.dtype("<i4"),
    "started": np.dtype("<f8"),
    "duration": np.dtype("<f8"),
    "error_start": np.dtype("<i8"),
    "error_length": np.dtype("<i8"),
    "trace_start": np.dtype("<i8"),
    "trace_length": np.dtype("<i8"),
    "output_start": np.dtype("<i8"),
    "output_length": np.dtype("<i8"),
}

#: Per-generation columns every file has. ``generation`` is written last: it commits the row.
GENERATION_COLUMNS: dict[str, np.dtype] = {
    "evaluations": np.dtype("<i8"),
    "failed": np.dtype("<i8"),
    "started": np.dtype("<f8"),
    "finished": np.dtype("<f8"),
    "state_start": np.dtype("<i8"),
    "state_length": np.dtype("<i8"),
    "generation": np.dtype("<i8"),
}

SUMMARY_STATISTICS = ("best", "median", "worst")

#: Blobs: flat, append-only byte (or float) arrays addressed by (start, length).
BLOBS = {"errors": np.dtype("u1"), "traces": np.dtype("u1"), "states": np.dtype("u1"),
         "outputs": np.dtype("<f8")}

#: Running statistics (files written since l2l 0.2; optional, see statistics.py): per generation, where its
#: record is in the blob ``/blobs/statistics`` (codec-encoded). Written before ``generation`` commits the row.
STATISTICS_COLUMNS: dict[str, np.dtype] = {"statistics_start": np.dtype("<i8"), "statistics_length": np.dtype("<i8")}
STATISTICS_BLOB = "statistics"

EVENT_KIND = np.dtype("S16")
EVENT_DETAIL = np.dtype("S512")

#: The run's event log: three datasets of equal length under /run.
EVENT_COLUMNS = {"event_time": np.dtype("<f8"), "event_kind": "S", "event_detail": "S"}

#: Attributes of /run that hold JSON text, with the JSON type each must have.
JSON_RUN_ATTRS: dict[str, type] = {"config": dict, "versions": dict, "space": dict, "objectives": list,
                                   "optimizer": dict, "simulator": dict, "backend": dict, "fidelity": dict}
#: Attributes of /run that hold plain text (never parsed as JSON).
TEXT_RUN_ATTRS = ("name", "host", "created", "user")

#: Evaluation seeds are below 2**63 (they fit a signed 64-bit integer).
SEED_LIMIT = np.uint64(2 ** 63)
#: Times are seconds since 1970 within pandas' datetime range (about 1677 to 2262).
MAX_TIME = 9.2e9
#: A trajectory holds a few dozen objects, nested three deep; readers look no further than these bounds.
MAX_OBJECTS = 20_000
MAX_DEPTH = 8


def parameter_dtype(kind: str) -> np.dtype:
    """Dtype of a parameter column: int64 for ``int`` and ``categorical`` (an index into the choices)."""
    return np.dtype("<i8") if kind in ("int", "categorical") else np.dtype("<f8")

# -- schema version 2: multi-fidelity segments -------------------------------------------------------------
#: Per-evaluation columns that files of schema version 2 add: which trial (candidate) a row is a segment of,
#: the budget it reached, the budget it continued from (0: from scratch) and where its checkpoint is.
#: Single-fidelity rows have trial -1, budget and from_budget NaN, and no checkpoint.
SEGMENT_COLUMNS: dict[str, np.dtype] = {
    "trial": np.dtype("<i8"),
    "budget": np.dtype("<f8"),
    "from_budget": np.dtype("<f8"),
    "checkpoint_start": np.dtype("<i8"),
    "checkpoint_length": np.dtype("<i8"),
}
#: Lineage (population-based training), in version 2 files written since l2l 0.2 (absent: -1 everywhere):
#: the trial whose checkpoint a segment started from when that was another trial (it exploited it), else -1.
LINEAGE_COLUMNS: dict[str, np.dtype] = {"parent": np.dtype("<i8")}
#: The blob of version 2 files that holds the checkpoints (codec-encoded, like states and traces).
CHECKPOINT_BLOB = "checkpoints"
#: The CRC-32 (``zlib.crc32``) of each row's encoded checkpoint, checked whenever a checkpoint is read (a
#: continuation, ``l2l validate``, ``Trajectory.checkpoint``): bytes changed on disk are reported instead of
#: continued from. Optional: files written before it lack the column (their checkpoints are read unchecked).
#: ``NO_CHECKSUM`` (-1): the row has no checkpoint, or a version of l2l without checksums wrote it.
CHECKSUM_COLUMN = "checkpoint_crc32"
CHECKSUM_COLUMNS: dict[str, np.dtype] = {CHECKSUM_COLUMN: np.dtype("<i8")}
NO_CHECKSUM = -1
#: The CRC-32 of each commit's encoded state in ``/blobs/states`` (a ``/generations`` column), checked whenever a
#: state is read (``Trajectory.state``, so every resume, and ``l2l validate``): a changed byte inside a number of
#: a state decodes as another number, which a resume would have continued from. Optional, like
#: :data:`CHECKSUM_COLUMN`: files created before it lack it, and it may be shorter than ``/generations`` (a
#: version of l2l without it committed the rows past its end); ``NO_CHECKSUM`` where none was stored.
STATE_CHECKSUM_COLUMN = "state_crc32"
STATE_CHECKSUM_COLUMNS: dict[str, np.dtype] = {STATE_CHECKSUM_COLUMN: np.dtype("<i8")}
#: Learning curves are traces named ``curve:<objective>``: arrays of (fidelity, value) rows.
CURVE_PREFIX = "curve:"
#: The error text of a segment ``l2l resume --drop-unreadable`` recorded as failed instead of continuing it from a
#: checkpoint that could not be read; ``{reason}`` is the reader's error, which names the trial and the row of
#: that checkpoint. The driver writes it (:func:`dropped_error`) and ``l2l validate`` recognises it
#: (:func:`dropped_reason`): one template for both, read when called.
DROPPED_ERROR = ("unreadable checkpoint: {reason}; l2l resume --drop-unreadable recorded this segment as failed "
                 "without running it")


def dropped_error(reason: str) -> str:
    """The error text of a segment dropped because of ``reason`` (see :data:`DROPPED_ERROR`)."""
    return DROPPED_ERROR.replace("{reason}", reason)


def dropped_reason(text: str) -> str | None:
    """The reason in ``text`` if it is the error text of a dropped segment (:func:`dropped_error`), else None."""
    head, _, tail = DROPPED_ERROR.partition("{reason}")
    if len(text) > len(head) + len(tail) and text.startswith(head) and text.endswith(tail):
        return text[len(head):len(text) - len(tail)]
    return None

# -- re-evaluation of winners (any schema version; files without it simply lack the group) --------------
#: The group that holds re-evaluations of a run's best candidates on fresh seeds, apart from /evaluations.
REEVALUATION_GROUP = "reevaluations"
#: Its per-row columns: which candidate (its generation and individual in /evaluations), which fresh seed
#: (``repeat``: 0, 1, ... in the order the seeds are derived, the same seeds for every candidate) and what
#: became of the evaluation. ``budget`` is the top budget of a multi-fidelity run, NaN otherwise.
REEVALUATION_COLUMNS: dict[str, np.dtype] = {
    "generation": np.dtype("<i8"),
    "individual": np.dtype("<i8"),
    "repeat": np.dtype("<i8"),
    "seed": np.dtype("<u8"),
    "status": np.dtype("u1"),
    "attempts": np.dtype("<i4"),
    "started": np.dtype("<f8"),
    "duration": np.dtype("<f8"),
    "budget": np.dtype("<f8"),
    "error_start": np.dtype("<i8"),
    "error_length": np.dtype("<i8"),
}
#: The node each re-evaluation row ran on (its outcome's ``host``: SLURM's node name, else the host name; UTF-8,
#: at most 64 bytes, b"" where not recorded). Optional: groups written before 6 December 2026 (session 29) lack
#: it and stay valid; the next ``l2l reevaluate`` adds it, b"" in the rows stored before.
REEVALUATION_HOST = "host"
REEVALUATION_HOST_DTYPE = np.dtype("S64")
#: The model code each re-evaluation row ran where it was not the code the run ran (``l2l reevaluate
#: --accept-changed-model``): the 64 hex digits of :func:`l2l.model_changes.model_digest`, b"" where the row ran the
#: run's own code (or l2l knows no code of the model: a built-in simulator). Optional: groups written before 7 December
#: 2026 (session 43) lack it and stay valid; the next ``l2l reevaluate`` adds it, b"" in the rows stored before.
REEVALUATION_MODEL = "model"
REEVALUATION_MODEL_DTYPE = np.dtype("S64")
#: The UTF-8 error texts of the re-evaluation rows (a blob inside the group, addressed like /blobs/errors).
REEVALUATION_ERRORS = "errors"
#: First word of the spawn key of re-evaluation seeds: SeedSequence(run seed, spawn_key=(KEY, counter, 0)).
#: Evaluation seeds use two-word spawn keys (generation, individual), so the two never share a derivation.
REEVALUATION_SEED_KEY = 0x5EE7
