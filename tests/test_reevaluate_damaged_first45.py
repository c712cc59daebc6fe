"""l2l reevaluate of a file with a damaged evaluation column is refused before it writes: the file unchanged.
Before, the /reevaluations group was added (the file rewritten) and only the ranking read after refused it."""

import hashlib
from pathlib import Path

import h5py
import numpy as np
import pytest

import l2l
from l2l.errors import TrajectoryError
from l2l.reevaluate import reevaluate

CONFIG = {"run": {"name": "small", "seed": 3, "generations": 2},
          "space": {"x": {"low": -1.0, "high": 1.0}},
          "optimizer": {"name": "random", "population_size": 4},
          "simulator": {"name": "sphere"}, "backend": {"name": "serial"}}


def test_a_negative_individual_is_refused_before_the_file_is_written(tmp_path: Path) -> None:
    out = tmp_path / "small.h5"
    l2l.run(CONFIG, out)
    with h5py.File(out, "r+") as f:
        values = f["evaluations/individual"][()]
        values[len(values) - 1] = -5  # the last row: not the best candidate, which is what reevaluate picks
        f["evaluations/individual"][...] = values
    before = hashlib.sha1(out.read_bytes()).hexdigest()
    with pytest.raises(TrajectoryError, match="individual is negative"):
        reevaluate(out, top=1, seeds=1)
    assert hashlib.sha1(out.read_bytes()).hexdigest() == before
