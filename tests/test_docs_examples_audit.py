"""Promises of the documentation that a new user's audit found broken (session 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from l2l.cli import main

pytest.importorskip("nevergrad")

NEVERGRAD = """
[run]
name = "ng-workers"
generations = 2

[space]
x = {{ type = "float", low = -1.0, high = 1.0, shape = [2] }}

[optimizer]
name = "nevergrad"
population_size = 4
num_workers = {workers}

[simulator]
name = "sphere"

[backend]
name = "serial"
"""


def _config(folder: Path, workers: int) -> Path:
    path = folder / "ng.toml"
    path.write_text(NEVERGRAD.format(workers=workers))
    return path


def test_a_nevergrad_generation_larger_than_num_workers_is_refused_before_the_file_exists(tmp_path, capsys):
    # README: a bad value is refused before any work starts and no output file is created; docs/optimizers.md:
    # at most num_workers candidates may be asked and not yet told. Before, the first ask failed after the run's
    # file was created, and that file then refused the corrected config ("holds nothing computed; delete it").
    assert main(["run", str(_config(tmp_path, 2)), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("l2l: error: optimizer 'nevergrad' keeps at most num_workers = 2 candidates")
    assert "population_size = 4" in err and "num_workers = 4" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.glob("*.h5"))
    # The corrected config runs where the refused one was.
    assert main(["run", str(_config(tmp_path, 4)), "--no-progress"]) == 0
    assert "2 generations, 8 evaluations (0 failed)" in capsys.readouterr().out
