"""Distributed's log lines kept off the screen while the ``local`` backend's clusters live, however many at once.

Dask's ``LocalCluster(silence_logs=...)`` raises the level of distributed's stream handlers (the lines it prints on
stderr) for the cluster's life and puts back, as it closes, the level it found. Two clusters whose lives overlap in
one process (two ``l2l.run`` in two threads of a notebook) undo each other: the second finds the level raised by the
first and keeps it; the first, closing before it, puts back the original level, and the second cluster's close then
printed its INFO lines ('Remove client ...', 'Closing Nanny at ...', 'Scheduler closing all comms', a dozen) under
the run's summary. Here the level is raised once, as the first of this process's clusters starts, and put back as
the last one has closed: nothing more is silenced than while one cluster lives (as before), and distributed's lines
show again, warnings and all, once no run's cluster is left.
"""

from __future__ import annotations

import contextlib
import logging
import threading

#: The loggers whose stream handlers Dask's LocalCluster silences (see distributed.deploy.spec.SpecCluster).
SILENCED = ("distributed", "bokeh")

_lock = threading.Lock()
_clusters = 0
_restore: contextlib.ExitStack | None = None


def clusters_quiet() -> None:
    """A cluster of this process starts: distributed's stream handlers print CRITICAL lines alone from now on,
    until every cluster that called this has called :func:`cluster_closed`."""
    global _clusters, _restore
    from distributed.utils import silence_logging_cmgr

    with _lock:
        if _clusters == 0:
            stack = contextlib.ExitStack()
            for root in SILENCED:
                stack.enter_context(silence_logging_cmgr(logging.CRITICAL, root=root))
            _restore = stack
        _clusters += 1


def cluster_closed() -> None:
    """A cluster that called :func:`clusters_quiet` has closed: the last one puts the handlers' levels back."""
    global _clusters, _restore
    with _lock:
        _clusters = max(0, _clusters - 1)
        if _clusters == 0 and _restore is not None:
            restore, _restore = _restore, None
            restore.close()
