"""Continuing a network simulator from a checkpoint of another network (session 46).

A checkpoint (``l2l.checkpoint(FILE)``) given to ``run_to`` of a simulator whose network has another size (the user
changed ``n_alif``, ``input_group``, ``n_exc``) or other tasks (``kinds``). Before: lsnn failed with numpy's
"operands could not be broadcast together with shapes (16,30) (40,) (16,30)"; lsm continued silently, scoring the
checkpoint's 150-neuron reservoir under the 130-neuron network's name (test error 0.5, no word); egru called
it "incomplete or damaged". Now: one
ValueError naming the checkpoint's and the network's sizes. And lsm continued from a checkpoint at the budget asked
scores it there (before: "a budget of 8 example is too small; the readout needs 2").
"""

from __future__ import annotations

import pytest

from l2l.simulators import SIMULATORS

LSNN = {"training_steps": 4, "test_trials": 8, "batch_size": 4}
LSM = {"tasks": 2, "train_examples": 6, "test_examples": 4}


@pytest.mark.parametrize("options, words", [({"n_alif": 30}, r"\(40, 40\) \(40 neurons"),
                                            ({"input_group": 5}, r"\(20, 30\) \(30 neurons, 20 input channels"),
                                            ({"n_lif": 0}, r"\(40, 20\) \(20 neurons")])
def test_lsnn_refuses_a_checkpoint_of_another_network_by_its_sizes(options, words):
    checkpoint = SIMULATORS.create("lsnn", LSNN).run_to({}, 1, 2, None).checkpoint
    with pytest.raises(ValueError, match=rf"checkpoint's weights W_in has shape \(40, 30\).*{words}.*another network"):
        SIMULATORS.create("lsnn", {**LSNN, **options}).run_to({}, 1, 4, checkpoint)


def test_lsm_refuses_a_checkpoint_of_another_reservoir_or_other_task_kinds():
    checkpoint = SIMULATORS.create("lsm", LSM).run_to({}, 1, 3, None).checkpoint
    with pytest.raises(ValueError, match=r"reservoir of 150 neurons, and this one has 130 \(n_exc \+ n_inh\)"):
        SIMULATORS.create("lsm", {**LSM, "n_exc": 100}).run_to({}, 1, 6, checkpoint)
    with pytest.raises(ValueError, match=r"kinds \['pattern', 'memory'\], and this simulator's \['xor', 'xor'\]"):
        SIMULATORS.create("lsm", {**LSM, "kinds": ["xor"]}).run_to({}, 1, 6, checkpoint)


def test_lsm_continued_at_its_checkpoints_budget_scores_it_there():
    simulator = SIMULATORS.create("lsm", LSM)
    full = simulator.run_to({}, 1, 6, None)
    again = simulator.run_to({}, 1, 6, full.checkpoint)
    assert again.objectives == full.objectives
    assert again.curve["test_error"] == [[6, full.objectives["test_error"]]]


@pytest.mark.parametrize("options, words", [({"units": 8}, r"\(272,\) \(8 units"),
                                            ({"model": "gru"}, r"\(912,\) \(16 units, model 'gru'")])
def test_egru_names_a_checkpoint_of_another_network_as_such(options, words):
    # before: "the checkpoint is incomplete or damaged (weights has shape (928,), expected (272,))"
    small = {"trials": 8, "test_trials": 4, "batch_size": 4, "min_budget": 4}
    checkpoint = SIMULATORS.create("egru", small).run_to({}, 1, 4, None).checkpoint
    with pytest.raises(ValueError, match=rf"checkpoint is of another network: its weights has shape \(928,\), and "
                                         rf"this network's {words}"):
        SIMULATORS.create("egru", {**small, **options}).run_to({}, 1, 8, checkpoint)
