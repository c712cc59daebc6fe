"""A misspelt objective under run.penalty or run.target gets the name meant (a user wrote penalty = {rte = ...} for
the objective 'rate'); before, the line listed the objectives without saying which one was near."""

from pathlib import Path

import pytest

from l2l.cli import main

CONFIG = """[run]
name = "mo"
generations = 1
{line}
[space]
x = {{low = 0.0, high = 1.0}}
[optimizer]
name = "nsga2"
population_size = 4
[simulator]
name = "python"
function = "mo_model:model"
[[objectives]]
name = "err"
[[objectives]]
name = "rate"
direction = "maximize"
[backend]
name = "serial"
"""
MODEL = "def model(params, seed):\n    return {'err': params['x'], 'rate': 1 - params['x']}\n"


@pytest.mark.parametrize("line, said", [
    ("penalty = {rte = 5.0}", "run.penalty names 'rte' (did you mean 'rate'?), which is no objective of the run; "
                              "its objectives: 'err', 'rate'"),
    ("target = {er = 0.1}", "names 'er' (did you mean 'err'?), which is no objective of the run"),
])
def test_a_misspelt_objective_name_gets_the_one_meant(tmp_path: Path, capsys, line: str, said: str) -> None:
    (tmp_path / "mo_model.py").write_text(MODEL)
    (tmp_path / "mo.toml").write_text(CONFIG.format(line=line))
    assert main(["run", str(tmp_path / "mo.toml"), "-o", str(tmp_path / "mo.h5"), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and said in err[0], err
