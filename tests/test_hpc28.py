"""An HPC user's session on SLURM (helper-185, session 28).

* ``l2l submit``'s job ended by SLURM with SIGTERM (its time limit reached before the loop stopped, or ``scancel``):
  the batch shell died at once, saying nothing, and a job out of time was not requeued. It says which now, and
  requeues itself at its time limit only.
* A second ``l2l submit`` to the same output while the first job is in the queue was submitted: it found the file
  locked and failed, or resumed the first's run whatever its own config. It is refused in one line.
* An extra directive whose value starts and ends with a double quote was kept as it was: ``--comment="a" b "c"``
  made sbatch refuse the script ("Invalid directive found in batch script: b").
* ``l2l reevaluate`` of a file moved without its ``.work`` folder neither cancelled the jobs its killed session left
  nor said anything, as ``l2l resume`` does; the folder it made beside the file hid them from later resumes too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from slurm_helpers import OUTER_RUN as RUN
from slurm_helpers import executable, require_slurm, squeue, wait_for, write_toml

from l2l.cli import main


def _fake_slurm(folder: Path, reason: str = "None", restarts: int = 0, queued: str = "") -> Path:
    """A folder of stand-ins for squeue (answering ``queued``), scontrol (``show job``: a job ending for ``reason``,
    restarted ``restarts`` times) and sbatch, each logging its arguments to ``calls``."""
    folder.mkdir()
    log = folder / "calls"
    executable(folder / "squeue", f'#!/bin/sh\necho "squeue $*" >> {log}\nprintf "%s" "{queued}"\n')
    executable(folder / "scontrol", f'#!/bin/sh\necho "scontrol $*" >> {log}\n[ "$1" = show ] || exit 0\n'
                                     f'echo "JobId=4242 JobName=l2l-outer"\n'
                                     f'echo "   JobState=COMPLETING Reason={reason} Dependency=(null)"\n'
                                     f'echo "   Requeue=1 Restarts={restarts} BatchFlag=1 Reboot=0 ExitCode=0:0"\n')
    executable(folder / "sbatch", f'#!/bin/sh\necho "sbatch $*" >> {log}\necho 4242\n')
    return folder


def _job_script(tmp_path: Path, capsys) -> Path:
    """``l2l submit``'s job script, whose loop is a stand-in that prints a line, then waits to be signalled."""
    loop = executable(tmp_path / "loop.sh", '#!/bin/bash\ntrap \'echo "loop: TERM"; exit 143\' TERM\n'
                                             'echo "loop: started"\nwhile :; do sleep 0.05; done\n')
    config = write_toml(tmp_path / "c.toml", RUN)
    assert main(["submit", str(config), "--dry-run", "--python", str(loop), "--time", "10",
                 "--signal-seconds", "60"]) == 0
    script = tmp_path / "job.sh"
    script.write_text(capsys.readouterr().out)
    return script


def _terminated(tmp_path: Path, capsys, reason: str, restarts: int = 0) -> tuple[str, str]:
    """Run the job script as SLURM's batch shell, SIGTERM it once its loop runs: (its output, the SLURM calls)."""
    script = _job_script(tmp_path, capsys)
    fake = _fake_slurm(tmp_path / "bin", reason=reason, restarts=restarts)
    env = {**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}", "SLURM_JOB_ID": "4242"}
    out = tmp_path / "out.txt"
    with open(out, "w") as sink:
        shell = subprocess.Popen(["bash", str(script)], stdout=sink, stderr=subprocess.STDOUT, env=env,
                                 cwd=tmp_path)
    try:
        wait_for(lambda: "loop: started" in out.read_text(), 120, "the loop to start")  # a loaded host: bash is slow
        shell.send_signal(signal.SIGTERM)  # SLURM's: to the batch shell (and to the loop, which the shell passes on)
        shell.wait(timeout=120)
    finally:
        if shell.poll() is None:
            shell.kill()
    calls = fake / "calls"
    return out.read_text(), calls.read_text() if calls.exists() else ""


