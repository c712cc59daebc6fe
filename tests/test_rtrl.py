"""Exact sparse RTRL for event-based GRUs, and the ``egru`` simulator."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS
from l2l.simulators.rtrl import Cell, bptt, init_params, pruning_mask, rtrl
from l2l.simulators.rtrl import macs as cost
from l2l.simulators.rtrl.bptt import run_forward
from l2l.simulators.rtrl.readout import init_readout
from l2l.simulators.rtrl.rtrl import RTRL
from l2l.simulators.rtrl.tasks import DelayedCopy, Spiral
from l2l.space import Space

# events, thresholds (centre, half-spread), pseudo-derivative width, weight density,
# lowest and highest activity sparsity (fraction of silent units) expected
SPARSITY_LEVELS = {
    "gru-dense": (False, (0.0, 0.0), 1.0, 1.0, 0.0, 0.0),
    "gru-pruned": (False, (0.0, 0.0), 1.0, 0.2, 0.0, 0.0),
    "egru-all-active": (True, (0.0, 0.05), 2.0, 1.0, 0.0, 0.0),
    "egru-medium": (True, (0.3, 0.05), 0.3, 0.5, 0.2, 0.9),
    "egru-very-sparse": (True, (0.8, 0.5), 0.1, 0.1, 0.85, 0.99),
}


def random_problem(events, thresholds, epsilon, density, seed, units=10, inputs=3, length=30):
    rng = np.random.default_rng(seed)
    cell = Cell(inputs, units, events=events, gamma=0.8, epsilon=epsilon)
    mask = pruning_mask(cell, density, rng)
    threshold, spread = thresholds
    params = init_params(cell, rng, threshold, mask)
    cell.views(params).b[...] = rng.normal(0, 0.5, (3, units))
    if events:
        params[cell.threshold_slice()] = threshold + rng.uniform(-spread, spread, units)
    readout = init_readout(units, 3, rng)
    sequence = 2.0 * rng.normal(size=(length, inputs))
    targets = rng.integers(-1, 3, length)
    return cell, mask, params, readout, sequence, targets


def relative_error(value, reference):
    return np.linalg.norm(value - reference) / np.linalg.norm(reference)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("level", list(SPARSITY_LEVELS))
def test_sparse_and_dense_rtrl_gradients_equal_bptt_at_every_sparsity_level(level, seed):
    events, threshold, epsilon, density, lowest, highest = SPARSITY_LEVELS[level]
    cell, mask, params, readout, sequence, targets = random_problem(
        events, threshold, epsilon, density, seed)
    reference = bptt(cell, params, readout, sequence, targets)
    dense = rtrl(cell, params, readout, sequence, targets, mask, sparse=False)
    sparse = rtrl(cell, params, readout, sequence, targets, mask, sparse=True)
    sparsity = 1.0 - reference.active_total / (reference.steps * cell.n_units)
    assert lowest <= sparsity <= highest
    assert np.linalg.norm(reference.grad) > 0
    assert relative_error(dense.grad, reference.grad) < 1e-10
    assert relative_error(sparse.grad, reference.grad * mask) < 1e-10
    assert relative_error(sparse.grad_readout, reference.grad_readout) < 1e-10
    assert sparse.loss == pytest.approx(reference.loss, rel=1e-12)


def test_bptt_matches_finite_differences_for_the_smooth_gru():
    cell, mask, params, readout, sequence, targets = random_problem(False, (0.0, 0.0), 1.0, 0.7, 5)
    gradient = bptt(cell, params, readout, sequence, targets).grad
    probe = np.flatnonzero(mask)[::17]
    step, numeric = 1e-6, []
    for index in probe:
        shifted = params.copy()
        shifted[index] += step
        up = bptt(cell, shifted, readout, sequence, targets).loss
        shifted[index] -= 2 * step
        down = bptt(cell, shifted, readout, sequence, targets).loss
        numeric.append((up - down) / (2 * step))
    assert relative_error(gradient[probe], np.array(numeric)) < 1e-6


def _surrogate_loss(cell, params, readout, inputs, targets, base, base_theta, penalty, budget=1):
    """The EGRU written out afresh, with each event replaced by its straight-through surrogate
    ``o = o_base + psi_base * ((a - theta) - (a_base - theta_base))``: the same forward values at the base
    parameters, and a smooth function whose exact derivative is what the pseudo-derivative rule claims.
    The activity penalty charges ``penalty * y`` for the events beyond the first ``budget`` of each unit
    (counted in the base run: the count is a constant of the rule)."""
    n, d = cell.n_units, cell.n_inputs
    W = params[:3 * n * d].reshape(3, n, d)
    V = params[3 * n * d:3 * n * (d + n)].reshape(3, n, n)
    b = params[3 * n * (d + n):3 * n * (d + n) + 3 * n].reshape(3, n)
    theta = params[cell.threshold_slice()]
    w_out, b_out = readout[:-3].reshape(3, n), readout[-3:]
    c, y, loss = np.zeros(n), np.zeros(n), 0.0
    over_budget = np.cumsum([step.o for step in base], axis=0) > budget
    for x, target, step, excess in zip(inputs, targets, base, over_budget):
        u = 1 / (1 + np.exp(-(W[0] @ x + V[0] @ y + b[0])))
        r = 1 / (1 + np.exp(-(W[1] @ x + V[1] @ y + b[1])))
        z = np.tanh(W[2] @ x + r * (V[2] @ y) + b[2])
        a = u * z + (1 - u) * c
        o = step.o + step.psi * ((a - theta) - (step.a - base_theta))
        y, c = o * a, a - o * theta
        loss += penalty * (y * excess).sum()
        if target >= 0:
            scores = w_out @ y + b_out
            loss += np.log(np.exp(scores - scores.max()).sum()) + scores.max() - scores[target]
    return loss


@pytest.mark.parametrize("penalty", [0.0, 0.3])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_egru_pseudo_gradients_match_finite_differences_of_the_straight_through_surrogate(seed, penalty):
    # every parameter, thresholds included, of a small EGRU with units crossing and nearing threshold
    cell, mask, params, readout, sequence, targets = random_problem(True, (0.15, 0.1), 0.6, 1.0, seed,
                                                                    units=5, inputs=3, length=14)
    base = run_forward(cell, params, sequence)
    events = np.array([step.o for step in base])
    near = np.array([step.psi for step in base]) > 0
    assert 0.1 < events.mean() < 0.9 and 0.1 < near.mean() < 0.9      # both regimes are exercised
    reference = bptt(cell, params, readout, sequence, targets, activity_penalty=penalty, event_budget=1)
    online = rtrl(cell, params, readout, sequence, targets, sparse=True, activity_penalty=penalty,
                  event_budget=1)
    base_theta = params[cell.threshold_slice()].copy()
    loss = _surrogate_loss(cell, params, readout, sequence, targets, base, base_theta, penalty)
    assert loss == pytest.approx(reference.loss, rel=1e-12)
    step, numeric = 1e-6, np.zeros(cell.n_params)
    for index in range(cell.n_params):
        shifted = params.copy()
        shifted[index] += step
        up = _surrogate_loss(cell, shifted, readout, sequence, targets, base, base_theta, penalty)
        shifted[index] -= 2 * step
        down = _surrogate_loss(cell, shifted, readout, sequence, targets, base, base_theta, penalty)
        numeric[index] = (up - down) / (2 * step)
    thresholds = cell.threshold_slice()
    assert np.abs(numeric[thresholds]).min() > 0          # every threshold matters here
    assert relative_error(reference.grad, numeric) < 1e-6
    assert relative_error(reference.grad[thresholds], numeric[thresholds]) < 1e-6
    assert relative_error(online.grad, numeric) < 1e-6


@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("penalty", [0.0, 0.2])
@pytest.mark.parametrize("level", ["gru-pruned", "egru-all-active", "egru-medium", "egru-very-sparse"])
def test_macs_counted_by_the_kernels_equal_the_cost_model_of_the_active_units(level, penalty, sparse):
    # the kernels count what they multiply; the model gets the active units from an independent forward
    # pass (BPTT's), so a rule that propagates rows or columns it should skip counts too much and fails
    events, threshold, epsilon, density, _, _ = SPARSITY_LEVELS[level]
    cell, mask, params, readout, sequence, targets = random_problem(
        events, threshold, epsilon, density, 3)
    learner = RTRL(cell, params, readout, mask, sparse=sparse, activity_penalty=penalty, event_budget=2)
    for x, target in zip(sequence, targets):
        learner.step(x, int(target))
    reference = bptt(cell, params, readout, sequence, targets, activity_penalty=penalty, event_budget=2)
    columns, immediate = cost.kept_columns(cell.n_units, cell.n_inputs, density if sparse else 1.0,
                                           events)
    assert (columns, immediate) == (learner.n_columns, learner.n_immediate)
    assert learner.rescaled_rows == 0
    result = learner.result()                # completes the deferred rows of sparse RTRL
    expected = cost.rtrl_sequence_macs(cell.n_units, columns, immediate, reference.active,
                                       targets, sparse, penalized=bool(penalty) and events)
    assert learner.macs == result.macs == expected
    assert relative_error(result.grad, reference.grad * (mask if sparse else 1)) < 1e-10
    assert reference.macs == len(sequence) * cost.bptt_step_macs(cell.n_units, cell.n_inputs)


def test_sparse_rtrl_stays_exact_when_decaying_rows_are_folded_back_and_counts_the_folding():
    # an update gate stuck open (b_u = 12) decays every row by ~6e-6 per step: the row scales leave the
    # safe range after ~20 steps and are folded back into the stored matrix
    cell, mask, params, readout, _, _ = random_problem(True, (0.3, 0.05), 0.3, 0.5, 6)
    cell.views(params).b[0] = 12.0
    rng = np.random.default_rng(0)
    sequence, targets = rng.normal(size=(90, cell.n_inputs)), rng.integers(-1, 3, 90)
    learner = RTRL(cell, params, readout, mask, sparse=True)
    for x, target in zip(sequence, targets):
        learner.step(x, int(target))
    reference = bptt(cell, params, readout, sequence, targets)
    assert learner.rescaled_rows >= cell.n_units
    result = learner.result()
    assert relative_error(result.grad, reference.grad * mask) < 1e-10
    columns, immediate = learner.n_columns, learner.n_immediate
    assert learner.macs == cost.rtrl_sequence_macs(cell.n_units, columns, immediate, reference.active,
                                                   targets, True, rescaled_rows=learner.rescaled_rows)


def test_silent_units_and_pruned_weights_cut_the_measured_macs():
    dense_run = rtrl(*_args("egru-all-active"), sparse=False)
    sparse_run = rtrl(*_args("egru-very-sparse"), sparse=True)
    assert sparse_run.macs * 20 < dense_run.macs


def _args(level):
    events, threshold, epsilon, density, _, _ = SPARSITY_LEVELS[level]
    cell, mask, params, readout, sequence, targets = random_problem(
        events, threshold, epsilon, density, 4)
    return cell, params, readout, sequence, targets, mask


def _peak_bytes(function) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_rtrl_memory_does_not_grow_with_sequence_length_but_bptt_memory_does():
    cell, mask, params, readout, _, _ = random_problem(True, (0.3, 0.05), 0.3, 0.5, 6)
    rng = np.random.default_rng(0)
    short, long = (rng.normal(size=(length, cell.n_inputs)) for length in (50, 800))
    targets_short, targets_long = np.zeros(50, int), np.zeros(800, int)
    rtrl_short = _peak_bytes(lambda: rtrl(cell, params, readout, short, targets_short, mask))
    rtrl_long = _peak_bytes(lambda: rtrl(cell, params, readout, long, targets_long, mask))
    bptt_short = _peak_bytes(lambda: bptt(cell, params, readout, short, targets_short))
    bptt_long = _peak_bytes(lambda: bptt(cell, params, readout, long, targets_long))
    assert rtrl_long < 1.2 * rtrl_short
    assert bptt_long > 8 * bptt_short


def test_tasks_are_reproducible_from_the_seed_and_score_the_right_steps():
    for task in (DelayedCopy(symbols=5, length=2, delay=3), Spiral(length=7)):
        first = task.sample(np.random.default_rng(9), 6)
        again = task.sample(np.random.default_rng(9), 6)
        assert all(np.array_equal(a, b) for a, b in zip(first, again))
        inputs, targets = first
        assert inputs.shape == (6, task.duration, task.n_inputs)
        assert targets.max() < task.n_classes
    inputs, targets = DelayedCopy(symbols=5, length=2, delay=3).sample(np.random.default_rng(1), 4)
    shown = inputs[:, :2, :5].argmax(axis=-1)
    assert np.array_equal(targets[:, -2:], shown)
    assert np.all(targets[:, :-2] == -1)


SMALL = {"trials": 16, "batch_size": 4, "test_trials": 16, "units": 8}


def test_the_simulator_gives_identical_results_for_the_same_params_and_seed():
    simulator = SIMULATORS.create("egru", SMALL)
    params = {"theta_init": 0.3, "learning_rate": 0.05, "density": 0.5}
    first, again = simulator.run(params, 11), simulator.run(params, 11)
    other = simulator.run(params, 12)
    assert first.objectives == again.objectives and first.metrics == again.metrics
    assert np.array_equal(first.traces["learning_curve"], again.traces["learning_curve"])
    assert first.metrics != other.metrics
    assert set(first.objectives) == {"test_error", "accuracy", "test_loss", "macs_per_step"}
    assert 0.0 <= first.metrics["activity_sparsity"] <= 1.0
    assert first.metrics["parameter_density"] == pytest.approx(0.5, abs=0.01)


def test_parameters_missing_from_params_take_the_option_values():
    simulator = SIMULATORS.create("egru", {**SMALL, "theta_init": 0.4, "density": 0.6})
    assert simulator.run({}, 3).metrics == simulator.run({"theta_init": 0.4, "density": 0.6}, 3).metrics
    assert simulator.run({}, 3).metrics != simulator.run({"theta_init": 0.1}, 3).metrics


@pytest.mark.parametrize("options, words", [
    ({"units": 0}, ["'units'", "0", ">= 1"]),
    ({"density": 0.0}, ["'density'", "0.0", "(0, 1]"]),
    ({"density": 1.5}, ["'density'", "1.5"]),
    ({"learning_rate": -0.1}, ["'learning_rate'", "-0.1", "> 0"]),
    ({"task": "maze"}, ["'task'", "maze", "spiral"]),
    ({"model": "lstm"}, ["'model'", "lstm"]),
    ({"epsilon": 0.0}, ["'epsilon'", "> 0"]),
    ({"hidden": 3}, ["unknown option", "'hidden'"]),
])
def test_invalid_options_are_refused_naming_option_value_and_rule(options, words):
    with pytest.raises(ConfigError) as error:
        SIMULATORS.create("egru", options)
    assert all(word in str(error.value) for word in words)


def test_unknown_or_invalid_parameters_are_refused():
    simulator = SIMULATORS.create("egru", SMALL)
    with pytest.raises(ConfigError, match="'tau'"):
        simulator.run({"tau": 1.0}, 0)
    with pytest.raises(ConfigError, match="'density'.*1.7"):
        simulator.run({"density": 1.7}, 0)
    with pytest.raises(ConfigError, match="explorable"):
        simulator.check_space(Space.from_json({"tau": {"type": "float", "low": 0, "high": 1}}))
    simulator.check_space(Space.from_json({"theta_init": {"type": "float", "low": 0, "high": 1}}))


@pytest.mark.parametrize("depth", [1, 4, 1000])
@pytest.mark.parametrize("level", ["egru-medium", "egru-very-sparse", "gru-pruned"])
def test_the_deferred_sparse_influence_matrix_equals_the_dense_one_at_every_step(level, depth):
    events, threshold, epsilon, density, _, _ = SPARSITY_LEVELS[level]
    cell, mask, params, readout, sequence, targets = random_problem(events, threshold, epsilon, density, 8)
    sparse = RTRL(cell, params, readout, mask, sparse=True, depth=depth)
    dense = RTRL(cell, params, readout, mask, sparse=False)
    for x, target in zip(sequence, targets):
        sparse.step(x, int(target))
        dense.step(x, int(target))
        reference = dense.influence_matrix()[:, mask]
        assert np.allclose(sparse.influence_matrix(), reference, rtol=1e-10, atol=1e-12 * np.abs(reference).max())


def bursty_problem(seed, density, units=12, inputs=3, length=60):
    """An EGRU driven by bursts of input (steps 3-4, 30-32, 52) and silence in between: units stay silent
    (no event, zero pseudo-derivative) for tens of steps and then fire."""
    rng = np.random.default_rng(seed)
    cell = Cell(inputs, units, events=True, gamma=0.8, epsilon=0.1)
    mask = pruning_mask(cell, density, rng)
    params = init_params(cell, rng, 0.0, mask)
    params[cell.threshold_slice()] = rng.uniform(0.1, 0.35, units)
    readout = init_readout(units, 3, rng)
    loud = np.isin(np.arange(length), [3, 4, 30, 31, 32, 52])
    sequence = np.where(loud[:, None], 4.0 * rng.normal(size=(length, inputs)), 0.0)
    return cell, mask, params, readout, sequence, rng.integers(-1, 3, length)


def longest_silence_ended_by_firing(cell, params, sequence) -> int:
    active = np.zeros((len(sequence), cell.n_units), dtype=bool)
    for t, step in enumerate(run_forward(cell, params, sequence)):
        active[t, step.active] = True
    gaps = [np.diff(np.flatnonzero(column)) - 1 for column in active.T]
    return int(max((gap.max() for gap in gaps if gap.size), default=0))


@pytest.mark.parametrize("penalty", [0.0, 0.3])
@pytest.mark.parametrize("density", [1.0, 0.5])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_lazy_sparse_rtrl_equals_dense_rtrl_when_rows_stay_silent_for_many_steps_and_then_fire(seed, density,
                                                                                                 penalty):
    # sparse RTRL never touches a silent unit's row: its decay waits in the row's scale, its share of the
    # propagation arrives in place (depth 1) or when the row is read (deeper stacks); unpruned networks take
    # the kept-apart path of the immediate influence, pruned ones the indexed path
    cell, mask, params, readout, sequence, targets = bursty_problem(seed, density)
    assert longest_silence_ended_by_firing(cell, params, sequence) >= 15
    dense = rtrl(cell, params, readout, sequence, targets, mask, sparse=False, activity_penalty=penalty,
                 event_budget=1)
    reference = bptt(cell, params, readout, sequence, targets, activity_penalty=penalty, event_budget=1)
    assert 1.0 - reference.active_total / (reference.steps * cell.n_units) > 0.8
    assert relative_error(dense.grad, reference.grad) < 1e-10
    for depth in (1, 3, 1000):
        learner = RTRL(cell, params, readout, mask, sparse=True, activity_penalty=penalty, event_budget=1,
                       depth=depth)
        for x, target in zip(sequence, targets):
            learner.step(x, int(target))
        sparse = learner.result()
        assert relative_error(sparse.grad, dense.grad * mask) < 1e-10
        assert relative_error(sparse.grad_readout, dense.grad_readout) < 1e-10
        assert sparse.loss == pytest.approx(dense.loss, rel=1e-12)
        assert sparse.macs == cost.rtrl_sequence_macs(cell.n_units, learner.n_columns, learner.n_immediate,
                                                      reference.active, targets, True, penalized=bool(penalty))


@pytest.mark.parametrize("blas", [True, False])
def test_sparse_rtrl_is_exact_with_the_in_place_blas_product_and_with_numpy_alone(monkeypatch, blas):
    from l2l.simulators.rtrl import kernels

    assert kernels._dgemm is not None              # SciPy comes with l2l[datasets], which the tests install
    if not blas:
        monkeypatch.setattr(kernels, "_dgemm", None)
    rng = np.random.default_rng(5)
    target, left, right = rng.normal(size=(7, 50)), rng.normal(size=(7, 3)), rng.normal(size=(3, 50))
    expected = target + left @ right
    kernels.accumulate(target, left, right)
    np.testing.assert_allclose(target, expected, rtol=1e-13, atol=1e-13)
    cell, mask, params, readout, sequence, targets = bursty_problem(7, 1.0)
    reference = bptt(cell, params, readout, sequence, targets)
    assert relative_error(rtrl(cell, params, readout, sequence, targets, mask).grad, reference.grad) < 1e-10


@pytest.mark.parametrize("sparse, depth", [(True, 4), (True, 1000), (False, 4)])
@pytest.mark.parametrize("case", ["bursty-unpruned", "bursty-pruned-penalty", "folded", "folded-unpruned",
                                  "gru-pruned"])
def test_a_window_of_pending_steps_gives_the_same_bits_as_one_step_at_a_time(case, sparse, depth):
    # the element-wise bookkeeping of several steps is done at once (window > 1): every number must be the
    # one the step-by-step rule (window 1) computes, including rows folded back and the deferred reads
    if case.startswith("folded"):
        cell, mask, params, readout, _, _ = random_problem(True, (0.3, 0.05), 0.3, 0.5 if case == "folded" else 1.0, 6)
        cell.views(params).b[0] = 12.0
        rng = np.random.default_rng(0)
        sequence, targets = rng.normal(size=(90, cell.n_inputs)), rng.integers(-1, 3, 90)
    elif case == "gru-pruned":
        events, threshold, epsilon, density, _, _ = SPARSITY_LEVELS[case]
        cell, mask, params, readout, sequence, targets = random_problem(events, threshold, epsilon, density, 9)
    else:
        cell, mask, params, readout, sequence, targets = bursty_problem(1, 0.5 if "pruned" in case else 1.0)
    penalty = 0.3 if "penalty" in case else 0.0
    results = []
    for window in (1, 3, 16, 1000):
        learner = RTRL(cell, params, readout, mask, sparse=sparse, activity_penalty=penalty, event_budget=1,
                       window=window, record=True, depth=depth)
        for x, target in zip(sequence, targets):
            learner.step(x, int(target))
        results.append((learner.result(), learner.rescaled_rows))
    (first, rescaled), reference = results[0], bptt(cell, params, readout, sequence, targets,
                                                    activity_penalty=penalty, event_budget=1)
    assert relative_error(first.grad, reference.grad * (mask if sparse else 1)) < 1e-10
    assert (rescaled > 0) == (case.startswith("folded") and sparse)
    for other, other_rescaled in results[1:]:
        assert np.array_equal(other.grad, first.grad) and np.array_equal(other.grad_readout, first.grad_readout)
        assert (other.loss, other.macs, other.active, other.hits, other_rescaled) == \
            (first.loss, first.macs, first.active, first.hits, rescaled)


@pytest.mark.parametrize("level", ["gru-pruned", "egru-medium", "egru-very-sparse"])
def test_the_window_recorder_runs_the_forward_pass_of_the_cell_bit_for_bit(level):
    from l2l.simulators.rtrl.window import Recorder

    events, threshold, epsilon, density, _, _ = SPARSITY_LEVELS[level]
    cell, _, params, _, sequence, _ = random_problem(events, threshold, epsilon, density, 11)
    recorder, weights = Recorder(cell, len(sequence)), cell.views(params)
    c, y = np.zeros(cell.n_units), np.zeros(cell.n_units)
    for x in sequence:
        recorder.forward(weights, x, c, y, -1)
        c, y = recorder.state()
    recorded = recorder.steps(weights)
    for t, step in enumerate(run_forward(cell, params, sequence)):
        for name in ("x", "c_prev", "y_prev", "u", "r", "z", "s", "a", "o", "psi", "y", "c"):
            assert np.array_equal(getattr(recorded, name)[t], getattr(step, name)), (t, name)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dense_jacobians_formed_without_a_gather_equal_the_gathered_columns_and_count_the_same_macs(seed):
    # dense RTRL forms every step's n x n Jacobian from V directly (no gather of V's columns); it must give
    # the numbers and the MAC count of the gathering kernel that sparse RTRL uses for its active columns
    from l2l.simulators.rtrl.kernels import Counter

    rng = np.random.default_rng(seed)
    steps, n = 5, 7
    coefficients, matrices = rng.normal(size=(3, steps, n)), rng.normal(size=(3, n, n))
    direct, gathering = Counter(), Counter()
    fast = direct.diagonal_combinations(coefficients, matrices)
    columns = np.tile(np.arange(n), steps)
    per_column = coefficients[:, np.repeat(np.arange(steps), n)].transpose(0, 2, 1)
    reference = gathering.columns_combination(per_column, matrices, columns)
    assert fast.shape == reference.shape == (n, steps * n)
    assert np.array_equal(fast, reference)
    assert direct.macs == gathering.macs == 3 * n * steps * n
    for t in range(steps):           # step t's block is sum_g diag(coefficients[g, t]) V_g
        expected = sum(coefficients[g, t][:, None] * matrices[g] for g in range(3))
        np.testing.assert_allclose(fast[:, t * n:(t + 1) * n], expected, rtol=1e-14, atol=1e-14)
