"""Command-line items of this session's trials (helper-127): the order of l2l resume's lines, the closing
summary's retried line, l2l reevaluate cancelling a killed session's SLURM jobs, the dask refusal naming the
address the run's last session used."""

from __future__ import annotations

import subprocess

import dask.config
import pytest

import l2l
from conftest import make_config
from l2l.cli import main
from l2l.results_schema.writer import TrajectoryWriter
from slurm_helpers import require_slurm, squeue

SMALL = {"run": {"name": "left127", "seed": 1, "generations": 1},
         "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
         "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "sphere"}}


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """A finished one-generation serial run (2 evaluations): each test works on a copy."""
    folder = tmp_path_factory.mktemp("small127")
    return l2l.run(make_config(**SMALL, backend={"name": "serial"}), folder / "left127.h5")


def _copy(small_run, tmp_path):
    out = tmp_path / "left127.h5"
    out.write_bytes(small_run.read_bytes())
    return out


def _worker_job(work) -> str:
    """A sleeping job named as the slurm backend's worker jobs, named in the run's folder as a killed session left
    it."""
    done = subprocess.run(["sbatch", "--parsable", "--job-name=l2l-worker", "--output=/dev/null", "--wrap=sleep 300"],
                          capture_output=True, text=True, timeout=30, check=True)
    job = done.stdout.strip().split(";")[0]
    (work / "slurm-jobs").mkdir(parents=True, exist_ok=True)
    (work / "slurm-jobs" / job).touch()
    return job


def _queued(job: str) -> bool:
    return any(row[1] in ("PENDING", "RUNNING") for row in squeue("--format=%i|%T", f"--jobs={job}"))


def _note(job: str) -> str:
    return (f"l2l: note: cancelled SLURM job {job}, left in the queue by a killed session of this run (it would have "
            f"run on for nobody)")


@pytest.mark.slurm
def test_resume_says_its_banner_before_the_note_of_the_jobs_it_cancelled(small_run, tmp_path, capsys):
    """The note came first, above the line naming the run and '-> FILE' that users read first; the jobs are still
    cancelled before anything starts."""
    require_slurm()
    out, jobs = _copy(small_run, tmp_path), []
    work = out.with_suffix(".work")
    try:
        for given in ([], ["--generations", "2"]):  # finished: nothing to resume; a budget raised: the run goes on
            jobs.append(_worker_job(work))
            capsys.readouterr()
            assert main(["resume", str(out), "--no-progress", *given]) == 0
            err = capsys.readouterr().err.splitlines()
            banner = "has finished" if not given else "resuming left127"
            assert banner in err[0] and err[1] == _note(jobs[-1]), err
            assert not _queued(jobs[-1])
    finally:
        subprocess.run(["scancel", *jobs], capture_output=True, timeout=30)


@pytest.mark.slurm
def test_reevaluate_cancels_the_jobs_a_killed_session_left(small_run, tmp_path, capsys):
    """l2l reevaluate starts new work on the allocation; the killed session's jobs ran on for nobody (only a
    resume cancelled them)."""
    require_slurm()
    out = _copy(small_run, tmp_path)
    job = _worker_job(out.with_suffix(".work"))
    try:
        capsys.readouterr()
        assert main(["reevaluate", str(out), "--top", "1", "--seeds", "2"]) == 0
        assert capsys.readouterr().err.splitlines()[0] == _note(job)
        assert not _queued(job) and not list(out.with_suffix(".work").glob("slurm-jobs/*"))
    finally:
        subprocess.run(["scancel", job], capture_output=True, timeout=30)


def test_the_closing_summary_says_the_segments_that_needed_a_retry_as_show_does(tmp_path, capsys):
    """l2l show said 'retried    N segments needed a retry ...'; the summary l2l run and resume print as they end,
    read first, did not."""
    from l2l.summary import finished_text
    from test_retry_compute import config, markers

    out = l2l.run(config(markers(tmp_path), compute=30), tmp_path / "retried.h5")
    capsys.readouterr()
    assert main(["show", str(out)]) == 0
    shown = [line for line in capsys.readouterr().out.splitlines() if line.startswith("retried    ")]
    assert len(shown) == 1 and "segments needed a retry and then succeeded" in shown[0], shown
    closing = finished_text(out, 1.0).splitlines()
    assert shown[0][len("retried    "):] in closing, closing
    assert main(["resume", str(out), "--no-progress"]) == 0  # finished: the closing summary without its first line
    assert shown[0][len("retried    "):] in capsys.readouterr().out.splitlines()


def test_resume_on_dask_without_a_scheduler_names_the_address_the_last_session_used(small_run, tmp_path,
                                                                                      monkeypatch, capsys):
    """The refusal said 'give exactly one of address and scheduler_file (or set Dask's DASK_SCHEDULER_ADDRESS, ...)'
    of a run whose last session (killed) had reached its scheduler through DASK_SCHEDULER_ADDRESS, in a shell that
    no longer sets it."""
    out = _copy(small_run, tmp_path)
    used = {"name": "dask", "address": "tcp://10.1.2.3:8786", "address_from": "DASK_SCHEDULER_ADDRESS"}
    with TrajectoryWriter(out) as writer:  # a session on dask, killed
        writer.event("resumed", {"generation": 1, "backend": used})
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with dask.config.set({"scheduler-address": None}):
        for command in (["resume", str(out), "--generations", "2", "--backend", "dask"],
                        ["reevaluate", str(out), "--backend", "dask"]):
            capsys.readouterr()
            assert main(command) == 2
            assert capsys.readouterr().err.splitlines()[-1] == (
                "l2l: error: backend 'dask': no scheduler to connect to: --backend dask starts from its defaults, "
                "which name none, and DASK_SCHEDULER_ADDRESS is not set (the run's last Dask session used "
                "tcp://10.1.2.3:8786, from DASK_SCHEDULER_ADDRESS: set DASK_SCHEDULER_ADDRESS to it, or to another "
                "running scheduler's address)")
    assert len(l2l.load(out)) == 2  # nothing ran, nothing lost
