"""Dask runs leave this process as they found it (session 29).

* A ``local`` run left in ``os.environ`` what Dask's nanny sets there for its worker processes (OMP_NUM_THREADS,
  MKL_NUM_THREADS, OPENBLAS_NUM_THREADS = 1, MALLOC_TRIM_THRESHOLD_, PYTHONHASHSEED, __DASK_PARENT_PID): every
  program a notebook started after a run ran with one BLAS thread.
* A ``slurm`` run's closed scheduler stayed alive for the rest of the process (distributed's memo of its handlers),
  with its client, futures, backend and one more DequeHandler on distributed.scheduler after each run.
* A ``dask`` run whose end (cancelling its evaluations) raised as it closed left its interrupt hook
  (``sys.unraisablehook``) installed for the rest of the process.
"""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import sys
import threading

import pytest

import l2l
from l2l.jobs import dask_interrupts
from l2l.jobs.dask import DaskExecutor, LocalExecutor

SWEEP = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": {"name": "sphere"},
         "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1, "seed": 1},
         "backend": {"name": "local", "workers": 1}}
NANNY = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MALLOC_TRIM_THRESHOLD_", "PYTHONHASHSEED",
         "__DASK_PARENT_PID")


@pytest.fixture
def clean_environ(monkeypatch):
    """None of the nanny's variables set, as in a fresh notebook (PYTHONHASHSEED 0: Python's hashing unseeded)."""
    for key in NANNY:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PYTHONHASHSEED", "0")  # (Dask's nanny replaces a 0 by a seed of its own)


def _nanny_environ() -> dict[str, str | None]:
    return {key: os.environ.get(key) for key in NANNY}


def test_a_local_run_leaves_the_environment_of_later_programs_as_found(tmp_path, clean_environ):
    found = _nanny_environ()
    assert l2l.load(l2l.run(SWEEP, tmp_path / "run.h5", progress=False))["status"].tolist() == ["ok", "ok"]
    # before: OMP_NUM_THREADS=1 (and the others) stayed: a program started afterwards ran with one BLAS thread
    assert _nanny_environ() == found
    later = subprocess.run([sys.executable, "-c", "import os; print(os.environ.get('OMP_NUM_THREADS'))"],
                           capture_output=True, text=True, check=True)
    assert later.stdout.strip() == "None"


def test_overlapping_local_runs_put_the_environment_back_as_the_last_closes_keeping_the_users_changes(
        clean_environ):
    found = _nanny_environ()
    first, second = LocalExecutor(workers=1), LocalExecutor(workers=1)
    try:
        first._client = first._connect()
        second._client = second._connect()
        assert os.environ.get("OMP_NUM_THREADS") == "1"  # (Dask's, while its clusters live)
        first.close()
        assert os.environ.get("OMP_NUM_THREADS") == "1"  # the second's nanny still wants it
        os.environ["MKL_NUM_THREADS"] = "3"  # the user's, during the second run
    finally:
        first.close()
        second.close()
    assert _nanny_environ() == {**found, "MKL_NUM_THREADS": "3"}


def test_two_local_runs_in_two_threads_leave_the_environment_as_found(tmp_path, clean_environ):
    found, statuses = _nanny_environ(), []

    def run(name: str) -> None:
        statuses.append(l2l.load(l2l.run(SWEEP, tmp_path / name, progress=False))["status"].tolist())

    threads = [threading.Thread(target=run, args=(f"run{n}.h5",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [["ok", "ok"]] * 2
    assert _nanny_environ() == found


@pytest.mark.slurm
def test_slurm_runs_leave_no_scheduler_alive(tmp_path):
    from distributed import Scheduler

    from l2l.jobs.slurm import SlurmExecutor
    from slurm_helpers import require_slurm

    require_slurm()

    def schedulers() -> int:
        gc.collect()
        return sum(isinstance(thing, Scheduler) for thing in gc.get_objects())

    before, handlers = schedulers(), len(logging.getLogger("distributed.scheduler").handlers)
    for n in range(2):  # a cluster as a run starts it, with no worker job (minimum_jobs 0)
        executor = SlurmExecutor(minimum_jobs=0, maximum_jobs=1, log_directory=str(tmp_path / f"logs{n}"))
        executor._client = executor._connect()
        executor.close()
    del executor
    # before: 2 closed schedulers (with their clients and backends) and 2 DequeHandlers more (fewer than before them
    # where earlier tests of the process left closed ones that this forgets too)
    assert schedulers() - before <= 0
    assert len(logging.getLogger("distributed.scheduler").handlers) - handlers <= 0
    # no worker job of these runs is left (other sessions' jobs may be)
    queued = subprocess.run(["squeue", "-h", "-o", "%o %Z"], capture_output=True, text=True, check=True).stdout
    assert str(tmp_path) not in queued


def test_a_dask_run_whose_end_fails_as_it_closes_puts_the_interrupt_hook_back(monkeypatch):
    hook = sys.unraisablehook
    executor = DaskExecutor(address="tcp://127.0.0.1:8786")
    dask_interrupts.watch_dropped_interrupts(True)  # as start() does in the main thread
    executor._watching = True

    def fails() -> None:
        raise KeyboardInterrupt  # (Ctrl-C as the run's end cancels its evaluations)

    monkeypatch.setattr(executor, "_end_run", fails)
    try:
        with pytest.raises(KeyboardInterrupt):
            executor.close()
        # before: the hook that keeps interrupts for the run stayed, for the rest of the process
        assert sys.unraisablehook is hook
    finally:
        if sys.unraisablehook is not hook:
            dask_interrupts.watch_dropped_interrupts(False)
