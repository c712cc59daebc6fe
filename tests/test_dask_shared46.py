"""A shared Dask scheduler (backend ``dask``) as its admin sees it: each chunk's key says whose it is (the user and
the run: ``l2l-eval-USER-RUN-g0-...``; every l2l run of every user sent ``l2l-eval-g0-...`` before), and the
simulators that killed runs left registered on the scheduler (worker plugins, handed to every worker that joins)
are removed by the next run, while a connected client's plugins stay."""

from __future__ import annotations

import getpass
import re

import pytest

import l2l
from conftest import make_config


def test_keys_name_the_user_and_run_and_a_killed_runs_simulator_is_removed(tmp_path, capfd):
    distributed = pytest.importorskip("distributed")
    from distributed.diagnostics.plugin import WorkerPlugin

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0",
                                  protocol="tcp://", host="127.0.0.1") as cluster:
        address = cluster.scheduler_address
        with distributed.Client(address, set_as_default=False) as alive:
            gone = distributed.Client(address, set_as_default=False)
            left = f"l2l-simulator-deadbeef-{gone.id}"  # as a run killed with kill -9 leaves it
            gone.register_plugin(WorkerPlugin(), name=left)
            gone.close()  # (a killed process unregisters nothing either)
            kept = f"l2l-simulator-cafebabe-{alive.id}"  # a run still connected
            alive.register_plugin(WorkerPlugin(), name=kept)
            config = make_config(run={"name": "shared", "generations": 1},
                                 optimizer={"name": "random", "population_size": 3}, simulator={"name": "sphere"},
                                 backend={"name": "dask", "address": address})
            l2l.run(config, tmp_path / "my-run.h5", progress=False)
            scheduler = cluster.scheduler
            plugins = set(scheduler.worker_plugins)
            prefixes = set(scheduler.task_prefixes)
    assert left not in plugins and kept in plugins, plugins
    assert not any(name.startswith("l2l-simulator-") and name != kept for name in plugins), plugins
    user = re.sub(r"[^A-Za-z0-9_]+", "_", getpass.getuser()).strip("_")
    assert any(prefix.startswith(f"l2l-eval-{user}") for prefix in prefixes), prefixes  # was only 'l2l-eval'
    err = capfd.readouterr().err
    assert "removed 1 simulator plugin(s) that l2l run(s) no longer connected" in err, err


def bowl(params, seed):
    return 0.0


def test_a_python_model_on_workers_of_several_threads_is_told_so_once(tmp_path, capfd):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=3, processes=False, dashboard_address=":0",
                                  protocol="tcp://", host="127.0.0.1") as cluster:
        backend = {"name": "dask", "address": cluster.scheduler_address}
        settings = dict(run={"name": "threads", "generations": 2}, optimizer={"name": "random",
                        "population_size": 4}, backend=backend)
        l2l.run(make_config(simulator={"name": "sphere"}, **settings), tmp_path / "sphere.h5", progress=False)
        assert "threads of one process" not in capfd.readouterr().err  # l2l's own model: nothing said
        l2l.run(make_config(simulator={"name": "python"}, **settings), tmp_path / "bowl.h5", simulator=bowl,
                progress=False)
    err = capfd.readouterr().err
    assert err.count("the scheduler's workers run up to 3 evaluations at once as threads of one process "
                     "(dask worker --nthreads 3)") == 1, err  # before: nothing
    assert "np.random.seed" in err and "--nthreads 1" in err
