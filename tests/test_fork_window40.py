"""A ``local`` run's nanny starts its worker process from l2l's fork server (the first and the one replacing a
worker that died) without writing Dask's configuration: before, ``forkserver`` stood in it while the nanny made
the process (2-24 ms per start), and another thread reading it then (a cluster of the user's own starting a
worker) forked from l2l's server; a user's own setting of it made then was lost for good."""

from __future__ import annotations

import os
import threading
import time
from multiprocessing import forkserver

import dask
import pytest

KEY = "distributed.worker.multiprocessing-method"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One 1-worker run whose worker is killed once; while each worker process is being made (inside the nanny's
    start), another thread reads the key in a tight loop and, at the restart, the user's other thread sets it."""
    import distributed.process
    from test_fork_restart39 import _config

    import l2l

    folder = tmp_path_factory.mktemp("window")
    found, reads, starts, stop, inside = dask.config.get(KEY), [], [], threading.Event(), threading.Event()

    def reader() -> None:  # the user's own thread (e.g. its own LocalCluster starting a worker)
        while not stop.is_set():
            if inside.wait(0.05):  # (a tight loop while the nanny makes its worker process, not the whole run)
                reads.append(dask.config.get(KEY))

    made = distributed.process.AsyncProcess._start_threads  # (called as the nanny makes its worker process)

    def making(self) -> None:
        seen = len(reads)
        inside.set()
        while len(reads) < seen + 100 and thread.is_alive():
            time.sleep(0.001)
        inside.clear()
        starts.append(len(reads) - seen)
        if len(starts) == 2:  # the restart: the user's own setting, made in another thread meanwhile
            setter = threading.Thread(target=dask.config.set, args=({KEY: "fork"},))
            setter.start()
            setter.join()
        made(self)

    thread = threading.Thread(target=reader, daemon=True)
    distributed.process.AsyncProcess._start_threads = making
    thread.start()
    try:
        path = l2l.run(_config(folder, "window"), folder / "window.h5", progress=False)
        kept = dask.config.get(KEY)
    finally:
        stop.set()
        thread.join()
        distributed.process.AsyncProcess._start_threads = made
        dask.config.set({KEY: found})
    workers = [line.split() for line in (folder / "workers").read_text().splitlines()]
    return {"path": path, "reads": reads, "starts": starts, "kept": kept, "workers": workers}


def test_another_thread_never_sees_forkserver_in_dasks_config_while_the_nanny_starts_a_worker(run):
    import l2l

    assert (l2l.load(run["path"])["status"] == "ok").all()
    pids = {pid for pid, _ in run["workers"]}
    assert len(run["starts"]) == 2 and len(pids) == 2, (run["starts"], pids)  # the first worker, and its successor
    # before: 'forkserver' read while the nanny made each worker process
    assert "forkserver" not in run["reads"], sorted(set(run["reads"]))


def test_a_users_own_setting_of_the_start_method_made_during_a_run_stays(run):
    assert run["kept"] == "fork"  # before: put back to 'spawn' as the nanny's start ended


def test_the_restarted_worker_still_comes_from_l2ls_fork_server(run):
    import distributed.nanny
    import distributed.process

    from l2l.jobs import dask_cluster as jobs_dask

    parents = {parent for _, parent in run["workers"]}
    assert parents == {str(forkserver._forkserver._forkserver_pid)}, (parents, os.getpid())  # noqa: SLF001
    # Where distributed's nanny and AsyncProcess get their context from: if that moves, l2l's hook must move too.
    for code in (distributed.nanny.WorkerProcess.start, distributed.process.AsyncProcess.__init__):
        assert "get_mp_context" in code.__code__.co_names, code
    assert distributed.nanny.get_mp_context.func is jobs_dask._mp_context  # noqa: SLF001
