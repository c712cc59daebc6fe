"""`l2l resume FILE --backend B` runs all of its work on B: the run and the `[run] reevaluate` that follows it.

A run created on the `local` backend and stopped before its first evaluation (or after one generation), resumed
with `--backend serial`, ran its evaluations on `serial` but its re-evaluation on fresh seeds on the backend stored
in the file: a Dask cluster started after the run (on a cluster's login node: SLURM jobs) that the user had moved
away from. Both are on the backend given now, for an empty file as for one with evaluations.
"""

from __future__ import annotations

import os

import pytest

import l2l
from l2l.control import RunControl
from l2l.results_schema.validate import validate

#: Evaluations made in this process (the serial backend's), by the pid of the process that made them.
IN_PROCESS: list[int] = []


def quadratic(params, seed):
    if os.getpid() == PID:
        IN_PROCESS.append(PID)
    return {"y": (params["x"] - 0.3) ** 2}


PID = os.getpid()


def config():
    return l2l.from_mapping({
        "run": {"name": "e", "seed": 1, "generations": 4, "reevaluate": {"top": 2, "seeds": 3}},
        "space": {"x": {"low": 0.0, "high": 1.0}}, "optimizer": {"name": "random", "population_size": 4},
        "simulator": {"name": "python"}, "objectives": [{"name": "y", "direction": "minimize"}],
        "backend": {"name": "local", "workers": 1}})


@pytest.mark.parametrize("generations_before", [0, 1])
def test_resume_with_another_backend_runs_the_evaluations_and_the_reevaluation_there(tmp_path, generations_before):
    """``generations_before``: 0, stopped at once (the file created, nothing evaluated); 1, stopped after at least
    one generation committed (the normal case)."""
    path = tmp_path / "e.h5"
    control = RunControl()
    if not generations_before:
        control.request_stop("test")
    l2l.run(config(), path, simulator=quadratic, control=control,
            on_generation=lambda info: control.request_stop("test"))
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.n_generations == 0 if not generations_before else 1 <= trajectory.n_generations < 4
        assert trajectory.run["backend"]["name"] == "local"
        done = trajectory.n_evaluations
    IN_PROCESS.clear()
    l2l.resume(path, backend="serial", simulator=quadratic)
    assert validate(path) == []
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.n_evaluations == 16 and trajectory.finished()
        reevaluations = len(trajectory.reevaluations(errors=False))
    assert reevaluations == 2 * 3
    # the generations left and every re-evaluation ran here, on serial: none on the stored local backend
    assert len(IN_PROCESS) == 16 - done + reevaluations
