"""docs/pbt.md's figures on asynchronous PBT with few members come from ``benchmarks/pbt_async_few.py`` (session 34,
helper-287): before, they came from a user's script outside the repository. ``--quick`` runs it in a few seconds;
its last line is one JSON object with the keys the page's figures are read from.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "pbt_async_few.py"


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


def test_quick_run_ends_with_the_json_line_of_the_pages_figures(tmp_path):
    done = _run(tmp_path, "--quick")
    assert done.returncode == 0, done.stderr
    last = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"benchmark", "workers", "epochs", "interval", "seeds", "target", "targets_met", "settings"} <= set(last)
    assert last["benchmark"] == "pbt_async_few" and last["quick"] is True
    assert isinstance(last["targets_met"], bool)
    (setting,) = last["settings"]
    assert setting["members"] == 4 and setting["synchronous"] is False
    assert {"exploits_min", "exploits_max", "ratio_max", "runs_above_target", "best_mean", "best_sd"} <= set(setting)
    (run,) = setting["runs"]
    assert run["completed"] == 4 and run["worst"] >= run["best"] > 0
    assert run["ratio"] == run["worst"] / run["best"]
    assert "worst/best" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_bad_seeds_are_refused_in_one_line(tmp_path):
    done = _run(tmp_path, "--seeds", "zero")
    assert done.returncode == 2
    assert "seeds must be like 0..9" in done.stderr.strip().splitlines()[-1]
    assert done.stdout == ""
