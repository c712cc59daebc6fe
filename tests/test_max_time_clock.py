"""run.max_time counts from when the executor is ready: the workers' start-up is not the sweep's time."""

from __future__ import annotations

import time

import l2l
from conftest import make_config
from l2l.jobs.serial import SerialExecutor

STARTUP = 3.0  # a slow start of the workers (a local cluster under load)


def test_the_start_up_of_the_workers_does_not_use_up_run_max_time(tmp_path, monkeypatch):
    start = SerialExecutor.start

    def slow_start(self, simulator, settings):
        time.sleep(STARTUP)
        start(self, simulator, settings)

    monkeypatch.setattr(SerialExecutor, "start", slow_start)
    config = make_config(run={"generations": 1000, "max_time": 2.0}, optimizer={"name": "ga", "population_size": 4},
                         space={"x": {"low": -1.0, "high": 1.0, "shape": [2]}},
                         simulator={"name": "sleep", "median": 0.01})
    path = l2l.run(config, tmp_path / "t.h5", progress=False)
    # Before, the 3 s start-up used the whole 2 s: only the generation asked while the workers came up ran.
    assert l2l.load(path)["generation"].nunique() >= 2
    with l2l.Trajectory(path) as trajectory:
        state = trajectory.state()
        assert state["loop"]["elapsed"] < STARTUP  # the time of the sweep, as l2l show reports it
        assert trajectory.events()["kind"].iloc[-1] == "finished"
