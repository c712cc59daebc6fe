"""Loaded by every worker process of the ``local`` backend (Dask's worker ``preload``).

Ctrl-C in a terminal sends SIGINT to the whole foreground process group, so
to the embedded cluster's workers too: each would print the traceback of its
interrupted event loop, while the run itself stops cleanly (it commits what
finished and closes the cluster, which ends the workers). The workers
therefore ignore SIGINT; they still end with the cluster, on SIGTERM, or when
the process that started them dies.

A worker inherits the run's stdout, where ``l2l run`` prints its summary: a
simulator's output there would be mixed with it (``l2l run cfg.toml >
out.txt``). The worker's file descriptor 1 is therefore made a copy of its
stderr, so that what the simulator prints, and what C extensions or child
processes write to stdout, reaches the terminal on stderr instead.

A closed terminal (a terminal window closed, an ssh connection dropped) asks the run to stop (SIGHUP, see
:func:`l2l.cli_closing.install_stop_signals`), but the evaluations a worker is running go on until they end, and from
then on every write to the terminal fails (EIO): a simulator's ``print`` raised ``OSError: [Errno 5]
Input/output error`` and its evaluation was recorded as failed (with 1 worker, 2 of the 6 evaluations of the
run). The worker's ``sys.stdout`` and ``sys.stderr`` therefore point its descriptors 1 and 2 at /dev/null at the
first write that finds the terminal hung up, and the write goes there.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from typing import Any

from l2l.hung_up import leave_hung_up


def stdout_to_stderr() -> None:
    """Point this process's file descriptor 1 at its stderr; sys.stdout flushes every line from now on."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
        os.dup2(2, 1)
    except (OSError, ValueError):  # no stderr, or a closed stdout: leave things as they are
        return
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if callable(reconfigure):  # block-buffered when stdout was a file; it is the terminal's stderr now
        try:
            reconfigure(line_buffering=True)
        except (OSError, ValueError):
            pass


class _HangUpProof:
    """``sys.stdout`` or ``sys.stderr`` of a worker: a write or flush that fails because the terminal has hung up
    points descriptors 1 and 2 at /dev/null (:func:`l2l.hung_up.leave_hung_up`) and goes there; any other error is
    raised as before. Everything else is the stream's."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            self._left_hung_up_terminal(exc)
            return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            self._left_hung_up_terminal(exc)

    def _left_hung_up_terminal(self, exc: OSError) -> None:
        """Re-raise ``exc`` unless it is EIO from a terminal that has hung up; then leave it, and flush what the
        stream still holds to /dev/null."""
        if exc.errno != errno.EIO:
            raise exc
        import termios

        try:
            termios.tcgetattr(self._stream.fileno())
        except termios.error as state:
            if not state.args or state.args[0] != errno.EIO:
                raise exc from None
        except (OSError, ValueError):
            raise exc from None
        else:  # a terminal still there: EIO for another reason
            raise exc
        leave_hung_up((1, 2, self._stream.fileno()))
        try:
            self._stream.flush()
        except OSError:
            pass

    def __getattr__(self, name: str) -> Any:  # fileno, buffer, isatty, encoding, reconfigure...: the stream's
        return getattr(self._stream, name)


def hang_up_proof() -> None:
    """Make this process's ``sys.stdout`` and ``sys.stderr`` survive a terminal that hangs up (see the module)."""
    try:
        import termios  # noqa: F401 - POSIX only
    except ImportError:  # not POSIX: no terminal to hang up
        return
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _HangUpProof):
            setattr(sys, name, _HangUpProof(stream))


def dask_setup(worker) -> None:  # noqa: ARG001 - Dask's preload hook; runs in the worker's main thread
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdout_to_stderr()
    hang_up_proof()
