"""The population-based training examples (examples/pbt_*.toml) run as written, on tiny budgets."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import l2l
from l2l.config import load_config
from l2l.results_schema.validate import validate

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

#: Per example: the simulator options that make it tiny, and the top budget they give.
TINY = {
    "pbt_noisy_sgd.toml": ({"max_budget": 40}, 40.0),
    "pbt_spore.toml": ({"duration": 8.0, "min_budget": 0.5}, 8.0),
    "pbt_egru.toml": ({"trials": 64, "test_trials": 32}, 64.0),
    "pbt_digits.toml": ({"max_budget": 40}, 40.0),
}


def test_every_pbt_example_is_covered_here():
    assert sorted(p.name for p in EXAMPLES.glob("pbt_*.toml")) == sorted(TINY)


@pytest.mark.parametrize("name", sorted(TINY))
def test_the_example_is_a_pbt_run_whose_compute_trains_each_member_once(name):
    config = load_config(EXAMPLES / name)
    options = config.policy.options
    top = config.simulator.options.get("max_budget") or config.simulator.options.get("duration") \
        or config.simulator.options.get("trials")
    assert config.policy.name == "pbt"
    assert config.compute == options["population"] * top
    assert top / options["interval"] >= 8  # enough decisions for a schedule to emerge


@pytest.mark.parametrize("name", sorted(TINY))
def test_the_example_on_a_tiny_budget_gives_every_final_learner_a_whole_schedule(tmp_path, name):
    mapping = tomllib.loads((EXAMPLES / name).read_text())
    options, top = TINY[name]
    mapping["simulator"].update(options)
    mapping["policy"].update(population=4, interval=top / 4)
    mapping["run"]["compute"] = 4 * top
    path = l2l.run(l2l.from_mapping(mapping, base_dir=EXAMPLES), tmp_path / "run.h5")
    assert validate(path) == []
    history = l2l.lineage(path)
    assert history["member"].nunique() == 4
    parameters = list(mapping["space"])
    for _, rows in history.groupby("member"):
        assert rows["from_budget"].iloc[0] == 0 and rows["budget"].iloc[-1] == pytest.approx(top)
        assert rows[parameters].notna().all().all()
    segments = l2l.load(path, segments=True)
    assert (segments["budget"] - segments["from_budget"]).sum() == pytest.approx(4 * top)
