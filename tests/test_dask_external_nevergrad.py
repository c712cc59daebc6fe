"""``nevergrad`` in ``run.mode = 'async'`` on an existing Dask cluster (backend ``dask``, by scheduler address).

An asynchronous run keeps two candidates out per worker; nevergrad takes at most num_workers asked and untold. The
check made when the config is read counted one worker for an existing cluster (it cannot know how many there are):
on a cluster of more, a run with too small a num_workers was let through, created its file and failed at its first
ask past the limit ("asking 1 more candidates would leave 3 untold, more than num_workers = 2"), leaving a file
that blocked the corrected config's run. Now the workers the scheduler reports as the run starts are checked, with
the message of the other backends, before the file is created; workers that join later are left idle beyond what
num_workers allows, said in one warning line, instead of failing the run.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import write_toml
from inprocess_cli import l2l_main
from slurm_helpers import wait_for

import l2l


@pytest.fixture
def cluster():
    from distributed import LocalCluster
    with LocalCluster(n_workers=3, threads_per_worker=1, processes=False, dashboard_address=":0", protocol="tcp://",
                      host="127.0.0.1") as running:
        yield running


def _config(tmp_path: Path, address: str, num_workers: int, generations: int = 4, simulator: dict | None = None):
    return write_toml(tmp_path / "c.toml", {
        "run": {"name": "ng-external", "seed": 2, "generations": generations, "mode": "async"},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
        "optimizer": {"name": "nevergrad", "method": "CMA", "population_size": 2, "num_workers": num_workers},
        "simulator": simulator or {"name": "sphere"},
        "backend": {"name": "dask", "address": address}})


#: Evaluations of :func:`held` wait while it is clear (the workers are threads of the test's process).
RELEASE = threading.Event()
STARTED = threading.Event()


def held(params, seed):
    STARTED.set()
    RELEASE.wait(120)
    return {"value": float(params["x"]) ** 2}


def _said(stderr: str) -> list[str]:
    """What l2l said besides its banner and its 'waiting up to N s for the Dask scheduler' line, which it says only
    where the scheduler is slow to answer (a loaded machine: a full suite at load 15 had it in a resume here)."""
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("l2l") and not line.startswith("l2l 0.")
            and not line.startswith("l2l: waiting up to ")]


def test_too_few_num_workers_for_the_clusters_workers_is_refused_in_one_line_before_the_file_is_created(
        tmp_path, cluster):
    out = tmp_path / "ng.h5"
    config = _config(tmp_path, cluster.scheduler_address, num_workers=2, generations=3)
    refused = l2l_main("run", config, "--out", out, "--no-progress")
    # before: the run started, then 'asking 1 more candidates would leave 3 untold, more than num_workers = 2'
    assert refused.returncode == 2 and _said(refused.stderr) == [
        "l2l: error: optimizer 'nevergrad' keeps at most num_workers = 2 candidates asked and not told, and "
        "run.mode = 'async' keeps 2 per worker out at once, 6 with 3 workers of backend 'dask'; set [optimizer] "
        "num_workers = 6 (or at most 1 worker)"], refused.stderr
    assert not out.exists()
    # the advice, followed, runs on the same cluster
    config = _config(tmp_path, cluster.scheduler_address, num_workers=6, generations=3)
    done = l2l_main("run", config, "--out", out, "--no-progress")
    assert done.returncode == 0, done.stderr
    assert _said(done.stderr) == [], done.stderr
    assert len(l2l.load(out)) == 6


def test_workers_that_join_the_cluster_during_the_run_are_left_idle_with_one_warning_line(tmp_path, capfd):
    from distributed import LocalCluster

    from l2l.config import from_mapping

    out, finished = tmp_path / "joined.h5", {}
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0", protocol="tcp://",
                      host="127.0.0.1") as cluster:
        # 3 generations of 2: the run has candidates left to ask once the workers joined (it was 20 generations)
        config = from_mapping({"run": {"name": "ng-external", "seed": 2, "generations": 3, "mode": "async"},
                               "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
                               "optimizer": {"name": "nevergrad", "method": "CMA", "population_size": 2,
                                             "num_workers": 2},
                               "simulator": {"name": "python"},
                               "backend": {"name": "dask", "address": cluster.scheduler_address}}, base_dir=tmp_path)
        RELEASE.clear()
        STARTED.clear()
        runner = threading.Thread(target=lambda: finished.setdefault("path", l2l.run(config, out, simulator=held,
                                                                                       progress=False)))
        runner.start()
        try:
            assert STARTED.wait(120), "the run's first evaluation"
            cluster.scale(3)
            cluster.wait_for_workers(3, timeout=120)
            # before: the run failed at its next ask ('asking 1 more candidates would leave 3 untold, ...')
            said = wait_for(lambda: _said(capfd.readouterr().err), 60, "a line about the workers that joined")
            assert runner.is_alive()
        finally:
            RELEASE.set()
            runner.join(240)
    assert _said(capfd.readouterr().err) == []  # said once
    assert finished.get("path") == out
    assert said == [
        "l2l: warning: workers joined the cluster: optimizer 'nevergrad' keeps at most num_workers = 2 candidates "
        "asked and not told, and run.mode = 'async' keeps 2 per worker out at once, 6 with 3 workers of backend "
        "'dask'; set [optimizer] num_workers = 6 (or at most 1 worker); the run goes on with 1 of them busy"]
    frame = l2l.load(out)
    assert len(frame) == 6 and (frame["status"] == "ok").all()
