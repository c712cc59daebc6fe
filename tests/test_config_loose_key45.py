"""A key written above the first [table] of a config file (``name = "t"`` before ``[run]``) belongs to no table in
TOML; l2l called it an 'unknown section' (goes with /tmp/helper-380/config_loose_key.patch)."""

import pytest

from l2l.cli import main

BODY = '[space]\nx = { type = "float", low = -1.0, high = 1.0 }\n[optimizer]\nname = "random"\n[simulator]\nname = "sphere"\n'


@pytest.mark.parametrize("key, where", [('name = "t"', " (under [run]?)"), ("generations = 3", " (under [run]?)"),
                                        ("population_size = 4", "")])
def test_a_key_above_the_first_table_is_said_so(tmp_path, capsys, key, where):
    config = tmp_path / "c.toml"
    config.write_text(f"{key}\n{BODY}")
    assert main(["run", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err == (f"l2l: error: key {key.split(' =')[0]!r} stands above the first [table], so it belongs to no "
                   f"section; move it under the table it is meant for{where}\n")
    assert list(tmp_path.iterdir()) == [config]


@pytest.mark.parametrize("table, hint", [
    ("[reevaluate]\ntop = 2\nseeds = 3\n", " (a [run] key: reevaluate = ... under [run], or a [run.reevaluate] table)"),
    ("[model]\nfoo = 1\n", " (the table is [simulator] here)"),
    ("[parameters]\ny = { low = 0.0, high = 1.0 }\n", " (the table is [space] here)"),
])
def test_a_section_of_another_name_says_which_it_is(tmp_path, capsys, table, hint):
    config = tmp_path / "c.toml"
    config.write_text(f"{BODY}{table}")
    assert main(["run", str(config)]) == 2
    name = table.split("]")[0][1:]
    assert capsys.readouterr().err == (f"l2l: error: unknown section {name!r}{hint}; allowed: run, space, optimizer, "
                                       f"simulator, objectives, backend, policy\n")
