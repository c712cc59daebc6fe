"""run.target and a run killed once a candidate reached its target, before the event that ends it was written."""

from __future__ import annotations

import json

import pytest

import l2l
from conftest import comparable
from l2l.results_schema import writer as trajectory_writer
from test_run_target import policy_config, sphere_ga


class Killed(BaseException):
    """The process dying (kill -9, a node lost) between the run's last commit and its 'finished' event."""


def killed_before_finished(monkeypatch, config, path):
    event = trajectory_writer.TrajectoryWriter.event

    def dies(self, kind, *args, **kwargs):
        if kind == "finished":
            raise Killed
        return event(self, kind, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(trajectory_writer.TrajectoryWriter, "event", dies)
        with pytest.raises(Killed):
            l2l.run(config, path, progress=False)


@pytest.mark.parametrize("kind", ["ga", "asha"])
def test_a_run_killed_after_reaching_its_target_ends_reached_on_resume(tmp_path, monkeypatch, kind):
    """The GA's reaching result is the 2nd of a generation, ASHA's a top-budget segment: before, the resumed GA
    ended 'finished' at 5 of 12 generations without a word of the target (its half-evaluated generation committed)."""
    target = 2.87364839117693 if kind == "ga" else 6.0
    config = sphere_ga(target) if kind == "ga" else policy_config("models_compute_limit:curve", target)
    whole = l2l.run(config, tmp_path / "whole.h5", progress=False)
    killed = tmp_path / "killed.h5"
    killed_before_finished(monkeypatch, config, killed)
    l2l.resume(killed, progress=False)
    with l2l.Trajectory(whole) as one, l2l.Trajectory(killed) as other:
        expected = json.loads(one.events()["detail"].iloc[-1])
        events = other.events()
    assert events["kind"].tolist() == ["started", "resumed", "finished"]
    detail = json.loads(events["detail"].iloc[-1])
    assert detail["target"].pop("elapsed") >= 0 and expected["target"].pop("elapsed") >= 0
    # the hosts that ran the session's evaluations (07e1806): the resumed session ran none
    assert expected.pop("hosts") and "hosts" not in detail
    assert detail == expected
    assert comparable(l2l.load(killed)).equals(comparable(l2l.load(whole))) and l2l.validate(killed) == []
