"""Call a user's Python function ``module:function`` for every evaluation."""

from __future__ import annotations

import functools
import inspect
import math
import os
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping

from l2l.errors import ConfigError
from l2l.registry import option
from l2l.simulators.base import Fidelity, SimulationResult, Simulator
from l2l.simulators.fidelity_tools import fidelity_from_table, whole_budget
from l2l.simulators.nest_left import watch
from l2l.simulators.python_call import DEFAULT_CHECKPOINT_LIMIT_MB, call_to, check_checkpoint_size, user_call
from l2l.simulators.python_import import checking_import, load_function
from l2l.simulators.python_signature import (accepts, call_shape, check_fidelity, check_returns, fidelity_arguments,
                                             l2l_trajectory_hint, uncallable)


class _Function(Simulator):
    """What both Python simulators share: call ``target()`` with the params, the seed and the budget."""

    def target(self) -> Callable[..., Any]:
        raise NotImplementedError

    def run(self, params: dict[str, Any], seed: int):
        fidelity = self.fidelity()
        if fidelity is not None:  # a run without a policy: every candidate trains to the top budget at once
            return self.run_to(params, seed, fidelity.maximum, None)
        target = self.target()
        with user_call(), l2l_trajectory_hint(target), watch(target, owner=self):
            return target(params, seed, **self.kwargs)

    def fidelity(self) -> Fidelity | None:
        return fidelity_from_table(self.multi_fidelity, "python") if self.multi_fidelity else None

    def restarts(self) -> bool:
        """True if the function takes no ``checkpoint`` (False where it cannot be imported here: its run says so)."""
        try:
            return not accepts(self.target(), "checkpoint")
        except Exception:  # noqa: BLE001
            return False

    def run_to(self, params, seed, budget, checkpoint):
        fidelity = self.fidelity()
        if fidelity is None:
            return super().run_to(params, seed, budget, checkpoint)
        target = self.target()
        with user_call(), l2l_trajectory_hint(target), watch(target, owner=self):
            result = call_to(target, params, seed, budget, checkpoint, fidelity, self.kwargs, "python")
        check_checkpoint_size(result, budget, float(getattr(self, "checkpoint_limit_mb", DEFAULT_CHECKPOINT_LIMIT_MB)),
                              "python")
        return result


@dataclass(frozen=True)
class PythonFunction(_Function):
    """Calls function(params, seed, **kwargs) from an importable module.

    The function returns a float, a dict of objective values, or an
    :class:`l2l.simulators.SimulationResult`. ``path`` (default: the config
    file's folder) is searched first, so a ``models.py`` beside the config
    can be named as ``models:my_function``.

    Fidelity: declared by the option ``multi_fidelity = { name = "epochs",
    unit = "training epochs", minimum = 1, maximum = 81, integer = true }``.
    The function is then called as ``function(params, seed, budget=b,
    checkpoint=c, **kwargs)`` and returns the result at budget ``b``, best as a
    ``SimulationResult`` with ``curve`` and ``checkpoint`` (a dict of numpy
    arrays, numbers and strings; ``c`` is the one it returned at its previous
    budget, or None). It must accept ``budget``; if it has no ``checkpoint``
    parameter it is restarted from scratch at every budget.
    """

    name: ClassVar[str] = "python"

    function: str = option("", help="'module:function' to call as function(params, seed, **kwargs)")
    kwargs: dict = option({}, help="extra keyword arguments passed to the function")
    path: str = option("", help="folder put first on sys.path (default: the config's folder)")
    multi_fidelity: dict = option({}, help="the function's fidelity {name, unit, minimum, maximum, integer}; "
                                           "it is then called with budget= and checkpoint=")
    checkpoint_limit_mb: float = option(DEFAULT_CHECKPOINT_LIMIT_MB, help="largest checkpoint the function may "
                                        "return (MiB; it is stored in the run's file)", gt=0)

    def __post_init__(self) -> None:
        if not self.function:
            raise ConfigError("simulator 'python': option 'function' is required, e.g. 'models:simulate'")
        with checking_import():
            fn = load_function(self.function, self.path or None)
        check_returns(fn, self.function)
        check_fidelity(fn, self.multi_fidelity, self.kwargs, "python", self.function)
        try:
            inspect.signature(fn).bind({}, 0, **self.kwargs, **fidelity_arguments(fn, self.multi_fidelity))
        except TypeError as exc:
            raise uncallable("python", self.function, fn, self.multi_fidelity, self.kwargs, exc) from exc

    def target(self) -> Callable[..., Any]:
        return load_function(self.function, self.path or None)


def describe_callable(function: Callable[..., Any]) -> str:
    """``module:qualname`` of a function, as recorded in the trajectory (for reading, not importing): a
    functools.partial's ``functools:partial(module:qualname)`` (of the function it calls), a callable object's
    ``module:Type instance`` (before, ``functools:partial`` and ``module:Type``, read as a function of that name)."""
    if isinstance(function, functools.partial):
        return f"functools:partial({describe_callable(function.func)})"
    module = getattr(function, "__module__", None) or "?"
    name = getattr(function, "__qualname__", None)
    if name is None:
        name = f"{getattr(type(function), '__qualname__', type(function).__name__)} instance"
    return f"{module}:{name}"


