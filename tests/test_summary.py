"""One run summary: `show`, `report` and `watch` say the same thing about the same file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import l2l
from l2l.cli import main
from l2l.results_schema.lock import WriterLock
from l2l.results_schema.reader import Trajectory
from l2l.results_schema.writer import TrajectoryWriter, create
from l2l.summary import describe_parameter, run_status, summarize
from conftest import make_config

SPACE = {"w": {"type": "float", "low": -1.0, "high": 1.0, "shape": [4, 4]},
         "lr": {"type": "float", "low": 1e-4, "high": 0.1, "log": True},
         "layers": {"type": "int", "low": 1, "high": 6, "default": 2},
         "gain": {"type": "categorical", "choices": [0.5, 1.0, 2.0]}}


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("summary")
    config = make_config(run={"name": "summary", "generations": 2}, space=SPACE,
                         optimizer={"name": "random", "population_size": 4}, simulator={"name": "sphere"})
    return Path(l2l.run(config, folder / "finished.h5"))


def _empty_copy(source: Path, path: Path) -> Path:
    """A new trajectory with the run information of ``source`` and nothing written yet."""
    with Trajectory(source) as trajectory:
        create(path, run=trajectory.run, space=trajectory.space, objectives=trajectory.objectives)
    return path


def _created(finished: Path, folder: Path) -> Path:
    return _empty_copy(finished, folder / "created.h5")


def _interrupted(finished: Path, folder: Path) -> Path:
    path = _empty_copy(finished, folder / "interrupted.h5")
    with TrajectoryWriter(path) as writer:  # started, then its writer went away without a word
        writer.event("started", {"pid": 1})
    return path


def _stopped(finished: Path, folder: Path) -> Path:
    path = _empty_copy(finished, folder / "stopped.h5")
    with TrajectoryWriter(path) as writer:
        writer.event("started", {"pid": 1})
        writer.event("stopped", {"generation": 0, "reason": "SIGTERM"})
    return path


def _finished(finished: Path, folder: Path) -> Path:
    return finished


def _words(path: Path, tmp_path: Path, capsys) -> dict[str, str]:
    """The status each command prints for ``path``."""
    assert main(["show", str(path)]) == 0
    shown = re.search(r"status: (.*)$", capsys.readouterr().out, re.M).group(1)
    assert main(["watch", str(path), "--once"]) == 0
    watched = re.search(r"^status {7}(.*)$", capsys.readouterr().out, re.M).group(1)
    out = tmp_path / f"{path.stem}.html"
    assert main(["report", str(path), "-o", str(out), "--dpi", "20"]) == 0
    capsys.readouterr()
    badge = re.search(r'<span class="badge [a-z]+">([^<]*)</span>', out.read_text()).group(1)
    summary_row = re.search(r"<tr><th>status</th><td>([^<]*)</td>", out.read_text()).group(1)
    return {"show": shown, "watch": watched, "report": badge, "report summary": summary_row}


@pytest.mark.parametrize("make, word, reason", [
    (_created, "created", "not started"),
    (_interrupted, "interrupted", "no process writes the file"),
    (_stopped, "stopped", "SIGTERM"),
    (_finished, "finished", ""),
])
def test_show_report_and_watch_give_the_same_status_for_the_same_file(finished, tmp_path, capsys, make, word,
                                                                     reason):
    path = make(finished, tmp_path)
    words = _words(path, tmp_path, capsys)
    for command, text in words.items():
        assert text == word or text.startswith(f"{word} "), (command, text)
        assert reason in text or command == "report", (command, text)


def test_a_run_whose_writer_is_alive_is_running_in_every_view(finished, tmp_path, capsys):
    path = _interrupted(finished, tmp_path)
    with WriterLock(path):  # this process writes the file now
        words = _words(path, tmp_path, capsys)
    assert {text.split(" since ")[0] for text in words.values()} == {"running"}, words


def test_the_event_log_decides_the_status_with_its_reason():
    assert run_status([], [], None) == ("created", "not started")
    assert run_status(["started", "finished"], ["{}", "{}"], None) == ("finished", "")
    assert run_status(["started", "stopped"], ["{}", '{"reason": "SIGUSR1"}'], None) == ("stopped", "SIGUSR1")
    assert run_status(["started", "failed"], ["{}", '{"error": "disk full"}'], None) == ("failed", "disk full")
    assert run_status(["resumed"], ["{}"], True) == ("running", "")
    assert run_status(["resumed"], ["{}"], False)[0] == "interrupted"
    assert run_status(["resumed"], ["{}"], None)[0] == "running or interrupted"


def test_show_prints_every_parameter_with_its_bounds_and_shape(finished, capsys):
    assert main(["show", str(finished)]) == 0
    out = capsys.readouterr().out
    assert "parameters w float [-1, 1] shape 4x4\n" in out
    assert "           lr float [0.0001, 0.1] log\n" in out
    assert "           layers int [1, 6] default 2\n" in out
    assert "           gain categorical {0.5, 1.0, 2.0}\n" in out
    assert "2 of 2 generations, 8 evaluations (0 failed), status: finished" in out


def test_an_unbounded_parameter_is_described_by_its_start_and_step():
    space = l2l.Space.from_json({"x": {"default": 0.5, "scale": 0.1, "shape": [3]}})
    assert describe_parameter(space.parameters[0]) == "x float unbounded, from 0.5 in steps of about 0.1 shape 3"


def test_a_summary_updated_from_new_rows_equals_one_read_at_once(tmp_path):
    from l2l.jobs.base import Outcome

    config = make_config(run={"name": "grow", "generations": 1}, optimizer={"name": "random", "population_size": 2},
                         simulator={"name": "sphere"}, space={"x": {"type": "float", "low": -1.0, "high": 1.0}})
    path = _empty_copy(l2l.run(config, tmp_path / "template.h5"), tmp_path / "grow.h5")
    values = [0.7, 0.2, None, 0.5, 0.1, None, 0.3, 0.1]  # None: a failed evaluation
    summaries = []
    for start in range(0, len(values), 3):  # the writer appends a few rows, a watcher looks in between
        with TrajectoryWriter(path) as writer:
            rows = range(start, min(start + 3, len(values)))
            writer.append([Outcome(0, i, i, "ok", objectives={"value": values[i]}) if values[i] is not None
                           else Outcome(0, i, i, "failed", error=f"Traceback\nValueError: row {i}") for i in rows],
                          [{"x": 0.0} for _ in rows])
        with Trajectory(path) as trajectory:
            summaries.append(summarize(trajectory, previous=summaries[-1] if summaries else None))
    with Trajectory(path) as trajectory:
        whole = summarize(trajectory)
    assert [s.evaluations for s in summaries] == [3, 6, 8]
    assert summaries[-1] == whole
    assert whole.best["value"].value == 0.1 and whole.best["value"].individual == 4  # the first of two equal
    assert whole.failed == 2 and whole.last_error == "generation 0, individual 5: ValueError: row 5"


def test_a_run_extended_by_resume_shows_the_new_number_of_generations(tmp_path):
    import l2l
    from l2l.summary import progress_line, summary_of
    from conftest import make_config

    path = l2l.run(make_config(run={"generations": 2}), tmp_path / "short.h5")
    assert progress_line(summary_of(path)).startswith("2 of 2 generations")
    l2l.resume(path, generations=3)
    assert progress_line(summary_of(path)).startswith("3 of 3 generations")


@pytest.mark.parametrize("policy", [True, False])
def test_the_rate_that_ends_a_resume_counts_what_the_resume_ran(tmp_path, policy):
    """``done in S s: ..., R units/s`` after l2l resume: R is what this session ran over S, not the whole run's
    compute (or evaluations) over the session's seconds (before: a resume that ran 47 epochs in 1.3 s said 156
    epochs/s, the run's 203 over 1.3 s)."""
    from l2l.summary import finished_text, summary_of

    sections = {"run": {"name": "rate", "compute": 243, "seed": 4}, "simulator": {"name": "sphere",
                                                                              "multi_fidelity": True},
                "policy": {"name": "asha", "eta": 3}, "optimizer": {"name": "random"}} if policy else \
        {"run": {"name": "rate", "generations": 2}, "optimizer": {"name": "random", "population_size": 5}}
    path = Path(l2l.run(make_config(**sections), tmp_path / "run.h5"))
    first = summary_of(path)
    before = first.compute[0] if policy else first.evaluations
    rate = re.compile(r", (\d+) [^,]+/s$")
    assert abs(int(rate.search(finished_text(path, 1.0).splitlines()[0]).group(1)) - before) <= 0.5
    if policy:
        l2l.resume(path, compute=before + 405)
    else:
        l2l.resume(path, generations=6)
    after = summary_of(path)
    session = (after.compute[0] if policy else after.evaluations) - before
    assert session > 0 and before > 0
    done = finished_text(path, 2.0).splitlines()[0]
    found = rate.search(done)
    assert found is not None and abs(int(found.group(1)) - session / 2.0) <= 0.5, (done, session)
