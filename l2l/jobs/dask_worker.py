"""What runs on the Dask workers: the run's simulator, installed once on every worker, and the chunks.

The simulator reaches the workers as a worker plugin, not as a Dask task the
chunks depend on: the scheduler places a task beside its dependencies, so a
generation submitted while one worker held the simulator all went to that
worker (256 chunks to one of 4 workers of 64 threads, the others getting them
only as work stealing moved them, one at a time), while a plugin reaches every
worker at once and every worker that joins later (one restarted after a
crash, too), and leaves the chunks free to go to any worker.

The ``local`` backend gives the plugin to its workers as they start (a
worker's ``plugins``), so that no round trip through the scheduler to every
worker stands between the cluster's start and the first submission; the
``dask`` backend registers it with the scheduler, which hands it to every
worker, present and future.
"""

from __future__ import annotations

import pickle
from typing import Any

from distributed import WorkerPlugin, get_worker
from distributed.protocol.pickle import dumps, loads

from l2l.jobs.base import Settings, evaluate_chunk


class SimulatorPlugin(WorkerPlugin):
    """Holds a run's simulator on a worker, under the run's plugin name."""

    idempotent = False

    def __init__(self, simulator: Any, name: str | None = None) -> None:
        self.simulator = simulator
        if name is not None:  # the name a worker files it under when it gets it as it starts
            self.name = name
        self._payload: bytes | None = None

    def payload(self) -> bytes:
        """The simulator pickled as Dask pickles a plugin it registers (cloudpickle where plain pickle cannot,
        e.g. a function of the user's script); raises what pickling raises."""
        if self._payload is None:
            self._payload = dumps(self.simulator)
        return self._payload

    def __reduce__(self):
        # Also through plain pickle, as a worker's start arguments travel to the worker's process.
        return _restore, (self.payload(), getattr(self, "name", None))


def _restore(payload: bytes, name: str | None) -> SimulatorPlugin:
    return SimulatorPlugin(loads(payload), name)


def run_chunk(payload: bytes, plugin: str, settings: Settings) -> bytes:
    """Evaluate a pickled list of tasks with the simulator of plugin ``plugin``; return the pickled outcomes.

    Dask ships one bytes object far faster than a nested list of dataclasses,
    whose elements it would inspect and serialize one by one.
    """
    simulator = get_worker().plugins[plugin].simulator
    return pickle.dumps(evaluate_chunk(simulator, pickle.loads(payload), settings), protocol=5)
