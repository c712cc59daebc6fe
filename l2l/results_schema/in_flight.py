"""The candidates of a multi-fidelity run whose segments were in flight at the file's last commit
(:func:`in_flight_candidates`), and the rows appended after that commit which ``l2l resume`` drops and runs again
(:func:`rerun_rows`), read from the committed run state: ``l2l show`` (:mod:`l2l.summary.multi_fidelity`) and
``l2l.load`` (:func:`l2l.results_schema.frames.segment_view`) both ask it."""

from __future__ import annotations

from typing import Any

import numpy as np

from l2l.results_schema import lock
from l2l.results_schema.status import run_status
from l2l.results_schema.view import TrajectoryView


def in_flight_candidates(trajectory: TrajectoryView, running: bool | None = None) -> tuple[set[int] | None, str]:
    """The candidates of a multi-fidelity run not finished whose segment was in flight at the last commit, and
    the state they are in instead of the one their stored segments give: ``running`` while a writer may still
    run them, else ``interrupted`` (``l2l resume`` runs them again). ``running``: whether a writer may still
    run them, as the caller knows it (``l2l show``, from the run's status); None: read from the event log and
    the writer's lock as ``l2l show`` does (:func:`l2l.results_schema.status.run_status`). (None, "running") for a
    finished run, one without a commit, or a state that cannot be read: nothing is in flight that is known.
    Where no writer is left, the candidates with a row after the last commit are interrupted too: ``l2l resume``
    drops those rows and runs them again (:func:`rerun_rows`; they read paused before).

    ``l2l show`` counts the candidates by it and ``l2l.load`` gives them that state, so the two agree."""
    if not trajectory.n_generations or trajectory.finished():
        return None, "running"
    in_flight = _last_commit(trajectory)[0]
    if in_flight is None:
        return None, "running"
    rerun = rerun_rows(trajectory)
    if running is None and (in_flight or rerun):
        alive = lock.writer_alive(trajectory.path)  # before the events: a writer that ends in between shows ended
        events = trajectory.events()
        status = run_status(list(events["kind"]), list(events["detail"]), alive)[0]
        running = status in ("running", "running or interrupted")
    if running or not rerun:
        return in_flight, "running" if running else "interrupted"
    # rows appended after the last commit (Ctrl-C appends what finished, commits nothing): l2l resume drops them and
    # runs their segments again, from the checkpoints the last commit holds (a candidate new since, from scratch)
    return in_flight | set(_rerun_trials(trajectory, trajectory.n_evaluations - rerun).tolist()), "interrupted"


def _last_commit(trajectory: TrajectoryView) -> tuple[set[int] | None, int | None]:
    """The trials in flight at the last commit and the rows it accounts for (None where the state cannot be read),
    decoded once per opened file."""
    known = getattr(trajectory, _IN_FLIGHT, None)
    if known is not None and known[0] == trajectory.n_generations:  # l2l show reads the frame three times
        return known[1], known[2]
    try:
        loop = trajectory.state()["loop"]
        in_flight = _in_flight_trials(loop.get("in_flight", []))
        rows = int(loop.get("rows", loop.get("evaluations")))
    except Exception:  # noqa: BLE001 - a summary never fails on what it only counts
        in_flight, rows = None, None
    setattr(trajectory, _IN_FLIGHT, (trajectory.n_generations, in_flight, rows))
    return in_flight, rows


def rerun_rows(trajectory: TrajectoryView) -> int:
    """How many rows ``trajectory`` holds past those its last commit accounts for, where ``l2l resume`` drops them
    and runs their evaluations again (a run with a ``[policy]``, ``run.mode = "async"`` or ``run.inherit``: a
    generational run reuses them); 0 where it runs none again.

    Ctrl-C appends the results that came in but commits nothing new, and a run killed may have appended rows
    since its last commit: ``l2l show`` counted such a candidate paused at the budget of its last row, and the
    segments and compute with the rest, though a resume starts from the last commit and runs them again. A run
    finished, or one whose writer still runs, has none to run again: the caller asks only of a run interrupted
    or stopped."""
    n = trajectory.n_evaluations
    if not n or trajectory.finished() or not _resume_drops_uncommitted(trajectory):
        return 0
    if not trajectory.n_generations:  # no commit: a resume starts the run afresh
        return n
    rows = _last_commit(trajectory)[1]
    return 0 if rows is None else n - min(max(rows, 0), n)


def _resume_drops_uncommitted(trajectory: TrajectoryView) -> bool:
    """True if ``l2l resume`` drops the rows appended after the last commit (``l2l.loop``: every schedule but the
    generational one, and that one under ``run.inherit``)."""
    config = trajectory.run.get("config")
    config = config if isinstance(config, dict) else {}
    policy = config.get("policy")
    name = policy.get("name") if isinstance(policy, dict) else policy
    if name:
        try:  # the built-in policies drop them; a user's may say otherwise
            from l2l.policies import POLICIES

            return not getattr(POLICIES.get(str(name)), "reuses_uncommitted", False)
        except Exception:  # noqa: BLE001 - a policy this version does not know: as the built-in ones
            return True
    run = config.get("run") if isinstance(config.get("run"), dict) else {}
    return bool(run.get("inherit")) or run.get("mode") == "async"


def _rerun_trials(trajectory: TrajectoryView, first: int) -> np.ndarray:
    """The trials of a multi-fidelity run's rows from ``first`` on (those :func:`rerun_rows` names)."""
    try:
        return np.unique(trajectory.rows(("trial",), first)["trial"]).astype(np.int64)
    except Exception:  # noqa: BLE001 - a summary never fails on what it only counts
        return np.zeros(0, dtype=np.int64)


#: The attribute of a :class:`~l2l.results_schema.reader.Trajectory` that keeps the trials in flight at its last commit (decoding the state
#: costs as much as reading a few thousand rows); a Trajectory reads the file as it was when opened.
_IN_FLIGHT = "_l2l_in_flight"


def _in_flight_trials(in_flight: Any) -> set[int]:
    """The trials of the segments in flight stored with a commit: ``[trial, budget, from_budget]`` entries (or the
    ``{candidate number: code}`` mapping of older async runs)."""
    entries = in_flight.keys() if isinstance(in_flight, dict) else [entry[0] for entry in in_flight]
    return {int(trial) for trial in entries}
