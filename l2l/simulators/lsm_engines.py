"""The LSM's reservoir on NEST or Brian2: the same network as the numpy core, built in the field's simulators.

:meth:`l2l.simulators.lsm.LiquidStateMachine.reservoir_spikes` draws the
reservoir (recurrent synapses with their delays, input synapses) and the
input spike trains from the evaluation's generator, whatever the engine; the
engine only simulates them. Every trial is an independent copy of the
network starting from rest, as in the numpy core's batch, so one evaluation
is one simulation of ``trials x neurons`` neurons.

The neuron is the numpy core's (:mod:`l2l.simulators.snn_core`): current-based
LIF with delta synapses at a 1 ms step, exact integration, threshold
``thr`` above rest, refractory for ``t_ref`` steps during which the potential
is held and input is discarded. Differences that remain, by engine:

* ``brian2``: none in the neuron (reset by subtraction, as the core); the
  Poisson background comes from Brian2's generator. Without background noise
  Brian2 reproduces the core's spikes.
* ``nest`` (``iaf_psc_delta``): reset to rest instead of by subtraction (the
  overshoot of a delta input is lost), and the background (``poisson_generator``)
  arrives with a delay of 1 ms, so it starts one step later.

The background noise comes from the engine's own generator, seeded from the
evaluation's generator, so equal seeds give equal spikes per engine.
Timing: numpy step ``t`` (0-based) is NEST's update that ends at ``t + 1`` ms
and Brian2's step at ``t`` ms.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from l2l.simulators.snn_core import Network, Synapses

ENGINES = ("numpy", "nest", "brian2")


def _replicated(synapses: Synapses, trials: int, pre_size: int, post_size: int) -> tuple[np.ndarray, ...]:
    """Pre, post, weights, delays of ``synapses`` copied into each of ``trials`` blocks."""
    offsets = np.arange(trials)[:, None]
    pre = (synapses.presynaptic()[None, :] + offsets * pre_size).ravel()
    post = (synapses.indices[None, :] + offsets * post_size).ravel()
    return pre, post, np.tile(synapses.weights, trials), np.tile(synapses.delays, trials)


def _node_ids(nodes: Any) -> np.ndarray:
    """Node ids of the result of one ``nest.Create`` (consecutive; asking NEST for each one is slow)."""
    first = int(nodes[0].get("global_id"))
    return np.arange(first, first + len(nodes), dtype=np.int64)


def _lif_only(net: Network, engine: str) -> dict[str, np.ndarray]:
    """The neurons' constants; ALIF neurons (an adaptive threshold) are refused: only the numpy core has them."""
    p = net.neurons.arrays(net.n)
    if np.any(p["beta"] != 0):
        raise ValueError(f"engine {engine!r} simulates LIF neurons only; adaptive thresholds (beta != 0) "
                         f"need engine 'numpy'")
    return p


def _engine_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(1, 2 ** 31 - 1))


