"""The spiking core: LIF/ALIF dynamics, delays, refractoriness, propagation modes, Poisson input."""

from __future__ import annotations

import numpy as np
import pytest

from l2l.simulators.snn_core import (Network, NeuronParams, PoissonCounts, Synapses, ei_network,
                                     exp_filter, input_drive, random_synapses)


def _chain(delay: int) -> Network:
    """Neuron 0 excites neuron 1 strongly enough to make it fire, after ``delay`` steps."""
    syn = Synapses.from_coo(2, 2, np.array([0]), np.array([1]), np.array([25.0]), np.array([delay]))
    return Network(2, NeuronParams(tau_m=20.0, thr=20.0, t_ref=0), syn)


def _kick(steps: int, batch: int, n: int, at: int, neuron: int, size: float = 25.0) -> np.ndarray:
    external = np.zeros((steps, batch, n))
    external[at, :, neuron] = size
    return external


@pytest.mark.parametrize("delay", [1, 3, 7])
def test_a_spike_arrives_exactly_after_its_synaptic_delay(delay):
    rec = _chain(delay).simulate(20, external=_kick(20, 1, 2, at=2, neuron=0))
    assert np.flatnonzero(rec.spikes[:, 0, 0]).tolist() == [2]
    assert np.flatnonzero(rec.spikes[:, 0, 1]).tolist() == [2 + delay]


def test_membrane_decays_exactly_and_resets_by_subtraction():
    net = Network(1, NeuronParams(tau_m=10.0, thr=20.0, t_ref=0), Synapses.from_coo(1, 1, [], [], [], 1))
    external = np.zeros((6, 1, 1))
    external[0] = 10.0
    external[3] = 25.0
    rec = net.simulate(6, external=external, record_v=True)
    decay = np.exp(-1.0 / 10.0)
    assert rec.v[2, 0, 0] == pytest.approx(10.0 * decay ** 2)
    assert rec.spikes[3, 0, 0]
    assert rec.v[3, 0, 0] == pytest.approx(10.0 * decay ** 3 + 25.0 - 20.0)


def test_refractory_neurons_ignore_input_and_cannot_fire():
    net = Network(1, NeuronParams(tau_m=20.0, thr=20.0, t_ref=3), Synapses.from_coo(1, 1, [], [], [], 1))
    external = np.full((10, 1, 1), 30.0)
    spikes = net.simulate(10, external=external).spikes[:, 0, 0]
    assert np.flatnonzero(spikes).tolist() == [0, 4, 8]


def _threshold_probe(tau_a: float, beta: float, spikes_at: list[int], lags: np.ndarray,
                     factor: float) -> np.ndarray:
    """One trial per lag: the neuron is forced to fire at ``spikes_at`` (a kick of 1 + 2 beta, above any
    threshold; the membrane does not leak, and what a kick leaves after the reset is taken back at the next
    step), then gets ``factor`` times the threshold the docstring's ALIF equations give at ``last spike + lag``.
    Returns whether it fired at the probe, per lag."""
    rho = np.exp(-1.0 / tau_a)
    last = max(spikes_at)
    steps = last + int(lags.max()) + 1
    net = Network(1, NeuronParams(tau_m=1e12, thr=1.0, t_ref=0, tau_a=tau_a, beta=beta),
                  Synapses.from_coo(1, 1, [], [], [], 1))
    external = np.zeros((steps, lags.size, 1))
    probe_at = last + lags
    for trial, at in enumerate(probe_at):
        # b at step t after spikes s: (1 - rho) * sum_s rho^(t - 1 - s); the threshold is 1 + beta * b
        b = (1 - rho) * sum(rho ** (at - 1 - s) for s in spikes_at)
        for s in spikes_at:
            external[s, trial, 0] = 1.0 + 2.0 * beta
        external[probe_at[trial], trial, 0] = factor * (1.0 + beta * b)
    rec = net.simulate(steps, lags.size, external=_with_reset(external, spikes_at, beta))
    assert rec.spikes[spikes_at, :, 0].all()
    fired = rec.spikes[probe_at, np.arange(lags.size), 0]
    silent_between = [not rec.spikes[last + 1:at, trial, 0].any() for trial, at in enumerate(probe_at)]
    assert all(silent_between)
    return fired


def _with_reset(external: np.ndarray, spikes_at: list[int], beta: float) -> np.ndarray:
    """After each forced spike (v = 1 + 2 beta, reset by 1) cancel the 2 beta left on the membrane."""
    external = external.copy()
    for s in spikes_at:
        external[s + 1] -= 2.0 * beta
    return external


