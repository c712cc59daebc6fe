"""A re-evaluation of a model that ignores its seed (a deterministic function, a NEST model with its own rng_seed)
gave "± 0, std 0.0" for every candidate and no hint why; l2l show and l2l reevaluate now say so in one line, and
say nothing where the seeds change the values."""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.reevaluate import reevaluate
from l2l.results_schema.reader import Trajectory
from l2l.summary.ranking import ranking, ranking_text

NOTE = "the model does not use the seed it is given"


def blind(params, seed):
    return float(params["x"] ** 2)


def noisy(params, seed):
    return float(params["x"] ** 2 + 0.01 * np.random.default_rng(seed).standard_normal())


@pytest.mark.parametrize("function, said", [(blind, True), (noisy, False)])
def test_a_model_blind_to_its_seed_is_named_in_the_ranking(tmp_path, function, said):
    config = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
              "optimizer": {"name": "random", "population_size": 3}, "run": {"generations": 1, "seed": 1},
              "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "r.h5", simulator=function, progress=False)
    reevaluate(path, top=2, seeds=3, simulator=function)
    with Trajectory(path) as trajectory:
        text = ranking_text(ranking(trajectory))
    assert (NOTE in text) is said, text
    if said:
        assert text.splitlines()[-1].startswith("every candidate gave the same value"), text
