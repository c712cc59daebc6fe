"""run.stop_after_failures: a run whose model is broken (every evaluation fails the same way) stops after its first
N evaluations, keeps them, says why and how to go on, and a resume after the fix runs normally; a run that had one
success never stops for this reason."""

from __future__ import annotations

import json
import textwrap

import pytest

import l2l
from conftest import write_toml
from l2l.cli import main

MODEL = textwrap.dedent('''
    import os

    HERE = os.path.dirname(os.path.abspath(__file__))


    def fixed():
        return os.path.exists(os.path.join(HERE, "FIXED"))


    def broken(params, seed):
        """A model whose dependency is not installed, until the file FIXED is there."""
        if fixed():
            return float(params["x"] ** 2)
        import l2l_failfast29_not_installed  # noqa: F401


    def broken_curve(params, seed, budget, checkpoint=None):
        if fixed():
            return {"value": float(params["x"] ** 2 + 1.0 / budget)}
        import l2l_failfast29_not_installed  # noqa: F401


    def first_attempt_fails(params, seed):
        """Every evaluation fails at its first attempt and succeeds at its retry (a marker per seed)."""
        try:
            with open(os.path.join(HERE, f"seen-{seed}"), "x"):
                pass
        except FileExistsError:
            return float(params["x"] ** 2)
        raise RuntimeError("first attempt fails")


    def second_call_succeeds(params, seed):
        """Only the run's second evaluation succeeds (a model that works in one corner of the space)."""
        calls = os.path.join(HERE, "calls")
        os.makedirs(calls, exist_ok=True)
        n = len(os.listdir(calls))
        open(os.path.join(calls, str(n)), "w").close()
        if n == 1:
            return 0.5
        raise ValueError("outside the region where the model runs")
    ''')
MISSING = "ModuleNotFoundError: No module named 'l2l_failfast29_not_installed'"


def config(tmp_path, function="broken", run=None, **sections):
    (tmp_path / "failfast_model.py").write_text(MODEL)
    table = {"run": {"name": "ff", "seed": 1, "generations": 50, **(run or {})},
             "space": {"x": {"low": -1.0, "high": 1.0}},
             "optimizer": {"name": "random", "population_size": 4},
             "simulator": {"name": "python", "function": f"failfast_model:{function}", "path": str(tmp_path)},
             "backend": {"name": "serial"}, **sections}
    return table


def write(tmp_path, table) -> str:
    return str(write_toml(tmp_path / "c.toml", table))


def last_event(path) -> tuple[str, dict]:
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
    return events["kind"].iloc[-1], json.loads(events["detail"].iloc[-1])


