"""The LSM on its three engines: the same network on numpy, Brian2 and NEST, with matching rates and fitness."""

from __future__ import annotations

import functools
import numpy as np
import pytest

import l2l
from conftest import comparable, make_config
from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS
from l2l.simulators.lsm import LiquidStateMachine
from l2l.simulators.lsm_tasks import TaskFamily

SMALL = {"n_exc": 80, "n_inh": 20, "test_examples": 24, "tasks": 3, "kinds": ["pattern", "xor", "memory"]}
GOOD = {"J_EE": 2.0, "J_EI": 3.0, "J_IE": 5.0, "J_II": 1.0}
SEEDS = (1, 2, 3, 4)


@functools.cache  # the numpy reservoir is the reference of two tests: simulated once
def reservoir(engine: str, noise_rate: float, seed: int = 3) -> np.ndarray:
    lsm = LiquidStateMachine(**SMALL, engine=engine)
    rng = np.random.default_rng(seed)
    family = TaskFamily(steps=lsm.steps, n_inputs=lsm.n_inputs)
    inputs = np.concatenate([family.draw(rng, kind, 12).spikes for kind in ("pattern", "memory")], axis=1)
    return lsm.reservoir_spikes(lsm.model({**GOOD, "noise_rate": noise_rate}), rng, inputs)


@pytest.fixture(scope="module")
def runs():
    """test error and firing rate of the good reservoir, per engine, over SEEDS."""
    out = {}
    for engine in ("numpy", "brian2", "nest"):
        lsm = LiquidStateMachine(**SMALL, engine=engine)
        results = [lsm.run(GOOD, seed) for seed in SEEDS]
        out[engine] = {"rate": np.array([r.metrics["firing_rate"] for r in results]),
                       "error": np.array([r.objectives["test_error"] for r in results]),
                       "chance": np.array([r.metrics["chance_error"] for r in results])}
    return out


def test_without_background_noise_brian2_reproduces_the_numpy_reservoir_spike_for_spike():
    numpy_spikes, brian2_spikes = reservoir("numpy", 0.0), reservoir("brian2", 0.0)
    assert numpy_spikes.sum() > 500
    assert np.array_equal(brian2_spikes, numpy_spikes)


def test_without_background_noise_nest_differs_only_by_its_reset_to_rest():
    # Deterministic (no noise, one thread). Resetting to rest loses each spike's overshoot above threshold: 4.4 %
    # fewer spikes here (2,759 of 2,886), 69 % of numpy's at the very step and neuron. NEST's V_reset at -1 mV gives
    # 0.947 and 66 %, at -5 (the defect the bands guard) 0.913 and 60 %, at +2 0.978. The bands sit halfway to -5
    # (0.02 and 4 points of margin on each side), not at 1 mV: spikes of another CPU's arithmetic may differ a
    # little (measured on the AMD EPYC only).
    numpy_spikes, nest_spikes = reservoir("numpy", 0.0), reservoir("nest", 0.0)
    assert numpy_spikes.sum() > 2000
    fewer = float(nest_spikes.sum() / numpy_spikes.sum())
    same = float((nest_spikes & numpy_spikes).sum() / numpy_spikes.sum())
    assert 0.935 < fewer < 0.975 and same > 0.645, (fewer, same)


def test_the_engines_agree_on_firing_rates_seed_by_seed(runs):
    ratio_brian2 = runs["brian2"]["rate"] / runs["numpy"]["rate"]
    ratio_nest = runs["nest"]["rate"] / runs["numpy"]["rate"]
    assert np.all(np.abs(ratio_brian2 - 1.0) < 0.02), ratio_brian2
    # NEST: 5.6-6.0 % fewer spikes per seed (the lost overshoot); its V_reset at -1 mV gives 0.926-0.935, at -5
    # 0.899-0.907, at +1 0.952-0.958: the band guards -5 with 0.02 of margin on each side
    assert np.all((ratio_nest > 0.92) & (ratio_nest < 0.965)), ratio_nest


def test_the_engines_agree_on_the_learning_to_learn_fitness_over_seeds(runs):
    chance = runs["numpy"]["chance"].mean()
    for engine in ("brian2", "nest"):
        assert np.array_equal(runs[engine]["chance"], runs["numpy"]["chance"])  # the same tasks
        gap = runs[engine]["error"].mean() - runs["numpy"]["error"].mean()
        assert abs(gap) < 0.08, (engine, gap)
        assert runs[engine]["error"].mean() < chance - 0.1, engine


def test_adaptive_neurons_are_refused_by_the_nest_and_brian2_engines():
    from l2l.simulators.lsm_engines import brian2_spikes, nest_spikes
    from l2l.simulators.snn_core import NeuronParams, ei_network, random_synapses

    rng = np.random.default_rng(0)
    keys = ("EE", "EI", "IE", "II")
    net = ei_network(rng, 8, 2, dict.fromkeys(keys, 1.0), dict.fromkeys(keys, 0.2), NeuronParams(beta=1.0))
    w_in = random_synapses(rng, 3, 10, 0.5, 5.0)
    inputs = np.zeros((40, 2, 3), dtype=bool)
    for simulate in (nest_spikes, brian2_spikes):
        with pytest.raises(ValueError, match="LIF neurons only"):
            simulate(net, w_in, inputs, 0.0, 1.0, rng)


def test_an_unknown_engine_is_refused_with_the_choices():
    with pytest.raises(ConfigError, match="engine.*'numpy', 'nest', 'brian2'|engine.*numpy, nest, brian2"):
        SIMULATORS.create("lsm", {"engine": "neuron"})


def test_an_engine_that_is_not_installed_is_refused_when_the_config_is_read(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("nest", "brian2")
                        else real(name, *a))
    for engine in ("nest", "brian2"):
        with pytest.raises(ConfigError, match=f"engine '{engine}' needs the Python package '{engine}'.*"
                                              rf"pip install 'l2l\[{engine}\]'"):
            SIMULATORS.create("lsm", {"engine": engine})
    with pytest.raises(ConfigError, match="simulator 'nest' needs the Python package 'nest'"):
        SIMULATORS.create("nest", {"function": "engine_models:nest_probe"})


def test_an_lsm_sweep_on_nest_on_the_local_cluster_reproduces_the_serial_run(tmp_path):
    def config(backend):
        return make_config(run={"generations": 1, "seed": 2},
                           space={"J_EE": {"type": "float", "low": 0.5, "high": 4.0},
                                  "J_IE": {"type": "float", "low": 1.0, "high": 8.0}},
                           optimizer={"name": "random", "population_size": 4},
                           simulator={"name": "lsm", "engine": "nest", "n_exc": 40, "n_inh": 10, "tasks": 2,
                                      "train_examples": 8, "test_examples": 10},
                           objectives=[{"name": "test_error", "direction": "minimize"}], backend=backend)

    serial = l2l.load(l2l.run(config({"name": "serial"}), tmp_path / "serial.h5"))
    local = l2l.load(l2l.run(config({"name": "local", "workers": 1}), tmp_path / "local.h5"))  # one NEST import
    assert (serial["status"] == "ok").all() and serial["firing_rate"].nunique() == 4
    assert comparable(local).equals(comparable(serial))
