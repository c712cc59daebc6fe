"""A `command` evaluation cancelled as the run ends (run.target reached, a stop) is no failure of the user's
program: its working directory goes as a successful evaluation's does (kept with ``keep_workdirs``), where before
it was left in ``<run>.work`` on the ``local`` backend (programs killed by :meth:`Command.end_programs`) and on
``slurm-array`` (the task scancel ends)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from l2l.jobs.array_task import write_tasks
from l2l.jobs.base import Task
from l2l.simulators import SIMULATORS

#: A program that says it runs (program.pid in its working directory), then runs until killed.
PROGRAM = [sys.executable, "-c", "import os, time; open('program.pid', 'w').write(str(os.getpid())); time.sleep(60)"]


def _wait_for(path: Path) -> None:
    for _ in range(600):  # 30 s at most, on a loaded machine
        if path.exists() and path.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} was not written")


@pytest.mark.parametrize("keep", [False, True])
def test_the_programs_a_run_ends_leave_no_working_directory(tmp_path, keep):
    run_dir = tmp_path / "run.work"
    workdir = run_dir / "g000000" / "i000001-a0"
    workdir.mkdir(parents=True)
    program = subprocess.Popen(PROGRAM, cwd=workdir, env={**os.environ, "L2L_RUN": str(run_dir),
                                                          "L2L_WORKDIR": str(workdir)})
    try:
        _wait_for(workdir / "program.pid")
        SIMULATORS.create("command", {"argv": PROGRAM, "keep_workdirs": keep}).end_programs(str(run_dir))
        assert program.wait(timeout=30) == -signal.SIGKILL
        assert workdir.exists() == keep  # and the run's folder with it, left empty
        assert run_dir.exists() == keep
    finally:
        if program.poll() is None:
            program.kill()
            program.wait()


def test_a_slurm_array_task_ended_by_scancel_removes_its_working_directory(tmp_path):
    run_dir = tmp_path / "run.work"
    batch = run_dir / "array" / "batches" / "b"
    (batch / "results").mkdir(parents=True)
    spec = run_dir / "array" / "spec.json"
    spec.write_text(json.dumps({"simulator": {"name": "command", "options": {"argv": PROGRAM}},
                                "settings": {"objectives": ["value"], "timeout": None, "run_dir": str(run_dir)}}))
    write_tasks(str(batch), [Task(0, 1, 7, {})])
    task = subprocess.Popen([sys.executable, "-m", "l2l.jobs.array_task", "--spec", str(spec), "--tasks",
                             str(batch / "tasks.json"), "--results", str(batch / "results"), "--index", "0"],
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    workdir = run_dir / "g000000" / "i000001-a0"
    try:
        _wait_for(workdir / "program.pid")
        pid = int((workdir / "program.pid").read_text())
        task.send_signal(signal.SIGTERM)  # as scancel does (it signals the program too; here the task alone)
        _, stderr = task.communicate(timeout=30)
        assert task.returncode == 128 + signal.SIGTERM, stderr
        assert b"stopped (SIGTERM" in stderr and b"Traceback" not in stderr, stderr
        assert not workdir.exists() and not (run_dir / "g000000").exists()
        assert not list((batch / "results").iterdir())  # no result: the evaluation is run again if needed
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:3]
    finally:
        if task.poll() is None:
            task.kill()
            task.wait()
        if (workdir / "program.pid").exists():
            try:
                os.kill(int((workdir / "program.pid").read_text()), signal.SIGKILL)
            except (OSError, ValueError):
                pass


class _Finished:
    """What :func:`l2l.summary.text.reached_line` reads of a file whose run reached its target after
    ``evaluations`` of its ``rows`` (the others finished on other workers as the run ended)."""

    def __init__(self, evaluations: int, rows: int) -> None:
        import pandas as pd

        target = {"value": 0.06, "candidate": [5, 3], "objectives": {"error": 0.055}, "results": 1,
                  "evaluations": evaluations}
        self._events = pd.DataFrame({"kind": ["started", "finished"], "detail": [
            "{}", json.dumps({"generations": 6, "evaluations": rows, "target": target})]})
        self.run = {"config": {"run": {"target": 0.06}}}
        self.n_evaluations = rows

    def events(self):
        return self._events


def test_the_target_line_counts_the_evaluations_that_finished_as_the_run_ended():
    # l2l run's closing line said 'done ...: 110 evaluations', its target line 'reached ... after 108 evaluations'
    from l2l.summary.text import reached_line

    assert reached_line(_Finished(108, 110)) == ("target 0.06 reached by candidate 5/3 (error = 0.055) after 108 "
                                                 "evaluations (110 in all: 2 more finished as the run ended)")
    assert reached_line(_Finished(108, 108)).endswith("after 108 evaluations")
