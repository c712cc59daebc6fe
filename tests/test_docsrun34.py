"""What a new user running the docs met (session 34's docs run, helper-281).

``python examples/pbt_own_training.py --help`` (docs/pbt.md names the example) ran the whole PBT run into a file
named ``--help``; any other option became a file name too. Now ``-h``/``--help`` prints the example's description
and an option is refused in one line, exit status 2, with no file made.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "pbt_own_training.py"


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, str(EXAMPLE), *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


def test_pbt_own_training_help_runs_nothing(tmp_path):
    done = _run(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert "pbt_own_training.py [OUT.h5]" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_pbt_own_training_refuses_an_option(tmp_path):
    done = _run(tmp_path, "--seed", "3")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "usage:" in done.stderr
    assert list(tmp_path.iterdir()) == []
