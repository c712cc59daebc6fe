"""A key written below the wrong [table] header is refused with where it belongs.

TOML puts every key below a header in that table until the next one: ``generations = 15`` under [optimizer],
``workers = 2`` under [simulator] or ``backend = "local"`` under [simulator] were refused with the component's
options only, none of them the one meant (a newcomer's first config); so was an [optimizer.options] table.
"""

from __future__ import annotations

import pytest

from l2l.cli import main

HEAD = '[run]\nname = "t"\n[space]\nx = { type = "float", low = -1.0, high = 1.0 }\n'


@pytest.mark.parametrize("body, said", [
    ('[optimizer]\nname = "random"\ngenerations = 3\n[simulator]\nname = "sphere"\n',
     "optimizer 'random': unknown option 'generations' (a [run] key: write it under [run]; every key below the "
     "[optimizer] header is [optimizer]'s); allowed: "),
    ('[optimizer]\nname = "random"\n[simulator]\nname = "sphere"\nworkers = 2\n',
     "simulator 'sphere': unknown option 'workers' (a [backend] option: write it under [backend]; every key below "
     "the [simulator] header is [simulator]'s); allowed: "),
    ('[optimizer]\nname = "random"\n[simulator]\nname = "sphere"\nbackend = "local"\n',
     "simulator 'sphere': unknown option 'backend' ([backend] is a table of its own; every key below the "
     "[simulator] header is [simulator]'s); allowed: "),
    ('[optimizer]\nname = "random"\n[optimizer.options]\npopulation_size = 4\n[simulator]\nname = "sphere"\n',
     "optimizer 'random': unknown option 'options' (a [optimizer.options] table: write its keys directly under "
     "[optimizer]); allowed: "),
])
def test_a_key_of_another_table_says_which(tmp_path, capsys, body, said):
    config = tmp_path / "c.toml"
    config.write_text(HEAD + body)
    assert main(["run", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"l2l: error: {said}"), err
    assert list(tmp_path.iterdir()) == [config]  # nothing created


def test_an_option_of_no_other_table_is_refused_as_before(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text(HEAD + '[optimizer]\nname = "random"\nflavour = 3\n[simulator]\nname = "sphere"\n')
    assert main(["run", str(config)]) == 2
    assert capsys.readouterr().err.startswith("l2l: error: optimizer 'random': unknown option 'flavour'; allowed: ")
