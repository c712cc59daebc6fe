"""sbatch refusing jobs after a run has started (a per-user job or QOS limit reached, a partition closed).

Before: a ``slurm`` run whose replacement worker job sbatch refused waited for ever and printed nothing
(dask-jobqueue keeps the job it could not submit and never submits it again); a ``slurm-array`` run ended at
the first refused array, cancelling its arrays still running, with no word on how to go on; and results the loop
had taken but not yet appended were lost with the error.

The SLURM tests put an ``sbatch`` first on the run's PATH that follows a plan, one word per submission (the last
word repeats): ``pass`` hands it to the real sbatch, ``hold`` too with ``--hold`` (a job pending in the queue
until the test releases it), ``refuse`` answers as a QOS limit does. ``sbatch --test-only`` always passes.
Only the jobs this sbatch submitted (its log) are ever cancelled or released.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import write_toml
from slurm_helpers import require_slurm, squeue, wait_for

import l2l
from l2l.errors import ExecutorError
from l2l.jobs.serial import SerialExecutor

ROOT = Path(__file__).resolve().parents[1]
PRINT_ONE = [sys.executable, "-c", "print(1)", "{x}"]


def _config(tmp_path, generations: int, backend: dict, argv: list | None = None, population: int = 2):
    """The config of these tests: random search over one float, a command simulator, ``backend``."""
    return write_toml(tmp_path / "c.toml", {
        "run": {"name": "refused-later", "generations": generations},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": population},
        "simulator": {"name": "command", "argv": argv or PRINT_ONE},
        "backend": backend})
REFUSAL = ("sbatch: error: QOSMaxSubmitJobPerUserLimit\n"
           "sbatch: error: Batch job submission failed: Job violates accounting/QOS policy (job submit limit, "
           "user's size and/or time limits)")
SHIM = r"""#!/bin/bash
for word in "$@"; do [ "$word" = "--test-only" ] && exec "$SHIM_REAL" "$@"; done
exec 9>>"$SHIM_DIR/lock"; flock 9
n=$(( $(cat "$SHIM_DIR/count" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$SHIM_DIR/count"
IFS=, read -r -a plan < "$SHIM_DIR/plan"
action=${plan[$(( n <= ${#plan[@]} ? n - 1 : ${#plan[@]} - 1 ))]}
if [ "$action" = refuse ]; then
  echo "$n refuse -" >> "$SHIM_DIR/log"
  printf '%s\n' "$SHIM_REFUSAL" >&2
  exit 1
fi
extra=(); [ "$action" = hold ] && extra=(--hold)
out=$("$SHIM_REAL" "${extra[@]}" "$@"); status=$?
echo "$out"
echo "$n $action $(echo "$out" | grep -o '[0-9][0-9]*' | head -1)" >> "$SHIM_DIR/log"
exit $status
"""


class Sbatch:
    """The planned sbatch of one test: its folder, its log, the jobs it submitted."""

    def __init__(self, folder: Path, plan: str):
        self.folder = folder
        (folder / "bin").mkdir(parents=True)
        script = folder / "bin" / "sbatch"
        script.write_text(SHIM)
        script.chmod(0o755)
        self.set_plan(plan)
        (folder / "log").touch()

    def set_plan(self, plan: str) -> None:
        (self.folder / "plan").write_text(plan + "\n")

    def env(self) -> dict[str, str]:
        real = shutil.which("sbatch")
        assert real is not None
        return {**os.environ, "PATH": f"{self.folder / 'bin'}{os.pathsep}{os.environ['PATH']}", "SHIM_REAL": real,
                "SHIM_DIR": str(self.folder), "SHIM_REFUSAL": REFUSAL,
                "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
                # a worker that left is replaced after 1 s (default 15 s): the test waits less for the refusal
                "DASK_DISTRIBUTED__DEPLOY__LOST_WORKER_TIMEOUT": "1s"}

    def entries(self) -> list[tuple[int, str, str]]:
        lines = (self.folder / "log").read_text().split("\n")
        return [(int(n), action, job) for n, action, job in (line.split() for line in lines if line.strip())]

    def job(self, action: str) -> str:
        """The id of the first job submitted with ``action`` (waiting for it)."""
        return wait_for(lambda: next((job for _, a, job in self.entries() if a == action), None), 120,
                        f"a job submitted with {action}")

    def refusals(self) -> int:
        return sum(1 for _, action, _ in self.entries() if action == "refuse")

    def cancel_all(self) -> None:
        ids = [job for _, action, job in self.entries() if action != "refuse"]
        if ids:
            subprocess.run(["scancel", *ids], capture_output=True, timeout=30)


def _errors(stderr: str) -> list[str]:
    """What l2l said besides its banner and the line a re-evaluation starts with (Dask's scheduler may log a line
    of its own when a worker job is cancelled under it, e.g. "Couldn't gather keys", which is not the run's end)."""
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("l2l") and not line.startswith("l2l 0.")
            and not line.startswith("l2l: re-evaluating ")]


def _started(folder: Path, job: str) -> int:
    """Evaluations that started in SLURM job ``job`` (the simulator writes its job id to ``started``)."""
    path = folder / "started"
    return path.read_text().split().count(job) if path.exists() else 0


def _state(job: str) -> str:
    rows = squeue(f"--jobs={job}", "--format=%i|%T")
    return rows[0][1] if rows else "GONE"


def _run(sbatch: Sbatch, config: Path, out: Path, *command: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "l2l", *command, *([str(config)] if config else []),
                             *(["--out", str(out)] if config else [str(out)]), "--no-progress"],
                            cwd=out.parent, env=sbatch.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _finish(process: subprocess.Popen, timeout: float) -> tuple[int, str]:
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:  # before: the slurm run waited for ever
        process.kill()
        _, stderr = process.communicate()
        raise AssertionError(f"the run did not end within {timeout} s; it said:\n{stderr}") from None
    return process.returncode, stderr


@pytest.mark.slurm
def test_a_slurm_run_waits_for_a_pending_worker_and_ends_in_one_line_once_sbatch_refuses_all(tmp_path):
    """Worker A runs, worker B is held in the queue; A is cancelled and its replacement refused: the run waits for
    B (pending is not refused); B runs, is cancelled, its replacement refused: nothing is left, the run ends."""
    require_slurm()
    sbatch = Sbatch(tmp_path / "sbatch", "pass,hold,refuse")
    argv = ["sh", "-c", f'echo "$SLURM_JOB_ID" >> {tmp_path}/started; sleep 0.2; echo 1', "sh", "{x}"]
    config = _config(tmp_path, 1000, {"name": "slurm", "partition": "debug", "memory": "1GB", "walltime": "00:05:00",
                                      "minimum_jobs": 2, "maximum_jobs": 2, "chunk_size": 1}, argv=argv)
    out = tmp_path / "later.h5"
    process = _run(sbatch, config, out, "run")
    try:
        first, held = sbatch.job("pass"), sbatch.job("hold")
        wait_for(lambda: _started(tmp_path, first) >= 4, 120, f"evaluations in worker job {first}")
        subprocess.run(["scancel", first], check=True, timeout=30)
        wait_for(sbatch.refusals, 240, "the replacement of the cancelled worker to be refused")
        # refused, but a worker job waits in the queue: the run goes on waiting (looked at every second)
        for _ in range(3):
            time.sleep(1)
            assert process.poll() is None, process.communicate()[1]
            assert _state(held) == "PENDING"
        subprocess.run(["scontrol", "release", held], check=True, timeout=30)
        wait_for(lambda: _started(tmp_path, held) >= 4, 120, f"evaluations in the released job {held}")
        rows = len(l2l.load(out))
        subprocess.run(["scancel", held], check=True, timeout=30)
        status, stderr = _finish(process, 90)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        sbatch.cancel_all()
    errors = _errors(stderr)
    # A's replacement refused while B waits in the queue: one warning line (see test_slurm_replacement_refused.py)
    assert errors[0] == (f"l2l: warning: sbatch refused a replacement worker job ({REFUSAL.replace(chr(10), '; ')}); "
                         f"the run goes on with 1 worker job (1 waiting in the queue)"), stderr
    errors = errors[1:]
    assert status == 2 and len(errors) == 1, stderr
    assert errors[0].startswith("l2l: error: sbatch refused the worker jobs the run needs: sbatch: error: "
                                "QOSMaxSubmitJobPerUserLimit; sbatch: error: Batch job submission failed: Job "
                                "violates accounting/QOS policy"), errors[0]
    assert errors[0].endswith(f"every finished evaluation is in {out}; once SLURM takes the jobs again, continue "
                              f"with: l2l resume {out}"), errors[0]
    assert stderr.rstrip().endswith(errors[0])  # the last word
    assert len(l2l.load(out)) >= max(rows, 1)  # rows of evaluations cut short by scancel may say 'failed'
    assert sbatch.refusals() >= 1


@pytest.mark.slurm
def test_a_slurm_run_whose_first_worker_job_sbatch_refuses_ends_in_one_line(tmp_path):
    """sbatch --test-only takes the worker job, sbatch refuses it (a limit on submitted jobs)."""
    require_slurm()
    sbatch = Sbatch(tmp_path / "sbatch", "refuse")
    config = _config(tmp_path, 1, {"name": "slurm", "partition": "debug", "memory": "1GB", "walltime": "00:05:00"})
    out = tmp_path / "first.h5"
    status, stderr = _finish(_run(sbatch, config, out, "run"), 90)  # before: no end
    errors = _errors(stderr)
    # and no traceback (dask-jobqueue's refusal raised in an event loop callback)
    assert status == 2 and len(errors) == 1, stderr
    assert errors[0].startswith("l2l: error: sbatch refused the worker jobs: sbatch: error: "
                                "QOSMaxSubmitJobPerUserLimit; "), errors[0]
    assert "l2l resume" not in errors[0]  # nothing computed to continue (l2l run says so of the file)
    assert len(l2l.load(out)) == 0


@pytest.mark.slurm
def test_a_slurm_array_run_refused_at_a_later_generation_keeps_its_rows_and_resumes(tmp_path):
    require_slurm()
    sbatch = Sbatch(tmp_path / "sbatch", "pass,refuse")
    config = _config(tmp_path, 2, {"name": "slurm-array", "partition": "debug", "walltime": "00:05:00",
                                   "result_grace": 0.5})
    out = tmp_path / f"array-{os.getpid()}.h5"  # its arrays' job name, l2l-array-<pid>, is this test's alone
    try:
        status, stderr = _finish(_run(sbatch, config, out, "run"), 120)
        errors = _errors(stderr)
        # before: 'l2l: error: sbatch failed (exit status 1): sbatch: error: QOSMaxSubmitJobPerUserLimit; ...
        # (the command: sbatch --parsable --array=0-1 ...)', nothing said of the file or of how to go on
        assert status == 2 and len(errors) == 1, stderr
        assert errors[0].startswith("l2l: error: sbatch refused the job arrays the run needs: sbatch: error: "
                                    "QOSMaxSubmitJobPerUserLimit; "), errors[0]
        assert errors[0].endswith(f"every finished evaluation is in {out}; once SLURM takes the jobs again, "
                                  f"continue with: l2l resume {out}"), errors[0]
        frame = l2l.load(out)
        assert sorted(frame.generation) == [0, 0] and (frame.status == "ok").all()
        assert sbatch.refusals() == 2  # the generation's array, then once more when nothing was left
        sbatch.set_plan("pass")  # the limit lifted
        status, stderr = _finish(_run(sbatch, None, out, "resume"), 120)
        assert status == 0, stderr
        assert sorted(l2l.load(out).generation) == [0, 0, 1, 1]
    finally:
        sbatch.cancel_all()


@pytest.mark.slurm
def test_a_refused_slurm_array_resubmission_waits_for_the_runs_arrays_in_the_queue_and_is_submitted_again(tmp_path):
    """Task 0 of the generation's array is cancelled; its resubmission is refused while task 1 still runs: the
    run goes on, task 1's result comes, and the resubmission, made again once task 1 is done, is taken."""
    require_slurm()
    sbatch = Sbatch(tmp_path / "sbatch", "pass,refuse,pass")
    script = ('if [ "$1" = 0 ] && [ ! -e "$2/first" ]; then touch "$2/first"; sleep 600; fi; '
              'while [ "$1" = 1 ] && [ ! -e "$2/go" ]; do sleep 0.1; done; echo 1')
    config = _config(tmp_path, 1, {"name": "slurm-array", "partition": "debug", "walltime": "00:05:00",
                                   "result_grace": 0.5},
                     argv=["sh", "-c", script, "sh", "{individual}", str(tmp_path), "{x}"])
    out = tmp_path / f"array-{os.getpid()}.h5"
    process = _run(sbatch, config, out, "run")
    try:
        array = sbatch.job("pass")
        wait_for(lambda: (tmp_path / "first").exists(), 120, "task 0 to start")
        first, = tmp_path.glob("*.work/array/batches/*/results")  # the results of the run's one array
        subprocess.run(["scancel", f"{array}_0"], check=True, timeout=30)
        wait_for(lambda: sbatch.refusals() or process.poll() is not None or (first / "0.json").exists(), 120,
                 "the resubmission of task 0 to be refused")
        # before (a flake, once in a full suite): SLURM signals the program before the task, which wrote 'command
        # was killed by signal 15' first: task 0 was a failed evaluation, never resubmitted, the run waited for ever
        assert not (first / "0.json").exists(), (first / "0.json").read_text()
        assert process.poll() is None, process.communicate()[1]
        time.sleep(1)
        # before: 'l2l: error: sbatch failed ...', task 1 cancelled
        assert process.poll() is None, process.communicate()[1]
        assert _state(f"{array}_1") == "RUNNING"
        (tmp_path / "go").touch()
        status, stderr = _finish(process, 120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        sbatch.cancel_all()
    assert status == 0, stderr
    frame = l2l.load(out).sort_values("individual")
    assert list(frame.individual) == [0, 1] and (frame.status == "ok").all()
    assert list(frame.attempts) == [2, 1]  # task 0's lost job counts (see docs/slurm.md)
    assert [action for _, action, _ in sbatch.entries()] == ["pass", "refuse", "pass"]


def test_results_taken_before_the_backend_cannot_go_on_are_in_the_file_with_how_to_continue(tmp_path, monkeypatch):
    """The loop appends results at most once a second: those taken since were lost with an executor's error."""
    wait = SerialExecutor.wait
    taken = []

    def refusing(self, timeout=None):
        if len(taken) == 9:
            raise ExecutorError("sbatch refused the worker jobs the run needs: QOSMaxSubmitJobPerUserLimit")
        outcomes = wait(self, timeout)
        taken.extend(outcomes)
        return outcomes

    monkeypatch.setattr(SerialExecutor, "wait", refusing)
    config = l2l.load_config(_config(tmp_path, 3, {"name": "serial"}, population=6))
    out = tmp_path / "taken.h5"
    with pytest.raises(ExecutorError) as raised:
        l2l.run(config, out)
    assert len(taken) == 9  # a generation of 6 committed, 3 of the next taken
    frame = l2l.load(out)
    # before: the 6 rows of the generation committed
    assert sorted(zip(frame.generation, frame.individual)) == sorted((o.generation, o.individual) for o in taken)
    assert str(raised.value) == (f"sbatch refused the worker jobs the run needs: QOSMaxSubmitJobPerUserLimit; every "
                                 f"finished evaluation is in {out}; continue with: l2l.resume(\"{out}\")")  # Python's call
    monkeypatch.setattr(SerialExecutor, "wait", wait)
    l2l.resume(out)
    assert len(l2l.load(out)) == 18


def test_a_refusal_message_names_what_sbatch_said_in_one_line():
    from l2l.jobs.slurm_common import JobsRefused, SlurmError

    error = SlurmError(["sbatch", "job.sh"], 1, "", REFUSAL + "\n")
    assert error.refused and not SlurmError(["sbatch"], 127, "", "").refused
    assert not SlurmError(["sbatch"], -1, "", "no answer").refused
    assert error.said == ("sbatch: error: QOSMaxSubmitJobPerUserLimit; sbatch: error: Batch job submission failed: "
                          "Job violates accounting/QOS policy (job submit limit, user's size and/or time limits)")
    assert issubclass(JobsRefused, ExecutorError) and "\n" not in str(error)
    assert re.search(r"once SLURM takes the jobs again", JobsRefused.resume_when)
