"""The jobs a killed session left are cancelled under the names they carry; a cancelled array leaves no batch folder
(helper-149).

A later session (``l2l resume``, ``l2l reevaluate``) cancels an id its run's folder names only under the job name
recorded with it, so that a job SLURM has since given the id to is left alone. Two names were wrong: a user's own
``--job-name`` in ``job_extra_directives`` wins over the run's ``l2l-NAME`` but the run's was recorded (worker jobs),
or made from the folder's name (arrays: a run renamed with its folder has arrays of its old name in the queue); none
of those jobs was cancelled. And a slurm-array run stopped with tasks in flight (or a killed one's arrays cancelled
by a later session) left each array's batch folder in ``<run>.work/array/batches/``: job script, inputs and the logs
of its tasks, gathered nowhere. Held jobs (``--hold``) stand in for a queue where they wait: they never run.
"""

from __future__ import annotations

import asyncio
import os
import subprocess

import numpy as np
import pytest
from slurm_helpers import require_slurm, squeue, wait_for

from l2l.jobs import BACKENDS
from l2l.jobs.base import Settings, Task
from l2l.simulators import SIMULATORS


def _queued(job_id: str) -> bool:
    return any(row[1] in ("PENDING", "CONFIGURING", "RUNNING") for row in squeue("--format=%i|%T", f"--jobs={job_id}"))


def _array_run(work, options: dict, tasks: int = 1):
    """A slurm-array executor started on the run folder ``work`` with ``tasks`` sleeping evaluations submitted as
    one array; the executor and the array's job id."""
    executor = BACKENDS.create("slurm-array", {"poll_max": 0.5, **options})
    executor.start(SIMULATORS.create("sleep", {"median": 300.0}), Settings(objectives=("value",), run_dir=str(work)))
    executor.submit([Task(0, index, index, {"x": np.zeros(1)}) for index in range(tasks)])
    return executor, executor._arrays[0].job_id


@pytest.mark.slurm
def test_a_worker_job_under_the_user_s_own_job_name_is_cancelled_by_a_later_session(tmp_path):
    from dask_jobqueue.slurm import SLURMJob

    from l2l.jobs.slurm import SlurmExecutor, _job_class, _Submissions, slurm_cluster_class
    from l2l.jobs.slurm_left import cancel_left_behind

    require_slurm()
    work = tmp_path / "run.work"
    executor = SlurmExecutor(log_directory=str(tmp_path / "logs"), job_extra_directives=["--job-name=my sweep #3",
                                                                                         "--hold"])
    slurm_cluster_class()
    executor._run_dir = str(work)
    kwargs = {key: value for key, value in executor._job_kwargs().items()
              if key not in ("scheduler_options", "silence_logs")}
    script = SLURMJob(scheduler="tcp://127.0.0.1:8786", name="w", **kwargs).job_script()
    (tmp_path / "job.sh").write_text("\n".join(line for line in script.splitlines() if line.startswith("#"))
                                     + "\nsleep 300\n")
    job = _job_class(_Submissions(1), str(work))(scheduler="tcp://127.0.0.1:8786", name="w", **kwargs)
    job_id = job._job_id_from_submit_output(asyncio.run(job._submit_job(str(tmp_path / "job.sh"))))
    try:
        assert squeue("--format=%i|%j", f"--jobs={job_id}")[0][1] == "my sweep #3"  # the user's name wins
        assert (work / "slurm-jobs" / job_id).read_text() == "my sweep #3\n"  # before: l2l-run, never cancelled
        assert cancel_left_behind(work) == [job_id] and not _queued(job_id)
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)


@pytest.mark.slurm
def test_an_array_under_the_user_s_own_job_name_is_cancelled_and_its_batch_folder_removed(tmp_path):
    from l2l.jobs.slurm_left import cancel_left_behind

    require_slurm()
    work = tmp_path / "run.work"
    _, job_id = _array_run(work, {"job_extra_directives": ["-J mine", "--hold"]})  # then killed: nothing closes it
    try:
        assert squeue("--format=%F|%j", f"--jobs={job_id}")[0][1] == "mine"
        assert cancel_left_behind(work) == [job_id] and not _queued(job_id)
        # its one task never ran: no log to keep, and nothing left in batches/ (job script, tasks.json)
        assert not list((work / "array" / "batches").iterdir())
        assert not list((work / "array" / "logs").iterdir())
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)


