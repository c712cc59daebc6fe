"""Review of session 30's second wave (helper-229): what a user found wrong, each test failing on the code before."""

from __future__ import annotations

from pathlib import Path

from conftest import write_toml
from l2l.cli import main
from test_enqueue29 import policy_config


def test_pbt_refuses_more_initial_points_than_its_first_population(tmp_path: Path, capsys) -> None:
    """pbt asks its optimizer only for the first population: a fifth point of a population of 4 was silently never
    evaluated (while the banner said '5 initial points first'); now refused in one line, exit 2, nothing written."""
    data = policy_config({"name": "pbt", "population": 4, "interval": 3}, "ga")
    data["run"]["initial_points"] += [{"x": [2.0, 2.0]}, {"x": [-5.0, 5.0]}, {"x": [1.0, 1.0]}]
    config = write_toml(tmp_path / "c.toml", data)
    assert main(["run", str(config), "--no-progress", "--out", str(tmp_path / "r.h5")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("l2l: error: run.initial_points: 5 points, but policy 'pbt' starts only its first population of 4 "
                   "members from the optimizer; give at most 4 points, or [policy] population = 5"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]

    data["run"]["initial_points"].pop()  # as many points as members: taken, as before
    write_toml(config, data)
    assert main(["run", str(config), "--dry-run"]) == 0
