"""A segment that trains from scratch because the segment before it failed is not blamed on the simulator.

A failed segment leaves no checkpoint, so the next segment of that trial (PBT goes on with a failed member when no
member at its budget succeeded) started from scratch in files of an l2l before the one that continues it from the
checkpoint the failed segment started from. `l2l run` and `l2l show` counted those as restarts and said
"the simulator returned no checkpoint (a python function without a 'checkpoint' parameter, ...)", of a function
that returned a checkpoint at every segment that succeeded.
"""

from __future__ import annotations

import l2l
from l2l.summary import restart_line


def config(policy=None):
    return l2l.from_mapping({
        "run": {"name": "r", "seed": 1}, "space": {"lr": {"low": 0.01, "high": 0.3, "log": True}},
        "simulator": {"name": "python", "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 100}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "policy": policy or {"name": "pbt", "population": 4, "interval": 20}, "backend": {"name": "serial"}})


def fails_late(params, seed, budget, checkpoint=None):
    if budget > 40:
        raise RuntimeError("diverged")
    step = 0 if checkpoint is None else int(checkpoint["step"])
    curve = [[s, (1 - params["lr"]) ** s] for s in range(step + 1, int(budget) + 1)]
    return l2l.SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                                checkpoint={"step": int(budget)})


def keeps_no_checkpoint(params, seed, budget, checkpoint=None):
    return {"loss": (1 - params["lr"]) ** budget}  # takes a checkpoint, returns none: restarts every segment


def test_restarts_after_failed_segments_are_not_counted_but_those_of_a_simulator_without_checkpoints_are(tmp_path):
    path = l2l.run(config(), tmp_path / "late.h5", simulator=fails_late, progress=False)
    segments = l2l.load(path, segments=True)
    after_failure = segments[(segments["from_budget"] == 40) & (segments["budget"] > 60)]
    assert len(after_failure) >= 1  # the situation: a failed member went on (from its checkpoint at 40)
    with l2l.Trajectory(path) as trajectory:
        assert restart_line(trajectory, "steps") == ""
    # (PBT ends the run at a segment without a checkpoint: the restarts of another policy that continues)
    path = l2l.run(config({"name": "asha", "min_budget": 20}), tmp_path / "none.h5", simulator=keeps_no_checkpoint,
                   progress=False)
    with l2l.Trajectory(path) as trajectory:
        line = restart_line(trajectory, "steps")
    assert "from scratch again" in line and "returned no checkpoint" in line, line
