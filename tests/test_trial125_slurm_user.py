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
def test_every_resume_cancels_the_jobs_a_killed_session_left_whatever_its_backend(tmp_path, capsys):
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
        capsys.readouterr()
        l2l.resume(out)  # finished, nothing more to run: the jobs are cancelled all the same
        first, second = sorted((array, worker), key=int)
        assert capsys.readouterr().err.splitlines()[0] == (
            f"l2l: note: cancelled SLURM jobs {first}, {second}, left in the queue by a killed session of this run "
            f"(they would have run on for nobody)")
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


# -- retries, empty curves and failure reasons (no SLURM) --------------------------------------------------------

def long_failure(params, seed):
    """Fails for one seed in two with one of two errors whose first 80 characters agree."""
    if seed % 2:
        raise ValueError("the solver did not converge within the iteration limit set for this stage; stage "
                         + ("A" if seed % 4 == 1 else "B"))
    return {"value": float(params["x"])}


def test_failures_that_differ_past_70_characters_are_two_reasons_told_apart(tmp_path):
    """Grouped by their text cut at 70 characters, they merged into one reason (one count, one text)."""
    from conftest import TESTS
    from l2l.summary import summarize
    from l2l.summary.failures import failure_line

    config = l2l.from_mapping({**SMALL, "run": {"name": "long", "seed": 3, "generations": 2},
                               "optimizer": {"name": "random", "population_size": 8},
                               "simulator": {"name": "python", "function": "test_trial125_slurm_user:long_failure"},
                               "backend": {"name": "serial"}}, base_dir=TESTS)
    out = l2l.run(config, tmp_path / "long.h5")
    frame = l2l.load(out)
    letters = list(frame[frame.status == "failed"].error.str.strip().str[-1])  # in file order
    counts = {letter: letters.count(letter) for letter in set(letters)}
    with l2l.Trajectory(out) as trajectory:
        line = failure_line(trajectory, summarize(trajectory))
    assert sorted(counts) == ["A", "B"]
    cut = "the solver did not converge within the iteration limit set for this stage; stage "
    first, second = sorted("AB", key=lambda letter: (-counts[letter], letters.index(letter)))  # ties: failed first
    # the second reason does not fit the line's 150 characters beside the first: counted
    assert line == f'{len(letters)} failed: {counts[first]} × "ValueError: {cut}{first}", {counts[second]} with ' \
                   f'another reason', line
    from l2l.summary.failures import _shown

    a, b = "ValueError: " + cut[:60] + "A" * 30, "ValueError: " + cut[:60] + "B" * 30  # shown cut past where they
    assert _shown([a, b]) == {a: f'"ValueError: {cut[:60]}{"A" * 12}..."',  # differ (at 72 characters)
                              b: f'"ValueError: {cut[:60]}{"B" * 12}..."'}


