"""An egru checkpoint holds the last batch's training losses, not every trial's (session 46).

Before: every checkpoint held one training loss per trial so far (8 bytes a trial: 16 kB of a 50 kB checkpoint at
2048 trials, 800 kB a checkpoint at 100 000), though ``final_train_loss``, the mean over the last ``batch_size``
trials, is all that reads them; a long run under a policy keeps a checkpoint per segment. Continuing is unchanged.
"""

from __future__ import annotations

from l2l.simulators import SIMULATORS

SMALL = {"trials": 40, "test_trials": 8, "batch_size": 8, "min_budget": 3}


def test_a_checkpoint_holds_the_last_batch_of_losses_and_continues_exactly():
    simulator = SIMULATORS.create("egru", SMALL)
    for budget, held in ((3, 3), (20, 8)):
        checkpoint = simulator.run_to({}, 1, budget, None).checkpoint
        assert len(checkpoint["losses"]) == held, len(checkpoint["losses"])  # before: 3, 20
        continued = simulator.run_to({}, 1, 40, checkpoint)
        straight = simulator.run_to({}, 1, 40, None)
        assert continued.objectives == straight.objectives and continued.metrics == straight.metrics
    assert simulator.run({}, 1).metrics == straight.metrics
