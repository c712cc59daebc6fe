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


def test_a_dotted_parameter_name_without_a_type_is_said_to_be_one(tmp_path, capsys):
    """layer.bias = { low = 0, high = 1 } (type float by default) is a table 'layer' holding 'bias' in TOML: it was
    refused as "parameter 'layer': unknown key 'bias' for type 'float'"; only a dotted table with a type was said
    to be a dotted name."""
    config = tmp_path / "dotted.toml"
    config.write_text('[run]\nname = "dotted"\ngenerations = 1\n[space]\nlayer.bias = { low = 0, high = 1 }\n'
                      '[optimizer]\nname = "random"\npopulation_size = 2\n[simulator]\nname = "sphere"\n'
                      '[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "layer.bias" in err and "layer_bias" in err and "unknown key" not in err, err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "dotted.h5").exists()
