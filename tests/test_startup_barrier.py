"""The embedded cluster starts while the run is created; a generation is written while the next one runs.

Start-up (l2l.jobs.warm): the local backend's workers fork from a fork server
and start in the background; they must still see the caller's environment and
the fixed hash seed a spawned worker has, and a run that fails before its loop
starts leaves no worker behind. Barriers (l2l.driver): a generation's commit is
taken when it is told and written after the next generation has gone to the
workers, with the state of the moment it was told.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import l2l
import l2l.loop as loop_module
from l2l.errors import TrajectoryError
from l2l.optimizers.random_search import RandomSearch
from conftest import comparable, make_config

LOCAL = {"name": "local", "workers": 2}


def _probe(params, seed):
    """What a simulator sees of its process: an environment variable and Python's string hashing."""
    return {"value": float(params["x"]), "seen": float(os.environ.get("L2L_TEST_SEEN", "0")),
            "hashed": float(hash("l2l-hash-probe") % 1_000_003)}


def _cluster_left() -> list[str]:
    """The embedded cluster's pieces still alive in or under this process: its start thread, its workers."""
    import threading
    from multiprocessing import forkserver

    import psutil
    server = getattr(forkserver._forkserver, "_forkserver_pid", None)  # noqa: SLF001 - kept for later runs
    left = [t.name for t in threading.enumerate() if t.name == "l2l-cluster-start"]
    for child in psutil.Process().children(recursive=True):
        try:
            command = " ".join(child.cmdline())
            # (the guard of the programs an earlier test's command simulator started lives with this process)
            if child.pid != server and "resource_tracker" not in command and "program_guard.py" not in command:
                left.append(f"process {child.pid}")
        except psutil.Error:  # ended meanwhile
            pass
    return left


def test_local_workers_see_the_callers_environment_and_the_fixed_hash_seed(tmp_path, monkeypatch):
    config = l2l.from_mapping({"run": {"generations": 1, "seed": 3}, "space": {"x": {"low": 0.0, "high": 1.0}},
                               "optimizer": {"name": "random", "population_size": 4},
                               "simulator": {"name": "python"}, "backend": LOCAL})
    monkeypatch.delenv("L2L_TEST_SEEN", raising=False)
    first = l2l.load(l2l.run(config, tmp_path / "a.h5", simulator=_probe))
    # set after the first run started the fork server: the next run's workers must see it all the same
    monkeypatch.setenv("L2L_TEST_SEEN", "7")
    second = l2l.load(l2l.run(config, tmp_path / "b.h5", simulator=_probe))
    assert (first["seen"] == 0).all() and (second["seen"] == 7).all()
    # the hash seed a spawned Dask worker gets (6640): string hashing is the same in every run
    spawned = subprocess.run([sys.executable, "-c", "print(hash('l2l-hash-probe') % 1_000_003)"],
                             env={**os.environ, "PYTHONHASHSEED": "6640"}, capture_output=True, text=True,
                             check=True, timeout=60)
    assert set(first["hashed"]) == set(second["hashed"]) == {float(spawned.stdout)}


def test_a_run_that_fails_before_its_loop_starts_leaves_no_worker_running(tmp_path, monkeypatch):
    def broken_create(components, path):
        raise TrajectoryError(f"cannot create {path}: disk full")

    monkeypatch.setattr(loop_module, "_create", broken_create)
    with pytest.raises(TrajectoryError, match="disk full"):
        l2l.run(make_config(backend=LOCAL), tmp_path / "never.h5")
    assert _cluster_left() == []


def test_a_generation_is_written_after_the_next_one_went_to_the_workers(tmp_path, monkeypatch):
    """The workers do not wait for the file: generation g is committed once generation g + 1 is submitted."""
    from l2l.jobs.serial import SerialExecutor
    from l2l.results_schema.writer import TrajectoryWriter

    submitted: list[int] = []
    written: list[tuple[int, list[int]]] = []
    submit, commit = SerialExecutor.submit, TrajectoryWriter.commit_generation

    def recording_submit(self, tasks):
        submitted.extend(sorted({t.generation for t in tasks}))
        return submit(self, tasks)

    def recording_commit(self, generation, **kwargs):
        written.append((generation, list(submitted)))
        return commit(self, generation, **kwargs)

    monkeypatch.setattr(SerialExecutor, "submit", recording_submit)
    monkeypatch.setattr(TrajectoryWriter, "commit_generation", recording_commit)
    config = make_config(run={"generations": 4}, backend={"name": "serial"},
                         simulator={"name": "sleep", "median": 0.0})
    path = l2l.run(config, tmp_path / "g.h5")
    # generation 0 is written after generation 1 was submitted, ..., the last one when nothing follows
    assert written == [(0, [0, 1]), (1, [0, 1, 2]), (2, [0, 1, 2, 3]), (3, [0, 1, 2, 3])]
    assert l2l.validate(path) == []


def test_an_optimizer_that_fails_asking_keeps_the_generation_told_before(tmp_path, monkeypatch):
    """The commit taken when a generation is told is written even if asking for the next one raises."""
    asks = []
    ask = RandomSearch.ask

    def failing_ask(self, problem, state, n=None):
        asks.append(n)
        if len(asks) == 3:
            raise RuntimeError("the optimizer broke")
        return ask(self, problem, state, n)

    monkeypatch.setattr(RandomSearch, "ask", failing_ask)
    config = make_config(run={"generations": 5}, optimizer={"name": "random", "population_size": 6})
    with pytest.raises(RuntimeError, match="the optimizer broke"):
        l2l.run(config, tmp_path / "broken.h5")
    assert list(l2l.generations(tmp_path / "broken.h5")["generation"]) == [0, 1]
    monkeypatch.setattr(RandomSearch, "ask", ask)
    l2l.resume(tmp_path / "broken.h5")  # from the state taken when generation 1 was told
    reference = l2l.run(config, tmp_path / "reference.h5")
    assert comparable(l2l.load(tmp_path / "broken.h5")).equals(comparable(l2l.load(reference)))