def test_a_submitted_loop_at_its_time_limit_before_it_stopped_is_requeued_and_says_so(tmp_path, capsys):
    said, calls = _terminated(tmp_path, capsys, "TimeLimit")
    # before: the shell died at SIGTERM, nothing said, the job ended TIMEOUT without a requeue
    assert "l2l submit: time limit reached before the loop stopped (SIGTERM)" in said, said
    assert f"requeueing job 4242 to resume {tmp_path / 'outer.h5'}" in said, said
    assert "loop: TERM" in said
    assert "scontrol requeue 4242" in calls.splitlines(), calls


def test_a_submitted_loop_cancelled_with_scancel_says_how_to_go_on_and_is_not_requeued(tmp_path, capsys):
    said, calls = _terminated(tmp_path, capsys, "None")
    lines = [line for line in said.splitlines() if line.startswith("l2l submit: job 4242 cancelled")]
    # before: nothing said by the shell; the loop's own line named 'l2l resume', which runs it on the login node
    assert len(lines) == 1, said
    assert lines[0].endswith(f"not requeued; every committed evaluation is in {tmp_path / 'outer.h5'}; go on with: "
                             f"sbatch --chdir={tmp_path} {tmp_path / 'outer.h5.submit.sh'}"), lines
    assert "requeue" not in calls, calls


def test_a_submitted_loop_requeued_by_slurm_says_so_and_does_not_requeue_it_again(tmp_path, capsys):
    said, calls = _terminated(tmp_path, capsys, "None", restarts=1)  # scontrol requeue, or preemption
    # before: nothing said; then (scancel's line) 'not requeued', while SLURM requeued it
    assert (f"l2l submit: job 4242 requeued by SLURM (SIGTERM: scontrol requeue, or preemption); the loop commits "
            f"what it can; the next job resumes {tmp_path / 'outer.h5'}") in said.splitlines(), said
    assert "not requeued" not in said and "requeue 4242" not in calls, (said, calls)


