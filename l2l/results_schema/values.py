"""Value checks of trajectory columns: vectorized, on arrays a reader has already read.

:class:`~l2l.results_schema.reader.Trajectory` checks exactly the values it
returns, ``l2l validate`` all of them. Every check returns a list of one-line
problems naming the dataset, how many rows and the first; empty means fine.
The ranges are those of SPEC.md.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

from l2l.results_schema.layout import MAX_TIME, SEED_LIMIT, STATUS_CODES
from l2l.space import Categorical

if TYPE_CHECKING:
    from l2l.results_schema.inspected import Layout

_VALID_STATUS = np.zeros(256, dtype=bool)
_VALID_STATUS[list(STATUS_CODES.values())] = True


# -- values -----------------------------------------------------------------------------------------------
def _count(mask: np.ndarray) -> str:
    n = int(np.count_nonzero(mask))
    first = int(np.flatnonzero(mask)[0])
    return f"{n} row{'s' if n != 1 else ''} (first: row {first})"


def time_problems(values: np.ndarray, what: str) -> list[str]:
    bad = ~(np.abs(values) <= MAX_TIME)  # also NaN
    return [f"{what} is not a finite time within pandas' range in {_count(bad)}"] if bad.any() else []


def range_problems(starts: np.ndarray, lengths: np.ndarray, size: int, what: str) -> list[str]:
    """Blob addresses of the rows with a value: 0 <= start, 0 < length, start + length <= size (no overflow).

    Rows of length 0 hold nothing, and their start is never used.
    """
    rows = np.flatnonzero(lengths)
    if not len(rows):
        return []
    starts, lengths = starts[rows], lengths[rows]
    bad = (starts < 0) | (lengths < 0) | (starts > size) | (lengths > size - np.minimum(starts, size))
    if not bad.any():
        return []
    n, first = int(np.count_nonzero(bad)), int(rows[np.flatnonzero(bad)[0]])
    return [f"{what} point outside its blob ({size} items) in {n} row{'s' if n != 1 else ''} (first: row {first})"]


def row_problems(columns: dict[str, np.ndarray], layout: "Layout") -> list[str]:
    """Value checks of the evaluation columns given (each read for the committed rows); a parameter's column is
    keyed ``params/<name>``."""
    problems = []
    for name in ("generation", "individual"):
        if name in columns and (columns[name] < 0).any():
            problems.append(f"/evaluations/{name} is negative in {_count(columns[name] < 0)}")
    if "status" in columns:
        bad = ~_VALID_STATUS[columns["status"]] if columns["status"].dtype == np.uint8 else \
            ~np.isin(columns["status"], list(STATUS_CODES.values()))
        if bad.any():
            problems.append(f"/evaluations/status holds codes outside {json.dumps(STATUS_CODES)} in {_count(bad)}")
    if "seed" in columns and (columns["seed"] >= SEED_LIMIT).any():
        problems.append(f"/evaluations/seed is 2**63 or more in {_count(columns['seed'] >= SEED_LIMIT)}")
    if "attempts" in columns and (columns["attempts"] < 1).any():
        problems.append(f"/evaluations/attempts is below 1 in {_count(columns['attempts'] < 1)}")
    if "started" in columns:
        problems += time_problems(columns["started"], "/evaluations/started")
    if "duration" in columns:
        bad = ~((columns["duration"] >= 0) & np.isfinite(columns["duration"]))
        if bad.any():
            problems.append(f"/evaluations/duration is negative or not finite in {_count(bad)}")
    if "trial" in columns and (columns["trial"] < -1).any():
        problems.append(f"/evaluations/trial is below -1 in {_count(columns['trial'] < -1)}")
    if "budget" in columns:  # NaN: a single-fidelity row
        budget = columns["budget"]
        bad = ~(np.isnan(budget) | ((budget > 0) & np.isfinite(budget)))
        if bad.any():
            problems.append(f"/evaluations/budget is not NaN or a positive number in {_count(bad)}")
        if "from_budget" in columns:
            start = columns["from_budget"]
            bad = ~((np.isnan(budget) & np.isnan(start)) | ((start >= 0) & (start < budget)))
            if bad.any():
                problems.append(f"/evaluations/from_budget is not in [0, budget) in {_count(bad)}")
    blobs = (("error", "errors"), ("trace", "traces"), ("output", "outputs"), ("checkpoint", "checkpoints"))
    for kind, blob in blobs:
        if f"{kind}_start" in columns and f"{kind}_length" in columns:
            problems += range_problems(columns[f"{kind}_start"], columns[f"{kind}_length"], layout.blob_size(blob),
                                       f"/evaluations/{kind}_start and _length")
    for p in layout.space.parameters:
        # params/<name> only: a parameter named like a column (trial, error_start ...) is not that column, whose
        # values (offsets, -1) were checked as its indices and made the file unreadable as the run went on
        key = f"params/{p.name}"
        if isinstance(p, Categorical) and key in columns:
            values = columns[key]
            bad = (values < 0) | (values >= len(p.choices))
            if bad.any():
                problems.append(f"/evaluations/params/{p.name} holds indices outside its {len(p.choices)} "
                                f"choices in {_count(bad)}")
    return problems


def generation_problems(columns: dict[str, np.ndarray], layout: "Layout") -> list[str]:
    """Value checks of the generation columns given (each read for the committed generations)."""
    problems = []
    for name in ("generation", "evaluations", "failed"):
        if name in columns and (columns[name] < 0).any():
            problems.append(f"/generations/{name} is negative in {_count(columns[name] < 0)}")
    if "evaluations" in columns and (columns["evaluations"] > layout.rows).any():
        problems.append(f"/generations/evaluations exceeds the {layout.rows} committed evaluations in "
                        f"{_count(columns['evaluations'] > layout.rows)}")
    for name in ("started", "finished"):
        if name in columns:
            problems += time_problems(columns[name], f"/generations/{name}")
    if "state_start" in columns and "state_length" in columns:
        problems += range_problems(columns["state_start"], columns["state_length"], layout.blob_size("states"),
                                   "/generations/state_start and _length")
    return problems


def text_problems(values: np.ndarray, what: str) -> list[str]:
    """Byte strings that are not UTF-8."""
    for i, value in enumerate(values):
        try:
            bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return [f"{what} is not UTF-8 text in row {i}"]
    return []


def event_problems(times: np.ndarray, kinds: np.ndarray, details: np.ndarray) -> list[str]:
    return (time_problems(times, "/run/event_time") + text_problems(kinds, "/run/event_kind")
            + text_problems(details, "/run/event_detail"))




def state_problems(state: object, what: str) -> list[str]:
    """A decoded run state: ``{"optimizer": ..., "loop": {"generation": int >= 0, ...}}``."""
    if not isinstance(state, dict) or not {"optimizer", "loop"} <= set(state):
        return [f"{what} lacks 'optimizer' or 'loop'"]
    loop = state["loop"]
    generation = loop.get("generation") if isinstance(loop, dict) else None
    if not isinstance(generation, int) or isinstance(generation, bool) or generation < 0:
        return [f"{what}: 'loop' must be a mapping with an integer 'generation' >= 0"]
    return []
