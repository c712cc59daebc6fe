"""Watching a trajectory file another process writes: the tests that stop or kill a run once it has committed
some evaluations (Ctrl-C, SIGHUP, kill -9) wait for them with :func:`committed_evaluations`."""
from __future__ import annotations

import os

import l2l


def committed_evaluations(path: str | os.PathLike) -> int:
    """The evaluations committed to ``path`` so far; 0 while the file is not there or not readable yet (its writer
    is creating it)."""
    try:
        with l2l.Trajectory(path) as trajectory:
            return trajectory.n_evaluations
    except (l2l.TrajectoryError, OSError):
        return 0
