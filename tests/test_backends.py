"""One execution protocol: every backend gives the same trajectory for the same config."""

import pytest

import l2l
from l2l.jobs import BACKENDS, Settings, Task
from l2l.simulators import SIMULATORS
from conftest import comparable, make_config

LOCAL_BACKENDS = ["serial", "local", "dask"]


@pytest.fixture(scope="module")
def scheduler():
    from distributed import LocalCluster
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0", host="127.0.0.1") as cluster:
        yield cluster.scheduler_address


def _backend(name, scheduler):
    if name == "dask":
        return {"name": "dask", "address": scheduler}
    if name == "local":
        return {"name": "local", "workers": 2}
    return {"name": name}


def test_every_backend_gives_the_serial_trajectory_for_the_same_seed(tmp_path, scheduler):
    frames = {}
    for name in LOCAL_BACKENDS:
        config = make_config(backend=_backend(name, scheduler),
                             simulator={"name": "python", "function": "models_for_tests:with_traces"})
        frames[name] = comparable(l2l.load(l2l.run(config, tmp_path / f"{name}.h5")))
    for name in LOCAL_BACKENDS[1:]:
        assert frames[name].equals(frames["serial"]), name


@pytest.mark.parametrize("name", LOCAL_BACKENDS)
def test_an_executor_returns_every_submitted_task_once_in_any_order(name, scheduler):
    executor = BACKENDS.create(name, {k: v for k, v in _backend(name, scheduler).items() if k != "name"})
    simulator = SIMULATORS.create("sphere", {})
    tasks = [Task(0, i, 1000 + i, {"x": float(i)}) for i in range(37)]
    with executor:
        executor.start(simulator, Settings(objectives=("value",)))
        executor.submit(tasks[:20])
        outcomes = []
        second_batch_sent = False
        while executor.pending:
            outcomes += executor.wait()
            if not second_batch_sent:  # more work arrives while the first batch runs
                executor.submit(tasks[20:])
                second_batch_sent = True
        assert executor.pending == 0
    assert sorted(o.individual for o in outcomes) == list(range(37))
    assert all(o.ok and o.objectives["value"] == o.individual ** 2 for o in outcomes)
    assert all(o.seed == 1000 + o.individual for o in outcomes)


def test_a_backend_with_a_bad_option_is_refused_with_the_option_named():
    with pytest.raises(l2l.ConfigError, match="backend 'local': unknown option 'cores'; allowed: chunk_size"):
        BACKENDS.create("local", {"cores": 4})
    with pytest.raises(l2l.ConfigError, match="exactly one of address and scheduler_file"):
        BACKENDS.create("dask", {})