@dataclass(frozen=True)
class CallableSimulator(_Function):
    """A Python callable passed to ``l2l.run(config, simulator=f)`` (e.g. defined in a notebook).

    It travels to Dask workers by value (cloudpickle), so it may be defined in
    ``__main__`` or a notebook cell. The trajectory records its name only: to
    resume such a run, pass the function again, ``l2l.resume(path, simulator=f)``.
    """

    name: ClassVar[str] = "python"
    from_options: ClassVar[bool] = False  # the function itself, from this process (see check_sendable)

    function: Any = None
    kwargs: dict = None  # type: ignore[assignment]
    multi_fidelity: dict = None  # type: ignore[assignment]
    checkpoint_limit_mb: float = DEFAULT_CHECKPOINT_LIMIT_MB  # (the config's, dropped before: the default held)

    def __post_init__(self) -> None:
        if not callable(self.function):
            raise ConfigError(f"simulator: expected a callable function(params, seed), got {self.function!r}")
        limit = self.checkpoint_limit_mb
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 < limit < math.inf:
            raise ConfigError(f"simulator 'python': checkpoint_limit_mb must be a number > 0, got {limit!r:.60}")
        for key in ("kwargs", "multi_fidelity"):  # (the config's [simulator], unchecked beside a function: dict(3))
            value = getattr(self, key)
            if value is not None and not isinstance(value, Mapping):
                raise ConfigError(f"simulator 'python': option {key!r} must be a table, got {value!r:.60}")
        object.__setattr__(self, "kwargs", dict(self.kwargs or {}))
        object.__setattr__(self, "multi_fidelity", dict(self.multi_fidelity or {}))
        check_returns(self.function, describe_callable(self.function))
        # the fidelity first, as for a function named in a config: a declared fidelity the function takes no
        # 'budget' for was refused as "cannot be called ...: got an unexpected keyword argument 'budget'"
        check_fidelity(self.function, self.multi_fidelity, self.kwargs, "python",
                       describe_callable(self.function))
        try:
            inspect.signature(self.function).bind({}, 0, **self.kwargs, **fidelity_arguments(
                self.function, self.multi_fidelity))
        except TypeError as exc:
            error = uncallable("python", describe_callable(self.function), self.function, self.multi_fidelity,
                               self.kwargs, exc)
            if "declares no fidelity" not in str(error):  # the wording this refusal always had
                error = ConfigError(f"simulator: {describe_callable(self.function)} cannot be called as "
                                    f"{call_shape(self.multi_fidelity, exc)}")
            raise error from exc
        except ValueError:  # builtins without a signature: let the call decide
            pass

    def target(self) -> Callable[..., Any]:
        return self.function

    def check_sendable(self, backend: str) -> None:
        """Refuse (ConfigError, one line) a function that cannot be pickled, as a backend with worker processes
        (``local``, ``dask``, ``slurm``) sends it to them: called before the run's file exists. Before, a function
        that used a lock, an open file or a connection of the notebook (a global, or a variable it closes over)
        ended the run with cloudpickle's ``TypeError: cannot pickle '_thread.lock' object`` under Dask's logged
        traceback, after the file was created, which then refused the run again as holding nothing computed."""
        import cloudpickle

        try:
            cloudpickle.dumps(self)
        except Exception as exc:  # noqa: BLE001 - whatever pickling raises (TypeError, PicklingError, ...)
            held = _unpicklable_part(self.function, cloudpickle.dumps)
            raise ConfigError(f"simulator: the function {describe_callable(self.function)} cannot be pickled for the "
                              f"worker processes of backend {backend!r} ({type(exc).__name__}: {exc}"
                              f"{f', held by {held}' if held else ''}); create that object inside the function, "
                              f"or run on backend 'serial' (in this process)") from None


def _unpicklable_part(function: Any, dumps: Callable[[Any], bytes]) -> str:
    """What ``function`` uses that ``dumps`` cannot pickle, as a user reads it (``the global 'lock', a lock``),
    among the variables it closes over, the globals its code names, a ``functools.partial``'s arguments and an
    instance's attributes; '' if none of them alone fails."""
    parts: list[tuple[str, Any]] = []
    target = function
    if hasattr(target, "func") and hasattr(target, "keywords"):  # functools.partial
        parts += [(f"the argument {k!r} of the partial", v) for k, v in (target.keywords or {}).items()]
        parts += [(f"argument {i + 1} of the partial", v) for i, v in enumerate(target.args or ())]
        target = target.func
    code = getattr(target, "__code__", None)
    if code is None and not inspect.isroutine(target):  # an instance with __call__
        parts += [(f"the attribute {k!r} of {type(target).__name__}", v) for k, v in vars(target).items()] \
            if hasattr(target, "__dict__") else []
        code = getattr(getattr(type(target), "__call__", None), "__code__", None)
    if code is not None:
        parts += [(f"the variable {name!r} it closes over", cell.cell_contents)
                  for name, cell in zip(code.co_freevars, getattr(target, "__closure__", None) or ())]
        scope = getattr(target, "__globals__", None) or {}
        parts += [(f"the global {name!r}", scope[name]) for name in code.co_names if name in scope]
    for what, value in parts:
        try:
            dumps(value)
        except Exception:  # noqa: BLE001
            kind = type(value).__name__.lstrip("_").rpartition(".")[2]
            return f"{what}, a {kind}"
    return ""


