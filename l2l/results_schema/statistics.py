"""Running statistics of a run's evaluations, stored with every committed generation.

``l2l show`` and ``l2l resume`` must cost the same for a file of ten thousand
rows and one of ten million. The writer therefore folds every appended row
into a few running figures and stores them, codec-encoded, with each
generation it commits (``/generations/statistics_start`` and ``_length`` into
``/blobs/statistics``; see SPEC.md). A reader takes the last record and reads
only the rows committed after it.

A record (a mapping) holds:

``rows``               the evaluations it accounts for (the first ``rows`` of the table);
``status``             counts of ok, failed and timed-out rows;
``last_completion``    the latest finite ``started + duration`` (None if none);
``last_unsuccessful``  ``[row, generation, individual]`` of the last row that did not succeed, or None;
``best``               per objective ``[value, generation, individual]`` of its best successful row
                       (the earliest row among equals), or None;
``top``                one objective: the rows of the :data:`TOP_ROWS` best successful evaluations
                       (ranked as ``l2l show`` ranks them), as an int64 array;
``front``              two objectives: the rows of the Pareto front of the successful evaluations,
                       or None when it holds more than :data:`MAX_FRONT` rows.

Runs of three or more objectives store no front; readers then rank from all rows.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from l2l.objectives import Objective
from l2l.results_schema.layout import STATUS_CODES

#: How many of the best rows of a single-objective run a record keeps (``l2l show --top`` up to this many
#: reads them and the other evaluations of their candidates, found in one column read whole; more reads every
#: row).
TOP_ROWS = 20
#: The largest Pareto front a record keeps.
MAX_FRONT = 10_000
_OK = STATUS_CODES["ok"]


def pareto_front_2d(scores: np.ndarray) -> np.ndarray:
    """Mask of the non-dominated rows of (n, 2) ``scores`` (larger is better), in O(n log n).

    The same rows as :func:`l2l.objectives.pareto_front_mask`: rows with a
    non-finite score are never on the front, equal non-dominated rows all are.
    """
    scores = np.asarray(scores, dtype=float)
    mask = np.zeros(len(scores), dtype=bool)
    finite = np.flatnonzero(np.isfinite(scores).all(axis=1))
    if not len(finite):
        return mask
    first, second = scores[finite, 0], scores[finite, 1]
    order = np.argsort(-first, kind="stable")  # best first by the first score
    first, second = first[order], second[order]
    starts = np.r_[True, first[1:] != first[:-1]]  # groups of equal first score
    group = np.cumsum(starts) - 1
    group_best = np.maximum.reduceat(second, np.flatnonzero(starts))  # the largest second score of each group
    # A row is dominated by a better row of its own group, or by any row of a group with a larger first score
    # whose second score is at least as large.
    before = np.r_[-np.inf, np.maximum.accumulate(group_best)[:-1]]
    dominated = (second < group_best[group]) | (before[group] >= second)
    mask[finite[order[~dominated]]] = True
    return mask


class RunningStatistics:
    """The figures of a record, updated chunk by chunk of appended rows (see the module's docstring)."""

    def __init__(self, objectives: Sequence[Objective]):
        self.objectives = tuple(objectives)
        self.signs = np.array([o.sign for o in self.objectives], dtype=float)
        self.rows = 0
        self.status = [0, 0, 0]
        self.last_completion: float | None = None
        self.last_unsuccessful: list[int] | None = None
        self.best: dict[str, list[float] | None] = {o.name: None for o in self.objectives}
        # Candidates kept between chunks: row, generation, individual and objective values.
        self._kept = _empty(len(self.objectives))
        self.front_overflow = False

    @property
    def ranks(self) -> str:
        return {1: "top", 2: "front"}.get(len(self.objectives), "")

    def add(self, status: np.ndarray, generation: np.ndarray, individual: np.ndarray, started: np.ndarray,
            duration: np.ndarray, objectives: np.ndarray) -> None:
        """Fold in the next ``len(status)`` rows (``objectives``: (n, objectives) values, NaN where missing)."""
        n = len(status)
        if not n:
            return
        start = self.rows
        self.rows += n
        counts = np.bincount(status, minlength=3)
        for code in range(3):
            self.status[code] += int(counts[code])
        completion = started + duration
        if np.isfinite(completion).any():
            latest = float(np.nanmax(completion))
            self.last_completion = max(latest, self.last_completion or latest)
        ok = status == _OK
        if not ok.all():
            i = int(np.flatnonzero(~ok)[-1])
            self.last_unsuccessful = [start + i, int(generation[i]), int(individual[i])]
        for j, objective in enumerate(self.objectives):
            values = np.where(ok, objectives[:, j], np.nan) * objective.sign
            if not np.isfinite(values).any():
                continue
            i = int(np.nanargmax(values))
            best = self.best[objective.name]
            if best is None or values[i] > best[0] * objective.sign:
                self.best[objective.name] = [float(values[i] * objective.sign), int(generation[i]),
                                             int(individual[i])]
        if self.ranks:
            rows = np.flatnonzero(ok)
            self._keep({"row": rows + start, "generation": generation[rows].astype("<i8"),
                        "individual": individual[rows].astype("<i8"), "values": objectives[rows]})

    def _keep(self, new: dict[str, np.ndarray]) -> None:
        kept = {key: np.concatenate([self._kept[key], new[key]]) for key in self._kept}
        if self.ranks == "top":
            key = kept["values"][:, 0] * -self.signs[0]
            missing = np.isnan(key)
            order = np.lexsort((kept["row"], kept["individual"], kept["generation"], np.where(missing, 0.0, key),
                                missing))[:TOP_ROWS]
            order.sort()
        else:
            if self.front_overflow:
                return
            order = np.flatnonzero(pareto_front_2d(kept["values"] * self.signs))
            if len(order) > MAX_FRONT:
                self.front_overflow = True
                kept, order = _empty(len(self.objectives)), np.zeros(0, dtype=int)
        self._kept = {key: value[order] for key, value in kept.items()}

    # -- records --------------------------------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rows": self.rows, "status": list(self.status),
                               "last_completion": self.last_completion,
                               "last_unsuccessful": self.last_unsuccessful, "best": dict(self.best)}
        if self.ranks == "top":
            out["top"] = self._kept["row"].astype("<i8")
        elif self.ranks == "front":
            out["front"] = None if self.front_overflow else self._kept["row"].astype("<i8")
        return out

    @classmethod
    def from_record(cls, objectives: Sequence[Objective], record: Mapping[str, Any], read_rows) -> "RunningStatistics":
        """The statistics a record holds; ``read_rows(rows)`` returns (generation, individual, (n, k) objective
        values) of the given rows, to restore the kept candidates."""
        stats = cls(objectives)
        stats.rows = int(record["rows"])
        stats.status = [int(c) for c in record["status"]]
        stats.last_completion = record["last_completion"]
        stats.last_unsuccessful = record["last_unsuccessful"]
        stats.best = {o.name: record["best"].get(o.name) for o in stats.objectives}
        rows = record.get(stats.ranks) if stats.ranks else None
        if stats.ranks == "front" and rows is None:
            stats.front_overflow = True
        elif rows is not None and len(rows):
            rows = np.asarray(rows, dtype="<i8")
            generation, individual, values = read_rows(rows)
            stats._kept = {"row": rows, "generation": generation.astype("<i8"),
                           "individual": individual.astype("<i8"), "values": values}
        return stats


def _empty(k: int) -> dict[str, np.ndarray]:
    return {"row": np.zeros(0, dtype="<i8"), "generation": np.zeros(0, dtype="<i8"),
            "individual": np.zeros(0, dtype="<i8"), "values": np.zeros((0, k))}


def check_record(record: Any, objectives: Sequence[Objective], committed: int) -> bool:
    """True if ``record`` has the shape of a statistics record for at most ``committed`` rows."""
    try:
        if not isinstance(record, dict) or not 0 <= int(record["rows"]) <= committed:
            return False
        if len(record["status"]) != 3 or not isinstance(record["best"], dict):
            return False
        kind = {1: "top", 2: "front"}.get(len(objectives))
        if kind:
            rows = record.get(kind)
            if rows is None:
                return kind == "front"
            rows = np.asarray(rows)
            if rows.ndim != 1 or rows.dtype.kind != "i" or (len(rows) and (
                    rows[0] < 0 or rows[-1] >= int(record["rows"]) or (np.diff(rows) <= 0).any())):
                return False  # row numbers increase, within the rows the record accounts for
        return True
    except (KeyError, TypeError, ValueError):
        return False
