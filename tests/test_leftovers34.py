"""Leftovers of session 33 (helper-278, session 34).

1. None in a mapping's [run] table is the key left out, for every key (``run.timeout = None`` was refused while
   ``stop_after_failures = None`` meant the default): a Python user passes ``{"timeout": args.timeout}``.
3. A process killed between ``mkdtemp`` and taking its temp folder's lock left a folder without a lock, which no sweep
   removed (a folder without a lock may be kept on purpose): the folder is now made under a name that says so
   (``l2l-command-making-XXXXXXXX``) and renamed once locked; one still so named a minute on is a killed process's.
4. ``on_generation`` fires per commit, at most once a second under a policy: a fast ASHA run of hundreds of segments
   called it once or twice. ``on_evaluation`` is called with each evaluation (segment) as it finishes, for a user's
   own logger.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import math

import numpy as np
import pytest

import l2l
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



def _asha(seed: int) -> dict:
    return {"run": {"seed": seed, "compute": 400.0},
            "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
            "optimizer": {"name": "random"}, "policy": {"name": "asha"},
            "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}}


@pytest.mark.parametrize("seed", [1, 2])
def test_on_evaluation_is_called_with_every_segment_of_an_asha_run_as_its_row_holds_it(seed, tmp_path):
    seen: list[dict] = []
    path = l2l.run(_asha(seed), tmp_path / "run.h5", on_evaluation=seen.append)
    rows = l2l.load(path, segments=True)
    assert len(seen) == len(rows) and [info["evaluations"] for info in seen] == list(range(1, len(rows) + 1))
    made = {(info["trial"], info["budget"]): info for info in seen}
    assert len(made) == len(rows)
    for _, row in rows.iterrows():
        info = made[(int(row["trial"]), float(row["budget"]))]
        assert info["status"] == row["status"] and info["from_budget"] == row["from_budget"]
        assert np.allclose(info["params"]["x"], [row["x[0]"], row["x[1]"]]) and info["error"] == row["error"]
        assert info["objectives"]["value"] == row["value"]
    assert seen[-1]["compute"] == pytest.approx(float((rows["budget"] - rows["from_budget"]).sum()))


def test_on_evaluation_of_a_generational_run_sees_failures_and_a_resume_sees_only_its_own(tmp_path):
    config = {"run": {"seed": 3, "generations": 2},
              "space": {"x": {"low": -1.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 4},
              "simulator": {"name": "python"}, "backend": {"name": "serial"}}
    seen: list[dict] = []

    def failing_half(params, seed):
        if params["x"] < 0:
            raise ValueError("negative x")
        return params["x"] ** 2

    path = l2l.run(config, tmp_path / "run.h5", simulator=failing_half, on_evaluation=seen.append)
    rows = l2l.load(path)
    assert [(i["generation"], i["individual"], i["status"]) for i in seen] == \
        list(zip(rows["generation"], rows["individual"], rows["status"]))
    failed = [info for info in seen if info["status"] != "ok"]
    assert failed and all(math.isnan(info["objectives"]["value"]) and "negative x" in info["error"]
                          for info in failed)
    assert "trial" not in seen[0] and "compute" not in seen[0]  # (a run without a fidelity)
    more: list[dict] = []
    l2l.resume(path, generations=3, simulator=failing_half, on_evaluation=more.append)
    assert [info["generation"] for info in more] == [2] * 4


def test_on_evaluation_that_is_no_function_is_refused_before_anything_is_made(tmp_path):
    with pytest.raises(l2l.ConfigError, match=r"^on_evaluation must be a function \(or None\), got int 3$"):
        l2l.run(_asha(1), tmp_path / "run.h5", on_evaluation=3)
    assert not (tmp_path / "run.h5").exists()
