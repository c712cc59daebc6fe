"""The ``/reevaluations`` group: re-evaluations of a run's best candidates on fresh seeds, kept apart.

A noisy fitness flatters the candidate that selection picked. ``l2l reevaluate`` (see
:mod:`l2l.reevaluate`) evaluates the top candidates again on seeds no selection used and stores those
rows here, never in ``/evaluations``, so that nothing a run or its optimizer reads changes. Files
without the group are complete trajectories; the group can be added to files of any schema version.

This module checks the group (structure and values, as one-line problems) and reads it as pandas.
Rows count only up to the last value of ``/reevaluations/committed``, as in ``/evaluations``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import h5py
import numpy as np

from l2l.lazy import lazy_module
from l2l.results_schema import values as checks
from l2l.results_schema.layout import (REEVALUATION_COLUMNS, REEVALUATION_ERRORS, REEVALUATION_GROUP,
                                       REEVALUATION_HOST, REEVALUATION_HOST_DTYPE, REEVALUATION_MODEL,
                                       REEVALUATION_MODEL_DTYPE, RESERVED_COLUMNS, STATUS_CODES,
                                       STATUS_NAMES)

pd = lazy_module("pandas")  # imported on first use: l2l.run reads no table (l2l.lazy)

if TYPE_CHECKING:
    from l2l.results_schema.inspected import Layout

GROUP = REEVALUATION_GROUP


def present(layout: "Layout") -> bool:
    """True if the file holds a ``/reevaluations`` group (datasets of it were found)."""
    return any(path.startswith(f"{GROUP}/") for path in layout.datasets)


def _names(layout: "Layout", sub: str) -> list[str]:
    prefix = f"{GROUP}/{sub}/"
    return sorted(path[len(prefix):] for path in layout.datasets if path.startswith(prefix))


def metric_names(layout: "Layout") -> list[str]:
    return _names(layout, "metrics")


def structure_problems(layout: "Layout") -> tuple[int, list[str]]:
    """The committed rows of the group and the problems of its structure (0 and [] if it is absent)."""
    if not present(layout):
        return 0, []
    ds = layout.datasets
    problems: list[str] = []
    log = ds.get(f"{GROUP}/committed")
    if log is None or log.dtype != np.dtype("<i8") or log.ndim != 1:
        return 0, [f"/{GROUP}/committed is missing or not an int64 (n,) dataset"]
    rows = int(log[log.shape[0] - 1]) if log.shape[0] else 0
    if rows < 0:
        return 0, [f"/{GROUP}/committed says {rows} rows; it must be >= 0"]
    expected = {**{name: dtype for name, dtype in REEVALUATION_COLUMNS.items()},
                **{f"objectives/{o.name}": np.dtype("<f8") for o in layout.objectives},
                **{f"metrics/{name}": np.dtype("<f8") for name in metric_names(layout)}}
    if f"{GROUP}/{REEVALUATION_HOST}" in ds:  # optional: groups written before session 29 lack it
        expected[REEVALUATION_HOST] = REEVALUATION_HOST_DTYPE
    if f"{GROUP}/{REEVALUATION_MODEL}" in ds:  # optional: groups written before session 43 lack it
        expected[REEVALUATION_MODEL] = REEVALUATION_MODEL_DTYPE
    for name, dtype in expected.items():
        item = ds.get(f"{GROUP}/{name}")
        if item is None:
            problems.append(f"missing dataset /{GROUP}/{name}")
        elif item.dtype != dtype or item.ndim != 1:
            problems.append(f"/{GROUP}/{name} has dtype {item.dtype} and shape {item.shape}, spec says {dtype} (n,)")
        elif item.shape[0] < rows:
            problems.append(f"/{GROUP}/{name} has {item.shape[0]} rows, fewer than the {rows} committed")
    errors = ds.get(f"{GROUP}/{REEVALUATION_ERRORS}")
    if errors is None or errors.dtype != np.dtype("u1") or errors.ndim != 1:
        problems.append(f"/{GROUP}/{REEVALUATION_ERRORS} is missing or not a uint8 (n,) blob")
    return rows, problems


def read_columns(layout: "Layout", rows: int, read=None) -> dict[str, np.ndarray]:
    """Every column of the first ``rows`` rows (``objectives/<name>``, ``metrics/<name>`` included)."""
    read = read or (lambda name, n: layout.datasets[name][:n])
    names = [*REEVALUATION_COLUMNS, *(f"objectives/{o.name}" for o in layout.objectives),
             *(f"metrics/{name}" for name in metric_names(layout)),
             *(name for name in (REEVALUATION_HOST, REEVALUATION_MODEL) if f"{GROUP}/{name}" in layout.datasets)]
    return {name: read(f"{GROUP}/{name}", rows) for name in names}


def value_problems(columns: dict[str, np.ndarray], layout: "Layout", evaluation_seeds: np.ndarray | None = None,
                   log: np.ndarray | None = None) -> list[str]:
    """Value checks of the committed rows (and of the commit log and fresh seeds when given)."""
    problems = [p.replace("/evaluations/", f"/{GROUP}/") for p in checks.row_problems(
        {k: v for k, v in columns.items() if k in ("generation", "individual", "status", "seed", "attempts",
                                                   "started", "duration")}, layout)]
    if (columns["repeat"] < 0).any():
        problems.append(f"/{GROUP}/repeat is negative in {checks._count(columns['repeat'] < 0)}")
    if problems:
        return problems
    model = columns.get(REEVALUATION_MODEL)
    if model is not None:
        wrong = np.array([bool(value) and not _is_digest(bytes(value)) for value in model], dtype=bool)
        if wrong.any():
            problems.append(f"/{GROUP}/{REEVALUATION_MODEL} is neither empty nor 64 hexadecimal digits in "
                            f"{checks._count(wrong)}")
    ok = columns["status"] == STATUS_CODES["ok"]
    for o in layout.objectives:
        if not np.isfinite(columns[f"objectives/{o.name}"][ok]).all():
            problems.append(f"/{GROUP}: objective {o.name!r} is not finite in some row with status ok")
    if ((~ok) & (columns["error_length"] == 0)).any():
        problems.append(f"/{GROUP}: {int(((~ok) & (columns['error_length'] == 0)).sum())} failed rows have no "
                        f"error text")
    problems += checks.range_problems(columns["error_start"], columns["error_length"],
                                      int(layout.datasets[f"{GROUP}/{REEVALUATION_ERRORS}"].shape[0]),
                                      f"/{GROUP}/error_start and error_length")
    keys = set(zip(columns["generation"].tolist(), columns["individual"].tolist(), columns["repeat"].tolist()))
    if len(keys) != len(columns["repeat"]):
        problems.append(f"/{GROUP}: {len(columns['repeat']) - len(keys)} rows repeat a (generation, individual, "
                        f"repeat) stored already")
    if evaluation_seeds is not None:
        shared = np.isin(columns["seed"], evaluation_seeds)
        if shared.any():
            problems.append(f"/{GROUP}/seed equals the seed of an evaluation of the run in "
                            f"{checks._count(shared)}: re-evaluation seeds must be fresh")
    if log is not None and len(log) and ((np.diff(log) < 0).any() or log[0] < 0):
        problems.append(f"/{GROUP}/committed must never decrease")
    return problems


def errors_of(blob: h5py.Dataset, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    out = np.full(len(lengths), None, dtype=object)
    rows = np.flatnonzero(lengths)
    if len(rows):
        low, high = int(starts[rows].min()), int((starts[rows] + lengths[rows]).max())
        data = blob[low:high].tobytes()
        for row in rows:
            start = int(starts[row]) - low
            out[row] = data[start:start + int(lengths[row])].decode("utf-8", errors="replace")
    return out


def texts_of(column: np.ndarray | None, rows: int) -> np.ndarray:
    """A text column's bytes (``host``, ``model``) as text, None where not recorded (b"", or no column: a group of an
    older l2l). ``model`` holds the digest of the changed model code a row ran: None where it ran the run's own."""
    out = np.full(rows, None, dtype=object)
    if column is not None:
        for row, value in enumerate(column[:rows]):
            if value:
                out[row] = bytes(value).decode("utf-8", errors="replace")
    return out


