"""Failures whose messages differ only in a number are one reason: a simulator that says what went wrong with the
value that caused it ("x must be at least 0.5, got 0.31") made every failure a reason of its own, and ``l2l show``
read '12 failed: 1 × "...got 0.31", 11 with 11 other reasons'. From three such messages on they count as one,
written with the numbers that differ as '…'; two stay apart (exit status 1 is not exit status 137)."""

from __future__ import annotations

import json

import numpy as np

import l2l
from l2l.results_schema.reader import Trajectory
from l2l.summary import failure_line, summarize
from l2l.summary.failures import reasons_alike


def _run(tmp_path, fails, population=12, **run):
    config = l2l.from_mapping({
        "run": {"name": "f", "seed": 3, "generations": 1, **run}, "space": {"x": {"low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": population},
        "simulator": {"name": "python"}, "objectives": [{"name": "value", "direction": "minimize"}],
        "backend": {"name": "serial"}})
    return l2l.run(config, tmp_path / "f.h5", simulator=fails, progress=False)


def _too_small(params, seed):
    if params["x"] < 0.5:
        raise ValueError(f"x must be at least 0.5, got {params['x']:.4f}")
    return {"value": params["x"]}


def _line(path) -> str:
    with Trajectory(path) as trajectory:
        return failure_line(trajectory, summarize(trajectory))


def test_failures_that_differ_only_in_the_value_are_one_reason_in_show(tmp_path):
    path = _run(tmp_path, _too_small)
    failed = int((l2l.load(path)["status"] != "ok").sum())
    assert failed >= 3
    assert _line(path) == f'{failed} failed: {failed} × "ValueError: x must be at least 0.5, got …"'


def test_two_messages_that_differ_in_a_number_stay_two_reasons(tmp_path):
    calls = iter(range(100))

    def exits(params, seed):
        raise RuntimeError(f"command ended with exit status {137 if next(calls) % 3 == 0 else 1}")

    line = _line(_run(tmp_path, exits, population=9))
    assert line == '9 failed: 6 × "RuntimeError: command ended with exit status 1", ' \
                   '3 × "RuntimeError: command ended with exit status 137"', line


def test_numbers_every_message_shares_are_kept(tmp_path):
    calls = iter(range(100))

    def diverged(params, seed):
        raise FloatingPointError(f"loss diverged at step {10 + next(calls)} of 200 (float64)")

    assert _line(_run(tmp_path, diverged, population=5)) == \
        '5 failed: 5 × "FloatingPointError: loss diverged at step … of 200 (float64)"'


def test_a_run_stopped_for_its_failures_names_the_reason_with_its_count(tmp_path):
    def always(params, seed):
        raise ValueError(f"x must be at least 2, got {params['x']:.6f}")

    path = _run(tmp_path, always, population=5, generations=10, stop_after_failures=10)
    with Trajectory(path) as trajectory:
        events = trajectory.events()
    stopped = json.loads(events[events["kind"] == "stopped"]["detail"].iloc[-1])
    assert stopped["failures"]["error"] == "ValueError: x must be at least 2, got …"
    assert stopped["failures"]["times"] == stopped["failures"]["count"] == 10


def test_the_failures_figure_and_the_report_count_them_as_one_message(tmp_path):
    from l2l.plot.data import load_run
    from l2l.plot.panels import error_summary

    path = _run(tmp_path, _too_small)
    failed = int((l2l.load(path)["status"] != "ok").sum())
    table = error_summary(load_run(str(path)))
    assert list(table["message"]) == ["ValueError: x must be at least 0.5, got …"]
    assert list(table["count"]) == [failed]
    assert "got 0." in table["example"].iloc[0]  # the example is one of the messages, its number in it


def test_the_grouping_rules():
    alike = reasons_alike(["a 1.5", "a 2", "a -3e-05", "b 1", "b 2", "v1.2 done", "v1.3 done", "v1.4 done", None])
    assert {alike[m] for m in ("a 1.5", "a 2", "a -3e-05")} == {"a …"}
    assert alike["b 1"] == "b 1" and alike["b 2"] == "b 2"  # two: apart
    # a digit inside a word is no number ('v1.2'): three different words, three reasons
    assert len({alike[m] for m in ("v1.2 done", "v1.3 done", "v1.4 done")}) == 3
    assert None not in alike
    many = [f"got {v}" for v in np.linspace(0, 1, 500)]
    assert set(reasons_alike(many).values()) == {"got …"}


def test_a_second_reason_that_does_not_fit_is_cut_shorter_not_hidden(tmp_path):
    # '17 failed: 9 × "...exited with status 1...", 8 with another reason' hid an out-of-memory kill (helper-344)
    calls = iter(range(100))

    def fails(params, seed):
        if next(calls) % 2:
            raise RuntimeError("command was killed by signal 9 (SIGKILL: killed from outside, e.g. by the "
                               "out-of-memory killer)")
        raise RuntimeError("command exited with status 1: the solver did not converge within the iteration limit "
                           "of this stage of the model")

    line = _line(_run(tmp_path, fails, population=6))
    assert line.startswith('6 failed: 3 × "RuntimeError: command exited with status 1: the solver') and \
        ', 3 × "RuntimeError: command was killed by signal 9' in line and "another reason" not in line, line
    assert len(line) <= 150
