"""run.compute counts the segments in flight: no batch of starts goes past the budget left (any backend)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import l2l
from conftest import TESTS
from l2l.jobs.serial import SerialExecutor
from slurm_helpers import require_slurm

ARRAY = {"name": "slurm-array", "poll_max": 0.5, "result_grace": 1.0, "walltime": "00:05:00"}


def asha_config(compute: float, backend: dict):
    """The user's config: a python simulator with a fidelity of 1..9 steps, ASHA with eta 3."""
    return l2l.from_mapping({
        "run": {"seed": 1, "compute": compute}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "simulator": {"name": "python", "function": "models_compute_limit:curve",
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
        "backend": backend}, base_dir=TESTS)


def spent(path) -> float:
    segments = l2l.load(path, segments=True)
    return float((segments["budget"] - segments["from_budget"]).sum())


def show(path) -> str:
    return subprocess.run([sys.executable, "-m", "l2l", "show", str(path)], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def wide_serial(monkeypatch):
    """The serial backend claiming 8 free workers: many starts per fill, deterministic completions."""
    monkeypatch.setattr(SerialExecutor, "worker_count", property(lambda self: 8), raising=False)


def test_many_free_workers_start_no_more_than_the_compute_left(tmp_path, wide_serial):
    path = l2l.run(asha_config(5, {"name": "serial"}), tmp_path / "five.h5", progress=False)
    assert spent(path) == 5  # 8 segments of 1 step were started at once before
    assert "compute 5 of 5 steps" in show(path)


def test_a_longer_run_overshoots_by_less_than_one_segment(tmp_path, wide_serial):
    path = l2l.run(asha_config(60, {"name": "serial"}), tmp_path / "sixty.h5", progress=False)
    segments = l2l.load(path, segments=True)
    costs = (segments["budget"] - segments["from_budget"]).tolist()
    # Every segment started while less than 60 was spent or in flight: the last one started can go past 60
    # by less than its own cost, and no other segment was started after the budget was committed.
    assert 60 <= sum(costs) < 60 + max(costs)


@pytest.mark.slurm
def test_slurm_array_starts_no_more_than_run_compute(tmp_path):
    require_slurm()
    path = l2l.run(asha_config(12, ARRAY), tmp_path / "array.h5", progress=False)
    # The array backend offers 32 slots: the first array held 32 candidates for a budget of 12 before.
    assert spent(path) == 12 and len(l2l.load(path, segments=True)) == 12
    assert "compute 12 of 12 steps" in show(path)


def test_a_policy_runs_finished_event_and_progress_bar_count_what_runs(tmp_path, monkeypatch, bar_texts):
    monkeypatch.setattr(SerialExecutor, "worker_count", property(lambda self: 2), raising=False)
    texts = bar_texts
    path = l2l.run(asha_config(20, {"name": "serial"}), tmp_path / "two.h5", progress=True)
    # Two workers are busy between completions: the bar said "1 running" after each one before.
    assert sum("2 running" in text for text in texts) > len(texts) // 3
    with l2l.Trajectory(path) as trajectory:
        detail = json.loads(trajectory.events()["detail"].iloc[-1])
    segments = l2l.load(path, segments=True)
    assert "generations" not in detail
    assert detail["segments"] == len(segments) and detail["candidates"] == segments["trial"].nunique()
    assert detail["compute"] == spent(path)
