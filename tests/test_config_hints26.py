"""Config mistakes a user makes, answered with what to write (session 26)."""

from __future__ import annotations

import pytest

from l2l.cli import main


def test_a_misspelt_section_is_answered_with_the_section_meant():
    import l2l

    with pytest.raises(l2l.ConfigError, match=r"unknown section 'objective' \(did you mean 'objectives'\?\)"):
        l2l.from_mapping({"run": {"name": "a"}, "space": {"x": {"type": "float", "low": 0, "high": 1}},
                          "objective": {"name": "loss"}, "simulator": {"name": "sphere"}})


def test_a_dotted_parameter_name_is_said_to_be_a_table_in_toml(tmp_path, capsys):
    (tmp_path / "run.toml").write_text('[run]\nname = "d"\n[space]\n'
                                       'layer.weights = { type = "float", low = -5.0, high = 5.0 }\n'
                                       '[simulator]\nname = "sphere"\n')
    assert main(["run", str(tmp_path / "run.toml"), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "the dotted key layer.weights is a table in TOML" in err and "layer_weights" in err
