"""Dask backends: an embedded LocalCluster (the default) or an existing scheduler.

The names l2l.jobs.BACKENDS finds here: ``local`` (l2l.jobs.dask_local.LocalExecutor) and ``dask``
(l2l.jobs.dask_existing.DaskExecutor). What they share lives beside them: l2l.jobs.dask_executor (chunks, futures,
the runs lost with a worker), dask_cluster (what l2l's own clusters start with), dask_interrupts (Ctrl-C),
dask_greet (the first word with an existing scheduler), dask_logs (distributed's log lines), dask_chunks (chunk
sizes), dask_worker (what runs on the workers).
"""

from l2l.jobs.dask_chunks import TARGET_CHUNK_SECONDS, TASK_RATE, chunk_count, slots
from l2l.jobs.dask_existing import DaskExecutor, SchedulerGone
from l2l.jobs.dask_local import LocalExecutor

__all__ = ["DaskExecutor", "LocalExecutor", "SchedulerGone", "TARGET_CHUNK_SECONDS", "TASK_RATE", "chunk_count",
           "slots"]
