"""The checkpoint a candidate's training ended with (:func:`checkpoint`, ``l2l.checkpoint``; ``l2l checkpoint``
reads :func:`latest_checkpoint`): by default the best candidate's, as :func:`l2l.analysis.best.best` ranks them, read
from the segments of a multi-fidelity run (:mod:`l2l.results_schema`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from l2l.analysis.best import best
from l2l.errors import TrajectoryError
from l2l.results_schema.layout import STATUS_CODES
from l2l.results_schema.reader import Trajectory


def checkpoint(path: str | os.PathLike, trial: int | None = None,
               folder: str | os.PathLike | None = None) -> dict[str, Any]:
    """The checkpoint a candidate's training ended with: its weights, to use the trained model.

    ``trial``: the candidate (default: the best, :func:`l2l.best`'s ``trial``); its latest successful segment's
    checkpoint is returned, the dict the training function returned there (as stored: a tuple comes back as a
    list, a numpy scalar as a number). For a ``command`` simulator's checkpoint (the files the program left in
    ``{checkpoint_dir}``), ``folder`` writes those files into that folder (created if needed), as the program
    would find them. Raises :class:`TrajectoryError` in one line for a run without checkpoints, an unknown
    trial, or a trial whose segments returned none.
    """
    trial, _, stored = latest_checkpoint(path, trial)
    if folder is not None:
        from pathlib import Path

        from l2l.errors import EvaluationError
        from l2l.simulators.command_checkpoint import write_checkpoint_dir
        if not (isinstance(stored, dict) and stored.get("simulator") == "command"):
            raise TrajectoryError(f"{path}: the checkpoint of trial {int(trial)} holds no files to write (it is the "
                                  f"dict the training function returned): leave out folder and use the dict")
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        try:
            write_checkpoint_dir(target, stored)
        except EvaluationError as exc:
            raise TrajectoryError(f"{path}: the checkpoint of trial {int(trial)}: {exc}") from None
    return stored


def latest_checkpoint(path: str | os.PathLike, trial: int | None = None) -> tuple[int, float, dict[str, Any]]:
    """(trial, budget, checkpoint): what :func:`checkpoint` returns with the candidate it chose (``trial``
    None: the best) and the budget of the segment that left it; the same one-line :class:`TrajectoryError`
    refusals."""
    with Trajectory(path) as trajectory:
        if trajectory.schema_version < 2:  # before runs trained in segments: said so, not 'it has no [policy]'
            raise TrajectoryError(f"{path}: no checkpoints: a file of schema {trajectory.schema_version}, written "
                                  f"before l2l trained candidates in segments and kept their checkpoints")
        if not trajectory.multi_fidelity:
            raise TrajectoryError(f"{path}: no checkpoints: the run did not train candidates in segments (it has no "
                                  f"[policy] nor run.inherit)")
        if trajectory.n_evaluations == 0:
            raise TrajectoryError(f"{path}: no checkpoints: the run has no committed segment yet")
        if trial is None:
            trial = best(path).trial
        if isinstance(trial, bool) or not isinstance(trial, (int, np.integer)):
            raise TrajectoryError(f"trial must be a candidate's number (the trial column of l2l.load), got "
                                  f"{type(trial).__name__} {trial!r:.60}")
        rows = trajectory.rows(("trial", "budget", "status"))
        trials, budgets = np.asarray(rows["trial"]), np.asarray(rows["budget"], dtype=float)
        mine = np.flatnonzero(trials == int(trial))
        if not len(mine):
            raise TrajectoryError(f"{path}: no trial {int(trial)}: its trials are numbered {int(trials.min())} to "
                                  f"{int(trials.max())}")
        good = mine[np.asarray(rows["status"])[mine] == STATUS_CODES["ok"]]
        for row in good[np.argsort(budgets[good], kind="stable")[::-1]]:
            stored = trajectory.checkpoint(int(row))
            if stored is not None:
                return int(trial), float(budgets[row]), stored
        raise TrajectoryError(f"{path}: trial {int(trial)} has no checkpoint: "
                              + ("none of its segments succeeded" if not len(good) else
                                 "its training function returned none"))
