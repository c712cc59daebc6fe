"""``optimizer = "auto"`` in ``run.mode = 'async'`` over a mostly discrete space chooses Nevergrad's NGOpt (row 3)
and sizes it by the workers; the asynchronous loop keeps two candidates per worker out at once. Before, auto told
NGOpt num_workers = workers and the run failed at its first ask past it ('asking 1 more candidates would leave 4
untold, more than num_workers = 3'); now auto tells it the candidates the run keeps out."""

from __future__ import annotations

import pytest
from conftest import write_toml
from inprocess_cli import l2l_main

pytest.importorskip("nevergrad")


def _mapping(mode: str, backend: dict) -> dict:
    return {"run": {"name": "auto-mode", "seed": 1, "evaluations": 24, "mode": mode},
            "space": {"a": {"type": "int", "low": 0, "high": 10}, "b": {"type": "int", "low": 0, "high": 10},
                      "c": {"type": "float", "low": 0.0, "high": 1.0}},
            "optimizer": {"name": "auto"}, "simulator": {"name": "sphere"},
            "objectives": [{"name": "value", "direction": "minimize"}], "backend": backend}


@pytest.mark.parametrize("mode, backend, told", [
    ("async", {"name": "local", "workers": 3}, "population_size = 3, num_workers = 6"),
    ("async", {"name": "serial"}, "population_size = 1, num_workers = 2"),
    # what the other two do not guard: a generational run keeps a generation out, no more, and is told so (an auto
    # that doubled num_workers in every mode passed them; NGOpt picks its method by num_workers); on serial, not a
    # local cluster of 3 (the same check, 1.3 s of CPU less)
    ("generational", {"name": "serial"}, "population_size = 1, num_workers = 1"),
])
def test_auto_tells_nevergrad_the_candidates_the_run_keeps_out_and_the_run_ends_well(tmp_path, mode, backend, told):
    # in this process: a 'python -m l2l' process spent most of the test's CPU importing Dask and Nevergrad
    config = write_toml(tmp_path / "c.toml", _mapping(mode, backend))
    done = l2l_main("run", config, "--out", tmp_path / "a.h5", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert f"optimizer 'auto' chose 'nevergrad' (budget = 24, {told})" in done.stdout + done.stderr
    shown = l2l_main("show", tmp_path / "a.h5")
    assert shown.returncode == 0 and "24 evaluations" in shown.stdout, shown.stdout
