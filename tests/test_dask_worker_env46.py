"""A ``dask`` run's simulator plugin reaches every worker of a shared cluster, also one started in an environment
without l2l (another user's, or a ``dask worker`` run outside the run's virtualenv). Such a worker used to stop as
it started (``failure-to-start-<class 'ModuleNotFoundError'>``, the reason only in its log) for as long as the
plugin was registered, and the run said its scheduler had no workers; now it starts, and says in a log line that it
cannot load l2l. A worker with l2l gets the run's simulator as before."""

from __future__ import annotations

import subprocess
import sys

import pytest


class _Client:
    id = "Client-00000000-0000-0000-0000-000000000000"

    def __init__(self) -> None:
        self.plugins: dict = {}

    def run_on_scheduler(self, function, *args):
        return []

    def register_plugin(self, plugin, name=None):
        self.plugins[name] = plugin


def test_the_plugin_unpickles_where_l2l_is_missing_and_carries_the_simulator_where_it_is(tmp_path):
    pytest.importorskip("distributed")
    from distributed.protocol.pickle import dumps, loads

    from l2l.jobs.dask_existing import DaskExecutor

    executor, client = DaskExecutor(address="tcp://127.0.0.1:8786"), _Client()
    executor._install(client, {"model": "a simulator"})
    (name, plugin), = client.plugins.items()
    assert name.startswith("l2l-simulator-") and name.endswith(_Client.id)
    sent = tmp_path / "plugin.pickle"
    sent.write_bytes(dumps(plugin))
    here = loads(sent.read_bytes())
    assert here.simulator == {"model": "a simulator"}
    code = ("import sys; sys.modules['l2l'] = None\n"  # (an environment without l2l)
            "from distributed.protocol.pickle import loads\n"
            f"plugin = loads(open({str(sent)!r}, 'rb').read())\n"
            "print(type(plugin).__name__, '|', plugin.load_error)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]  # before: ModuleNotFoundError: No module named 'l2l'
    kind, _, said = done.stdout.strip().partition(" | ")
    assert kind == "WorkerPlugin", done.stdout
    assert said.startswith("this Dask worker cannot load l2l (ModuleNotFoundError: "), said
    assert "start it in the run's environment, where l2l is installed" in said
    assert here.name == name
