"""Old files resumed by this l2l: the leftovers of session 27's check (session 28).

``tests/data/old_files/f6b44ae_mb_failures.h5.gz`` is a model-based run written by the l2l of f6b44ae (6 December
2026, the commit before failures before the first success scored -inf in the policies): the first 12 calls of its
simulator (:func:`failing_first`, below) raised, and that l2l scored those 12 failed segments 0.0, better than
every real result (the objective is minimized; scores are negated). The policy refits its model on the stored
scores at every proposal: resumed, it still ranked the failed candidates among its best. ``l2l resume`` now scores
them -inf, as a run of today does.

A ``slurm-array`` batch folder of an l2l before 5 December 2026 names no array (no ``job_id``): a resume retired
the folder while its array ran on, the tasks training what the resume ran again. It is now found by its folder.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

import l2l
from conftest import TESTS
from l2l import SimulationResult
from l2l.cli import main
from l2l.policies import TrialTable
from slurm_helpers import require_slurm, squeue, wait_for

OLD = TESTS / "data" / "old_files"
FAILING = 12


def failing_first(params, seed, budget, checkpoint=None, counter="calls", failing=FAILING):
    """Raises on the run's first ``failing`` calls (counted in the file ``counter``, relative to the working
    folder; serial backend), then a sphere whose value falls with the budget. The fixture's run called it."""
    path = Path(counter)
    calls = int(path.read_text()) if path.exists() else 0
    path.write_text(str(calls + 1))
    if calls < failing:
        raise RuntimeError(f"not ready yet (call {calls})")
    x = np.asarray(params["x"], dtype=float)
    return SimulationResult({"value": 1.0 + float(np.sum((x - 1.0) ** 2)) + 1.0 / budget},
                            checkpoint={"budget": float(budget)})


#: The folder the fixture's run found ``test_compat28`` in, stored in the file as the python simulator's ``path``.
WRITTEN_IN = "/tmp/helper-181/gen"


def _copy(name: str, folder: Path) -> Path:
    """The old file; f6b44ae_mb_failures with its simulator's folder put back: the stored ``path`` names this
    tests folder, where ``test_compat28:failing_first`` is (the folder it was written in is gone on any other
    machine, and l2l refuses a stored folder that is gone: 'put the folder back')."""
    path = folder / f"{name}.h5"
    with gzip.open(OLD / f"{name}.h5.gz") as source, open(path, "wb") as target:
        shutil.copyfileobj(source, target)
    if name != "f6b44ae_mb_failures":  # the others run no python simulator (and some were killed: flags left set)
        return path
    with h5py.File(path, "r+") as f:
        for key, value in f["run"].attrs.items():
            if isinstance(value, str) and WRITTEN_IN in value:
                f["run"].attrs[key] = value.replace(WRITTEN_IN, str(TESTS))
    return path


def _state(path: Path) -> dict:
    with l2l.Trajectory(path) as trajectory:
        return trajectory.state()


def _places_of_the_early_failures(path: Path) -> tuple[list[int], int]:
    """Where the model-based policy's order of the best (best first) puts the trials 0-11, and its length."""
    state = _state(path)
    trials = state["trials"]
    with l2l.Trajectory(path) as trajectory:
        policy = l2l.loop.build(l2l.loop.load_run_config(trajectory)).policy
    order = policy._ordered(state["policy"], TrialTable(trials))  # codes best first (no to_unit: the codes)
    codes = np.array([trials[str(t)]["code"] for t in sorted(map(int, trials))])
    ranked = [int(np.argmin(np.abs(codes - code).sum(axis=1))) for code in order]
    return sorted(ranked.index(t) for t in range(FAILING)), len(order)


def test_the_old_file_scored_its_first_failures_as_better_than_every_result(tmp_path):
    path = _copy("f6b44ae_mb_failures", tmp_path)
    trials = _state(path)["trials"]
    assert all(trials[str(t)]["scores"] and set(trials[str(t)]["scores"].values()) == {0.0} for t in range(FAILING))
    places, _ = _places_of_the_early_failures(path)
    assert places[0] <= 1  # a failure at the front of the policy's order


