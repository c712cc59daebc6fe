"""A user's own Brian2 model, explored by l2l (see examples/brian2_sweep.toml and docs/simulators.md).

The same kind of network as examples/nest_network.py, written for Brian2:
``n_exc`` excitatory and ``n_exc / 4`` inhibitory leaky integrate-and-fire
neurons with delta synapses, 10 % connectivity, and an independent Poisson
drive. Explored: ``g`` (relative inhibition) and ``eta`` (external rate
relative to the threshold rate). Objective ``distance``: the squared relative
error of the rate to ``target_rate`` Hz plus the squared distance of the mean
coefficient of variation of the inter-spike intervals from 1.

l2l calls ``balanced_network(brian2, params, seed)`` in a fresh, seeded scope
with the code-generation target of the config; a bare ``run()`` is fine.
"""

from __future__ import annotations

import numpy as np

from l2l.simulators import SimulationResult


def balanced_network(brian2, params, seed, n_exc=400, simtime=500.0, target_rate=10.0):
    b = brian2
    g, eta = float(params["g"]), float(params["eta"])
    n_inh = n_exc // 4
    tau_ms, theta_mv, weight = 20.0, 20.0, 0.5
    c_exc = n_exc // 10
    nu_threshold = theta_mv / (weight * c_exc * tau_ms)  # spikes per ms that bring a neuron to threshold
    b.defaultclock.dt = 0.1 * b.ms
    neurons = b.NeuronGroup(n_exc + n_inh, "dv/dt = -v / tau_m : volt (unless refractory)",
                            threshold="v > theta", reset="v = 10*mV", refractory=2 * b.ms, method="exact",
                            namespace={"tau_m": tau_ms * b.ms, "theta": theta_mv * b.mV})
    exc, inh = neurons[:n_exc], neurons[n_exc:]
    to_all_e = b.Synapses(exc, neurons, on_pre="v_post += J", delay=1.5 * b.ms, namespace={"J": weight * b.mV})
    to_all_e.connect(p=0.1)
    to_all_i = b.Synapses(inh, neurons, on_pre="v_post += J", delay=1.5 * b.ms,
                          namespace={"J": -g * weight * b.mV})
    to_all_i.connect(p=0.1)
    drive = b.PoissonInput(neurons, "v", N=c_exc, rate=eta * nu_threshold * 1000.0 * b.Hz, weight=weight * b.mV)
    monitor = b.SpikeMonitor(exc)
    b.run(simtime * b.ms)
    times = np.asarray(monitor.t / b.ms)
    senders = np.asarray(monitor.i)
    keep = times >= 100.0
    times, senders = times[keep], senders[keep]
    rate = senders.size / n_exc / ((simtime - 100.0) / 1000.0)
    cvs = []
    for sender in np.unique(senders):
        intervals = np.diff(np.sort(times[senders == sender]))
        if intervals.size >= 3:
            cvs.append(intervals.std() / intervals.mean())
    cv = float(np.mean(cvs)) if cvs else 0.0
    distance = ((rate - target_rate) / target_rate) ** 2 + (cv - 1.0) ** 2
    return SimulationResult(objectives={"distance": float(distance)}, metrics={"rate": float(rate), "cv": cv})
