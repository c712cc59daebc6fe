"""l2l.run takes the config as a mapping of its tables, as a user coming from Ray Tune or Optuna writes it.

Before, ``l2l.run({...})`` ended in ``AttributeError: 'dict' object has no attribute 'backend'`` from deep inside the
loop; the mapping had to go through ``l2l.from_mapping`` first. Now it is read as a config file is, and anything that
is neither a RunConfig nor a mapping (a config file's path) is refused in one line naming ``l2l.load_config``.
"""

from __future__ import annotations

import pytest

import l2l
from l2l import ConfigError

CONFIG = {
    "run": {"name": "mapping", "seed": 3, "generations": 1, "policy": "successive-halving"},
    "space": {"x": {"type": "float", "low": -2.0, "high": 2.0, "shape": [2]}},
    "optimizer": {"name": "random", "population_size": 9},
    "simulator": {"name": "sphere", "multi_fidelity": True, "max_budget": 9},
    "backend": {"name": "serial"},
}


def test_a_mapping_runs_as_the_same_config_through_from_mapping(tmp_path):
    path = l2l.run(CONFIG, tmp_path / "mapping.h5")
    again = l2l.run(l2l.from_mapping(CONFIG), tmp_path / "from_mapping.h5")
    columns = ["trial", "budget", "from_budget", "seed", "x[0]", "x[1]", "value"]
    segments, expected = l2l.load(path, segments=True), l2l.load(again, segments=True)
    assert len(segments) > 9 and segments[columns].equals(expected[columns])


def test_a_bad_mapping_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ConfigError, match="unknown key run.'generation'"):
        l2l.run({**CONFIG, "run": {"generation": 1}}, tmp_path / "bad.h5")
    assert not (tmp_path / "bad.h5").exists()


@pytest.mark.parametrize("given, hint", [("run.toml", "l2l.load_config('run.toml')"), (3, "l2l.load_config(path)")])
def test_neither_a_config_nor_a_mapping_is_refused_naming_load_config(tmp_path, given, hint):
    with pytest.raises(ConfigError) as error:
        l2l.run(given, tmp_path / "x.h5")
    assert hint in str(error.value) and "mapping of its tables" in str(error.value)
    assert not (tmp_path / "x.h5").exists()
