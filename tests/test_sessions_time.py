"""A run stopped and resumed later: the figures of its speed count the time its sessions ran, not the pause."""

from __future__ import annotations

import re
import time

import l2l
from l2l.analysis.report import _summary
from l2l.analysis.watch import Watcher
from l2l.plot.compare import _table
from l2l.plot.data import load_run
from l2l.summary import summary_of

PAUSE = 2.0


def _run(tmp_path):
    config = l2l.from_mapping({
        "run": {"seed": 1, "compute": 200}, "space": {"x": {"low": -1.0, "high": 1.0}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha"},
        "simulator": {"name": "sleep", "median": 0.0, "seconds_per_unit": 0.002, "min_budget": 1, "max_budget": 27},
        "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "run.h5", progress=False)
    time.sleep(PAUSE)
    l2l.resume(path, compute=400, progress=False)
    return path


def test_compare_report_and_watch_leave_the_pause_between_sessions_out(tmp_path):
    path = _run(tmp_path)
    run = load_run(str(path))
    segments = l2l.load(path, segments=True)
    end = (segments["started"].astype("int64") / 1e9 + segments["duration"]).max()
    span = float(end - run.start_time())  # from the start to the end, pause included
    assert span > PAUSE
    wall = float(_table([run], run.objectives)["wall time (s)"].iloc[0])
    assert 0 < wall < span - PAUSE + 0.5  # the two sessions: about 0.4 s each and their start-up
    items = dict(_summary(run, summary_of(path)))  # the report's summary table
    reported = float(re.match(r"([0-9.]+) s", items["wall time"]).group(1))
    assert abs(reported - wall) < 0.2
    # l2l watch's rate: per second the sessions ran, not per second since the start. The seconds it counts leave the
    # pause out, as the wall time above does, on a machine of any speed (before: rate > 1.5 x the rate since the
    # start, which failed once the sessions took over twice the pause: 5 s of them under load)
    snapshot = Watcher(path).refresh()
    assert snapshot.rate is not None
    assert snapshot.summary.evaluations / snapshot.rate < span - PAUSE + 0.5
    # the best-so-far against time ends at the run's time, not after the night
    from l2l.plot.compare import curves
    seconds = curves(run, run.objectives[0])["seconds"]
    assert seconds.max() < span - PAUSE + 0.5


def test_a_model_based_run_is_labelled_by_its_policy_alone(tmp_path):
    config = l2l.from_mapping({
        "run": {"seed": 1, "compute": 81 * 6}, "space": {"x": {"low": 0.0, "high": 1.0, "shape": [3]}},
        "optimizer": {"name": "random"}, "policy": {"name": "model-based"},
        "simulator": {"name": "hartmann3", "multi_fidelity": True, "min_budget": 1, "max_budget": 81},
        "backend": {"name": "serial"}})
    run = load_run(str(l2l.run(config, tmp_path / "mb.h5", progress=False)))
    assert run.proposer == "model-based"  # it proposes its candidates: the optimizer is not used
