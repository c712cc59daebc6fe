"""The progress bar of a one-line early-stopping sweep (run.policy = NAME, run.generations x population_size
candidates, no run.compute) counts the candidates decided, completed or stopped, of the sweep's: it ends at 100 %
when the run ends normally. It counted compute against the most the sweep could cost (every candidate trained to
every rung from scratch) and ended at 75 % (successive halving) or 9 % (ASHA, median stopping) of a run that had
finished. A run with run.compute shows compute against it."""

from __future__ import annotations

import re

import pytest
import tqdm.auto

import l2l
from l2l.cli import main

CANDIDATES = 27
TOP = 9


class Recorder(tqdm.auto.tqdm):
    """The bars a run draws, with every position each one went through."""

    made: list["Recorder"] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.positions = [self.n]
        Recorder.made.append(self)

    def update(self, n=1):
        out = super().update(n)
        self.positions.append(self.n)
        return out


@pytest.fixture
def bars(monkeypatch):
    Recorder.made = []
    monkeypatch.setattr(tqdm.auto, "tqdm", Recorder)
    return Recorder.made


def sweep(policy: str, **run) -> dict:
    return {"run": {"name": "sweep", "seed": 3, "generations": 1, "policy": policy, **run},
            "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
            "optimizer": {"name": "random", "population_size": CANDIDATES},
            "simulator": {"name": "sleep", "median": 0.0, "max_budget": TOP}, "backend": {"name": "serial"}}


def states(path) -> dict[str, int]:
    return l2l.load(path)["state"].value_counts().to_dict()


@pytest.mark.parametrize("policy", ["successive-halving", "hyperband", "asha", "median-stopping"])
def test_the_bar_of_a_finished_sweep_ends_at_all_its_candidates(tmp_path, bars, policy):
    path = l2l.run(l2l.from_mapping(sweep(policy)), tmp_path / "run.h5", progress=True)
    bar = bars[-1]
    assert (bar.total, bar.n, bar.unit) == (CANDIDATES, CANDIDATES, "candidate")  # 100 %
    # it moved on the way, never back
    assert bar.positions == sorted(bar.positions) and any(0 < n < CANDIDATES for n in bar.positions)
    # the postfix says how the candidates ended, as the file does, and the compute spent
    counts = states(path)
    text = bar.postfix
    assert f"{CANDIDATES} started, 0 running" in text
    assert f"{counts.get('completed', 0)} completed, {counts.get('stopped', 0)} stopped" in text
    spent = float(l2l.load(path)["compute"].sum())
    assert re.search(rf"stopped, {spent:g} sleep units\b", text)


def test_the_one_line_sweep_run_from_the_command_line_ends_at_100_percent(tmp_path, bars):
    config = tmp_path / "sweep.toml"
    config.write_text(f"""[run]
name = "sweep"
seed = 3
generations = 1
policy = "successive-halving"

[space]
x = {{ low = -5.0, high = 5.0, shape = [2] }}

[optimizer]
name = "random"
population_size = {CANDIDATES}

[simulator]
name = "sleep"
median = 0.0
max_budget = {TOP}

[backend]
name = "serial"
""")
    assert main(["run", str(config), "--out", str(tmp_path / "cli.h5")]) == 0
    assert (bars[-1].total, bars[-1].n) == (CANDIDATES, CANDIDATES)


def test_a_sweep_stopped_by_a_segment_cap_ends_short_and_its_resume_at_100_percent(tmp_path, bars):
    path = l2l.run(l2l.from_mapping(sweep("asha", evaluations=12)), tmp_path / "run.h5", progress=True)
    first = bars[-1]
    assert first.total == CANDIDATES and 0 < first.n < CANDIDATES  # the cap stopped it: honestly short
    l2l.resume(path, evaluations=10_000, progress=True)
    again = bars[-1]
    assert again is not first and again.positions[0] == first.n  # it goes on from where it stood
    assert (again.total, again.n) == (CANDIDATES, CANDIDATES)
    assert set(states(path)) <= {"completed", "stopped"}


def test_a_run_with_a_compute_budget_shows_compute_against_it(tmp_path, bars):
    path = l2l.run(l2l.from_mapping(sweep("successive-halving", compute=20)), tmp_path / "run.h5", progress=True)
    bar = bars[-1]
    spent = float(l2l.load(path)["compute"].sum())
    assert bar.unit == "units" and bar.n == spent >= 20  # the sleep fidelity's name (was "budget")
    assert bar.total == max(20, spent)  # an overshoot of the last segments keeps a total
