"""A model one of whose evaluations grows past its Dask worker's memory limit, for the tests of how the Dask
backends end an evaluation whose worker its nanny restarted for memory (tests/test_dask_memory46b.py)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def grows(params, seed, markers="", step_mb=40, most_mb=3000):
    """A quick value, but for the first seed of the run to get here: it notes itself in ``markers/big`` and then
    allocates ``step_mb`` more every 20 ms (up to ``most_mb``, far past any limit the tests set), every time it
    runs. Every start appends its seed to ``markers/starts``: how often each evaluation really started."""
    with open(Path(markers) / "starts", "a") as starts:
        starts.write(f"{seed}\n")
    try:
        with open(Path(markers) / "big", "x") as marker:
            marker.write(str(seed))
    except FileExistsError:
        if (Path(markers) / "big").read_text() != str(seed):
            return float(sum(float(np.sum(np.square(value))) for value in params.values()))
    held = []
    for _ in range(most_mb // step_mb):
        held.append(np.ones(step_mb * 2**20 // 8))  # (written: resident)
        time.sleep(0.02)
    time.sleep(30)
    return 0.0
