"""The start line of optimizer ``auto`` in ``run.mode = 'async'`` says the evaluations its generations spend.

An asynchronous run's generation is the run's population (the [optimizer] population_size, 16 when not set),
not the population of the optimizer ``auto`` chose: 'its 3 generations spend 21 evaluations' (cmaes-quadratic's
7 each) was printed by a run that spent 48.
"""

from __future__ import annotations

import pytest
from conftest import write_toml

import l2l
from l2l.cli import main


@pytest.mark.parametrize("population, spent", [(None, 48), (5, 15)])
def test_the_start_line_of_an_async_auto_run_says_the_evaluations_it_spends(tmp_path, capsys, population, spent):
    optimizer = {"name": "auto"} if population is None else {"name": "auto", "population_size": population}
    config = write_toml(tmp_path / "c.toml", {
        "run": {"name": "auto-async", "seed": 1, "generations": 3, "mode": "async"},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [3]}},
        "optimizer": optimizer, "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    assert main(["run", str(config), "--out", str(tmp_path / "a.h5"), "--no-progress"]) == 0
    said = capsys.readouterr().err
    # before, without population_size: 'its 3 generations spend 21 evaluations' (cmaes-quadratic's 7 each)
    assert f"while its 3 generations spend {spent} evaluations" in said, said
    assert len(l2l.load(tmp_path / "a.h5")) == spent