def nest_spikes(net: Network, w_in: Synapses, inputs: np.ndarray, noise_rate: float, noise_weight: float,
                rng: np.random.Generator, threads: int = 0) -> np.ndarray:
    """Spikes (T, trials, n) of ``net`` driven by ``inputs`` (T, trials, n_inputs) through ``w_in``, on NEST."""
    from l2l.simulators.nest_sim import KERNEL_LOCK, import_nest, prepare_kernel, worker_threads

    steps, trials, n_inputs = inputs.shape
    n = net.n
    p = _lif_only(net, "nest")
    nest = import_nest(True)
    with KERNEL_LOCK:
        prepare_kernel(nest, _engine_seed(rng), worker_threads(threads), True)
        try:
            nest.SetKernelStatus({"resolution": 1.0})
            fixed = {"C_m": 1.0, "E_L": 0.0, "V_reset": 0.0, "V_m": 0.0, "refractory_input": False}
            varying = {}
            for key, values in (("tau_m", p["tau_m"]), ("V_th", p["thr"]), ("t_ref", p["t_ref"].astype(float))):
                if np.all(values == values[0]):
                    fixed[key] = float(values[0])
                else:
                    varying[key] = np.tile(values, trials)
            # a model with the common values: Create(params=...) on every neuron is much slower
            nest.CopyModel("iaf_psc_delta", "l2l_lsm_neuron", fixed)
            neurons = nest.Create("l2l_lsm_neuron", trials * n)
            if varying:
                neurons.set(varying)
            ids = _node_ids(neurons)
            pre, post, weights, delays = _replicated(net.recurrent, trials, n, n)
            if pre.size:
                nest.Connect(ids[pre], ids[post], "one_to_one",
                             {"weight": weights, "delay": delays.astype(float)})
            generators = nest.Create("spike_generator", trials * n_inputs)
            times = [np.flatnonzero(inputs[:, trial, k]).astype(float) + 1.0
                     for trial in range(trials) for k in range(n_inputs)]
            generators.set([{"spike_times": t} for t in times])
            gen_ids = _node_ids(generators)
            pre, post, weights, delays = _replicated(w_in, trials, n_inputs, n)
            if pre.size:
                nest.Connect(gen_ids[pre], ids[post], "one_to_one",
                             {"weight": weights, "delay": delays.astype(float)})
            if noise_rate > 0 and noise_weight != 0:
                noise = nest.Create("poisson_generator", params={"rate": float(noise_rate)})
                nest.Connect(noise, neurons, syn_spec={"weight": float(noise_weight), "delay": 1.0})
            recorder = nest.Create("spike_recorder")
            nest.Connect(neurons, recorder)
            nest.Simulate(float(steps))
            events = recorder.get("events")
            senders = np.asarray(events["senders"], dtype=np.int64) - int(ids[0])
            stamps = np.rint(np.asarray(events["times"], dtype=float)).astype(np.int64) - 1
        finally:
            nest.ResetKernel()
    spikes = np.zeros((steps, trials, n), dtype=bool)
    spikes[stamps, senders // n, senders % n] = True
    return spikes


def brian2_spikes(net: Network, w_in: Synapses, inputs: np.ndarray, noise_rate: float, noise_weight: float,
                  rng: np.random.Generator, target: str = "numpy", cache_dir: str = "") -> np.ndarray:
    """Spikes (T, trials, n) of ``net`` driven by ``inputs`` (T, trials, n_inputs) through ``w_in``, on Brian2."""
    from l2l.simulators.brian2_sim import brian2_session

    steps, trials, n_inputs = inputs.shape
    n = net.n
    p = _lif_only(net, "brian2")
    # Every object is named: Brian2's default names (neurongroup, neurongroup_1, ...) skip those of objects
    # of the previous evaluation still alive, the names are part of the generated code, and so the cython
    # target compiled the whole reservoir a second time (24 s) in the second evaluation of every worker.
    with brian2_session(_engine_seed(rng), target, cache_dir) as b:
        ms, clock = b.ms, b.Clock(dt=b.ms, name="lsm_clock")
        # t_ref + 1: Brian2 counts the spike's own step as refractory, the core does not
        group = b.NeuronGroup(trials * n, """dv/dt = -v / tau : 1 (unless refractory)
                                             tau : second (constant)
                                             thr : 1 (constant)
                                             ref : second (constant)""",
                              threshold="v >= thr", reset="v -= thr", refractory="ref", method="exact",
                              clock=clock, name="lsm_reservoir")
        group.tau = np.tile(p["tau_m"], trials) * ms
        group.thr = np.tile(p["thr"], trials)
        group.ref = (np.tile(p["t_ref"], trials) + 1) * ms
        objects: list[Any] = [group]
        # Synapses act before thresholds (the schedule below), so a delay of d steps in the core is
        # d - 1 here: a spike is handed to its synapses at the step after it was emitted.
        pre, post, weights, delays = _replicated(net.recurrent, trials, n, n)
        if pre.size:
            recurrent = b.Synapses(group, group, "w : 1", on_pre="v_post += w * int(not_refractory_post)",
                                   clock=clock, name="lsm_recurrent")
            recurrent.connect(i=pre, j=post)
            recurrent.w = weights
            recurrent.delay = (delays - 1) * ms
            objects.append(recurrent)
        steps_on, trial_on, channel_on = np.nonzero(inputs)
        pre, post, weights, delays = _replicated(w_in, trials, n_inputs, n)
        if steps_on.size and pre.size:
            source = b.SpikeGeneratorGroup(trials * n_inputs, trial_on * n_inputs + channel_on, steps_on * ms,
                                           clock=clock, name="lsm_inputs")
            drive = b.Synapses(source, group, "w : 1", on_pre="v_post += w * int(not_refractory_post)",
                               clock=clock, name="lsm_drive")
            drive.connect(i=pre, j=post)
            drive.w = weights
            drive.delay = (delays - 1) * ms
            objects += [source, drive]
        if noise_rate > 0 and noise_weight != 0:
            objects.append(group.run_regularly(
                "v += noise_weight * poisson(noise_p) * int(not_refractory)", when="synapses", order=1,
                name="background"))
        monitor = b.SpikeMonitor(group, name="lsm_spikes")
        network = b.Network(*objects, monitor, name="lsm_network")
        network.schedule = ["start", "groups", "synapses", "thresholds", "resets", "end"]
        network.run(steps * ms, namespace={"noise_p": float(noise_rate) * 1e-3, "noise_weight": float(noise_weight)})
        index = np.asarray(monitor.i[:], dtype=np.int64)
        step = np.rint(np.asarray(monitor.t[:] / ms)).astype(np.int64)
    spikes = np.zeros((steps, trials, n), dtype=bool)
    spikes[step, index // n, index % n] = True
    return spikes


__all__ = ["ENGINES", "nest_spikes", "brian2_spikes"]
