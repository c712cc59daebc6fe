"""Optimizer options past any sane size, and an --out that is not a trajectory, end in one line, exit status 2.

Each option case fitted in 64 bits and so passed the registry's type check, then filled the memory (grid
points = 10**12, tpe n_ei_candidates), failed inside a library (nevergrad budget: 'scale should be non-zero in
Rescaler'; cmaes sigma = 1e308 overflowed), or never ended (nsga3 reference_divisions, ga tournament_size, gp
n_restarts). An --out naming a file that is no trajectory (the config file itself, /dev/null) was answered with
'already exists; ... continue it with l2l resume', which could only fail. l2l runs in a subprocess with a time
limit, so that a hang of the old code is a failure, not a stuck test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import h5py
import pytest

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """
[run]
name = "bounds"
seed = 1
generations = 2
[space]
x = {{ type = "float", low = 0.0, high = 1.0, shape = [2] }}
[optimizer]
name = "{optimizer}"
{options}
[simulator]
name = "{simulator}"
[backend]
name = "serial"
"""

BIG = 10 ** 12


def l2l(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "l2l", *argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=20)


def config(tmp_path: Path, optimizer: str, options: str = "", simulator: str = "sphere") -> Path:
    path = tmp_path / "bounds.toml"
    path.write_text(CONFIG.format(optimizer=optimizer, options=options, simulator=simulator))
    return path


def one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    err = result.stderr
    assert result.returncode == 2, (result.returncode, err[-2000:])
    assert err.startswith("l2l: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert all(word in err for word in words), err


OPTIONS = {
    "grid points": ("grid", f"points = {BIG}", "sphere",
                    [f"optimizer 'grid': points = {BIG} would give parameter 'x' {BIG} levels", "lower points"]),
    "nevergrad budget": ("nevergrad", f"budget = {BIG}", "sphere",
                         [f"optimizer 'nevergrad': budget must be <= 1000000000, got {BIG}"]),
    "nsga3 reference_divisions": ("nsga3", f"reference_divisions = {BIG}", "zdt1",
                                  [f"optimizer 'nsga3': reference_divisions = {BIG} of 2 objectives makes "
                                   f"{BIG + 1} reference points, more than 300000", "lower reference_divisions"]),
    "cmaes sigma": ("cmaes", "sigma = 1e308", "sphere", ["optimizer 'cmaes': sigma must be <= 1000000, got 1e+308"]),
    "tpe n_ei_candidates": ("tpe", f"n_ei_candidates = {BIG}", "sphere",
                            [f"optimizer 'tpe': n_ei_candidates must be <= 1000000, got {BIG}"]),
    "gp n_restarts": ("gp", f"n_restarts = {BIG}", "sphere", [f"optimizer 'gp': n_restarts must be in [0, 100], got {BIG}"]),
    "ga tournament_size": ("ga", f"tournament_size = {BIG}", "sphere",
                           [f"optimizer 'ga': tournament_size must be at most 1000", f"got {BIG}"]),
}


@pytest.mark.parametrize("case", list(OPTIONS))
def test_an_option_past_its_bound_is_refused_in_one_line_before_any_file(tmp_path, case):
    optimizer, options, simulator, words = OPTIONS[case]
    path = config(tmp_path, optimizer, options, simulator)
    one_line_error(l2l("run", str(path), "--no-progress", cwd=tmp_path), *words)
    assert [p.name for p in tmp_path.iterdir()] == ["bounds.toml"]  # nothing created


def _plain_hdf5(path: Path) -> Path:
    with h5py.File(path, "w") as f:
        f.create_dataset("a", data=[1.0])
    return path


NOT_TRAJECTORIES = {
    "the config file itself": (lambda t: t / "bounds.toml", "not an HDF5 file"),
    "/dev/null": (lambda t: Path(os.devnull), "a device, not a regular file"),
    "an HDF5 file of another program": (lambda t: _plain_hdf5(t / "other.h5"),
                                        "an HDF5 file without l2l's format attribute 'l2l-trajectory'"),
    "an empty file": (lambda t: (t / "empty.h5").open("w").close() or t / "empty.h5", "an empty file"),
}


@pytest.mark.parametrize("case", list(NOT_TRAJECTORIES))
def test_an_out_that_is_not_a_trajectory_is_named_so_not_offered_to_resume(tmp_path, case):
    path = config(tmp_path, "random", "population_size = 2")
    make, why = NOT_TRAJECTORIES[case]
    out = make(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = l2l("run", str(path), "--out", str(out), "--no-progress", cwd=tmp_path)
    one_line_error(result, f"{out} already exists and is not an l2l trajectory ({why}); choose another --out")
    assert "resume" not in result.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing written, nothing created
