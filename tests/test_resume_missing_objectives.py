"""A run refused because its simulator does not return the run's objectives, then resumed.

Unchanged, the resume is refused the same way after its first commit, instead of
running the whole budget into failures (60 of 60 segments failed in a new
user's trial); with the simulator fixed, it goes on. The failed rows stay.
"""

from __future__ import annotations

import textwrap

import pytest

import l2l
from l2l.errors import ConfigError

CONFIG = {
    "run": {"name": "objectives", "seed": 3, "generations": 5},
    "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
    "optimizer": {"name": "random", "population_size": 4},
    "simulator": {"name": "python", "function": "model:run"},
    "objectives": [{"name": "value", "direction": "minimize"}],
    "backend": {"name": "serial"},
}


def write_model(folder, objective: str) -> None:
    (folder / "model.py").write_text(textwrap.dedent(f"""
        def run(params, seed):
            return {{"{objective}": params["x"] ** 2}}
        """))


def config(folder):
    return l2l.from_mapping({**CONFIG, "simulator": {**CONFIG["simulator"], "path": str(folder)}})


def test_a_resume_with_the_simulator_unchanged_is_refused_after_one_generation(tmp_path):
    write_model(tmp_path, "loss")
    path = tmp_path / "run.h5"
    with pytest.raises(ConfigError, match="of the first generation returned the run's objectives"):
        l2l.run(config(tmp_path), path)
    assert len(l2l.load(path)) == 4
    with pytest.raises(ConfigError, match=r"since the resume returned the run's objectives .*missing \['value'\]"):
        l2l.resume(path)
    rows = l2l.load(path)
    assert len(rows) == 8  # one more generation, kept; not the four that were left
    assert (rows["status"] != "ok").all()


def test_a_resume_with_the_simulator_fixed_goes_on(tmp_path):
    write_model(tmp_path, "loss")
    path = tmp_path / "run.h5"
    with pytest.raises(ConfigError):
        l2l.run(config(tmp_path), path)
    write_model(tmp_path, "value")
    l2l.resume(path)
    rows = l2l.load(path)
    assert len(rows) == 20 and sorted(rows["generation"].unique()) == [0, 1, 2, 3, 4]
    assert (rows[rows["generation"] > 0]["status"] == "ok").all()
