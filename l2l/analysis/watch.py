"""A live terminal view of a run that another process is writing.

Each refresh opens the file through :class:`~l2l.results_schema.reader.Trajectory`
(read-only, SWMR, without HDF5 file locking, so the watcher can never make the
writer fail to (re)open the file), brings the run's
:class:`~l2l.summary.RunSummary` up to date from the rows committed since the
last refresh, and closes it. The status is the one ``l2l show`` and
``l2l report`` print for the same file. Only committed rows are read, so a
half-written generation is never shown.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

from l2l.errors import TrajectoryError, shown
from l2l.numbers import number
from l2l.objectives import Objective
from l2l.results_schema.reader import Trajectory
from l2l.summary import RunSummary, summarize
from l2l.summary.progress import ended_by_target

SPARK = " ▁▂▃▄▅▆▇█"
STALE_AFTER = 300.0
#: Statuses after which nothing more will be written (a stopped run may still be resumed).
ENDS = ("finished", "failed")


@dataclass
class Snapshot:
    """What one refresh saw: the run's summary, the best of recent generations and the evaluation rates."""

    summary: RunSummary
    best_per_generation: np.ndarray
    rate: float | None
    recent_rate: float | None
    now: float = field(default_factory=time.time)
    #: ``best_per_generation`` holds the best so far at the top budget after each commit (a run with a policy).
    so_far: bool = False
    #: A run with a policy and one objective: the best candidate as ``l2l show`` ranks it (a candidate trained
    #: again with new seeds by the mean of its results): its value, trial and number of results.
    candidate: tuple[float, int, int] | None = None
    #: Seconds the run ran by its last completion or end, its sessions only (a resumed run: not the pauses).
    ran: float | None = None