@pytest.mark.slurm
def test_the_arrays_of_a_run_renamed_with_its_folder_are_cancelled_under_their_old_name(tmp_path):
    from l2l.jobs.slurm_left import cancel_left_behind

    require_slurm()
    old, new = tmp_path / "sweep.work", tmp_path / "sweep-lr0.1.work"
    _, job_id = _array_run(old, {"job_extra_directives": ["--hold"]})  # killed, then the run moved to a new name
    try:
        os.rename(old, new)
        assert squeue("--format=%F|%j", f"--jobs={job_id}")[0][1] == "l2l-sweep"
        assert cancel_left_behind(new) == [job_id] and not _queued(job_id)  # before: [], looked for l2l-sweep-lr0.1
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)


@pytest.mark.slurm
def test_a_slurm_array_run_stopped_mid_array_keeps_the_log_of_the_task_that_ran_and_no_batch_folder(tmp_path):
    require_slurm()
    work = tmp_path / "run.work"
    executor, job_id = _array_run(work, {"max_running": 1}, tasks=2)  # task 0 runs, task 1 waits for it
    batch = executor._arrays[0].directory
    try:
        wait_for(lambda: (batch / "logs" / "0.log").exists(), 60, "task 0 to start")
        executor.close()  # as a run stopped (Ctrl-C, a target reached) closes it
        assert not _queued(job_id)
        assert not list((work / "array" / "batches").iterdir())  # before: the batch folder, with both tasks' inputs
        log = (work / "array" / "logs" / "generation-00000.log").read_text()
        assert f"individual 0 attempt 0 (SLURM job {job_id}_0, cancelled before it wrote a result) ====" in log
        assert "individual 1" not in log  # it never ran: no log to keep
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)


def test_a_first_array_sbatch_refuses_leaves_no_batch_folder(tmp_path, monkeypatch):
    from l2l.jobs import slurm_array
    from l2l.jobs.slurm_common import SlurmError

    def refuse(argv, **_):
        raise SlurmError(argv, 1, "", "sbatch: error: QOSMaxSubmitJobPerUserLimit")

    executor = BACKENDS.create("slurm-array", {"array_size": 10})  # no scontrol asked for MaxArraySize
    executor.start(SIMULATORS.create("sleep", {}), Settings(objectives=("value",), run_dir=str(tmp_path / "run.work")))
    monkeypatch.setattr(slurm_array, "call", refuse)  # as sbatch refuses after its --test-only took the script
    with pytest.raises(SlurmError, match="QOSMaxSubmitJobPerUserLimit"):
        executor.submit([Task(0, 0, 0, {"x": np.zeros(1)})])
    executor.close()
    assert not list((tmp_path / "run.work" / "array" / "batches").iterdir())  # before: its job.sh and tasks.json


def test_squeue_that_does_not_answer_is_asked_for_the_arrays_name_once_a_session(tmp_path, monkeypatch):
    from l2l.jobs import slurm_array

    numbers = iter(range(900001, 900100))
    asked = []
    monkeypatch.setattr(slurm_array, "call", lambda argv, **_: f"{next(numbers)}\n")  # sbatch takes every array
    monkeypatch.setattr(slurm_array, "queued_job_name", lambda job_id: asked.append(job_id) or "")  # no answer
    executor = BACKENDS.create("slurm-array", {"array_size": 10})
    executor.start(SIMULATORS.create("sleep", {}), Settings(objectives=("value",), run_dir=str(tmp_path / "run.work")))
    try:
        for generation in range(3):
            executor.submit([Task(generation, 0, 0, {"x": np.zeros(1)})])
    finally:
        monkeypatch.setattr(slurm_array, "call", lambda argv, **_: "")  # the close's scancel
        executor.close()
    # before: asked again with every array (each squeue that does not answer holds the driver up to 30 s)
    assert asked == ["900001"]
