"""Simulators of tests/test_enqueue29.py (the `python` simulator, path = tests/)."""

from __future__ import annotations

from models_for_tests import quadratic


def other_at_points(params, seed):
    """``quadratic`` everywhere but at the test's initial points (x of 0.5, -1.0 or whole numbers), where it gives
    other values: what an optimizer learns from the points' results alone differs from quadratic's."""
    value = quadratic(params, seed)
    return value + 20.0 if all(float(v) in (0.5, -1.0, 0.0, 1.0) for v in params["x"]) else value
