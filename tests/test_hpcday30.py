"""A day on the cluster with session 30's features (helper-228): what a user met, kept fixed.

* The progress bar of a run whose fidelity is not whole (seconds of biological time, 0.1 s a segment) moves
  with its compute: before, each segment moved it by its cost rounded to a whole number, so a NEST run with
  ``compute = 1.2`` sat at ``0/1`` to its end, and ``examples/nest_asha.toml`` (compute 18, segments of 0.1,
  0.2 and 0.6 s) ended far below its total.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import l2l

TESTS = Path(__file__).resolve().parent


def _bar_ends(err: str) -> tuple[str, str]:
    """The last percentage and the last 'n/total' the bar drew."""
    frames = [f for f in re.split(r"[\r\n]", err) if "%|" in f]
    last = frames[-1]
    return re.search(r"(\d+)%\|", last).group(1), re.search(r"\| ([\d.e+]+/[\d.e+]+) \[", last).group(1)


@pytest.mark.parametrize("fidelity, compute, count", [
    ({"name": "seconds", "unit": "biological seconds", "minimum": 0.1, "maximum": 0.9, "integer": False}, 3.0,
     "3/3"),
    ({"name": "steps", "minimum": 1, "maximum": 9}, 27, "27/27"),  # a whole fidelity: whole numbers as before
])
def test_a_fractional_fidelitys_bar_moves_with_its_compute(tmp_path, capsys, fidelity, compute, count):
    config = l2l.from_mapping({
        "run": {"seed": 1, "compute": compute}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "objectives": [{"name": "distance", "direction": "minimize"}],
        "simulator": {"name": "python", "function": "models_hpcday30:seconds", "multi_fidelity": fidelity},
        "backend": {"name": "serial"}}, base_dir=TESTS)
    capsys.readouterr()
    l2l.run(config, tmp_path / "run.h5", progress=True)
    err = capsys.readouterr().err
    assert _bar_ends(err) == ("100", count), err  # before: ('0', '0/3') for biological seconds
