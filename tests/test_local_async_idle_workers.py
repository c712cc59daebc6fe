"""The ``local`` backend in ``run.mode = 'async'`` with more workers than Nevergrad's num_workers keeps busy (an
asynchronous run keeps two candidates out per worker, and Nevergrad takes at most num_workers asked and untold).

Before, these runs failed at run time, their file created, at the first ask past the limit ("optimizer
'nevergrad': asking 1 more candidates would leave 5 untold, more than num_workers = 4"):

* ``auto`` with a ``population_size`` below the workers: its Nevergrad row is told twice the batch;
* ``l2l resume FILE --workers N`` of an ``auto`` run with N above the workers it was created with: the resumed
  run keeps the stored choice, sized by the workers of then.

Now the workers beyond those are left idle, said in one warning line, as on an existing Dask cluster
(tests/test_dask_external_auto.py). A resumed ``nevergrad`` run given more workers, refused before with the
advice to raise its num_workers (which a resumed run cannot), goes on the same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_toml
from inprocess_cli import l2l_main
from test_dask_external_nevergrad import _said

import l2l
from l2l.results_schema.reader import Trajectory

pytest.importorskip("nevergrad")


def _config(tmp_path: Path, workers: int, generations: int, **optimizer) -> Path:
    backend = {"name": "local", "workers": workers} if workers > 1 else {"name": "serial"}
    return write_toml(tmp_path / "c.toml", {
        "run": {"name": "local-idle", "seed": 3, "generations": generations, "mode": "async"},
        "space": {"k": {"type": "int", "low": 0, "high": 10},
                  "c": {"type": "categorical", "choices": [0.5, 1.0, 2.0]}},
        "optimizer": optimizer or {"name": "auto"},
        "simulator": {"name": "sphere"},
        "backend": backend})


def _chosen(path: Path) -> dict:
    state = Trajectory(path).state()["optimizer"]
    return {"choice": state["choice"], **state["options"]}


def _all_ok(path: Path, rows: int) -> bool:
    frame = l2l.load(path)
    return len(frame) == rows and bool((frame["status"] == "ok").all())


def test_auto_with_a_population_size_below_the_workers_leaves_the_others_idle_with_one_warning_line(tmp_path):
    out = tmp_path / "auto.h5"
    config = _config(tmp_path, workers=3, generations=4, name="auto", population_size=2)
    done = l2l_main("run", config, "--out", out, "--no-progress")
    # before: exit 2, 'optimizer 'nevergrad': asking 1 more candidates would leave 5 untold, more than
    # num_workers = 4 ...', the file created
    assert done.returncode == 0, done.stderr
    assert _said(done.stderr) == [
        "l2l: warning: the cluster has 3 workers, and optimizer 'auto' chose 'nevergrad' as the run started, "
        "with num_workers = 4: the most candidates it keeps asked and not told; run.mode = 'async' keeps 2 per "
        "worker out at once; the run goes on with 2 of them busy"], done.stderr
    assert _chosen(out) == {"choice": "nevergrad", "budget": 200, "population_size": 2, "num_workers": 4}
    assert _all_ok(out, 4 * 2)


def test_an_auto_run_resumed_with_more_workers_keeps_its_choice_and_leaves_the_others_idle(tmp_path):
    out = tmp_path / "auto.h5"
    first = l2l_main("run", _config(tmp_path, workers=2, generations=1), "--out", out, "--no-progress")
    assert first.returncode == 0 and _said(first.stderr) == [], first.stderr
    assert _chosen(out) == {"choice": "nevergrad", "budget": 200, "population_size": 2, "num_workers": 4}
    resumed = l2l_main("resume", out, "--generations", 2, "--workers", 3, "--no-progress")
    # before: exit 2, 'optimizer 'nevergrad': asking 1 more candidates would leave 5 untold, ...'
    assert resumed.returncode == 0, resumed.stderr
    assert _said(resumed.stderr) == [
        "l2l: warning: the cluster has 3 workers, and optimizer 'auto' chose 'nevergrad' as the run started, "
        "with num_workers = 4: the most candidates it keeps asked and not told; run.mode = 'async' keeps 2 per "
        "worker out at once; the run goes on with 2 of them busy"], resumed.stderr
    assert _chosen(out)["num_workers"] == 4
    assert _all_ok(out, 2 * 16)


def test_a_nevergrad_run_resumed_with_more_workers_leaves_the_others_idle(tmp_path):
    out = tmp_path / "ng.h5"  # started on one worker (serial), resumed on two (local)
    config = _config(tmp_path, workers=1, generations=2, name="nevergrad", method="CMA", population_size=2,
                     num_workers=2)
    first = l2l_main("run", config, "--out", out, "--no-progress")
    assert first.returncode == 0 and _said(first.stderr) == [], first.stderr
    resumed = l2l_main("resume", out, "--generations", 4, "--backend", "local", "--workers", 2, "--no-progress")
    # before: exit 2, '... 4 with 2 worker(s) of backend 'local'; set [optimizer] num_workers = 4 (or at most 1
    # workers)': advice a resumed run could not follow but for its second half
    assert resumed.returncode == 0, resumed.stderr
    assert _said(resumed.stderr) == [
        "l2l: warning: the cluster has 2 workers, and optimizer 'nevergrad' was started with num_workers = 2: the "
        "most candidates it keeps asked and not told, which a resumed run keeps; run.mode = 'async' keeps 2 per "
        "worker out at once; the run goes on with 1 of them busy"], resumed.stderr
    assert _all_ok(out, 4 * 2)
