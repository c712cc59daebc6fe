"""Reading a trajectory: run information, evaluations as pandas, states, traces.

Files are opened read-only in SWMR mode, so they can be read while a run
writes them and after its writer died. Only committed rows are returned.
Nothing read from a file is ever executed: attributes are JSON, arrays are
numeric, states and traces go through :mod:`l2l.results_schema.codec`.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd

from l2l.errors import TrajectoryError
from l2l.objectives import Objective
from l2l.results_schema import codec
from l2l.results_schema.layout import FORMAT, SCHEMA_VERSION, STATUS_NAMES, SUMMARY_STATISTICS
from l2l.results_schema.writer import committed_generations, committed_rows
from l2l.space import Categorical, Space

RESERVED = ("generation", "individual", "status", "seed", "attempts", "started", "duration", "error")


def open_file(path: str | os.PathLike, retries: int = 20) -> h5py.File:
    """Open a trajectory read-only (SWMR); retry briefly while a writer swaps the file."""
    path = Path(path)
    if not path.exists():
        raise TrajectoryError(f"{path}: no such file")
    last: Exception | None = None
    for _ in range(retries):
        try:
            # No file lock: a reader must never stop the writer from (re)opening the file.
            f = h5py.File(path, "r", libver="latest", swmr=True, locking=False)
            break
        except OSError as exc:
            last = exc
            if "file signature not found" in str(exc) or "not an HDF5" in str(exc):
                raise TrajectoryError(f"{path} is not an HDF5 file, so not an l2l trajectory") from None
            time.sleep(0.1)
    else:
        raise TrajectoryError(f"cannot open {path}: {last}")
    if f.attrs.get("format") != FORMAT:
        f.close()
        raise TrajectoryError(f"{path} is not an l2l trajectory (no format attribute {FORMAT!r})")
    version = int(f.attrs.get("schema_version", -1))
    if version > SCHEMA_VERSION:
        f.close()
        raise TrajectoryError(f"{path} has schema version {version}; this l2l reads up to {SCHEMA_VERSION}: "
                              f"upgrade l2l")
    return f


def _attr(value: Any) -> Any:
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, np.generic):
        return value.item()
    return value


class Trajectory:
    """A read-only view of one trajectory file (use as a context manager)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._file = open_file(self.path)
        run = self._file["run"]
        self.run = {key: _attr(value) for key, value in run.attrs.items()}
        self.space = Space.from_json(self.run["space"])
        self.objectives = tuple(Objective.from_json(o) for o in self.run["objectives"])
        self.schema_version = int(self._file.attrs["schema_version"])
        self.n_evaluations = committed_rows(self._file)
        self.n_generations = committed_generations(self._file)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "Trajectory":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def file(self) -> h5py.File:
        return self._file

    @property
    def metric_names(self) -> list[str]:
        return list(self._file["evaluations/metrics"])

    # -- evaluations ---------------------------------------------------------------
    def _column(self, name: str, n: int) -> np.ndarray:
        return self._file["evaluations"][name][:n]

    def evaluations(self, errors: bool = True) -> pd.DataFrame:
        """One row per committed evaluation, sorted by (generation, individual)."""
        n = self.n_evaluations
        ev = self._file["evaluations"]
        data: dict[str, Any] = {
            "generation": ev["generation"][:n],
            "individual": ev["individual"][:n],
            "status": pd.Categorical.from_codes(ev["status"][:n].astype(np.int8),
                                                categories=[STATUS_NAMES[i] for i in sorted(STATUS_NAMES)]),
            "seed": ev["seed"][:n],
            "attempts": ev["attempts"][:n],
            "started": pd.to_datetime(ev["started"][:n], unit="s", utc=True),
            "duration": ev["duration"][:n],
        }
        for p in self.space.parameters:
            values = ev["params"][p.name][:n]
            if isinstance(p, Categorical):
                data[p.name] = pd.Categorical.from_codes(values, categories=list(p.choices)) \
                    if all(isinstance(c, str) for c in p.choices) else np.asarray(p.choices, dtype=object)[values]
            elif p.shape:
                flat = values.reshape(n, p.size)
                for i, column in enumerate(p.columns()):
                    data[column] = flat[:, i]
            else:
                data[p.name] = values
        taken = set(data)
        for o in self.objectives:
            data[o.name] = ev["objectives"][o.name][:n]
            taken.add(o.name)
        for name in self.metric_names:
            data[name if name not in taken else f"metric:{name}"] = ev["metrics"][name][:n]
        if errors:
            data["error"] = self._errors(n)
        frame = pd.DataFrame(data)
        order = np.lexsort((frame["individual"].to_numpy(), frame["generation"].to_numpy()))
        if not (order == np.arange(n)).all():
            frame = frame.iloc[order]
        frame.index = pd.RangeIndex(len(frame))
        frame.attrs["objectives"] = [o.to_json() for o in self.objectives]
        frame.attrs["path"] = str(self.path)
        return frame

    def _errors(self, n: int) -> np.ndarray:
        out = np.full(n, None, dtype=object)
        lengths = self._column("error_length", n)
        rows = np.flatnonzero(lengths)
        if len(rows):
            starts = self._column("error_start", n)[rows]
            blob = self._file["blobs/errors"]
            low, high = int(starts.min()), int((starts + lengths[rows]).max())
            data = blob[low:high].tobytes()
            for row, start, length in zip(rows, starts, lengths[rows]):
                out[row] = data[start - low:start - low + length].decode("utf-8", errors="replace")
        return out

    # -- generations -----------------------------------------------------------------
    def generations(self) -> pd.DataFrame:
        """One row per committed generation: counts, times, best/median/worst per objective."""
        g = self.n_generations
        gen = self._file["generations"]
        data: dict[str, Any] = {"generation": gen["generation"][:g], "evaluations": gen["evaluations"][:g],
                                "failed": gen["failed"][:g],
                                "started": pd.to_datetime(gen["started"][:g], unit="s", utc=True),
                                "finished": pd.to_datetime(gen["finished"][:g], unit="s", utc=True)}
        for o in self.objectives:
            for stat in SUMMARY_STATISTICS:
                data[f"{o.name}_{stat}"] = gen[stat][o.name][:g]
        return pd.DataFrame(data)

    def state(self, generation: int | None = None) -> Any:
        """The loop and optimizer state saved after ``generation`` (default: the last one)."""
        g = self.n_generations
        if g == 0:
            raise TrajectoryError(f"{self.path} has no completed generation yet")
        gen = self._file["generations"]
        numbers = gen["generation"][:g]
        index = g - 1 if generation is None else int(np.flatnonzero(numbers == generation)[0]) \
            if (numbers == generation).any() else None
        if index is None:
            raise TrajectoryError(f"{self.path} has no generation {generation}")
        start, length = int(gen["state_start"][index]), int(gen["state_length"][index])
        return codec.decode(self._file["blobs/states"][start:start + length])

    def traces(self, rows: Any = None) -> list[dict[str, np.ndarray]]:
        """Decoded traces, one dict per evaluation, in the file's row order (default: all rows)."""
        n = self.n_evaluations
        starts, lengths = self._column("trace_start", n), self._column("trace_length", n)
        blob = self._file["blobs/traces"]
        indices = range(n) if rows is None else np.atleast_1d(rows)
        return [codec.decode(blob[starts[i]:starts[i] + lengths[i]]) if lengths[i] else {}
                for i in indices]

    def traces_frame(self) -> pd.DataFrame:
        """Traces in long form: generation, individual, trace name, step, value."""
        n = self.n_evaluations
        gens, inds = self._column("generation", n), self._column("individual", n)
        frames = []
        for row, traces in enumerate(self.traces()):
            for name, values in traces.items():
                flat = np.asarray(values, dtype=float).reshape(-1)
                frames.append(pd.DataFrame({"generation": gens[row], "individual": inds[row], "trace": name,
                                            "step": np.arange(len(flat)), "value": flat}))
        if not frames:
            return pd.DataFrame(columns=["generation", "individual", "trace", "step", "value"])
        return pd.concat(frames, ignore_index=True)

    def outputs(self) -> list[np.ndarray | None]:
        n = self.n_evaluations
        starts, lengths = self._column("output_start", n), self._column("output_length", n)
        blob = self._file["blobs/outputs"]
        return [blob[s:s + l] if l else None for s, l in zip(starts, lengths)]

    def events(self) -> pd.DataFrame:
        run = self._file["run"]
        n = min(run[k].shape[0] for k in ("event_time", "event_kind", "event_detail"))
        return pd.DataFrame({
            "time": pd.to_datetime(run["event_time"][:n], unit="s", utc=True),
            "kind": [k.decode() for k in run["event_kind"][:n]],
            "detail": [d.decode() for d in run["event_detail"][:n]],
        })

    def finished(self) -> bool:
        events = self.events()
        return bool(len(events)) and events["kind"].iloc[-1] == "finished"


def load(path: str | os.PathLike) -> pd.DataFrame:
    """The evaluations of a trajectory as a DataFrame, one row per evaluation."""
    with Trajectory(path) as trajectory:
        return trajectory.evaluations()


def generations(path: str | os.PathLike) -> pd.DataFrame:
    """The per-generation summary of a trajectory."""
    with Trajectory(path) as trajectory:
        return trajectory.generations()


def traces(path: str | os.PathLike) -> pd.DataFrame:
    """All traces of a trajectory in long form."""
    with Trajectory(path) as trajectory:
        return trajectory.traces_frame()
