"""Execution backends, looked up by name in :data:`BACKENDS`; one protocol for all.

See :mod:`l2l.jobs.base` for the protocol.
"""

from l2l.jobs.base import Executor, Outcome, Settings, Task
from l2l.registry import Registry

BACKENDS = Registry("backend", {
    "serial": "l2l.jobs.serial:SerialExecutor",
    "local": "l2l.jobs.dask:LocalExecutor",
    "dask": "l2l.jobs.dask:DaskExecutor",
    "slurm": "l2l.jobs.slurm:SlurmExecutor",
    "slurm-array": "l2l.jobs.slurm_array:SlurmArrayExecutor",
})

__all__ = ["BACKENDS", "Executor", "Outcome", "Settings", "Task"]
