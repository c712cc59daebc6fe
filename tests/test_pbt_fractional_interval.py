"""A PBT interval below one unit of an integer fidelity is refused in one line naming the smallest interval.

Before, ``interval = 0.1`` on training steps ran with an interval of 1: 1,600 segments for 8 members of 200
steps, where the docs said only that it was rounded to whole units.
"""

from __future__ import annotations

import pytest

import l2l

from conftest import l2l_cli
from test_pbt_compute_floor import pbt_config


def test_an_interval_below_one_step_is_refused_in_one_line_and_creates_no_file(tmp_path):
    (tmp_path / "frac.toml").write_text(pbt_config("frac", interval=0.1))
    done = l2l_cli("run", "frac.toml", "--no-progress", cwd=tmp_path, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "l2l: error: policy 'pbt': interval = 0.1 is below 1, the smallest interval of the simulator's steps "
        "(whole training steps): give interval = 1 or more (or leave it out: a tenth of max_budget, 20)"]
    assert not (tmp_path / "frac.h5").exists()


@pytest.mark.parametrize("interval, first", [(1, 1.0), (2.5, 2.0), (25.4, 25.0)])
def test_an_interval_of_one_or_more_is_rounded_to_whole_steps(tmp_path, interval, first):
    (tmp_path / "a.toml").write_text(pbt_config("frac", interval=interval))
    components = l2l.loop.build(l2l.load_config(tmp_path / "a.toml"))
    assert float(components.budgets[0]) == first


def test_a_fractional_fidelity_keeps_a_fractional_interval():
    mapping = {"run": {"name": "f"}, "space": {"x": {"low": 0.0, "high": 1.0}},
               "simulator": {"name": "python", "multi_fidelity": {"name": "seconds", "minimum": 0.01, "integer": False,
                                                                  "maximum": 1.0}},
               "objectives": [{"name": "loss", "direction": "minimize"}],
               "policy": {"name": "pbt", "population": 2, "interval": 0.1}, "backend": {"name": "serial"}}

    def train(params, seed, budget, checkpoint=None):
        return l2l.SimulationResult(objectives={"loss": 0.0}, checkpoint={"t": budget})

    components = l2l.loop.build(l2l.from_mapping(mapping), simulator=train)
    assert float(components.budgets[0]) == pytest.approx(0.1) and len(components.budgets) == 10
