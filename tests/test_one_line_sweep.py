"""The README's multi-fidelity story on a user's own training script (examples/digits_train.py):
a budget and a checkpoint added, one line added to the sweep's config (examples/digits_early_stopping.toml),
or a [policy] table with a third of the compute (examples/digits_halving.toml)."""

from __future__ import annotations

import difflib
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import l2l

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))
import digits_train  # noqa: E402

PARAMS = {"learning_rate": 0.3, "momentum": 0.6, "weight_decay": 1e-4, "hidden": 16}


def test_a_candidate_continued_from_its_checkpoints_equals_one_trained_at_once():
    once = digits_train.train(PARAMS, 7, 9)
    first = digits_train.train(PARAMS, 7, 1)
    middle = digits_train.train(PARAMS, 7, 3, first.checkpoint)
    last = digits_train.train(PARAMS, 7, 9, middle.checkpoint)
    assert last.objectives == once.objectives and last.metrics == once.metrics
    assert [p[0] for p in last.curve["loss"]] == list(range(4, 10))
    # it learns: the validation loss falls by more than half from the first epoch to the ninth
    assert once.objectives["loss"] < 0.5 * first.objectives["loss"]


def test_the_halving_config_is_the_sweep_config_with_a_policy_and_a_third_of_its_compute():
    sweep = tomllib.loads((EXAMPLES / "digits_sweep.toml").read_text())
    halving = tomllib.loads((EXAMPLES / "digits_halving.toml").read_text())
    top = sweep["simulator"]["multi_fidelity"]["maximum"]
    assert halving["run"]["compute"] == sweep["optimizer"]["population_size"] * top / 3
    assert halving["policy"]["name"] == "successive-halving"
    for table in ("space", "simulator", "objectives", "backend"):
        assert halving[table] == sweep[table], table


@pytest.mark.parametrize("seed", [0, 1])
def test_the_halving_run_spends_its_compute_and_continues_its_survivors_from_checkpoints(tmp_path, seed):
    data = tomllib.loads((EXAMPLES / "digits_halving.toml").read_text())
    data["backend"] = {"name": "serial"}
    data["run"].update(seed=seed, compute=81.0)  # one bracket: 27 candidates at 1 epoch, 9 at 3, 3 at 9, 1 at 27
    path = l2l.run(l2l.from_mapping(data, base_dir=EXAMPLES), tmp_path / "h.h5")
    assert l2l.validate(path) == []
    frame = l2l.load(path)
    assert len(frame) == 27 and frame["compute"].sum() == 81.0
    segments = l2l.load(path, segments=True)
    continued = segments[segments["from_budget"] > 0]
    assert sorted(continued["budget"].tolist()) == [3.0] * 9 + [9.0] * 3 + [27.0]
    # the one trained to 27 epochs is the best of the three at 9
    at9 = segments[segments["budget"] == 9.0]
    winner = segments[segments["budget"] == 27.0]["trial"].item()
    assert at9.loc[at9["loss"].idxmin(), "trial"] == winner
    # its result equals training it for 27 epochs at once with its seed
    row = frame[frame["trial"] == winner].iloc[0]
    params = {k: row[k] for k in PARAMS}
    once = digits_train.train(params, int(row["seed"]), 27)
    assert np.isclose(row["loss"], once.objectives["loss"], rtol=1e-12)


def test_the_early_stopping_config_is_the_sweep_config_with_exactly_one_line_more():
    sweep = (EXAMPLES / "digits_sweep.toml").read_text().splitlines()
    early = (EXAMPLES / "digits_early_stopping.toml").read_text().splitlines()
    changes = [line for line in difflib.ndiff(sweep, early) if line[:1] in "+-?"]
    assert len(changes) == 1 and changes[0].startswith('+ policy = "successive-halving"')
    config = l2l.load_config(EXAMPLES / "digits_early_stopping.toml")
    assert config.policy.name == "successive-halving" and config.policy.options == {"max_candidates": 81}


def test_the_one_line_sweep_trains_the_same_81_candidates_and_stops_the_worse_early(tmp_path):
    data = tomllib.loads((EXAMPLES / "digits_early_stopping.toml").read_text())
    data["backend"] = {"name": "serial"}
    path = l2l.run(l2l.from_mapping(data, base_dir=EXAMPLES), tmp_path / "early.h5")
    assert l2l.validate(path) == []
    frame = l2l.load(path)
    # the sweep's 81 candidates, each stopped or trained to 27 epochs, for a ninth of the sweep's 2,187 epochs
    assert len(frame) == 81 and set(frame["state"]) == {"stopped", "completed"}
    assert frame["compute"].sum() == 243.0 and (frame["budget"] == 27.0).sum() == 3
    # each bracket of 27 continued its best 9, 3 and 1 from their checkpoints
    segments = l2l.load(path, segments=True)
    assert sorted(segments.loc[segments["from_budget"] > 0, "budget"].tolist()) == [3.0] * 27 + [9.0] * 9 + [27.0] * 3
