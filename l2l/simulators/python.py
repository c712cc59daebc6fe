"""Call a user's Python function ``module:function`` for every evaluation."""

from __future__ import annotations

import contextlib
import faulthandler
import functools
import hashlib
import importlib
import importlib.util
import inspect
import io
import math
import os
import site
import sys
import sysconfig
import traceback
from pathlib import Path
from types import ModuleType
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterator, Mapping

from l2l.errors import ConfigError
from l2l.numbers import number
from l2l.registry import option
from l2l.simulators.base import (USER_MODULE_DIGEST, USER_MODULE_PREFIX, Fidelity, SimulationResult, Simulator,
                                 as_result)
from l2l.simulators.fidelity_tools import fidelity_from_table, whole_budget


def accepts(function: Callable[..., Any], name: str) -> bool:
    """True if ``function`` takes a keyword argument ``name`` (by name or through ``**kwargs``)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature
        return False
    return any(p.name == name and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
               or p.kind == p.VAR_KEYWORD for p in parameters)


def check_fidelity(function: Callable[..., Any], table: Any, kwargs: dict, who: str, label: str) -> None:
    """Refuse (ConfigError) a declared fidelity the function cannot take: it must accept ``budget``."""
    if not table:
        return
    fidelity_from_table(table, who)
    clash = [key for key in ("budget", "checkpoint") if key in kwargs]
    if clash:
        raise ConfigError(f"simulator {who!r}: kwargs must not contain {clash[0]!r}: the multi-fidelity "
                          f"loop passes it")
    if not accepts(function, "budget"):
        raise ConfigError(f"simulator {who!r}: multi_fidelity is set, so {label} must accept a keyword "
                          f"argument 'budget' (and may accept 'checkpoint' to continue instead of restarting)"
                          f"{_seed_hint(function)}")


def _seed_hint(function: Callable[..., Any], fidelity: bool = True) -> str:
    """The call's shape where ``function`` takes a single positional argument (Ray Tune's ``train_fn(config)``,
    Optuna's ``objective(trial)``): the loop also passes the candidate's seed second (``fidelity``: and a budget
    and a checkpoint)."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return ""
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) != 1 or any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return ""
    if not fidelity:  # the call's shape is in the message already
        return f"; the loop passes the candidate's seed second, but it takes only {positional[0].name!r}"
    return (f"; it is called as function(params, seed, budget=..., checkpoint=...), the candidate's seed second, "
            f"but it takes only {positional[0].name!r}")


def uncallable(who: str, label: str, function: Callable[..., Any], table: Any, kwargs: dict,
               exc: TypeError) -> ConfigError:
    """The refusal of a function the loop cannot call: one that needs a ``budget`` while the simulator declares
    no fidelity is told to declare one (the call error alone, "missing a required argument: 'budget'",
    does not say where a budget comes from)."""
    try:
        needed = inspect.signature(function).parameters.get("budget")
    except (TypeError, ValueError):
        needed = None
    if not table and "budget" not in kwargs and needed is not None and needed.default is needed.empty \
            and needed.kind in (needed.POSITIONAL_OR_KEYWORD, needed.KEYWORD_ONLY):
        return ConfigError(f"simulator {who!r}: {label} takes a 'budget', but the simulator declares no fidelity: "
                           f"add multi_fidelity = {{ name = \"epochs\", minimum = 1, maximum = 27 }} (your "
                           f"budget's name and range) to [simulator], or give 'budget' a default")
    hint = _traj_hint(function) or (_seed_hint(function, bool(table)) if "positional" in str(exc) else "")
    return ConfigError(f"simulator {who!r}: {label} cannot be called as {_call_shape(table, exc)}{hint}")


def _traj_hint(function: Callable[..., Any]) -> str:
    """Where a function takes the original L2L's ``traj`` (``simulate(self, traj)`` made a function), what it
    becomes here; else ``""``."""
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return ""
    if "traj" not in names[:2] or "params" in names:
        return ""
    return ("; the original L2L's simulate(self, traj) is simulate(params, seed) here: "
            "traj.individual.x is params[\"x\"] (docs/coming_from_l2l.md)")


@contextlib.contextmanager
def l2l_trajectory_hint(function: Callable[..., Any]) -> Iterator[None]:
    """Around a call of ``function``: an AttributeError on the dict of parameters in a function written for the
    original L2L (``simulate(traj, seed)``, ``traj.individual.x``) says what its first argument is here (was:
    every evaluation failed with ``'dict' object has no attribute 'individual'`` and nothing more)."""
    try:
        yield
    except AttributeError as exc:
        hint = _traj_hint(function) if str(exc).startswith("'dict' object has no attribute") else ""
        if not hint:
            raise
        raise AttributeError(f"{exc}{hint}") from exc


