"""A learning curve that reports a point past its segment's budget is a failed segment with a clear message."""

from __future__ import annotations

import l2l
from l2l.results_schema.reader import Trajectory


def test_a_curve_point_beyond_the_segments_budget_fails_the_segment_and_says_why(tmp_path):
    config = l2l.from_mapping({
        "run": {"seed": 1, "compute": 30}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha"},
        "simulator": {"name": "python", "function": "models_policy_fixes:curve_beyond",
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
        "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "c.h5")
    segments = l2l.load(path, segments=True)
    assert len(segments) and (segments["status"] == "failed").all() and l2l.validate(path) == []
    with Trajectory(path) as trajectory:
        assert "curve 'value' has a point at fidelity 101, beyond the segment's budget 1" in trajectory.error_text(0)
