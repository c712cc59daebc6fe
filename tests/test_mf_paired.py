"""benchmarks/mf_paired.py: two versions of a method, paired by seed, from the benchmark's kept results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "mf_paired.py"
TOP = 81.0  # hartmann3-agree's top budget; compute 100 x 81


def keep(folder: Path, runs: dict[int, list[tuple]], truth: dict[tuple, float]) -> Path:
    """A --keep folder as benchmarks/multifidelity.py writes it: one log per seed, one truth file."""
    folder.mkdir()
    for seed, log in runs.items():
        rows = [[spent, budget, value, list(key)] for spent, budget, value, key in log]
        (folder / f"hartmann3-agree-model-based-{seed}.json").write_text(json.dumps({"log": rows, "seconds": 1.0}))
    (folder / "truth-hartmann3-agree.json").write_text(json.dumps([[list(k), v] for k, v in truth.items()]))
    return folder


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_the_versions_are_paired_by_seed_and_read_at_each_fraction(tmp_path):
    a, b, c = (0.1, 0.1, 0.1), (0.2, 0.2, 0.2), (0.3, 0.3, 0.3)
    truth = {a: -3.0, b: -2.0, c: -1.0}
    # observed values are minimised: the new version finds a late on seed 1, the old one stays with b
    new = keep(tmp_path / "new", {1: [(81.0, TOP, 1.0, b), (8000.0, TOP, 0.5, a)],
                                  2: [(81.0, TOP, 1.0, c), (162.0, TOP, 0.5, b)]}, truth)
    old = keep(tmp_path / "old", {1: [(81.0, TOP, 1.0, b), (8000.0, TOP, 2.0, c)],
                                  2: [(81.0, TOP, 1.0, c), (162.0, TOP, 0.5, b)],
                                  3: [(81.0, TOP, 1.0, a)]}, truth)  # seed 3: no pair, left out
    done = run("--new", str(new), "--old", str(old), "--problems", "hartmann3-agree", "--seeds", "1..3",
               "--fractions", "1/3,1")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])["problems"]["hartmann3-agree"]
    third, final = summary["0.333333"], summary["1"]
    # at a third both chose b on both seeds (the late result of seed 1 comes after 2,700 units)
    assert third == {"new": -2.0, "old": -2.0, "new_minus_old": 0.0, "se": 0.0, "same_choice": 2, "seeds": 2,
                     "missing_truth": 0}
    # at the end the new version chose a on seed 1 (-3.0) where the old chose b: -1.0 on one seed, 0 on the other
    assert final["new"] == -2.5 and final["old"] == -2.0 and final["new_minus_old"] == -0.5
    assert final["se"] == pytest.approx(0.5) and final["same_choice"] == 1 and final["seeds"] == 2


def test_bad_arguments_are_one_line_and_exit_status_2(tmp_path):
    folder = keep(tmp_path / "k", {}, {})
    for args, message in ((["--problems", "nosuch"], "unknown problem 'nosuch'"),
                          (["--problems", "lsnn", "--fractions", "1/0"], "--seeds / --fractions"),
                          (["--problems", "lsnn", "--fractions", "2"], "fractions in (0, 1]")):
        done = run("--new", str(folder), "--old", str(folder), "--seeds", "1", *args)
        assert done.returncode == 2 and message in done.stderr.splitlines()[-1]
    done = run("--new", str(folder), "--old", str(tmp_path / "missing"), "--problems", "lsnn", "--seeds", "1")
    assert done.returncode == 2 and "no such folder" in done.stderr
