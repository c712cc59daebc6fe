"""dask-jobqueue as a ``slurm`` run holds it: imported without changing how this process takes Ctrl-C
(:func:`slurm_cluster_class`), and quiet about the connections it finds closed while the cluster closes."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import ClassVar


def slurm_cluster_class() -> type:
    """dask-jobqueue's ``SLURMCluster``, imported without changing how this process takes Ctrl-C.

    Importing ``dask_jobqueue`` (its ``runner`` module) installs a SIGINT handler that calls
    ``sys.exit()``: Ctrl-C then ended a run with status 0, silently, without the "interrupted ...
    l2l resume" line and the ``stopped`` event, as the SystemExit passed by the loop's
    ``except KeyboardInterrupt``. The handlers of SIGINT and SIGTERM are saved before and put back
    after; if another import came first, its handler is replaced by Python's default (KeyboardInterrupt).
    This is the one place l2l imports dask_jobqueue.

    Its import also copied its ``jobqueue.yaml``, commented out, into the user's dask config folder
    (``~/.config/dask``, or ``$DASK_CONFIG``) through ``dask.config.ensure_file``, which writes nothing where its
    destination is an existing file: for the import, ``dask.config.PATH`` names this module's file. dask-jobqueue's
    defaults are loaded from its own copy all the same, and a jobqueue.yaml the user wrote is read as before.
    """
    import dask.config

    wanted = (signal.SIGINT, signal.SIGTERM)
    saved = {number: signal.getsignal(number) for number in wanted}
    folder, dask.config.PATH = dask.config.PATH, __file__
    try:
        from dask_jobqueue import SLURMCluster
    finally:
        dask.config.PATH = folder
        for number, handler in saved.items():
            current = signal.getsignal(number)
            if getattr(handler, "__module__", "") == "dask_jobqueue.runner":  # imported by someone before us
                handler = signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL
            if handler is not None and current is not handler:
                try:
                    signal.signal(number, handler)
                except ValueError:  # not the main thread: the import could not install a handler either
                    pass
    return SLURMCluster


class _ClosingNoise(logging.Filter):
    """Drops what Dask logs, with a traceback, about a connection found closed while l2l closes the cluster.

    The client closes first, then the cluster (its scheduler, then the worker jobs): a message the scheduler
    still sends to the closed client, or a batch of it to a worker leaving, is logged as "Closed comm ... while
    trying to write" (CRITICAL) or "Batched Comm Closed" (INFO, printed once the cluster has closed: the filter
    of l2l.jobs.dask_logs is off) with a CommClosedError traceback, after a run that ended well. Only these
    two messages, only from the close on (they come late, from the event loop's thread) until the next cluster
    starts: during a run they still say that something went wrong. Likewise the scheduler's CancelledError (an
    ERROR with an empty message and a traceback) of the stream of a worker job that was retiring for its lifetime
    as the cluster closed: a run whose last evaluation failed as its worker retired (LIFETIME_LOSSES) closes then.
    """

    #: logger name -> the message (format string) it drops
    NOISE: ClassVar[dict] = {"distributed.scheduler": "Closed comm %r while trying to write %s",
                             "distributed.batched": "Batched Comm Closed %r"}
    closing = False

    def filter(self, record: logging.LogRecord) -> bool:
        if self.closing and record.name == "distributed.scheduler" and record.exc_info \
                and isinstance(record.exc_info[1], asyncio.CancelledError):
            return False
        return not (self.closing and self.NOISE.get(record.name) == record.msg)

    @classmethod
    def install(cls) -> "_ClosingNoise":
        """The one filter, on the loggers of :attr:`NOISE` (a logger's filters see the records it makes)."""
        for name in cls.NOISE:
            logging.getLogger(name).addFilter(_CLOSING_NOISE)  # once: a filter already there is not added again
        return _CLOSING_NOISE


_CLOSING_NOISE = _ClosingNoise()