def _call_shape(table: Any, exc: TypeError) -> str:
    """How the loop calls a function(params, seed, ...) and why that failed; where an argument got two values
    (``train(config, budget)`` handed the seed as its budget), who receives the seed."""
    shape = "function(params, seed, budget=..., checkpoint=..., **kwargs)" if table else \
        "function(params, seed, **kwargs)"
    hint = "; its second parameter receives the candidate's seed" if "multiple values for argument" in str(exc) \
        else ""
    return f"{shape}: {exc}{hint}"


def check_returns(function: Callable[..., Any], label: str) -> None:
    """Refuse (ConfigError) a generator or ``async`` function: it returns a generator or a coroutine, not a
    result, which failed every evaluation (``float() argument must be ... not 'coroutine'``, and Python's warning
    that it was never awaited)."""
    target = function.func if hasattr(function, "func") and hasattr(function, "keywords") else function
    target = target if inspect.isroutine(target) else getattr(type(target), "__call__", target)
    kind = "an async function" if inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target) \
        else "a generator function" if inspect.isgeneratorfunction(target) else ""
    if kind:
        raise ConfigError(f"simulator: {label} is {kind}, so a call returns "
                          f"{'a coroutine' if kind.startswith('an async') else 'a generator'}, not a result; "
                          f"make it a plain function that returns a number, a dict or l2l.SimulationResult"
                          f"{' (asyncio.run(...) inside it runs async code)' if kind.startswith('an async') else ''}")


def fidelity_arguments(function: Callable[..., Any], table: Any) -> dict[str, Any]:
    """The keyword arguments a multi-fidelity call adds (for checking the signature): budget, checkpoint."""
    if not table:
        return {}
    return {"budget": 1, **({"checkpoint": None} if accepts(function, "checkpoint") else {})}


def call_to(function: Callable[..., Any], params: dict[str, Any], seed: int, budget: float,
            checkpoint: Any, fidelity: Fidelity, kwargs: dict, who: str) -> SimulationResult:
    """Call ``function(params, seed, budget=..., [checkpoint=...], **kwargs)``; its checkpoint is kept only
    if it takes one (otherwise every segment restarts from scratch and is counted so)."""
    budget = whole_budget(fidelity, budget, who)
    if accepts(function, "checkpoint"):
        result = as_result(function(params, seed, budget=budget, checkpoint=checkpoint, **kwargs))
    else:
        result = as_result(function(params, seed, budget=budget, **kwargs))
        result.checkpoint = None
    return result


def _import(module_name: str, search_path: str | None) -> ModuleType:
    """Import ``module_name``, preferring the file of that name in ``search_path``.

    A module found in ``search_path`` is loaded from its file under a name that
    includes the folder, so that two configs with a ``models.py`` each, run in
    one process, each get their own; a file changed since it was loaded (its
    modification time or size) is loaded again, so that a model fixed in an
    editor is the one the next run or resume in the same session calls. The
    folder is put first on ``sys.path`` (for its imports of the modules beside
    it, as when it runs as a script), and a module loaded from elsewhere under
    the name of one beside it is forgotten, so that the model imports its own.
    """
    if search_path:
        folder = Path(search_path).resolve()
        relative = Path(*module_name.split("."))
        for candidate in (folder / relative.with_suffix(".py"), folder / relative / "__init__.py"):
            if candidate.is_file():
                digest = hashlib.sha1(str(candidate).encode()).hexdigest()[:USER_MODULE_DIGEST]
                key = f"{USER_MODULE_PREFIX}{digest}_{module_name.replace('.', '_')}"
                stat = candidate.stat()
                version = (stat.st_mtime_ns, stat.st_size)
                if key in sys.modules and getattr(sys.modules[key], "__l2l_version__", version) != version:
                    del sys.modules[key]
                if key not in sys.modules:
                    # the folder first on sys.path (for the module's own imports of the modules beside it, at its
                    # top or inside its functions, as when it runs as a script), and a module of the name of one
                    # beside it that was loaded from elsewhere forgotten: the second config's model in another
                    # folder ran with the first one's `helpers` (or a notebook's), silently
                    if str(folder) in sys.path:
                        sys.path.remove(str(folder))
                    sys.path.insert(0, str(folder))
                    for name in _foreign_siblings(folder):
                        del sys.modules[name]
                    spec = importlib.util.spec_from_file_location(key, candidate)
                    module = importlib.util.module_from_spec(spec)
                    module.__l2l_version__ = version
                    sys.modules[key] = module
                    try:
                        spec.loader.exec_module(module)
                    except BaseException:
                        del sys.modules[key]
                        raise
                return sys.modules[key]
    return importlib.import_module(module_name)


