"""One execution protocol: every backend gives the same trajectory for the same config."""

import pytest

import l2l
from l2l.jobs import BACKENDS
from l2l.testing import ExecutorContract
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


class TestEveryLocalBackendKeepsTheExecutorContract(ExecutorContract):
    @pytest.fixture(params=LOCAL_BACKENDS)
    def make_executor(self, request, scheduler):
        options = {k: v for k, v in _backend(request.param, scheduler).items() if k != "name"}
        return lambda: BACKENDS.create(request.param, options)


def test_a_backend_with_a_bad_option_is_refused_with_the_option_named():
    with pytest.raises(l2l.ConfigError, match="backend 'local': unknown option 'cores'; allowed: chunk_size"):
        BACKENDS.create("local", {"cores": 4})
    with pytest.raises(l2l.ConfigError, match="exactly one of address and scheduler_file"):
        BACKENDS.create("dask", {})
