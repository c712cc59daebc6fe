"""A learning curve whose first attempt fails on some segments, for the tests of how retries count compute."""

from __future__ import annotations

import time
from pathlib import Path

from models_compute_limit import curve


def fails_once(params, seed, budget, checkpoint=None, markers="", pause=0.0):
    """The sphere value plus a term that falls with the steps trained, continued from its checkpoint.

    For one candidate in three (by its seed, which it keeps across segments) every segment fails at its first
    attempt and succeeds at the next: the first attempt leaves a marker file for (seed, budget) in ``markers``,
    so that the outcome depends on what ran before, not on timing. ``pause``: seconds each attempt waits first
    (a run long enough for a kill test to land its kills on a fast machine)."""
    if pause:
        time.sleep(pause)
    if seed % 3 == 0:
        try:
            with open(Path(markers) / f"{seed}-{float(budget):g}", "x"):
                pass
        except FileExistsError:
            pass
        else:
            raise RuntimeError(f"first attempt of the segment to {budget:g} fails")
    return curve(params, seed, budget, checkpoint)


def always_fails(params, seed, budget, checkpoint=None, markers=""):
    """A simulator that fails every attempt of every segment (a broken installation, say)."""
    raise RuntimeError(f"segment to {budget:g} fails, as every attempt does")
