"""A slurm-array task cancelled (scancel) or past its time limit: SLURM sends SIGTERM to every process of the job,
the simulator's program often a few milliseconds before the task itself. The task saw its program die first and
could write the failure 'command was killed by signal 15 (SIGTERM)' before its own SIGTERM stopped it: the run
then recorded a failed evaluation instead of resubmitting the task (what test_slurm_refused_later.py's slurm-array
resubmission test waited for in vain, once, in a full suite on two busy cores). The task now gives its own SIGTERM
a moment (``STOP_GRACE``) before it writes such a failure."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from l2l.jobs import array_task
from l2l.jobs.array_task import write_tasks
from l2l.jobs.base import Task

ROOT = Path(__file__).resolve().parents[1]


def _task_files(tmp_path: Path, script: str) -> tuple[Path, list[str]]:
    """A run folder with one array task whose command runs ``script`` in sh; (its results folder, the task's
    argv)."""
    run_dir = tmp_path / "run.work"
    batch = run_dir / "array" / "batches" / "b"
    (batch / "results").mkdir(parents=True)
    spec = run_dir / "array" / "spec.json"
    spec.write_text(json.dumps({"simulator": {"name": "command", "options": {"argv": ["sh", "-c", script]}},
                                "settings": {"objectives": ["value"], "timeout": None, "run_dir": str(run_dir)}}))
    write_tasks(str(batch), [Task(0, 1, 7, {})])
    return batch / "results", ["--spec", str(spec), "--tasks", str(batch / "tasks.json"), "--results",
                               str(batch / "results"), "--index", "0"]


def test_a_task_whose_program_dies_of_sigterm_just_before_the_task_writes_no_result(tmp_path):
    # as slurmstepd does: SIGTERM to the program, then (50 ms later, well inside STOP_GRACE) to the task, its parent
    results, argv = _task_files(tmp_path, '(sleep 0.05; kill -TERM "$PPID") & kill -TERM $$')
    task = subprocess.run([sys.executable, "-m", "l2l.jobs.array_task", *argv], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    # before: status 0 and results/0.json saying 'command was killed by signal 15 (SIGTERM)', a failed evaluation
    assert not list(results.iterdir()), task.stderr
    assert task.returncode == 128 + signal.SIGTERM, task.stderr
    assert "stopped (SIGTERM" in task.stderr and "Traceback" not in task.stderr, task.stderr


def test_a_program_that_dies_of_sigterm_on_its_own_is_still_a_failed_evaluation(tmp_path, monkeypatch):
    results, argv = _task_files(tmp_path, "kill -TERM $$")
    monkeypatch.setattr(array_task, "STOP_GRACE", 0.05)  # no SIGTERM of the task's own comes
    handler = signal.getsignal(signal.SIGTERM)
    try:
        assert array_task.main(argv) == 0
    finally:
        signal.signal(signal.SIGTERM, handler)  # main's, for a task process
    result = json.loads((results / "0.json").read_text())
    assert result["status"] == "failed" and "killed by signal 15 (SIGTERM)" in result["error"], result
