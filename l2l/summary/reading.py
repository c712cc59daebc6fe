"""Reading a trajectory into its :class:`~l2l.summary.record.RunSummary` (:func:`summarize`).

The counts (evaluations, failures, the best of each objective, the last error) come from the running
statistics stored with the last generation and the rows committed since; given the summary of an earlier look
at the same file, from that summary and the rows committed since (what ``l2l watch`` does every few seconds).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from l2l.numbers import number
from l2l.words import passed_as
from l2l.summary.failures import error_message
from l2l.summary.multi_fidelity import continued_bound, multi_fidelity_counts, rerun_rows
from l2l.summary.record import (Best, RunSummary, describe_parameter, event_detail, run_status, status_codes,
                                writer_alive)

if TYPE_CHECKING:
    from l2l.results_schema.reader import Trajectory


def _rows(trajectory: Trajectory, start: int, stop: int) -> dict[str, np.ndarray]:
    """The columns the summary needs of committed rows ``start:stop``, in file order."""
    # Only these few columns of the new rows are read, so a refresh of a large run stays cheap.
    names = ("status", "generation", "individual", "started", "duration")
    if trajectory.multi_fidelity:
        names += ("budget",)
    data = trajectory.rows(names + tuple(f"objectives/{o.name}" for o in trajectory.objectives), start, stop)
    for objective in trajectory.objectives:
        data[f"objective:{objective.name}"] = data.pop(f"objectives/{objective.name}")
    return data


def _counts_of(previous: RunSummary | None) -> dict[str, Any]:
    return {"failed": previous.failed if previous else 0, "timeouts": previous.timeouts if previous else 0,
            "best": dict(previous.best) if previous else {},
            "last_completion": previous.last_completion if previous else None,
            "last_error": previous.last_error if previous else "",
            "last_unsuccessful": previous.last_unsuccessful if previous else None}


def _error_line(trajectory: Trajectory, row: int, generation: Any, individual: Any, budget: Any = None) -> str:
    """Where an evaluation failed and why; in a run with a ``[policy]`` (``budget`` given) by its trial and
    budget, as ``l2l show``, the report and ``l2l.load`` name a candidate (its generation is a commit's)."""
    where = f"trial {individual}, budget {number(float(budget))}" if budget is not None else \
        f"generation {generation}, individual {individual}"
    return f"{where}: {error_message(trajectory.error_text(row))}"


def _stored_counts(trajectory: Trajectory) -> tuple[dict[str, Any], int] | None:
    """The counts of the running statistics stored with the last generation and the rows they cover; None if
    the file has none (written before them) or the run is multi-fidelity (whose best is at the top budget)."""
    if trajectory.multi_fidelity:
        return None
    record = trajectory.statistics()
    if record is None:
        return None
    codes = status_codes()
    try:
        status = record["status"]
        best = {o.name: Best(float(record["best"][o.name][0]), int(record["best"][o.name][1]),
                             int(record["best"][o.name][2]))
                for o in trajectory.objectives if record["best"].get(o.name) is not None}
        unsuccessful = record["last_unsuccessful"]
        if unsuccessful is not None and not 0 <= int(unsuccessful[0]) < int(record["rows"]):
            return None
        completion = record["last_completion"]
        counts = {"failed": int(status[codes["failed"]]), "timeouts": int(status[codes["timeout"]]), "best": best,
                  "last_completion": None if completion is None else float(completion),
                  "last_error": _error_line(trajectory, int(unsuccessful[0]), int(unsuccessful[1]),
                                            int(unsuccessful[2])) if unsuccessful else "",
                  "last_unsuccessful": int(unsuccessful[0]) if unsuccessful else None}
    except (KeyError, IndexError, TypeError, ValueError):  # a record that does not hold together: count rows
        return None
    return counts, int(record["rows"])


def _merge(trajectory: Trajectory, counts: dict[str, Any], start: int, stop: int) -> dict[str, Any]:
    """``counts`` with the committed rows ``start:stop`` added."""
    if stop <= start:
        return counts
    codes = status_codes()
    rows = _rows(trajectory, start, stop)
    status = rows["status"]
    counts["failed"] += int((status == codes["failed"]).sum())
    counts["timeouts"] += int((status == codes["timeout"]).sum())
    completion = rows["started"] + rows["duration"]
    if np.isfinite(completion).any():
        latest = float(np.nanmax(completion))
        counts["last_completion"] = max(latest, counts["last_completion"] or latest)
    ok = status == codes["ok"]
    found = ok.copy()
    if "budget" in rows and trajectory.top_budget is not None:  # a multi-fidelity run: results at the top budget
        found &= np.isclose(rows["budget"], trajectory.top_budget)
    for objective in trajectory.objectives:
        values = np.where(found, rows[f"objective:{objective.name}"], np.nan) * objective.sign
        if not np.isfinite(values).any():
            continue
        i = int(np.nanargmax(values))
        best = counts["best"].get(objective.name)
        if best is None or values[i] > best.value * objective.sign:
            counts["best"][objective.name] = Best(float(values[i] * objective.sign), int(rows["generation"][i]),
                                                  int(rows["individual"][i]))
    bad = np.flatnonzero(~ok)
    if len(bad):
        i = int(bad[-1])
        config = trajectory.run.get("config")
        budget = rows["budget"][i] if "budget" in rows and isinstance(config, dict) and "policy" in config else None
        counts["last_error"] = _error_line(trajectory, start + i, rows["generation"][i], rows["individual"][i],
                                           budget)
        counts["last_unsuccessful"] = start + i
    return counts


def summarize(trajectory: Trajectory, previous: RunSummary | None = None, resuming: bool = False) -> RunSummary:
    """The summary of ``trajectory``; with ``previous`` (an earlier summary of the same file) only new rows are read.

    ``resuming``: ``l2l resume`` holds the file (so it looks running) and is about to go on from its last commit:
    the candidates and rows it runs again count as those of a run interrupted, as ``l2l show`` counted them."""
    from l2l.sessions import backend_text

    alive = writer_alive(trajectory.path)  # before the events: a writer that ends in between shows as finished
    events = trajectory.events()
    kinds, details = list(events["kind"]), list(events["detail"])
    times = [t.timestamp() for t in events["time"]]
    config = trajectory.run.get("config")
    simulator = config.get("simulator") if isinstance(config, dict) else None
    status, reason = run_status(kinds, details, alive, trajectory.path,
                                function=passed_as(simulator))
    n = trajectory.n_evaluations
    if previous is not None and (previous.evaluations > n or previous.path != str(trajectory.path)):
        previous = None  # another file under the same name
    stored = _stored_counts(trajectory) if previous is None else None
    if stored is not None:  # the statistics stored with the last generation, then the rows committed since
        counts = _merge(trajectory, stored[0], stored[1], n)
    else:
        counts = _merge(trajectory, _counts_of(previous), previous.evaluations if previous else 0, n)
    run = trajectory.run
    config = run.get("config") if isinstance(run.get("config"), dict) else {}
    run_config = config.get("run") if isinstance(config.get("run"), dict) else {}
    policy = config.get("policy") if isinstance(config.get("policy"), dict) else {}
    planned = run_config.get("generations")
    budgets = {"evaluations": run_config.get("evaluations", 0), "max_time": run_config.get("max_time", 0),
               "compute": None}
    for kind, detail in zip(reversed(kinds), reversed(details)):  # `resume --generations G` extends the plan
        if kind == "resumed":
            planned = event_detail(detail).get("generations", planned)
            budgets = {key: event_detail(detail).get(key, value) for key, value in budgets.items()}
            break
    planned = planned or None  # 0: no generation limit (a run with an evaluation or time budget)
    elapsed = None
    if budgets["max_time"] and trajectory.n_generations:
        try:
            elapsed = float(trajectory.state()["loop"].get("elapsed"))
        except Exception:  # noqa: BLE001 - a summary never fails on what it only reports
            elapsed = None
    versions = run.get("versions") if isinstance(run.get("versions"), dict) else {}

    def part(key: str) -> dict[str, Any]:
        value = run.get(key)
        return value if isinstance(value, dict) else {"name": str(value)}

    running = status in ("running", "running or interrupted") and not resuming
    candidates, compute, restarts = multi_fidelity_counts(trajectory, allowed=budgets["compute"], running=running)
    rerun = 0 if running else rerun_rows(trajectory)
    rerun_compute = 0.0
    if rerun and compute is not None and trajectory.multi_fidelity:  # each attempt counts, as in the compute spent
        import pandas as pd

        from l2l.results_schema.frames import segment_compute

        later = trajectory.rows(("budget", "from_budget", "attempts"), n - rerun)
        rerun_compute = float(segment_compute(pd.DataFrame(later)).sum())
    continued = None
    fidelity = trajectory.run.get("fidelity") if isinstance(trajectory.run.get("fidelity"), dict) else {}
    # Every resume records the compute it ran toward: the default one too, which is no budget of the user's.
    created = trajectory.stored_run.get("fidelity") if isinstance(trajectory.stored_run.get("fidelity"), dict) else {}
    default = budgets["compute"] is None or budgets["compute"] == created.get("compute")
    if compute is not None and compute[1] is not None and default and not restarts \
            and not run_config.get("compute"):  # the default budget: what the sweep costs if segments restart
        continued = continued_bound(policy, fidelity, compute[1])
    return RunSummary(
        candidates=candidates, compute=compute, continued_bound=continued,
        backends=backend_text(part("backend"), kinds, details),
        path=str(trajectory.path), name=str(run.get("name", trajectory.path.stem)), seed=run.get("seed"),
        optimizer=part("optimizer"), simulator=part("simulator"), backend=part("backend"),
        host=str(run.get("host", "?")), created=str(run.get("created", "?")),
        l2l_version=str(versions.get("l2l", "?")), schema_version=trajectory.schema_version,
        objectives=tuple(trajectory.objectives),
        parameters=tuple(describe_parameter(p) for p in trajectory.space.parameters),
        status=status, reason=reason, generations=trajectory.n_generations,
        planned_generations=planned if isinstance(planned, int) else None, evaluations=n,
        planned_evaluations=int(budgets["evaluations"] or 0) if isinstance(budgets["evaluations"], int) else 0,
        max_time=float(budgets["max_time"] or 0) if isinstance(budgets["max_time"], (int, float)) else 0.0,
        elapsed=elapsed, sweep=bool(policy.get("max_candidates")), policy=str(policy.get("name") or ""),
        started=times[0] if times else None, last_event_time=times[-1] if times else None,
        rerun=rerun, rerun_compute=rerun_compute, **counts)


def summary_of(path: str | os.PathLike) -> RunSummary:
    """Open ``path``, summarize it, close it."""
    from l2l.results_schema.reader import Trajectory

    with Trajectory(path) as trajectory:
        return summarize(trajectory)
