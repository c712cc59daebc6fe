"""What an HPC centre's admin checks before allowing l2l on a cluster (helper-295): how hard it leans on slurmctld.

Three things a login node's admin would block on, each measured on the old code:

- ``slurm-array`` called ``squeue`` about three times a second for as long as a run waited (222 calls in a 69 s run
  of 24 tasks on the local SLURM): the back-off from 0.2 s to ``poll_max`` started again at every ``wait``, which
  the loop calls every second. Now the pacing is the executor's: at most one squeue per ``poll_max`` once past
  its start.
- ``slurm-array`` resubmitted each lost task with an ``sbatch`` of its own: an array of N tasks that failed to
  launch (a bad node, a broken prologue) was N sbatch calls and N jobs, per retry. Now the tasks found lost at one
  look go again as one array.
- the ``slurm`` backend let dask-jobqueue start every sbatch of a scale-up at once, side by side (``maximum_jobs =
  500``: 500 sbatch processes on the login node, 500 RPCs at one moment). Now at most ``SBATCH_AT_ONCE``.

SLURM is faked here (its commands' answers), so the counts do not depend on a cluster's speed.
"""

from __future__ import annotations

import asyncio
import os
import time

import numpy as np

from l2l.jobs import BACKENDS
from l2l.jobs.base import Settings, Task
from l2l.simulators import SIMULATORS


class FakeSlurm:
    """Answers the slurm-array backend's SLURM calls: sbatch takes every array (ids from 100), squeue says each
    task of an array is ``state`` (per array id; PENDING unless set)."""

    def __init__(self):
        self.calls: list[list[str]] = []
        self.next_id = 100
        self.arrays: dict[str, int] = {}  # id -> tasks
        self.state: dict[str, str] = {}
        self.folders: dict[str, str] = {}  # id -> its --chdir
        self.sbatch_fails = ""  # 'down': slurmctld unreachable; 'slow': no answer in time, the array taken all the same

    def __call__(self, argv, *, timeout=60.0, input=None):
        from l2l.jobs.slurm_common import SlurmError

        argv = [str(a) for a in argv]
        self.calls.append(argv)
        if argv[0] == "sbatch":
            if self.sbatch_fails == "down":
                raise SlurmError(argv, 1, "", "sbatch: error: Batch job submission failed: Unable to contact slurm "
                                              "controller (connect failure)")
            spec = next(a for a in argv if a.startswith("--array="))[len("--array="):].split("%")[0]
            job_id = str(self.next_id)
            self.next_id += 1
            self.arrays[job_id] = int(spec.split("-")[1]) + 1
            self.folders[job_id] = next(a for a in argv if a.startswith("--chdir="))[len("--chdir="):]
            if self.sbatch_fails == "slow":
                raise SlurmError(argv, -1, "", f"no answer within {timeout} s")
            return f"{job_id}\n"
        if argv[0] == "squeue":
            if "--format=%F|%Z" in argv:
                return "".join(f"{j}|{self.folders[j]}\n" for j in self.arrays)
            jobs = next((a for a in argv if a.startswith("--jobs=")), "--jobs=")[len("--jobs="):].split(",")
            if "--format=%F|%j" in argv:
                return "".join(f"{j}|l2l-run\n" for j in jobs if j in self.arrays)
            return "".join(f"{j}_{i}|{self.state.get(j, 'PENDING')}|None\n"
                           for j in jobs if j in self.arrays for i in range(self.arrays[j]))
        if argv[0] == "scancel":  # gone from the queue at once
            for job_id in argv[1:]:
                self.arrays.pop(job_id, None)
        return ""

    def count(self, command: str) -> int:
        return sum(1 for argv in self.calls if argv[0] == command)


def _executor(monkeypatch, tmp_path, fake: FakeSlurm, tasks: int, **options):
    import l2l.jobs.slurm_array as slurm_array
    import l2l.jobs.slurm_common as slurm_common
    import l2l.jobs.slurm_left as slurm_left

    monkeypatch.setattr(slurm_array, "call", fake)
    monkeypatch.setattr(slurm_common, "call", fake)
    monkeypatch.setattr(slurm_left, "call", fake)
    executor = BACKENDS.create("slurm-array", {"array_size": 1000, **options})
    executor.start(SIMULATORS.create("sphere", {}), Settings(objectives=("value",), run_dir=str(tmp_path / "r.work")))
    executor.submit([Task(0, index, index, {"x": np.zeros(1)}) for index in range(tasks)])
    return executor


