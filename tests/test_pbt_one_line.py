"""A sweep switched to population-based training with one line: run.policy = "pbt" (issue 12's "Done when").

The sweep's candidates (run.generations x population_size) become PBT's members, each trained to the top
budget: the sweep's compute. examples/digits_sgd_pbt.toml is examples/digits_sgd_sweep.toml with that line;
its run is the one benchmarks/pbt.py measures on the digits task against the same sweep at equal compute
(docs/pbt.md: 0.260 +- 0.013 against 0.302 on 5 seeds' fresh replays), segment for segment.
"""

from __future__ import annotations

import pytest

import l2l
from conftest import TESTS
from l2l.components import build
from l2l.config import from_mapping, load_config
from l2l.errors import ConfigError

EXAMPLES = TESTS.parent / "examples"


def test_the_pbt_example_is_the_sweep_with_one_line_more():
    sweep = (EXAMPLES / "digits_sgd_sweep.toml").read_text().splitlines()
    pbt = (EXAMPLES / "digits_sgd_pbt.toml").read_text().splitlines()
    added = [line for line in pbt if line not in sweep]
    assert added == ['policy = "pbt"'] and len(pbt) == len(sweep) + 1
    assert [line for line in pbt if line != added[0]] == sweep


@pytest.fixture(scope="module")
def one_line(tmp_path_factory):
    return l2l.run(load_config(EXAMPLES / "digits_sgd_pbt.toml"), tmp_path_factory.mktemp("pbt") / "one.h5")


def test_the_sweep_s_candidates_become_the_members_and_spend_the_sweep_s_compute(one_line):
    config = load_config(EXAMPLES / "digits_sgd_pbt.toml")
    assert config.policy.name == "pbt" and config.policy.options == {"population": 8}
    segments = l2l.load(one_line, segments=True)
    assert (segments["budget"] - segments["from_budget"]).sum() == 8 * 400  # the sweep: 8 learners x 400 steps
    final = segments[segments["budget"] == 400]
    assert len(final) == 8 and (final["status"] == "ok").all()
    # the learners went on from their checkpoints (never from scratch after the first interval), and the worst
    # ones took the best ones' weights with a perturbed learning rate: the schedules are in the file
    assert (segments.loc[segments["budget"] > 40, "from_budget"] > 0).all()
    assert (segments["parent"] >= 0).sum() >= 8
    schedules = l2l.lineage(one_line)
    assert max(rows["learning_rate"].nunique() for _, rows in schedules.groupby("member")) >= 2


def test_the_one_line_run_is_the_explicit_pbt_config_segment_for_segment(one_line, tmp_path):
    explicit = l2l.run(load_config(EXAMPLES / "pbt_digits.toml"), tmp_path / "explicit.h5")
    columns = ["trial", "budget", "from_budget", "parent", "seed", "learning_rate", "loss"]
    a = l2l.load(one_line, segments=True)[columns]
    b = l2l.load(explicit, segments=True)[columns]
    assert len(a) == 80 and a.equals(b)


def test_a_population_given_twice_is_refused_in_one_line():
    data = load_config(EXAMPLES / "digits_sgd_sweep.toml").to_json()
    data["run"]["generations"] = 1
    data["policy"] = {"name": "pbt", "population": 4}
    with pytest.raises(ConfigError, match=r"run.generations and \[policy\] population both set how many "
                                          r"candidates policy 'pbt' starts; give one of them"):
        from_mapping(data, user_file=True)
    two = dict(data, policy=None)
    del two["policy"]
    two["run"] = dict(two["run"], generations=2, policy="pbt")
    config = from_mapping(two, user_file=True)
    assert config.policy.options == {"population": 16}
    assert build(config).compute == 16 * 400  # the default budget is the sweep's: 16 learners x 400 steps
