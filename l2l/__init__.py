"""l2l: learning to learn, from a laptop to a SLURM supercomputer.

The public API::

    import l2l
    config = l2l.load_config("examples/sphere_ga.toml")
    path = l2l.run(config)               # one HDF5 trajectory per run
    frame = l2l.load(path)               # pandas, one row per evaluation
    l2l.best(path).params                # the best candidate as l2l show ranks it (l2l.front: several objectives)
    l2l.resume(path)                     # continue after a crash or to extend

Names are imported lazily so that ``import l2l`` stays cheap.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from typing import TYPE_CHECKING, Any, Iterator

__version__ = "0.1.0"

_EXPORTS = {
    "Space": "l2l.space",
    "Float": "l2l.space",
    "Int": "l2l.space",
    "Categorical": "l2l.space",
    "Objective": "l2l.objectives",
    "SimulationResult": "l2l.simulators.base",
    "Simulator": "l2l.simulators.base",
    "RunConfig": "l2l.config",
    "load_config": "l2l.config",
    "from_mapping": "l2l.config",
    "RunControl": "l2l.control",
    "evaluation_seed": "l2l.driver",
    "load": "l2l.results_schema.reader",
    "generations": "l2l.results_schema.reader",
    "traces": "l2l.results_schema.reader",
    "lineage": "l2l.results_schema.lineage",
    "agreement": "l2l.analysis.agreement",
    "best": "l2l.analysis.best",
    "front": "l2l.analysis.best",
    "Trajectory": "l2l.results_schema.reader",
    "validate": "l2l.results_schema.validate",
    "ConfigError": "l2l.errors",
    "TrajectoryError": "l2l.errors",
}

__all__ = ["Categorical", "ConfigError", "Float", "Int", "Objective", "RunConfig", "RunControl", "SimulationResult",
           "Simulator", "Space", "Trajectory", "TrajectoryError", "__version__", "agreement", "best", "evaluation_seed",
           "from_mapping", "front",
           "generations", "lineage", "load", "load_config", "resume", "run", "traces", "validate"]

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time the names load lazily
    from l2l import config, jobs, loop, optimizers, plot, reevaluate, results_schema, simulators, space
    from l2l.config import RunConfig, from_mapping, load_config
    from l2l.control import RunControl
    from l2l.errors import ConfigError, TrajectoryError
    from l2l.driver import evaluation_seed
    from l2l.loop import resume
    from l2l.objectives import Objective
    from l2l.analysis.agreement import agreement
    from l2l.analysis.best import best, front
    from l2l.results_schema.lineage import lineage
    from l2l.results_schema.reader import Trajectory, generations, load, traces
    from l2l.results_schema.validate import validate
    from l2l.simulators.base import SimulationResult, Simulator
    from l2l.space import Categorical, Float, Int, Space


def run(config: "RunConfig", out: Any = None, **options: Any) -> Any:
    """Run ``config`` into a new trajectory file and return its path (see :func:`l2l.loop.run` for the options).

    With the ``local`` backend the workers' fork server starts here, before the loop's modules are imported:
    its imports (about half a second) then overlap the caller's instead of following them.
    """
    if getattr(getattr(config, "backend", None), "name", None) == "local":
        from l2l.jobs.warm import start_fork_server

        start_fork_server()
    from l2l.loop import run as run_config

    with _serving(options.get("control")):
        return run_config(config, out, **options)


@contextlib.contextmanager
def _serving(control: Any) -> Iterator[None]:
    """A run with the :class:`RunControl` ``control``: a stop an earlier run with it honoured is not this run's."""
    starts, ends = getattr(control, "run_starts", None), getattr(control, "run_ends", None)
    if starts is not None:
        starts()
    try:
        yield
    finally:
        if ends is not None:
            ends()


def _resume() -> Any:
    """:func:`l2l.loop.resume`, serving its ``control`` as :func:`run` does."""
    from l2l.loop import resume as resume_run

    @functools.wraps(resume_run)
    def resume(path: Any, **options: Any) -> Any:
        with _serving(options.get("control")):
            return resume_run(path, **options)

    return resume


_SUBMODULES = ("plot", "space", "loop", "config", "optimizers", "simulators", "jobs", "results_schema", "reevaluate")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f"l2l.{name}")
        globals()[name] = module
        return module
    if name == "resume":
        globals()[name] = value = _resume()
        return value
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'l2l' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
