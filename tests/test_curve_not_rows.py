"""A learning curve that is not rows of [fidelity, value] fails its segment with an error naming the curve.

Before, a curve given as a dict {step: value} failed with "invalid result: float() argument must be a string or
a real number, not 'dict'", which named neither the curve nor what it should be.
"""

from __future__ import annotations

import pytest

import l2l
from l2l.errors import ConfigError


def test_a_curve_given_as_a_dict_fails_naming_the_curve(tmp_path):
    def train(params, seed, budget, checkpoint=None):
        loss = params["x"] + 1.0 / budget
        return l2l.SimulationResult(objectives={"loss": loss}, curve={"loss": {budget: loss}},
                                    checkpoint={"step": budget})

    config = l2l.from_mapping({
        "run": {"name": "c"}, "space": {"x": {"low": 0.0, "high": 1.0}},
        "simulator": {"name": "python", "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 9}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "policy": {"name": "asha", "eta": 3, "max_candidates": 2}, "backend": {"name": "serial"}})
    path = tmp_path / "c.h5"
    # every segment would fail the same way: the run ends at the first (tests/test_curve_shape41.py)
    with pytest.raises(ConfigError, match="curve 'loss' must be rows of"):
        l2l.run(config, path, simulator=train, progress=False)
    errors = l2l.load(path, segments=True)["error"].dropna()
    assert len(errors) >= 1
    for error in errors:
        assert error.startswith("invalid result: curve 'loss' must be rows of [fidelity, value], got dict"), error
