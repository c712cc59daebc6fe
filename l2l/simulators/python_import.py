"""Import a user's ``module:function`` for the ``python`` simulator and the engine models: the module's file in
the config's folder first (under a name of its own, loaded again once it changed), a one-line error naming what
went wrong, and the import's prints kept off l2l's stdout."""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import os
import site
import sys
import sysconfig
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

from l2l.errors import ConfigError
from l2l.simulators.base import USER_MODULE_DIGEST, USER_MODULE_PREFIX


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
        head, dot, tail = spec.rpartition(".")  # 'models.simulate': Python's dotted name for what l2l writes with ':'
        meant = f" ('{head}:{tail}'?)" if not sep and dot and head and tail and not tail == "py" else ""
        raise ConfigError(f"simulator 'python': function must look like 'module:function', got {spec!r}{meant}")
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
            raise ConfigError(f"simulator 'python': module {module_name!r} has no attribute {attr!r}"
                              f"{_functions_of(module, attr)}")
    if not callable(target):
        raise ConfigError(f"simulator 'python': {spec!r} is not callable")
    return target


def _functions_of(module: Any, attr: str) -> str:
    """' (did you mean 'simulate'?)' for a misspelt function of the module, else the functions it defines (at most
    five): 'module 'mymodel' has no attribute 'simulat'' said neither."""
    import difflib
    import inspect

    own = sorted(name for name, value in vars(module).items() if not name.startswith("_") and inspect.isfunction(value)
                 and getattr(value, "__module__", None) == module.__name__)
    near = difflib.get_close_matches(attr, own, n=1)
    if near:
        return f" (did you mean {near[0]!r}?)"
    if own:
        return f"; it defines {', '.join(own[:5])}{', ...' if len(own) > 5 else ''}"
    return ""


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
