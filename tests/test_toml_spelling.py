"""An option refused for a value the TOML file spells `true` or `false` is quoted as the file spells it (before:
Python's True / False, which is no TOML)."""

from __future__ import annotations

import pytest

from l2l.cli import main


@pytest.mark.parametrize("table, option, value, words", [
    ("policy", "eta", "true", "policy 'asha': option 'eta' must be a number, got true"),
    ("policy", "min_budget", "false", "policy 'asha': option 'min_budget' must be a number, got false"),
    ("optimizer", "population_size", "true", "optimizer 'random': option 'population_size' must be an integer, "
                                             "got true"),
])
def test_a_boolean_given_for_a_number_is_named_as_toml_spells_it(tmp_path, capsys, table, option, value, words):
    extra = {"policy": "", "optimizer": ""}
    extra[table] = f"{option} = {value}\n"
    (tmp_path / "c.toml").write_text(f"""
[run]
name = "b"
compute = 30
[space]
x = {{ type = "float", low = 0.0, high = 1.0 }}
[simulator]
name = "sphere"
multi_fidelity = true
max_budget = 9
[[objectives]]
name = "value"
direction = "minimize"
[optimizer]
name = "random"
{extra['optimizer']}[policy]
name = "asha"
{extra['policy']}""")
    assert main(["run", str(tmp_path / "c.toml"), "--no-progress"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"l2l: error: {words}"], lines
    assert not (tmp_path / "b.h5").exists()
