"""Backend 'slurm-array' against the real single-node SLURM (scripts/slurm-up.sh), and its pieces offline."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest

import l2l
from conftest import comparable, make_config
from l2l.errors import ConfigError
from l2l.jobs import BACKENDS
from l2l.jobs.array_task import decode_value, encode_value, task_from_json, task_to_json
from l2l.jobs.base import Task
from slurm_helpers import (Background, job_processes, kill9, l2l_command, no_duplicates, require_slurm,
                           wait_for, write_toml)

EVIL = 'x"; touch /tmp/pwned; "'
SLEEP_SPACE = {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [2]}}


def sleep_config(seconds: float, population: int, generations: int, backend: dict, **run):
    return make_config(run={"generations": generations, **run}, space=SLEEP_SPACE,
                       optimizer={"name": "ga", "population_size": population},
                       simulator={"name": "sleep", "median": seconds}, backend=backend)


# -- offline ------------------------------------------------------------------------------------------

def test_tasks_round_trip_through_json_with_arrays_and_odd_strings():
    task = Task(3, 7, 2**62 + 5, {"x": np.array([0.1, 1 / 3]), "k": np.int64(4), "c": EVIL}, attempt=1)
    back = task_from_json(task_to_json(task))
    assert back.params["x"].tolist() == task.params["x"].tolist() and back.params["x"].dtype == np.float64
    assert back.params["k"] == 4 and back.params["c"] == EVIL and back.seed == task.seed
    assert decode_value(encode_value(np.arange(3, dtype=np.int32))).dtype == np.int32


def test_array_job_script_quotes_every_path_for_the_shell(tmp_path):
    executor = BACKENDS.create("slurm-array", {"launch": "srun", "ntasks": 4, "prologue": ["module load nest"]})
    evil_dir = tmp_path / EVIL
    script = executor.job_script(str(evil_dir / "spec.json"), str(evil_dir / "batch"))
    assert shlex.quote(str(evil_dir / "spec.json")) in script
    assert "#SBATCH --ntasks=4" in script and "srun " in script and "module load nest" in script
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)


def test_bad_array_options_are_refused_with_the_value():
    with pytest.raises(ConfigError, match=r"backend 'slurm-array': launch must be one of \['python', 'srun'\], got 'mpirun'"):
        BACKENDS.create("slurm-array", {"launch": "mpirun"})
    with pytest.raises(ConfigError, match="walltime"):
        BACKENDS.create("slurm-array", {"walltime": "soon"})
    with pytest.raises(ConfigError, match="job_extra_directives holds .* line break"):
        BACKENDS.create("slurm-array", {"job_extra_directives": ["--qos=x\n#SBATCH --uid=0"]})


# -- against SLURM ----------------------------------------------------------------------------------

@pytest.mark.slurm
def test_slurm_array_gives_the_serial_trajectory_and_splits_large_arrays(tmp_path):
    require_slurm()
    serial = l2l.load(l2l.run(sleep_config(0.0, 5, 2, {"name": "serial"}), tmp_path / "serial.h5"))
    # array_size 3 splits each generation of 5 into two arrays, as MaxArraySize would
    path = l2l.run(sleep_config(0.0, 5, 2, {"name": "slurm-array", "array_size": 3, "max_running": 2,
                                             "walltime": "00:05:00", "poll_max": 1.0}), tmp_path / "array.h5")
    array = l2l.load(path)
    assert comparable(array).equals(comparable(serial))
    logs = sorted(p.name for p in (tmp_path / "array.work" / "array" / "logs").iterdir())
    assert logs == ["generation-00000.log", "generation-00001.log"]
    assert (tmp_path / "array.work" / "array" / "logs" / "generation-00001.log").read_text().count("====") == 10
    assert not list((tmp_path / "array.work" / "array" / "batches").iterdir())


#: The evaluation of the run whose array tasks are cancelled and killed: the sphere of ``x`` (``a,b``). In an array
#: task, until the file ``go`` is in its folder, it first notes its task (``inflight-<array job>-<task>``), then
#: waits for ``go`` (at most 300 s), which the test makes once one task is cancelled and another's process killed:
#: both faults land in the middle of an evaluation whatever the load. Before, the evaluations slept 4 s, the test
#: cancelled the first task it saw running and, 0.5 s later, killed the newest array_task process on the machine:
#: under load the cancel could come after the evaluation, and the process killed could be the cancelled task's
#: (one fault, not two) or another session's.
GATED_TASK_SPHERE = """#!/bin/sh
if [ -n "${{SLURM_ARRAY_JOB_ID:-}}" ] && [ ! -e {folder}/go ]; then
    : > {folder}/inflight-"$SLURM_ARRAY_JOB_ID"-"$SLURM_ARRAY_TASK_ID"
    for _ in $(seq 3000); do [ -e {folder}/go ] && break; sleep 0.1; done
