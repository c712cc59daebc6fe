"""``l2l resume`` of a ``slurm-array`` run whose loop was killed takes the results the killed session's arrays had
finished, instead of cancelling and running those evaluations again (helper-372: 4 results in ``batches/*/results``,
all 4 run again; on a cluster, hours of paid compute each)."""

from __future__ import annotations

import re
import shlex
import subprocess

import numpy as np
import pytest

import l2l
from conftest import comparable, make_config
from l2l.jobs.array_finished import CODE_FILE, Finished, evaluation_key, keep_results
from l2l.jobs.array_task import write_outcome, write_tasks
from l2l.jobs.tasks import Outcome, Task
from slurm_helpers import kill9, l2l_command, no_duplicates, require_slurm, wait_for, write_toml


def _batch(root, tasks, code="c0de"):
    directory = root / "batches" / "g00001-0001-1-abcd"
    (directory / "results").mkdir(parents=True)
    write_tasks(str(directory), tasks)
    (directory / CODE_FILE).write_text(code + "\n")
    return directory


def test_only_results_written_whole_of_ok_evaluations_are_kept_and_taken_under_the_same_code(tmp_path):
    root = tmp_path / "run.work" / "array"
    tasks = [Task(1, i, 100 + i, {"x": np.array([0.5, -0.25 * i])}, budget=3.0, from_budget=1.0, trial=i,
                  checkpoint={"epoch": 1, "w": np.arange(3.0)}) for i in range(5)]
    directory = _batch(root, tasks)
    results = str(directory / "results")
    for index in (0, 1):
        write_outcome(results, index, Outcome(1, index, 100 + index, "ok", objectives={"loss": 0.5 + index},
                                              duration=2.0, budget=3.0, from_budget=1.0, trial=index,
                                              checkpoint={"epoch": 3}))
    write_outcome(results, 4, Outcome(1, 4, 104, "failed", error="node died", budget=3.0, from_budget=1.0, trial=4))
    # a task killed while writing: its temporary name, never renamed; and a file cut short (never written so by a
    # task, but not taken whatever made it)
    (directory / "results" / ".2.json.4242").write_text('{"generation": 1, "individual": 2, "status": "ok"')
    (directory / "results" / "3.json").write_text('{"generation": 1, "individual": 3, "sta')
    assert keep_results(directory) == 2

    other = Finished(root, "another code")
    assert other.take(tasks[0]) is None and other.other_code == 1
    finished = Finished(root, "c0de")
    again = [Task(1, i, 100 + i, {"x": np.array([0.5, -0.25 * i])}, budget=3.0, from_budget=1.0, trial=i,
                  checkpoint={"epoch": 1, "w": np.arange(3.0)}) for i in range(5)]
    taken = [finished.take(task) for task in again]
    assert [outcome is not None for outcome in taken] == [True, True, False, False, False]
    assert taken[1].objectives == {"loss": 1.5} and taken[1].checkpoint == {"epoch": 3} and taken[1].duration == 2.0
    assert finished.taken == 2
    # another seed, parameter or starting checkpoint is another evaluation
    assert evaluation_key(Task(1, 0, 101, again[0].params, budget=3.0, from_budget=1.0, trial=0,
                               checkpoint=again[0].checkpoint)) != evaluation_key(again[0])
    assert evaluation_key(Task(1, 0, 100, again[0].params, budget=3.0, from_budget=1.0, trial=0,
                               checkpoint={"epoch": 2, "w": np.arange(3.0)})) != evaluation_key(again[0])
    finished.remove()
    assert not (root / "finished").exists()


def test_the_closing_lines_count_the_results_taken_and_those_another_code_ran(tmp_path, capsys):
    from l2l.jobs import BACKENDS

    executor = BACKENDS.create("slurm-array", {})
    (tmp_path / "finished").mkdir()
    finished = Finished(tmp_path, "c0de")
    finished.taken, finished.other_code = 2, 1
    executor._finished = finished
    executor.close()
    said = capsys.readouterr().err
    assert "l2l: note: 2 evaluations taken from the results the killed session's job arrays had finished (not run " \
           "again)" in said, said
    assert "l2l: note: 1 result the killed session's job arrays had finished was not taken: the model's code" in said
    assert executor.finished_taken == 2 and not (tmp_path / "finished").exists()


#: The evaluation: the sphere of ``x`` (``a,b``). In generation 1, individuals 2 and 3 first wait for the file
#: ``go`` in its folder; each evaluation that ends says so in ``runs.log``.
GATED = """#!/bin/sh
if [ "$2" -ge 1 ] && [ "$3" -ge 2 ]; then
    for _ in $(seq 6000); do [ -e {folder}/go ] && break; sleep 0.05; done
fi
echo "$2 $3" >> {folder}/runs.log
echo "$1" | awk -F, '{{ print $1 * $1 + $2 * $2 }}'
"""


@pytest.mark.slurm
def test_a_resume_takes_what_the_killed_session_s_arrays_finished_and_runs_only_the_rest(tmp_path):
    require_slurm()
    program = tmp_path / "sphere.sh"
    program.write_text(GATED.format(folder=shlex.quote(str(tmp_path))))
    program.chmod(0o755)
    data = {"run": {"name": "taken", "seed": 5, "generations": 2},
            "space": {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [2]}},
            "optimizer": {"name": "ga", "population_size": 4},
            "simulator": {"name": "command", "argv": [str(program), "{x}", "{generation}", "{individual}"]},
            "backend": {"name": "slurm-array", "poll_max": 0.5}}
    config = write_toml(tmp_path / "taken.toml", data)
    out = tmp_path / "taken.h5"
    log = tmp_path / "runs.log"
    loop = subprocess.Popen(l2l_command("run", str(config), "--out", str(out), "--no-progress"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:  # generation 1's individuals 0 and 1 finished, 2 and 3 waiting: the loop has not written generation 1
        wait_for(lambda: log.exists() and log.read_text().count("\n1 ") >= 2 or loop.poll() is not None, 300,
                 "two evaluations of generation 1")
        assert loop.poll() is None, "the loop should have been killed in the middle of generation 1"
    finally:
        kill9(loop.pid)
        loop.wait()
        (tmp_path / "go").touch()
    done = subprocess.run(l2l_command("resume", str(out), "--no-progress"), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = log.read_text().splitlines()
    # every evaluation ran once: those the killed session's arrays finished were not run again (before: 10 or 12)
    assert sorted(lines) == sorted(f"{g} {i}" for g in (0, 1) for i in range(4)), lines
    assert "evaluations taken from the results the killed session's job arrays had finished" in done.stderr, \
        done.stderr
    frame = l2l.load(out)
    assert len(frame) == 8 and no_duplicates(frame) and (frame["status"] == "ok").all()
    assert (frame["attempts"] == 1).all(), frame[["generation", "individual", "attempts"]]  # compute counted once
    reference = l2l.load(l2l.run(make_config(**{**data, "backend": {"name": "serial"}}), tmp_path / "serial.h5"))
    assert comparable(frame).equals(comparable(reference))
    assert not (tmp_path / "taken.work" / "array" / "finished").exists()
    shown = subprocess.run(l2l_command("show", str(out)), capture_output=True, text=True, timeout=120).stdout
    assert re.search(r"evaluations on \S+ \(8\).*; [24] of them finished by a killed session.s job arrays and taken "
                     r"by the next \(not run again\)", shown), shown
