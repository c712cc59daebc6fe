"""A process-wide "stop requested" flag, set by a signal (SLURM sends one before the walltime).

``l2l submit`` runs the outer loop as a batch job with ``--signal=B:USR1@<secs>``:
SLURM sends SIGUSR1 to the batch shell that many seconds before the walltime (or
on preemption); the shell passes it on to the ``l2l`` process, whose handler only
sets a flag. The loop checks :func:`stop_requested` between evaluations, commits
what it has and returns; the job then requeues itself and the next job runs
``l2l resume`` on the same trajectory file.

Nothing here touches files or the loop: setting a flag is all a signal handler
may safely do.
"""

from __future__ import annotations

import signal
import threading
from typing import Iterable

_stop = threading.Event()
_reason: list[str] = []


def stop_requested() -> bool:
    """True once a stop was requested (by a signal or :func:`request_stop`)."""
    return _stop.is_set()


def stop_reason() -> str:
    """Why the stop was requested ('' if it was not)."""
    return _reason[-1] if _reason else ""


def request_stop(reason: str = "requested") -> None:
    """Ask the running loop to stop after committing its current work."""
    _reason.append(reason)
    _stop.set()


def clear() -> None:
    """Forget an earlier request (for tests and for a new run in the same process)."""
    _reason.clear()
    _stop.clear()


def _handler(signum: int, frame) -> None:  # noqa: ARG001 - signal handler signature
    request_stop(f"signal {signal.Signals(signum).name}")


def install(signals: Iterable[int] = (signal.SIGUSR1, signal.SIGTERM)) -> dict[int, object]:
    """Make ``signals`` set the stop flag; returns the previous handlers.

    Only the main thread may install signal handlers; from any other thread
    this does nothing and returns ``{}``.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for signum in signals:
        previous[signum] = signal.signal(signum, _handler)
    return previous


def restore(previous: dict[int, object]) -> None:
    """Put back the handlers returned by :func:`install`."""
    for signum, handler in previous.items():
        signal.signal(signum, handler)
