"""After Ctrl-C, ``l2l show`` counts as ``paused`` only what ``l2l resume`` keeps: Ctrl-C appends the results that
came in but commits nothing, and a resume drops those rows and runs their candidates again from the last commit,
so ``show`` calls those candidates interrupted and says how many rows (and how much compute) a resume runs again.
Before, a candidate whose only rows came after the last commit read as paused at the budget of those rows."""

from __future__ import annotations

import re

import pytest

import l2l
import l2l.driver
from l2l.summary import show_text

#: Commits after every result until call ``uncommitted`` (6th), none from there on; call ``interrupt`` (12th) is a
#: Ctrl-C (the serial backend runs the function in the run's own process, where Ctrl-C lands). Calls are counted in
#: a file: a resume may import the module afresh.
MODEL = '''
import os

import l2l.driver


def _call(folder, uncommitted=6, interrupt=12):
    path = os.path.join(folder, "calls")
    n = (int(open(path).read()) if os.path.exists(path) else 0) + 1
    with open(path, "w") as handle:
        handle.write(str(n))
    if n == uncommitted:
        l2l.driver.FLUSH_SECONDS = 1e9  # nothing committed from here on, as in the second before a Ctrl-C
    if n == interrupt:
        raise KeyboardInterrupt


def curve(params, seed, budget, checkpoint=None, folder="."):
    _call(folder)
    return float(params["x"]) ** 2 + 1.0 / budget


def trained(params, seed, budget, checkpoint=None, folder=".", uncommitted=6, interrupt=12):
    from l2l.simulators.base import SimulationResult

    _call(folder, uncommitted, interrupt)
    return SimulationResult({"loss": float(params["x"]) ** 2 + 1.0 / budget}, checkpoint={"epochs": float(budget)})


def value(params, seed, folder="."):
    _call(folder)
    return float(params["x"]) ** 2
'''


def _interrupted_run(tmp_path, monkeypatch, extra: dict) -> tuple[l2l.RunConfig, object]:
    (tmp_path / "model26.py").write_text(MODEL)
    monkeypatch.setattr(l2l.driver, "FLUSH_SECONDS", -1.0)  # a commit after every result, until the 6th call
    config = l2l.from_mapping({"run": {"seed": 1, **extra.pop("run", {})},
                               "space": {"x": {"low": -5.0, "high": 5.0}}, "optimizer": {"name": "random"},
                               "objectives": [{"name": "loss", "direction": "minimize"}],
                               "backend": {"name": "serial"}, **extra}, base_dir=tmp_path)
    path = tmp_path / "run.h5"
    with pytest.raises(KeyboardInterrupt):
        l2l.run(config, path, progress=False)
    monkeypatch.setattr(l2l.driver, "FLUSH_SECONDS", -1.0)
    return config, path


def _progress(path) -> str:
    with l2l.Trajectory(path) as trajectory:
        return next(line for line in show_text(trajectory).splitlines() if line.startswith("progress"))


def test_show_calls_interrupted_the_candidates_whose_rows_resume_drops_and_paused_only_those_it_keeps(
        tmp_path, monkeypatch):
    _, path = _interrupted_run(tmp_path, monkeypatch, {
        "run": {"compute": 24}, "policy": {"name": "asha"},
        "simulator": {"name": "python", "function": "model26:curve", "kwargs": {"folder": str(tmp_path)},
                      "multi_fidelity": {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 9}}})
    with l2l.Trajectory(path) as trajectory:
        loop = trajectory.state()["loop"]
        committed, rows = int(loop["rows"]), trajectory.n_evaluations
        committed_compute = float(loop["compute"])
    assert 0 < committed < rows  # Ctrl-C appended rows after the last commit
    progress = _progress(path)
    frame = l2l.load(path)
    shown = dict((state, int(n)) for n, state in re.findall(r"(\d+) (paused|interrupted)", progress))
    paused = set(frame.loc[frame["state"] == "paused", "trial"])
    interrupted = set(frame.loc[frame["state"] == "interrupted", "trial"])
    assert shown == {"paused": len(paused), "interrupted": len(interrupted)}, progress  # show and load agree
    assert f"(0 failed; {rows - committed} after the last commit, which l2l resume runs again)" in progress, progress
    assert f"({committed_compute:g} by the last commit)" in progress, progress

    l2l.resume(path, simulator=None, progress=False)
    with l2l.Trajectory(path) as trajectory:
        trials = trajectory.rows(("trial",))["trial"]
    kept, rerun = set(trials[:committed].tolist()), set(trials[committed:].tolist())
    # a paused candidate went on from rows the resume kept; an interrupted one was run again by the resume
    assert paused and paused <= kept, (paused, kept)
    assert interrupted and interrupted <= rerun, (interrupted, rerun)
    assert any(trial not in kept for trial in interrupted)  # before: such a candidate was counted paused