def test_a_second_submit_while_the_first_job_of_the_same_output_is_queued_is_refused(tmp_path, capsys, monkeypatch):
    config = write_toml(tmp_path / "c.toml", RUN)
    script = tmp_path / "outer.h5.submit.sh"
    fake = _fake_slurm(tmp_path / "bin", queued=f"4100|PENDING|{script}\n4101|RUNNING|{tmp_path / 'other.sh'}\n")
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    # before: submitted (exit 0), a second job for the same file
    assert main(["submit", str(config)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"l2l: error: l2l submit: job 4100 (pending) of an earlier l2l submit runs or resumes "
                   f"{tmp_path / 'outer.h5'} already; a second job would find the file in use; wait for it, or cancel "
                   f"it first: scancel 4100"], err
    assert "sbatch" not in (fake / "calls").read_text()
    assert main(["submit", str(config), "--out", str(tmp_path / "elsewhere.h5")]) == 0  # another output: submitted
    assert "sbatch --parsable" in (fake / "calls").read_text()


def test_an_extra_directive_is_kept_as_it_is_only_where_it_is_one_double_quoted_word():
    from l2l.jobs.slurm_values import check_extra_directives

    written = check_extra_directives(['--comment="a" b "c"', '--comment="x"y"', '--comment="one value"',
                                      '--comment="say \\"hi\\""'], "backend 'slurm'")
    # before: the first two were kept as given, and sbatch refused the script
    assert written == ('--comment="\\"a\\" b \\"c\\""', '--comment="\\"x\\"y\\""', '--comment="one value"',
                       '--comment="say \\"hi\\""')


@pytest.mark.slurm
def test_sbatch_reads_back_a_quoted_extra_directive_as_the_value_given(tmp_path):
    from l2l.jobs.slurm_values import check_extra_directives

    require_slurm()
    (line,) = check_extra_directives(['--comment="a" $HOME #1 "c"'], "l2l submit: --sbatch")
    script = tmp_path / "job.sh"
    script.write_text(f"#!/bin/bash\n#SBATCH {line}\n#SBATCH --hold\n#SBATCH --output=/dev/null\ntrue\n")
    done = subprocess.run(["sbatch", "--parsable", str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr  # before: "Invalid directive found in batch script: $HOME"
    job_id = done.stdout.strip().split(";")[0]
    try:
        shown = subprocess.run(["scontrol", "show", "job", job_id], capture_output=True, text=True, timeout=30).stdout
        assert 'Comment="a" $HOME #1 "c"' in shown, shown
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)


# -- l2l reevaluate of a file moved without its folder ---------------------------------------------------------------

def _finished_run(folder: Path) -> Path:
    import l2l

    config = l2l.from_mapping({**RUN, "run": {"name": "old", "seed": 1, "generations": 1}}, base_dir=folder)
    return l2l.run(config, folder / "old.h5")


def _killed_session(path: Path, backend: str) -> None:
    """What a session on ``backend`` killed (kill -9) leaves in the file: its ``resumed`` event, last."""
    from l2l.results_schema.writer import TrajectoryWriter

    with TrajectoryWriter(path) as writer:
        writer.event("resumed", {"generation": 1, "reused": 0, "generations": 2, "pid": 1,
                                 "backend": {"name": backend}, "file": str(path.absolute())})


def _reevaluated(path: Path, capsys) -> list[str]:
    from l2l.reevaluate import reevaluate

    reevaluate(path, top=1, seeds=1, backend="serial")
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith(("l2l: note", "l2l: warning"))]


def test_reevaluate_of_a_moved_file_whose_killed_session_s_folder_is_gone_says_how_to_cancel_its_jobs(tmp_path,
                                                                                                      capsys):
    import shutil

    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(), there.mkdir()
    old = _finished_run(here)
    _killed_session(old, "slurm-array")
    shutil.rmtree(here / "old.work", ignore_errors=True)
    os.rename(old, there / "old.h5")
    # before: nothing said (l2l resume said this line)
    assert _reevaluated(there / "old.h5", capsys) == [
        f"l2l: warning: this run's last session (backend 'slurm-array') was killed, and {here / 'old.work'}, the "
        f"folder naming the SLURM jobs it left in the queue, is gone: they are not cancelled from here; list them "
        f"with 'squeue --name=l2l-old --format=%i,%Z,%V' (id, folder, submitted) and cancel them by id ('scancel ID "
        f"...'), not by their name, which l2l submit's job of this run and runs of the same name elsewhere carry too"]


@pytest.mark.slurm
def test_reevaluate_of_a_file_moved_without_its_folder_cancels_the_jobs_its_killed_session_left(tmp_path, capsys):
    require_slurm()
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(), there.mkdir()
    old = _finished_run(here)
    _killed_session(old, "slurm-array")
    batch = here / "old.work" / "array" / "batches" / "g00001-0001-4242-beef"
    batch.mkdir(parents=True)
    done = subprocess.run(["sbatch", "--parsable", "--hold", "--array=0", "--job-name=l2l-old", f"--chdir={batch}",
                           "--output=/dev/null", "--wrap=sleep 300"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.strip().split(";")[0]  # the killed session's array, still in the queue
    try:
        (batch / "job_id").write_text(f"{job_id}\nl2l-old\n")
        os.rename(old, there / "old.h5")  # the file alone
        # before: nothing said, the array left in the queue for nobody
        assert _reevaluated(there / "old.h5", capsys) == [
            f"l2l: note: cancelled SLURM job {job_id}, left in the queue by a killed session of this run (it would "
            f"have run on for nobody)"]
        assert not [row for row in squeue("--format=%i|%T", f"--jobs={job_id}") if row[1] in ("PENDING", "RUNNING")]
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)