fi
echo "$1" | awk -F, '{{ print $1 * $1 + $2 * $2 }}'
"""


@pytest.mark.slurm
def test_array_tasks_cancelled_or_killed_mid_generation_are_rerun_and_counted_once(tmp_path):
    require_slurm()
    program = tmp_path / "sphere.sh"
    program.write_text(GATED_TASK_SPHERE.format(folder=shlex.quote(str(tmp_path))))
    program.chmod(0o755)
    config = make_config(run={"name": "faults", "seed": 5, "generations": 1}, space=SLEEP_SPACE,
                         optimizer={"name": "ga", "population_size": 4},
                         simulator={"name": "command", "argv": [str(program), "{x}"]},
                         backend={"name": "slurm-array", "retries": 2, "poll_max": 1.0, "result_grace": 1.0,
                                  "walltime": "00:05:00"})
    go = tmp_path / "go"

    def waiting() -> list[list[str]]:
        """[array job, task] of the tasks whose evaluation waits for 'go'."""
        return sorted(path.name.split("-")[1:] for path in tmp_path.glob("inflight-*"))

    def inject():
        try:
            (array, cancelled), (other, killed) = wait_for(lambda: len(waiting()) >= 2 and waiting(), 180,
                                                           "two array tasks in the middle of an evaluation")[:2]
            subprocess.run(["scancel", f"{array}_{cancelled}"], check=True, timeout=30)
            # the process of another task of the run, not the cancelled one's, which may still be on its way out
            victim = wait_for(lambda: job_processes(other, "l2l.jobs.array_task", task_id=killed), 30,
                              f"the process of array task {other}_{killed}")[0]
            kill9(victim)
            wait_for(lambda: not job_processes(array, "l2l.jobs.array_task", task_id=cancelled), 60,
                     f"the cancelled task {array}_{cancelled} to end")
        finally:
            go.touch()

    injector = Background(inject)
    injector.start()
    frame = l2l.load(l2l.run(config, tmp_path / "faults.h5"))
    injector.check()
    assert len(frame) == 4 and no_duplicates(frame)
    assert (frame["status"] == "ok").all(), frame[["individual", "status", "error"]]
    # the cancelled and the killed task were each resubmitted once, and their evaluations count both runs
    assert sorted(frame["attempts"]) == [1, 1, 2, 2], frame[["individual", "attempts"]]
    log = (tmp_path / "faults.work" / "array" / "logs" / "generation-00000.log").read_text()
    assert log.count("====") >= 6  # 4 tasks + 2 resubmissions


#: The evaluation of the killed run: the sphere of ``x`` (``a,b``); from generation 2 on it first waits for the file
#: ``go`` in its folder (at most 600 s), which the test makes once the loop is killed. Before, the evaluations slept
#: 0.5 s, and the loop was killed as soon as the second generation was in the file: a run that got through its
#: last generation before the kill came (slower to poll and kill than to run, under load) was not killed mid-run.
GATED_SPHERE = """#!/bin/sh
if [ "$2" -ge 2 ]; then
    for _ in $(seq 6000); do [ -e {folder}/go ] && break; sleep 0.1; done
