"""What each evaluation stored beside its row: its traces, output vector and error text, read by
:class:`l2l.results_schema.reader.Trajectory`, whose mixin this is (its row reading: ``_read``, ``_reading``,
``_columns``, ``rows``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from l2l.errors import TrajectoryError
from l2l.lazy import lazy_module
from l2l.results_schema import codec
from l2l.results_schema.layout import CURVE_PREFIX

pd = lazy_module("pandas")  # imported on first use: l2l.run reads no table (l2l.lazy)


class StoredOutputs:
    """The traces, outputs and error texts of :class:`l2l.results_schema.reader.Trajectory`."""

    def traces(self, rows: Any = None) -> list[dict[str, np.ndarray]]:
        """Decoded traces, one dict per evaluation, in the file's row order (default: all rows)."""
        n = self.n_evaluations
        with self._reading("the traces"):
            columns = self._columns(("trace_start", "trace_length"), n)
            starts, lengths = columns["trace_start"], columns["trace_length"]
            blob = self._ds("blobs/traces")
            indices = range(n) if rows is None else np.atleast_1d(rows)
            out = []
            for i in indices:
                value = codec.decode(blob[starts[i]:starts[i] + lengths[i]]) if lengths[i] else {}
                if not isinstance(value, dict):
                    raise TrajectoryError(f"the traces of row {i} are not a mapping of names to arrays")
                out.append(value)
            return out

    def traces_frame(self) -> pd.DataFrame:
        """Traces in long form: generation, individual, trace name, step, value; and ``trial`` in a run with a
        fidelity. A policy run's trial is its candidate id; a sweep without a policy (one call per candidate at
        the top budget) numbers its candidates 0, 1, ... in (generation, individual) order, so that the traces of
        the sweep and of a policy run have the same columns."""
        n = self.n_evaluations
        traces = self.traces()
        with self._reading("the traces"):
            gens, inds = self._column("generation", n), self._column("individual", n)
            rows, names, steps_of, values_of = [], [], [], []  # one piece per trace, joined at the end (a
            trial = self._trial_ids(gens, inds)                  # DataFrame per trace took 0.7 s of a report)
            for row, values_by_name in enumerate(traces):
                for name, values in values_by_name.items():
                    array = np.asarray(values, dtype=float)
                    if name.startswith(CURVE_PREFIX) and array.ndim == 2 and array.shape[1] == 2:
                        steps, flat = array[:, 0], array[:, 1]  # a learning curve: (fidelity, value) rows
                    else:
                        flat = array.reshape(-1)
                        steps = np.arange(len(flat))
                    rows.append(row), names.append(name), steps_of.append(steps), values_of.append(flat)
            if not rows:
                return pd.DataFrame(columns=["generation", "individual", "trace", "step", "value",
                                             *(["trial"] if trial is not None else [])])
            lengths = [len(v) for v in values_of]
            index = np.repeat(np.asarray(rows, dtype=np.intp), lengths)
            columns = {"generation": gens[index], "individual": inds[index],
                       "trace": pd.Series(names).repeat(lengths).reset_index(drop=True),
                       "step": np.concatenate(steps_of), "value": np.concatenate(values_of)}
            if trial is not None:
                columns["trial"] = trial[index]
            return pd.DataFrame(columns)

    def _trial_ids(self, generations: np.ndarray, individuals: np.ndarray) -> np.ndarray | None:
        """Each row's candidate id for :meth:`traces_frame`: the stored trial of a multi-fidelity run; in a sweep
        whose simulator declares a fidelity (it stores no trial), the candidate's place in (generation,
        individual) order; None for other runs."""
        if self.multi_fidelity:
            return self._column("trial", len(generations))
        if not isinstance(self.run.get("fidelity"), dict):
            return None
        order = np.lexsort((individuals, generations))
        ids = np.empty(len(order), dtype=np.int64)
        ids[order] = np.arange(len(order))
        return ids

    def outputs(self) -> list[np.ndarray | None]:
        n = self.n_evaluations
        with self._reading("the outputs"):
            columns = self._columns(("output_start", "output_length"), n)
            blob = self._ds("blobs/outputs")
            return [blob[s:s + l] if l else None for s, l in zip(columns["output_start"], columns["output_length"])]

    def output_of(self, row: int) -> np.ndarray | None:
        """The output vector of committed row ``row`` (None if it has none)."""
        columns = self.rows(("output_start", "output_length"), row, row + 1)
        start, length = int(columns["output_start"][0]), int(columns["output_length"][0])
        if length <= 0:
            return None
        with self._reading("the outputs"):
            return self._read("blobs/outputs", start + length, start)

    def error_text(self, row: int, limit: int = 4000) -> str:
        """The error text of committed row ``row`` (at most ``limit`` bytes; "" if it has none)."""
        columns = self.rows(("error_start", "error_length"), row, row + 1)
        start, length = int(columns["error_start"][0]), int(columns["error_length"][0])
        if length <= 0:
            return ""
        with self._reading("the error texts"):
            return self._read("blobs/errors", start + min(length, limit), start).tobytes().decode("utf-8", "replace")

    def outputs_of(self, generation: int) -> dict[int, np.ndarray | None]:
        """The output vectors of one generation's stored evaluations, by individual."""
        n = self.n_evaluations
        with self._reading("the outputs"):
            columns = self._columns(("generation", "individual"), n)
            rows = np.flatnonzero(columns["generation"] == generation)
        outputs = self.outputs() if len(rows) else []
        return {int(columns["individual"][row]): outputs[row] for row in rows}
