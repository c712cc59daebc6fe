"""``l2l run CONFIG --dry-run`` prints the job script the run would submit, with the job name its jobs will have.

It printed ``#SBATCH --job-name=l2l-array`` (slurm-array) and ``l2l-worker`` (slurm), while the run's jobs are
named after the run, ``l2l-NAME`` (tests/test_slurm_job_names.py), which is the name ``squeue`` shows and a later
session cancels by: a user who checked the printed script found jobs of another name in the queue (found by
helper-336 porting an L2L project).
"""

from __future__ import annotations

import pytest


def _dry_run(tmp_path, monkeypatch, capsys, backend: str, *out: str) -> list[str]:
    from l2l.cli import main

    (tmp_path / "sweep.toml").write_text(
        '[run]\nname = "sweep"\nseed = 1\ngenerations = 2\n[space]\nx = { low = -1.0, high = 1.0 }\n'
        f'[simulator]\nname = "sphere"\n[optimizer]\nname = "random"\npopulation_size = 2\n[backend]\n'
        f'name = "{backend}"\n')
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["run", "sweep.toml", "--dry-run", *out]) == 0
    printed = capsys.readouterr().out
    assert not (tmp_path / "sweep.h5").exists() and not list(tmp_path.glob("*.work"))  # a dry run writes nothing
    return [line for line in printed.splitlines() if "job-name" in line]


@pytest.mark.parametrize("backend", ["slurm-array", "slurm"])
def test_the_printed_job_script_names_the_jobs_as_the_run_will(tmp_path, monkeypatch, capsys, backend):
    from l2l.jobs.slurm_left import run_job_name

    # before: l2l-array / l2l-worker, whatever the run's name
    assert _dry_run(tmp_path, monkeypatch, capsys, backend) == ["#SBATCH --job-name=l2l-sweep"]
    named = _dry_run(tmp_path, monkeypatch, capsys, backend, "--out", "lr 0.1 #2.h5")
    assert named == ['#SBATCH --job-name="l2l-lr 0.1 #2"'], named  # quoted as the run's own script quotes it
    assert run_job_name(tmp_path / "lr 0.1 #2.work") == "l2l-lr 0.1 #2"  # the name the run's jobs are given