@pytest.mark.parametrize("tau_a, beta, spikes_at", [(50.0, 5.0, [0]), (20.0, 3.0, [0, 1]), (200.0, 1.7, [2, 5, 6])])
def test_the_adaptive_threshold_follows_the_alif_equations_at_every_lag(tau_a, beta, spikes_at):
    lags = np.arange(1, 80)
    just_above = _threshold_probe(tau_a, beta, spikes_at, lags, 1.0 + 1e-9)
    just_below = _threshold_probe(tau_a, beta, spikes_at, lags, 1.0 - 1e-9)
    assert just_above.all() and not just_below.any()


def test_a_plain_lif_neuron_does_not_adapt():
    net = Network(1, NeuronParams(tau_m=1e12, thr=1.0, t_ref=0, beta=0.0), Synapses.from_coo(1, 1, [], [], [], 1))
    external = np.zeros((10, 1, 1))
    external[0] = external[3] = 1.0
    assert np.flatnonzero(net.simulate(10, external=external).spikes[:, 0, 0]).tolist() == [0, 3]


def test_event_and_dense_propagation_give_the_same_spikes():
    j = {"EE": 1.0, "EI": 1.0, "IE": 3.0, "II": 3.0}
    p = dict.fromkeys(j, 0.2)
    spikes = {}
    for mode in ("event", "dense", "auto"):
        net = ei_network(np.random.default_rng(1), 80, 20, j, p, NeuronParams(), delay=(1, 4), propagation=mode)
        spikes[mode] = net.simulate(200, 5, poisson_rate=3000.0, poisson_weight=0.5,
                                    rng=np.random.default_rng(2)).spikes
    assert spikes["event"].sum() > 100
    np.testing.assert_array_equal(spikes["event"], spikes["dense"])
    np.testing.assert_array_equal(spikes["event"], spikes["auto"])


def test_trials_of_a_batch_are_independent_and_reproducible():
    j = {"EE": 0.5, "EI": 0.5, "IE": 2.0, "II": 2.0}
    net = ei_network(np.random.default_rng(1), 80, 20, j, dict.fromkeys(j, 0.1), NeuronParams())
    a = net.simulate(100, 4, poisson_rate=2000.0, poisson_weight=1.0, rng=np.random.default_rng(9)).spikes
    b = net.simulate(100, 4, poisson_rate=2000.0, poisson_weight=1.0, rng=np.random.default_rng(9)).spikes
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[:, 0], a[:, 1])


@pytest.mark.parametrize("lam", [0.05, 0.7, 7.3])
def test_poisson_background_has_poisson_mean_and_variance(lam):
    counts = PoissonCounts(lam, (50, 100), np.random.default_rng(0), 100)
    x = np.array([counts.next() for _ in range(100)])
    assert x.mean() == pytest.approx(lam, rel=0.03)
    assert x.var() == pytest.approx(lam, rel=0.05)
    assert np.mean(x == 0) == pytest.approx(np.exp(-lam), abs=0.01)


def test_input_drive_applies_weights_and_delays():
    syn = Synapses.from_coo(2, 3, np.array([0, 1]), np.array([2, 0]), np.array([1.5, -2.0]), np.array([1, 2]))
    spikes = np.zeros((5, 1, 2), dtype=bool)
    spikes[0, 0, 0] = spikes[1, 0, 1] = True
    drive = input_drive(spikes, syn)
    assert drive[1, 0, 2] == 1.5 and drive[3, 0, 0] == -2.0
    assert np.count_nonzero(drive) == 2


def test_random_synapses_have_the_requested_density_and_no_autapses():
    syn = random_synapses(np.random.default_rng(0), 300, 300, 0.1, 1.0, delay=(1, 3), autapses=False)
    assert syn.nnz / (300 * 300) == pytest.approx(0.1, rel=0.05)
    assert not np.any(syn.presynaptic() == syn.indices)
    assert set(np.unique(syn.delays)) == {1, 2, 3}


def test_exp_filter_is_a_leaky_spike_count():
    spikes = np.zeros((4, 1))
    spikes[0] = 1
    np.testing.assert_allclose(exp_filter(spikes, 10.0)[:, 0], np.exp(-np.arange(4) / 10.0))


def test_benchmark_network_fires_near_35_hz():
    j = {"EE": 0.2, "EI": 0.2, "IE": 1.0, "II": 1.0}
    net = ei_network(np.random.default_rng(0), 800, 200, j, dict.fromkeys(j, 0.1),
                     NeuronParams(tau_m=20.0, thr=20.0, t_ref=2), delay=2)
    rec = net.simulate(300, 1, poisson_rate=7300.0, poisson_weight=0.2, rng=np.random.default_rng(0))
    assert 28.0 < rec.mean_rate() < 42.0
