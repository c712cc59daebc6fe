"""Small NEST and Brian2 models for tests/test_nest.py, tests/test_brian2.py and tests/test_lsm_engines.py."""

from __future__ import annotations

import os

import numpy as np

from l2l.simulators import SimulationResult


def nest_probe(nest, params, seed):
    """What the kernel looked like when the model started, then a noisy neuron's spike count."""
    status = nest.GetKernelStatus()
    seen = {"nodes_at_start": float(status["network_size"]), "resolution_at_start": float(status["resolution"]),
            "threads": float(status["local_num_threads"]), "rng_seed": float(status["rng_seed"]),
            "pid": float(os.getpid())}
    neuron = nest.Create("iaf_psc_alpha", 1, {"I_e": 300.0 * float(params.get("x", 1.0))})
    noise = nest.Create("noise_generator", params={"std": 200.0})
    recorder = nest.Create("spike_recorder")
    nest.Connect(noise, neuron)
    nest.Connect(neuron, recorder)
    nest.Simulate(200.0)
    spikes = float(recorder.get("n_events"))
    return SimulationResult(objectives={"value": spikes}, metrics=seen)


def nest_litter(nest, params, seed):
    """Another model: leaves nodes, connections, a finer resolution and a copied model behind it."""
    status = nest.GetKernelStatus()
    nest.SetKernelStatus({"resolution": 0.5})
    nest.CopyModel("iaf_psc_delta", "litter_neuron", {"tau_m": 5.0})
    nodes = nest.Create("litter_neuron", 50)
    nest.Connect(nodes, nodes, {"rule": "fixed_indegree", "indegree": 5})
    nest.Simulate(20.0)
    return {"value": float(status["network_size"])}


def nest_quiet_check(nest, params, seed):
    nest.Create("iaf_psc_alpha", 2)
    nest.Simulate(5.0)
    return 0.0


def brian2_probe(brian2, params, seed):
    """A bare run() over a noisy group; what the scope looked like when the model started."""
    b = brian2
    seen = {"dt_at_start_ms": float(b.defaultclock.dt / b.ms), "pid": float(os.getpid())}
    group = b.NeuronGroup(20, "dv/dt = (x - v) / (10*ms) + 0.5 * xi / sqrt(ms) : 1", threshold="v > 1",
                          reset="v = 0", method="euler", namespace={"x": float(params.get("x", 1.0))},
                          dt=0.5 * b.ms)  # its own clock: few steps, a quick test
    monitor = b.SpikeMonitor(group)
    b.run(50 * b.ms)
    return SimulationResult(objectives={"value": float(monitor.num_spikes)}, metrics=seen)


def brian2_litter(brian2, params, seed):
    """Another model: a coarser clock and objects left in the scope, never run."""
    b = brian2
    b.defaultclock.dt = 0.5 * b.ms
    group = b.NeuronGroup(5, "v : 1", threshold="v > 1", reset="")
    b.SpikeMonitor(group)
    globals()["_kept_alive"] = group  # a model that keeps a reference must not leak into the next one
    return 1.0


def brian2_compiled(brian2, params, seed):
    """One code object only (cheap to compile with cython): a random walk."""
    b = brian2
    group = b.NeuronGroup(10, "v : 1")
    group.run_regularly("v += rand() - 0.5", dt=1 * b.ms)
    b.run(10 * b.ms)
    return float(np.sum(group.v[:]))
