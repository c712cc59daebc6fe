"""``auto`` in ``run.mode = 'async'`` on an existing Dask cluster (backend ``dask``, by scheduler address).

Over a mostly discrete space ``auto`` picks Nevergrad's NGOpt and tells it num_workers = twice its batch (an
asynchronous run keeps two candidates out per worker). On an existing cluster the batch is not known when the
config is read: it took 10, and on a cluster of more than 10 worker slots the run failed at its 21st candidate
out ("asking 1 more candidates would leave 21 untold, more than num_workers = 20"). Now the Nevergrad row takes
the workers the scheduler reports as the run starts (at least 10); workers beyond its choice, joining later or
found by ``l2l resume`` (which keeps the stored choice), are left idle with one warning line, as for
``nevergrad`` (tests/test_dask_external_nevergrad.py, whose cluster fixture these tests use).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import write_toml
from inprocess_cli import l2l_main
from slurm_helpers import wait_for
from test_dask_external_nevergrad import _said, cluster  # noqa: F401 - cluster: the fixture, 3 workers

import l2l
from l2l.config import from_mapping
from l2l.results_schema.reader import Trajectory

pytest.importorskip("nevergrad")

#: Evaluations of :func:`held_sphere` wait while it is clear (the workers are threads of the test's process).
RELEASE = threading.Event()


def held_sphere(params, seed):
    RELEASE.wait(120)
    return {"value": float(params["k"]) ** 2 + float(params["c"]) ** 2}


def _data(address: str, generations: int) -> dict:
    return {"run": {"name": "auto-external", "seed": 3, "generations": generations, "mode": "async"},
            "space": {"k": {"type": "int", "low": 0, "high": 10},
                      "c": {"type": "categorical", "choices": [0.5, 1.0, 2.0]}},
            "optimizer": {"name": "auto"},
            "simulator": {"name": "sphere"},
            "backend": {"name": "dask", "address": address}}


def _chosen(path: Path) -> dict:
    state = Trajectory(path).state()["optimizer"]
    return {"choice": state["choice"], **state["options"]}


def _grow(cluster, workers: int) -> None:  # noqa: F811 - the fixture's value, as in the tests
    cluster.scale(workers)
    cluster.wait_for_workers(workers, timeout=120)


def test_auto_on_a_cluster_of_more_than_ten_workers_sizes_nevergrad_by_the_workers_the_scheduler_reports(
        tmp_path, cluster):  # noqa: F811
    _grow(cluster, 12)
    out = tmp_path / "auto.h5"
    # 2 generations of 16: more than the 21 candidates out the run failed at (it was 6)
    config = write_toml(tmp_path / "c.toml", _data(cluster.scheduler_address, generations=2))
    done = l2l_main("run", config, "--out", out, "--no-progress")
    # before: 'asking 1 more candidates would leave 21 untold, more than num_workers = 20', exit 2
    assert done.returncode == 0, done.stderr
    assert _said(done.stderr) == [], done.stderr
    assert ("optimizer 'auto' chose 'nevergrad' (budget = 200, population_size = the workers the cluster's "
            "scheduler reports as the run starts (at least 10), num_workers = twice that)") in done.stderr
    assert _chosen(out) == {"choice": "nevergrad", "budget": 200, "population_size": 12, "num_workers": 24}
    assert len(l2l.load(out)) == 2 * 16


def test_a_resumed_auto_run_keeps_its_choice_and_leaves_the_workers_beyond_it_idle_with_one_warning_line(
        tmp_path, cluster):  # noqa: F811
    out = tmp_path / "auto.h5"
    config = write_toml(tmp_path / "c.toml", _data(cluster.scheduler_address, generations=1))
    first = l2l_main("run", config, "--out", out, "--no-progress")
    assert first.returncode == 0, first.stderr
    assert _chosen(out) == {"choice": "nevergrad", "budget": 200, "population_size": 10, "num_workers": 20}
    _grow(cluster, 12)
    # 2 more generations of 16: more than the 21 candidates out the resumed run failed at (it was 4)
    resumed = l2l_main("resume", out, "--generations", 3, "--no-progress")
    # before: the resumed run failed at its 21st candidate out, its choice being stored
    assert resumed.returncode == 0, resumed.stderr
    assert _said(resumed.stderr) == [
        "l2l: warning: the cluster has 12 workers, and optimizer 'auto' chose 'nevergrad' as the run started, "
        "with num_workers = 20: the most candidates it keeps asked and not told; run.mode = 'async' keeps 2 per "
        "worker out at once; the run goes on with 10 of them busy"], resumed.stderr
    assert _chosen(out)["num_workers"] == 20
    assert len(l2l.load(out)) == 3 * 16


def test_workers_that_join_during_an_auto_run_are_left_idle_with_one_warning_line(
        tmp_path, cluster, capfd):  # noqa: F811
    config = from_mapping({**_data(cluster.scheduler_address, generations=3),
                                      "simulator": {"name": "python"}}, base_dir=tmp_path)
    out, finished = tmp_path / "joined.h5", {}
    RELEASE.clear()
    runner = threading.Thread(target=lambda: finished.setdefault("path", l2l.run(config, out,
                                                                                   simulator=held_sphere)))
    runner.start()
    try:
        wait_for(lambda: len(cluster.scheduler.tasks) >= 6, 120, "two evaluations out per worker")
        _grow(cluster, 12)
        # before: the run failed at its 21st candidate out
        said = wait_for(lambda: _said(capfd.readouterr().err), 60, "a line about the workers that joined")
    finally:
        RELEASE.set()
        runner.join(240)
    assert finished.get("path") == out
    assert said == [
        "l2l: warning: the cluster has 12 workers, and optimizer 'auto' chose 'nevergrad' as the run started, "
        "with num_workers = 20: the most candidates it keeps asked and not told; run.mode = 'async' keeps 2 per "
        "worker out at once; the run goes on with 10 of them busy"]
    assert _chosen(out)["num_workers"] == 20
    assert len(l2l.load(out)) == 3 * 16
