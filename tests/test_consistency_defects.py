"""Defects a new-user trial found where two views of one run disagreed (session 18).

* ``l2l.load`` gave the compute budget the run was created with after ``l2l resume --compute`` raised it, while
  ``l2l show`` gave the raised one.
"""

from __future__ import annotations

import l2l
from l2l.summary import summary_of


def _policy_run(tmp_path, compute: int = 120):
    config = l2l.from_mapping({
        "run": {"name": "mf", "seed": 3, "compute": compute},
        "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}})
    return l2l.run(config, tmp_path / "mf.h5", progress=False)


def test_load_gives_the_compute_budget_a_resume_raised_as_show_does(tmp_path):
    path = _policy_run(tmp_path)
    assert l2l.load(path).attrs["fidelity"]["compute"] == 120
    l2l.resume(path, compute=200, progress=False)
    assert summary_of(path).compute[1] == 200  # what l2l show gives
    assert l2l.load(path).attrs["fidelity"]["compute"] == 200
    assert l2l.load(path, segments=True).attrs["fidelity"]["compute"] == 200
    with l2l.Trajectory(path) as trajectory:  # the metadata written when the run was created is kept
        assert trajectory.run["fidelity"]["compute"] == 120
