"""Simulators of tests/test_run_target_backends.py (run.target on the Dask backends), through `python`."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def slow_above_3(params, seed):
    """A value of the evaluation's seed alone (0 to 9.99) that takes 2 s where it does not reach 3 and none where
    it does: a result at 3 or above is in the file only where the run waited for it."""
    value = float(seed % 1000) / 100.0
    if value >= 3.0:
        time.sleep(2.0)
    return {"value": value}


def program(seed: int) -> None:
    """The `command` program of the dask test: a value of the seed alone; one that does not reach 3 runs (60 s,
    its pid in program.pid) until killed, one that does returns once another evaluation's program runs."""
    value = float(seed % 1000) / 100.0
    if value >= 3.0:
        Path("program.pid").write_text(str(os.getpid()))
        time.sleep(60.0)
    else:
        for _ in range(400):  # 20 s at most
            if list(Path("..").glob("*/program.pid")):
                break
            time.sleep(0.05)
    print(value)


if __name__ == "__main__":
    program(int(sys.argv[1]))
