"""``l2l resume`` of a ``nevergrad`` run in ``run.mode = 'async'`` on an existing Dask cluster (backend ``dask``)
that now has more workers than the run's stored num_workers keeps busy (two candidates out per worker).

Before, the resume was refused with the advice of a fresh run, 'set [optimizer] num_workers = 6 (or at most 1
workers)', of which a resumed run could follow only the second (its num_workers is stored with it). Now the
workers beyond it are left idle, said in one warning line, and the run goes on, as a resumed ``auto`` run's do
(tests/test_dask_external_auto.py). A fresh run is still refused (tests/test_dask_external_nevergrad.py).
"""

from __future__ import annotations

from pathlib import Path

from conftest import write_toml
from inprocess_cli import l2l_main
from test_dask_external_nevergrad import _said

import l2l
from l2l.results_schema.reader import Trajectory


def _config(tmp_path: Path, address: str) -> Path:
    return write_toml(tmp_path / "c.toml", {
        "run": {"name": "ng-resume", "seed": 2, "generations": 2, "mode": "async"},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
        "optimizer": {"name": "nevergrad", "method": "CMA", "population_size": 2, "num_workers": 2},
        "simulator": {"name": "sphere"},
        "backend": {"name": "dask", "address": address, "timeout": 5}})


def test_a_resumed_nevergrad_run_leaves_the_workers_beyond_its_num_workers_idle_with_one_warning_line(tmp_path):
    from distributed import LocalCluster

    out = tmp_path / "ng.h5"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0", protocol="tcp://",
                      host="127.0.0.1") as cluster:
        first = l2l_main("run", _config(tmp_path, cluster.scheduler_address), "--out", out, "--no-progress")
        assert first.returncode == 0 and _said(first.stderr) == [], first.stderr
        cluster.scale(3)
        cluster.wait_for_workers(3, timeout=120)
        resumed = l2l_main("resume", out, "--generations", 4, "--no-progress")
    # before: exit 2, 'l2l: error: optimizer 'nevergrad' keeps at most num_workers = 2 candidates asked and not
    # told, ...; set [optimizer] num_workers = 6 (or at most 1 workers)'
    assert resumed.returncode == 0, resumed.stderr
    assert _said(resumed.stderr) == [
        "l2l: warning: the cluster has 3 workers, and optimizer 'nevergrad' was started with num_workers = 2: the "
        "most candidates it keeps asked and not told, which a resumed run keeps; run.mode = 'async' keeps 2 per "
        "worker out at once; the run goes on with 1 of them busy"], resumed.stderr
    assert Trajectory(out).run["optimizer"]["num_workers"] == 2
    frame = l2l.load(out)
    assert len(frame) == 8 and (frame["status"] == "ok").all()
