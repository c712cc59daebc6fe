"""A learning curve numbered from 0 (the fidelity before each epoch rather than after it) fails with a message that
says so, in its first segment already (before: a segment from scratch was not checked, so a sweep stored every
curve shifted by one step without a word, and ASHA failed only at the continuations, then ended with 'no candidate
reached the top budget'); a continued segment so numbered says so too (before that: 'has a point at fidelity 1,
not past the budget 1 of the checkpoint ...', which reads as a restart and names neither the cause nor the fix).
Curves that only look alike stay accepted."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import l2l
from l2l.jobs.base import CURVE_PREFIX, curves

MODEL = """
from l2l.simulators.base import SimulationResult


def train(params, seed, budget, checkpoint=None):
    done = int(checkpoint["epochs"]) if checkpoint else 0
    curve = [[epoch - 1, params["x"] / epoch] for epoch in range(done + 1, int(budget) + 1)]  # numbered from 0
    return SimulationResult({"loss": params["x"] / budget}, checkpoint={"epochs": float(budget)},
                            curve={"loss": curve})
"""


def test_a_first_segment_numbered_from_zero_fails_with_the_message(tmp_path):
    (tmp_path / "zero_based.py").write_text(MODEL)
    config = l2l.from_mapping({
        "run": {"name": "zero", "seed": 0, "compute": 12},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "policy": {"name": "successive-halving", "eta": 3},
        "simulator": {"name": "python", "function": "zero_based:train", "path": str(tmp_path),
                      "multi_fidelity": {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 9}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"}})
    rows = l2l.load(l2l.run(config, tmp_path / "zero.h5", progress=False), segments=True)
    first = rows[rows["from_budget"] == 0]
    assert len(first) and (first["status"] == "failed").all(), rows[["budget", "status"]]
    budget = first.iloc[0]["budget"]
    assert (f"curve 'loss' runs from fidelity 0 to {budget - 1:g} in a segment from 0 to {budget:g}: "
            f"numbered from 0?") in first.iloc[0]["error"], first.iloc[0]["error"]


def _raw(points, name="loss"):
    return SimpleNamespace(curve={name: points})


@pytest.mark.parametrize("budget", [1.0, 3.0, 9.0])
def test_from_scratch_numbered_from_zero_is_refused(budget):
    points = [[epoch - 1, 1.0 / epoch] for epoch in range(1, int(budget) + 1)]
    with pytest.raises(ValueError, match=r"numbered from 0\? Number each point by the fidelity reached after its "
                                         rf"step, here {'1 to ' if budget > 1 else ''}{budget:g} "):
        curves(_raw(points), budget, None, ("loss",))


def test_a_continued_segment_numbered_from_zero_is_refused():
    points = [[epoch - 1, 1.0 / epoch] for epoch in range(4, 10)]  # 3 .. 8 in a segment from 3 to 9
    with pytest.raises(ValueError, match="runs from fidelity 3 to 8 in a segment from 3 to 9: numbered from 0?"):
        curves(_raw(points), 9.0, 3.0, ("loss",))


@pytest.mark.parametrize("points, budget", [
    ([[e, 1.0 / e] for e in range(1, 10)], 9.0),  # counted from 1
    ([[e, 1.0 / (e + 1)] for e in range(0, 10)], 9.0),  # the value before training at 0, then up to the budget
    ([[1, 0.5], [2, 0.4], [3, 0.3]], 3.0),  # a first rung near min_budget
    ([[3, 0.5]], 3.0),  # the point at the budget only
    ([[0.0, 0.9], [0.5, 0.7], [1.0, 0.6], [1.5, 0.5]], 2.5),  # a continuous fidelity from 0
    ([[0.0, 0.9], [0.25, 0.5]], 0.25),  # a continuous fidelity, budget below 1
    ([[0.0, 0.9], [0.5, 0.7], [1.0, 0.6]], 2.0),  # a continuous fidelity's points every half unit
])
def test_curves_that_only_look_alike_are_accepted(points, budget):
    out = curves(_raw(points), budget, None, ("loss",))
    assert np.array_equal(out[f"{CURVE_PREFIX}loss"], np.asarray(points, dtype=float))


def test_a_metric_curve_is_not_checked():
    points = [[e - 1, float(e)] for e in range(1, 10)]  # a metric's own numbering: not an objective, kept
    assert f"{CURVE_PREFIX}lr" in curves(_raw(points, "lr"), 9.0, None, ("loss",))
