"""Review of session 26's changes (session 27): what a user would hit, each reproduced by a real run first."""

from __future__ import annotations

from pathlib import Path

import pytest

import l2l
from l2l.cli import main


def _fails_above_half(params, seed):
    if params["x"] > 0.5:
        raise RuntimeError(f"diverged at x={params['x']:.3f}")
    return {"loss": params["x"]}


@pytest.mark.parametrize("name", ["error_start", "error_length"])
def test_a_categorical_parameter_named_like_an_evaluation_column_reads(tmp_path, name, capsys):
    """A categorical parameter named error_start (or error_length, trace_start, checkpoint_start ...) had that column's values (error
    offsets, -1) checked as its indices: the run's closing table, l2l.load and l2l show said the file was damaged
    ('/evaluations/params/error_start holds indices outside its 2 choices in 4 rows'), though validate called it
    valid."""
    config = l2l.from_mapping({
        "run": {"name": "cols", "seed": 3, "generations": 2},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0},
                  name: {"type": "categorical", "choices": ["a", "b"]}},
        "optimizer": {"name": "random", "population_size": 8}, "simulator": {"name": "python"},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"}})
    path = Path(l2l.run(config, tmp_path / "cols.h5", simulator=_fails_above_half, progress=False))
    frame = l2l.load(path)
    assert len(frame) == 16 and set(frame[name]) <= {"a", "b"}
    assert (frame["status"] != "ok").any() and (frame["status"] == "ok").any()  # both kinds of rows were read
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    assert "indices outside" not in capsys.readouterr().err
