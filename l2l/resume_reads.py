"""What a session reads of a run's file before it writes to it, and what its ``started``/``resumed`` event records
of where it runs: a file moved from another host while its run writes it, a checkpoint folder missing beside it,
the outcomes of the generation a run was interrupted in, and the ``file`` and ``model_dir`` entries of the
session's event. :func:`l2l.loop.resume` asks these before any worker starts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from l2l.errors import TrajectoryError
from l2l.jobs import Outcome
from l2l.left_jobs import SLURM_BACKENDS
from l2l.objectives import Objective
from l2l.results_schema.lock import moved_from_another_host
from l2l.results_schema.reader import Trajectory
from l2l.run_config import RunConfig
from l2l.words import option


def model_dir_entry(config: RunConfig) -> dict[str, str]:
    """``{"model_dir": folder}`` for the event of a session resumed with ``model_dir``: where its model came from (the
    stored config still names the folder the run started with)."""
    options = config.simulator.options
    folder = options.get("config_dir") if config.simulator.name == "command" else options.get("path")
    return {"model_dir": str(folder)} if isinstance(folder, str) and folder else {}



def refuse_moved_from_another_host(path: Path) -> None:
    """Refuse (:class:`TrajectoryError`) to resume ``path`` where the run's last session, which has no end in the
    file, recorded it under another name (a SLURM backend's session records its file: :func:`session_file`) and
    the lock there is held from another host: the file was moved while that run writes it
    (:func:`~l2l.results_schema.lock.moved_from_another_host`). A writer on this host is refused as the lock is
    taken, whatever the backend (:class:`~l2l.results_schema.lock.WriterLock`)."""
    import json

    try:
        with Trajectory(path) as trajectory:
            log = trajectory.events()
    except Exception:  # noqa: BLE001 - a damaged file: the resume says what is wrong with it, as before
        return
    if not len(log) or log["kind"].iloc[-1] not in ("started", "resumed"):  # no session, or it ended
        return
    try:
        detail = json.loads(log["detail"].iloc[-1])
    except ValueError:
        return
    recorded = detail.get("file") if isinstance(detail, dict) else None
    refusal = moved_from_another_host(path, recorded) if isinstance(recorded, str) and recorded else None
    if refusal:
        raise TrajectoryError(refusal)



def session_file(path: Path, config: RunConfig) -> dict[str, str]:
    """``{"file": the run's file, absolute}`` for the event of a session on a SLURM backend (else {}): where the folder
    naming its jobs was (``<file>.work``), and so their name (``l2l-NAME``), should the file be moved without it
    (:func:`l2l.left_jobs.jobs_left_elsewhere`)."""
    return {"file": str(path.absolute())} if config.backend.name in SLURM_BACKENDS else {}



def refuse_missing_folder(trajectory: Trajectory) -> None:
    """Refuse, before any worker starts, to resume a run whose folder of large checkpoints is not beside the file
    (moved or copied without it). Before, the resume ran, trained new candidates into a new empty folder and
    ended with an error at the first paused candidate it continued: compute spent on a run that could not go on
    as it would have."""
    from l2l.summary import missing_folder_line

    missing = missing_folder_line(trajectory, 0)
    if missing:
        raise TrajectoryError(f"{missing}; or resume with {option('drop_unreadable')} to record every candidate "
                              f"that would continue from one of its checkpoints as failed")



def stored_outcomes(trajectory: Trajectory, generation: int, objectives: tuple[Objective, ...],
                     committed: int | None = None) -> dict[int, Outcome]:
    """Outcomes of ``generation`` already in the file (an interrupted generation).

    Only the rows after the last commit (``committed`` of them before) are read, so a resume costs the same
    whatever the size of the file.
    """
    from l2l.results_schema.layout import STATUS_NAMES

    start = committed if committed is not None else 0
    metrics = trajectory.metric_columns
    names = ("generation", "individual", "seed", "status", "attempts", "started", "duration",
             *(f"objectives/{o.name}" for o in objectives), *(f"metrics/{m}" for m in metrics))
    columns = trajectory.rows(names, start)
    out = {}
    for k in np.flatnonzero(columns["generation"] == generation):
        row = start + int(k)
        individual = int(columns["individual"][k])
        out[individual] = Outcome(
            generation=generation, individual=individual, seed=int(columns["seed"][k]),
            status=STATUS_NAMES[int(columns["status"][k])],
            objectives={o.name: float(columns[f"objectives/{o.name}"][k]) for o in objectives},
            metrics={m: float(columns[f"metrics/{m}"][k]) for m in metrics},
            outputs=trajectory.output_of(row), error=trajectory.error_text(row, limit=1 << 20),
            started=float(columns["started"][k]), duration=float(columns["duration"][k]),
            attempt=int(columns["attempts"][k]) - 1)
    return out