def _is_digest(value: bytes) -> bool:
    """True if ``value`` is a sha256 as the ``model`` column stores it: 64 lowercase hexadecimal digits."""
    return len(value) == 64 and all(c in b"0123456789abcdef" for c in value)


def own_column(objectives: Any, name: str) -> str:
    """The column of the frame's own ``repeat``, ``budget``, ``host`` or ``model`` given the objectives' names:
    ``(<name>)`` where an objective has the name (an objective's name is an identifier, never ``(repeat)``), else
    ``name``."""
    return f"({name})" if name in objectives else name


def frame(layout: "Layout", columns: dict[str, np.ndarray], errors: bool = True) -> pd.DataFrame:
    """The rows as a DataFrame sorted by (generation, individual, repeat).

    Columns: ``generation``, ``individual`` (the candidate), ``repeat``, ``seed``, ``status``, ``attempts``,
    ``started``, ``duration``, ``budget``, ``host`` (the node it ran on; missing where not recorded: rows of an
    l2l before session 29, a worker that died), ``model`` (the sha256 of the model code the row ran where that was
    not the code the run ran, ``l2l reevaluate --accept-changed-model``; missing where it was the run's), one per
    objective, one per metric (``metric:<name>`` where the name is taken) and ``error``. Where an objective is named
    ``repeat``, ``budget``, ``host`` or ``model`` the objective keeps the name and the frame's own column is
    ``(repeat)`` / ``(budget)`` / ``(host)`` / ``(model)`` (:func:`own_column`).
    """
    named = {o.name for o in layout.objectives}
    repeat, budget, host, model = (own_column(named, name) for name in ("repeat", "budget", "host", "model"))
    data: dict[str, Any] = {
        "generation": columns["generation"], "individual": columns["individual"], repeat: columns["repeat"],
        "seed": columns["seed"],
        "status": pd.Categorical.from_codes(columns["status"].astype(np.int8),
                                            categories=[STATUS_NAMES[i] for i in sorted(STATUS_NAMES)]),
        "attempts": columns["attempts"], "started": pd.to_datetime(columns["started"], unit="s", utc=True),
        "duration": columns["duration"], budget: columns["budget"],
        host: texts_of(columns.get(REEVALUATION_HOST), len(columns["generation"])),
        model: texts_of(columns.get(REEVALUATION_MODEL), len(columns["generation"]))}
    taken = {*RESERVED_COLUMNS, "repeat", "budget", "host", "model", repeat, budget, host, model, *named}
    for o in layout.objectives:
        data[o.name] = columns[f"objectives/{o.name}"]
    for name in metric_names(layout):
        column = name
        while column in taken:
            column = f"metric:{column}"
        taken.add(column)
        data[column] = columns[f"metrics/{name}"]
    if errors:
        data["error"] = errors_of(layout.datasets[f"{GROUP}/{REEVALUATION_ERRORS}"], columns["error_start"],
                                  columns["error_length"])
    out = pd.DataFrame(data)
    out = out.sort_values(["generation", "individual", repeat], kind="stable").reset_index(drop=True)
    out.attrs["objectives"] = [o.to_json() for o in layout.objectives]
    return out
