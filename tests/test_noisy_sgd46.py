"""noisy-sgd's explored values, its space and its checkpoints (session 46).

Before: an explored ``learning_rate`` below 0 or ``momentum`` outside [0, 1) ran and reported a diverged learner's
loss as a result (``learning_rate = -0.1``: 1e12; a momentum choice of 1.5: 843876), with no word; an unbounded
``momentum`` (``cmaes``, ``default`` and ``scale``) ended ``l2l run`` in a TypeError traceback; a checkpoint of
another ``dimension`` failed with numpy's "operands could not be broadcast", and one taken after the budget asked
was returned as the state at that budget. Now: one line each (exit status 2 for the config's).
"""

from __future__ import annotations

import pytest

from l2l.cli import main
from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS

CONFIG = '''[run]
name = "n"
generations = 1
[space]
{space}
[optimizer]
name = "{optimizer}"
population_size = 4
[simulator]
name = "noisy-sgd"
max_budget = 20
[backend]
name = "serial"
'''


@pytest.mark.parametrize("space, optimizer, words", [
    ('momentum = { type = "float", default = 0.5, scale = 0.1 }', "cmaes", "give it low >= 0 and high < 1"),
    ('momentum = { type = "categorical", choices = [0.5, 1.5] }', "random", "momentum has choice = 1.5"),
    ('learning_rate = { type = "float", low = -0.1, high = 0.1 }', "random", "learning_rate has low = -0.1"),
    ('momentum = { type = "float", low = -0.5, high = 0.5 }', "random", "momentum has low = -0.5"),
])
def test_a_space_the_evaluations_refuse_is_refused_in_one_line(tmp_path, capsys, space, optimizer, words):
    config = tmp_path / "c.toml"
    config.write_text(CONFIG.format(space=space, optimizer=optimizer))
    code = main(["run", str(config), "--dry-run"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("l2l: error: ") and err.count("\n") == 1 and words in err, err


def test_a_space_from_zero_runs(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text(CONFIG.format(space='learning_rate = { type = "float", low = 0.0, high = 0.3 }\n'
                                          'momentum = { type = "float", low = 0.0, high = 0.9 }', optimizer="random"))
    assert main(["run", str(config), "--dry-run"]) == 0, capsys.readouterr().err


def test_an_evaluation_refuses_values_outside_the_range_and_foreign_checkpoints():
    simulator = SIMULATORS.create("noisy-sgd", {"max_budget": 20})
    for params, words in (({"learning_rate": -0.1}, "'learning_rate' must be >= 0"),
                          ({"momentum": 1.5}, r"'momentum' must be in \[0, 1\)")):
        with pytest.raises(ConfigError, match=words):
            simulator.run(params, 1)
    checkpoint = simulator.run_to({}, 1, 10, None).checkpoint
    with pytest.raises(ValueError, match=r"x has shape \(10,\), not that of dimension = 5"):
        SIMULATORS.create("noisy-sgd", {"max_budget": 20, "dimension": 5}).run_to({}, 1, 20, checkpoint)
    with pytest.raises(ValueError, match="cannot go back from the checkpoint's step 10 to 5"):
        simulator.run_to({}, 1, 5, checkpoint)
    assert simulator.run_to({}, 1, 20, checkpoint).objectives == simulator.run({}, 1).objectives
