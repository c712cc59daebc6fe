"""A learning curve whose first attempt fails on some segments, for the tests of how retries count compute."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from l2l.simulators.base import SimulationResult


def fails_once(params, seed, budget, checkpoint=None, markers=""):
    """The sphere value plus a term that falls with the steps trained, continued from its checkpoint.

    For one candidate in three (by its seed, which it keeps across segments) every segment fails at its first
    attempt and succeeds at the next: the first attempt leaves a marker file for (seed, budget) in ``markers``,
    so that the outcome depends on what ran before, not on timing."""
    if seed % 3 == 0:
        try:
            with open(Path(markers) / f"{seed}-{float(budget):g}", "x"):
                pass
        except FileExistsError:
            pass
        else:
            raise RuntimeError(f"first attempt of the segment to {budget:g} fails")
    x = np.asarray(params["x"], dtype=float)
    start = 0.0 if checkpoint is None else float(checkpoint["budget"])
    steps = np.arange(int(start) + 1, int(budget) + 1)
    values = float(np.sum(x * x)) + 10.0 / steps
    return SimulationResult({"value": float(values[-1])}, curve={"value": np.column_stack([steps, values])},
                            checkpoint={"budget": float(budget)})
