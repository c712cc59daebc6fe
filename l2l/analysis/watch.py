"""A live terminal view of a run that another process is writing.

Each refresh opens the file read-only in SWMR mode *without HDF5 file
locking*, reads only the rows committed since the last refresh, and closes it.
Without a lock the watcher can never make the writer fail to (re)open the file
(which HDF5's default locks do when a run starts, resumes or adds a metric
column), and a read-only SWMR handle cannot change the file. Only committed
rows are read, so a half-written generation is never shown.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import h5py
import numpy as np

from l2l.errors import TrajectoryError
from l2l.objectives import Objective
from l2l.results_schema.layout import FORMAT, STATUS_CODES
from l2l.results_schema.writer import committed_generations, committed_rows

SPARK = " ▁▂▃▄▅▆▇█"
STALE_AFTER = 300.0


def open_unlocked(path: Path, retries: int = 20) -> h5py.File:
    """Open a trajectory read-only, SWMR, without taking HDF5's file lock; retry while it is being swapped."""
    last: Exception | None = None
    for _ in range(retries):
        try:
            f = h5py.File(path, "r", libver="latest", swmr=True, locking=False)
            break
        except FileNotFoundError:
            raise TrajectoryError(f"{path}: no such file") from None
        except OSError as exc:
            if "file signature not found" in str(exc) or "not an HDF5" in str(exc):
                raise TrajectoryError(f"{path} is not an HDF5 file, so not an l2l trajectory") from None
            last = exc
            time.sleep(0.1)
    else:
        raise TrajectoryError(f"cannot open {path}: {last}")
    if f.attrs.get("format") != FORMAT:
        f.close()
        raise TrajectoryError(f"{path} is not an l2l trajectory (no format attribute {FORMAT!r})")
    return f


def _json(value: Any) -> Any:
    if isinstance(value, bytes):
        value = value.decode()
    try:
        return json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return value


@dataclass
class Best:
    value: float = float("nan")
    generation: int = -1
    individual: int = -1


@dataclass
class Snapshot:
    """What one refresh saw."""

    path: Path
    name: str
    description: str
    objectives: tuple[Objective, ...]
    generations: int
    planned_generations: int | None
    evaluations: int
    failed: int
    timeouts: int
    best: dict[str, Best]
    best_per_generation: np.ndarray
    started: float | None
    finished: float | None
    last_event: str
    last_completion: float | None
    last_error: str
    rate: float | None
    recent_rate: float | None
    now: float = field(default_factory=time.time)


