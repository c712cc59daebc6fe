"""A trajectory's record of what happened to the run beside its evaluations: the event log (started, resumed,
finished ...) and the re-evaluations of its best candidates, read by :class:`l2l.results_schema.reader.Trajectory`,
whose mixin this is (its row reading: ``_read``, ``_reading``, ``_check``)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from l2l.lazy import lazy_module
from l2l.results_schema import reevaluations, structure
from l2l.results_schema import values as checks
from l2l.results_schema.layout import REEVALUATION_COLUMNS

pd = lazy_module("pandas")  # imported on first use: l2l.run reads no table (l2l.lazy)


class RunLog:
    """The event log and re-evaluations of :class:`l2l.results_schema.reader.Trajectory`."""

    @property
    def has_reevaluations(self) -> bool:
        """True if the file holds re-evaluations of its best candidates on fresh seeds (``l2l reevaluate``)."""
        return reevaluations.present(self._layout)

    def reevaluations(self, errors: bool = True) -> pd.DataFrame:
        """The committed rows of ``/reevaluations``: one per (candidate, fresh seed), sorted by
        (generation, individual, repeat); empty (with the columns) if the file has none.

        ``generation`` and ``individual`` name the candidate's row in the evaluations; see
        :func:`l2l.results_schema.reevaluations.frame` for the columns and :func:`l2l.reevaluate.ranking`
        for the candidates ranked by their mean.
        """
        with self._reading("the re-evaluations"):
            rows, problems = reevaluations.structure_problems(self._layout)
            self._check(problems)
            if not reevaluations.present(self._layout):
                empty = {name: np.zeros(0, dtype=dtype) for name, dtype in REEVALUATION_COLUMNS.items()}
                empty.update({f"objectives/{o.name}": np.zeros(0) for o in self.objectives})
                return reevaluations.frame(self._layout, empty, errors=False).assign(
                    **({"error": pd.Series([], dtype=object)} if errors else {}))
            columns = reevaluations.read_columns(self._layout, rows, lambda name, n: self._read(name, n))
            self._check(reevaluations.value_problems(columns, self._layout))
            return reevaluations.frame(self._layout, columns, errors)

    def events(self) -> pd.DataFrame:
        """The run's event log: time, kind (started, resumed, finished...), detail (usually JSON text).

        Read once per opened file while the log keeps its length (``l2l show`` asks for it about 18 times; the log
        is append-only): each call gets its own copy."""
        with self._reading("the event log"):
            length = min(self._layout.datasets[f"run/{name}"].shape[0] for name in structure.EVENT_COLUMNS)
            known = getattr(self, "_events", None)
            if known is None or known[0] != length:
                times, kinds, details = structure.read_events(self._layout)
                self._check(checks.event_problems(times, kinds, details))
                known = self._events = (length, pd.DataFrame({
                    "time": pd.to_datetime(times, unit="s", utc=True),
                    "kind": [k.decode() for k in kinds],
                    "detail": [d.decode() for d in details],
                }))
            return known[1].copy()

    def finished(self) -> bool:
        events = self.events()
        return bool(len(events)) and events["kind"].iloc[-1] == "finished"

    def finished_detail(self) -> dict[str, Any] | None:
        """The detail of the last event if the run ended by itself (a ``finished`` event), else None (running,
        stopped on request, interrupted, failed, or nothing yet); {} if that detail is not a JSON mapping."""
        events = self.events()
        if not len(events) or events["kind"].iloc[-1] != "finished":
            return None
        try:
            detail = json.loads(events["detail"].iloc[-1])
        except ValueError:
            return {}
        return detail if isinstance(detail, dict) else {}