def test_a_waiting_slurm_array_run_calls_squeue_at_most_once_per_poll_max(monkeypatch, tmp_path):
    """The loop calls ``wait`` with a short timeout again and again (every second; here every 0.05 s); squeue is
    still asked at most once per ``poll_max`` past the back-off's start (before: once per ``wait``, 0.2 s apart at
    most, about 3 calls a second on the local SLURM)."""
    fake = FakeSlurm()
    executor = _executor(monkeypatch, tmp_path, fake, 3, poll_max=0.4)
    try:
        begin = time.monotonic()
        for _ in range(30):
            assert executor.wait(timeout=0.05) == []  # its tasks pend: nothing comes back
        elapsed = time.monotonic() - begin
        asked = sum(1 for argv in fake.calls if argv[0] == "squeue" and "--format=%i|%T|%r" in argv)
        # after 0.2, 0.3 and 0.4 s, then every 0.4 s: about 5 looks in the 1.5 s of 30 waits (before: one per wait
        # and more, 30 to 60 here)
        assert 2 <= asked <= elapsed / 0.4 + 3, (asked, elapsed)
    finally:
        executor.close()


def test_lost_array_tasks_are_resubmitted_together_as_one_array(monkeypatch, tmp_path):
    """Every task of a 40-task array ends FAILED without a result (a bad node, a broken prologue): they go again as
    one array (before: 40 sbatch calls, 40 jobs), and once out of retries each is one failed row."""
    fake = FakeSlurm()
    executor = _executor(monkeypatch, tmp_path, fake, 40, poll_max=0.2, result_grace=0, retries=1)
    try:
        first = next(iter(fake.arrays))
        fake.state[first] = "FAILED"
        deadline = time.monotonic() + 10
        while fake.count("sbatch") < 2 and time.monotonic() < deadline:
            assert executor.wait(timeout=0.1) == []
        time.sleep(0.3)
        assert executor.wait(timeout=0.3) == []  # (the next look: no third sbatch for the tasks resubmitted)
        assert fake.count("sbatch") == 2, fake.count("sbatch")
        second = [argv for argv in fake.calls if argv[0] == "sbatch"][1]
        assert "--array=0-39" in second  # the 40 tasks in one array
        fake.state[str(fake.next_id - 1)] = "FAILED"
        outcomes = []
        while len(outcomes) < 40 and time.monotonic() < deadline:
            outcomes += executor.wait(timeout=0.2)
        assert len(outcomes) == 40 and fake.count("sbatch") == 2
        assert all(o.status == "failed" and "after 2 submission(s)" in o.error for o in outcomes)
    finally:
        executor.close()


def test_the_slurm_backend_runs_at_most_a_few_sbatch_calls_at_once(monkeypatch, tmp_path):
    """dask-jobqueue starts every job of a scale-up at once; their sbatch calls now wait their turn,
    ``SBATCH_AT_ONCE`` under way at most (before: 12 of 12 at once here, an sbatch process each on the login node),
    and every job is taken all the same."""
    from l2l.jobs.slurm import SlurmExecutor, _job_class, _Submissions, slurm_cluster_class
    from l2l.jobs.slurm_submissions import SBATCH_AT_ONCE

    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "sbatch.log"
    sbatch = folder / "sbatch"
    sbatch.write_text(f"#!/bin/sh\necho \"start $$\" >> '{log}'\nsleep 0.2\necho \"end $$\" >> '{log}'\n"
                      f"echo \"Submitted batch job $$\"\n")
    sbatch.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    slurm_cluster_class()
    executor = SlurmExecutor(log_directory=str(tmp_path / "logs"))
    kwargs = {key: value for key, value in executor._job_kwargs().items()
              if key not in ("scheduler_options", "silence_logs")}
    submissions = _Submissions(12)
    job_class = _job_class(submissions, None)
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/sh\n")

    async def scale_up():
        jobs = [job_class(scheduler="tcp://127.0.0.1:8786", name=f"w{i}", **kwargs) for i in range(12)]
        return await asyncio.gather(*(job._submit_job(str(script)) for job in jobs))

    answers = asyncio.run(scale_up())
    assert all("Submitted batch job" in answer for answer in answers) and len(submissions.jobs()) == 12
    running, most = 0, 0
    for line in log.read_text().splitlines():
        running += 1 if line.startswith("start") else -1
        most = max(most, running)
    assert most <= SBATCH_AT_ONCE <= 4, most


