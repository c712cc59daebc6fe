"""Today's changes tried as a new user would (session 41).

``evaluate_copies = false`` (the GA keeps a copy's known score) with ``run.inherit = true``: a copy's network
trains on from its parent's checkpoint to the generation's higher budget, so its known score was of a lower budget
and its network stopped training (an elite of generation 0 stayed at 200 steps while the run went to 1,600, its
lower-budget loss ranked beside the others). The two are refused together in one line, exit status 2, no file.
"""

from l2l.cli import main

MODEL = '''
from l2l import SimulationResult


def train(params, seed, budget, checkpoint=None):
    step = 0 if checkpoint is None else int(checkpoint["step"])
    return SimulationResult(objectives={"loss": params["x"] ** 2 + 1.0 / (1 + budget)},
                            checkpoint={"step": int(budget) + 0 * step})
'''

CONFIG = '''
[run]
name = "copies"
seed = 1
generations = 4
inherit = true

[space]
x = {{ type = "float", low = -1, high = 1 }}

[optimizer]
name = "ga"
population_size = 4
{copies}

[simulator]
name = "python"
function = "net:train"
multi_fidelity = {{ name = "steps", minimum = 1, maximum = 8, integer = true }}

[[objectives]]
name = "loss"
direction = "minimize"

[backend]
name = "serial"
'''


def test_evaluate_copies_false_with_inherit_is_refused_in_one_line(tmp_path, capsys):
    (tmp_path / "net.py").write_text(MODEL)
    config = tmp_path / "copies.toml"
    config.write_text(CONFIG.format(copies="evaluate_copies = false"))
    capsys.readouterr()
    assert main(["run", str(config), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("l2l: error: ")
    assert "evaluate_copies = false and run.inherit exclude each other" in err
    assert not (tmp_path / "copies.h5").exists()  # before: the run went on, copies kept lower budgets' scores


def test_inherit_with_the_default_evaluates_every_copy(tmp_path, capsys):
    (tmp_path / "net.py").write_text(MODEL)
    config = tmp_path / "copies.toml"
    config.write_text(CONFIG.format(copies="evaluate_copies = true"))
    assert main(["run", str(config), "--no-progress"]) == 0
    import l2l
    rows = l2l.load(tmp_path / "copies.h5")
    assert len(rows) == 16 and sorted(set(rows["budget"])) == [2.0, 4.0, 6.0, 8.0]
