"""Loaded by every worker process of the ``local`` backend (Dask's worker ``preload``).

Ctrl-C in a terminal sends SIGINT to the whole foreground process group, so
to the embedded cluster's workers too: each would print the traceback of its
interrupted event loop, while the run itself stops cleanly (it commits what
finished and closes the cluster, which ends the workers). The workers
therefore ignore SIGINT; they still end with the cluster, on SIGTERM, or when
the process that started them dies.
"""

from __future__ import annotations

import signal


def dask_setup(worker) -> None:  # noqa: ARG001 - Dask's preload hook; runs in the worker's main thread
    signal.signal(signal.SIGINT, signal.SIG_IGN)
