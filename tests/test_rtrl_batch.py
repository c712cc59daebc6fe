"""RTRL over a batch of sequences (``BatchRTRL``), and learners reused from one sequence to the next."""

from __future__ import annotations

import numpy as np
import pytest

from l2l.simulators.rtrl import bptt
from l2l.simulators.rtrl.batch import BatchRTRL, rtrl_batch
from l2l.simulators.rtrl.rtrl import RTRL

from test_rtrl import SPARSITY_LEVELS, bursty_problem, random_problem

CASES = ["egru-medium", "egru-very-sparse", "gru-pruned", "bursty-unpruned", "bursty-pruned-penalty",
         "cue-unpruned-penalty", "folded", "folded-unpruned"]


def batch_problem(case: str, seed: int, size: int = 4):
    """A network and ``size`` sequences of one length for it (inputs (size, T, d), targets (size, T)),
    and the activity penalty of the case."""
    rng = np.random.default_rng(100 + seed)
    if case.startswith("folded"):        # an update gate stuck open: row scales leave the safe range
        cell, mask, params, readout, _, _ = random_problem(True, (0.3, 0.05), 0.3,
                                                           0.5 if case == "folded" else 1.0, 6 + seed)
        cell.views(params).b[0] = 12.0
        inputs = rng.normal(size=(size, 90, cell.n_inputs))
        targets = rng.integers(-1, 3, (size, 90))
    elif case.startswith("bursty") or case.startswith("cue"):
        cell, mask, params, readout, _, _ = bursty_problem(seed, 1.0 if "unpruned" in case else 0.5)
        length = 60
        loud = rng.random((size, length, 1)) < 0.1
        inputs = np.where(loud, 4.0 * rng.normal(size=(size, length, cell.n_inputs)), 0.0)
        if case.startswith("cue"):       # as the digits: one scored step at the end
            targets = np.full((size, length), -1)
            targets[:, -1] = rng.integers(0, 3, size)
        else:
            targets = rng.integers(-1, 3, (size, length))
    else:
        events, threshold, epsilon, density, _, _ = SPARSITY_LEVELS[case]
        cell, mask, params, readout, _, _ = random_problem(events, threshold, epsilon, density, seed)
        inputs = 2.0 * rng.normal(size=(size, 30, cell.n_inputs))
        targets = rng.integers(-1, 3, (size, 30))
    penalty = 0.3 if "penalty" in case else 0.0
    return cell, mask, params, readout, inputs, targets, penalty


def one_sequence(cell, params, readout, mask, sparse, penalty, sequence, labels, learner=None, depth=4):
    if learner is None:
        learner = RTRL(cell, params, readout, mask, sparse=sparse, activity_penalty=penalty, event_budget=1,
                       record=True, depth=depth)
    learner.reset()
    for x, target in zip(sequence, labels):
        learner.step(x, int(target))
    return learner.result()


def largest_relative_difference(value, reference):
    return float(np.abs(value - reference).max() / np.abs(reference).max())


@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("case", CASES)
def test_a_batch_gives_every_sequence_the_gradients_and_macs_of_the_one_sequence_rule(case, seed, sparse):
    cell, mask, params, readout, inputs, targets, penalty = batch_problem(case, seed)
    batch = rtrl_batch(cell, params, readout, inputs, targets, mask, sparse=sparse, record=True,
                       activity_penalty=penalty, event_budget=1)
    assert len(batch) == len(inputs)
    for result, sequence, labels in zip(batch, inputs, targets):
        single = one_sequence(cell, params, readout, mask, sparse, penalty, sequence, labels)
        assert largest_relative_difference(result.grad, single.grad) < 1e-12
        assert largest_relative_difference(result.grad_readout, single.grad_readout) < 1e-12
        assert result.loss == pytest.approx(single.loss, rel=1e-12, abs=0.0)
        assert (result.macs, result.forward_macs, result.active, result.active_total) == \
            (single.macs, single.forward_macs, single.active, single.active_total)
        assert (result.steps, result.hits, result.scored) == (single.steps, single.hits, single.scored)
        reference = bptt(cell, params, readout, sequence, labels, activity_penalty=penalty, event_budget=1)
        kept = mask if sparse else 1
        assert np.linalg.norm(result.grad - reference.grad * kept) < 1e-10 * np.linalg.norm(reference.grad)


def test_a_batch_learner_runs_batches_of_different_sizes_and_lengths_one_after_the_other():
    cell, mask, params, readout, inputs, targets, penalty = batch_problem("bursty-pruned-penalty", 3, size=5)
    learner = BatchRTRL(cell, params, readout, mask, sparse=True, activity_penalty=penalty, event_budget=1)
    for size, length in ((5, 60), (2, 60), (3, 25), (5, 60)):
        results = learner.run(inputs[:size, :length], targets[:size, :length])
        for result, sequence, labels in zip(results, inputs[:size, :length], targets[:size, :length]):
            single = one_sequence(cell, params, readout, mask, True, penalty, sequence, labels)
            assert largest_relative_difference(result.grad, single.grad) < 1e-12
            assert result.macs == single.macs


@pytest.mark.parametrize("sparse, depth", [(True, 1), (True, 4), (True, 1000), (False, 4)])
@pytest.mark.parametrize("case", ["bursty-unpruned", "bursty-pruned-penalty", "folded", "folded-unpruned",
                                  "gru-pruned"])
def test_a_learner_reset_for_a_new_sequence_gives_the_bits_of_a_fresh_learner(case, sparse, depth):
    # a reset no longer zeroes the influence matrix (the first product to all rows overwrites it): a learner
    # reused after other sequences, whose matrix holds their numbers, must give exactly a fresh learner's
    cell, mask, params, readout, inputs, targets, penalty = batch_problem(case, 0, size=3)
    reused = RTRL(cell, params, readout, mask, sparse=sparse, activity_penalty=penalty, event_budget=1,
                  record=True, depth=depth)
    for sequence, labels in zip(inputs, targets):
        again = one_sequence(cell, params, readout, mask, sparse, penalty, sequence, labels, learner=reused)
        fresh = one_sequence(cell, params, readout, mask, sparse, penalty, sequence, labels, depth=depth)
        assert np.array_equal(again.grad, fresh.grad) and np.array_equal(again.grad_readout, fresh.grad_readout)
        assert (again.loss, again.macs, again.active) == (fresh.loss, fresh.macs, fresh.active)
    reused.reset()
    assert not reused.influence_matrix().any()          # a reset learner's influence is zero when read
    fresh = RTRL(cell, params, readout, mask, sparse=sparse, depth=depth)
    for x, target in zip(inputs[0, :7], targets[0, :7]):
        reused.step(x, int(target))
        fresh.step(x, int(target))
        assert np.array_equal(reused.influence_matrix(), fresh.influence_matrix())
