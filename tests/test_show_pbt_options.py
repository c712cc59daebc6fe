"""l2l show of a PBT run names every option the run runs with, the interval and max_budget derived included.

Before, a run with ``run.policy = "pbt"`` showed ``policy {"name": "pbt", "population": 4}``: not the interval
actually used (a tenth of the top budget), nor any other option left at its default.
"""

from __future__ import annotations

import json
import subprocess
import sys

import l2l

MAPPING = {
    "run": {"name": "pbs", "policy": "pbt", "generations": 1},
    "space": {"learning_rate": {"low": 0.001, "high": 0.3, "log": True}},
    "optimizer": {"name": "random", "population_size": 4},
    "simulator": {"name": "noisy-sgd", "max_budget": 100},
    "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}


def shown_policy(path) -> str:
    done = subprocess.run([sys.executable, "-m", "l2l", "show", str(path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return next(line for line in done.stdout.splitlines() if line.startswith("policy "))


def test_the_policy_line_gives_the_derived_interval_and_every_default(tmp_path):
    path = l2l.run(l2l.from_mapping(MAPPING), tmp_path / "pbs.h5", progress=False)
    line = shown_policy(path)
    options, _, note = line[len("policy"):].strip().partition("}  (")
    options = json.loads(options + "}")
    assert options == {"name": "pbt", "population": 4, "interval": 10, "max_budget": 100, "fraction": 0.25,
                       "selection": "truncation", "explore": "perturb", "factors": [0.8, 1.2], "keep": [],
                       "burn_in": 0, "resample_probability": 0.25, "synchronous": True}
    assert note == "max_budget: the simulator's steps maximum; interval: a tenth of max_budget, in whole units)"
    assert sorted(l2l.load(path, segments=True)["budget"].unique())[:2] == [10.0, 20.0]  # the interval it ran


def test_an_interval_and_max_budget_given_are_shown_as_given_without_a_note(tmp_path):
    mapping = {**MAPPING, "run": {"name": "pbs"},
               "policy": {"name": "pbt", "population": 4, "interval": 25, "max_budget": 50}}
    line = shown_policy(l2l.run(l2l.from_mapping(mapping), tmp_path / "given.h5", progress=False))
    assert '"interval": 25, "max_budget": 50,' in line and line.endswith("}")
