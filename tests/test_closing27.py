"""Two wordings a user read wrong (session 27): the closing line of a run with ``[run] reevaluate`` said
``done in 3.8 s: ..., 8.5 evaluations/s`` of a run that took 0.2 s, the re-evaluation the rest; and ``l2l show``
said "N large checkpoints" of a run with ``checkpoints = "beside"``, where every checkpoint is in the folder
whatever its size."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import l2l
from l2l.results_schema.checkpoint_store import SUFFIX, describe, folder_of
from l2l.summary import text


def bowl(params, seed):
    return float(params["x"] ** 2)


def _config(**run):
    return {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
            "optimizer": {"name": "random", "population_size": 4},
            "run": {"generations": 2, "seed": 5, **run}, "backend": {"name": "serial"}}


@pytest.fixture(scope="module")
def reevaluated(tmp_path_factory):
    """A run of 8 evaluations re-evaluated on fresh seeds after it finished, and when its 'finished' event is."""
    path = l2l.run(_config(reevaluate={"top": 2, "seeds": 2}), tmp_path_factory.mktemp("closing") / "run.h5",
                   simulator=bowl, progress=False)
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
        assert trajectory.has_reevaluations
    return path, events.loc[events["kind"] == "finished", "time"].iloc[-1].timestamp()


def _done(path, seconds, now, monkeypatch) -> str:
    """The closing line of ``l2l run`` for a session of ``seconds`` that ends at ``now``."""
    monkeypatch.setattr(text, "time", SimpleNamespace(time=lambda: now), raising=False)
    return text.finished_text(path, seconds).splitlines()[0]


def test_the_closing_line_says_the_run_and_the_reevaluation_apart(reevaluated, monkeypatch):
    """10 s in all, the re-evaluation the 2 s since the run finished: the rate is over the run's 8 s (it said
    '0.8 evaluations/s', 8 evaluations over the 10 s)."""
    path, finished = reevaluated
    assert _done(path, 10.0, finished + 2.0, monkeypatch) == (
        "done in 10.0 s (the run 8.0 s, re-evaluation 2.0 s): 2 generations, 8 evaluations (0 failed), "
        "1 evaluations/s")


def test_a_session_that_did_not_finish_the_run_says_no_reevaluation(reevaluated, monkeypatch):
    """A 'finished' event before the session began (the session's 1 s ended 2 s after it) is no re-evaluation of
    this session: the plain line."""
    path, finished = reevaluated
    assert _done(path, 1.0, finished + 2.0, monkeypatch) == (
        "done in 1.0 s: 2 generations, 8 evaluations (0 failed), 8 evaluations/s")


def test_a_run_without_reevaluate_keeps_its_line(tmp_path, monkeypatch):
    path = l2l.run(_config(), tmp_path / "plain.h5", simulator=bowl, progress=False)
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
    finished = events.loc[events["kind"] == "finished", "time"].iloc[-1].timestamp()
    assert _done(path, 10.0, finished + 2.0, monkeypatch) == (
        "done in 10.0 s: 2 generations, 8 evaluations (0 failed), 0.8 evaluations/s")


def _folder(tmp_path, count):
    """A trajectory's folder holding ``count`` checkpoint files, as a run stores them (one sub-folder deep)."""
    path = tmp_path / "run.h5"
    path.write_bytes(b"")
    sub = folder_of(path) / "ab"
    sub.mkdir(parents=True)
    for i in range(count):
        (sub / f"{i:02d}{SUFFIX}").write_bytes(b"x" * 100)
    return path


@pytest.mark.parametrize("checkpoints, words", [("beside", "3 checkpoints ("), ("auto", "3 large checkpoints ("),
                                                (None, "3 large checkpoints (")])
def test_beside_says_checkpoints_not_large_checkpoints(tmp_path, checkpoints, words):
    """Under run.checkpoints = "beside" every checkpoint is in the folder, small ones too: not 'large'."""
    path = _folder(tmp_path, 3)
    run = {"checkpoints": checkpoints} if checkpoints else {}
    said = describe(path, {"run": run})
    assert said.startswith(words) and said.endswith(f"in {folder_of(path)}: move or copy it with the file"), said
    assert describe(path).startswith("3 large checkpoints (")  # no config given: as before