def _foreign_siblings(folder: Path) -> list[str]:
    """The loaded modules that have the name of a module in ``folder`` (their top-level name a ``.py`` file or a
    package there) but were loaded from another folder of the user's (never a module of Python's own library, of an
    installed package, the user's site-packages included, of l2l or a built-in one: those a model's file of the same
    name does not replace)."""
    try:
        beside = {entry.stem if entry.suffix == ".py" else entry.name for entry in folder.iterdir()
                  if (entry.suffix == ".py" and entry.is_file()) or (entry / "__init__.py").is_file()}
    except OSError:
        return []
    roots = {*sysconfig.get_paths().values(), sys.prefix, sys.base_prefix, site.getusersitepackages()}
    kept = [Path(path).resolve() for path in roots if path] + [Path(__file__).resolve().parents[1]]
    out = []
    for name in [name for name in list(sys.modules) if name.partition(".")[0] in beside]:
        file = getattr(sys.modules.get(name), "__file__", None)
        try:
            where = Path(file).resolve() if file else None
        except (OSError, ValueError, TypeError):
            continue
        if where is not None and not where.is_relative_to(folder) \
                and not any(where.is_relative_to(root) for root in kept):
            out.append(name)
    return out


def load_function(spec: str, search_path: str | None = None) -> Callable[..., Any]:
    """Import ``"package.module:function"``, looking in ``search_path`` first."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(f"simulator 'python': function must look like 'module:function', got {spec!r}")
    if module_name.endswith(".py") or "/" in module_name or "\\" in module_name:
        # a file's name or path ('model.py:f', '../models/model.py:f'): Python's import said "No module named
        # 'model'" of a module that is there, or "the 'package' argument is required to perform a relative import"
        folder, stem = os.path.split(module_name.replace("\\", "/"))
        stem = stem.removesuffix(".py")
        also = f" and path = {folder!r} (its folder; relative: from the config's folder)" if folder else ""
        raise ConfigError(f"simulator 'python': function names a module, not a file: {spec!r} should be "
                          f"'{stem}:{attr}'{also}")
    if search_path and not os.path.isdir(search_path):  # a stored run's folder, moved or deleted since
        from l2l.words import on_command_line

        elsewhere = ("l2l resume/reevaluate FILE --model-dir DIR" if on_command_line() else
                     "model_dir=DIR to l2l.resume or l2l.reevaluate.reevaluate")
        raise ConfigError(f"simulator 'python': the folder {search_path} that held module {module_name!r} is "
                          f"gone (moved or deleted?), and a module of that name found elsewhere may be another "
                          f"model: put the folder back, name where it is now ({elsewhere}), or pass the function "
                          f"itself from Python (simulator=function to l2l.resume or l2l.reevaluate.reevaluate)")
    try:
        module = _import(module_name, search_path)
    except ImportError as exc:
        where = ""
        if getattr(exc, "name", None) in (module_name, module_name.partition(".")[0]):  # the module, not one it imports
            folder = f"in {search_path}, then " if search_path else ""
            where = (f" (looked {folder}on Python's path; [simulator] path = \"FOLDER\" names the folder that holds "
                     f"it)")
        raise ConfigError(f"simulator 'python': cannot import module {module_name!r}: {exc}{where}") from exc
    except SyntaxError as exc:
        raise ConfigError(f"simulator 'python': module {module_name!r} has a syntax error: {exc.msg} "
                          f"({exc.filename}, line {exc.lineno})") from exc
    except Exception as exc:  # noqa: BLE001 - the user's module failed while it was imported: say where
        frames = traceback.extract_tb(exc.__traceback__)
        own = [f for f in frames if Path(f.filename).stem in (module_name.rpartition(".")[2], "__init__")]
        frame = (own or frames)[-1]  # the line of the user's module, not of the library it called
        raise ConfigError(f"simulator 'python': importing module {module_name!r} raised {type(exc).__name__}: "
                          f"{exc} ({frame.filename}, line {frame.lineno})") from exc
    target: Any = module
    for part in attr.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise ConfigError(f"simulator 'python': module {module_name!r} has no attribute {attr!r}")
    if not callable(target):
        raise ConfigError(f"simulator 'python': {spec!r} is not callable")
    return target


@contextlib.contextmanager
def checking_import(quiet: bool = True) -> Iterator[None]:
    """Around l2l's own import of a model's module in the process that reads the config (to check the function's
    signature before the run): what the import prints goes to stderr, as an evaluation's prints do, not among
    l2l's lines on stdout; and NEST, if the module imports it, says nothing of itself. Its banner (15 lines, from
    PyNEST's first import in a process) came on l2l's stdout, above the run's results, from this import alone on
    ``serial`` (the ``nest`` simulator keeps it quiet everywhere, with ``quiet``). A worker process's import is the
    model's own: its banner stays (on stderr), and so does anything NEST says later. ``quiet``: False lets NEST
    print its banner (the ``nest`` simulator's ``quiet = false``)."""
    quieted = quiet and "nest" not in sys.modules and "PYNEST_QUIET" not in os.environ
    if quieted:
        os.environ["PYNEST_QUIET"] = "1"  # read once, by PyNEST's first import in this process
    try:
        from l2l.simulators.simulator_stdout import descriptor_1_to_stderr

        with descriptor_1_to_stderr(), contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        if quieted:
            os.environ.pop("PYNEST_QUIET", None)


DEFAULT_CHECKPOINT_LIMIT_MB = 64.0


def _nbytes(value: Any) -> int:
    """About the bytes a checkpoint takes in the file: its arrays' and strings' sizes, 8 per other leaf."""
    if value is None:
        return 0
    if hasattr(type(value), "nbytes"):  # the type's, not the object's: a NEST NodeCollection answers any name
        return int(value.nbytes)
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, dict):
        return sum(len(str(k)) + _nbytes(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return sum(_nbytes(v) for v in value)
    return 8


def check_checkpoint_size(result: SimulationResult, budget: float, limit: float, who: str) -> None:
    """ValueError if ``result``'s checkpoint is larger than ``limit`` MiB: every checkpoint is stored with the
    run, so a runaway one (a dataset, a recording) would fill the file or the checkpoint folder."""
    size = _nbytes(result.checkpoint)
    if size > limit * 2 ** 20:
        raise ValueError(f"the checkpoint returned at budget {number(budget)} holds {size / 2 ** 20:.1f} MiB, more "
                         f"than checkpoint_limit_mb = {number(limit)} of the {who} simulator: keep weights and "
                         f"optimizer state, not data, or raise the option")


@contextlib.contextmanager
def user_call() -> Iterator[None]:
    """Around a call of a user's function: put the process's working directory back where it was if the function
    changed it (``os.chdir`` into its data folder): the ``serial`` backend evaluates in l2l's own process, whose
    relative paths moved with it (``l2l run cfg.toml --out run.h5`` then looked for ``run.h5`` in the model's folder
    and ended in ``run.h5: no such file`` after the evaluations, its rows kept). And a crash of the process in the
    call (a segfault in C code) prints where in the function it happened (Python's ``faulthandler``, unless the user
    enabled it already); before, a ``serial`` run ended with nothing on stderr but the shell's ``Segmentation
    fault``."""
    try:
        before = os.getcwd()
    except OSError:  # l2l's own folder was removed: nothing to put back
        before = None
    reporting = not faulthandler.is_enabled()
    if reporting:
        try:
            faulthandler.enable(file=sys.__stderr__, all_threads=False)
        except (AttributeError, ValueError, OSError, io.UnsupportedOperation):  # no stderr with a descriptor
            reporting = False
    try:
        yield
    finally:
        if reporting:
            faulthandler.disable()
        if before is not None:
            try:
                if os.getcwd() != before:
                    os.chdir(before)
            except OSError:  # the folder it went to is gone (getcwd fails), or ours is: go back if we can
                with contextlib.suppress(OSError):
                    os.chdir(before)


class _Function(Simulator):
    """What both Python simulators share: call ``target()`` with the params, the seed and the budget."""

    def target(self) -> Callable[..., Any]:
        raise NotImplementedError

    def run(self, params: dict[str, Any], seed: int):
        fidelity = self.fidelity()
        if fidelity is not None:  # a run without a policy: every candidate trains to the top budget at once
            return self.run_to(params, seed, fidelity.maximum, None)
        target = self.target()
        with user_call(), l2l_trajectory_hint(target):
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
        with user_call(), l2l_trajectory_hint(target):
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
                                    f"{_call_shape(self.multi_fidelity, exc)}")
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
