"""``l2l show`` of a running run says what of its SLURM jobs runs and what is queued (session 45).

It said 'status: running' alone: on a cluster the user could not tell a run whose arrays wait in the queue from one
whose tasks run without finding its jobs' ids. The line comes from one squeue call on the ids the run's folder
records (as ``l2l resume`` finds a killed session's jobs), with a short timeout; nothing where the folder names no
job or there is no squeue, one clause where squeue fails."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from l2l.jobs import slurm_left


def _fake_squeue(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    squeue = folder / "squeue"
    squeue.write_text(f"#!/bin/sh\necho \"$@\" >> {folder}/calls\n{body}\n")
    squeue.chmod(0o755)
    return folder


def _array_run(tmp_path: Path, job_id: str, name: str) -> Path:
    batch = tmp_path / "run.work" / "array" / "batches" / "b1"
    batch.mkdir(parents=True)
    (batch / slurm_left.JOB_ID_FILE).write_text(f"{job_id}\n{name}\n")
    return tmp_path / "run.work"


def test_counts_running_and_pending_tasks_of_the_recorded_array_only(tmp_path, monkeypatch):
    bin_dir = _fake_squeue(tmp_path / "bin", "printf '700|l2l-run|RUNNING\\n700|l2l-run|PENDING\\n"
                                             "700|l2l-run|PENDING\\n700|l2l-run|COMPLETING\\n'")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    work = _array_run(tmp_path, "700", "l2l-run")
    assert slurm_left.queued_line(work) == "1 array task running, 2 pending (array 700: squeue -j 700)"
    assert "--jobs=700" in (bin_dir / "calls").read_text()  # (one call, on the recorded id)
    assert len((bin_dir / "calls").read_text().splitlines()) == 1
    # an id SLURM has given another job since (another name): not the run's
    (work / "array/batches/b1" / slurm_left.JOB_ID_FILE).write_text("700\nl2l-other\n")
    assert slurm_left.queued_line(work) == "none of its array tasks in the queue (array 700)"


def test_counts_the_worker_jobs_of_a_slurm_run(tmp_path, monkeypatch):
    bin_dir = _fake_squeue(tmp_path / "bin", "printf '801|l2l-run|RUNNING\n802|l2l-run|PENDING\n"
                                             "803|l2l-run|RUNNING\n'")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    workers = tmp_path / "run.work" / slurm_left.WORKER_JOBS
    workers.mkdir(parents=True)
    for job_id in ("801", "802", "803"):
        (workers / job_id).write_text("l2l-run\n")
    assert slurm_left.queued_line(tmp_path / "run.work") == ("2 worker jobs running, 1 pending "
                                                             "(jobs 801,802,803: squeue -j 801,802,803)")


def test_no_squeue_call_without_recorded_jobs_and_no_line_without_squeue(tmp_path, monkeypatch):
    bin_dir = _fake_squeue(tmp_path / "bin", "echo '1|x|RUNNING'")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "run.work").mkdir()
    assert slurm_left.queued_line(tmp_path / "run.work") == ""  # a run on another backend
    assert not (bin_dir / "calls").exists()
    work = _array_run(tmp_path / "other", "700", "l2l-run")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # a file read off the cluster: no squeue
    assert slurm_left.queued_line(work) == ""


def test_a_squeue_that_does_not_answer_is_one_clause_within_the_timeout(tmp_path, monkeypatch):
    bin_dir = _fake_squeue(tmp_path / "bin", "exec sleep 30")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    work = _array_run(tmp_path, "700", "l2l-run")
    started = time.monotonic()
    line = slurm_left.queued_line(work, seconds=0.5)
    assert time.monotonic() - started < 5
    assert line == "squeue did not say (no answer within 0.5 s): the run's jobs not counted", line
    bin_dir = _fake_squeue(tmp_path / "bin2", "echo 'slurm_load_jobs error: Unable to contact slurm controller' >&2;"
                                              " exit 1")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert slurm_left.queued_line(work) == ("squeue did not say (slurm_load_jobs error: Unable to contact slurm "
                                            "controller): the run's jobs not counted")


SLEEP_RUN = """[run]
name = "showq"
generations = 1
seed = 1
[space.x]
type = "float"
low = -1.0
high = 1.0
[optimizer]
name = "random"
population_size = 3
[simulator]
name = "sleep"
median = 30.0
[backend]
name = "slurm-array"
max_running = 1
"""


@pytest.mark.slurm
def test_show_of_a_running_slurm_array_run_says_its_tasks_running_and_pending(tmp_path):
    from slurm_helpers import require_slurm, wait_for

    require_slurm()
    (tmp_path / "c.toml").write_text(SLEEP_RUN)
    out = tmp_path / "run.h5"
    run = subprocess.Popen([sys.executable, "-m", "l2l.cli", "run", str(tmp_path / "c.toml"), "--out", str(out)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    job_id = ""
    try:
        marker = wait_for(lambda: next(iter((tmp_path / "run.work").glob("array/batches/*/job_id")), None), 60,
                          "the array's id")
        job_id = wait_for(lambda: marker.read_text().split("\n")[0].strip(), 10, "the id written")

        def one_running() -> bool:
            states = subprocess.run(["squeue", "--noheader", "--array", f"--jobs={job_id}", "--format=%T"],
                                    capture_output=True, text=True, timeout=20).stdout.split()
            return states.count("RUNNING") == 1 and states.count("PENDING") == 2

        wait_for(one_running, 60, "one task running, two pending")
        shown = subprocess.run([sys.executable, "-m", "l2l.cli", "show", str(out)], capture_output=True, text=True,
                               timeout=60, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
        assert "status: running" in shown.stdout, shown.stdout + shown.stderr
        # before: no such line
        assert re.search(rf"^queue      1 array task running, 2 pending \(array {job_id}: squeue -j {job_id}\)$",
                         shown.stdout, re.MULTILINE), shown.stdout
    finally:
        run.send_signal(signal.SIGTERM)
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait()
        if job_id:
            subprocess.run(["scancel", job_id], capture_output=True, timeout=30)
