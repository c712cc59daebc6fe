"""A slurm-array task whose job ended without a result (cancelled, killed, node failure) and was resubmitted ran
(or may have run) its segment again: each submission counts as an attempt, as a retry does, in the row's
attempts, the run's compute (run.compute's stop rule), l2l show and l2l.load's compute column."""

from __future__ import annotations

import json

import numpy as np
import pytest

import l2l
from conftest import TESTS
from l2l.cli import main
from l2l.jobs.serial import SerialExecutor
from slurm_helpers import require_slurm

UNIT = "steps"
ARRAY = {"name": "slurm-array", "poll_max": 0.5, "result_grace": 1.0, "walltime": "00:05:00", "retries": 2}


def asha_config(compute: float, backend: dict, function: str = "models_compute_limit:curve", **kwargs):
    """ASHA (eta 3) over a python curve with a fidelity of 1..9 steps."""
    simulator = {"name": "python", "function": function,
                 "multi_fidelity": {"name": "steps", "unit": UNIT, "minimum": 1, "maximum": 9}}
    if kwargs:
        simulator["kwargs"] = kwargs
    return l2l.from_mapping({
        "run": {"seed": 1, "compute": compute}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3}, "simulator": simulator,
        "backend": backend}, base_dir=TESTS)


def file_rows(path) -> dict[str, np.ndarray]:
    with l2l.Trajectory(path) as trajectory:
        return trajectory.rows(("seed", "budget", "from_budget", "attempts", "status"), 0, None)


def stored(path) -> tuple[float, float]:
    """The last committed state's compute and the compute of the finished event."""
    with l2l.Trajectory(path) as trajectory:
        loop = trajectory.state()["loop"]
        detail = json.loads(trajectory.events()["detail"].iloc[-1])
    return float(loop["compute"]), float(detail["compute"])


def shown_compute(path, capsys) -> str:
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress"))
    return line.split("compute ", 1)[1].split(",")[0]


@pytest.mark.slurm
# (kill, False) is not a case of its own: the backend resubmits a task lost CANCELLED or FAILED alike
# (SlurmArrayExecutor._lost), kill-True's first two submissions are that path and cancel-False's resubmission succeeds
@pytest.mark.parametrize("how, always", [("cancel", False), ("kill", True)])
def test_a_resubmitted_array_task_counts_each_submission_as_an_attempt(tmp_path, capsys, how, always):
    require_slurm()
    markers = tmp_path / "markers"
    markers.mkdir()
    # 6 segments of 1 step start at once (32 slots) and spend run.compute; one of them loses its first job
    # (always: all its 3 jobs, retries = 2, and fails)
    config = asha_config(6, ARRAY, "models_array_resubmit:lost_once", markers=str(markers), how=how, always=always)
    path = l2l.run(config, tmp_path / "run.h5", progress=False)
    seed, budget = (markers / "lost").read_text().split()
    rows = file_rows(path)
    lost = (rows["seed"] == int(seed)) & (rows["budget"] == float(budget))
    assert len(rows["budget"]) == 6 and lost.sum() == 1
    assert (rows["status"][~lost] == 0).all() and rows["status"][lost].tolist() == [1 if always else 0]
    # each lost job ran (or may have run) the segment: an attempt per submission; every other segment, one
    submissions = 3 if always else 2
    assert rows["attempts"][lost].tolist() == [submissions] and (rows["attempts"][~lost] == 1).all()
    spent = float(((rows["budget"] - rows["from_budget"]) * rows["attempts"]).sum())
    assert spent == 5 + submissions  # 6 segments of 1 step, one of them submitted 2 or 3 times
    assert stored(path) == (spent, spent)
    assert shown_compute(path, capsys) == f"{spent:g} of 6 {UNIT}"
    assert float(l2l.load(path)["compute"].sum()) == spent
    log = (tmp_path / "run.work" / "array" / "logs" / "generation-00000.log").read_text()
    assert log.count("==== generation") == 5 + submissions  # every submission left its log


def serial_started_twice(monkeypatch) -> None:
    """Make the serial backend report every outcome as started twice (a job lost once, then resubmitted; a Dask
    worker that left): what a backend that runs a task again by itself tells the loop (Outcome.submissions)."""
    wait = SerialExecutor.wait

    def started_twice(self, timeout=None):
        outcomes = wait(self, timeout)
        for outcome in outcomes:
            outcome.submissions = 2
        return outcomes

    monkeypatch.setattr(SerialExecutor, "wait", started_twice)


def test_runs_a_backend_adds_by_itself_count_toward_run_compute(tmp_path, monkeypatch):
    """A backend that reports two submissions per segment (every job lost once, then resubmitted): each counts,
    and the run stops starting segments once their attempts spend run.compute."""
    serial_started_twice(monkeypatch)
    path = l2l.run(asha_config(30, {"name": "serial"}), tmp_path / "twice.h5", progress=False)
    rows = file_rows(path)
    cost = rows["budget"] - rows["from_budget"]
    assert (rows["attempts"] == 2).all()
    spent = float((cost * rows["attempts"]).sum())
    assert stored(path) == (spent, spent)
    assert float(l2l.load(path)["compute"].sum()) == spent
    # one segment at a time: each started while less than 30 was spent, so only the last one goes past it
    assert spent >= 30 and spent - 2 * cost[-1] < 30
