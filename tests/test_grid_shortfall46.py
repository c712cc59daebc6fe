"""A user of the original L2L framework ports a GridSearchOptimizer run (docs/coming_from_l2l.md): there the whole
grid was one generation; l2l's grid evaluates population_size points a generation and the run ends at its
generations (10 by default) or evaluations. A grid larger than the run was walked only in part, in order, without a
word: 80 of 625 points kept the first parameter at its lowest level, and 'l2l show' called the best of those the
best. The run now says so in one warning line as it starts, with the generations that would cover the grid
(helper-383, session 46)."""

from __future__ import annotations

from l2l.cli import main

CONFIG = '''[run]
name = "grid"
seed = 0
{extent}
[space]
n = {{ type = "int", low = 0, high = 10 }}
x = {{ type = "float", low = -1.0, high = 1.0 }}
[optimizer]
name = "grid"
points = 5
population_size = 4
[simulator]
name = "python"
function = "grid_fn:simulate"
[backend]
name = "serial"
'''


def run(tmp_path, capsys, extent):
    (tmp_path / "grid_fn.py").write_text("def simulate(params, seed):\n    return (params['n'] - 3) ** 2 + params['x']\n")
    config = tmp_path / "grid.toml"
    config.write_text(CONFIG.format(extent=extent))
    capsys.readouterr()
    assert main(["run", str(config), "--no-progress"]) == 0
    return [line for line in capsys.readouterr().err.splitlines() if "warning" in line]


def test_a_run_shorter_than_the_grid_says_what_it_leaves_out(tmp_path, capsys):
    warned = run(tmp_path, capsys, "generations = 2")
    assert len(warned) == 1, warned
    assert "the grid has 25 points and the run evaluates the first 8" in warned[0], warned
    assert "'n' takes 2 of its 5 levels" in warned[0] and "run.generations = 7" in warned[0], warned


def test_run_evaluations_shorter_than_the_grid_are_said_too(tmp_path, capsys):
    warned = run(tmp_path, capsys, "evaluations = 10")
    assert len(warned) == 1 and "run.evaluations = 25" in warned[0], warned


def test_a_run_that_covers_the_grid_says_nothing(tmp_path, capsys):
    assert run(tmp_path, capsys, "generations = 7") == []
