"""A PyNEST model that sets NEST's ``local_num_threads`` itself, above the threads l2l gave the kernel.

The ``nest`` simulator sets ``local_num_threads`` before the model runs: its ``threads`` option, or (``threads = 0``)
the CPUs of the worker or SLURM job. A model copied from a script that sets it again itself
(``nest.local_num_threads = 4``, ``nest.SetKernelStatus({"local_num_threads": 4})``) ran 4 threads in a job that booked
one CPU, which spin waiting for each other where the cluster binds jobs to their CPUs, and the metric
``nest_virtual_processes`` recorded l2l's 1, not the 4 the evaluation ran with (the count a reproduction needs: NEST's
random streams are per thread). The metric is now read after the model ran, and :func:`note` says it once per run, on
stderr (remembered with the run's simulator: :mod:`l2l.simulators.said_once`).
"""

from __future__ import annotations

import sys
from typing import Any

from l2l.simulators.said_once import report, state


def note(given: int, used: int, owner: Any) -> None:
    """After a model ran in a kernel given ``given`` threads that held ``used`` when it returned."""
    if used <= given:
        return
    if not state(owner, "nest_threads").get("warned"):
        report("nest_threads", given=given, used=used)  # (a slurm-array task's driver hears it: said_once)
    seen(given, used, owner)


def seen(given: int, used: int, owner: Any) -> None:
    """The model ran ``used`` threads where l2l gave ``given``: warn, once for ``owner``."""
    said = state(owner, "nest_threads")
    if said.get("warned"):
        return
    said["warned"] = True
    print(f"l2l: warning: simulator 'nest': the model set NEST's local_num_threads to {used} itself, above the {given} "
          f"l2l gave it ([simulator] threads, 0: the CPUs of the worker or SLURM job): its threads share those CPUs, "
          f"spinning while they wait for each other, so every evaluation may be many times slower; remove it from the "
          f"model and set [simulator] threads (on SLURM with as many CPUs a job: cpus_per_task, cores)",
          file=sys.stderr, flush=True)


__all__ = ["note", "seen"]
