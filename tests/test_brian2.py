"""The 'brian2' simulator: a user's Brian2 model in a fresh, seeded scope; compiled code cached per worker."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

import l2l
from conftest import comparable, make_config
from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def brian2_model(function: str, **options):
    return SIMULATORS.create("brian2", {"function": f"engine_models:{function}", "path": str(TESTS), **options})


def test_each_evaluation_gets_a_fresh_seeded_scope_and_leaves_the_process_as_it_was():
    import brian2

    probe, litter = brian2_model("brian2_probe"), brian2_model("brian2_litter")
    numpy_state = np.random.get_state()[1].copy()
    target = brian2.prefs["codegen.target"]
    first = probe.run({"x": 1.2}, 11)
    # the other model sets a coarse clock and leaves objects that a bare run() would collect
    assert litter.run({}, 1).objectives == 1.0
    again = probe.run({"x": 1.2}, 11)
    assert first.metrics["dt_at_start_ms"] == pytest.approx(0.1) and again.metrics == first.metrics
    assert again.objectives == first.objectives
    assert probe.run({"x": 1.2}, 12).objectives != first.objectives
    assert (np.random.get_state()[1] == numpy_state).all() and brian2.prefs["codegen.target"] == target


def test_two_different_models_share_one_dask_worker_imported_in_its_thread_without_seeing_each_other():
    from distributed import Client, LocalCluster

    probe, litter = brian2_model("brian2_probe"), brian2_model("brian2_litter")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        first = client.submit(probe.run, {"x": 1.5}, 4, pure=False).result()
        client.submit(litter.run, {}, 1, pure=False).result()
        again = client.submit(probe.run, {"x": 1.5}, 4, pure=False).result()
        hooks = client.run(lambda: getattr(sys.excepthook, "__module__", ""))
    assert first.metrics["pid"] == again.metrics["pid"]
    assert not any("brian2" in hook for hook in hooks.values())  # Brian2's import took no process-wide hook
    assert again.metrics == first.metrics and again.objectives == first.objectives


def test_cython_code_is_compiled_into_this_workers_own_cache_and_reused(tmp_path, monkeypatch):
    import brian2

    # compiled without optimization (by default -O3 -march=native): less CPU; the shared folder's name digests it
    monkeypatch.setitem(brian2.prefs, "codegen.cpp.extra_compile_args_gcc", ["-w", "-O0"])
    model = brian2_model("brian2_compiled", target="cython", cache_dir=str(tmp_path))
    first = model.run({}, 5)
    own = tmp_path / f"{socket.gethostname()}-{os.getpid()}"
    compiled = sorted(p.name for p in own.rglob("*.so"))
    assert compiled and sorted(tmp_path.iterdir()) == sorted([own, *tmp_path.glob("*-shared")])  # + the host's
    assert model.run({}, 5).objectives == first.objectives  # same seed, same walk
    assert sorted(p.name for p in own.rglob("*.so")) == compiled  # nothing compiled again


def test_bad_brian2_options_are_refused_with_the_name():
    with pytest.raises(ConfigError, match="simulator 'brian2': option 'function' is required"):
        SIMULATORS.create("brian2", {})
    with pytest.raises(ConfigError, match="target"):
        brian2_model("brian2_probe", target="cpp_standalone")
    with pytest.raises(ConfigError, match=r"cannot be called as function\(brian2, params, seed"):
        brian2_model("brian2_probe", kwargs={"bogus": 1})


def test_a_brian2_sweep_on_the_local_cluster_reproduces_the_serial_run(tmp_path):
    def config(backend):
        return make_config(run={"generations": 1, "seed": 3}, space={"x": {"type": "float", "low": 0.5, "high": 3.0}},
                           optimizer={"name": "random", "population_size": 3},
                           simulator={"name": "brian2", "function": "engine_models:brian2_probe", "path": str(TESTS)},
                           objectives=[{"name": "value", "direction": "maximize"}], backend=backend)

    serial = l2l.load(l2l.run(config({"name": "serial"}), tmp_path / "serial.h5"))
    # one worker: Brian2 is imported in a worker's thread and seeded per evaluation as with two (a second worker
    # cost a second process and Brian2 import, ~5 s of CPU, for no other check)
    local = l2l.load(l2l.run(config({"name": "local", "workers": 1}), tmp_path / "local.h5"))
    assert (serial["status"] == "ok").all() and serial["value"].nunique() == 3
    assert comparable(local.drop(columns="pid")).equals(comparable(serial.drop(columns="pid")))


def test_the_brian2_example_model_runs_with_its_config():
    from l2l.config import load_config
    config = load_config(ROOT / "examples" / "brian2_sweep.toml")
    model = SIMULATORS.create("brian2", {**config.simulator.options, "kwargs": {"n_exc": 80, "simtime": 150.0}})
    result = model.run({"g": 5.0, "eta": 2.0}, 1)
    assert result.metrics["rate"] > 0 and np.isfinite(result.objectives["distance"])
