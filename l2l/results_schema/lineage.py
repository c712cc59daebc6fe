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

import numpy as np
import pandas as pd

from l2l.errors import TrajectoryError


def schedules(segments: pd.DataFrame, params: list[str], members: list[int] | None = None) -> pd.DataFrame:
    """The history of each member, from the segments of a multi-fidelity run (``l2l.load(segments=True)``).

    One row per piece of a member's training: ``member`` (the final trial),
    ``trial`` (who trained that piece), ``from_budget``, ``budget``, the
    parameters in force and the objective columns at ``budget``; rows of a
    member are in order of budget, starting at 0. The first column is ``member``
    or, in a file whose parameter or objective has that name (PBT runs refuse
    it since), ``(member)``: the user's column keeps its name.
    """
    if "parent" not in segments.columns:
        raise TrajectoryError("this run has no lineage: it is not a multi-fidelity run")
    ok = segments.sort_values(["trial", "budget"], kind="stable")
    by_trial = {int(t): rows for t, rows in ok.groupby("trial", sort=False)}
    if members is None:
        top = float(np.nanmax(segments["budget"])) if len(segments) else np.nan
        members = sorted({int(t) for t in segments.loc[np.isclose(segments["budget"], top), "trial"]})
    key = "(member)" if "member" in segments.columns else "member"  # was: ValueError, 'member' already exists
    pieces = []
    for member in members:
        chain = _chain(by_trial, member)
        for rows in chain:
            piece = rows.copy()
            piece.insert(0, key, member)
            pieces.append(piece)
    if not pieces:
        return pd.DataFrame(columns=[key, "trial", "from_budget", "budget", *params])
    out = pd.concat(pieces, ignore_index=True)
    objectives = [o["name"] for o in segments.attrs.get("objectives", []) if o["name"] in out.columns]
    keep = [key, "trial", "from_budget", "budget", "parent", *params, *objectives, "status"]
    out = out.sort_values([key, "budget"], kind="stable")
    return out[[c for c in keep if c in out.columns]].reset_index(drop=True)


def _chain(by_trial: dict[int, pd.DataFrame], member: int) -> list[pd.DataFrame]:
    """The segments that made ``member``: its own, after those of its ancestors up to where it branched."""
    chain: list[pd.DataFrame] = []
    trial, upto = member, np.inf
    seen: set[int] = set()
    while trial >= 0 and trial in by_trial and trial not in seen:
        seen.add(trial)
        rows = by_trial[trial]
        rows = rows[rows["budget"] <= upto + 1e-9]
        if not len(rows):
            break
        chain.append(rows)
        first = rows.iloc[0]
        parent = int(first["parent"])
        upto = float(first["from_budget"])
        trial = parent
    return chain[::-1]


def lineage(path: str | os.PathLike, members: list[int] | None = None) -> pd.DataFrame:
    """The schedule of every learner of a run that reached the top budget (see :func:`schedules`)."""
    from l2l.results_schema.reader import Trajectory

    with Trajectory(path) as trajectory:
        if not trajectory.multi_fidelity:
            raise TrajectoryError(f"{path}: no lineage: the run did not train candidates in segments")
        segments = trajectory.evaluations(errors=False, segments=True)
        params = list(trajectory.space.columns())
    return schedules(segments, params, members)
