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
from typing import Iterable

from l2l.control import RunControl
# what a simulator asks of a stop (its program died of the signal that stopped the run): at the simulators' level
from l2l.simulators.stop_signals import EvaluationStopped, note, stopped_by  # noqa: F401 - names of this module

DEFAULT_SIGNALS = (signal.SIGUSR1, signal.SIGTERM)


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