fi
echo "$1" | awk -F, '{{ print $1 * $1 + $2 * $2 }}'
"""


@pytest.mark.slurm
def test_the_outer_loop_killed_and_resumed_finishes_without_losing_or_repeating_evaluations(tmp_path):
    require_slurm()
    program = tmp_path / "sphere.sh"
    program.write_text(GATED_SPHERE.format(folder=shlex.quote(str(tmp_path))))
    program.chmod(0o755)
    data = {"run": {"name": "killed", "seed": 9, "generations": 3},
            "space": {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [2]}},
            "optimizer": {"name": "ga", "population_size": 4},
            "simulator": {"name": "command", "argv": [str(program), "{x}", "{generation}"]},
            "backend": {"name": "slurm-array", "poll_max": 0.5}}
    config = write_toml(tmp_path / "killed.toml", data)
    out = tmp_path / "killed.h5"
    # the serial run it must match, in a thread beside the SLURM runs (it too waits at generation 2 for 'go')
    serial_config = make_config(**{**data, "backend": {"name": "serial"}})
    serial_run = Background(lambda: l2l.run(serial_config, tmp_path / "serial.h5"))
    serial_run.start()
    loop = subprocess.Popen(l2l_command("run", str(config), "--out", str(out), "--no-progress"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def rows() -> int:
        try:
            return len(l2l.load(out))
        except Exception:  # noqa: BLE001 - the file may be in the middle of its creation
            return 0

    try:
        # generations 0 and 1 in the file: the loop waits for generation 2, which cannot end before 'go'
        wait_for(lambda: rows() >= 8 or loop.poll() is not None, 300, "the second generation in the file")
    finally:
        kill9(loop.pid)
        loop.wait()
        (tmp_path / "go").touch()
    stored = rows()
    assert stored == 8, "the loop should have been killed in the middle of the run"
    subprocess.run(l2l_command("resume", str(out), "--no-progress"), check=True, capture_output=True)
    frame = l2l.load(out)
    serial_run.join(timeout=300)  # in this process, niced beside the load
    assert not serial_run.is_alive(), "the serial run did not end within 300 s"
    serial_run.check()
    reference = l2l.load(tmp_path / "serial.h5")
    assert len(frame) == 12 and no_duplicates(frame)
    assert (frame["status"] == "ok").all()
    assert comparable(frame).equals(comparable(reference))


@pytest.mark.slurm
def test_hostile_categorical_values_stay_data_and_files_follow_the_umask(tmp_path):
    require_slurm()
    Path("/tmp/pwned").unlink(missing_ok=True)
    models = tmp_path / "models"
    models.mkdir()
    (models / "hostile.py").write_text("def length(params, seed):\n    return float(len(params['label']))\n")
    data = {"run": {"name": "hostile", "seed": 1, "generations": 1},
            "space": {"label": {"type": "categorical", "choices": [EVIL, "plain"]}},
            "optimizer": {"name": "random", "population_size": 4},
            "simulator": {"name": "python", "function": "hostile:length", "path": str(models)},
            "backend": {"name": "slurm-array", "poll_max": 0.5}}
    config = write_toml(tmp_path / "hostile.toml", data)
    out = tmp_path / "hostile.h5"
    subprocess.run(["bash", "-c", 'umask 027 && exec "$@"', "umask", *l2l_command(
        "run", str(config), "--out", str(out), "--no-progress")], check=True, capture_output=True)
    frame = l2l.load(out)
    assert set(frame["label"]) <= {EVIL, "plain"} and (frame["status"] == "ok").all()
    assert EVIL in set(frame["label"]) or (frame["value"] == 5.0).all()
    assert not Path("/tmp/pwned").exists()
    for path in [out, *(tmp_path / "hostile.work").rglob("*")]:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert not mode & 0o007, f"{path} has mode {oct(mode)} despite umask 027"


@pytest.mark.slurm
def test_an_evaluation_that_outlives_the_walltime_becomes_a_timeout_row(walltime_run):
    # walltime_run (conftest) started with the session's first SLURM test: SLURM's time limit takes 60-90 s
    process, out, log = walltime_run
    try:
        process.wait(timeout=240)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the run did not end within 240 s: {log.read_text()[-2000:]}") from None
    assert process.returncode == 1, log.read_text()[-2000:]  # the run's exit status when nothing succeeded
    frame = l2l.load(out)
    assert len(frame) == 1 and no_duplicates(frame)
    assert (frame["status"] == "timeout").all()
    assert frame["error"].str.contains("ended TIMEOUT").all()