def test_l2l_show_says_the_segments_that_needed_a_retry_and_the_first_error(tmp_path, capsys):
    """A segment that failed once and passed on its retry read '35 segments (0 failed)' in l2l show, with nothing
    of the attempts the compute counted, and the failed attempt's error was kept nowhere."""
    from l2l.cli import main
    from test_retry_compute import config, markers

    out = l2l.run(config(markers(tmp_path), compute=30), tmp_path / "retried.h5")
    frame = l2l.load(out)
    retried = frame[(frame.status == "ok") & (frame.attempts == 2)]
    assert len(retried) >= 2 and (frame.attempts <= 2).all()
    # the row keeps its first attempt's error; the other ok rows none
    assert retried.error.str.startswith("(retried, then ok) the first attempt failed: Traceback").all()
    assert frame[(frame.status == "ok") & (frame.attempts == 1)].error.isna().all()
    capsys.readouterr()
    assert main(["show", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    with l2l.Trajectory(out) as trajectory:
        rows = trajectory.rows(("status", "attempts", "budget"))  # in file order
    first_budget = rows["budget"][(rows["status"] == 0) & (rows["attempts"] == 2)][0]
    assert f"retried    {len(retried)} segments needed a retry and then succeeded ({2 * len(retried)} attempts, " \
           f"each counted in the compute); first error: \"RuntimeError: first attempt of the segment to " \
           f"{first_budget:g} fails\"" in lines, lines
    from l2l.summary import failures

    failures.RETRY_ROWS = 10  # (restored below) l2l show reads a bounded number of rows: the last ones, said so
    try:
        with l2l.Trajectory(out) as trajectory:
            line = failures.retry_line(trajectory, segments=True)
            last = trajectory.rows(("status", "attempts"), trajectory.n_evaluations - 10)  # in file order
    finally:
        failures.RETRY_ROWS = failures.FAILURE_ROWS
    assert line.startswith(f"{int(((last['status'] == 0) & (last['attempts'] == 2)).sum())} of the last 10 "
                           f"segments needed a retry"), line


def empty_curve_model(params, seed, budget, checkpoint=None):
    from l2l.simulators.base import SimulationResult

    return SimulationResult(objectives={"value": float(params["x"]) ** 2}, curve={"value": []})


def test_an_empty_curve_is_said_as_empty_and_a_command_s_names_its_last_line_on_stderr(tmp_path):
    """It failed as "curve 'value' must be rows of [fidelity, value], got shape (0,)"."""
    import sys

    from conftest import TESTS

    fidelity = {"name": "epochs", "minimum": 1, "maximum": 3}
    base = {**SMALL, "run": {"name": "empty", "seed": 1, "compute": 2}, "policy": {"name": "asha", "eta": 3},
            "backend": {"name": "serial"}}
    python = {"name": "python", "function": "test_trial125_slurm_user:empty_curve_model", "multi_fidelity": fidelity}
    frame = l2l.load(l2l.run(l2l.from_mapping({**base, "simulator": python}, base_dir=TESTS), tmp_path / "p.h5"))
    assert (frame.error == "invalid result: curve 'value' is empty (no [fidelity, value] row)").all(), frame.error
    program = tmp_path / "prog.py"
    program.write_text("import json, sys\nprint('warning: 0 batches in the data set, nothing trained', "
                       "file=sys.stderr)\nprint(json.dumps({'objectives': {'value': 1.0}, 'curve': {'value': []}}))\n")
    command = {"name": "command", "argv": [sys.executable, str(program), "{budget}"], "multi_fidelity": fidelity}
    frame = l2l.load(l2l.run(l2l.from_mapping({**base, "simulator": command}), tmp_path / "c.h5"))
    assert len(frame) == 2 and frame.error.str.startswith(
        "EvaluationError: curve 'value' is empty (no [fidelity, value] row); its last line on stderr: 'warning: 0 "
        "batches in the data set, nothing trained'\n--- stdout (tail) ---").all(), frame.error.iloc[0]


def test_significant_is_public_and_rounds_as_before():
    import l2l.policies.pbt as pbt
    from l2l.policies.base import significant

    assert significant(0.8999999999999999) == 0.9 and pbt.significant is significant
    assert not hasattr(pbt, "_significant")


def fractional_pbt_model(params, seed, budget, checkpoint=None):
    """A value that falls with the (fractional) budget trained, continued from its checkpoint."""
    from l2l.simulators.base import SimulationResult

    x = float(params["x"])
    return SimulationResult({"value": x * x + 1.0 / (1.0 + budget)}, checkpoint={"budget": float(budget)})


def test_the_finished_event_says_a_pbt_run_s_compute_rounded_and_the_state_keeps_the_sum(tmp_path):
    """The finished event of a PBT run on a fractional fidelity said "compute": 4.000000000000002 (a sum of float
    differences of budgets); the run state, which decides, keeps that sum unchanged."""
    import json

    from conftest import TESTS

    config = l2l.from_mapping({
        "run": {"name": "frac", "seed": 2}, "space": {"x": {"low": -1.0, "high": 1.0}},
        "simulator": {"name": "python", "function": "test_trial125_slurm_user:fractional_pbt_model",
                      "multi_fidelity": {"name": "seconds", "minimum": 0.01, "integer": False, "maximum": 1.0}},
        "policy": {"name": "pbt", "population": 4, "interval": 0.1}, "backend": {"name": "serial"}}, base_dir=TESTS)
    with l2l.Trajectory(l2l.run(config, tmp_path / "frac.h5")) as trajectory:
        detail = json.loads(trajectory.events()["detail"].iloc[-1])
        stored = trajectory.state()["loop"]["compute"]
    assert stored != 4.0 and abs(stored - 4.0) < 1e-12  # the sum as it was (what the test is about)
    assert detail["compute"] == 4.0 and detail["policy_done"] is True


@pytest.mark.slurm
def test_a_slurm_worker_job_is_named_in_the_run_folder_for_a_later_session_to_cancel(tmp_path):
    """The slurm backend's worker jobs were named nowhere: one whose loop was killed finished the evaluation it held
    (its worker stops taking work once the scheduler is gone) while l2l resume ran that evaluation again."""
    import asyncio

    from l2l.jobs.slurm import _job_class, _Submissions, slurm_cluster_class
    from l2l.jobs.slurm_left import cancel_left_behind, forget_worker_jobs

    require_slurm()
    slurm_cluster_class()  # dask-jobqueue imported as the backend imports it
    work = tmp_path / "run.work"
    job = _job_class(_Submissions(1), str(work))(scheduler="tcp://127.0.0.1:8786", name="w", cores=1,
                                                 memory="1GB", job_name="l2l-worker")
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/sh\n#SBATCH --job-name=l2l-worker\n#SBATCH --output=/dev/null\nsleep 300\n")
    submitted = asyncio.run(job._submit_job(str(script)))
    job_id = job._job_id_from_submit_output(submitted)
    try:
        assert [p.name for p in (work / "slurm-jobs").iterdir()] == [job_id]
        assert cancel_left_behind(work) == [job_id]
        assert not [row for row in squeue("--format=%i|%T", f"--jobs={job_id}") if row[1] in ("PENDING", "RUNNING")]
        assert not (work / "slurm-jobs").exists()  # its folder too, once empty
        (work / "slurm-jobs").mkdir()
        (work / "slurm-jobs" / "123").touch()
        forget_worker_jobs(work)  # the run closed its cluster: nothing left to cancel
        assert not (work / "slurm-jobs").exists()
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)


def test_a_resume_where_slurm_is_not_installed_claims_no_cancelled_job(tmp_path, monkeypatch):
    """A slurm-array run's file resumed off the cluster (a laptop without squeue/scancel): every id was said
    'cancelled' in the note although nothing could be cancelled."""
    from l2l.jobs.slurm_left import JOB_ID_FILE, cancel_left_behind

    work = tmp_path / "run.work"
    batch = work / "array" / "batches" / "0"
    batch.mkdir(parents=True)
    (batch / JOB_ID_FILE).write_text("4242\n")
    monkeypatch.setenv("PATH", str(tmp_path / "no-slurm-here"))
    assert cancel_left_behind(work) == []
    assert not (batch / JOB_ID_FILE).exists()  # each id is looked at once


def test_jobs_scancel_did_not_answer_for_are_not_said_cancelled_and_are_tried_again(tmp_path, monkeypatch):
    """scancel past its timeout (a controller down): the jobs squeue listed were said 'cancelled' in the note, and
    their ids removed, so that no later session tried again."""
    from l2l.jobs import slurm_left
    from l2l.jobs.slurm_common import SlurmError
    from l2l.jobs.slurm_left import JOB_ID_FILE, cancel_left_behind

    work = tmp_path / "run.work"
    batch = work / "array" / "batches" / "0"
    batch.mkdir(parents=True)
    (batch / JOB_ID_FILE).write_text("4242\n")

    def call(argv, **_):
        if argv[0] == "squeue":
            return "4242|l2l-run\n"
        raise SlurmError(argv, -1, "", "no answer within 30 s")

    monkeypatch.setattr(slurm_left, "call", call)
    assert cancel_left_behind(work) == []
    assert (batch / JOB_ID_FILE).read_text() == "4242\n"  # for the next session


@pytest.mark.slurm
def test_the_arrays_of_a_run_whose_name_has_a_comma_are_cancelled(tmp_path):
    """squeue's --name reads a comma as between two names: the arrays of a killed session of 'lr=0.1,bs=32.h5' were
    never found in the queue, so never cancelled (and their ids were forgotten)."""
    from l2l.jobs.slurm_left import JOB_ID_FILE, array_job_name, cancel_left_behind

    require_slurm()
    work = tmp_path / "lr=0.1,bs=32.work"
    done = subprocess.run(["sbatch", "--parsable", f"--job-name={array_job_name(work)}", "--output=/dev/null",
                           "--wrap=sleep 300"], capture_output=True, text=True, timeout=30, check=True)
    job_id = done.stdout.strip().split(";")[0]
    try:
        batch = work / "array" / "batches" / "0"
        batch.mkdir(parents=True)
        (batch / JOB_ID_FILE).write_text(job_id + "\n")
        assert cancel_left_behind(work) == [job_id]
        assert not [row for row in squeue("--format=%i|%T", f"--jobs={job_id}") if row[1] in ("PENDING", "RUNNING")]
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=30)


def test_jobs_are_not_said_cancelled_where_neither_squeue_nor_scancel_reached_slurm(tmp_path, monkeypatch):
    """The controller down: squeue and scancel both fail at once ('Unable to contact slurm controller'); the ids
    were said cancelled in resume's note, and forgotten."""
    from l2l.jobs import slurm_left
    from l2l.jobs.slurm_common import SlurmError
    from l2l.jobs.slurm_left import JOB_ID_FILE, cancel_left_behind

    work = tmp_path / "run.work"
    batch = work / "array" / "batches" / "0"
    batch.mkdir(parents=True)
    (batch / JOB_ID_FILE).write_text("4242\n")

    def call(argv, **_):
        raise SlurmError(argv, 1, "", "error: Unable to contact slurm controller (connect failure)")

    monkeypatch.setattr(slurm_left, "call", call)
    assert cancel_left_behind(work) == []
    assert (batch / JOB_ID_FILE).read_text() == "4242\n"  # for the next session