class Watcher:
    """Keeps running totals of a trajectory and updates them from the rows committed since the last look."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._reset()

    def _reset(self) -> None:
        self.rows = 0
        self.failed = 0
        self.timeouts = 0
        self.best: dict[str, Best] = {}
        self.last_completion: float | None = None
        self.last_error = ""
        self.history: deque[tuple[float, int]] = deque(maxlen=120)

    def refresh(self) -> Snapshot:
        with open_unlocked(self.path) as f:
            run = f["run"].attrs
            objectives = tuple(Objective.from_json(o) for o in _json(run["objectives"]))
            n = committed_rows(f)
            if n < self.rows:  # a different file now has this name
                self._reset()
            if n > self.rows:
                self._read_rows(f, objectives, self.rows, n)
                self.rows = n
            generations = committed_generations(f)
            first = objectives[0].name
            tail = max(0, generations - 60)
            per_generation = f["generations/best"][first][tail:generations] if generations else np.array([])
            events = f["run"]
            n_events = min(events[k].shape[0] for k in ("event_time", "event_kind", "event_detail"))
            times = events["event_time"][:n_events]
            kinds = [k.decode() for k in events["event_kind"][:n_events]]
            config = _json(run.get("config", "{}")) or {}
            name = str(_json(run.get("name", self.path.stem)))
            parts = [str((_json(run.get(k, "{}")) or {}).get("name", "?")) for k in ("optimizer", "simulator",
                                                                                   "backend")]
        now = time.time()
        self.history.append((now, n))
        started = float(times[0]) if n_events else None
        finished = float(times[-1]) if kinds and kinds[-1] == "finished" else None
        end = finished or self.last_completion
        rate = n / (end - started) if started is not None and end and end > started and n else None
        recent = None
        window = [(t, rows) for t, rows in self.history if now - t <= 60]
        if len(window) >= 2 and window[-1][0] > window[0][0] and not finished:
            recent = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])
        planned = (config.get("run") or {}).get("generations") if isinstance(config, dict) else None
        return Snapshot(path=self.path, name=name,
                        description=f"{parts[0]} on {parts[1]}, backend {parts[2]}", objectives=objectives,
                        generations=generations, planned_generations=planned, evaluations=n, failed=self.failed,
                        timeouts=self.timeouts, best=dict(self.best), best_per_generation=np.asarray(per_generation),
                        started=started, finished=finished, last_event=kinds[-1] if kinds else "created",
                        last_completion=self.last_completion, last_error=self.last_error, rate=rate,
                        recent_rate=recent, now=now)

    def _read_rows(self, f: h5py.File, objectives: tuple[Objective, ...], start: int, stop: int) -> None:
        ev = f["evaluations"]
        status = ev["status"][start:stop]
        generation = ev["generation"][start:stop]
        individual = ev["individual"][start:stop]
        completion = ev["started"][start:stop] + ev["duration"][start:stop]
        self.failed += int((status == STATUS_CODES["failed"]).sum())
        self.timeouts += int((status == STATUS_CODES["timeout"]).sum())
        if len(completion):
            latest = float(np.nanmax(completion))
            self.last_completion = max(latest, self.last_completion or latest)
        ok = status == STATUS_CODES["ok"]
        for objective in objectives:
            values = np.where(ok, ev["objectives"][objective.name][start:stop], np.nan) * objective.sign
            if not np.isfinite(values).any():
                continue
            i = int(np.nanargmax(values))
            best = self.best.get(objective.name)
            if best is None or values[i] > best.value * objective.sign:
                self.best[objective.name] = Best(float(values[i] * objective.sign), int(generation[i]),
                                                 int(individual[i]))
        bad = np.flatnonzero(~ok)
        if len(bad):
            row = start + int(bad[-1])
            offset, length = int(ev["error_start"][row]), int(ev["error_length"][row])
            text = f["blobs/errors"][offset:offset + min(length, 4000)].tobytes().decode("utf-8", "replace") \
                if length else ""
            message = next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "(no error text)")
            self.last_error = f"generation {generation[bad[-1]]}, individual {individual[bad[-1]]}: {message}"


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def _clock(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def sparkline(values: np.ndarray, objective: Objective) -> str:
    """Best value of each generation as block characters; a taller block is a better value."""
    values = np.asarray(values, dtype=float) * objective.sign
    finite = values[np.isfinite(values)]
    if len(finite) < 2:
        return ""
    low, high = finite.min(), finite.max()
    out = []
    for v in values:
        if not np.isfinite(v):
            out.append(" ")
        else:
            out.append(SPARK[1 + int(round((v - low) / (high - low) * (len(SPARK) - 2)))] if high > low else SPARK[4])
    return "".join(out)


def render(s: Snapshot, width: int = 100) -> str:
    """One frame of the view as text."""
    lines = [f"l2l watch {s.path}   {_clock(s.now)}"]
    lines.append(f"run          {s.name}: {s.description}")
    if s.finished:
        state = f"finished {_clock(s.finished)}" + (f" after {_duration(s.finished - s.started)}" if s.started else "")
    elif s.last_event in ("started", "resumed") and s.started:
        state = f"running since {_clock(s.started)} ({_duration(s.now - s.started)})"
        if s.last_completion and s.now - s.last_completion > STALE_AFTER:
            state += (f"; no evaluation finished for {_duration(s.now - s.last_completion)}: "
                      f"is the run still alive?")
    else:
        state = "created, not started"
    lines.append(f"status       {state}")
    planned = s.planned_generations
    if planned:
        done = min(1.0, s.generations / planned)
        bar = "#" * int(round(30 * done)) + "-" * (30 - int(round(30 * done)))
        lines.append(f"generation   {s.generations} of {planned} committed  [{bar}] {100 * done:.0f} %")
    else:
        lines.append(f"generation   {s.generations} committed")
    rates = f", {s.rate:.3g} per second" if s.rate else ""
    if s.recent_rate is not None:
        rates += f" (last minute: {s.recent_rate:.3g}/s)"
    lines.append(f"evaluations  {s.evaluations:,} done{rates}")
    bad = s.failed + s.timeouts
    failures = f"{bad:,}" + (f" ({100 * bad / s.evaluations:.1f} %): {s.failed:,} failed, {s.timeouts:,} timed out"
                             if s.evaluations else "")
    lines.append(f"failures     {failures}")
    if s.last_error:
        lines.append(f"last error   {s.last_error}"[:width])
    for i, objective in enumerate(s.objectives):
        best = s.best.get(objective.name)
        head = "best so far  " if i == 0 else "             "
        if best is None:
            lines.append(f"{head}{objective.name} ({objective.direction}): no successful evaluation yet")
        else:
            lines.append(f"{head}{objective.name} = {best.value:.6g} ({objective.direction}), "
                         f"generation {best.generation}, individual {best.individual}")
    spark = sparkline(s.best_per_generation, s.objectives[0])
    if spark:
        lines.append(f"per gen.     {spark}  best {s.objectives[0].name} of the last {len(spark)} "
                     f"generations (taller: better)")
    return "\n".join(lines)


def watch(path: str | os.PathLike, interval: float = 2.0, once: bool = False, out: TextIO | None = None,
          max_frames: int | None = None) -> int:
    """Show the view every ``interval`` seconds until the run's ``finished`` event (or one frame with ``once``).

    Returns the exit status: 0 when the run finished (or after ``once``), 130 when stopped by Ctrl-C.
    """
    out = out or sys.stdout
    path = Path(path)
    if interval <= 0:
        raise TrajectoryError(f"--interval must be > 0 seconds, got {interval}")
    tty = out.isatty()
    watcher = Watcher(path)
    frames = 0
    try:
        while not path.exists():
            if once:
                raise TrajectoryError(f"{path}: no such file")
            out.write(f"waiting for {path} to be created (Ctrl-C to stop)\n")
            out.flush()
            time.sleep(interval)
        while True:
            snapshot = watcher.refresh()
            frame = render(snapshot)
            if tty:
                out.write("\x1b[H\x1b[2J" + frame + "\n")
            else:
                out.write(frame + "\n\n")
            out.flush()
            frames += 1
            if once or snapshot.finished or (max_frames and frames >= max_frames):
                return 0
            time.sleep(interval)
    except KeyboardInterrupt:
        out.write("\nstopped watching; the run itself goes on\n")
        return 130
