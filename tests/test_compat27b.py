"""A model-based run written before the endgame existed (3 December 2026), read and resumed by this l2l.

``tests/data/old_files/4fece3d_mb.h5.gz`` is a model-based run of 2 December: its policy state has no ``local``
(the endgame's local steps) and no ``endgame_from``, and its stored config no ``exploit_share``. Before this
session ``l2l show`` gave it an endgame 'from 201 of 300 ... 0 local steps' it never had, and ``l2l resume
--compute`` spent today's endgame (the last exploit_share = 0.33) of the new compute on local steps: the run did
not go on as it ran. Now show says it had none, and a resume goes on without one, saying so in one note line.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import l2l
from conftest import TESTS
from l2l.cli import main
from l2l.policies import POLICIES, TrialTable
from l2l.policies.model_based_endgame import NO_ENDGAME, stored_before_endgame

OLD = TESTS / "data" / "old_files" / "4fece3d_mb.h5.gz"
NOTE = "started before the endgame existed"


def _copy(folder: Path) -> Path:
    path = folder / "mb.h5"
    with gzip.open(OLD) as source, open(path, "wb") as target:
        shutil.copyfileobj(source, target)
    return path


def _endgame_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("endgame"))


def test_show_says_a_run_from_before_the_endgame_had_none(tmp_path, capsys):
    path = _copy(tmp_path)
    assert main(["show", str(path)]) == 0
    line = _endgame_line(capsys.readouterr().out)
    assert "before the endgame existed" in line and "without one" in line
    assert "from 201" not in line and "exploit_share" not in line
    assert "the top budget holds 6 candidates" in line


def test_resume_goes_on_without_an_endgame_and_says_so_once(tmp_path, capsys):
    path = _copy(tmp_path)
    assert main(["resume", str(path), "--compute", "600", "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count(NOTE) == 1 and "Traceback" not in captured.err
    assert l2l.validate(path) == []
    with l2l.Trajectory(path) as trajectory:
        policy = trajectory.state()["policy"]
    assert policy[NO_ENDGAME] is True and policy["local"] == {} and policy["endgame_from"] is None
    assert main(["show", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "status: finished" in shown and "compute 600 of 600" in shown
    line = _endgame_line(shown)
    assert "before the endgame existed" in line and "; 0 local steps" in line
    # a second resume goes on as the first did: still none, said again
    assert main(["resume", str(path), "--compute", "700", "--no-progress"]) == 0
    assert capsys.readouterr().err.count(NOTE) == 1
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.state()["policy"]["local"] == {}


def test_the_added_compute_goes_to_proposals_not_local_steps(tmp_path):
    """Every new candidate of the resume comes through the brackets (a local step starts at the top budget
    outside them): with an endgame, the last third of 600 went to local steps from the top budget."""
    path = _copy(tmp_path)
    before = l2l.load(path, segments=True)
    assert main(["resume", str(path), "--compute", "600", "--no-progress"]) == 0
    after = l2l.load(path, segments=True)
    new = after[~after["trial"].isin(before["trial"])]
    first = new.sort_values("from_budget").groupby("trial").first()
    assert len(first) > 10
    assert (first["budget"] < 27).sum() > 0.8 * len(first)  # a halving bracket's first rungs, not the top budget


def test_a_state_of_today_keeps_its_endgame():
    """A new run's state (and one of 3 to 5 December, with local steps but no endgame_from) is not touched."""
    policy = POLICIES.create("model-based", {})
    state = policy.init([1.0, 3.0, 9.0, 27.0], 3, 1)
    assert not stored_before_endgame(state)
    legacy = {k: v for k, v in state.items() if k != "endgame_from"}
    assert not stored_before_endgame(legacy)
    status = policy.endgame_status(state, TrialTable({}), 0.0, 300.0)
    assert abs(status.begins - 201) < 1e-9 and not status.before_endgame
    assert stored_before_endgame({k: v for k, v in legacy.items() if k != "local"})
