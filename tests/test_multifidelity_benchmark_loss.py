"""benchmarks/multifidelity.py's lsnn-loss and egru-loss: every method optimizes the loss, quality stays the error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

from multifidelity import l2l_config  # noqa: E402
from peers.mf_problems import DEFAULT_PROBLEMS, Problem  # noqa: E402


@pytest.mark.parametrize("name, loss, error", [("lsnn-loss", "recall_loss", "recall_error"),
                                               ("egru-loss", "test_loss", "test_error")])
def test_the_loss_problems_optimize_the_loss_and_are_judged_on_the_error(name, loss, error):
    problem, plain = Problem(name, quick=True), Problem(name[:-len("-loss")], quick=True)
    assert name not in DEFAULT_PROBLEMS  # the reported problems are unchanged
    assert (problem.objective, problem.quality) == (loss, error)
    for method in ("tpe", "model-based", "asha"):
        assert l2l_config(problem, method, 0, {"name": "serial"})["objectives"] == [{"name": loss,
                                                                                      "direction": "minimize"}]
    unit = np.full(problem.dimension, 0.5)
    observed, _ = problem.run_to(unit, 3, problem.min_budget)
    assert observed == plain.simulator.run_to(plain.params(unit), 3, problem.min_budget, None).objectives[loss]
    # the honest quality is the same fresh-seed test error as the plain problem's, not the loss
    assert problem.true_value(unit) == plain.true_value(unit)
    value, trials = problem.true_value(unit), problem.options["test_trials"] * problem.fresh_seeds
    assert abs(value * trials - round(value * trials)) < 1e-9  # a mean of error rates on 128 trials, not a loss


def test_an_unknown_problem_is_one_line_and_exit_2():
    done = subprocess.run([sys.executable, str(BENCH / "multifidelity.py"), "--problems", "lsnn,nope"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "unknown problem 'nope'" in done.stderr and "lsnn-loss" in done.stderr
    assert "Traceback" not in done.stderr