def test_a_slurm_array_run_goes_on_while_squeue_fails_and_ends_in_one_line_after_the_outage_limit(
        monkeypatch, tmp_path, capsys):
    """slurmctld restarting (or failing over) makes squeue fail: the run goes on, its tasks neither lost nor
    resubmitted, says so once, and ends with SlurmUnreachable (an ExecutorError: the loop keeps what finished and
    says how to resume) only after SQUEUE_OUTAGE_SECONDS in a row. Before, the first failing squeue ended the run
    (status failed) and its arrays were cancelled."""
    import l2l.jobs.slurm_array as slurm_array
    from l2l.errors import ExecutorError
    from l2l.jobs.slurm_common import SlurmError, SlurmUnreachable

    fake = FakeSlurm()
    down = {"on": False}

    def unreachable(argv, *, timeout=60.0, input=None):
        if argv[0] == "squeue" and down["on"]:
            fake.calls.append(list(argv))
            raise SlurmError(argv, 1, "", "slurm_load_jobs error: Unable to contact slurm controller (connect failure)")
        return fake(argv, timeout=timeout, input=input)

    executor = _executor(monkeypatch, tmp_path, fake, 3, poll_max=0.2, result_grace=0)
    monkeypatch.setattr(slurm_array, "call", unreachable)
    try:
        first = next(iter(fake.arrays))
        fake.state[first] = "FAILED"  # what squeue would say, could it answer
        down["on"] = True
        for _ in range(8):
            assert executor.wait(timeout=0.1) == []
        assert fake.count("sbatch") == 1 and executor.pending == 3  # nothing taken for lost on a failure
        err = capsys.readouterr().err
        assert err.count("l2l: warning: squeue failed (slurm_load_jobs error: Unable to contact slurm controller "
                         "(connect failure)); the run goes on") == 1, err
        monkeypatch.setattr(slurm_array, "SQUEUE_OUTAGE_SECONDS", 0.5)
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                executor.wait(timeout=0.1)
            raise AssertionError("not ended")
        except SlurmUnreachable as exc:
            assert isinstance(exc, ExecutorError) and exc.resume_when == "once SLURM answers again"
            assert "squeue has failed for" in str(exc) and "\n" not in str(exc)
    finally:
        down["on"] = False
        executor.close()


def test_sbatch_out_of_reach_mid_run_is_waited_out_and_a_slow_one_is_not_submitted_twice(monkeypatch, tmp_path,
                                                                                          capsys):
    """A lost task's resubmission while slurmctld is out of reach (sbatch: 'Unable to contact slurm controller'),
    none of the run's arrays left in the queue: the run waits and submits it once SLURM answers (before: it ended at
    once, JobsRefused). An sbatch that gave no answer in time but took the array is found in the queue by its folder
    and kept, not submitted a second time (before: the run ended, SlurmError)."""
    import l2l.jobs.slurm_array as slurm_array

    monkeypatch.setattr(slurm_array, "RESUBMIT_SECONDS", 0.2)
    fake = FakeSlurm()
    executor = _executor(monkeypatch, tmp_path, fake, 2, poll_max=0.2, result_grace=0, retries=3)
    try:
        fake.state[next(iter(fake.arrays))] = "FAILED"
        fake.sbatch_fails = "down"
        for _ in range(10):  # (before: JobsRefused here)
            assert executor.wait(timeout=0.1) == []
        assert fake.count("sbatch") >= 3 and len(fake.arrays) == 1  # asked again, not taken yet
        fake.sbatch_fails = ""
        deadline = time.monotonic() + 10
        while len(fake.arrays) < 2 and time.monotonic() < deadline:
            assert executor.wait(timeout=0.1) == []
        second = str(fake.next_id - 1)
        assert fake.arrays[second] == 2 and executor._arrays[-1].job_id == second
        fake.state[second] = "FAILED"
        fake.sbatch_fails = "slow"
        while len(fake.arrays) < 3 and time.monotonic() < deadline:  # (before: SlurmError here)
            assert executor.wait(timeout=0.1) == []
        fake.sbatch_fails = ""
        for _ in range(5):
            assert executor.wait(timeout=0.1) == []
        third = str(fake.next_id - 1)
        assert len(fake.arrays) == 3 and executor._arrays[-1].job_id == third  # found by its folder, kept
        assert (executor._arrays[-1].directory / "job_id").read_text().startswith(third + "\n")
        assert executor.pending == 2
    finally:
        executor.close()


def test_a_slurm_run_waiting_behind_a_refused_worker_job_asks_squeue_every_few_seconds(monkeypatch):
    """sbatch refused a worker job (a QOS limit) while the run's other jobs wait in the queue, no worker connected:
    the run waits, as before, but asks squeue whether they still wait once per QUEUE_CHECK_SECONDS (before: at each
    look, once a second, for as long as they waited: hours in a busy queue)."""
    import l2l.jobs.slurm as slurm
    import l2l.jobs.slurm_submissions as slurm_submissions

    asked = []
    monkeypatch.setattr(slurm_submissions, "_squeue", lambda ids, columns: asked.append(ids) or "\n".join(ids) + "\n")
    executor = slurm.SlurmExecutor()
    submissions = slurm._Submissions(2)
    for job_id in ("700", "701"):
        submissions.submitting()
        submissions.answered(job_id, "", 0)
    submissions.submitting()
    submissions.answered(None, "sbatch: error: QOSMaxSubmitJobPerUserLimit", 0)
    executor._submissions, executor._stuck_since = submissions, None
    monkeypatch.setattr(executor, "_connected_workers", lambda: 0)
    for _ in range(12):  # twelve looks of the loop, as many seconds apart in a run
        executor.check_refused()  # no JobsRefused: its jobs wait in the queue
    assert len(asked) == 1, asked
    later = time.monotonic() + slurm_submissions.QUEUE_CHECK_SECONDS + 0.1
    monkeypatch.setattr(slurm_submissions.time, "monotonic", lambda: later)  # QUEUE_CHECK_SECONDS later: asked again
    executor.check_refused()
    assert len(asked) == 2
