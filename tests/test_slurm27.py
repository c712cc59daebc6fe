"""SLURM leftovers of session 26 (helper-162).

* The ``slurm`` backend's scheduler runs in the loop's process (dask-jobqueue's cluster), yet the run asked it for the
  list of every worker over the network once a second while it waited (measured: 0.85 requests a second on a run of
  2 worker jobs and 3 s evaluations); it reads the scheduler in this process now, as ``local`` does (0 requests).
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from slurm_helpers import require_slurm, squeue


import l2l.jobs.dask as dask_backend


def _queued(job_id: str) -> bool:
    return any(row[1] in ("PENDING", "CONFIGURING", "RUNNING") for row in squeue("--format=%i|%T", f"--jobs={job_id}"))


class _Clock:
    """time.monotonic for l2l.jobs.dask alone, moved on by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def __getattr__(self, name: str):
        return getattr(time, name)


def test_a_slurm_run_reads_its_own_scheduler_s_workers_without_a_request_to_it(monkeypatch):
    from distributed import Client, LocalCluster

    from l2l.jobs.slurm import SlurmExecutor

    clock = _Clock()
    monkeypatch.setattr(dask_backend, "time", clock)
    # the scheduler in this process, as dask-jobqueue's SLURMCluster runs it (its workers are SLURM jobs)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0",
                      protocol="tcp://", host="127.0.0.1") as cluster:
        scheduler, requests = cluster.scheduler, []
        identity = scheduler.handlers["identity"]
        scheduler.handlers["identity"] = lambda *a, n_workers=0, **k: requests.append(n_workers) or identity(
            *a, n_workers=n_workers, **k)
        try:
            with Client(cluster, set_as_default=False) as client:
                executor = SlurmExecutor()
                executor._cluster, executor._client, executor._pending = cluster, client, 1
                executor._workers, executor._workers_asked = 1, -float("inf")  # started
                counts = []
                for _ in range(3):  # what a run waiting for results does, a second apart
                    clock.now += 1.01
                    executor._tell_paused()
                    counts.append(executor.worker_count)
        finally:
            scheduler.handlers["identity"] = identity
            executor._cluster = None  # not the executor's to close
    assert counts == [1, 1, 1]
    # before: one request for every worker's details a second (0.85 a second measured on a real slurm run)
    assert [n for n in requests if n != 0] == []


def _held_array(batch, name: str) -> str:
    """A held (never running) one-task array job named ``name``, started in the batch folder ``batch`` as slurm-array
    submits its arrays (--chdir); its id."""
    batch.mkdir(parents=True)
    done = subprocess.run(["sbatch", "--parsable", "--hold", "--array=0", f"--job-name={name}", f"--chdir={batch}",
                           "--output=/dev/null", "--wrap=sleep 300"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().split(";")[0]


@pytest.mark.slurm
def test_an_array_an_earlier_l2l_recorded_by_id_alone_is_cancelled_after_the_run_was_renamed(tmp_path):
    from l2l.jobs.slurm_common import cancel_left_behind

    require_slurm()
    old, new = tmp_path / "sweep.work", tmp_path / "sweep-lr0.1.work"
    batch = old / "array" / "batches" / "g00003-0002-4242-beef"
    job_id = _held_array(batch, "l2l-sweep")
    try:
        (batch / "job_id").write_text(f"{job_id}\n")  # an earlier l2l's file: the id alone
        os.rename(old, new)  # killed, then the run moved to a new name, its folder with it
        # before: [] (looked for under l2l-sweep-lr0.1, the name made from the folder's new name)
        assert cancel_left_behind(new) == [job_id]
        assert not _queued(job_id)
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)


@pytest.mark.slurm
def test_an_id_alone_is_not_cancelled_for_a_job_started_elsewhere_under_another_name(tmp_path):
    from l2l.jobs.slurm_common import cancel_left_behind

    require_slurm()
    work = tmp_path / "sweep.work"
    other = _held_array(tmp_path / "elsewhere" / "g00003-0002-4242-beef", "someone-else")  # the id given to another job
    try:
        batch = work / "array" / "batches" / "g00003-0002-4242-beef"
        batch.mkdir(parents=True)
        (batch / "job_id").write_text(f"{other}\n")
        assert cancel_left_behind(work) == []
        assert _queued(other)
    finally:
        subprocess.run(["scancel", other], capture_output=True, timeout=30)
