"""An HPC user's trial (helper-125): what a killed session leaves in the queue, what --dry-run checks, retries."""

from __future__ import annotations

import subprocess

import pytest

import l2l
from conftest import make_config
from slurm_helpers import require_slurm, squeue

SMALL = {"run": {"name": "left", "seed": 1, "generations": 1},
         "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
         "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "sphere"}}


def _sleeping_job(name: str) -> str:
    done = subprocess.run(["sbatch", "--parsable", f"--job-name={name}", "--output=/dev/null", "--wrap=sleep 300"],
                          capture_output=True, text=True, timeout=30, check=True)
    return done.stdout.strip().split(";")[0]


@pytest.mark.slurm
def test_every_resume_cancels_the_jobs_a_killed_session_left_whatever_its_backend(tmp_path):
    """A session killed with kill -9 leaves its slurm-array arrays (and slurm worker jobs) in the queue, each
    named in the run's folder; a resume on another backend cancelled none of them (only slurm-array's own start
    did). An id the folder names whose job has another name (SLURM gave the id away) is left alone."""
    require_slurm()
    out = tmp_path / "left.h5"
    l2l.run(make_config(**SMALL, backend={"name": "serial"}), out)
    work = tmp_path / "left.work"
    array, worker, other = _sleeping_job("l2l-left"), _sleeping_job("l2l-worker"), _sleeping_job("l2l-h125-other")
    try:
        (work / "array" / "batches" / "g00000-0001").mkdir(parents=True)
        (work / "array" / "batches" / "g00000-0001" / "job_id").write_text(array)
        (work / "array" / "batches" / "g00000-0002").mkdir()
        (work / "array" / "batches" / "g00000-0002" / "job_id").write_text(other)
        (work / "slurm-jobs").mkdir()
        (work / "slurm-jobs" / worker).touch()
        l2l.resume(out)  # finished, nothing more to run: the jobs are cancelled all the same
        queued = {row[0] for row in squeue("--format=%i|%T", f"--jobs={array},{worker},{other}")
                  if row[1] in ("PENDING", "RUNNING")}  # a job cancelled may be COMPLETING a moment
        assert queued == {other}
        assert not list(work.glob("array/batches/*/job_id")) and not list(work.glob("slurm-jobs/*"))
    finally:
        subprocess.run(["scancel", array, worker, other], capture_output=True, timeout=30)


def _command_config(tmp_path, backend: dict):
    from conftest import write_toml

    return write_toml(tmp_path / "c.toml", {
        "run": {"name": "dry", "seed": 1, "generations": 1}, "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 2},
        "simulator": {"name": "command", "argv": ["python3", "-c", "print({x})"]}, "backend": backend})


@pytest.mark.slurm
def test_dry_run_makes_the_checks_the_run_makes_before_its_file_and_says_them(tmp_path, capsys):
    """Before, --dry-run said 'valid' (exit 0) of configs l2l run refused before creating its file: launch = 'srun'
    on several ranks for a command simulator, a partition sbatch --test-only refuses."""
    from l2l.cli import main

    require_slurm()
    out = str(tmp_path / "dry.h5")
    config = _command_config(tmp_path, {"name": "slurm-array", "launch": "srun", "ntasks": 2})
    assert main(["run", str(config), "--out", out, "--dry-run"]) == 2
    said = capsys.readouterr()
    assert "checked: backend 'slurm-array': l2l run would refuse this config before creating its file" in said.out
    assert said.err.startswith("l2l: error: backend 'slurm-array': launch = 'srun' runs every evaluation")
    config = _command_config(tmp_path, {"name": "slurm", "partition": "no-such-partition"})
    assert main(["run", str(config), "--out", out, "--dry-run"]) == 2
    said = capsys.readouterr()
    assert "#SBATCH -p no-such-partition" in said.out  # the script, printed all the same
    assert said.err.startswith("l2l: error: sbatch refused the worker jobs: ")
    config = _command_config(tmp_path, {"name": "slurm-array"})
    assert main(["run", str(config), "--out", out, "--dry-run"]) == 0
    assert "\nchecked: sbatch --test-only takes the job arrays (no job made)\n" in capsys.readouterr().out
    assert not (tmp_path / "dry.h5").exists() and not (tmp_path / "dry.work").exists()
