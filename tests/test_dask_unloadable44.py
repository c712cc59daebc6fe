"""A Dask worker that cannot unpickle the run's simulator (its function's module does not import there: a `dask
worker` started without the user's folder on PYTHONPATH) still takes the plugin, and each evaluation it gets fails
naming the import error. Before, unpickling raised in the worker's plugin setup, the worker hung closing, and the
run waited for it until the scheduler's worker TTL (about 10 minutes), then ended in distributed's traceback."""

import importlib
import pickle
import sys

from l2l.jobs import dask_worker
from l2l.jobs.base import Settings, Task
from l2l.results_schema.layout import FAILED


def test_unloadable_simulator_fails_each_evaluation_naming_the_module(tmp_path, monkeypatch):
    (tmp_path / "mymodel44.py").write_text("def train(params, seed, budget, checkpoint=None):\n    return 1.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("mymodel44")
    plugin = dask_worker.SimulatorPlugin(module.train, "l2l-simulator-x")
    restore, args = plugin.__reduce__()
    del sys.modules["mymodel44"]
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])

    held = restore(*args)  # raised ModuleNotFoundError before
    assert held.name == "l2l-simulator-x"

    class Worker:
        plugins = {"l2l-simulator-x": held}
    monkeypatch.setattr(dask_worker, "get_worker", lambda: Worker())
    tasks = [Task(0, i, 7 + i, {"x": 0.5}) for i in range(2)]
    outcomes = pickle.loads(dask_worker.run_chunk(pickle.dumps(tasks), "l2l-simulator-x", Settings(("loss",))))
    assert [(o.individual, o.status) for o in outcomes] == [(0, FAILED), (1, FAILED)]
    assert "No module named 'mymodel44'" in outcomes[0].error
    assert "PYTHONPATH" in outcomes[0].error
