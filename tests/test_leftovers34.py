"""Leftovers of session 33 (helper-278, session 34).

1. None in a mapping's [run] table is the key left out, for every key (``run.timeout = None`` was refused while
   ``stop_after_failures = None`` meant the default): a Python user passes ``{"timeout": args.timeout}``.
3. A process killed between ``mkdtemp`` and taking its temp folder's lock left a folder without a lock, which no sweep
   removed (a folder without a lock may be kept on purpose): the folder is now made under a name that says so
   (``l2l-command-making-XXXXXXXX``) and renamed once locked; one still so named a minute on is a killed process's.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from l2l.config import RUN_KEYS, from_mapping

BASE = {"space": {"x": {"low": 0.0, "high": 1.0}}, "simulator": {"name": "python", "function": "f"}}


@pytest.mark.parametrize("key", sorted(RUN_KEYS))
def test_none_in_a_mapping_run_table_is_the_key_left_out(key, tmp_path):
    given = from_mapping({**BASE, "run": {"name": "r", key: None}} if key != "name" else {**BASE, "run": {key: None}},
                         tmp_path, user_file=True)
    left_out = from_mapping({**BASE, "run": {"name": "r"}} if key != "name" else {**BASE, "run": {}}, tmp_path,
                            user_file=True)
    assert given == left_out


def _left_in_the_window(temp: Path, prefix: str, age: float, lock_file: bool) -> Path:
    """A folder as a process killed between ``mkdtemp`` and its lock left it, ``age`` seconds ago: empty, or with the
    lock file it was making (``.lock.new``, let go as the process died)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix + "making-", dir=temp))
    if lock_file:
        (folder / ".lock.new").write_bytes(b"")
    then = time.time() - age
    os.utime(folder, (then, then))
    return folder


@pytest.mark.parametrize("prefix", ["l2l-command-", "l2l-pymp-", "l2l-dask-"])
def test_a_folder_a_process_killed_before_locking_it_left_is_removed_a_minute_on(prefix, tmp_path, monkeypatch):
    from l2l.own_files import new_folder, private_folder, sweep_leftovers

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = [_left_in_the_window(tmp_path, prefix, 120, lock_file) for lock_file in (False, True)]
    young = _left_in_the_window(tmp_path, prefix, 0, lock_file=False)  # being made now, perhaps on another host
    kept = Path(tempfile.mkdtemp(prefix=prefix, dir=tmp_path))  # no lock, not being made: kept on purpose
    (kept / "g000001").mkdir()
    os.utime(kept, (time.time() - 120,) * 2)
    if prefix == "l2l-dask-":
        sweep_leftovers()  # (l2l resume's sweep; the local cluster's scratch folder is made once per process)
        ours, descriptor = new_folder(prefix)
        os.close(descriptor)
    else:
        ours = private_folder(prefix, at_exit=lambda folder: None)
    # before: both dead folders were left for good (no lock: taken for one being made or kept on purpose)
    assert [folder.name for folder in dead if folder.exists()] == []
    assert young.is_dir() and kept.is_dir()
    made = Path(ours)
    assert made.is_dir() and (made / ".lock").is_file() and "making-" not in made.name
    assert made.name.startswith(prefix) and len(made.name) == len(prefix) + 8

