"""What an admin reviewing l2l for a shared machine would check: other users of the host cannot reach a run's
processes, and names other users can plant in a shared folder are never written through."""

import pytest

from l2l.jobs import BACKENDS
from l2l.jobs.base import Settings
from l2l.simulators import SIMULATORS


def test_another_user_of_the_host_cannot_run_code_in_a_local_runs_cluster():
    """The local backend's scheduler listened on 127.0.0.1 in plain TCP: any user of a shared login node could
    connect a Dask client to it and run code as the user who started the run."""
    from distributed import Client
    from distributed.comm.addressing import parse_address, parse_host_port

    executor = BACKENDS.create("local", {"workers": 1})
    try:
        executor.start(SIMULATORS.create("sphere", {}), Settings(objectives=("fitness",)))
        cluster = executor._cluster
        scheme, location = parse_address(cluster.scheduler_address)
        assert scheme == "tls"
        with pytest.raises(Exception):  # noqa: B017 - refused however Dask words it (no client comes up)
            Client(f"tcp://{location}", timeout="2s", set_as_default=False)
        assert parse_host_port(location)[0] == "127.0.0.1"
        # the scheduler's HTTP server (Dask's dashboard) listened on every interface: other hosts saw the run
        served = {sock.getsockname()[0] for sock in cluster.scheduler.http_server._sockets.values()}
        assert served == {"127.0.0.1"}
    finally:
        executor.close()
