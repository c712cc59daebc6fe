"""Backend 'slurm-array' runs multi-fidelity segments (budget, checkpoint, trial) and takes a relative --out."""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest

import l2l
from conftest import make_config
from l2l.errors import ConfigError
from l2l.jobs import BACKENDS
from l2l.jobs.array_task import read_outcome, read_task, write_outcome, write_tasks
from l2l.jobs.base import OK, Outcome, Settings, Task
from l2l.simulators import SIMULATORS
from slurm_helpers import l2l_command, require_slurm, write_toml

FAST = {"name": "slurm-array", "poll_max": 0.5, "result_grace": 1.0, "walltime": "00:05:00"}
SEGMENT = ["trial", "budget", "from_budget", "seed", "status", "value"]


def asha_config(backend: dict):
    return make_config(space={"x": {"low": -5.0, "high": 5.0, "shape": [2]}}, optimizer={"name": "random"},
                       policy={"name": "asha"}, simulator={"name": "sphere", "multi_fidelity": True},
                       run={"compute": 10}, backend=backend)


def pbt_config(backend: dict):
    return l2l.from_mapping({"run": {"name": "pbt", "seed": 1},
                             "space": {"learning_rate": {"low": 1e-3, "high": 0.19, "log": True}},
                             "optimizer": {"name": "random"}, "simulator": {"name": "noisy-sgd", "max_budget": 20},
                             "objectives": [{"name": "loss", "direction": "minimize"}],
                             "policy": {"name": "pbt", "population": 4, "interval": 10, "synchronous": True},
                             "backend": backend})


def segments(path, columns):
    return l2l.load(path, segments=True)[columns].reset_index(drop=True)


# -- offline ------------------------------------------------------------------------------------------

def test_a_segment_and_its_checkpoints_cross_the_array_files_both_ways(tmp_path):
    checkpoint = {"x": np.arange(3.0), "v": np.array([[1, 2]], dtype=np.int32), "step": 7, "name": "s"}
    tasks = [Task(2, 0, 11, {"x": np.array([0.5])}, budget=9.0, from_budget=3.0, checkpoint=checkpoint, trial=4),
             Task(2, 1, 12, {"x": np.array([0.1])}, budget=3.0, trial=5), Task(2, 2, 13, {"x": np.array([0.2])})]
    write_tasks(str(tmp_path), tasks)
    back = [read_task(str(tmp_path / "tasks.json"), index) for index in range(3)]
    assert [error for _, error in back] == ["", "", ""]
    first = back[0][0]
    assert (first.budget, first.from_budget, first.trial) == (9.0, 3.0, 4)
    assert first.checkpoint["x"].tolist() == [0.0, 1.0, 2.0] and first.checkpoint["v"].dtype == np.int32
    assert first.checkpoint["step"] == 7 and first.checkpoint["name"] == "s"
    assert back[1][0].checkpoint is None and back[1][0].budget == 3.0 and back[2][0].budget is None
    outcome = Outcome(2, 0, 11, OK, objectives={"value": 1.5}, traces={"curve:value": np.array([[3.0, 2.0]])},
                      budget=9.0, from_budget=3.0, trial=4, checkpoint={"x": np.ones(2), "step": 9})
    (tmp_path / "results").mkdir()
    write_outcome(str(tmp_path / "results"), 0, outcome)
    got = read_outcome(str(tmp_path / "results"), 0)
    assert (got.budget, got.from_budget, got.trial) == (9.0, 3.0, 4)
    assert got.checkpoint["x"].tolist() == [1.0, 1.0] and got.checkpoint["step"] == 9
    assert got.traces["curve:value"].tolist() == [[3.0, 2.0]]


def test_an_unreadable_checkpoint_fails_its_segment_with_the_file_named(tmp_path):
    write_tasks(str(tmp_path), [Task(0, 0, 1, {}, budget=3.0, from_budget=1.0, checkpoint={"s": 1}, trial=0)])
    (tmp_path / "checkpoints" / "0.l2l").write_bytes(b"\x80\x04junk")  # e.g. a pickle: never loaded
    task, error = read_task(str(tmp_path / "tasks.json"), 0)
    assert task.checkpoint is None and "checkpoints/0.l2l" in error and "cannot be read" in error


