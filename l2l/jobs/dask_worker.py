"""What runs on the Dask workers: the run's simulator, installed once on every worker, and the chunks.

The simulator reaches the workers as a worker plugin, not as a Dask task the
chunks depend on: the scheduler places a task beside its dependencies, so a
generation submitted while one worker held the simulator all went to that
worker (256 chunks to one of 4 workers of 64 threads, the others getting them
only as work stealing moved them, one at a time), while a plugin reaches every
worker at once and every worker that joins later (one restarted after a
crash, too), and leaves the chunks free to go to any worker.
"""

from __future__ import annotations

import pickle
from typing import Any

from distributed import WorkerPlugin, get_worker

from l2l.jobs.base import Settings, evaluate_chunk


class SimulatorPlugin(WorkerPlugin):
    """Holds a run's simulator on a worker, under the run's plugin name."""

    idempotent = False

    def __init__(self, simulator: Any) -> None:
        self.simulator = simulator


def run_chunk(payload: bytes, plugin: str, settings: Settings) -> bytes:
    """Evaluate a pickled list of tasks with the simulator of plugin ``plugin``; return the pickled outcomes.

    Dask ships one bytes object far faster than a nested list of dataclasses,
    whose elements it would inspect and serialize one by one.
    """
    simulator = get_worker().plugins[plugin].simulator
    return pickle.dumps(evaluate_chunk(simulator, pickle.loads(payload), settings), protocol=5)
