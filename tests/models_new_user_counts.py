"""A training function for tests/test_new_user_figures.py: a PBT member's loss that commits the run once and is
then stopped by Ctrl-C (a KeyboardInterrupt raised in the serial backend's process), so that the last commit's
state knows fewer trials than the stop event names as continuable."""

from __future__ import annotations

import l2l.driver
from l2l.simulators import SimulationResult

#: Calls so far in this process; the test sets it back to 0.
CALLS = {"n": 0}
#: The call after whose result the run commits (the loop commits when FLUSH_SECONDS have passed: 0 then, 1e9 else).
COMMIT_AT = 3
#: The call that raises KeyboardInterrupt: its trial, and any started after the commit, hold no row.
STOP_AT = 7


def train(params, seed, budget, checkpoint=None):
    CALLS["n"] += 1
    l2l.driver.FLUSH_SECONDS = 0 if CALLS["n"] == COMMIT_AT else 1e9
    if CALLS["n"] == STOP_AT:
        raise KeyboardInterrupt
    return SimulationResult(objectives={"loss": (float(params["x"]) - 1.0) ** 2 + 1.0 / budget},
                            checkpoint={"epoch": budget})
