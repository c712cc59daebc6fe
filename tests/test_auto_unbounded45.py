"""A config without [optimizer] (``auto``) over an unbounded parameter runs rather than being refused for tpe.

``auto`` chose ``tpe`` (rows 4 and 6 of its table) for one parameter, or a mostly discrete space, though tpe needs
bounds: a newcomer's ``x = { default = 0.0, scale = 1.0 }`` with no [optimizer] was refused with "optimizer 'tpe'
needs finite bounds", an optimizer the config never named. Where no row fits (several objectives) the refusal
says that auto chose it.
"""

from __future__ import annotations

from l2l.cli import main
from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import Problem
from l2l.space import Space

ONE = Problem(Space.from_json({"x": {"default": 0.0, "scale": 1.0}}), (Objective("f"),))
MOSTLY_DISCRETE = Problem(Space.from_json({"x": {"default": 0.0, "scale": 1.0},
                                           "k": {"type": "int", "low": 0, "high": 4},
                                           "c": {"type": "categorical", "choices": ["a", "b"]}}),
                          (Objective("f"),))


def test_auto_chooses_an_optimizer_that_takes_an_unbounded_parameter():
    for problem in (ONE, MOSTLY_DISCRETE):
        auto = OPTIMIZERS.create("auto", {"nevergrad": False, "budget": 50})
        assert auto.choose(problem)[::2] == ("cmaes-quadratic", 7)
        auto.check(problem)  # refused before: optimizer 'tpe' needs finite bounds
    bounded = Problem(Space.from_json({"x": {"low": -1.0, "high": 1.0}}), (Objective("f"),))
    assert OPTIMIZERS.create("auto", {"budget": 50}).choose(bounded)[::2] == ("tpe", 6)  # as before


def test_a_config_with_no_optimizer_runs_one_unbounded_parameter(tmp_path, capsys):
    config = tmp_path / "u.toml"
    config.write_text('[run]\nname = "u"\ngenerations = 2\n[space]\nx = { type = "float", default = 0.5, '
                      'scale = 1.0 }\n[simulator]\nname = "sphere"\n[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--no-progress"]) == 0, capsys.readouterr().err
    assert "optimizer 'auto' chose 'cmaes-quadratic'" in capsys.readouterr().err


def test_where_no_row_takes_it_the_refusal_says_auto_chose(tmp_path, capsys):
    config = tmp_path / "u.toml"
    config.write_text('[run]\nname = "u"\ngenerations = 2\n[space]\nx = { type = "float", default = 0.5, '
                      'scale = 1.0, shape = [2] }\n[simulator]\nname = "zdt1"\n')
    assert main(["run", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("l2l: error: optimizer 'auto' chose 'nsga2' (row 2 of its "
                                                   "decision table): optimizer 'nsga2' needs finite bounds"), err
    assert list(tmp_path.iterdir()) == [config]
