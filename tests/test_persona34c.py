"""A lab sharing one machine and one cluster account (persona34c, helper-275, session 34).

Three students on one login node, one home folder (one user id) and one SLURM account, at once. Student B
continues student A's run in a folder of their own (``cp -r ../a/run.h5 ../a/run.work .; l2l resume run.h5``)
while A's run goes on: B's resume cancelled A's worker jobs and arrays, saying they were 'left in the queue by a
killed session of this run' (measured on the local SLURM: A's worker job 20681 cancelled, A's run waited for a
new one). The jobs a run's folder names are now cancelled only where the session that recorded them is not
alive elsewhere.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time

import pytest
from slurm_helpers import require_slurm, squeue

from l2l.jobs import slurm_array, slurm_left  # noqa: F401 - slurm_array imported before call is replaced below
from l2l.jobs.slurm_left import (JOB_ID_FILE, SESSION_FILE, cancel_left_behind, record_array_job,
                                 record_worker_job)


class Queue:
    """squeue and scancel as a cluster answers them, with the jobs ``queued`` ({id: name}) in its queue."""

    def __init__(self, queued: dict[str, str]):
        self.queued, self.cancelled = dict(queued), []

    def __call__(self, argv, **_):
        if argv[0] == "squeue":
            return "".join(f"{job_id}|{name}\n" for job_id, name in self.queued.items())
        if argv[0] == "scancel":
            ids = [arg for arg in argv[1:] if arg.isdigit()]
            self.cancelled += ids
            for job_id in ids:
                self.queued.pop(job_id, None)
            return ""
        raise AssertionError(f"unexpected command {argv}")


def _students(tmp_path):
    a, b = tmp_path / "alice", tmp_path / "bob"
    a.mkdir()
    b.mkdir()
    return a / "run.work", b / "run.work"


def test_a_resume_of_a_copy_of_a_live_runs_folder_leaves_that_runs_worker_jobs_alone(tmp_path, monkeypatch):
    alice, bob = _students(tmp_path)
    record_worker_job(alice, "4242", "l2l-run")  # alice's run (this process) submitted worker job 4242
    shutil.copytree(alice, bob)  # bob copies her run to continue it in his folder, while hers goes on
    queue = Queue({"4242": "l2l-run"})
    monkeypatch.setattr(slurm_left, "call", queue)
    assert cancel_left_behind(bob) == []  # before: ['4242'], her live worker job cancelled by his resume
    assert queue.cancelled == [] and not list(bob.glob("slurm-jobs/*"))  # not his: forgotten in his copy
    assert cancel_left_behind(alice) == ["4242"]  # her own resume (after a kill) still cancels it


def test_a_resume_of_a_copy_of_a_live_slurm_array_runs_folder_leaves_its_arrays_alone(tmp_path, monkeypatch):
    alice, bob = _students(tmp_path)
    batch = alice / "array" / "batches" / "g00003-0004-77-beef"
    batch.mkdir(parents=True)
    record_array_job(batch, "4343", "l2l-run")
    shutil.copytree(alice, bob)
    queue = Queue({"4343": "l2l-run"})
    monkeypatch.setattr(slurm_left, "call", queue)
    assert cancel_left_behind(bob) == []  # before: ['4343']: her array's tasks cancelled, run again or failed
    assert queue.cancelled == [] and (batch / JOB_ID_FILE).exists()
    assert not (bob / "array" / "batches" / batch.name).exists()  # his copy of her batch folder retired


def test_a_copy_of_a_killed_runs_folder_still_has_its_left_jobs_cancelled(tmp_path, monkeypatch):
    alice, bob = _students(tmp_path)
    record_worker_job(alice, "4242", "l2l-run")
    session = subprocess.Popen(["sleep", "30"])  # her session, killed with kill -9 (nobody reads its jobs' results)
    try:  # and not yet collected by the program that started it: a zombie, which signal 0 still finds
        said = json.loads((alice / SESSION_FILE).read_text())
        said.update(pid=session.pid, start=slurm_left._process_start(session.pid))
        (alice / SESSION_FILE).write_text(json.dumps(said))
        session.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 10
        while slurm_left._process_start(session.pid) != "Z" and time.monotonic() < deadline:
            time.sleep(0.01)
        shutil.copytree(alice, bob)
        queue = Queue({"4242": "l2l-run"})
        monkeypatch.setattr(slurm_left, "call", queue)
        assert cancel_left_behind(bob) == ["4242"] and queue.cancelled == ["4242"]
    finally:
        session.kill()
        session.wait()


@pytest.mark.slurm
def test_slurm_a_resume_of_a_copied_run_folder_does_not_cancel_the_live_runs_job(tmp_path):
    require_slurm()
    alice, bob = _students(tmp_path)
    done = subprocess.run(["sbatch", "--parsable", "--job-name=l2l-run", "--output=/dev/null", "--wrap=sleep 300"],
                          capture_output=True, text=True, timeout=30, check=True)
    job_id = done.stdout.strip().split(";")[0]
    try:
        record_worker_job(alice, job_id, "l2l-run")
        shutil.copytree(alice, bob)
        assert cancel_left_behind(bob) == []
        assert [row[0] for row in squeue("--format=%i|%T", f"--jobs={job_id}") if row[1] in ("PENDING", "RUNNING")]
        assert cancel_left_behind(alice) == [job_id]
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)


def _sphere_run(path, low: float, high: float, generations: int, stop_after: int = 0):
    import l2l
    from l2l.control import RunControl

    config = l2l.from_mapping({"run": {"name": "lab", "seed": 1, "generations": generations},
                               "space": {"x": {"type": "float", "low": low, "high": high}},
                               "optimizer": {"name": "random", "population_size": 4},
                               "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    control = RunControl()
    stop = (lambda info: control.request_stop()) if stop_after else None  # stopped there, to be gone on with
    return l2l.run(config, path, progress=False, control=control, on_generation=stop)


def test_l2l_watch_of_a_file_another_run_replaced_shows_only_the_new_runs_rows(tmp_path):
    """Bob watches run.h5 in the lab's folder; Alice stops her run, removes the file and starts another there,
    which has more rows than hers had by his next refresh: the view kept her run's best value (0.0001, of a run no
    longer there) beside the new run's counts, and never read the new run's first rows."""
    from l2l.analysis.watch import Watcher

    path = tmp_path / "run.h5"
    _sphere_run(path, -0.01, 0.01, generations=1)  # her run: every value below 0.0001
    watcher = Watcher(path)
    assert watcher.refresh().summary.best["value"].value < 1e-4
    path.unlink()
    _sphere_run(path, 4.0, 5.0, generations=2)  # the next run at the path: every value 16 or more
    seen = watcher.refresh().summary
    assert seen.best["value"].value >= 16.0 and seen.evaluations == 8
    assert seen.best == Watcher(path).refresh().summary.best  # as a watch started now shows it


def test_l2l_submit_of_a_file_another_process_writes_submits_nothing(tmp_path, monkeypatch, capsys):
    """Bob submits a job to go on with the run Alice's l2l run writes on the login node (l2l submit --out
    ../alice/run.h5): it said 'submitted job 21634: resumes slow', exit 0, and the job ended as it started, its log
    saying the file is being written by another process (on a busy cluster: after its wait in the queue)."""
    import l2l.commands.slurm as submit
    from l2l.cli import main
    from l2l.results_schema.lock import WriterLock

    path = _sphere_run(tmp_path / "run.h5", -1.0, 1.0, generations=3, stop_after=1)
    config = tmp_path / "lab.toml"
    config.write_text('[run]\nname = "lab"\nseed = 1\ngenerations = 3\n[space]\nx = { type = "float", low = -1.0, '
                      'high = 1.0 }\n[optimizer]\nname = "random"\npopulation_size = 4\n[simulator]\nname = "sphere"'
                      '\n[backend]\nname = "serial"\n')
    asked = []
    monkeypatch.setattr(submit, "call", lambda argv, **_: asked.append(argv[0]) or ("4711" if argv[0] == "sbatch"
                                                                                       else ""))
    with WriterLock(path):  # her run writes it
        assert main(["submit", str(config), "--out", str(path)]) == 2
    error = capsys.readouterr().err
    assert "sbatch" not in asked and f"{path} is being written by another " in error and "nothing was submitted" in error
    assert not path.with_name("run.h5.submit.sh").exists()


def test_a_resume_of_a_copy_of_a_live_runs_file_alone_does_not_call_that_run_killed(tmp_path):
    """Bob copies only the file of Alice's running slurm run (cp ../alice/run.h5 .) and resumes it: the resume
    warned that 'this run's last session (backend 'slurm') was killed' and told him to cancel its jobs by id
    (measured: the line named her live run's folder, her run going on)."""
    import json

    import pandas as pd

    from l2l.left_jobs import jobs_left_elsewhere
    from l2l.results_schema.lock import WriterLock

    alice, bob = _students(tmp_path)
    alice.mkdir()  # her run.work, naming her worker jobs
    original = alice.with_suffix(".h5")
    original.write_bytes(b"")
    log = pd.DataFrame({"kind": ["started"], "detail": [json.dumps({"backend": {"name": "slurm"},
                                                                    "file": str(original)})]})
    with WriterLock(original):  # her run goes on
        assert jobs_left_elsewhere(bob.with_suffix(".h5"), log, "slurm") == ""
    assert "was killed" in jobs_left_elsewhere(bob.with_suffix(".h5"), log, "slurm")  # once it is gone, as before
