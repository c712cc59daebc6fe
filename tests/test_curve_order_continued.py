"""A continued segment's learning curve whose fidelities do not increase ends the run, as a first segment's does.

The order of a curve's fidelities was checked at a session's first commit only. A simulator whose first segment
returns a good curve and whose continued segments (made from a checkpoint, by other code) return theirs backwards
had every continued curve stored without a word, once the first commit held the first segments alone (in a run
whose first segment takes over a second): its rung values (read from the curve) and plotted curves wrong. Now every
commit checks the segments it wrote, with the same one line, the rows written kept.
"""

from __future__ import annotations

import pytest

import l2l
import l2l.driver
from l2l.results_schema.validate import validate


def backwards_when_continued(params, seed, budget, checkpoint=None):
    """(1 - lr)^step; a first segment lists its curve in order, a continued one backwards (each point above the
    checkpoint's budget, so no other check refuses it)."""
    start = 0 if checkpoint is None else int(checkpoint["step"])
    steps = list(range(start + 1, int(budget) + 1))
    if start > 0:
        steps.reverse()
    return l2l.SimulationResult(objectives={"loss": (1 - params["lr"]) ** budget},
                                curve={"loss": [[s, (1 - params["lr"]) ** s] for s in steps]},
                                checkpoint={"step": int(budget)})


@pytest.mark.parametrize("policy", ["asha", "hyperband"])
def test_a_continued_segments_curve_out_of_order_ends_the_run_in_one_line_at_its_commit(tmp_path, monkeypatch,
                                                                                         policy):
    # a commit after every segment: the session's first commit holds the first segment alone, as in a run whose
    # segments take more than the second between two commits
    monkeypatch.setattr(l2l.driver, "FLUSH_SECONDS", -1.0)
    config = l2l.from_mapping({
        "run": {"name": "c", "seed": 1, "compute": 200}, "space": {"lr": {"low": 0.01, "high": 0.3, "log": True}},
        "optimizer": {"name": "random"},
        "simulator": {"name": "python", "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 27}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "policy": {"name": policy}, "backend": {"name": "serial"}})
    path = tmp_path / "c.h5"
    with pytest.raises(l2l.ConfigError) as raised:
        l2l.run(config, path, simulator=backwards_when_continued, progress=False)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("curve 'loss' of trial ") and "(its segment from 1 to 3)" in message, message
    assert "has fidelities that do not increase: 3 then 2" in message and str(path) in message
    # the rows written are kept: the first segments, and the continued one the commit wrote
    assert validate(path) == []
    segments = l2l.load(path, segments=True)
    assert (segments["from_budget"] == 0).sum() >= 2
    continued = segments[segments["from_budget"] > 0]
    assert len(continued) == 1 and continued["budget"].iloc[0] == 3
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.n_generations >= 2  # not the session's first commit
        assert trajectory.events()["kind"].iloc[-1] == "failed"
