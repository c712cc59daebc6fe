"""More of what sbatch refuses, and what l2l says then.

* An output path whose folder holds a ``%`` (sbatch reads it in ``--output``/``-o`` as a pattern: ``%j`` is the
  job id, the logs went to a folder that does not exist and every job failed to launch) was refused by
  ``slurm-array`` only after the run's file was created; the ``slurm`` backend submitted its workers all the same.
* A resumed ``slurm-array`` run whose first array sbatch refused, and ``l2l reevaluate`` refused, ended on
  sbatch's message alone: nothing said where the finished work is or how to go on.
* A ``slurm`` run whose extra worker jobs sbatch refused (a per-user job limit: the first taken, the next
  refused) went on with fewer workers, for good, and said nothing.

The SLURM tests use the planned ``sbatch`` of test_slurm_refused_later.py (``pass``/``refuse``, one word per
submission, the last one repeating).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import l2l_cli, write_toml
from slurm_helpers import require_slurm
from test_slurm_refused_later import REFUSAL, Sbatch, _config, _errors, _finish, _run

import l2l
from l2l.errors import ConfigError
from l2l.results_schema.reader import Trajectory

SAID = REFUSAL.replace("\n", "; ")  # sbatch's answer, as l2l repeats it in one line
PERCENT = ("contains '%', which sbatch reads as a pattern in the names of log files (%j: the job id); choose an "
           "output path (--out) without '%'")


def _events(path) -> list[str]:
    with Trajectory(path) as trajectory:
        return list(trajectory.events()["kind"])


def test_a_percent_sign_in_the_output_folder_is_refused_in_one_line_before_anything_is_created(tmp_path):
    config = _config(tmp_path, 1, {"name": "slurm-array", "partition": "debug", "walltime": "00:05:00"})
    out = tmp_path / "a%jb" / "run.h5"
    refused = l2l_cli("run", config, "--out", out, "--no-progress", cwd=tmp_path, timeout=120)
    lines = refused.stderr.strip().splitlines()
    # before: the file was created, then "the run folder ... contains '%'" (and the corrected run was told that
    # the file exists and holds nothing computed)
    assert refused.returncode == 2 and len(lines) == 1, refused.stderr
    assert lines[0] == (f"l2l: error: backend 'slurm-array': the run folder '{tmp_path}/a%jb/run.work' "
                        f"{PERCENT}"), lines[0]
    assert not out.parent.exists()


def test_the_slurm_backend_refuses_a_percent_sign_where_its_worker_logs_go(tmp_path):
    worker = {"name": "slurm", "partition": "debug", "memory": "1GB"}
    config = l2l.load_config(_config(tmp_path, 1, worker))
    out = tmp_path / "b%jc" / "run.h5"
    # before: accepted; the worker jobs' -o/-e went to b<job id>c/, and every job failed to launch
    with pytest.raises(ConfigError) as refused:
        l2l.loop.check_out(out, config)
    assert str(refused.value) == (f"backend 'slurm': the run folder '{tmp_path}/b%jc/run.work' {PERCENT}, or a "
                                  f"log_directory")
    elsewhere = l2l.load_config(_config(tmp_path, 1, {**worker, "log_directory": str(tmp_path / "logs")}))
    l2l.loop.check_out(out, elsewhere)  # the logs go elsewhere: the run folder holds no pattern
    with pytest.raises(ConfigError, match=r"^backend 'slurm': log_directory '.*/logs%j' contains '%', which sbatch "
                                          r"reads as a pattern .*; choose a log_directory without '%'$"):
        l2l.loop.build(l2l.load_config(_config(tmp_path, 1, {**worker, "log_directory": str(tmp_path / "logs%j")})))


def test_resume_on_slurm_array_refuses_a_percent_sign_before_writing_to_the_file(tmp_path):
    folder = tmp_path / "r%j"
    folder.mkdir()
    out = folder / "run.h5"
    assert l2l_cli("run", _config(tmp_path, 1, {"name": "serial"}), "--out", out, "--no-progress",
                   cwd=tmp_path, timeout=120).returncode == 0
    events = _events(out)
    refused = l2l_cli("resume", out, "--generations", 2, "--backend", "slurm-array", "--no-progress", cwd=tmp_path,
                      timeout=120)
    lines = refused.stderr.strip().splitlines()
    assert refused.returncode == 2 and len(lines) == 1, refused.stderr
    assert lines[0] == f"l2l: error: backend 'slurm-array': the run folder '{folder}/run.work' {PERCENT}", lines[0]
    assert _events(out) == events  # before: 'resumed' and 'failed' written, the error after them


def _resume_refused(tmp_path, sbatch: Sbatch, out) -> tuple[int, str, list[str]]:
    """``l2l resume OUT --generations 2`` while sbatch refuses: its status, stderr and error lines (not the banner)."""
    resumed = subprocess.Popen([sys.executable, "-m", "l2l", "resume", str(out), "--generations", "2", "--no-progress"],
                               cwd=tmp_path, env=sbatch.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    status, stderr = _finish(resumed, 120)
    return status, stderr, [line for line in _errors(stderr) if not line.startswith("l2l 0.")]


@pytest.fixture(scope="module")
def finished_array_run(tmp_path_factory):
    """A finished slurm-array run of one generation (2 evaluations), made once for the tests of this file: its
    output file (each test takes a copy)."""
    require_slurm()
    folder = tmp_path_factory.mktemp("first")
    sbatch = Sbatch(folder / "sbatch", "pass")
    config = _config(folder, 1, {"name": "slurm-array", "partition": "debug", "walltime": "00:05:00",
                                 "result_grace": 0.5})
    out = folder / f"first-{os.getpid()}.h5"
    try:
        status, stderr = _finish(_run(sbatch, config, out, "run"), 120)
    finally:
        sbatch.cancel_all()
    assert status == 0, stderr
    return out


def _first_run(tmp_path, finished: Path) -> Path:
    """A copy of the finished slurm-array run in ``tmp_path``."""
    out = tmp_path / f"more-{os.getpid()}.h5"  # its arrays' job name, l2l-more-<pid>, is this test's alone
    shutil.copyfile(finished, out)
    return out


@pytest.mark.slurm
def test_a_resumed_slurm_array_run_whose_first_array_is_refused_says_how_to_continue(tmp_path, finished_array_run):
    sbatch = Sbatch(tmp_path / "sbatch", "refuse")
    try:
        out = _first_run(tmp_path, finished_array_run)
        status, stderr, errors = _resume_refused(tmp_path, sbatch, out)
        # before: 'l2l: error: sbatch failed (exit status 1): sbatch: error: QOSMaxSubmitJobPerUserLimit; ...
        # (the command: sbatch --parsable --array=0-1 ...)', nothing said of the file or of l2l resume
        assert status == 2 and len(errors) == 1, stderr
        assert errors[0].startswith(f"l2l: error: sbatch refused the job arrays the run needs: {SAID} "), errors[0]
        assert errors[0].endswith(f"every finished evaluation is in {out}; once SLURM takes the jobs again, "
                                  f"continue with: l2l resume {out}"), errors[0]
        assert sorted(l2l.load(out).generation) == [0, 0]
        sbatch.set_plan("pass")  # the limit lifted: the advice works
        status, stderr = _finish(_run(sbatch, None, out, "resume"), 120)
        assert status == 0, stderr
        assert sorted(l2l.load(out).generation) == [0, 0, 1, 1]
    finally:
        sbatch.cancel_all()


@pytest.mark.slurm
def test_a_refused_reevaluation_says_how_to_run_it_again(tmp_path, finished_array_run):
    sbatch = Sbatch(tmp_path / "sbatch", "refuse")
    try:
        out = _first_run(tmp_path, finished_array_run)
        refused = subprocess.run([sys.executable, "-m", "l2l", "reevaluate", str(out), "--top", "1", "--seeds", "2"],
                                 cwd=tmp_path, env=sbatch.env(), capture_output=True, text=True, timeout=120)
        errors = _errors(refused.stderr)
        # before: sbatch's message alone ('sbatch failed (exit status 1): ... (the command: sbatch ...)')
        assert refused.returncode == 2 and len(errors) == 1, refused.stderr
        assert errors[0].startswith(f"l2l: error: sbatch failed (exit status 1): {SAID} (the command: sbatch "), \
            errors[0]
        again = f"l2l reevaluate {out} --top 1 --seeds 2"
        assert errors[0].endswith(f"; every finished re-evaluation is in {out}; once SLURM takes the jobs again, "
                                  f"run the rest with: {again}"), errors[0]
        sbatch.set_plan("pass")
        done = subprocess.run([sys.executable, "-m", "l2l", *again.split()[1:]], cwd=tmp_path, env=sbatch.env(),
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        with Trajectory(out) as trajectory:
            assert len(trajectory.reevaluations()) == 2
    finally:
        sbatch.cancel_all()


@pytest.mark.slurm
def test_a_slurm_run_whose_extra_worker_job_is_refused_warns_once_and_goes_on(tmp_path):
    require_slurm()
    sbatch = Sbatch(tmp_path / "sbatch", "pass,refuse")
    config = _config(tmp_path, 3, {"name": "slurm", "partition": "debug", "memory": "1GB", "walltime": "00:05:00",
                                   "minimum_jobs": 2, "maximum_jobs": 2})
    out = tmp_path / "fewer.h5"
    try:
        status, stderr = _finish(_run(sbatch, config, out, "run"), 240)
    finally:
        sbatch.cancel_all()
    assert status == 0, stderr
    warnings = [line for line in stderr.splitlines() if "warning" in line]
    # before: nothing said; the run went on with one worker of its two
    assert warnings == [f"l2l: warning: the run goes on with 1 of its 2 worker jobs: sbatch refused 1 ({SAID})"], \
        stderr
    assert len(l2l.load(out)) == 6
    assert [action for _, action, _ in sbatch.entries()] == ["pass", "refuse"]


@pytest.mark.slurm
def test_the_slurm_backend_refused_at_the_first_worker_jobs_of_a_resume_or_a_reevaluation_says_how_to_go_on(
        tmp_path):
    require_slurm()
    sbatch = Sbatch(tmp_path / "sbatch", "pass")
    config = _config(tmp_path, 1, {"name": "slurm", "partition": "debug", "memory": "1GB", "walltime": "00:05:00"})
    out = tmp_path / "workers.h5"
    reevaluating = None
    try:
        status, stderr = _finish(_run(sbatch, config, out, "run"), 240)
        assert status == 0, stderr
        sbatch.set_plan("refuse")  # sbatch --test-only still passes
        # the reevaluation runs on a copy of the file beside the resume: each waits seconds for a replacement
        # worker job that could still be submitted before it ends (see SlurmExecutor.check_refused)
        copy = tmp_path / "reevaluated.h5"
        shutil.copyfile(out, copy)
        reevaluating = subprocess.Popen([sys.executable, "-m", "l2l", "reevaluate", str(copy), "--top", "1",
                                         "--seeds", "1"], cwd=tmp_path, env=sbatch.env(), stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        status, stderr, errors = _resume_refused(tmp_path, sbatch, out)
        # before: 'sbatch refused the worker jobs: ... (after 'sbatch --test-only' took them; correct [backend] in
        # the config, or run again once SLURM takes them)', as if the file held nothing
        assert status == 2 and len(errors) == 1, stderr
        assert errors[0].startswith(f"l2l: error: sbatch refused the worker jobs the run needs: {SAID} "), errors[0]
        assert errors[0].endswith(f"every finished evaluation is in {out}; once SLURM takes the jobs again, "
                                  f"continue with: l2l resume {out}"), errors[0]
        status, stderr = _finish(reevaluating, 120)
        errors = _errors(stderr)
        assert status == 2 and len(errors) == 1, stderr
        assert errors[0].startswith(f"l2l: error: sbatch refused the worker jobs: {SAID} "), errors[0]
        assert errors[0].endswith(f"; every finished re-evaluation is in {copy}; once SLURM takes the jobs again, "
                                  f"run the rest with: l2l reevaluate {copy} --top 1 --seeds 1"), errors[0]
        assert len(l2l.load(out)) == 2 and len(l2l.load(copy)) == 2
    finally:
        if reevaluating is not None and reevaluating.poll() is None:  # a failed assertion above
            reevaluating.kill()
            reevaluating.communicate()
        sbatch.cancel_all()
