"""What a trajectory holds per committed generation (a commit of the run's state): the generations' summary and
the loop's and optimizer's saved state, read by :class:`l2l.results_schema.reader.Trajectory`, whose mixin this is
(its row reading: ``_read``, ``_reading``, ``_check``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from l2l.errors import TrajectoryError
from l2l.lazy import lazy_module
from l2l.results_schema import codec, state_log
from l2l.results_schema import values as checks
from l2l.results_schema.layout import STATE_CHECKSUM_COLUMN, SUMMARY_STATISTICS
from l2l.results_schema.statistics import at_top_budget

pd = lazy_module("pandas")  # imported on first use: l2l.run reads no table (l2l.lazy)


class GenerationsReading:
    """The generations and states of :class:`l2l.results_schema.reader.Trajectory`."""

    def _generation_columns(self, names: tuple[str, ...]) -> dict[str, np.ndarray]:
        g = self.n_generations
        columns = {name: self._read(f"generations/{name}", g) for name in names}
        self._check(checks.generation_problems(columns, self._layout))
        return columns

    def generations(self) -> pd.DataFrame:
        """One row per committed generation: counts, times, best/median/worst per objective.

        In a run with a ``[policy]`` (multi-fidelity, PBT) a row is a commit of the run's state, not a
        generation of the optimizer: about one a second, each summarizing the segments that finished since
        the previous one. Its best, median and worst are then those of the successful segments of that commit
        at the top budget (the only results that count as found there, as in ``l2l show``; NaN in a commit
        that brought none), and ``at_top_budget`` counts them; a low budget's value is at another fidelity.
        Progress against compute is in :meth:`evaluations` (``budget``, ``from_budget``) and what
        ``l2l compare`` and ``l2l plot --kind fitness`` draw."""
        with self._reading("the generations"):
            g = self.n_generations
            columns = self._generation_columns(("generation", "evaluations", "failed", "started", "finished"))
            data: dict[str, Any] = {"generation": columns["generation"], "evaluations": columns["evaluations"],
                                    "failed": columns["failed"],
                                    "started": pd.to_datetime(columns["started"], unit="s", utc=True),
                                    "finished": pd.to_datetime(columns["finished"], unit="s", utc=True)}
            config = self.run.get("config")
            if self.multi_fidelity and isinstance(config, dict) and "policy" in config:
                data.update(self._top_budget_statistics(columns["evaluations"]))
                return pd.DataFrame(data)
            for o in self.objectives:
                for stat in SUMMARY_STATISTICS:
                    data[f"{o.name}_{stat}"] = self._read(f"generations/{stat}/{o.name}", g)
            return pd.DataFrame(data)

    def _top_budget_statistics(self, rows_after: np.ndarray) -> dict[str, np.ndarray]:
        """Per commit of a multi-fidelity run (``rows_after``: the rows in the file once it was written), the
        best, median and worst of each objective over its successful segments at the top budget, and their
        number (``at_top_budget``)."""
        from l2l.results_schema.layout import OK, STATUS_CODES

        n = self.n_evaluations
        bounds = np.minimum(np.asarray(rows_after, dtype=np.int64), n)
        columns = self._columns(("status", "budget"), n)
        counted = (columns["status"] == STATUS_CODES[OK]) & at_top_budget(columns["budget"], self.top_budget)
        values = {o: self._column(f"objectives/{o.name}", n) for o in self.objectives}
        counts = np.zeros(len(bounds), dtype=np.int64)
        out = {f"{o.name}_{stat}": np.full(len(bounds), np.nan) for o in self.objectives
               for stat in SUMMARY_STATISTICS}
        start = 0
        for i, end in enumerate(bounds):
            rows = np.flatnonzero(counted[start:max(start, end)]) + start
            start = max(start, end)
            counts[i] = len(rows)
            for o, column in values.items():
                found = column[rows].astype(float)
                found = found[np.isfinite(found)]
                if not len(found):
                    continue
                low, high = float(found.min()), float(found.max())
                out[f"{o.name}_best"][i] = low if o.direction == "minimize" else high
                out[f"{o.name}_median"][i] = float(np.median(found))
                out[f"{o.name}_worst"][i] = high if o.direction == "minimize" else low
        return {"at_top_budget": counts, **out}

    def state(self, generation: int | None = None) -> Any:
        """The loop and optimizer state saved after ``generation`` (default: the last one)."""
        g = self.n_generations
        if g == 0:
            raise TrajectoryError(f"{self.path} has no completed generation yet")
        with self._reading("the optimizer state"):
            columns = self._generation_columns(("generation", "state_start", "state_length"))
            matches = np.flatnonzero(columns["generation"] == generation) if generation is not None else [g - 1]
            if not len(matches):
                raise TrajectoryError(f"{self.path} has no generation {generation}")
            index = int(matches[0])
            starts, lengths = columns["state_start"], columns["state_length"]
            read: list[tuple[int, np.ndarray]] = []  # every piece, compared with its checksum at the end

            def piece(i: int, data: np.ndarray) -> Any:
                read.append((i, data))
                try:
                    return codec.decode(data)
                except TrajectoryError as exc:  # named as l2l validate names it (before: 'the optimizer state:
                    # corrupt encoded value: ...', which state not said)
                    raise TrajectoryError(f"{self.path}: the state of generation {columns['generation'][i]} does not "
                                          f"decode: {str(exc).removeprefix(f'{self.path}: ')}") from None

            state = piece(index, self._read("blobs/states", int(starts[index] + lengths[index]), int(starts[index])))
            if state_log.is_delta(state):  # schema version 3: the chain from its full state (one read)
                first = state_log.snapshot_of(state, index)
                begin, end = int(starts[first]), int(starts[index] + lengths[index])
                data = self._read("blobs/states", end, begin)
                values = []
                for i in range(first, index + 1):
                    low, high = int(starts[i]), int(starts[i] + lengths[i])
                    inside = begin <= low <= high <= end  # appended in order, unless the file was damaged
                    values.append(piece(i, data[low - begin:high - begin] if inside else
                                        self._read("blobs/states", high, low)))
                state = state_log.replay(values, first)
            self._check(checks.state_problems(state, f"the state of generation {columns['generation'][index]}"))
            # Last, as l2l validate does: bytes that no longer decode, or decode to what no state holds, are said
            # so; bytes that decode to a valid state of other numbers are caught here, before any resume uses them.
            checksums = self._state_checksums(index + 1)
            for i, data in read:
                try:
                    codec.verify(data, int(checksums[i]))
                except TrajectoryError as exc:
                    raise TrajectoryError(f"{self.path}: the state of generation {columns['generation'][i]} "
                                          f"cannot be read: {exc}") from None
            return state

    def _state_checksums(self, n: int) -> np.ndarray:
        """The stored CRC-32s of the first ``n`` committed states, ``NO_CHECKSUM`` where none was stored (files
        created before state checksums; rows a version of l2l without them committed)."""
        return codec.padded_checksums(self._layout.datasets.get(f"generations/{STATE_CHECKSUM_COLUMN}"), n)
