"""Whether a signal that asked this process's run to stop arrived (:func:`stopped_by`), and what an evaluation
cut short by it raises (:class:`EvaluationStopped`): a ``command`` simulator whose program died of the signal that
stopped the run asks it. The handlers that record it (:func:`note`) are installed by :mod:`l2l.jobs.signals`."""

from __future__ import annotations

import signal
import time

#: When (``time.monotonic()``) a handler that asks a run to stop last received each signal in this process.
_received: dict[int, float] = {}


class EvaluationStopped(Exception):
    """An evaluation cut short by a stop asked of its run: a signal sent to the whole process group (a closed
    terminal's SIGHUP, SLURM's SIGTERM at a job's end, ``kill -TERM -- -PGID``) reached both ``l2l``, whose handler
    asks the run to stop, and a ``command`` simulator's program, which died of it. No failure of the evaluation:
    the executor leaves it unfinished, as it leaves any evaluation a stop cancels, and ``l2l resume`` runs it
    again (:meth:`l2l.jobs.serial.SerialExecutor.wait`)."""


def note(signum: int) -> None:
    """Record that a handler asking a run to stop received ``signum`` now (safe in a signal handler)."""
    _received[signum] = time.monotonic()


def stopped_by(signum: int, since: float, grace: float = 0.2) -> bool:
    """Whether a stop handler of this process received ``signum`` at or after ``since`` (``time.monotonic()``):
    a program that died of ``signum`` then died of the signal that stopped the run. Where this process has a
    Python handler for ``signum`` that has not run yet, waits up to ``grace`` seconds for it (the program may be
    reaped just before the handler runs, in the main thread)."""
    if _received.get(signum, -1.0) >= since:
        return True
    try:
        handled = callable(signal.getsignal(signum))
    except (ValueError, OSError):
        return False
    if not handled:
        return False
    end = time.monotonic() + grace
    while time.monotonic() < end:
        time.sleep(0.01)  # the handler runs as the main thread wakes (here, if this is the main thread)
        if _received.get(signum, -1.0) >= since:
            return True
    return False
