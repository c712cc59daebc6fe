"""A ``serial`` run of the ``command`` simulator leaves the folders above an evaluation's own (the generation's
``g000001``, ``<run>.work``) in place while it runs and removes them, empty, at its end (they were removed and made
again for every evaluation: 8 ms of the 14 an ``echo`` took on a disk where removing a folder is slow). These
tests guard that the end still leaves no empty folder: after a run, after one stopped by an error, with a
``workdir`` the user named (kept, its generations' folders gone)."""

from __future__ import annotations

from pathlib import Path

import pytest

import l2l


def _config(**simulator) -> object:
    return l2l.from_mapping({
        "run": {"name": "cmdperf", "seed": 1, "generations": 3},
        "space": {"x": {"low": -1.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 3},
        "simulator": {"name": "command", "argv": ["echo", "1.0"], **simulator},
        "backend": {"name": "serial"}})


def _folders(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_dir())


def test_a_serial_command_run_leaves_no_folder(tmp_path):
    l2l.run(_config(), tmp_path / "run.h5")
    assert not (tmp_path / "run.work").exists()
    assert _folders(tmp_path) == []


def test_a_serial_command_run_stopped_by_an_error_leaves_no_empty_folder(tmp_path):
    def stop(info):
        if info["generation"] >= 1:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        l2l.run(_config(), tmp_path / "run.h5", on_generation=stop)
    assert not (tmp_path / "run.work").exists()


def test_a_workdir_the_user_named_stays_without_the_generations_folders(tmp_path):
    named = tmp_path / "scratch"
    l2l.run(_config(workdir=str(named)), tmp_path / "out" / "run.h5")
    assert named.is_dir() and list(named.iterdir()) == []
    assert not (tmp_path / "out" / "run.work").exists()


def test_a_resume_removes_the_empty_folders_a_killed_session_left(tmp_path):
    def stop(info):
        if info["generation"] >= 1:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError):
        l2l.run(_config(), tmp_path / "run.h5", on_generation=stop)
    for generation in ("g000000", "g000001"):  # as kill -9 between two evaluations leaves them now
        (tmp_path / "run.work" / generation).mkdir(parents=True)
    l2l.resume(tmp_path / "run.h5")
    assert not (tmp_path / "run.work").exists()
