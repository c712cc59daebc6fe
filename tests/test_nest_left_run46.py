"""The python simulator's warning of a PyNEST function building on an earlier evaluation's network in NEST's kernel was
said once per process: a second l2l.run of the same function in one notebook was not told again. It is now said once
per run (what it remembers is kept with the run's simulator: l2l/simulators/said_once.py)."""

from __future__ import annotations

import pytest

import l2l

nest = pytest.importorskip("nest")


def leaky46(params, seed):
    import nest
    nodes = nest.Create("iaf_psc_alpha", 2, params={"I_e": float(params["I"])})
    nest.Simulate(5.0)
    return {"nodes": float(nest.network_size) + 0 * len(nodes)}


def test_a_second_run_of_the_same_function_is_told_again(tmp_path, capfd):
    config = {"space": {"I": {"low": 400.0, "high": 500.0}}, "simulator": "python",
              "objectives": [{"name": "nodes", "direction": "minimize"}],
              "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1, "seed": 1},
              "backend": {"name": "serial"}}
    try:
        for run in range(2):
            nest.ResetKernel()
            l2l.run(config, tmp_path / f"run{run}.h5", simulator=leaky46, progress=False)
            lines = [line for line in capfd.readouterr().err.splitlines() if "NEST's kernel held" in line]
            assert len(lines) == 1, f"run {run + 1}: {lines}"
    finally:
        nest.ResetKernel()
