"""A learning curve numbered from 0 (the fidelity before each epoch rather than after it) fails its continued
segments with a message that says so (before: 'has a point at fidelity 1, not past the budget 1 of the
checkpoint ...', which reads as a restart and names neither the cause nor the fix)."""

from __future__ import annotations

import l2l

MODEL = """
from l2l.simulators.base import SimulationResult


def train(params, seed, budget, checkpoint=None):
    done = int(checkpoint["epochs"]) if checkpoint else 0
    curve = [[epoch - 1, params["x"] / epoch] for epoch in range(done + 1, int(budget) + 1)]  # numbered from 0
    return SimulationResult({"loss": params["x"] / budget}, checkpoint={"epochs": float(budget)},
                            curve={"loss": curve})
"""


def test_a_curve_numbered_from_zero_is_named_as_such(tmp_path):
    (tmp_path / "zero_based.py").write_text(MODEL)
    config = l2l.from_mapping({
        "run": {"name": "zero", "seed": 0, "compute": 30},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "policy": {"name": "successive-halving", "eta": 3},
        "simulator": {"name": "python", "function": "zero_based:train", "path": str(tmp_path),
                      "multi_fidelity": {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 9}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "zero.h5", progress=False)
    rows = l2l.load(path, segments=True)
    continued = rows[rows["from_budget"] > 0]
    assert len(continued) and (continued["status"] == "failed").all()
    first = continued.iloc[0]
    assert (f"curve 'loss' runs from fidelity {first['from_budget']:g} to "
                                     f"{first['budget'] - 1:g} in a segment from {first['from_budget']:g} to "
                                     f"{first['budget']:g}: numbered from 0?") in first["error"], first["error"]
    assert (rows.loc[rows["from_budget"] == 0, "status"] == "ok").all()  # a first segment's curve is not checked
