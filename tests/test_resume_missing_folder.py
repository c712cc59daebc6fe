"""``l2l resume`` of a trajectory moved or copied without its folder of large checkpoints is refused in one line
before anything runs (before: it trained new candidates into a new, empty folder and ended with an error at the
first paused candidate it continued); ``--drop-unreadable`` goes on, recording those candidates as failed."""

from __future__ import annotations

import shutil

import h5py

import l2l
from l2l.cli import main
from test_cli_one_line_errors import TINY_MODEL, TINY_RUN


def _moved_run(tmp_path):
    (tmp_path / "tiny_model.py").write_text(TINY_MODEL)
    (tmp_path / "beside.toml").write_text(TINY_RUN.format(checkpoints="beside"))
    assert main(["run", str(tmp_path / "beside.toml"), "--out", str(tmp_path / "beside.h5"), "--no-progress"]) == 0
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copy(tmp_path / "beside.h5", moved / "beside.h5")
    return moved / "beside.h5"


def _digest(path) -> tuple[int, int]:
    with h5py.File(path, "r") as f:
        return len(l2l.load(path, segments=True)), f["events"].shape[0] if "events" in f else -1


def test_resume_without_the_folder_is_refused_in_one_line_and_changes_nothing(tmp_path, capsys, monkeypatch):
    path = _moved_run(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = _digest(path)
    bytes_before = path.read_bytes()
    capsys.readouterr()
    assert main(["resume", str(path), "--compute", "120", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("l2l: error: "), err
    assert f"{path}.checkpoints is missing" in err and "--drop-unreadable" in err
    assert not (path.parent / "beside.h5.checkpoints").exists()  # no empty folder made
    assert path.read_bytes() == bytes_before and _digest(path) == before

    shutil.copytree(tmp_path / "beside.h5.checkpoints", path.parent / "beside.h5.checkpoints")
    assert main(["resume", str(path), "--compute", "120", "--no-progress"]) == 0  # the folder back: it goes on
    frame = l2l.load(path, segments=True)
    assert len(frame) > before[0] and (frame["status"] == "ok").all()


def test_drop_unreadable_resumes_without_the_folder_and_records_the_continued_candidates_as_failed(tmp_path, capsys,
                                                                                                    monkeypatch):
    path = _moved_run(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = _digest(path)[0]
    assert main(["resume", str(path), "--compute", "120", "--no-progress", "--drop-unreadable"]) == 0
    frame = l2l.load(path, segments=True)
    assert len(frame) > before  # the run went on
    failed = frame[frame["status"] == "failed"]  # (rows after the moved file's last commit are redone, so anywhere)
    assert len(failed) >= 1 and failed["error"].str.startswith("unreadable checkpoint").all(), failed
    assert (failed["from_budget"] > 0).all()  # each a candidate that was to continue from a lost checkpoint
