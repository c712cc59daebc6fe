"""A negative objective weight is refused in one line: weights act on scores each objective's direction has made
larger-is-better, so -1.0 (the original L2L's way to say "minimize") beside direction = "minimize" made a GA
maximize its losses without a word (the median loss rose from 14 to 72 in 10 generations)."""

from __future__ import annotations

import pytest

import l2l
from l2l.cli import main
from conftest import write_toml


def _config(name: str, weights: list[float]) -> dict:
    return {"run": {"name": "w", "generations": 1},
            "space": {"x": {"type": "float", "low": 0.0, "high": 1.0, "shape": [2]}},
            "simulator": {"name": "zdt1"},
            "optimizer": {"name": name, "population_size": 4, "weights": weights} if name == "ga"
            else {"name": name, "weights": weights}}


@pytest.mark.parametrize("name", ["ga", "gp"])
def test_a_negative_weight_is_refused_naming_the_objective_and_the_fix(name, tmp_path, capsys):
    write_toml(tmp_path / "c.toml", _config(name, [1.0, -0.5]))
    out = tmp_path / "w.h5"
    assert main(["run", str(tmp_path / "c.toml"), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"l2l: error: optimizer {name!r}: weight -0.5 of objective 'f2' is negative; weights act on "
                   f"scores already made larger-is-better by each objective's direction ('f2': minimize), so a "
                   f"negative one seeks its worse value: give 0.5"), err
    assert not out.exists()


def test_positive_weights_run(tmp_path):
    path = l2l.run(l2l.from_mapping(_config("ga", [1.0, 0.5])), tmp_path / "w.h5", progress=False)
    assert len(l2l.load(path)) == 4
