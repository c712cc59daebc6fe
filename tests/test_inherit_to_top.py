"""run.inherit = true spreads the top budget over run.generations, and the last generation ends at it.

With an integer fidelity the share is rounded (40 steps over 3 generations: 13 each), so every candidate used to end
at 39, below the simulator's top budget 40: no result counted toward run.target, and ``l2l show`` said no candidate
reached the top budget. The last generation now trains what the shares left (13, 13, 14). A run stored by an l2l
that gave every generation the rounded share (its state lacks the marker) resumes with that schedule.
"""

from __future__ import annotations

import pytest

import l2l
import l2l.driver
from l2l.control import RunControl
from l2l.driver_state import INHERIT_TO_TOP
from l2l.errors import ConfigError

SPREAD = {"run": {"name": "spread", "seed": 4, "generations": 3, "inherit": True},
          "space": {"learning_rate": {"type": "float", "low": 0.001, "high": 0.19, "log": True}},
          "optimizer": {"name": "ga", "population_size": 3},
          "simulator": {"name": "noisy-sgd", "max_budget": 40},
          "objectives": [{"name": "loss", "direction": "minimize"}],
          "backend": {"name": "serial"}}


def spread(**run):
    return l2l.from_mapping({**SPREAD, "run": {**SPREAD["run"], **run}})


def budgets(path) -> list[tuple[float, float]]:
    """(from budget, budget) of each generation, in order."""
    rows = l2l.load(path, segments=True)
    return [(float(g["from_budget"].max()), float(g["budget"].max())) for _, g in rows.groupby("generation")]


def stopped_as_an_older_l2l_wrote_it(config, path, monkeypatch):
    """A run stopped after its first generation, its state without the marker (as an l2l before it stored)."""
    made = l2l.driver.initial_state

    def unmarked(components):
        state = made(components)
        state["loop"].pop(INHERIT_TO_TOP)
        return state
    control = RunControl()
    with monkeypatch.context() as patched:
        patched.setattr(l2l.driver, "initial_state", unmarked)
        l2l.run(config, path, control=control, on_generation=lambda info: control.request_stop("test"))
    assert budgets(path) == [(0.0, 13.0)]


def test_the_last_generation_of_inherit_true_trains_to_the_top_budget(tmp_path):
    path = l2l.run(spread(), tmp_path / "s.h5")
    assert budgets(path) == [(0.0, 13.0), (13.0, 26.0), (26.0, 40.0)]
    l2l.loop.build(spread(target=5.0))  # its results count toward a target: not refused any more
    with pytest.raises(ConfigError, match="leaves room for 2 generations"):  # fewer generations than given: still
        l2l.loop.build(spread(evaluations=6, target=5.0))


def test_a_run_stored_with_the_rounded_shares_resumes_with_them(tmp_path, monkeypatch):
    path = tmp_path / "old.h5"
    stopped_as_an_older_l2l_wrote_it(spread(), path, monkeypatch)
    l2l.resume(path)
    assert budgets(path) == [(0.0, 13.0), (13.0, 26.0), (26.0, 39.0)]


def test_a_run_stored_with_the_rounded_shares_and_a_target_is_refused_on_resume(tmp_path, monkeypatch):
    path = tmp_path / "old.h5"
    stopped_as_an_older_l2l_wrote_it(spread(target=5.0), path, monkeypatch)
    with pytest.raises(ConfigError, match="train candidates to 39 at most"):
        l2l.resume(path)
    assert budgets(path) == [(0.0, 13.0)]  # nothing more ran
