"""A PBT run.compute spent before the members are first compared is refused when the config is read.

Before, `compute = 5` with 8 members and an interval of 20 ran one segment of 20 units, said "done ... compute
20 of 5" and exited 0: no member was ever compared, nothing exploited, none at the top budget.
"""

from __future__ import annotations

import pytest

import l2l
from l2l.errors import ConfigError

from conftest import l2l_cli


CONFIG = """[run]
name = "{name}"
{compute}
[space]
learning_rate = {{ type = "float", low = 0.001, high = 0.3, log = true }}
[simulator]
name = "noisy-sgd"
max_budget = 200
[[objectives]]
name = "loss"
direction = "minimize"
[policy]
name = "pbt"
population = 8
interval = {interval}
[backend]
name = "serial"
"""


def pbt_config(name: str, compute: float | None = None, interval: float = 20) -> str:
    """A PBT run of 8 members on noisy-sgd (200 steps); also tests/test_pbt_fractional_interval.py's."""
    return CONFIG.format(name=name, compute="" if compute is None else f"compute = {compute}", interval=interval)


def test_a_compute_below_the_first_interval_is_refused_in_one_line_and_creates_no_file(tmp_path):
    (tmp_path / "short.toml").write_text(pbt_config("short", compute=5))
    done = l2l_cli("run", "short.toml", "--no-progress", cwd=tmp_path, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "l2l: error: run.compute = 5 ends the run before policy 'pbt' compares its members: their first interval "
        "costs 8 x 20 = 160 training steps; give more (the default, 1600, trains every member to the top)"]
    assert not (tmp_path / "short.h5").exists()


def test_the_floor_is_the_first_interval_of_the_whole_population(tmp_path):
    (tmp_path / "a.toml").write_text(pbt_config("short", compute=160))
    with pytest.raises(ConfigError, match="costs 8 x 20 = 160"):
        l2l.loop.build(l2l.load_config(tmp_path / "a.toml"))
    (tmp_path / "b.toml").write_text(pbt_config("short", compute=161))  # the first decision is made and carried out
    path = l2l.run(l2l.load_config(tmp_path / "b.toml"), tmp_path / "b.h5", progress=False)
    assert (l2l.load(path, segments=True)["parent"] >= 0).any()
