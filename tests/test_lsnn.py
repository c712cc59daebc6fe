"""LSNN: BPTT gradients, store-recall, the adaptation-time-constant finding, options."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from conftest import on_two_cores

from l2l.config import load_config
from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS
from l2l.simulators.lsnn import LSNN, store_recall
from l2l.simulators.lsnn_model import Neurons, eprop_grads, init_params, loss_and_grads

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TINY = {"training_steps": 3, "batch_size": 4, "test_trials": 8, "delay": 40}


def _small_problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    n_in, n = 8, 6
    params = init_params(rng, n_in, n, 2, 3.0, 1.0)
    neurons = Neurons(alpha=float(np.exp(-1 / 20)), thr=1.0, beta=np.array([0, 0, 0, 2.0, 2.0, 2.0]),
                      rho=np.full(n, np.exp(-1 / 50)), kappa=float(np.exp(-1 / 10)))
    x = (rng.random((30, 4, n_in)) < 0.2).astype(float)
    mask = np.zeros((30, 4))
    mask[-10:] = 1.0
    return params, neurons, x, mask, np.array([0, 1, 1, 0])


def test_bptt_gradients_match_finite_differences_of_the_smooth_network():
    params, neurons, x, mask, labels = _small_problem()
    _, grads, _ = loss_and_grads(params, neurons, x, mask, labels, smooth=True, rate_reg=2.0)
    eps = 1e-6
    for key, value in params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            if key == "W_rec" and index[0] == index[1]:
                continue  # no self-connections
            shifted = {k: v.copy() for k, v in params.items()}
            shifted[key][index] += eps
            up = loss_and_grads(shifted, neurons, x, mask, labels, smooth=True, rate_reg=2.0)[0]
            shifted[key][index] -= 2 * eps
            down = loss_and_grads(shifted, neurons, x, mask, labels, smooth=True, rate_reg=2.0)[0]
            numeric[index] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grads[key], numeric, rtol=1e-5, atol=1e-8, err_msg=key)


def test_spiking_forward_pass_uses_the_pseudo_derivative_and_emits_binary_spikes():
    params, neurons, x, mask, labels = _small_problem(1)
    loss, grads, traces = loss_and_grads(params, neurons, x, mask, labels)
    assert set(np.unique(traces["z"])) <= {0.0, 1.0}
    assert np.isfinite(loss) and np.abs(grads["W_in"]).sum() > 0


def test_eprop_keeps_the_readout_gradients_and_points_where_bptt_points():
    lsnn = LSNN()
    rng = np.random.default_rng(0)
    weights = init_params(rng, 40, 30, 2, 3.0, 0.5)
    x, mask, labels = lsnn.batch(rng, 8)
    neurons = lsnn.neurons(lsnn.model({}))
    loss, exact, _ = loss_and_grads(weights, neurons, x, mask, labels)
    loss_e, local, _ = eprop_grads(weights, neurons, x, mask, labels)
    assert loss == loss_e
    np.testing.assert_allclose(local["W_out"], exact["W_out"])
    for key in ("W_in", "W_rec"):
        a, b = exact[key].ravel(), local[key].ravel()
        assert a @ b / (np.linalg.norm(a) * np.linalg.norm(b)) > 0.8, key


def test_same_parameters_and_seed_give_identical_results():
    lsnn = SIMULATORS.create("lsnn", TINY)
    a = lsnn.run({"tau_a": 100.0}, 3)
    b = pickle.loads(pickle.dumps(lsnn)).run({"tau_a": 100.0}, 3)
    assert a.objectives == b.objectives and a.metrics == b.metrics
    np.testing.assert_array_equal(a.traces["loss"], b.traces["loss"])
    assert lsnn.run({"tau_a": 100.0}, 4).metrics != a.metrics


def test_store_recall_trials_cue_store_first_and_recall_last():
    x, mask, labels = store_recall(np.random.default_rng(0), 64, delay=60, symbol_ms=20, group=10,
                                   rate=200.0, background=0.0)
    assert x.shape == (80, 64, 40) and mask[-20:].all() and not mask[:-20].any()
    assert x[:20, :, 20:30].mean() > 0.1 and x[20:, :, 20:30].sum() == 0      # STORE only first
    assert x[-20:, :, 30:].mean() > 0.1 and x[:-20, :, 30:].sum() == 0        # RECALL only last
    shown_one = x[:20, :, 10:20].sum(axis=(0, 2)) > x[:20, :, :10].sum(axis=(0, 2))
    np.testing.assert_array_equal(shown_one, labels == 1)


_DEFAULT_RUNS: dict[tuple[float, int], object] = {}


def _errors(tau_a, seeds, key="recall_error"):
    """``key`` of the default network's runs with adaptation ``tau_a`` over ``seeds``, each run once per module
    (two tests read the same runs: their recall errors and their firing rates)."""
    for seed in seeds:
        if (tau_a, seed) not in _DEFAULT_RUNS:
            _DEFAULT_RUNS[tau_a, seed] = LSNN().run({"tau_a": tau_a}, seed)
    results = [_DEFAULT_RUNS[tau_a, seed] for seed in seeds]
    return np.array([r.objectives[key] if key in r.objectives else r.metrics[key] for r in results])


def _upper(values, z=3.0):
    return values.mean() + z * values.std(ddof=1) / np.sqrt(len(values))


def _lower(values, z=3.0):
    return values.mean() - z * values.std(ddof=1) / np.sqrt(len(values))


def test_adaptation_slower_than_the_delay_is_needed_to_recall_over_several_seeds():
    """tau_a << delay stays near chance, tau_a >= delay learns: means over 6 seeds, three standard errors."""
    seeds = range(20, 26)  # LSNN(): delay 100 ms, tau_m 10 ms, 80 BPTT steps
    short, long = _errors(10.0, seeds), _errors(150.0, seeds)
    assert _lower(short) > 0.35
    assert _upper(long) < 0.2
    assert (short - long).min() > 0.15  # on every seed, not only on average


#: The regularized settings of benchmarks/lsnn_delay_study.py (rate towards 10 Hz, beta = tau_a / 3).
REGULARIZED = {"rate_reg": 10.0, "rate_target": 10.0, "input_scale": 1.5, "training_steps": 120,
               "learning_rate": 0.02}


def _regularized(delay: int, tau_a: float, seed: int) -> tuple[float, float]:
    """Recall error and firing rate of a regularized network with adaptation ``tau_a`` over ``delay`` ms."""
    result = LSNN(delay=delay, beta=tau_a / 3, **REGULARIZED).run({"tau_a": tau_a}, seed)
    return result.objectives["recall_error"], result.metrics["firing_rate"]


def test_the_adaptation_needed_to_recall_grows_with_the_delay_at_a_realistic_firing_rate():
    """tau_a = 100 ms recalls worse over 200 ms than over 100 ms; 200 ms recalls over 200 ms (4 seeds, 3 SE)."""
    seeds = range(30, 34)
    cases = ((100, 100.0), (200, 100.0), (200, 200.0))  # (delay, tau_a)
    found = np.array(on_two_cores(_regularized, [(delay, tau_a, seed) for delay, tau_a in cases for seed in seeds]))
    (short_delay, short_rates), (long_delay, _), (longer_tau, long_rates) = (
        found[k * len(seeds):(k + 1) * len(seeds)].T for k in range(len(cases)))  # per case: errors, rates
    assert _lower(long_delay - short_delay) > 0.1
    assert _lower(long_delay - longer_tau) > 0.1 and _upper(longer_tau) < 0.1
    # the regularizer keeps networks that recall near 10 Hz (unregularized ones fire at 60 to 150 Hz)
    assert 5.0 < _lower(long_rates) and _upper(long_rates) < 25.0 and _upper(short_rates) < 25.0


def test_unregularized_networks_fire_far_above_cortical_rates():
    rates = _errors(150.0, range(20, 26), key="firing_rate")  # the recall test's networks that learn
    assert _lower(rates) > 50.0


def test_parameters_missing_from_the_space_take_the_option_of_the_same_name():
    lsnn = LSNN(**TINY, beta=7.0)
    assert lsnn.model({"tau_a": 30.0}) == {"tau_a": 30.0, "beta": 7.0, "thr": 1.0,
                                           "learning_rate": 0.01, "tau_m": 10.0}


@pytest.mark.parametrize("options, words", [
    ({"n_alif": 0}, ["n_alif", "0", ">= 1"]),
    ({"tau_a": 0.0}, ["tau_a", "0.0", "> 0"]),
    ({"beta": -1.0}, ["beta", "-1.0", ">= 0"]),
    ({"delay": 10, "symbol_ms": 20}, ["delay", "10", ">= symbol_ms"]),
    ({"final_lr_fraction": 2.0}, ["final_lr_fraction", "2.0", "(0, 1]"]),
    ({"learning_rule": "hebb"}, ["learning_rule", "hebb", "bptt", "eprop"]),
])
def test_invalid_options_are_refused_with_the_option_value_and_rule(options, words):
    with pytest.raises(ConfigError) as err:
        SIMULATORS.create("lsnn", options)
    assert all(w in str(err.value) for w in words)


def test_unknown_parameters_are_refused():
    with pytest.raises(ConfigError, match="unknown parameter 'tau_b'"):
        LSNN(**TINY).run({"tau_b": 1.0}, 0)


def test_the_example_config_tunes_the_adaptation_with_tpe():
    config = load_config(EXAMPLES / "lsnn_bayes.toml")
    assert config.optimizer.name == "tpe" and config.simulator.name == "lsnn"
    assert config.space.names == ["tau_a", "beta", "thr", "learning_rate"]
    SIMULATORS.create("lsnn", config.simulator.options).check_space(config.space)
