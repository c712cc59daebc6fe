"""A user's own PyNEST model, explored by l2l (see examples/nest_sweep.toml and docs/simulators.md).

A small Brunel-style network: ``n_exc`` excitatory and ``n_exc / 4``
inhibitory ``iaf_psc_delta`` neurons, each receiving ``C_E = 10 %`` of the
excitatory and inhibitory neurons as inputs, plus an independent Poisson
drive. Explored: ``g`` (inhibition relative to excitation) and ``eta`` (the
external rate relative to the rate that brings a neuron to threshold). The
objective ``distance`` says how far the network is from an asynchronous,
irregular state at ``target_rate`` Hz: the squared relative rate error plus
the squared distance of the spike trains' mean coefficient of variation from 1.

l2l calls ``balanced_network(nest, params, seed)`` in a kernel it has reset
and seeded; the model only builds, simulates and measures.
"""

from __future__ import annotations

import numpy as np

from l2l.simulators import SimulationResult


def balanced_network(nest, params, seed, n_exc=400, simtime=500.0, target_rate=10.0):
    g, eta = float(params["g"]), float(params["eta"])
    n_inh = n_exc // 4
    tau_m, theta, weight, delay = 20.0, 20.0, 0.5, 1.5
    c_exc, c_inh = n_exc // 10, n_inh // 10
    nu_threshold = theta / (weight * c_exc * tau_m)  # spikes per ms that bring a neuron to threshold
    nest.SetKernelStatus({"resolution": 0.1})
    neuron = {"C_m": 1.0, "tau_m": tau_m, "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_th": theta, "V_m": 0.0}
    exc = nest.Create("iaf_psc_delta", n_exc, params=neuron)
    inh = nest.Create("iaf_psc_delta", n_inh, params=neuron)
    noise = nest.Create("poisson_generator", params={"rate": eta * nu_threshold * c_exc * 1000.0})
    recorder = nest.Create("spike_recorder", params={"start": 100.0})
    nest.Connect(exc, exc + inh, {"rule": "fixed_indegree", "indegree": c_exc}, {"weight": weight, "delay": delay})
    nest.Connect(inh, exc + inh, {"rule": "fixed_indegree", "indegree": c_inh},
                 {"weight": -g * weight, "delay": delay})
    nest.Connect(noise, exc + inh, syn_spec={"weight": weight, "delay": delay})
    nest.Connect(exc, recorder)
    nest.Simulate(simtime)
    events = recorder.get("events")
    senders, times = np.asarray(events["senders"]), np.asarray(events["times"])
    rate = senders.size / n_exc / ((simtime - 100.0) / 1000.0)
    cvs = []
    for sender in np.unique(senders):
        intervals = np.diff(np.sort(times[senders == sender]))
        if intervals.size >= 3:
            cvs.append(intervals.std() / intervals.mean())
    cv = float(np.mean(cvs)) if cvs else 0.0
    distance = ((rate - target_rate) / target_rate) ** 2 + (cv - 1.0) ** 2
    return SimulationResult(objectives={"distance": float(distance)}, metrics={"rate": float(rate), "cv": cv})
