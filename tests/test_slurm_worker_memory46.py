"""On the slurm backend an evaluation whose worker ran past its memory (Dask's nanny restarts it at 95 % of the
worker job's memory; SLURM's cgroup kills a job past what it booked) was Dask's 'KilledWorker: Attempted to run task
... on 4 different workers ... Inspecting worker logs is often a good next step' alone: measured with a 1.5 GB model
and memory = '1GB', 8 worker restarts for one failed row, nothing said of memory. The worker jobs' logs name the
worker; the failure's first line now says it died out of memory and what to raise."""

from __future__ import annotations

import pytest

from l2l.jobs import BACKENDS
from l2l.jobs.base import Outcome

KILLED = ("the worker running this evaluation died: KilledWorker: Attempted to run task 'l2l-eval-g0-i0-a0-9a6c-0' "
          "on 4 different workers, but all those workers died while running it. The last worker that attempt to run "
          "the task was tls://192.0.2.2:33049. Inspecting worker logs is often a good next step to diagnose what went "
          "wrong. For more information see https://distributed.dask.org/en/stable/killed.html.")

NANNY = ("2026-12-08 02:46:23,876 - distributed.nanny.memory - WARNING - Worker tls://192.0.2.2:33049 (pid=10907) "
         "exceeded 95% memory budget. Restarting...\n")
CGROUP = ("2026-12-08 02:46:09,893 - distributed.worker - INFO -       Start worker at:      tls://192.0.2.2:33049\n"
          "slurmstepd: error: Detected 1 oom_kill event in StepId=9172.batch. Some of the step tasks have been OOM "
          "Killed.\n")


def _said(tmp_path, log):
    (tmp_path / "run.work" / "slurm-logs").mkdir(parents=True)
    (tmp_path / "run.work" / "slurm-logs" / "l2l-worker-9172.err").write_text(log)
    executor = BACKENDS.create("slurm", {"memory": "1GB"})
    executor._run_dir = str(tmp_path / "run.work")
    outcome = Outcome(0, 0, 1, "failed", error=KILLED)
    executor._memory_said(outcome)
    return outcome.error.split("\n")


@pytest.mark.parametrize("log, how", [
    (NANNY, "Dask restarted it past 95 % of its memory ([backend] memory = '1GB' a worker job)"),
    (CGROUP, "SLURM's OOM killer ended it within the memory its job booked ([backend] memory = '1GB')")])
def test_a_worker_that_died_out_of_memory_is_said_so(tmp_path, log, how):
    first, *rest = _said(tmp_path, log)
    assert first == (f"the worker running this evaluation died out of memory: {how}; raise [backend] memory (the "
                     f"worker jobs' logs: {tmp_path / 'run.work' / 'slurm-logs'})")
    assert rest == [f"--- {KILLED}"]  # Dask's words kept below, as a tail: the failure summaries count the first
    from l2l.summary.failures import reason_of

    assert reason_of("failed", "\n".join([first, *rest])) == first


def test_another_worker_s_memory_or_none_leaves_the_failure_as_it_was(tmp_path):
    assert _said(tmp_path, NANNY.replace("33049", "41991") + "Start worker at:      tls://192.0.2.2:33049\n") == \
        [KILLED]
