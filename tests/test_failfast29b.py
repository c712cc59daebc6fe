"""run.stop_after_failures, follow-up: the default N is at least 20 (a legitimate model failing in most of its
space is rarely stopped), ``l2l resume FILE --stop-after-failures N`` (``l2l.resume(path, stop_after_failures=N)``)
switches it for a stored run, ``l2l watch`` ends on a run stopped so, and a resume after the fix evaluates again the
members of a generation the stop left half-evaluated instead of reusing the broken model's failures."""

from __future__ import annotations

import io
import json

import pytest

import l2l
from l2l.analysis.watch import watch
from l2l.cli import main
from l2l.errors import ConfigError
from test_failfast29 import MISSING, config, last_event, write

EVERY_CALL = '''

def fails_first(params, seed):
    """Fails its first 15 evaluations (a model failing in most of its space), then works."""
    calls = os.path.join(HERE, "calls")
    os.makedirs(calls, exist_ok=True)
    n = len(os.listdir(calls))
    open(os.path.join(calls, str(n)), "w").close()
    if n < 15:
        raise ValueError("outside the region where the model runs")
    return float(params["x"] ** 2)
'''


def stopped(tmp_path, generations, capsys=None, **run) -> str:
    out = tmp_path / "ff.h5"
    table = config(tmp_path, run={"generations": generations, **run})
    assert main(["run", write(tmp_path, table), "--out", str(out), "--no-progress"]) == 1
    if capsys is not None:
        capsys.readouterr()
    return str(out)


def resumed_events(path) -> list[dict]:
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
    return [json.loads(d) for d in events[events["kind"] == "resumed"]["detail"]]


def test_a_model_whose_first_15_evaluations_fail_is_not_stopped_by_default(tmp_path):
    table = config(tmp_path, "fails_first", run={"generations": 6})
    (tmp_path / "failfast_model.py").write_text((tmp_path / "failfast_model.py").read_text() + EVERY_CALL)
    table["simulator"]["function"] = "failfast_model:fails_first"
    frame = l2l.load(l2l.run(l2l.from_mapping(table), tmp_path / "ff.h5"))
    assert len(frame) == 24 and (frame["status"] == "ok").sum() == 9  # not stopped at 12 (the old floor 10)
    assert last_event(tmp_path / "ff.h5")[0] == "finished"


def test_resume_stop_after_failures_zero_runs_a_stopped_run_to_its_end(tmp_path, capsys):
    out = stopped(tmp_path, 7, capsys)
    assert len(l2l.load(out)) == 20
    assert main(["resume", out, "--stop-after-failures", "0", "--no-progress"]) == 1  # every evaluation failed
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("l2l: every evaluation failed; the last: ")
    assert len(l2l.load(out)) == 28 and last_event(out)[0] == "finished" and l2l.validate(out) == []
    assert resumed_events(out)[-1]["stop_after_failures"] == 0


def test_an_n_given_to_resume_holds_for_the_later_resumes_until_given_again(tmp_path, capsys):
    out = stopped(tmp_path, 12, capsys)
    assert main(["resume", out, "--stop-after-failures", "4", "--no-progress"]) == 1
    assert "run.stop_after_failures = 4, 0: never" in capsys.readouterr().err
    assert len(l2l.load(out)) == 24
    assert main(["resume", out, "--no-progress"]) == 1  # a plain resume (a requeued job's) keeps the 4
    assert len(l2l.load(out)) == 28 and last_event(out)[1]["failures"]["limit"] == 4
    assert [e.get("stop_after_failures") for e in resumed_events(out)] == [4, 4]


def test_a_bad_stop_after_failures_to_resume_is_refused_in_one_line_and_nothing_runs(tmp_path, capsys):
    out = stopped(tmp_path, 12, capsys)
    assert main(["resume", out, "--stop-after-failures", "-1", "--no-progress"]) == 2
    assert capsys.readouterr().err == "l2l: error: --stop-after-failures must be an integer >= 0, got -1\n"
    assert len(l2l.load(out)) == 20 and last_event(out)[0] == "stopped" and not resumed_events(out)


def test_from_python_the_line_names_stop_after_failures_zero_and_resume_takes_it(tmp_path, capsys):
    def model(params, seed):
        raise OSError("data/train.csv: no such file")

    table = config(tmp_path, run={"generations": 3, "stop_after_failures": 4})
    table["simulator"] = "python"
    path = l2l.run(l2l.from_mapping(table), tmp_path / "ff.h5", simulator=model)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    where = path.absolute()
    assert (f'continue with: l2l.resume("{where}", simulator=model) (or, if failures are expected in much of '
            f'the space: l2l.resume("{where}", stop_after_failures=0, simulator=model)) ') in line
    with pytest.raises(ConfigError, match=r"^stop_after_failures= must be an integer >= 0, got 1\.5$"):
        l2l.resume(path, simulator=model, stop_after_failures=1.5)
    l2l.resume(path, simulator=model, stop_after_failures=0)
    assert len(l2l.load(path)) == 12 and last_event(path)[0] == "finished"


def test_watch_ends_on_a_run_stopped_for_its_failures_with_its_line_and_status_1(tmp_path, capsys):
    out = stopped(tmp_path, 12, capsys)
    view = io.StringIO()
    assert watch(out, interval=0.01, out=view, max_frames=3) == 1  # one frame, not watching on
    said = view.getvalue().strip().splitlines()
    assert said[-1].startswith("l2l: every evaluation failed, so the run stopped after the first 20 ")
    assert MISSING in said[-1] and said[-1].endswith("--stop-after-failures 0) (all errors: "
                                                     f"l2l.load({str(tmp_path / 'ff.h5')!r})['error'])")
    assert main(["watch", out, "--once"]) == 1
    # a run stopped otherwise (a stop request, a requeued job) may be resumed by itself: watched on, as before
    table = config(tmp_path, run={"generations": 12})
    control = l2l.RunControl()
    table["simulator"]["function"] = "failfast_model:first_attempt_fails"  # fails: a stop request ends it
    path = l2l.run(l2l.from_mapping(table), tmp_path / "asked.h5", control=control,
                   on_generation=lambda info: control.request_stop("asked"))
    assert last_event(path)[0] == "stopped"
    assert watch(path, interval=0.01, out=io.StringIO(), max_frames=2) == 0  # its frames' count, as before


def test_a_resume_after_the_fix_evaluates_again_the_half_generation_the_stop_left(tmp_path, capsys):
    out = stopped(tmp_path, 3, capsys, stop_after_failures=5)  # generation 0's 4, then generation 1's first
    frame = l2l.load(out)
    assert len(frame) == 5 and (frame["status"] == "failed").all()
    (tmp_path / "FIXED").write_text("")
    assert main(["resume", out, "--no-progress"]) == 0
    frame = l2l.load(out)
    assert len(frame) == 12 and l2l.validate(out) == []
    assert (frame[frame["generation"] > 0]["status"] == "ok").all()  # not generation 1's failure of the old model
    assert (frame[frame["generation"] == 0]["status"] == "failed").all()  # committed, told: kept
