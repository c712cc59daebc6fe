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

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from l2l.objectives import Objective
from l2l.results_schema.layout import STATUS_CODES

if TYPE_CHECKING:
    import pandas as pd

#: How many of the best rows of a single-objective run a record keeps (``l2l show --top`` up to this many
#: reads them and the other evaluations of their candidates, found in one column read whole; more reads every
#: row).
TOP_ROWS = 20
#: The largest Pareto front a record keeps.
MAX_FRONT = 10_000
_OK = STATUS_CODES["ok"]


def at_top_budget(budgets: np.ndarray | pd.Series, top_budget: float | None) -> np.ndarray:
    """Which results (given their budgets) are at a multi-fidelity run's top budget, the only ones that compete
    for "best" there (:func:`l2l.analysis.best.ranked`: ``l2l show``, ``l2l run``, the report; the fitness plot's
    points and :func:`l2l.generations`); all of them if the run has no top budget."""
    budgets = np.asarray(budgets, dtype=float)
    if top_budget is None:
        return np.ones(len(budgets), dtype=bool)
    return np.isclose(budgets, top_budget)


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


class Prefixes:
    """The records a :class:`RunningStatistics` gives after the rows up to each of a nondecreasing series of row
    counts (``stops``), the rows up to each stop added after those before it as one chunk: the same values,
    from arrays prepared once for the whole table and a few numpy calls per stop, where :meth:`~RunningStatistics.add`
    makes two dozen (``l2l validate`` checks the record of every generation). Build with :meth:`of`; call
    :meth:`record` with the stops in order."""

    def __init__(self, objectives: Sequence[Objective], status: np.ndarray, generation: np.ndarray,
                 individual: np.ndarray, values: np.ndarray, completion: np.ndarray, ok: np.ndarray,
                 signed: list[np.ndarray]):
        n = len(status)
        self.objectives, self.status, self.generation, self.individual = tuple(objectives), status, generation, \
            individual
        self.completion, self.signed = completion, signed
        rows = np.arange(n)
        self.last_unsuccessful = np.maximum.accumulate(np.where(ok, -1, rows)) if n else rows
        # best: add keeps a chunk's first largest signed value unless an earlier chunk's is as large, so the
        # earliest row of the largest value so far (-1 while there is none)
        self.best_row = []
        for column in signed:
            running = np.maximum.accumulate(np.where(ok, column, -np.inf)) if n else column
            self.best_row.append(np.where(running > -np.inf, np.searchsorted(running, running), -1))
        self.ranks: np.ndarray | None = None
        if len(self.objectives) == 1:  # top: the successful rows' ranks as RunningStatistics._keep ranks them
            good = np.flatnonzero(ok)
            key = values[good, 0] * -float(objectives[0].sign)  # (none missing: all finite)
            order = np.lexsort((good, individual[good].astype("<i8"), generation[good].astype("<i8"), key))
            self.row_of = good[order]  # the row of each rank
            self.ranks = np.empty(len(order), dtype=np.int64)  # the rank of each successful row, in row order
            self.ranks[order] = np.arange(len(order))
            self.good_before = np.zeros(n + 1, dtype=np.int64)  # successful rows before each row
            np.cumsum(ok, out=self.good_before[1:])
        self.stop, self.counts, self.last_completion, self.kept = 0, [0, 0, 0], None, []
        self.top = np.zeros(0, dtype="<i8")

    @classmethod
    def of(cls, objectives: Sequence[Objective], status: np.ndarray, generation: np.ndarray,
           individual: np.ndarray, started: np.ndarray, duration: np.ndarray,
           values: np.ndarray) -> "Prefixes | None":
        """Prefixes of the rows given (the arguments of :meth:`RunningStatistics.add` for all of them), or None
        where only adding chunk by chunk tells: a front (two objectives: whether it overflows depends on the
        chunks), a status code beyond timeout, a completion time or successful objective value that is not
        finite."""
        if len(objectives) == 2 or (len(status) and int(status.max()) > 2):
            return None
        completion, ok = started + duration, status == _OK
        signed = [np.where(ok, values[:, j], np.nan) * o.sign for j, o in enumerate(objectives)]  # as add's
        if not np.isfinite(completion).all() or not all(np.isfinite(column[ok]).all() for column in signed):
            return None
        return cls(objectives, status, generation, individual, values, completion, ok, signed)

    def record(self, stop: int) -> dict[str, Any]:
        """The record after the rows up to ``stop`` (at least the previous stop)."""
        start = self.stop
        if stop < start:
            raise ValueError(f"stops must not decrease: {stop} after {start}")
        if stop > start:
            counts = np.bincount(self.status[start:stop], minlength=3).tolist()  # (codes 0 to 2: see of)
            self.counts = [a + b for a, b in zip(self.counts, counts)]
            latest = float(np.maximum.reduce(self.completion[start:stop]))
            self.last_completion = max(latest, self.last_completion or latest)  # as add keeps it
            if self.ranks is not None:  # the TOP_ROWS best of those kept and the chunk's successful rows
                new = self.ranks[int(self.good_before[start]):int(self.good_before[stop])].tolist()
                kept = sorted(self.kept + new)[:TOP_ROWS]
                if kept != self.kept:
                    self.kept, self.top = kept, np.sort(self.row_of[kept])
            self.stop = stop
        best: dict[str, list | None] = {}
        for j, o in enumerate(self.objectives):
            row = int(self.best_row[j][stop - 1]) if stop else -1
            best[o.name] = None if row < 0 else [float(self.signed[j][row] * o.sign), int(self.generation[row]),
                                                 int(self.individual[row])]
        bad = int(self.last_unsuccessful[stop - 1]) if stop else -1
        out: dict[str, Any] = {"rows": stop, "status": list(self.counts),
                               "last_completion": self.last_completion,
                               "last_unsuccessful": None if bad < 0 else [bad, int(self.generation[bad]),
                                                                          int(self.individual[bad])],
                               "best": best}
        if self.ranks is not None:
            out["top"] = self.top.copy()
        return out


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
                    rows[0] < 0 or rows[-1] >= int(record["rows"]) or (rows[1:] <= rows[:-1]).any())):
                return False  # row numbers increase, within the rows the record accounts for
        return True
    except (KeyError, TypeError, ValueError):
        return False