def test_a_broken_model_stops_after_five_generations_not_fifty_and_says_how_to_go_on(tmp_path, capsys):
    out = tmp_path / "ff.h5"
    assert main(["run", write(tmp_path, config(tmp_path)), "--out", str(out), "--no-progress"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    # max(20, 2 x 4), a whole number of generations of 4: 20 evaluations, not 50 x 4
    assert err[-1] == (f"l2l: every evaluation failed, so the run stopped after the first 20 (run.stop_after_failures "
                       f"= 20, 0: never): 20 × \"{MISSING}\"; fix the model, then continue with: l2l resume "
                       f"{out} (or, if failures are expected in much of the space: l2l resume {out} "
                       f"--stop-after-failures 0) (all errors: l2l.load({str(out)!r})['error'])")
    frame = l2l.load(out)
    assert len(frame) == 20 and (frame["status"] == "failed").all()
    assert l2l.validate(out) == []
    kind, detail = last_event(out)
    assert kind == "stopped" and detail["reason"] == "the first 20 evaluations all failed; run.stop_after_failures = 20"
    assert detail["failures"]["count"] == 20 and detail["failures"]["error"] == MISSING


def test_a_resume_while_still_broken_gets_its_own_tries_and_one_after_the_fix_runs_to_the_end(tmp_path, capsys):
    out = tmp_path / "ff.h5"
    table = config(tmp_path, run={"generations": 12})
    assert main(["run", write(tmp_path, table), "--out", str(out), "--no-progress"]) == 1
    assert main(["resume", str(out), "--no-progress"]) == 1  # not at once: 20 more tries
    assert "the first 20 of this session (the 20 before them failed too;" in capsys.readouterr().err
    assert len(l2l.load(out)) == 40
    (tmp_path / "FIXED").write_text("")
    assert main(["resume", str(out), "--no-progress"]) == 0
    frame = l2l.load(out)
    assert len(frame) == 12 * 4 and (frame["status"] == "ok").sum() == 8  # the 2 generations left, all ok
    assert last_event(out)[0] == "finished" and l2l.validate(out) == []


def test_a_run_with_one_success_never_stops_for_its_failures(tmp_path):
    table = config(tmp_path, "second_call_succeeds", run={"generations": 5, "stop_after_failures": 3})
    path = l2l.run(l2l.from_mapping(table), tmp_path / "ff.h5")
    frame = l2l.load(path)
    assert len(frame) == 20 and (frame["status"] == "ok").sum() == 1
    assert last_event(path)[0] == "finished"


def test_an_evaluation_that_succeeds_on_its_retry_counts_as_a_success(tmp_path):
    table = config(tmp_path, "first_attempt_fails", run={"generations": 4, "retries": 1, "stop_after_failures": 2})
    frame = l2l.load(l2l.run(l2l.from_mapping(table), tmp_path / "ff.h5"))
    assert len(frame) == 16 and (frame["status"] == "ok").all() and (frame["attempts"] == 2).all()


def test_retries_of_a_broken_model_count_once_per_evaluation(tmp_path):
    table = config(tmp_path, run={"retries": 2, "stop_after_failures": 5})
    frame = l2l.load(l2l.run(l2l.from_mapping(table), tmp_path / "ff.h5"))
    assert len(frame) == 5 and (frame["attempts"] == 3).all()  # 5 evaluations of 3 attempts, not 5 attempts


def test_zero_never_stops_and_the_run_ends_as_before(tmp_path, capsys):
    out = tmp_path / "ff.h5"
    table = config(tmp_path, run={"generations": 5, "stop_after_failures": 0})
    assert main(["run", write(tmp_path, table), "--out", str(out), "--no-progress"]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("l2l: every evaluation failed; the last: ")
    assert len(l2l.load(out)) == 20 and last_event(out)[0] == "finished"


def test_a_failure_that_is_the_runs_last_evaluation_ends_it_finished(tmp_path):
    table = config(tmp_path, run={"generations": 3, "stop_after_failures": 12})  # N is the whole run's 12
    path = l2l.run(l2l.from_mapping(table), tmp_path / "ff.h5")
    assert len(l2l.load(path)) == 12 and last_event(path)[0] == "finished"


@pytest.mark.parametrize("value", [-1, 1.5, "10", True])
def test_a_bad_stop_after_failures_is_refused_in_one_line(tmp_path, capsys, value):
    table = config(tmp_path, run={"stop_after_failures": value})
    assert main(["run", write(tmp_path, table), "--out", str(tmp_path / "ff.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("l2l: error: run.stop_after_failures must be an integer >= 0, got ")
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "ff.h5").exists()


def test_an_async_run_stops_too(tmp_path):
    table = config(tmp_path, run={"mode": "async", "evaluations": 200})  # serial: one worker, so N = 20
    path = l2l.run(l2l.from_mapping(table), tmp_path / "ff.h5")
    kind, detail = last_event(path)
    # (the one queued beside the 20th runs before the stop: it might have succeeded, tests/test_review29.py)
    assert kind == "stopped" and detail["failures"]["count"] in (20, 21)
    assert len(l2l.load(path)) <= 21 and l2l.validate(path) == []


def test_a_policy_run_whose_every_segment_fails_stops_and_resumes_after_the_fix(tmp_path, capsys):
    table = config(tmp_path, "broken_curve", run={"compute": 60, "stop_after_failures": 6},
                   policy={"name": "asha", "eta": 3})
    del table["run"]["generations"]
    table["simulator"]["multi_fidelity"] = {"name": "steps", "minimum": 1, "maximum": 9}
    out = tmp_path / "ff.h5"
    assert main(["run", write(tmp_path, table), "--out", str(out), "--no-progress"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("l2l: every segment failed, so the run stopped after the first 6 ") and MISSING in err
    assert f"l2l.load({str(out)!r}, segments=True)['error']" in err
    kind, detail = last_event(out)
    assert kind == "stopped" and detail["failures"]["unit"] == "segment"
    assert len(l2l.load(out, segments=True)) <= 6 and l2l.validate(out) == []
    (tmp_path / "FIXED").write_text("")
    assert main(["resume", str(out), "--no-progress"]) == 0
    assert last_event(out)[0] == "finished" and (l2l.load(out, segments=True)["status"] == "ok").sum() > 10


def test_from_python_the_run_returns_its_path_says_why_and_names_the_call_that_goes_on(tmp_path, capsys):
    from l2l.summary import summary_of

    def model(params, seed):
        raise OSError("data/train.csv: no such file")

    table = config(tmp_path, run={"stop_after_failures": 3})
    table["simulator"] = "python"
    path = l2l.run(l2l.from_mapping(table), tmp_path / "ff.h5", simulator=model)
    assert len(l2l.load(path)) == 3
    assert summary_of(path).status_text == \
        "stopped (the first 3 evaluations all failed; run.stop_after_failures = 3)"
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith('l2l: every evaluation failed, so the run stopped after the first 3 ')
    assert '3 × "OSError: data/train.csv: no such file"' in err[-1]
    assert f'continue with: l2l.resume("{path.absolute()}", simulator=model)' in err[-1]
