"""Second review of session 32 (review32b, helper-256).

b2d6f77 wrote compute figures whole in ``l2l show``'s progress line and the closing line, but the line right under
the progress line (the target's: 'after 13 segments / 3.7037e+06 steps of compute') and ``l2l run``'s banner
('compute 1.23457e+08 steps') kept ``:g``: the same run's compute in two spellings, one missing its last digits;
and a compute that is no whole number (a fidelity with ``integer = false``) still read '3e+06'.

11cd188 checked tell_partial as tell is, but took budgets that are no finite number."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import l2l
from l2l.cli import main

TRAIN = '''
def train(params, seed, budget, checkpoint=None):
    return {"loss": params["x"] + 1.0 / budget}
'''


def test_a_run_of_a_million_steps_says_its_compute_whole_in_the_banner_and_the_target_line(tmp_path, capsys):
    (tmp_path / "train_review32b.py").write_text(textwrap.dedent(TRAIN))
    (tmp_path / "run.toml").write_text(textwrap.dedent('''
        [run]
        seed = 1
        target = 0.9
        [simulator]
        name = "python"
        function = "train_review32b:train"
        multi_fidelity = {name = "steps", unit = "steps", minimum = 137174, maximum = 1234567}
        [optimizer]
        name = "random"
        [policy]
        name = "asha"
        [backend]
        name = "serial"
        [space]
        x = {low = 0.0, high = 1.0}
        [[objectives]]
        name = "loss"
        direction = "minimize"
        '''))
    out = tmp_path / "run.h5"
    assert main(["run", str(tmp_path / "run.toml"), "--out", str(out), "--no-progress"]) == 0
    said = capsys.readouterr()
    banner = next(line for line in (said.err + said.out).splitlines() if line.startswith("l2l ") and "run:" in line)
    assert "compute 123456700 steps" in banner, banner  # 100 x 1,234,567; before: 'compute 1.23457e+08 steps'
    assert main(["show", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    progress = next(line for line in lines if line.startswith("progress"))
    target = next(line for line in lines if line.startswith("target"))
    spent = progress.split("compute ")[1].split(" of ")[0]
    assert spent.isdigit() and int(spent) > 1_000_000, progress
    # the same figure in both lines; before: 'compute 3703699 of ...' above '... / 3.7037e+06 steps of compute'
    assert f"/ {spent} steps of compute" in target, (progress, target)


@pytest.mark.parametrize("name", ["gp", "tpe", "motpe"])
@pytest.mark.parametrize("budget", [np.nan, np.inf])
def test_tell_partial_refuses_a_budget_that_is_no_finite_number_in_one_line(name, budget):
    """11cd188 checked tell_partial's candidates, scores and the budgets' count, not their values: a NaN budget was
    taken, and TPE then dropped that candidate's result unsaid (NaN is its 'no result below the top budget')."""
    from l2l.errors import ConfigError
    from l2l.optimizers import OPTIMIZERS
    from l2l.testing.problems import evaluate, mixed_problem

    options = {"population_size": 4, **({"learn_from_stopped": True, "n_candidates": 50} if name == "gp" else {})}
    optimizer = OPTIMIZERS.create(name, options)
    problem = mixed_problem(2 if name == "motpe" else 1)
    state = optimizer.init(problem, 3)
    candidates, state = optimizer.ask(problem, state, 4)
    candidates = np.array(candidates, dtype=float)
    scores, budgets = np.array(evaluate(problem, candidates)[0], dtype=float), np.full(4, 3.0)
    budgets[2] = budget
    with pytest.raises(ConfigError) as refused:
        optimizer.tell_partial(problem, state, candidates, budgets, scores)
    message = str(refused.value)
    assert f"optimizer {name!r}: tell_partial: budget 2 is" in message and len(message.splitlines()) == 1, message
    budgets[2] = 3.0
    optimizer.tell_partial(problem, state, candidates, budgets, scores)  # finite ones: taken


def test_a_fractional_fidelity_of_a_million_units_says_its_compute_without_an_exponent(tmp_path, capsys):
    """b2d6f77 wrote whole compute figures whole, but a fidelity with ``integer = false`` sums to a fraction: its
    3000002.1 steps read 'compute 3e+06 of 100000070 steps' in the progress and closing lines and the target's."""
    from l2l.summary.progress import amount

    (tmp_path / "train_review32b.py").write_text(textwrap.dedent(TRAIN))
    config = l2l.from_mapping({
        "run": {"seed": 1, "target": 0.9}, "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha"},
        "simulator": {"name": "python", "function": "train_review32b:train",
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 50000.5,
                                         "maximum": 1000000.7, "integer": False}},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}, base_dir=tmp_path)
    path = l2l.run(config, tmp_path / "run.h5", progress=False)
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    progress = next(line for line in lines if line.startswith("progress"))
    target = next(line for line in lines if line.startswith("target"))
    spent = progress.split("compute ")[1].split(" of ")[0]
    assert spent.isdigit() and int(spent) > 1_000_000, progress  # before: 'compute 3e+06 of 100000070 steps'
    assert f"/ {spent} steps of compute" in target, target
    assert amount(3000002.1) == "3000002" and amount(999999.5) == "1000000" and amount(123456.7) == "123457"
    assert amount(2.25) == "2.25" and amount(1234567) == "1234567"
