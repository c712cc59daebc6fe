"""The processes an evaluation of the command simulator started: found by the variables set in their environment,
and ended."""

from __future__ import annotations

from pathlib import Path

from l2l.program_guard import holding, kill_holding

#: Set in the program's environment to its working directory: how l2l finds every process an evaluation
#: started (a shell wrapper's children too) to end them (see :func:`kill_started`).
WORKDIR_VARIABLE = "L2L_WORKDIR"
#: Set in the program's environment to the run's folder (``<run>.work``): how l2l finds the programs a
#: stopped run leaves running on its local workers (see :meth:`l2l.simulators.command.Command.end_programs`).
RUN_VARIABLE = "L2L_RUN"


def processes_started(workdir: Path | str) -> list[int]:
    """The processes whose environment names ``workdir`` in :data:`WORKDIR_VARIABLE` (or holds the variable
    ``workdir``, given as ``NAME=value``) (Linux: ``/proc``; elsewhere none are found)."""
    return holding(_needle(workdir))


def _needle(workdir: Path | str) -> bytes:
    return (workdir if isinstance(workdir, str) else f"{WORKDIR_VARIABLE}={workdir}").encode()


def environment_value(pid: int, name: str) -> str | None:
    """The value of ``name`` in the environment of process ``pid`` (Linux: ``/proc``), or None."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    prefix = f"{name}=".encode()
    for entry in environ.split(b"\0"):
        if entry.startswith(prefix):
            return entry[len(prefix):].decode(errors="surrogateescape")
    return None


def kill_started(workdir: Path | str) -> None:
    """End every process an evaluation in ``workdir`` started that is still alive: the children of a program
    killed at its timeout (a shell script's ``python train.py``), or programs whose Dask worker died with a
    killed ``l2l`` (they would go on writing into the folder of the segment that runs again)."""
    kill_holding(_needle(workdir), rounds=20)
