"""The one outer loop: generational and async runs are policies of the same driver as multi-fidelity ones."""

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

import l2l
from l2l.control import RunControl
from l2l.loop import build
from l2l.policies.modes import Async, Generational
from conftest import comparable, make_config

DATA = Path(__file__).parent / "data"


def test_every_mode_is_scheduled_by_a_policy_of_the_one_driver():
    assert isinstance(build(make_config()).schedule, Generational)
    schedule = build(make_config(run={"mode": "async"}, optimizer={"name": "random", "population_size": 6})).schedule
    assert isinstance(schedule, Async) and schedule.population == 6
    multi = build(make_config(space={"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
                              optimizer={"name": "random"}, policy={"name": "asha"},
                              simulator={"name": "sphere", "multi_fidelity": True}))
    assert multi.schedule is multi.policy and multi.schedule.name == "asha"


def _stop_after(commits: int) -> tuple[RunControl, callable]:
    control, seen = RunControl(), []

    def on_generation(info):
        seen.append(info["generation"])
        if len(seen) == commits:
            control.request_stop("test")
    return control, on_generation


@pytest.mark.parametrize("mode", ["generational", "async"])
def test_a_run_stopped_after_each_commit_and_resumed_equals_an_uninterrupted_one(tmp_path, mode):
    config = make_config(run={"mode": mode, "generations": 4, "retries": 1},
                         space={"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
                         optimizer={"name": "tpe" if mode == "async" else "ga", "population_size": 5},
                         simulator={"name": "python", "function": "models_for_tests:flaky"})
    reference = l2l.load(l2l.run(config, tmp_path / "reference.h5"))
    path = tmp_path / "stopped.h5"
    control, on_generation = _stop_after(1)
    l2l.run(config, path, control=control, on_generation=on_generation)
    for _ in range(4):
        with l2l.Trajectory(path) as trajectory:
            if trajectory.finished():
                break
        control, on_generation = _stop_after(1)
        l2l.resume(path, control=control, on_generation=on_generation)
    assert l2l.validate(path) == []
    assert comparable(l2l.load(path)).equals(comparable(reference))
    assert (reference["status"] != "ok").any()  # failures and their penalties went through the same path
    assert list(l2l.generations(path)["evaluations"]) == [5, 10, 15, 20]


def test_an_async_run_stopped_by_the_previous_version_resumes_identically(tmp_path):
    """A file whose state has the layout of the async driver before the one loop ({candidate: code} in flight)."""
    path = tmp_path / "old.h5"
    with gzip.open(DATA / "async_v0_stopped.h5.gz") as source, open(path, "wb") as target:
        shutil.copyfileobj(source, target)
    with l2l.Trajectory(path) as trajectory:
        assert isinstance(trajectory.state()["loop"]["in_flight"], dict)  # what the old driver wrote
        config = l2l.loop.load_run_config(trajectory)
    l2l.resume(path)
    reference = l2l.load(l2l.run(config, tmp_path / "reference.h5"))
    resumed = l2l.load(path)
    assert len(resumed) == 20 and l2l.validate(path) == []
    assert comparable(resumed).equals(comparable(reference))


def test_a_generation_told_at_once_sees_the_penalty_of_its_worst_member(tmp_path):
    """Failures of a generation are told the worst value of the whole generation, not of those before them."""
    config = make_config(run={"generations": 2, "penalty": "worst"},
                         space={"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
                         optimizer={"name": "ga", "population_size": 9},
                         simulator={"name": "python", "function": "models_for_tests:flaky"})
    told = []
    original = l2l.optimizers.OPTIMIZERS.get("ga").tell

    def spy(self, problem, state, candidates, scores, outputs=None):
        told.append(np.array(scores))
        return original(self, problem, state, candidates, scores, outputs)

    cls = l2l.optimizers.OPTIMIZERS.get("ga")
    cls.tell = spy
    try:
        frame = l2l.load(l2l.run(config, tmp_path / "p.h5"))
    finally:
        cls.tell = original
    first = frame[frame["generation"] == 0]
    assert (first["status"] != "ok").any() and len(told[0]) == 9
    worst = first.loc[first["status"] == "ok", "value"].max()
    failed = (first["status"] != "ok").to_numpy()
    assert np.allclose(-told[0][failed, 0], worst)


def test_a_policy_sees_the_compute_spent_and_the_runs_compute_budget(tmp_path):
    from l2l.policies.asha import ASHA

    seen = []
    original = ASHA.next

    def spy(self, state, trials):
        seen.append((trials.compute, trials.compute_budget))
        return original(self, state, trials)

    ASHA.next = spy
    try:
        l2l.run(make_config(space={"x": {"low": -5.0, "high": 5.0, "shape": [2]}}, optimizer={"name": "random"},
                            policy={"name": "asha"}, simulator={"name": "sphere", "multi_fidelity": True},
                            run={"compute": 300}), tmp_path / "a.h5")
    finally:
        ASHA.next = original
    assert {budget for _, budget in seen} == {300.0}
    spent = [compute for compute, _ in seen]
    assert spent[0] == 0 and spent == sorted(spent) and spent[-1] >= 300 - 81


def test_a_generation_reaches_the_backend_in_one_submission_and_its_results_in_one_tell(tmp_path, monkeypatch):
    """A generation of 500 goes to the backend as one batch (the backend then chunks it) and is told once:
    submitting evaluations one by one made a local run of a GA 80x slower (one Dask task each)."""
    from l2l.jobs.serial import SerialExecutor
    from l2l.optimizers.genetic import GeneticAlgorithm

    submissions: list[int] = []
    tells: list[int] = []
    submit, tell = SerialExecutor.submit, GeneticAlgorithm.tell
    monkeypatch.setattr(SerialExecutor, "submit", lambda self, tasks: (submissions.append(len(tasks)),
                                                                      submit(self, tasks))[1])
    monkeypatch.setattr(GeneticAlgorithm, "tell",
                        lambda self, problem, state, codes, *rest: (tells.append(len(codes)),
                                                                   tell(self, problem, state, codes, *rest))[1])
    config = l2l.from_mapping({"run": {"name": "batch", "seed": 3, "generations": 3},
                               "space": {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [3]}},
                               "optimizer": {"name": "ga", "population_size": 500},
                               "simulator": {"name": "noop"}, "backend": {"name": "serial"}})
    l2l.run(config, tmp_path / "batch.h5")
    assert submissions == [500, 500, 500]
    assert tells == [500, 500, 500]
    assert len(l2l.load(tmp_path / "batch.h5")) == 1500
