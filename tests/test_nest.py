"""The 'nest' simulator: a user's PyNEST model in a fresh, seeded, quiet kernel, on workers and on SLURM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import l2l
from conftest import comparable, make_config
from l2l.errors import ConfigError
from l2l.jobs.base import Settings, Task, evaluate
from l2l.simulators import SIMULATORS
from l2l.simulators.nest_sim import nest_seed, worker_threads
from slurm_helpers import require_slurm

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def nest_model(function: str, **options):
    return SIMULATORS.create("nest", {"function": f"engine_models:{function}", "path": str(TESTS), **options})


def sweep_config(backend: dict, generations: int, population: int, **simulator):
    return make_config(run={"generations": generations, "seed": 3},
                       space={"g": {"type": "float", "low": 3.0, "high": 7.0},
                              "eta": {"type": "float", "low": 0.8, "high": 3.0}},
                       optimizer={"name": "random", "population_size": population},
                       simulator={"name": "nest", "function": "nest_network:balanced_network",
                                  "path": str(ROOT / "examples"), "kwargs": {"n_exc": 200, "simtime": 300.0},
                                  **simulator},
                       objectives=[{"name": "distance", "direction": "minimize"}], backend=backend)


def test_each_evaluation_starts_from_an_empty_kernel_seeded_from_its_seed():
    probe, litter = nest_model("nest_probe"), nest_model("nest_litter")
    first = probe.run({"x": 1.2}, 11)
    # the other model leaves nodes, connections, a resolution and a copied model; run twice, it would
    # fail on the copied model's name if anything were left over
    assert litter.run({}, 1).objectives == {"value": 0.0}
    assert litter.run({}, 2).objectives == {"value": 0.0}
    again = probe.run({"x": 1.2}, 11)
    assert first.metrics["nodes_at_start"] == 0.0 and first.metrics["resolution_at_start"] == 0.1
    assert again.objectives == first.objectives and again.metrics == first.metrics
    assert first.metrics["rng_seed"] == nest_seed(11)
    assert probe.run({"x": 1.2}, 12).objectives != first.objectives


def test_two_different_models_share_one_dask_worker_without_seeing_each_other():
    from distributed import Client, LocalCluster

    probe, litter = nest_model("nest_probe"), nest_model("nest_litter")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        first = client.submit(probe.run, {"x": 1.5}, 4, pure=False).result()
        left = [client.submit(litter.run, {}, seed, pure=False).result() for seed in (1, 2)]
        again = client.submit(probe.run, {"x": 1.5}, 4, pure=False).result()
    assert first.metrics["pid"] == again.metrics["pid"]  # one worker process ran all four
    assert [r.objectives["value"] for r in left] == [0.0, 0.0]
    assert again.metrics == first.metrics and again.objectives == first.objectives
    assert first.metrics["threads"] == 1.0  # a single-threaded Dask worker: one NEST thread


def test_threads_follow_the_slurm_job_and_the_option(monkeypatch):
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "2")
    assert worker_threads() == 2
    result = nest_model("nest_probe").run({}, 3)
    assert result.metrics["threads"] == 2.0 and result.metrics["nest_virtual_processes"] == 2.0
    assert nest_model("nest_probe", threads=1).run({}, 3).metrics["threads"] == 1.0
    monkeypatch.delenv("SLURM_CPUS_PER_TASK")
    assert worker_threads() == 1 and worker_threads(3) == 3


def test_nest_says_nothing_unless_asked(capfd):
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from l2l.simulators import SIMULATORS; "
            "SIMULATORS.create('nest', {'function': 'engine_models:nest_quiet_check', 'path': sys.argv[1]})"
            ".run({}, 1)")
    done = subprocess.run([sys.executable, "-c", code, str(TESTS)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "N E S T" not in done.stdout and "Simulation finished" not in done.stdout + done.stderr
    nest_model("nest_quiet_check", quiet=False).run({}, 1)
    assert "Simulation finished" in capfd.readouterr().out


def test_an_srun_task_of_several_on_a_nest_without_mpi_is_a_failed_row_that_says_so(monkeypatch):
    monkeypatch.setenv("SLURM_STEP_ID", "0")
    monkeypatch.setenv("SLURM_PROCID", "0")
    monkeypatch.setenv("SLURM_NTASKS", "4")
    outcome = evaluate(nest_model("nest_probe"), Task(0, 0, 1, {}), Settings(objectives=("value",)))
    assert outcome.status == "failed" and "built without MPI" in outcome.error


def test_bad_nest_options_are_refused_with_the_name():
    with pytest.raises(ConfigError, match="simulator 'nest': option 'function' is required"):
        SIMULATORS.create("nest", {})
    with pytest.raises(ConfigError, match="simulator 'nest': cannot import module 'no_such_models'"):
        SIMULATORS.create("nest", {"function": "no_such_models:f"})
    with pytest.raises(ConfigError, match=r"cannot be called as function\(nest, params, seed"):
        nest_model("nest_probe", kwargs={"bogus": 1})


def test_a_nest_sweep_on_the_local_cluster_reproduces_the_serial_run(tmp_path):
    serial = l2l.load(l2l.run(sweep_config({"name": "serial"}, 1, 4), tmp_path / "serial.h5"))
    # one worker: NEST imported in a worker's thread and seeded per evaluation as with two (a second worker cost a
    # second process and NEST import for no other check)
    local = l2l.load(l2l.run(sweep_config({"name": "local", "workers": 1}, 1, 4), tmp_path / "local.h5"))
    assert (serial["status"] == "ok").all() and len(serial) == 4
    assert comparable(local).equals(comparable(serial))
    assert serial["distance"].nunique() == 4 and (serial["nest_virtual_processes"] == 1).all()


@pytest.mark.slurm
def test_a_nest_sweep_on_slurm_array_uses_the_job_cpus_and_reproduces_the_serial_run(tmp_path):
    require_slurm()
    # one evaluation: its array task gets the job's 2 CPUs and reproduces the serial row (a second task waited for
    # the first on this 2-CPU node and checked nothing else)
    serial = l2l.load(l2l.run(sweep_config({"name": "serial"}, 1, 1, threads=2), tmp_path / "serial.h5"))
    array = l2l.load(l2l.run(sweep_config({"name": "slurm-array", "cpus_per_task": 2, "walltime": "00:05:00",
                                           "poll_max": 1.0}, 1, 1), tmp_path / "array.h5"))
    assert len(array) == 1 and (array["status"] == "ok").all(), array[["status", "error"]]
    assert (array["nest_virtual_processes"] == 2).all()
    assert comparable(array).equals(comparable(serial))


@pytest.mark.slurm
def test_srun_on_several_tasks_with_a_nest_without_mpi_fails_each_evaluation_with_the_reason(tmp_path):
    require_slurm()
    config = sweep_config({"name": "slurm-array", "ntasks": 2, "launch": "srun", "walltime": "00:05:00",
                           "poll_max": 1.0, "retries": 0}, 1, 1)
    frame = l2l.load(l2l.run(config, tmp_path / "srun.h5"))
    assert len(frame) == 1 and frame["status"].tolist() == ["failed"]
    assert "one of 2 srun tasks" in frame["error"][0] and "built without MPI" in frame["error"][0]