def test_a_resumed_model_based_run_ranks_its_first_failures_last(tmp_path, monkeypatch, capsys):
    """Before: resumed to compute 600, the 12 failed trials stayed among the first 23 places of the order (of
    128), the good side of the policy's model; now they are its last places at their budgets, behind every
    success."""
    path = _copy("f6b44ae_mb_failures", tmp_path)
    monkeypatch.chdir(tmp_path)
    Path("calls").write_text("1000")  # the simulator's calls that failed are behind it
    assert main(["resume", str(path), "--compute", "380", "--no-progress"]) == 0, capsys.readouterr().err
    trials = _state(path)["trials"]
    assert all(set(trials[str(t)]["scores"].values()) == {-np.inf} for t in range(FAILING))
    ok = [v for record in trials.values() if record.get("ok", True) for v in record["scores"].values()]
    assert ok and np.isfinite(ok).all()
    places, count = _places_of_the_early_failures(path)
    assert places[0] >= count // 2, (places, count)
    frame = l2l.load(path, segments=True)
    assert (frame["status"] == "failed").sum() == FAILING  # only the first 12 failed; none was rerun
    assert l2l.validate(path) == []


def test_a_number_as_penalty_keeps_its_scores_on_resume(tmp_path, monkeypatch, capsys):
    """run.penalty = 0.0: the failed segments were scored 0.0 on purpose, by today's l2l too; a resume keeps it."""
    monkeypatch.chdir(tmp_path)
    config = l2l.from_mapping({
        "run": {"seed": 2, "compute": 150, "penalty": 0.0},
        "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"},
        "simulator": {"name": "python", "function": "test_compat28:failing_first", "kwargs": {"failing": 4},
                      "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 27}},
        "policy": {"name": "model-based"}, "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "run.h5")
    assert main(["resume", str(path), "--compute", "200", "--no-progress"]) == 0, capsys.readouterr().err
    trials = _state(path)["trials"]
    assert [set(trials[str(t)]["scores"].values()) for t in range(4)] == [{0.0}] * 4


def test_a_resumed_old_policy_run_numbers_its_trials_and_rows_as_before(tmp_path, capsys):
    """A schema-2 trial record has no cohort or index; adopt gives it cohort None, index 0, as every record of a
    policy run of today has: a policy run's rows are placed by rung and trial (Policy.coordinates), never by index.
    So the rows of before keep their generation, individual, trial and parent, and the new trials count on from
    the stored next trial, each row's individual its trial."""
    path = _copy("4fece3d_mb", tmp_path)
    columns = ["generation", "individual", "trial", "budget", "parent"]
    before = l2l.load(path, segments=True)[columns]
    assert main(["resume", str(path), "--compute", "360", "--no-progress"]) == 0, capsys.readouterr().err
    after = l2l.load(path, segments=True)[columns]
    assert len(after.merge(before)) == len(before)  # each row of before, as it was
    marked = after.merge(before, how="left", indicator=True)
    new = marked[marked["_merge"] == "left_only"]  # old trials continued, and new ones from the stored next trial
    assert len(new) == len(after) - len(before) > 0 and before["trial"].max() == 69 < new["trial"].max()
    assert (new["individual"] == new["trial"]).all()
    assert sorted(set(after["trial"])) == list(range(after["trial"].max() + 1))


@pytest.mark.slurm
def test_a_resume_cancels_the_array_an_older_l2l_left_in_the_queue(tmp_path, capsys):
    """The GA killed under the l2l of 29 November, with a batch folder of the slurm-array layout of before
    5 December beside it (no job_id) whose array is still queued: before, the resume said nothing of it, retired
    its folder and left the array to run for nobody (checked with a run of d149578 killed with kill -9)."""
    require_slurm()
    path = _copy("c7d327a_kill_ga", tmp_path)
    batch = path.with_suffix(".work") / "array" / "batches" / "g00005-0001-4242-0a1b"
    (batch / "logs").mkdir(parents=True)
    (batch / "job.sh").write_text("#!/bin/bash\nsleep 600\n")
    name = f"l2l-{tmp_path.name}"[:60]
    submitted = subprocess.run(["sbatch", "--parsable", "--array=0-1", f"--chdir={batch}", f"--job-name={name}",
                                "--output=logs/%a.log", "--time=00:05:00", str(batch / "job.sh")],
                               capture_output=True, text=True, timeout=30)
    array = submitted.stdout.strip().split(";")[0]
    assert submitted.returncode == 0 and array.isdigit(), submitted.stderr
    try:
        assert main(["resume", str(path), "--generations", "7", "--no-progress"]) == 0
        assert f"cancelled SLURM job {array}, left in the queue" in capsys.readouterr().err
        wait_for(lambda: not [row for row in squeue("--format=%F|%j") if row == [array, name]], 120,
                 f"array {array} to leave the queue")  # its tasks COMPLETING a while on a loaded host
        assert not batch.exists()  # retired, its logs gathered in the run's
        assert len(l2l.load(path)) == 28
    finally:
        subprocess.run(["scancel", array], capture_output=True, timeout=30)
