"""benchmarks/pbt.py --tasks with a name it does not know is refused in one line naming the known tasks (exit 2),
where the name was left out silently and fewer tasks were measured than asked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def test_an_unknown_task_is_refused_naming_the_known_ones():
    done = subprocess.run([sys.executable, str(BENCH / "pbt.py"), "--tasks", "digits,nope"], capture_output=True,
                          text=True, timeout=120, cwd=BENCH.parent)
    assert done.returncode == 2, done
    assert done.stderr.strip().splitlines() == [
        "l2l: error: --tasks: unknown task 'nope'; known: noisy-sgd, spore, egru, digits"], done.stderr
    assert done.stdout == ""
