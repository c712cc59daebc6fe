"""The ``slurm`` backend's worker jobs carry the run's name (helper-137).

Every worker job was named ``l2l-worker``: in ``squeue`` a user running two sweeps could not tell whose job was
whose, and a later session told a job id that SLURM had given to another job apart by nothing but the name all the
worker jobs of every run shared. Now they are ``l2l-NAME``, as slurm-array's arrays, written into the job script by
the one helper that checks and quotes its values (a run named with a blank, a quote or a ``#``), and each job's name
is kept with its id in the run's folder; an earlier version's files (empty: ``l2l-worker``) are still cancelled.
"""

from __future__ import annotations

import asyncio
import os
import subprocess

import pytest
from slurm_helpers import require_slurm, squeue


def _submit(executor, work) -> tuple[str, str]:
    """A worker job as the backend submits it (its job script's #SBATCH lines, then a sleep in place of the
    worker); its id and the name squeue shows."""
    from dask_jobqueue.slurm import SLURMJob

    from l2l.jobs.slurm import _job_class, _Submissions, slurm_cluster_class

    slurm_cluster_class()
    executor._run_dir = str(work)
    # the backend makes its log folder as it starts (a job whose log file cannot be opened ends FAILED at once,
    # leaving the queue: the test then failed whenever the node was free to run the job straight away)
    os.makedirs(executor.log_directory, exist_ok=True)
    kwargs = {key: value for key, value in executor._job_kwargs().items()
              if key not in ("scheduler_options", "silence_logs")}
    header = [line for line in SLURMJob(scheduler="tcp://127.0.0.1:8786", name="w", **kwargs).job_script().splitlines()
              if line.startswith("#")]
    script = work.parent / "job.sh"
    script.write_text("\n".join(header) + "\nsleep 300\n")
    job = _job_class(_Submissions(1), str(work))(scheduler="tcp://127.0.0.1:8786", name="w", **kwargs)
    job_id = job._job_id_from_submit_output(asyncio.run(job._submit_job(str(script))))
    assert job_id, script.read_text()
    rows = squeue("--format=%i|%j", f"--jobs={job_id}")
    return job_id, rows[0][1] if rows else ""


def _queued(job_id: str) -> bool:
    return any(row[1] in ("PENDING", "CONFIGURING", "RUNNING") for row in squeue("--format=%i|%T", f"--jobs={job_id}"))


@pytest.mark.slurm
def test_a_worker_job_is_named_after_its_run_and_cancelled_by_that_name(tmp_path):
    from l2l.jobs.slurm import SlurmExecutor
    from l2l.jobs.slurm_left import cancel_left_behind

    require_slurm()
    work = tmp_path / "sweep #2, it's lr=0.1.work"
    job_id, name = _submit(SlurmExecutor(log_directory=str(tmp_path / "logs")), work)
    try:
        # before: 'l2l-worker', the name of every worker job of every run
        assert name == "l2l-sweep #2, it's lr=0.1"
        assert (work / "slurm-jobs" / job_id).read_text() == name + "\n"
        assert cancel_left_behind(work) == [job_id]
        assert not _queued(job_id) and not (work / "slurm-jobs").exists()  # its folder too, once empty
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)


@pytest.mark.slurm
def test_an_id_named_in_the_run_folder_whose_job_has_another_name_now_is_left_alone(tmp_path):
    from l2l.jobs.slurm import SlurmExecutor
    from l2l.jobs.slurm_left import cancel_left_behind

    require_slurm()
    other, mine = tmp_path / "other.work", tmp_path / "mine.work"
    job_id, name = _submit(SlurmExecutor(log_directory=str(tmp_path / "logs")), other)
    try:
        assert name == "l2l-other"
        # the id as a killed session of 'mine' named it (SLURM has since given it to a worker job of 'other'); the
        # one name all worker jobs shared before could not tell the two apart
        (mine / "slurm-jobs").mkdir(parents=True)
        (mine / "slurm-jobs" / job_id).write_text("l2l-mine\n")
        assert cancel_left_behind(mine) == [] and _queued(job_id)
        # an earlier version's file (empty) names a job 'l2l-worker': this one is not that either
        (mine / "slurm-jobs").mkdir()  # (removed with the file above, once empty)
        (mine / "slurm-jobs" / job_id).write_text("")
        assert cancel_left_behind(mine) == [] and _queued(job_id)
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)
