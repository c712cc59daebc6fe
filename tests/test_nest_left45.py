"""A PyNEST function under the ``python`` simulator (what ``l2l.run(config, simulator=f)`` always makes) that does not
reset NEST's kernel builds every evaluation on the earlier ones' networks: the values depend on what ran before in
the process, and nothing said so. l2l now says so once per process, on stderr (l2l/simulators/nest_left.py)."""

from __future__ import annotations

import pytest

import l2l

try:
    from l2l.simulators import nest_left
except ImportError:  # the code before this test: no such module (the test then fails on what it asserts)
    nest_left = None

nest = pytest.importorskip("nest")


def leaky(params, seed):
    import nest
    nodes = nest.Create("iaf_psc_alpha", 5, params={"I_e": float(params["I"])})
    recorder = nest.Create("spike_recorder")
    nest.Connect(nodes, recorder)
    nest.Simulate(50.0)
    return {"count": float(recorder.get("n_events")), "nodes": float(nest.network_size)}


def resetting(params, seed):
    import nest
    nest.ResetKernel()
    return leaky(params, seed)


def _run(tmp_path, function, monkeypatch):
    if nest_left is not None and hasattr(nest_left, "_WARNED"):  # the code before said once a process
        monkeypatch.setattr(nest_left, "_WARNED", [False])
    nest.ResetKernel()
    config = {"space": {"I": {"low": 400.0, "high": 500.0}}, "simulator": "python",
              "objectives": [{"name": "count", "direction": "maximize"}],
              "optimizer": {"name": "random", "population_size": 3}, "run": {"generations": 1, "seed": 1},
              "backend": {"name": "serial"}}
    try:
        return l2l.load(l2l.run(config, tmp_path / "run.h5", simulator=function, progress=False))
    finally:
        nest.ResetKernel()


def test_a_function_that_leaves_its_network_in_the_kernel_is_named_once(tmp_path, monkeypatch, capfd):
    rows = _run(tmp_path, leaky, monkeypatch)
    assert list(rows["nodes"]) == [6.0, 12.0, 18.0]  # what the warning is about: the kernel grew every evaluation
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if "NEST's kernel held" in line]
    assert len(lines) == 1, err
    assert lines[0].startswith("l2l: warning: simulator 'python': NEST's kernel held 6 nodes at 50 ms")
    assert "simulator 'nest'" in lines[0] and "nest.ResetKernel()" in lines[0]


def test_a_function_that_resets_the_kernel_itself_gets_no_warning(tmp_path, monkeypatch, capfd):
    rows = _run(tmp_path, resetting, monkeypatch)
    assert list(rows["nodes"]) == [6.0, 6.0, 6.0]
    assert "NEST's kernel held" not in capfd.readouterr().err