def test_the_array_files_live_under_an_absolute_run_folder_and_a_percent_sign_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    simulator = SIMULATORS.create("sphere", {})
    executor = BACKENDS.create("slurm-array", {"array_size": 10})
    executor.start(simulator, Settings(("value",), run_dir="rel.work"))
    spec = json.loads((tmp_path / "rel.work" / "array" / "spec.json").read_text())
    assert spec["settings"]["run_dir"] == str(tmp_path / "rel.work")
    paths = executor._paths(executor._root / "batches" / "b")
    assert all(os.path.isabs(value) for value in paths.values()), paths
    with pytest.raises(ConfigError, match="run folder .*contains '%'"):
        BACKENDS.create("slurm-array", {"array_size": 10}).start(simulator, Settings(("value",), run_dir="a%j.work"))


# -- against SLURM ----------------------------------------------------------------------------------

# The ASHA test runs one array task at a time and leaves the node's other slots idle for about 15 s: the
# relative --out run, an 'l2l run' command, starts beside it (when its test is selected) and its test collects it.
RELATIVE_OUT_TEST = "test_slurm_array_segments.py::test_a_relative_out_path_runs_every_array_task"


@pytest.fixture(scope="module")
def relative_out_run(tmp_path_factory):
    """``l2l run sph_arr.toml --out rel.h5`` started in its folder on slurm-array: (process, folder)."""
    require_slurm()
    folder = tmp_path_factory.mktemp("relative")
    write_toml(folder / "sph_arr.toml", {
        "run": {"name": "sph", "seed": 3, "generations": 1},
        "space": {"x": {"type": "float", "low": -2.0, "high": 2.0, "shape": [2]}},
        "optimizer": {"name": "random", "population_size": 3},
        "simulator": {"name": "sphere"}, "backend": FAST})
    process = subprocess.Popen(l2l_command("run", "sph_arr.toml", "--out", "rel.h5", "--no-progress"), cwd=folder,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield process, folder
    if process.poll() is None:  # its test did not run or gave up (its tasks take a second: none lingers)
        process.kill()
        process.communicate()


@pytest.fixture(autouse=True)
def _the_relative_out_run_starts_with_the_first_slurm_test(request):
    if request.node.get_closest_marker("slurm") and any(
            item.nodeid.endswith(RELATIVE_OUT_TEST) for item in request.session.items):
        request.getfixturevalue("relative_out_run")


@pytest.mark.slurm
def test_an_asha_run_on_slurm_array_gives_the_segments_of_the_serial_backend(tmp_path):
    require_slurm()
    serial = segments(l2l.run(asha_config({"name": "serial"}), tmp_path / "serial.h5"), SEGMENT)
    # one running task at a time, as on serial, so the asynchronous policy sees the same order
    array = segments(l2l.run(asha_config({**FAST, "max_running": 1}), tmp_path / "array.h5"), SEGMENT)
    assert len(serial) >= 8 and serial["budget"].max() > 1.0  # candidates were promoted (8 segments, 2 of them 1 -> 3)
    assert array.equals(serial), array.compare(serial) if array.shape == serial.shape else array


@pytest.mark.slurm
def test_a_pbt_run_on_slurm_array_continues_from_checkpoints_as_on_serial(tmp_path):
    require_slurm()
    columns = ["trial", "budget", "from_budget", "parent", "seed", "status", "learning_rate", "loss"]
    serial = segments(l2l.run(pbt_config({"name": "serial"}), tmp_path / "serial.h5"), columns)
    array = segments(l2l.run(pbt_config(FAST), tmp_path / "array.h5"), columns)
    # two intervals, 8 segments: 4 continued from a checkpoint, one of them a copy of its donor's
    assert (serial["from_budget"] > 0).sum() >= 4 and (serial["parent"] >= 0).any()  # continued and copied
    # losses after a checkpoint match only if the checkpoint went to the task and the new one came back
    assert array.equals(serial), array
    assert l2l.validate(tmp_path / "array.h5") == []


@pytest.mark.slurm
def test_a_relative_out_path_runs_every_array_task(relative_out_run):
    process, folder = relative_out_run
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    frame = l2l.load(folder / "rel.h5")
    assert len(frame) == 3 and (frame["status"] == "ok").all(), frame[["status", "error"]].to_string()
    assert "JobLaunchFailure" not in stdout + stderr
    logs = (folder / "rel.work" / "array" / "logs" / "generation-00000.log").read_text()
    assert logs.count(": ok in") == 3  # each task ran, and its log is where the run keeps its logs
