"""l2l.run(config, out, generations=3): the line says it is the config's [run] key, before anything starts; before it
suggested 'on_generation' (and said nothing for seed=1)."""

from pathlib import Path

import pytest

import l2l
from l2l.errors import L2LError

CONFIG = {"run": {"name": "small", "seed": 3, "generations": 2},
          "space": {"x": {"low": -1.0, "high": 1.0}},
          "optimizer": {"name": "random", "population_size": 4},
          "simulator": {"name": "sphere"}, "backend": {"name": "serial"}}


@pytest.mark.parametrize("key", ["generations", "seed", "max_time"])
def test_a_run_key_given_to_l2l_run_is_named_as_the_configs(tmp_path: Path, key: str) -> None:
    with pytest.raises(L2LError, match=rf"no argument '{key}': it is the config's \[run\] {key}"):
        l2l.run(CONFIG, tmp_path / "out.h5", **{key: 3})
    assert not (tmp_path / "out.h5").exists()
