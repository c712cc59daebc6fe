"""benchmarks/optimizers.py --merge of outputs run with different --dimensions (say 2,5 in one run and 10 in
another, as the README's tables were made): before, a KeyError, and an optimizer in both outputs kept only the
later one's dimensions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "optimizers.py"

FIRST = """mean precision (lower is better), budget 40 d, batch 1
optimizer              2-D             5-D     mean
cmaes           1.00 +- 0.10    2.00 +- 0.20     1.50
tpe             0.50 +- 0.10    3.00 +- 0.20     1.75
"""
SECOND = """mean precision (lower is better), budget 40 d, batch 1
optimizer             10-D     mean
cmaes           4.00 +- 0.30     4.00
nevergrad       3.00 +- 0.30     3.00
"""


def test_merging_outputs_of_different_dimensions_keeps_every_cell(tmp_path):
    (tmp_path / "a.txt").write_text(FIRST)
    (tmp_path / "b.txt").write_text(SECOND)
    done = subprocess.run([sys.executable, str(SCRIPT), "--merge", str(tmp_path / "a.txt"), str(tmp_path / "b.txt")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("|")]
    assert lines[0] == "| optimizer | 2-D | 5-D | 10-D | mean (of its dimensions) |"
    assert lines[2:] == ["| `tpe` | 0.50 ± 0.10 | 3.00 ± 0.20 | – | 1.75 |",
                         "| `cmaes` | 1.00 ± 0.10 | 2.00 ± 0.20 | 4.00 ± 0.30 | 2.33 |",
                         "| `nevergrad` | – | – | 3.00 ± 0.30 | 3.00 |"]
