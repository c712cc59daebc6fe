"""l2l watch of a policy run whose segments succeeded but none at the top budget yet says so.

Before, it said "no successful evaluation yet" beside "0 failed" and dozens of segments done: the view of every
PBT run until its last interval, and of any run with a policy before its first candidate reaches the top.
"""

from __future__ import annotations

import io

import l2l
from l2l.analysis.watch import watch


def test_watch_says_none_reached_the_top_budget_yet_rather_than_no_success(tmp_path):
    config = l2l.from_mapping({
        "run": {"name": "w", "seed": 1, "evaluations": 6}, "space": {"learning_rate": {"low": 1e-3, "high": 0.19,
                                                                                         "log": True}},
        "simulator": {"name": "noisy-sgd", "max_budget": 100},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "policy": {"name": "pbt", "population": 4, "interval": 20}, "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "w.h5", progress=False)  # 6 segments, none at the top budget
    out = io.StringIO()
    assert watch(path, once=True, out=out) == 0
    best = [line for line in out.getvalue().splitlines() if line.startswith("best so far")]
    assert best == ["best so far  loss (minimize): none at the top budget yet (6 segments below it succeeded)"], \
        out.getvalue()