class Watcher:
    """Keeps the summary of a trajectory and updates it from the rows committed since the last look."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.summary: RunSummary | None = None
        self.history: deque[tuple[float, int]] = deque(maxlen=120)
        self._run: tuple[str, str] | None = None  # which run the summary is of (_run_of)

    def refresh(self) -> Snapshot:
        with Trajectory(self.path) as trajectory:
            run = _run_of(trajectory)
            if run != self._run:  # another run's file now has this name: its rows are read from the first
                self.summary, self._run = None, run
                self.history.clear()
            summary = summarize(trajectory, previous=self.summary)
            first = trajectory.objectives[0]
            generations = trajectory.generations()
            per_generation = generations[f"{first.name}_best"].to_numpy(dtype=float)
            so_far = "at_top_budget" in generations.columns  # a policy run: a commit's best is at the top budget,
            if so_far:  # and most commits bring none: the best so far
                per_generation = first.sign * np.fmax.accumulate(first.sign * per_generation)
            per_generation = per_generation[-60:]
            candidate = _best_candidate(trajectory) if so_far and len(trajectory.objectives) == 1 else None
            elapsed = None
            if (trajectory.events()["kind"] == "resumed").any() and trajectory.n_generations:
                try:  # the time the loop ran over its sessions, by the last commit: the pauses between
                    elapsed = float(trajectory.state()["loop"]["elapsed"])  # sessions are not the run's time
                except Exception:  # noqa: BLE001 - a file without it: from the start, as before
                    elapsed = None
        if self.summary is not None and summary.evaluations < self.summary.evaluations:
            self.history.clear()  # a different file now has this name (or the run's was written back shorter)
        self.summary = summary
        now = time.time()
        n = summary.evaluations
        self.history.append((now, n))
        finished = summary.last_event_time if summary.status == "finished" else None
        end = finished or summary.last_completion
        started = summary.started
        ran = elapsed if elapsed else (end - started if started is not None and end else None)
        rate = n / ran if ran and ran > 0 and n else None
        recent = None
        window = [(t, rows) for t, rows in self.history if now - t <= 60]
        if len(window) >= 2 and window[-1][0] > window[0][0] and not summary.ended:
            recent = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])
        return Snapshot(summary=summary, best_per_generation=per_generation, rate=rate, recent_rate=recent,
                        now=now, so_far=so_far, candidate=candidate, ran=ran)


def _run_of(trajectory: Trajectory) -> tuple[str, str]:
    """Which run ``trajectory`` holds: when it was created and when it started (its first event, to the
    microsecond). Another run at the same path (the file removed and a run started there again, by another user of
    a shared folder perhaps) was taken for the same one as long as it had as many rows as the last refresh had
    seen: the view went on from the old run's summary, its best value kept beside the new run's rows."""
    events, run = trajectory.events(), getattr(trajectory, "run", None)
    first = str(events["time"].iloc[0]) if "time" in events.columns and len(events) else ""
    return str(run.get("created", "")) if isinstance(run, dict) else "", first


def _best_candidate(trajectory: Trajectory) -> tuple[float, int, int] | None:
    """The best candidate of a policy run as ``l2l show`` ranks it: (value, trial, results); None before any
    result at the top budget. The best single result can be a lucky one of a candidate trained again."""
    from l2l.analysis.best import REPEAT_COUNT, best_candidates, ranked

    objective = trajectory.objectives[0]
    ok = ranked(trajectory.evaluations(errors=False), trajectory.top_budget)
    ok = ok[np.isclose(ok["budget"].to_numpy(dtype=float), trajectory.top_budget)] \
        if trajectory.top_budget is not None else ok.iloc[:0]
    if ok.empty:
        return None
    best, averaged = best_candidates(ok, objective, trajectory.space.columns(), 1)
    row = best.iloc[0]
    return float(row[objective.name]), int(row["trial"]), int(row[REPEAT_COUNT]) if averaged else 1


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


def status_line(s: Snapshot) -> str:
    """The status word of the run (as ``l2l show`` prints it) with when and why."""
    summary = s.summary
    since = (f"since {_clock(summary.started)} ({_duration(s.now - summary.started)})"
             if summary.started is not None else "")
    if summary.status == "finished" and summary.last_event_time is not None:
        state = f"finished {_clock(summary.last_event_time)}"
        if summary.started is not None:  # the time its sessions ran, as the rate counts it, not the pauses
            ran = s.ran if s.ran is not None else summary.last_event_time - summary.started
            state += f" after {ran:.1f} s" if ran < 10 else f" after {_duration(ran)}"  # not "after 0 s" beside a rate
    elif summary.status == "running":
        state = f"running {since}"
    elif summary.status == "running or interrupted":
        state = f"running or interrupted: running {since} unless its process is gone ({summary.reason})"
    elif summary.ended and summary.last_event_time is not None:
        state = f"{summary.status_text} {_clock(summary.last_event_time)}"
    else:
        state = summary.status_text
    if summary.status in ("running", "running or interrupted") and summary.last_completion \
            and s.now - summary.last_completion > STALE_AFTER:
        state += (f"; no evaluation finished for {_duration(s.now - summary.last_completion)}: "
                  f"is the run still alive?")
    return state


def render(s: Snapshot, width: int = 100) -> str:
    """One frame of the view as text."""
    summary = s.summary
    lines = [f"l2l watch {shown(Path(summary.path).absolute())}   {_clock(s.now)}",  # absolutely, as l2l run names it
             f"run          {summary.name}: {summary.description}",
             f"status       {status_line(s)}"]
    planned = summary.planned_generations
    if summary.compute is not None:  # a multi-fidelity run: candidates and compute, not generations
        from l2l.summary import progress_line
        lines.append(f"candidates   {progress_line(summary, status=False)}")
    elif ended_by_target(summary):  # not '6 of 50 committed [###---] 12 %' of a run that has finished
        lines.append(f"generation   {summary.generations} committed ({ended_by_target(summary)})")
    elif planned:
        done = min(1.0, summary.generations / planned)
        bar = "#" * int(round(30 * done)) + "-" * (30 - int(round(30 * done)))
        lines.append(f"generation   {summary.generations} of {planned} committed  [{bar}] {100 * done:.0f} %")
    else:
        lines.append(f"generation   {summary.generations} committed")
    rates = f", {number(s.rate, digits=3)} per second" if s.rate else ""
    if s.recent_rate is not None:
        rates += f" (last minute: {number(s.recent_rate, digits=3)}/s)"
    lines.append(f"evaluations  {summary.evaluations:,} done{rates}")
    bad = summary.unsuccessful
    failures = f"{bad:,}" + (f" ({100 * bad / summary.evaluations:.1f} %): {summary.failed:,} failed, "
                             f"{summary.timeouts:,} timed out" if summary.evaluations else "")
    lines.append(f"failures     {failures}")
    if summary.last_error:
        lines.append(f"last error   {summary.last_error}"[:width])
    for i, objective in enumerate(summary.objectives):
        best = summary.best.get(objective.name)
        head = "best so far  " if i == 0 else "             "
        succeeded = summary.evaluations - bad
        if best is None and summary.compute is not None and succeeded:  # segments succeeded below the top budget
            lines.append(f"{head}{objective.name} ({objective.direction}): none at the top budget yet ({succeeded:,} "
                         f"segment{'s' * (succeeded != 1)} below it succeeded)")
        elif best is None:
            lines.append(f"{head}{objective.name} ({objective.direction}): no successful evaluation yet")
        elif s.candidate is not None:  # the candidate l2l show, the report and l2l compare name first
            value, trial, n = s.candidate
            lines.append(f"{head}{objective.name} = {number(value)} ({objective.direction}) at the top budget, trial "
                         f"{trial}" + (f" (mean of its {n} results)" if n > 1 else ""))
        elif summary.compute is not None:
            lines.append(f"{head}{objective.name} = {number(best.value)} ({objective.direction}) at the top budget")
        else:
            lines.append(f"{head}{objective.name} = {number(best.value)} ({objective.direction}), "
                         f"generation {best.generation}, individual {best.individual}")
    spark = sparkline(s.best_per_generation, summary.objectives[0])
    if spark and s.so_far:  # a policy run commits about once a second, not by generation
        lines.append(f"per commit   {spark}  best {summary.objectives[0].name} so far at the top budget after each "
                     f"of the last {len(spark)} commits (taller: better)")
    elif spark and summary.compute is not None:
        lines.append(f"per commit   {spark}  best {summary.objectives[0].name} committed in each of the last "
                     f"{len(spark)} commits (taller: better)")
    elif spark:
        lines.append(f"per gen.     {spark}  best {summary.objectives[0].name} of the last {len(spark)} "
                     f"generations (taller: better)")
    return "\n".join(lines)


def watch(path: str | os.PathLike, interval: float = 2.0, once: bool = False, out: TextIO | None = None,
          max_frames: int | None = None) -> int:
    """Show the view every ``interval`` seconds until the run ends (or one frame with ``once``).

    The run ends when it finished or failed; a stopped or interrupted run may be resumed (``l2l submit``
    requeues itself), so the view goes on until Ctrl-C, except one that stopped as its first evaluations all
    failed (run.stop_after_failures: the model needs fixing first), which ends the view with the line ``l2l run``
    ends with (:func:`l2l.driver_failures.file_line`) and 1, as ``l2l run``'s. Returns the exit status: 0 when the
    run ended (or after ``once``), 130 when watching was stopped by Ctrl-C. A file not there yet is waited for, said in
    one line (with its folder, where that is missing too: ``l2l run`` creates it); one under a path that can
    never hold it (a file where a folder must be) is refused (TrajectoryError).
    """
    out = out or sys.stdout
    path = Path(path)
    if interval <= 0:
        raise TrajectoryError(f"--interval must be > 0 seconds, got {interval}")
    tty = out.isatty()
    watcher = Watcher(path)
    frames = 0
    try:
        if not path.exists():
            if once:
                raise TrajectoryError(f"{path}: no such file")
            folder = path.absolute().parent
            blocked = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
            if blocked is not None:  # no run can create its file there: waiting would be forever
                raise TrajectoryError(f"{path}: {blocked} is not a folder, so the file can never be created there")
            # l2l run creates a missing folder (watching first is fine), but a mistyped one would wait unnoticed
            absent = "" if folder.is_dir() else f"; its folder {folder} does not exist yet either"
            # once, not a line per interval; named absolutely, as l2l run names the file it will create
            out.write(shown(f"waiting for {path.absolute()} to be created{absent} (Ctrl-C to stop)") + "\n")
            out.flush()
        while not path.exists():
            time.sleep(interval)
        while True:
            snapshot = watcher.refresh()
            if snapshot.summary.status in ENDS:
                # read once more: a refresh reads the generations before the events, so one may see the run's end
                # but not its last commit, written just before it (a final frame of 'finished' at generation 3 of 4)
                snapshot = watcher.refresh()
            frame = render(snapshot)
            if tty:
                out.write("\x1b[H\x1b[2J" + frame + "\n")
            else:
                out.write(frame + "\n\n")
            out.flush()
            frames += 1
            if snapshot.summary.status == "stopped" and _gave_up(path, snapshot.summary, out):
                return 1  # stopped for its failures (run.stop_after_failures): no resume comes by itself
            if once or snapshot.summary.status in ENDS or (max_frames and frames >= max_frames):
                return 0
            time.sleep(interval)
    except KeyboardInterrupt:
        out.write("\nstopped watching; the run itself goes on\n")
        return 130


def _gave_up(path: Path, summary: RunSummary, out: TextIO) -> bool:
    """Says on ``out`` why the run stopped and how to go on, if it stopped for its failures (run.stop_after_failures);
    False if it stopped otherwise (a stop request, a requeued job: a resume may follow)."""
    from l2l.driver_failures import file_line

    line = file_line(path.absolute(), bool(summary.compute is not None and summary.policy))
    if line:
        out.write(line + "\n")
        out.flush()
    return bool(line)
