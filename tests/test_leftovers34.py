"""Leftovers of session 33 (helper-278, session 34).

1. None in a mapping's [run] table is the key left out, for every key (``run.timeout = None`` was refused while
   ``stop_after_failures = None`` meant the default): a Python user passes ``{"timeout": args.timeout}``.
2. The ``slurm`` backend's count of worker jobs retired under an evaluation lived in the running l2l: under ``l2l
   submit`` (the loop job stopped and resumed before each walltime) an evaluation longer than the worker jobs'
   lifetime, with loop jobs shorter than two lifetimes, saw one retirement a session and ran for ever. The
   ``stopped`` event records the counts of the evaluations in flight; the resume carries them on.
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
from test_lifetime33 import slurm_here  # noqa: F401 - the fixture: a slurm executor on in-process workers

BASE = {"space": {"x": {"low": 0.0, "high": 1.0}}, "simulator": {"name": "python", "function": "f"}}


@pytest.mark.parametrize("key", sorted(set(RUN_KEYS) - {"seed"}))  # seed=None: refused (test_reviewloop35)
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
    assert seen[0]["trial"] is None and "compute" not in seen[0]  # (a run without a fidelity; fuzz35: was left out)
    more: list[dict] = []
    l2l.resume(path, generations=3, simulator=failing_half, on_evaluation=more.append)
    assert [info["generation"] for info in more] == [2] * 4


def test_on_evaluation_that_is_no_function_is_refused_before_anything_is_made(tmp_path):
    with pytest.raises(l2l.ConfigError, match=r"^on_evaluation must be a function \(or None\), got int 3$"):
        l2l.run(_asha(1), tmp_path / "run.h5", on_evaluation=3)
    assert not (tmp_path / "run.h5").exists()


def test_a_retirement_counted_before_a_stop_counts_after_the_resume_under_the_same_lifetime(slurm_here):  # noqa: F811
    from test_lifetime33 import _poll

    here, key = slurm_here
    worker = here.worker()
    _poll(lambda: here.executing(worker, key) >= 0.6, 15, "the evaluation running for 0.6 s")
    here.retire(worker)
    stored = _poll(here.executor.lifetime_losses, 10, "the retirement counted")  # what the stopped event records
    assert stored["lifetime"] == 1.0 and [n for _, n in stored["marks"]] == [1]
    # the resumed session: its own count starts at nothing, the stopped session's is carried
    with here.executor._lost_lock:
        here.executor._outlived.clear()
    here.executor.carry_lifetime_losses({"reason": "stop requested", "lifetime_losses": stored})
    worker = here.worker()
    _poll(lambda: here.executing(worker, key) >= 0.6, 15, "the evaluation running for 0.6 s again")
    here.retire(worker)
    # before: the resumed session needed two retirements of its own (the stopped one's count was lost)
    [outcome] = here.outcomes(10)
    assert outcome.status == "failed" and "its worker job retired under it twice" in outcome.error


def test_a_count_made_under_another_lifetime_is_not_carried():
    from l2l.jobs.slurm import SlurmExecutor

    executor = SlurmExecutor(walltime="00:01:00", lifetime="00:00:02", lifetime_stagger="00:00:00")
    executor.carry_lifetime_losses({"lifetime_losses": {"lifetime": 1.0, "marks": [["0123456789ab", 1]]}})
    assert executor._carried == {}  # (a resume after raising the walltime: two retirements afresh)
    executor.carry_lifetime_losses({"lifetime_losses": {"lifetime": 2.0, "marks": [["0123456789ab", 1]]}})
    assert executor._carried == {"0123456789ab": 1}


def test_the_stopped_event_keeps_the_counts_and_the_resume_gives_them_to_its_backend(tmp_path, monkeypatch):
    from l2l.control import RunControl
    from l2l.jobs.serial import SerialExecutor
    from l2l.results_schema.reader import Trajectory
    from l2l.summary.record import event_detail

    counted = {"lifetime": 30.0, "marks": [["0123456789ab", 1], ["ba9876543210", 1]]}
    monkeypatch.setattr(SerialExecutor, "lifetime_losses", lambda self: counted, raising=False)
    config = {"run": {"seed": 1, "generations": 3}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "sphere"},
              "backend": {"name": "serial"}}
    control = RunControl()
    path = l2l.run(config, tmp_path / "run.h5", control=control,
                   on_generation=lambda info: control.request_stop("test"))
    with Trajectory(path) as trajectory:
        events = trajectory.events()
    assert events["kind"].iloc[-1] == "stopped"
    assert event_detail(events["detail"].iloc[-1])["lifetime_losses"] == counted
    given = []
    monkeypatch.setattr(SerialExecutor, "carry_lifetime_losses", lambda self, detail: given.append(detail),
                        raising=False)
    l2l.resume(path)
    assert [detail["lifetime_losses"] for detail in given] == [counted]
