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


def _egru_digits():
    """scripts/egru_digits.py as a module (docs/egru_rtrl.md runs it; a script, not a package module)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("egru_digits_docsrun34", ROOT / "scripts" / "egru_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_egru_digits_one_seed_has_no_nan(recwarn):
    """``python scripts/egru_digits.py --seeds 100`` (one seed: the quick check of docs/egru_rtrl.md's table)
    printed ``0.944 ± nan`` in every cell after two numpy RuntimeWarnings, and its JSON line held ``NaN``."""
    import json

    script = _egru_digits()
    one = script.summarize([0.9444])
    assert one["sd"] is None
    json.dumps(one, allow_nan=False)
    assert script.cell(one) == "0.944 [0.944, 0.944]"
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    several = script.summarize([0.936, 0.953, 0.94])
    assert script.cell(several) == "0.943 ± 0.009 [0.936, 0.953]"
