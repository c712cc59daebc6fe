"""A run whose simulator never returns one of the declared objectives ends with a line that names both fixes (the
config's [[objectives]] or the function) and how to go on; before: 'name the simulator's objectives in
[[objectives]]' only, though a function of one's own may be what forgot it."""

import pytest

import l2l
from l2l.errors import ConfigError


def forgets_rate(params, seed):
    return {"err": params["x"] ** 2}


def test_a_missing_objective_names_both_fixes(tmp_path):
    config = {"run": {"name": "mo", "seed": 1, "generations": 2}, "space": {"x": {"low": 0.0, "high": 1.0}},
              "optimizer": {"name": "nsga2", "population_size": 4}, "simulator": "python",
              "objectives": [{"name": "err"}, {"name": "rate", "direction": "maximize"}],
              "backend": {"name": "serial"}}
    with pytest.raises(ConfigError) as caught:
        l2l.run(config, tmp_path / "mo.h5", simulator=forgets_rate, progress=False)
    text = str(caught.value)
    assert "missing ['rate']" in text
    assert "or make it return the missing ones; then run the config again into a new file" in text, text
