"""Lineage of population-based training: whose checkpoint each learner continued, and its schedule.

In a PBT run a member that exploits another continues from that member's
checkpoint as a new trial with new parameters; the row of its first segment
records the donor in the ``parent`` column. Following parents back from a
learner gives its whole history: which trial trained it over which range of
budgets, with which parameters. :func:`lineage` returns that history for every
learner that reached the top budget (or for the trials asked for).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from l2l.errors import TrajectoryError


def schedules(segments: pd.DataFrame, params: list[str], members: list[int] | None = None) -> pd.DataFrame:
    """The history of each member, from the segments of a multi-fidelity run (``l2l.load(segments=True)``).

    One row per piece of a member's training: ``member`` (the final trial),
    ``trial`` (who trained that piece), ``from_budget``, ``budget``, ``parent``,
    ``seed`` (the seed that trial's segments were called with: training piece
    after piece with it and the parameters in force, each checkpoint passed on,
    gives the member's checkpoint again), the parameters in force and the
    objective columns at ``budget``; rows of a
    member are in order of budget, starting at 0. The first column is ``member``
    or, in a file whose parameter or objective has that name (PBT runs refuse
    it since), ``(member)``: the user's column keeps its name.
    """
    if "parent" not in segments.columns:
        raise TrajectoryError("this run has no lineage: it is not a multi-fidelity run")
    ok = segments.sort_values(["trial", "budget"], kind="stable")
    # each trial's rows by position in ``ok`` (in order of budget), and the columns a chain is followed by, as
    # arrays: a frame per trial and per piece, each with the file's attrs deep-copied, took 0.03 s a call for 8
    # members (80 rows), for the same rows
    trials = ok["trial"].to_numpy()
    starts = np.flatnonzero(np.r_[True, trials[1:] != trials[:-1]]) if len(trials) else np.zeros(0, int)
    by_trial = {int(trials[start]): np.arange(start, end)
                for start, end in zip(starts, [*starts[1:], len(trials)])}
    along = (ok["budget"].to_numpy(float), ok["parent"].to_numpy(), ok["from_budget"].to_numpy(float))
    if members is None:
        top = float(np.nanmax(segments["budget"])) if len(segments) else np.nan
        members = sorted({int(t) for t in segments.loc[np.isclose(segments["budget"], top), "trial"]})
    members = list(dict.fromkeys(members))  # a member asked for twice is one member (its rows were given twice)
    key = "(member)" if "member" in segments.columns else "member"  # was: ValueError, 'member' already exists
    objectives = [o["name"] for o in segments.attrs.get("objectives", []) if o["name"] in segments.columns]
    keep = [key, "trial", "from_budget", "budget", "parent", "seed", *params, *objectives, "status"]
    pieces, owners = [], []
    for member in members:
        for rows in _chain(by_trial, along, member):
            pieces.append(rows)
            owners.append(np.full(len(rows), member, dtype=np.int64))
    if not pieces:  # no member (members=[], or no trial at the top yet): the same columns, none of the rows
        columns = [c for c in keep if c == key or c in segments.columns]
        return segments.iloc[:0].assign(**{key: pd.Series(dtype="int64")})[columns].reset_index(drop=True)
    out = ok.iloc[np.concatenate(pieces)].reset_index(drop=True)
    out.insert(0, key, np.concatenate(owners))
    out = out.sort_values([key, "budget"], kind="stable")
    return out[[c for c in keep if c in out.columns]].reset_index(drop=True)


def _chain(by_trial: dict[int, np.ndarray], columns: tuple[np.ndarray, np.ndarray, np.ndarray],
           member: int) -> list[np.ndarray]:
    """The segments that made ``member``: its own, after those of its ancestors up to where it branched (the
    positions of their rows; ``columns``: the budget, parent and from_budget of every row)."""
    budgets, parents, froms = columns
    chain: list[np.ndarray] = []
    trial, upto = member, np.inf
    seen: set[int] = set()
    while trial >= 0 and trial in by_trial and trial not in seen:
        seen.add(trial)
        rows = by_trial[trial]
        rows = rows[budgets[rows] <= upto + 1e-9]
        if not len(rows):
            break
        chain.append(rows)
        parent = int(parents[rows[0]])
        upto = float(froms[rows[0]])
        trial = parent
    return chain[::-1]


def lineage(path: str | os.PathLike, members: list[int] | None = None, curves: bool = False) -> pd.DataFrame:
    """The schedule of every learner of a run that reached the top budget (see :func:`schedules`).

    ``curves=True``: the learning curves of those learners across their exploits instead, one row per point
    each segment's curve holds: the columns of :func:`schedules` (the piece the point belongs to and the
    parameters in force there) with ``trace`` (``curve:loss``), ``step`` (the fidelity of the point) and
    ``value``; a member's steps run from its first ancestor's first epoch to the top budget without gaps (a
    segment that returned no curve gives one point: its objective at its budget).

    ``members`` that is not a list of trial numbers, a trial the run does not have, and ``curves`` that is not
    True or False are refused in one line (``members=3`` raised Python's "'int' object is not iterable",
    ``members=[999]`` gave an empty frame, ``curves="no"`` the curves).
    """
    from l2l.switches import check_switch
    from l2l.results_schema.reader import Trajectory

    curves, members = check_switch(curves, "curves"), _members(members)
    with Trajectory(path) as trajectory:
        if not trajectory.multi_fidelity:
            raise TrajectoryError(f"{path}: no lineage: the run did not train candidates in segments")
        segments = trajectory.evaluations(errors=False, segments=True)
        trials = set(segments["trial"].astype(int))
        unknown = [member for member in members or () if member not in trials]
        if unknown:
            raise TrajectoryError(f"{path}: no trial {unknown[0]}: its trials are numbered "
                                  f"{int(segments['trial'].min())} to {int(segments['trial'].max())}"
                                  if len(segments) else f"{path}: no trial {unknown[0]}: the run has no segment yet")
        params = list(trajectory.space.columns())
        history = schedules(segments, params, members)
        if not curves:
            return history
        points = trajectory.traces_frame()
        objectives = [o.name for o in trajectory.objectives]
    return _curves(history, points, objectives)


def _members(members: Any) -> list[int] | None:
    """``members`` of :func:`lineage` as a list of ints (numpy's too), or a one-line :class:`ArgumentError`."""
    from l2l.errors import ArgumentError
    from l2l.parameters import plain

    if members is None:
        return None
    wrong = isinstance(members, (str, bytes, dict)) or not hasattr(members, "__iter__")
    values = [] if wrong else [plain(member) for member in members]
    if wrong or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        bad = members if wrong else next(v for v in values if isinstance(v, bool) or not isinstance(v, int))
        raise ArgumentError(f"members must be a list of trial numbers (the trial column of l2l.load), e.g. [3, 7], "
                            f"got {type(bad).__name__} {bad!r:.60}")
    return values


def _curves(history: pd.DataFrame, points: pd.DataFrame, objectives: list[str]) -> pd.DataFrame:
    """The curve points of each piece of ``history`` (points of trial ``trial`` in (from_budget, budget]); a
    piece whose segment returned no curve gives one point per objective, its result at ``budget``."""
    points = points[points["trace"].astype(str).str.startswith("curve:")]
    key = history.columns[0] if len(history.columns) else "member"
    columns = [*history.columns, "trace", "step", "value"]
    pieces = []
    by_trial = {int(t): rows for t, rows in points.groupby("trial", sort=False)} if len(points) else {}
    for _, piece in history.iterrows():
        rows = by_trial.get(int(piece["trial"]))
        inside = rows[(rows["step"] > piece["from_budget"] + 1e-9) & (rows["step"] <= piece["budget"] + 1e-9)] \
            if rows is not None else None
        if inside is None or not len(inside):  # no curve (a command that prints its result only): the result
            names = [name for name in objectives if name in history.columns]
            inside = pd.DataFrame({"trace": [f"curve:{name}" for name in names], "step": float(piece["budget"]),
                                   "value": [float(piece[name]) for name in names]})
            if not len(inside):
                continue
        out = pd.DataFrame({name: [piece[name]] * len(inside) for name in history.columns})
        out["trace"], out["step"], out["value"] = inside["trace"].to_numpy(), inside["step"].to_numpy(float), \
            inside["value"].to_numpy(float)
        pieces.append(out)
    if not pieces:
        return pd.DataFrame(columns=columns)
    out = pd.concat(pieces, ignore_index=True).sort_values([key, "trace", "step"], kind="stable")
    return out[columns].reset_index(drop=True)
