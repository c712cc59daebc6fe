"""SLURM leftovers of session 26 (helper-162).

* The ``slurm`` backend's scheduler runs in the loop's process (dask-jobqueue's cluster), yet the run asked it for the
  list of every worker over the network once a second while it waited (measured: 0.85 requests a second on a run of
  2 worker jobs and 3 s evaluations); it reads the scheduler in this process now, as ``local`` does (0 requests).
"""

from __future__ import annotations

import os
import subprocess

import pytest
from slurm_helpers import require_slurm, squeue


import l2l.jobs.dask_executor as dask_executor
from fake_clock import ManualClock


def _queued(job_id: str) -> bool:
    return any(row[1] in ("PENDING", "CONFIGURING", "RUNNING") for row in squeue("--format=%i|%T", f"--jobs={job_id}"))



def test_a_slurm_run_reads_its_own_scheduler_s_workers_without_a_request_to_it(monkeypatch):
    from distributed import Client, LocalCluster

    from l2l.jobs.slurm import SlurmExecutor

    clock = ManualClock()
    monkeypatch.setattr(dask_executor, "time", clock)
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
    from l2l.jobs.slurm_left import cancel_left_behind

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
    from l2l.jobs.slurm_left import cancel_left_behind

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


# -- a run's file moved without its folder -------------------------------------------------------------------------

def _finished_run(folder, backend: dict) -> "os.PathLike":
    """A run of one evaluation on ``backend``, finished; its file ``folder/old.h5``."""
    import l2l
    from l2l.config import from_mapping

    config = from_mapping({"run": {"name": "old", "seed": 1, "generations": 1},
                           "space": {"x": {"type": "float", "low": -1, "high": 1}},
                           "optimizer": {"name": "random", "population_size": 1},
                           "simulator": {"name": "sleep", "median": 0.0}, "backend": backend}, base_dir=folder)
    return l2l.run(config, folder / "old.h5")


def _killed_session(path, backend: str, file) -> None:
    """What a session of ``path`` on ``backend`` killed (kill -9) leaves in the file: its ``resumed`` event, last."""
    from l2l.results_schema.writer import TrajectoryWriter

    with TrajectoryWriter(path) as writer:
        writer.event("resumed", {"generation": 1, "reused": 0, "generations": 2, "pid": 1,
                                 "backend": {"name": backend}, **({"file": str(file)} if file else {})})


def _resume(path, capsys) -> list[str]:
    import l2l

    l2l.resume(path, generations=2, backend="serial")
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith(("l2l: note", "l2l: warning"))]


@pytest.mark.slurm
def test_a_file_moved_without_its_folder_has_the_jobs_its_killed_session_left_cancelled(tmp_path, capsys):
    import json

    from l2l.results_schema.reader import Trajectory

    require_slurm()
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(), there.mkdir()
    old = _finished_run(here, {"name": "slurm-array", "poll_max": 0.3, "array_size": 10})
    with Trajectory(old) as trajectory:  # where the folder naming its jobs is: <file>.work
        assert json.loads(trajectory.events()["detail"].iloc[0])["file"] == str(old.absolute())
    _killed_session(old, "slurm-array", old.absolute())
    batch = here / "old.work" / "array" / "batches" / "g00001-0001-4242-beef"
    job_id = _held_array(batch, "l2l-old")  # the killed session's array, still in the queue
    try:
        (batch / "job_id").write_text(f"{job_id}\nl2l-old\n")
        moved = there / "old.h5"
        os.rename(old, moved)  # the file alone
        said = _resume(moved, capsys)
        # before: nothing said, the array left running for nobody
        assert said == [f"l2l: note: cancelled SLURM job {job_id}, left in the queue by a killed session of this run "
                        f"(it would have run on for nobody)"]
        assert not _queued(job_id)
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)


@pytest.mark.parametrize("moved", [True, False])
def test_a_killed_slurm_session_s_folder_gone_is_said_with_the_command_that_cancels_its_jobs(tmp_path, capsys, moved):
    import shutil

    from l2l.errors import command

    old = _finished_run(tmp_path, {"name": "serial"})
    _killed_session(old, "slurm-array", old.absolute())
    shutil.rmtree(tmp_path / "old.work", ignore_errors=True)
    path = old
    if moved:
        path = tmp_path / "new name.h5"
        os.rename(old, path)
    said = _resume(path, capsys)
    where = "is gone" if moved else "is not beside this file (moved or copied without it)"
    # before: nothing said
    assert said == [f"l2l: warning: this run's last session (backend 'slurm-array') was killed, and "
                    f"{tmp_path / 'old.work'}, the folder naming the SLURM jobs it left in the queue, {where}: they are "
                    f"not cancelled from here; list them with '{command('squeue', '--name=l2l-old', '--format=%i,%Z,%V')}' "
                    f"(id, folder, submitted) and cancel them by id ('scancel ID ...'), not by their name, which l2l "
                    f"submit's job of this run and runs of the same name elsewhere carry too"]
    # before: 'scancel --name=l2l-old', which cancels l2l submit's job running this resume, and same-named runs


