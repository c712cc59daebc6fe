"""Two views of one run that disagreed (session 19; failed on commit dd84836).

* ``l2l.Trajectory(path).run["fidelity"]["compute"]`` gave the compute budget the run was created with after
  ``l2l resume FILE --compute N``, while ``l2l.load(path).attrs["fidelity"]["compute"]`` and ``l2l show`` gave N.
"""

from __future__ import annotations

import json

import h5py

import l2l
from l2l.cli import main


def _policy_run(tmp_path, compute: int = 120, max_budget: int = 81):
    config = l2l.from_mapping({
        "run": {"name": "mf", "seed": 3, "compute": compute},
        "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "simulator": {"name": "sphere", "multi_fidelity": True, "max_budget": max_budget},
        "backend": {"name": "serial"}})
    return l2l.run(config, tmp_path / "mf.h5", progress=False)


def test_trajectory_run_gives_the_compute_a_resume_raised_as_load_does(tmp_path):
    path = _policy_run(tmp_path)
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.run["fidelity"]["compute"] == 120
    assert main(["resume", str(path), "--compute", "200", "--no-progress"]) == 0
    assert l2l.load(path).attrs["fidelity"]["compute"] == 200
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.run["fidelity"]["compute"] == 200
        assert trajectory.stored_run["fidelity"]["compute"] == 120  # as the run was created
        assert {k: v for k, v in trajectory.run["fidelity"].items() if k != "compute"} == \
            {k: v for k, v in trajectory.stored_run["fidelity"].items() if k != "compute"}
    with h5py.File(path, "r") as f:  # the metadata is not rewritten
        assert json.loads(f["run"].attrs["fidelity"])["compute"] == 120
    assert main(["resume", str(path), "--compute", "260", "--no-progress"]) == 0
    with l2l.Trajectory(path) as trajectory:  # the latest resume's
        assert trajectory.run["fidelity"]["compute"] == 260 == l2l.load(path).attrs["fidelity"]["compute"]
