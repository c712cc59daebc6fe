"""A training function that returns ``(loss, checkpoint)`` (a tuple where the objective's number goes, as a Ray Tune
or hand-written loop might) fails the same way whatever its parameters: the run ends at its first commit with one
line that says what to return, as for values without their names. Before, an asha sweep trained 20 segments that
could only fail (each a whole training), then stopped for run.stop_after_failures (helper-360, session 44)."""

import time

import numpy as np
import pytest

import l2l
from l2l.errors import ConfigError


def train(params, seed, budget, checkpoint=None):
    time.sleep(0.2)  # a training step (no CPU): the loop commits at most once a second
    return float(params["x"] ** 2), {"w": np.zeros(2)}


def test_a_function_returning_loss_and_checkpoint_as_a_tuple_ends_the_run_at_its_first_commit(tmp_path):
    config = {"space": {"x": {"low": -1.0, "high": 1.0}},
              "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
              "optimizer": {"name": "random", "population_size": 4},
              "policy": {"name": "asha", "min_budget": 1, "max_budget": 9, "eta": 3, "max_candidates": 40},
              "backend": {"name": "serial"}, "run": {"compute": 200}}
    path = tmp_path / "tuple.h5"
    with pytest.raises(ConfigError) as error:
        l2l.run(config, path, simulator=train)
    assert "the simulator returned a tuple of 2 values, not a number; return a number, a dict" in str(error.value)
    assert "fix what the simulator returns" in str(error.value) and str(path) in str(error.value)
    rows = l2l.load(path, segments=True)
    assert (rows["status"] == "failed").all() and 1 <= len(rows) < 20, len(rows)  # the first commit's, kept