@pytest.mark.parametrize("backend, killed", [("slurm-array", False), ("local", True)])
def test_nothing_is_said_of_a_session_that_ended_or_ran_off_slurm(tmp_path, capsys, backend, killed):
    from l2l.results_schema.writer import TrajectoryWriter

    old = _finished_run(tmp_path, {"name": "serial"})
    _killed_session(old, backend, old.absolute())
    if not killed:
        with TrajectoryWriter(old) as writer:
            writer.event("stopped", {})
    os.rename(old, tmp_path / "new.h5")
    assert _resume(tmp_path / "new.h5", capsys) == []


# -- a slurm-array batch's logs, gathered --------------------------------------------------------------------------

@pytest.mark.slurm
def test_the_gathered_log_of_a_task_cancelled_as_the_run_stops_says_slurm_cancelled_it(tmp_path):
    import numpy as np
    from slurm_helpers import wait_for

    from l2l.jobs import BACKENDS
    from l2l.jobs.base import Settings, Task
    from l2l.simulators import SIMULATORS

    require_slurm()
    work = tmp_path / "run.work"
    executor = BACKENDS.create("slurm-array", {"poll_max": 0.5, "max_running": 1})
    executor.start(SIMULATORS.create("sleep", {"median": 300.0}), Settings(objectives=("value",), run_dir=str(work)))
    executor.submit([Task(0, 0, 0, {"x": np.zeros(1)})])
    job_id = executor._arrays[0].job_id
    try:
        wait_for(lambda: (executor._arrays[0].directory / "logs" / "0.log").exists(), 60, "the task to start")
        executor.close()  # as a run stopped (Ctrl-C, a target reached) closes it
        log = (work / "array" / "logs" / "generation-00000.log").read_text()
        assert f"(SLURM job {job_id}_0, cancelled before it wrote a result) ====" in log
        assert "CANCELLED AT" in log, log  # slurmstepd's line; before: gathered as scancel returned, without it
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)


def _batch(tmp_path, generations: list[int]):
    """A batch folder of an array that ended, one task per generation given, each with a log."""
    from l2l.jobs.base import Task

    batch = tmp_path / "run.work" / "array" / "batches" / "g00000-0001-4242-beef"
    (batch / "logs").mkdir(parents=True)
    (batch / "results").mkdir()
    tasks = [Task(generation, index, 0, {}) for index, generation in enumerate(generations)]
    for index in range(len(tasks)):
        (batch / "logs" / f"{index}.log").write_text(f"task {index} ran\n")
    return batch, tasks


def test_a_batch_retired_again_after_a_later_generation_s_log_failed_appends_each_log_once(tmp_path):
    from l2l.jobs.slurm_array import retire_batch

    batch, tasks = _batch(tmp_path, [0, 1])
    logs = tmp_path / "run.work" / "array" / "logs"
    (logs / "generation-00001.log").mkdir(parents=True)  # not writable as a file: as a full disk refuses the write
    retire_batch(batch, "123", tasks)
    assert batch.is_dir()  # kept: task 1's log is in it alone
    (logs / "generation-00001.log").rmdir()
    retire_batch(batch, "123", tasks)  # the next session's (cancel_left_behind), or the same one's later
    assert not batch.exists()
    first = (logs / "generation-00000.log").read_text()
    assert first.count("task 0 ran") == 1, first  # before: twice
    assert (logs / "generation-00001.log").read_text().count("task 1 ran") == 1


def test_a_log_write_cut_short_leaves_the_generation_s_log_as_it_was(tmp_path, monkeypatch):
    from l2l.jobs import slurm_array

    batch, tasks = _batch(tmp_path, [0])
    logs = tmp_path / "run.work" / "array" / "logs"
    logs.mkdir(parents=True)
    (logs / "generation-00000.log").write_text("an earlier array's log\n")
    real = os.write

    def full_disk(descriptor, data):  # a few bytes written, then the disk is full
        if len(data) > 8:
            return real(descriptor, bytes(data[:8]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(slurm_array.os, "write", full_disk)
    slurm_array.retire_batch(batch, "123", tasks)
    assert (logs / "generation-00000.log").read_text() == "an earlier array's log\n"  # before: part of task 0's
    monkeypatch.setattr(slurm_array.os, "write", real)
    slurm_array.retire_batch(batch, "123", tasks)
    assert (logs / "generation-00000.log").read_text().count("task 0 ran") == 1


# -- simulator kinds -----------------------------------------------------------------------------------------------

def test_simulator_kinds_are_told_apart_by_the_base_s_attribute_and_method(tmp_path):
    from l2l.simulators import SIMULATORS
    from l2l.simulators.python import CallableSimulator

    def no_checkpoint(params, seed, budget):
        return 0.0

    def checkpoint(params, seed, budget, checkpoint=None):
        return 0.0

    fidelity = {"name": "epochs", "minimum": 1, "maximum": 9}
    named = SIMULATORS.create("sleep", {})  # built from its options, keeps no checkpoint known
    assert named.from_options and not named.restarts()
    passed = CallableSimulator(function=no_checkpoint, multi_fidelity=fidelity)
    assert not passed.from_options and passed.restarts()
    assert not CallableSimulator(function=checkpoint, multi_fidelity=fidelity).restarts()
