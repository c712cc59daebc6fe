"""A ``local`` run's worker that dies (a segfault, the OOM killer, kill -9) is started again the way the first ones
were: a fork of l2l's fork server (l2l.jobs.warm), not a spawned interpreter that imports Dask and l2l again (about
a second of CPU per restart here) and runs the user's main script again."""

from __future__ import annotations

import os
import signal
from pathlib import Path


def killed_once(params, seed, folder):
    """The sphere; writes its worker process's pid and parent's pid to ``folder/workers``, and the first evaluation
    to get here kills its worker (SIGKILL)."""
    with open(Path(folder) / "workers", "a") as workers:
        workers.write(f"{os.getpid()} {os.getppid()}\n")
    try:
        os.close(os.open(Path(folder) / "killed", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return float(sum(x * x for x in params["x"]))
    os.kill(os.getpid(), signal.SIGKILL)
    raise RuntimeError("still running after SIGKILL")


def _config(tmp_path, name: str):
    """A 1-worker local run of 2 evaluations of killed_once (which kills its worker once)."""
    from conftest import TESTS, make_config

    return make_config(space={"x": {"low": -2.0, "high": 2.0, "shape": [2]}},
                       simulator={"name": "python", "function": "test_fork_restart39:killed_once",
                                  "kwargs": {"folder": str(tmp_path)}, "path": str(TESTS)},
                       backend={"name": "local", "workers": 1, "dashboard": False},
                       optimizer={"name": "random", "population_size": 2}, run={"name": name, "generations": 1})


def test_a_killed_local_worker_is_started_again_from_l2ls_fork_server(tmp_path):
    from multiprocessing import forkserver

    import l2l
    config = _config(tmp_path, "restart")
    path = l2l.run(config, tmp_path / "restart.h5", progress=False)
    assert (l2l.load(path)["status"] == "ok").all()  # the killed evaluation ran again on the restarted worker
    workers = dict(line.split() for line in (tmp_path / "workers").read_text().splitlines())
    assert len(workers) == 2, workers  # the worker killed, and the one that replaced it
    server = forkserver._forkserver._forkserver_pid  # noqa: SLF001
    # before: the restarted worker's parent was this process (its nanny spawned it)
    assert set(workers.values()) == {str(server)}, (workers, server, os.getpid())


def test_a_run_that_starts_while_another_runs_worker_restarts_still_forks_its_workers(tmp_path, monkeypatch):
    """Two ``local`` runs in one process (two threads): the second starts at the moment the first's nanny makes the
    process of a worker that died under l2l.jobs.dask_cluster.start_method_held. That set ``forkserver`` in Dask's config
    then (2-25 ms per restart; since session 40 it writes no configuration, tests/test_fork_window40.py): the second
    read it as the user's own choice and spawned all its workers, its restarts too."""
    import threading
    import time

    import l2l
    import l2l.jobs.dask_cluster as dask_cluster
    import l2l.jobs.dask_local as dask_local

    (tmp_path / "killed").touch()  # (killed_once then only writes its worker's pid and parent's)
    local_scratch, held, other = dask_local.local_scratch, threading.Event(), []

    def restarting() -> None:  # the other run's nanny, making the process of a worker that died
        with dask_cluster.start_method_held("forkserver"):
            held.set()
            time.sleep(0.1)  # (its first step: a few ms; longer here, to be certain)

    def scratch():  # called by the run's start just before it reads the user's multiprocessing-method
        other.append(threading.Thread(target=restarting))
        other[0].start()
        held.wait()
        return local_scratch()

    monkeypatch.setattr(dask_local, "local_scratch", scratch)
    config = _config(tmp_path, "second")
    path = l2l.run(config, tmp_path / "second.h5", progress=False)
    other[0].join()
    assert (l2l.load(path)["status"] == "ok").all()
    from multiprocessing import forkserver

    parents = {line.split()[1] for line in (tmp_path / "workers").read_text().splitlines()}
    # before: {this process's pid}, the worker spawned by its nanny
    assert parents == {str(forkserver._forkserver._forkserver_pid)}, (parents, os.getpid())  # noqa: SLF001
