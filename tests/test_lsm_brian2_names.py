"""The LSM's Brian2 engine generates the same code in every evaluation, so the cython target compiles it once.

Brian2 names objects it is not given a name for after the objects still alive (``neurongroup``, then
``neurongroup_1`` while the previous evaluation's group is not yet collected), and the names are part of the
generated code: the second evaluation of every worker compiled the whole reservoir again (24 s). Checked on
the numpy target, which names its objects the same way and compiles nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from l2l.simulators.lsm import LiquidStateMachine

pytest.importorskip("brian2")

SMALL = {"n_exc": 16, "n_inh": 4, "n_inputs": 4, "tasks": 1, "train_examples": 2, "test_examples": 2}
GOOD = {"J_EE": 2.0, "J_EI": 3.0, "J_IE": 5.0, "J_II": 1.0}


def test_every_evaluation_names_its_brian2_objects_alike(monkeypatch):
    import brian2

    names: list[list[str]] = []
    run = brian2.Network.run

    def recording_run(self, *args, **kwargs):
        names.append(sorted(obj.name for obj in self.objects) + [self.name])
        return run(self, *args, **kwargs)

    monkeypatch.setattr(brian2.Network, "run", recording_run)
    lsm = LiquidStateMachine(**SMALL, engine="brian2")
    results = [lsm.run(GOOD, seed) for seed in (1, 1, 2)]
    assert len(names) == 3
    assert names[0] == names[1] == names[2], names
    assert results[0].objectives == results[1].objectives  # the same seed, the same evaluation
    assert np.isfinite(results[2].objectives["test_error"])