@dataclass(frozen=True)
class ModelFunction(Simulator):
    """A user's model ``function(<engine module>, params, seed, **kwargs)`` for a simulator engine (NEST, Brian2).

    ``function`` is ``'module:function'``; the folder ``path`` is searched
    first for the module, as for the ``python`` simulator (made absolute at
    once, so workers started elsewhere find the same folder). Subclasses name
    the engine module handed to the function, check that it is installed and
    prepare the engine around each call (:meth:`_call`).

    Fidelity: as for the ``python`` simulator, ``multi_fidelity`` declares one
    (e.g. seconds of biological time); the function is then called with
    ``budget=`` and, if it takes one, ``checkpoint=``, inside the engine's
    fresh kernel or scope. A model that needs the engine's isolation (a reset
    NEST kernel, a Brian2 scope, Brian2 imported in a worker's thread) cannot
    get it from the ``python`` simulator, so its fidelity is declared here.
    """

    engine: ClassVar[str] = ""
    example: ClassVar[str] = "models:my_network"

    function: str = option("", help="'module:function' called as function(<engine>, params, seed, **kwargs)")
    kwargs: dict = option({}, help="extra keyword arguments passed to the function")
    path: str = option("", help="folder searched first for the module (in a config: relative to the "
                                "config's folder, default that folder; in Python: relative to the working directory)")
    multi_fidelity: dict = option({}, help="the model's fidelity {name, unit, minimum, maximum, integer}; it is "
                                           "then called with budget= and checkpoint=")
    checkpoint_limit_mb: float = option(DEFAULT_CHECKPOINT_LIMIT_MB, help="largest checkpoint the function may "
                                        "return (MiB; it is stored with the run)", gt=0)

    def __post_init__(self) -> None:
        if not self.function:
            raise ConfigError(f"simulator {self.name!r}: option 'function' is required, e.g. {self.example!r}")
        self._require()
        if self.path:  # resolved here, so workers started elsewhere find the same folder
            object.__setattr__(self, "path", os.path.abspath(self.path))
        with checking_import(bool(getattr(self, "quiet", True))):
            function = self._load()
        check_fidelity(function, self.multi_fidelity, self.kwargs, self.name, self.function)
        try:
            inspect.signature(function).bind(None, {}, 0, **self.kwargs,
                                              **fidelity_arguments(function, self.multi_fidelity))
        except TypeError as exc:
            error = uncallable(self.name, self.function, function, self.multi_fidelity, self.kwargs, exc)
            if "declares no fidelity" not in str(error):
                error = ConfigError(f"simulator {self.name!r}: {self.function} cannot be called as "
                                    f"function({self.engine}, params, seed, **kwargs): {exc}")
            raise error from exc
        except ValueError:  # no signature (a builtin): let the call decide
            pass

    def _require(self) -> None:
        """Raise ConfigError if the engine is not installed."""

    def _call(self, params: dict[str, Any], seed: int, extra: dict[str, Any]) -> SimulationResult:
        """``function(engine, params, seed, **extra, **kwargs)`` inside the engine's fresh state."""
        raise NotImplementedError

    def fidelity(self) -> Fidelity | None:
        return fidelity_from_table(self.multi_fidelity, self.name) if self.multi_fidelity else None

    def restarts(self) -> bool:
        """True if the model takes no ``checkpoint`` (each segment simulates again from 0), as for ``python``."""
        try:
            return bool(self.multi_fidelity) and not accepts(self._load(), "checkpoint")
        except Exception:  # noqa: BLE001 - a model that cannot be imported here: its run says so
            return False

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        fidelity = self.fidelity()
        if fidelity is not None:  # a run without a policy: every candidate runs to the top budget at once
            return self.run_to(params, seed, fidelity.maximum, None)
        with user_call():
            return self._call(params, seed, {})

    def run_to(self, params, seed, budget, checkpoint):
        fidelity = self.fidelity()
        if fidelity is None:
            return super().run_to(params, seed, budget, checkpoint)
        budget = whole_budget(fidelity, budget, self.name)
        takes = accepts(self._load(), "checkpoint")
        with user_call():
            result = self._call(params, seed, {"budget": budget, **({"checkpoint": checkpoint} if takes else {})})
        if not takes:  # restarted at every budget, and counted so
            result.checkpoint = None
        check_checkpoint_size(result, budget, float(self.checkpoint_limit_mb), self.name)
        return result

    def _load(self) -> Callable[..., Any]:
        try:
            return load_function(self.function, self.path or None)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("simulator 'python'", f"simulator {self.name!r}", 1)) from None