def test_show_of_an_async_run_says_which_evaluations_resume_runs_again(tmp_path, monkeypatch):
    _, path = _interrupted_run(tmp_path, monkeypatch, {
        "run": {"mode": "async", "generations": 4}, "optimizer": {"name": "random", "population_size": 4},
        "simulator": {"name": "python", "function": "model26:value", "kwargs": {"folder": str(tmp_path)}}})
    with l2l.Trajectory(path) as trajectory:
        committed, rows = int(trajectory.state()["loop"]["rows"]), trajectory.n_evaluations
    assert 0 < committed < rows
    progress = _progress(path)
    assert f"{rows} evaluations (0 failed; {rows - committed} after the last commit, which l2l resume runs " \
           f"again)" in progress, progress
    l2l.resume(path, simulator=None, progress=False)
    assert "after the last commit" not in _progress(path)  # a finished run has none to run again


def test_the_closing_line_of_a_run_stopped_on_request_says_stopped_not_done(tmp_path):
    from l2l.control import RunControl
    from l2l.summary import finished_text

    def config(generations: int) -> l2l.RunConfig:
        return l2l.from_mapping({"run": {"seed": 1, "generations": generations},
                                 "space": {"x": {"low": -5.0, "high": 5.0}},
                                 "optimizer": {"name": "random", "population_size": 4},
                                 "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})

    control = RunControl()  # SIGTERM asks the run to stop so: it commits what finished and ends
    stopped = l2l.run(config(6), tmp_path / "stopped.h5", progress=False, control=control,
                      on_generation=lambda info: info["generation"] == 1 and control.request_stop("signal SIGTERM"))
    text = finished_text(stopped, 1.0)
    assert text.startswith("stopped after 1.0 s: 2 generations, "), text  # it said "done in 1.0 s: ..."
    done = l2l.run(config(2), tmp_path / "done.h5", progress=False)
    assert finished_text(done, 1.0).startswith("done in 1.0 s: 2 generations, 8 evaluations (0 failed)")


def test_a_missing_checkpoint_folder_counts_the_interrupted_candidates_that_hold_a_committed_checkpoint(
        tmp_path, monkeypatch):
    import shutil

    _, path = _interrupted_run(tmp_path, monkeypatch, {
        "run": {"compute": 24, "checkpoints": "beside"}, "policy": {"name": "asha"},
        # the 4th call continues trial 0 from its committed checkpoint at budget 1, after the last commit
        "simulator": {"name": "python", "function": "model26:trained",
                      "kwargs": {"folder": str(tmp_path), "uncommitted": 4, "interrupt": 8},
                      "multi_fidelity": {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 9}}})
    with l2l.Trajectory(path) as trajectory:
        committed = int(trajectory.state()["loop"]["rows"])
        kept = set(trajectory.rows(("trial",), 0, committed)["trial"].tolist())
    frame = l2l.load(path)
    paused = int((frame["state"] == "paused").sum())
    # resume goes on from the checkpoint of their committed rows: the folder must be back for them too
    continued = len(set(frame.loc[frame["state"] == "interrupted", "trial"]) & kept)
    assert paused and continued, frame
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copy(path, moved / "run.h5")  # without run.h5.checkpoints
    with l2l.Trajectory(moved / "run.h5") as trajectory:
        line = next(line for line in show_text(trajectory).splitlines() if line.startswith("checkpoints"))
    assert line.endswith(f"its {paused} paused candidate{'s' * (paused != 1)} and {continued} interrupted "
                         f"candidate{'s' * (continued != 1)} cannot continue"), line
