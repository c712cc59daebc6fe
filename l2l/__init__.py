"""l2l: learning to learn, from a laptop to a SLURM supercomputer.

The public API::

    import l2l
    config = l2l.load_config("examples/sphere_ga.toml")
    path = l2l.run(config)               # one HDF5 trajectory per run
    frame = l2l.load(path)               # pandas, one row per evaluation
    l2l.best(path).params                # the best candidate as l2l show ranks it (l2l.front: several objectives)
    l2l.incumbent(path)                  # the best so far against compute and wall time, as l2l compare draws it
    l2l.resume(path)                     # continue after a crash or to extend

Names are imported lazily so that ``import l2l`` stays cheap.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from typing import TYPE_CHECKING, Any, Iterator

from l2l.version import __version__

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
    "checkpoint": "l2l.analysis.checkpoints",
    "agreement": "l2l.analysis.agreement",
    "best": "l2l.analysis.best",
    "front": "l2l.analysis.best",
    "incumbent": "l2l.analysis.incumbent",
    "Trajectory": "l2l.results_schema.reader",
    "validate": "l2l.results_schema.validate",
    "ConfigError": "l2l.errors",
    "TrajectoryError": "l2l.errors",
}

__all__ = ["Categorical", "ConfigError", "Float", "Int", "Objective", "RunConfig", "RunControl", "SimulationResult",
           "Simulator", "Space", "Trajectory", "TrajectoryError", "__version__", "agreement", "best", "evaluation_seed",
           "checkpoint", "from_mapping", "front", "incumbent",
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
    from l2l.analysis.incumbent import incumbent
    from l2l.analysis.checkpoints import checkpoint
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
    import os

    from l2l.errors import path_argument
    from l2l.loop import run as run_config

    options = _arguments("l2l.run", run_config, options)
    if out is not None:  # a path of the wrong type refused here; its text kept whole ('runs/' names a folder, and
        # '' no file: the loop says both in its own words, which a Path, dropping the slash, could not tell apart)
        out = os.fsdecode(out) if isinstance(out, (str, bytes, os.PathLike)) else path_argument(out, "out")
    with _serving(options.get("control")):
        return run_config(config, out, **options)


#: The keyword arguments of :func:`run` and :func:`resume` that the loop calls back, and the switch (the loop
#: checks ``drop_unreadable`` itself).
_CALLBACKS = ("on_generation", "on_evaluation", "announce", "nothing_to_do", "nothing_more")
_SWITCHES = ("progress",)


def _arguments(name: str, function: Any, options: dict[str, Any]) -> dict[str, Any]:
    """The keyword ``options`` of the call ``name`` of ``function`` (l2l.run, l2l.resume), checked before anything
    starts: an argument the function does not take, a callback that is not callable, a ``control`` that is no
    :class:`RunControl` and a switch that is neither True nor False are refused in one :class:`ArgumentError` line
    naming the argument (before, ``on_generation=3`` or ``control=3`` created the run's file, ran its first
    generation and left the file behind with ``TypeError: 'int' object is not callable`` from inside the loop;
    ``bogus=1`` raised Python's TypeError). numpy's numbers and booleans are taken as Python's
    (``generations=np.int64(3)``); the values themselves are checked where the command line's are."""
    import inspect

    from l2l.control import RunControl
    from l2l.errors import ArgumentError
    from l2l.parameters import plain
    from l2l.registry import _did_you_mean

    taken = [key for key, parameter in inspect.signature(function).parameters.items()
             if parameter.kind is parameter.KEYWORD_ONLY]
    checked = {}
    for key, value in options.items():
        if key not in taken:
            from l2l.config_keys import RUN_KEYS

            if key in RUN_KEYS:  # l2l.run(config, out, generations=3): a [run] key of the config, which says so
                raise ArgumentError(f"{name} has no argument {key!r}: it is the config's [run] {key} (in its "
                                    f"TOML, or config['run'][{key!r}] of a mapping); {name} takes {', '.join(taken)}")
            raise ArgumentError(f"{name} has no argument {key!r}{_did_you_mean(key, taken)}; it takes "
                                f"{', '.join(taken)}")
        value = plain(value)
        if key in _CALLBACKS and value is not None and not callable(value):
            raise ArgumentError(f"{key} must be a function (or None), got {type(value).__name__} {value!r:.60}")
        if key == "control" and value is not None and not isinstance(value, RunControl):
            raise ArgumentError(f"control must be an l2l.RunControl() (or None), got {type(value).__name__} "
                                f"{value!r:.60}")
        if key in _SWITCHES and not isinstance(value, bool):
            raise ArgumentError(f"{key} must be True or False, got {type(value).__name__} {value!r:.60}")
        checked[key] = value
    return checked


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
        from l2l.errors import path_argument

        options = _arguments("l2l.resume", resume_run, options)
        path = path_argument(path)
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
