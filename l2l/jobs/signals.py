"""Signals that ask a run to stop (SLURM sends one before the walltime).

``l2l submit`` runs the outer loop as a batch job with ``--signal=B:USR1@<secs>``:
SLURM sends SIGUSR1 to the batch shell that many seconds before the walltime (or
on preemption); the shell passes it on to the ``l2l`` process, whose handler only
calls :meth:`RunControl.request_stop` of that process's run. The loop checks the
request between evaluations, commits what it has and returns; the job then
requeues itself and the next job runs ``l2l resume`` on the same trajectory file.

The stop request belongs to the run (:class:`l2l.control.RunControl`), never to
the process: installing handlers is the command line's business, and
:func:`restore` puts back whatever was there before.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Iterable

from l2l.control import RunControl

DEFAULT_SIGNALS = (signal.SIGUSR1, signal.SIGTERM)

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


def install(control: RunControl, signals: Iterable[int] = DEFAULT_SIGNALS) -> dict[int, object]:
    """Make ``signals`` ask ``control``'s run to stop; returns the previous handlers.

    Only the main thread may install signal handlers; from any other thread
    this does nothing and returns ``{}``.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum: int, frame) -> None:  # noqa: ARG001 - signal handler signature
        note(signum)
        control.request_stop(f"signal {signal.Signals(signum).name}")

    previous = {}
    for signum in signals:
        previous[signum] = signal.signal(signum, handler)
    return previous


def restore(previous: dict[int, object]) -> None:
    """Put back the handlers returned by :func:`install`."""
    for signum, handler in previous.items():
        signal.signal(signum, handler)
