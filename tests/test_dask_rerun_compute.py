"""A segment whose Dask worker died under it (killed, out of memory, lost with its node) is run again by Dask
(or split out and run again by l2l): each run counts as an attempt, as a retry and a slurm-array resubmission
do, in the row's attempts, the run's compute (run.compute's stop rule), l2l show and l2l.load's compute column."""

from __future__ import annotations

from collections import Counter

import dask
import distributed  # noqa: F401 - see FORKED_WORKERS
import pytest

import l2l
from conftest import TESTS
from test_array_resubmit_compute import UNIT, asha_config, file_rows, shown_compute, stored


def runs(markers) -> Counter:
    """How many times each segment (seed, budget) really started, from the model's markers."""
    return Counter(tuple(line.split()) for line in (markers / "starts").read_text().splitlines())


def check(path, markers, capsys, killed_runs: int, every: bool = False) -> None:
    """The killed segment's row counts each of its runs, and so do the run's figures of compute; ``every``: no
    row counts fewer runs than its segment really made (those beside the killed one, run again, too)."""
    seed, budget = (markers / "killed").read_text().split()
    rows = file_rows(path)
    started = runs(markers)
    killed = (rows["seed"] == int(seed)) & (rows["budget"] == float(budget))
    assert killed.sum() == 1 and started[(seed, budget)] == killed_runs
    # the killed segment's row counts each of its runs (before: 1); every other row at least its one
    assert rows["attempts"][killed].tolist() == [killed_runs] and (rows["attempts"] >= 1).all()
    if every:
        made = [started[(str(s), f"{float(b):g}")] for s, b in zip(rows["seed"], rows["budget"])]
        assert (rows["attempts"] >= made).all(), (rows["attempts"], made)
    assert rows["status"][killed].tolist() == [1 if killed_runs > 2 else 0] and (rows["status"][~killed] == 0).all()
    spent = float(((rows["budget"] - rows["from_budget"]) * rows["attempts"]).sum())
    assert spent >= 12 and stored(path) == (spent, spent)
    assert shown_compute(path, capsys) == f"{spent:g} of 12 {UNIT}"
    assert float(l2l.load(path)["compute"].sum()) == spent


#: A user's Dask config under which every worker process of the user's own LocalCluster, a killed one's restart too,
#: is a fork of l2l's fork server (l2l.jobs.warm), not a spawned interpreter that imports Dask (a second of CPU each).
#: (The local backend's restarted workers fork from it without it, see tests/test_fork_restart39.py.)
#: (distributed is imported above so that its defaults are in Dask's config before it is set: a dask.config.set of a
#: section not there yet takes the whole section away as it ends, distributed's defaults loaded meanwhile with it.)
FORKED_WORKERS = {"distributed.worker.multiprocessing-method": "forkserver"}


@pytest.mark.parametrize("always", [False, True])
def test_a_segment_whose_local_worker_was_killed_counts_each_run(tmp_path, capsys, always):
    """Killed once: Dask runs the segment again on the other worker (2 runs). Always killing: Dask gives it up
    after its second worker died (allowed-failures 1), l2l runs it alone twice more, then records it failed (4).
    A segment that had just finished on a worker the killed one took along is not run again uncounted (its
    future, held until the next submission, was forgotten)."""
    markers = tmp_path / "markers"
    markers.mkdir()
    config = asha_config(12, {"name": "local", "workers": 2}, "models_worker_killed:killed_once",
                         markers=str(markers), always=always)
    path = l2l.run(config, tmp_path / "run.h5", progress=False)
    check(path, markers, capsys, 4 if always else 2, every=True)


def test_a_segment_whose_worker_on_a_dask_scheduler_was_killed_counts_each_run(tmp_path, capsys):
    """The same through a scheduler of its own (backend dask): the client hears of the worker's death."""
    import os

    from distributed import LocalCluster

    from l2l.jobs.warm import mark_preload_set, start_fork_server

    markers = tmp_path / "markers"
    markers.mkdir()
    env = {"PYTHONPATH": os.pathsep.join([str(TESTS.parent), str(TESTS), os.environ.get("PYTHONPATH", "")])}
    assert start_fork_server()  # (the workers of this cluster fork from l2l's server, as the local backend's do)
    mark_preload_set()
    with dask.config.set(FORKED_WORKERS), LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, env=env,
            host="127.0.0.1") as cluster:
        config = asha_config(12, {"name": "dask", "address": cluster.scheduler_address},
                             "models_worker_killed:killed_once", markers=str(markers))
        path = l2l.run(config, tmp_path / "run.h5", progress=False)
    check(path, markers, capsys, 2)


@pytest.mark.slurm
def test_a_segment_whose_slurm_worker_was_killed_counts_each_run(tmp_path, capsys):
    """The same with Dask workers as SLURM jobs (backend slurm): the worker's nanny starts it again in its job."""
    from slurm_helpers import require_slurm

    require_slurm()
    markers = tmp_path / "markers"
    markers.mkdir()
    backend = {"name": "slurm", "minimum_jobs": 2, "maximum_jobs": 2, "walltime": "00:05:00", "memory": "1GB",
               "prologue": [f"export PYTHONPATH={TESTS.parent}:{TESTS}"]}
    config = asha_config(12, backend, "models_worker_killed:killed_once", markers=str(markers))
    path = l2l.run(config, tmp_path / "run.h5", progress=False)
    check(path, markers, capsys, 2)
