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
"""

from __future__ import annotations

import os
import signal
import sys


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


def dask_setup(worker) -> None:  # noqa: ARG001 - Dask's preload hook; runs in the worker's main thread
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdout_to_stderr()
