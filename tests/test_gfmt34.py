"""The figures in refusals, warnings and ``l2l show``'s progress line are written as :func:`l2l.numbers.number`
writes them (session 34). They were ``:g``: a run.compute of 1234567 read ``1.23457e+06`` (its last digit lost), a
penalty of 1e7 read ``1e+07`` and a time limit of 1e6 s ``1e+06 s``, while the tables beside them wrote 1234567.
Small values read as before (``:g`` and :func:`number` agree below 1)."""

from __future__ import annotations

from l2l.components_schedule import ComputeFloor
from l2l.run_options import penalty_warning
from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.summary import progress_line
from l2l.summary.record import RunSummary


def test_refusal_writes_a_large_compute_in_full():
    refusal = ComputeFloor(1234567.0, 1234567.0, 2500000.0, True,
                           "ends the run before policy 'pbt' compares its members")
    assert isinstance(refusal, ConfigError)
    said = str(refusal)
    assert said.startswith("run.compute = 1234567 ends the run"), said  # before: 'run.compute = 1.23457e+06'
    assert "(the default, 2500000, trains every member to the top)" in said, said  # before: '2.5e+06'
    assert "e+0" not in said, said


def test_warning_writes_the_penalty_as_number_does():
    objectives = (Objective("loss"), Objective("accuracy", "maximize"))
    large = penalty_warning(1e7, objectives)
    assert large.startswith("l2l: warning: run.penalty = 10000000 is told"), large  # before: '= 1e+07 is told'
    small = penalty_warning(0.000123456789, objectives)
    assert small.startswith("l2l: warning: run.penalty = 0.000123457 is told"), small  # unchanged
    assert "\n" not in large and "\n" not in small


def _summary(max_time: float, elapsed: float | None) -> RunSummary:
    return RunSummary(path="run.h5", name="run", seed=1, optimizer={}, simulator={}, backend={}, host="h",
                      created="", l2l_version="", schema_version=1, objectives=(Objective("loss"),), parameters=(),
                      status="running", reason="", generations=2, planned_generations=10, evaluations=20, failed=0,
                      timeouts=0, best={}, started=None, last_event_time=None, last_completion=None, last_error="",
                      max_time=max_time, elapsed=elapsed)


def test_show_progress_writes_the_time_limit_in_full():
    line = progress_line(_summary(1e6, None), status=False)
    assert line.endswith(", time limit 1000000 s"), line  # before: ', time limit 1e+06 s'
    line = progress_line(_summary(1234567.0, 12.34), status=False)
    assert line.endswith(", time 12.3 of 1234567 s"), line  # before: 'of 1.23457e+06 s'
    assert progress_line(_summary(90.5, None), status=False).endswith(", time limit 90.5 s")
