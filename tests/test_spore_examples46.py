"""The documented study scripts of docs/spore_hardware.md given no seeds (session 46): ``python
examples/spore_temperature_study.py 0`` ended in a traceback ("cannot reshape array of size 1"), as did
``hardware_in_the_loop_study.py 0`` and ``-1`` ("'numpy.float64' object is not iterable"), exit 1; now argparse's
line naming the argument, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script", ["spore_temperature_study.py", "hardware_in_the_loop_study.py"])
def test_a_study_given_no_seeds_says_so_and_exits_2(script):
    seeds = "0"  # (-1 takes the same way)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "examples" / script), seeds], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-1] == f"{script}: error: argument seeds: must be at least 1, got {seeds}", \
        done.stderr
    assert "Traceback" not in done.stderr and not done.stdout
