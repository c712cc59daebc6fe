"""A PyNEST network tuned with biological time as its budget (examples/nest_asha.toml, examples/nest_pbt.toml).

The Brunel-style network of examples/nest_network.py (``g``: inhibition relative to excitation, ``eta``: the
external rate relative to the threshold rate), simulated in segments: l2l calls

    train(nest, params, seed, budget, checkpoint)

in a kernel it has reset and seeded, and the model simulates from the checkpoint's time to ``budget`` seconds.
The objective ``distance`` is how far the network is from an asynchronous, irregular state at ``target_rate``
Hz, measured over everything simulated after the first ``transient`` seconds (below the lowest budget): the squared relative rate error
plus the squared distance of the mean coefficient of variation of the inter-spike intervals from 1.

NEST cannot save a network, so the checkpoint is what this model chooses to keep, as numbers: the membrane
potentials, each neuron's last spike time, and running sums of its inter-spike intervals. A continued segment
builds the same network again (its connections are drawn from the evaluation's seed by numpy, not by NEST),
sets the potentials and simulates on with new Poisson noise (NEST's generator is seeded from the seed and the
segment's start time, so that no segment replays another's noise). Spikes in transit at the checkpoint (within
one synaptic delay, 1.5 ms) are lost, so a candidate continued from 0.3 s to 0.9 s is a statistically equal,
not an identical, run to one simulated from 0 to 0.9 s at once.
"""

from __future__ import annotations

import numpy as np

from l2l.simulators import SimulationResult

TAU_M, THETA, WEIGHT, DELAY = 20.0, 20.0, 0.5, 1.5  # ms, mV, mV, ms


def _connections(rng: np.random.Generator, n_pre: int, n_post: int, indegree: int) -> tuple[np.ndarray, np.ndarray]:
    """``indegree`` random presynaptic neurons for every postsynaptic one (0-based indices)."""
    pre = np.concatenate([rng.choice(n_pre, indegree, replace=False) for _ in range(n_post)])
    return pre, np.repeat(np.arange(n_post), indegree)


def train(nest, params, seed, budget, checkpoint=None, n_exc=400, target_rate=10.0, transient=0.05, step=0.1):
    g, eta = float(params["g"]), float(params["eta"])
    n_inh = n_exc // 4
    n = n_exc + n_inh
    start = 0.0 if checkpoint is None else float(checkpoint["t"])
    # fresh Poisson noise for every segment; the connections below come from numpy, so they stay the same
    nest.SetKernelStatus({"resolution": 0.1, "rng_seed": 1 + (int(seed) + int(round(start * 1000))) % (2 ** 31)})
    neuron = {"C_m": 1.0, "tau_m": TAU_M, "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_th": THETA, "V_m": 0.0}
    neurons = nest.Create("iaf_psc_delta", n, params=neuron)
    rng = np.random.default_rng(seed)
    ids = np.asarray(neurons.tolist())
    for first, count, weight in ((0, n_exc, WEIGHT), (n_exc, n_inh, -g * WEIGHT)):
        pre, post = _connections(rng, count, n, count // 10)
        nest.Connect(ids[first + pre], ids[post], "one_to_one",
                     {"weight": np.full(pre.size, weight), "delay": np.full(pre.size, DELAY)})
    nu_threshold = THETA / (WEIGHT * (n_exc // 10) * TAU_M)  # spikes per ms that bring a neuron to threshold
    noise = nest.Create("poisson_generator", params={"rate": eta * nu_threshold * (n_exc // 10) * 1000.0})
    nest.Connect(noise, neurons, syn_spec={"weight": WEIGHT, "delay": DELAY})
    recorder = nest.Create("spike_recorder")
    nest.Connect(neurons[:n_exc], recorder)

    if checkpoint is None:
        last = np.full(n_exc, -1.0)                # time of each neuron's last spike (s; -1: none yet)
        sums = np.zeros((3, n_exc))                # per neuron: intervals, their sum, their sum of squares
        spikes = 0
    else:
        neurons.V_m = np.asarray(checkpoint["v"], dtype=float)
        last, sums, spikes = np.array(checkpoint["last"]), np.array(checkpoint["sums"]), int(checkpoint["spikes"])

    curve, t = [], start
    while t < budget - 1e-9:
        length = min(step, budget - t)
        nest.Simulate(length * 1000.0)
        events = recorder.get("events")
        recorder.n_events = 0
        spikes += _count(np.asarray(events["senders"]) - 1, np.asarray(events["times"]) / 1000.0 + start,
                         last, sums, transient)
        t = round(t + length, 9)
        curve.append([t, _distance(spikes, sums, n_exc, t - transient, target_rate)])
    rate = spikes / n_exc / max(t - transient, 1e-9)
    return SimulationResult(objectives={"distance": curve[-1][1]}, curve={"distance": curve},
                            metrics={"rate": rate, "cv": _cv(sums)},
                            checkpoint={"t": t, "v": np.asarray(neurons.get("V_m"), dtype=float), "last": last,
                                        "sums": sums, "spikes": spikes})


def _count(senders: np.ndarray, times: np.ndarray, last: np.ndarray, sums: np.ndarray, transient: float) -> int:
    """Add a segment's spikes (after ``transient``) to ``last`` and ``sums`` in place; returns how many."""
    keep = times >= transient
    order = np.lexsort((times[keep], senders[keep]))
    who, when = senders[keep][order], times[keep][order]
    if who.size == 0:
        return 0
    first = np.r_[True, who[1:] != who[:-1]]                 # each neuron's first spike in this segment
    before = np.r_[0.0, when[:-1]]
    before[first] = last[who[first]]
    counted = before >= transient
    intervals = when[counted] - before[counted]
    np.add.at(sums, (0, who[counted]), 1.0)
    np.add.at(sums, (1, who[counted]), intervals)
    np.add.at(sums, (2, who[counted]), intervals * intervals)
    final = np.r_[who[1:] != who[:-1], True]
    last[who[final]] = when[final]
    return int(who.size)


def _cv(sums: np.ndarray) -> float:
    count, total, squares = sums
    enough = count >= 3
    if not enough.any():
        return 0.0
    mean = total[enough] / count[enough]
    variance = np.maximum(squares[enough] / count[enough] - mean ** 2, 0.0)
    return float(np.mean(np.sqrt(variance) / mean))


def _distance(spikes: int, sums: np.ndarray, n_exc: int, seconds: float, target_rate: float) -> float:
    rate = spikes / n_exc / max(seconds, 1e-9)
    return float(((rate - target_rate) / target_rate) ** 2 + (_cv(sums) - 1.0) ** 2)
