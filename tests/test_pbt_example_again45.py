"""examples/pbt_own_training.py run into a file that exists (run twice: 'python examples/pbt_own_training.py
OUT.h5' as its docstring says, or a file that is no run) says why in one line, exit status 2, and leaves the file
as it was. Before, it ended in a traceback of l2l's TrajectoryError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "pbt_own_training.py"


def test_the_example_into_an_existing_file_says_why_in_one_line(tmp_path):
    out = tmp_path / "own.h5"
    out.write_text("not a run\n")
    done = subprocess.run([sys.executable, str(EXAMPLE), str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("error: ") and "already exists and is not an l2l trajectory" in lines[0], lines[0]
    assert out.read_text() == "not a run\n"
