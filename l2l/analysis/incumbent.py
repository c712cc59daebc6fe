"""The incumbent trajectory of a run (``l2l.incumbent``): the best so far against the compute spent, the
evaluations counted and the wall time, one row each time the incumbent changes.

It is what ``l2l compare`` draws (and the report's and ``l2l plot``'s best-so-far lines, which use its curves):
the functions here are the one computation behind both, so that the table a user reads in pandas and the lines
the figure draws cannot drift apart.

* A multi-fidelity run counts its segments in the order they completed, each costing ``(budget - from_budget)
  x attempts`` fidelity units (``budget`` where it restarted from scratch: its ``from_budget`` is 0), and only a
  successful result at the top budget counts as found.
* A run without segments counts its evaluations; where its function declares a fidelity, each costs the top
  budget per attempt; without one, compute is counted in evaluations.
* A candidate with several results (the model-based policy's repeats at a noisy top budget, a point evaluated
  twice) counts with the mean of its results so far, as ``l2l show`` and :func:`l2l.best` rank it, so the
  incumbent's value can get worse where a repeat comes in worse (:func:`best_of_means`).
* Failed results never count as found (their compute and their place in the count do).
* Wall time leaves out the pauses between a run's sessions (:mod:`l2l.sessions`).
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np
import pandas as pd

from l2l.objectives import Objective


def running_best(values: np.ndarray, objective: Objective) -> np.ndarray:
    """Best so far after each value; NaN (failed) values never improve it."""
    values = np.asarray(values, dtype=float)
    clean = np.where(np.isfinite(values), values, np.nan)
    return np.fmin.accumulate(clean) if objective.direction == "minimize" else np.fmax.accumulate(clean)


def leading(values: np.ndarray, candidates: np.ndarray,
            objective: Objective) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """After each value, the best candidate's mean over its values so far (NaN values do not count), the position
    of that candidate's first value (-1 before any) and how many values its mean is of: the best ``l2l show``
    would name at that moment. Without repeats the first is the running best; with them it can get worse where a
    repeat pulls the leader's mean back. Among equal means the candidate that led first keeps the lead."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    finite = np.isfinite(values)
    if len(np.unique(candidates[finite])) == int(finite.sum()):  # no repeats: a running best
        best = running_best(values, objective)
        changed = finite.copy()
        changed[1:] &= ~(best[1:] == best[:-1])
        leader_at = np.maximum.accumulate(np.where(changed, np.arange(n), -1)) if n else np.zeros(0, np.int64)
        return best, leader_at, (leader_at >= 0).astype(np.int64)
    sign = objective.sign
    sums: dict[Any, float] = {}
    counts: dict[Any, int] = {}
    first: dict[Any, int] = {}
    out = np.full(n, np.nan)
    leader_at = np.full(n, -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    leader, score = None, -np.inf  # score: the leader's mean, larger is better
    for i in np.flatnonzero(finite):
        group = candidates[i]
        first.setdefault(group, int(i))
        sums[group] = sums.get(group, 0.0) + values[i]
        counts[group] = counts.get(group, 0) + 1
        mean = sign * sums[group] / counts[group]
        if mean > score or leader is None:
            leader, score = group, mean
        elif group == leader:  # the leader got worse: another candidate may lead now
            leader = max(sums, key=lambda g: sign * sums[g] / counts[g])
            score = sign * sums[leader] / counts[leader]
        out[i], leader_at[i], count[i] = sign * score, first[leader], counts[leader]
    if n:  # a failed value repeats the incumbent before it
        last = np.maximum.accumulate(np.where(finite, np.arange(n), -1))
        known = last >= 0
        out[known], leader_at[known], count[known] = out[last[known]], leader_at[last[known]], count[last[known]]
    return out, leader_at, count


def best_of_means(values: np.ndarray, candidates: np.ndarray, objective: Objective) -> np.ndarray:
    """After each value, the best candidate's mean over its values so far (:func:`leading`)."""
    return leading(values, candidates, objective)[0]


def completion_order(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``frame`` (with ``started`` and ``duration``) in the order they completed (a stable sort: rows
    that completed at once keep the frame's order), and when each completed, in seconds since the epoch, in that
    order."""
    done = (frame["started"].to_numpy(dtype="datetime64[ns]").astype("int64") / 1e9
            + frame["duration"].to_numpy(dtype=float))
    order = np.argsort(done, kind="stable")
    return order, done[order]


def found(frame: pd.DataFrame, candidates: np.ndarray, objective: Objective, top_budget: float | None,
          by_completion: bool) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The rows counted (``by_completion``: in the order they completed, else in the frame's), the value each found
    (NaN: failed, or below ``top_budget`` in a multi-fidelity run; None: a run without segments) and the candidate
    of each (repeats share one)."""
    if by_completion:
        order, _ = completion_order(frame)
        frame, candidates = frame.iloc[order], candidates[order]
    values = np.where((frame["status"] == "ok").to_numpy(), frame[objective.name].to_numpy(dtype=float), np.nan)
    if top_budget is not None:
        values = np.where(np.isclose(frame["budget"].to_numpy(dtype=float), top_budget), values, np.nan)
    return frame, values, candidates


def spent(frame: pd.DataFrame, multi_fidelity: bool, per_evaluation: float | None, by_compute: bool) -> np.ndarray:
    """After each row of ``frame`` (in the order given), the evaluations counted or, ``by_compute``, the fidelity
    units spent: every attempt counts, the failed ones that were retried too (as ``l2l show`` counts compute); a
    run without segments and without a fidelity counts evaluations."""
    from l2l.results_schema.frames import evaluation_compute, segment_compute

    if not by_compute:
        return np.arange(1, len(frame) + 1)
    if multi_fidelity:
        return np.cumsum(segment_compute(frame))
    if per_evaluation is None:
        return np.cumsum(np.ones(len(frame)))
    return np.cumsum(evaluation_compute(frame, per_evaluation))


def wall_seconds(done: np.ndarray, events: pd.DataFrame | None, frame: pd.DataFrame,
                 completions: np.ndarray) -> np.ndarray:
    """Seconds from the run's start (its first event, else its first evaluation's start) to each of ``done``
    (seconds since the epoch) that the run was running: the pauses between its sessions are left out."""
    from l2l.sessions import active_seconds

    if events is not None and len(events):
        start = events["time"].iloc[0].timestamp()
        return active_seconds(done, start, [t.timestamp() for t in events["time"]], events["kind"].to_numpy(),
                              completions)
    start = float(frame["started"].min().timestamp()) if len(frame) else 0.0
    return np.asarray(done, dtype=float) - start


def candidates_of(rows: pd.DataFrame, parameters: Sequence[str], parents: pd.Series | None = None) -> np.ndarray:
    """The candidate of each row (evaluations or segments) as ``l2l show`` pools repeats; ``parents``: a
    multi-fidelity run's trial -> parent (a segment inherits its trial's, which a later segment may not record)."""
    from l2l.analysis.best import repeat_groups

    if parents is not None and "trial" in rows.columns:
        rows = rows.assign(parent=rows["trial"].map(parents).fillna(-1).to_numpy())
    return repeat_groups(rows, [p for p in parameters if p in rows.columns])


#: The columns every incumbent table starts with (the objective's, the candidate's and its parameters follow).
FIRST = ("evaluations", "compute", "seconds")


def incumbent(source: str | os.PathLike, objective: str | None = None) -> pd.DataFrame:
    """The incumbent trajectory of a run's file: one row each time the best so far changed, in the order the
    results came in (DEHB's ``traj``, SMAC's trajectory; what ``l2l compare`` draws).

    Columns: ``evaluations`` (results counted so far: a multi-fidelity run's segments), ``compute`` (spent so far,
    in the run's fidelity unit, which the table's ``attrs["unit"]`` names: every attempt of every segment, ``budget - from_budget``
    or, restarted, ``budget``; a run without a fidelity counts evaluations), ``seconds`` (wall time since the run
    started, pauses between sessions left out), the objective's column (the incumbent's value: the mean of its
    results so far where it has several, as ``l2l show`` and :func:`l2l.best` rank; it can then get worse), ``n``
    (how many results that mean is of), then the incumbent's ``trial`` (a multi-fidelity run) or ``generation``
    and ``individual`` (of its first result), and its parameters. A multi-fidelity run's results count only at the
    top budget; failed results never count as found. The last row is the run's best as :func:`l2l.best` gives it.

    A run of several objectives has one trajectory per objective: name it (``objective="loss"``); without it the
    call is refused in one line naming them. A run with no successful result yet gives an empty table.
    """
    from l2l.errors import ArgumentError, path_argument
    from l2l.parameters import plain
    from l2l.results_schema.reader import Trajectory

    if isinstance(source, Trajectory):
        source = source.path
    path = path_argument(source)
    objective = plain(objective)
    if objective is not None and not isinstance(objective, str):
        raise ArgumentError(f"objective must be an objective's name (or None), got {type(objective).__name__} "
                            f"{objective!r:.60}")
    with Trajectory(path) as trajectory:
        objectives = list(trajectory.objectives)
        names = ", ".join(o.name for o in objectives)
        if objective is None and len(objectives) > 1:
            raise ArgumentError(f"{path}: the run has {len(objectives)} objectives ({names}): name one, e.g. "
                                f"l2l.incumbent(path, objective={objectives[0].name!r})")
        chosen = objectives[0] if objective is None else next((o for o in objectives if o.name == objective), None)
        if chosen is None:
            raise ArgumentError(f"{path}: no objective {objective!r}; the run's objectives: {names}")
        multi = trajectory.multi_fidelity
        rows = trajectory.evaluations(errors=False, segments=True) if multi else trajectory.evaluations(errors=False)
        events = trajectory.events()
        fidelity = trajectory.run.get("fidelity")
        fidelity = fidelity if isinstance(fidelity, dict) else {}
        parameters = trajectory.space.columns()
    rungs = fidelity.get("rungs")
    top = (float(rungs[-1]) if rungs else float(rows["budget"].max()) if len(rows) else None) if multi else None
    per_evaluation = float(rungs[-1]) if rungs and not multi else None
    parents = rows.groupby("trial")["parent"].max() if multi and "parent" in rows.columns else None
    candidates = candidates_of(rows, parameters, parents)
    counted, values, candidates = found(rows, candidates, chosen, top, by_completion=True)
    unit = (fidelity.get("unit") or fidelity.get("name")) if (multi or per_evaluation is not None) else None
    table = trajectory_table(counted, values, candidates, chosen, parameters, multi=multi,
                             per_evaluation=per_evaluation, events=events)
    table.attrs.update({"objective": chosen.name, "direction": chosen.direction, "unit": unit or "evaluations",
                        "path": str(path)})
    return table


def trajectory_table(counted: pd.DataFrame, values: np.ndarray, candidates: np.ndarray, objective: Objective,
                     parameters: Sequence[str], *, multi: bool, per_evaluation: float | None,
                     events: pd.DataFrame | None) -> pd.DataFrame:
    """:func:`incumbent`'s table from the rows counted in completion order (:func:`found`)."""
    best, leader, count = leading(values, candidates, objective)
    compute = spent(counted, multi, per_evaluation, by_compute=True)
    _, done = completion_order(counted)  # already in completion order: the same order
    seconds = wall_seconds(done, events, counted, done) if len(counted) else np.zeros(0)
    change = np.isfinite(best)
    change[1:] &= ~((best[1:] == best[:-1]) & (leader[1:] == leader[:-1]))
    at = np.flatnonzero(change)
    own = [c for c in parameters if c in counted.columns]
    ids = ["trial"] if multi else ["generation", "individual"]
    taken = {*FIRST, objective.name, "n", *ids}
    out = pd.DataFrame({"evaluations": np.arange(1, len(counted) + 1)[at], "compute": compute[at],
                        "seconds": seconds[at], objective.name: best[at]})
    out["n"] = count[at]
    first = counted.iloc[leader[at]] if len(at) else counted.iloc[:0]
    for column in ids:
        out[column] = first[column].to_numpy(dtype=np.int64)
    for column in own:
        out[column if column not in taken else f"{column} (parameter)"] = first[column].to_numpy()
    return out


__all__ = ["best_of_means", "completion_order", "found", "incumbent", "leading", "running_best", "spent",
           "wall_seconds"]
