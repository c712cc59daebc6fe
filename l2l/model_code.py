"""The code of the user's model that each session of a run records, as sha256 hashes.

:func:`model_sources`: the module file of a ``python`` simulator's function, the source text of what a function
object runs, each file a ``command`` simulator's argv names (:func:`command_files`); :func:`model_imports`: the
modules the model imports from its own package (:func:`imported_files`). :func:`l2l.provenance.with_session` puts
them in the session's ``started`` or ``resumed`` event; :mod:`l2l.model_changes` compares and words them.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

from l2l.model_hashes import whole_digest


#: The largest file hashed as the model's code; a larger one (a data file a command names) is named, not read.
MODEL_HASH_LIMIT = 10 * 2 ** 20
#: The most files of a ``command`` simulator's argv that are hashed.
MODEL_FILES = 8


def file_entry(path: Path) -> list[str]:
    """``[path, sha256 hex]`` of a file, or ``[path, 'not hashed: why']`` (larger than MODEL_HASH_LIMIT: not read)."""
    try:
        if path.stat().st_size > MODEL_HASH_LIMIT:
            return [str(path), f"not hashed: larger than {MODEL_HASH_LIMIT // 2 ** 20} MB"]
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return [str(path), digest.hexdigest()]
    except OSError as exc:
        return [str(path), f"not hashed: {exc.strerror or exc}"]


#: The longest text of a ``functools.partial``'s bound arguments that is hashed with its function.
PARTIAL_ARGUMENTS = 10_000


def _plain(value: Any, depth: int = 0) -> bool:
    """True where ``repr(value)`` is the same in every process: numbers, text, bytes, None and lists, tuples and dicts
    of them (not sets, whose order of strings changes with the process, nor objects, whose repr names an address)."""
    if depth > 20:
        return False
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all(_plain(key, depth + 1) and _plain(item, depth + 1) for key, item in value.items())
    return False


def _runs(function: Any) -> tuple[Any, list[Any], str | None]:
    """What a model callable runs: ``(named, sources, arguments)``: the object that names it (module, name, file),
    the objects whose source text is its code, and the repr of a partial's bound arguments ('' where they cannot be
    told in a repr the same in every process; None: no partial). A partial: its function's, with its arguments; a
    bound method and a callable object: their class's whole source (what ``self`` may call); a decorated function
    (``functools.wraps``): each wrapper's code and the function's own source, decorator lines included."""
    arguments = None
    if isinstance(function, functools.partial):
        bound = (function.args, sorted(function.keywords.items()))
        text = repr(bound) if _plain(bound) else ""
        arguments = text if len(text) <= PARTIAL_ARGUMENTS else ""
        function = function.func  # nested partials are flattened by functools
    if inspect.ismethod(function):
        owner = function.__self__ if isinstance(function.__self__, type) else type(function.__self__)
        return function, [owner], arguments
    if not inspect.isroutine(function) and not inspect.isclass(function) and callable(function):
        return type(function), [type(function)], arguments
    layers, inner = [], function
    while getattr(inner, "__wrapped__", None) is not None and len(layers) < 20:
        if isinstance(getattr(inner, "__code__", None), type(_plain.__code__)):
            layers.append(inner.__code__)  # the wrapper's own code: inspect.getsource(inner) unwraps it
        inner = inner.__wrapped__
    return inner, [inner, *layers], arguments


def _class_text(cls: type) -> str:
    try:
        return inspect.getsource(cls)
    except Exception:  # noqa: BLE001 - OSError, TypeError (a class of a notebook's __main__, which has no file)
        return ""


def _source(source: Any) -> str:
    """The source text of a function, code object or class; a class whose module has no file (a notebook's, where
    ``inspect`` cannot find it) by the text of each of its functions (IPython keeps each cell's)."""
    if not inspect.isclass(source):
        return inspect.getsource(source)
    text = _class_text(source) or "".join(inspect.getsource(f) for f in vars(source).values() if inspect.isfunction(f))
    if not text:
        raise OSError("no source")
    return text


def _function_entry(function: Any) -> list[str]:
    """``['function MODULE:NAME (file:line)', sha256]`` of a function passed to ``l2l.run`` (a notebook's, a
    script's), whose module may hold other things: the sha256 of the source text of what it runs (:func:`_runs`:
    a partial's function and bound arguments, a method's or callable object's class, a decorated function and its
    wrappers); ``partial`` ends the name of a partial, ``partial, arguments not recorded`` where its arguments have
    no repr the same in every process (their values are then not in the hash); 'not hashed' where Python keeps no
    source (typed at a prompt, a builtin)."""
    named, sources, arguments = _runs(function)
    qualname = getattr(named, "__qualname__", None) or type(named).__name__
    name = f"{getattr(named, '__module__', None) or '?'}:{qualname}"
    note = "" if arguments is None else " partial" if arguments else " partial, arguments not recorded"
    try:
        text = "".join(_source(source) for source in sources)
        first = sources[0] if not inspect.ismethod(named) else named
        if inspect.isclass(first) and not _class_text(first):  # a notebook's class: where its first method is
            first = next(f for f in vars(first).values() if inspect.isfunction(f))
        where = f"{inspect.getsourcefile(first) or '?'}:{inspect.getsourcelines(first)[1]}"
    except Exception:  # noqa: BLE001 - OSError, TypeError; tokenize's TokenError where its file was edited since
        return [f"function {name}{note}", "not hashed: its source text is not available"]
    if arguments:
        text += "\0" + arguments
    return [f"function {name} ({where}){note}", hashlib.sha256(text.encode("utf-8")).hexdigest()]


def _program(word: str) -> bool:
    """True for a program found on PATH or the Python running l2l (``python3``, ``/usr/bin/bash``): not the model."""
    try:
        real = os.path.realpath(word)
        found = shutil.which(os.path.basename(word))
        return real == os.path.realpath(sys.executable) or (found is not None and os.path.realpath(found) == real)
    except (OSError, ValueError):
        return False


def command_files(argv: Any, config_dir: str = "") -> list[list[str]]:
    """:func:`file_entry` of each existing file ``argv`` names (``{config_dir}`` filled in; an argument with another
    placeholder is left, a shell script's words and an option's ``--x=FILE`` value are looked at), a relative path
    taken from the config's folder, else the working directory; programs (:func:`_program`) left out; at most
    MODEL_FILES."""
    folder = config_dir or os.getcwd()
    found: list[list[str]] = []
    seen: set[str] = set()
    for arg in argv:
        text = str(arg).replace("{config_dir}", folder)
        try:
            words = shlex.split(text) if any(c.isspace() for c in text) else [text]
        except ValueError:
            words = [text]
        for word in words:
            word = word.split("=", 1)[1] if word.startswith("-") and "=" in word else word
            if not word or "{" in word or word.startswith("-"):
                continue
            for base in (folder, os.getcwd()):
                path = Path(base, word)  # an absolute word stays itself
                try:
                    is_file = path.is_file()
                except (OSError, ValueError):
                    is_file = False
                if is_file:
                    break
            else:
                continue
            real = os.path.realpath(path)
            if real in seen or _program(str(path)):
                continue
            seen.add(real)
            found.append(file_entry(Path(real)))
            if len(found) >= MODEL_FILES:
                return found
    return found


def _model_module(simulator: Any) -> tuple[Any, str, str | None]:
    """``(target, module name, module file)`` of a ``python`` simulator's model: the function object passed to
    ``l2l.run`` (its module's, that of what it runs: :func:`_runs`), or the module a ``"module:name"`` names
    (imported here); ``(None, '', None)`` for other simulators and where the function cannot be imported here."""
    function = getattr(simulator, "function", None)
    if callable(function) and not getattr(simulator, "from_options", True):
        name = getattr(_runs(function)[0], "__module__", None) or ""
        return function, name, getattr(sys.modules.get(name), "__file__", None)
    if isinstance(function, str) and ":" in function:
        load = getattr(simulator, "target", None) or getattr(simulator, "_load", None)
        try:
            target = load() if callable(load) else None
        except Exception:  # noqa: BLE001 - not importable here: the run says so itself
            return None, "", None
        # the target's module (one found in the simulator's path is loaded under a name of l2l's); a partial's, the
        # module the config names, which holds it (its function may be another module's)
        named = function.partition(":")[0]
        own = named if isinstance(target, functools.partial) else getattr(target, "__module__", None) or ""
        module = sys.modules.get(own) or sys.modules.get(getattr(_runs(target)[0], "__module__", None) or "")
        name = str(getattr(module, "__name__", "") or "")
        return target, named if name.startswith("_l2l_user_") or not name else name, getattr(module, "__file__", None)
    return None, "", None


def model_sources(simulator: Any) -> list[list[str]]:
    """The user's model code a session runs, as ``[where, sha256 hex or 'not hashed: why']`` pairs: the module file
    of a ``python`` (or NEST/Brian2 model) simulator's ``function = "module:name"``; the source text of what a
    function object passed to ``l2l.run`` runs (:func:`_function_entry`); each file a ``command`` simulator's argv
    names (:func:`command_files`). [] for l2l's own simulators (their code is l2l's, ``l2l_source``) and where the
    function cannot be imported here. The modules the model imports: :func:`model_imports`."""
    function = getattr(simulator, "function", None)
    if callable(function) and not getattr(simulator, "from_options", True):
        return [_function_entry(function)]
    if isinstance(function, str) and ":" in function:
        target, _, file = _model_module(simulator)
        return [file_entry(Path(file).resolve())] if file else ([_function_entry(target)] if target else [])
    argv = getattr(simulator, "argv", None)
    if isinstance(argv, (tuple, list)):
        return command_files(argv, str(getattr(simulator, "config_dir", "") or ""))
    return []


#: The most files of the modules a model imports that :func:`model_imports` hashes, and their most bytes in all.
IMPORT_FILES = 200
IMPORT_BYTES = 20 * 2 ** 20


def _top_folder(file: Path, module: str) -> Path:
    """The folder of the top package of ``module`` (whose file is ``file``): ``mypkg/`` of ``mypkg.sub.model``; the
    folder holding a module that is no package's (``model.py`` beside a config, a script's ``__main__``)."""
    parts = module.split(".")
    folder = file.parent
    for _ in range(len(parts) - (1 if file.stem == "__init__" else 2)):
        folder = folder.parent
    return folder


@functools.lru_cache(maxsize=1)
def _not_the_users() -> tuple[str, ...]:
    """The folders whose modules are no user's model code: the standard library, site-packages and l2l's own."""
    import sysconfig

    paths = sysconfig.get_paths()
    folders = {paths.get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    folders.add(str(Path(__file__).resolve().parent))
    return tuple(sorted(os.path.realpath(folder) + os.sep for folder in folders if folder))


def _users(real: str) -> bool:
    parts = real.split(os.sep)
    return not real.startswith(_not_the_users()) and "site-packages" not in parts and "dist-packages" not in parts


#: :func:`file_entry`'s hashes of the imported files, by (path, modification time, size): a process starts
#: sessions again (a notebook, a test suite) with the same modules loaded.
_HASHED: dict[tuple[str, int, int], str] = {}
#: The real paths of the modules' files (a module's file moved is another module's, loaded again).
_REAL: dict[str, str] = {}


def imported_files(file: str | os.PathLike, module: str) -> tuple[Path, list[Path]]:
    """The folder of the top package of ``module`` (:func:`_top_folder`; ``file``: its file) and the files of the
    modules loaded in this process that lie under it (resolved, sorted), but ``file`` itself and those of the standard
    library, site-packages and l2l: the code a model of ``mypkg/model.py`` takes from ``mypkg/physics.py``."""
    folder = Path(os.path.realpath(_top_folder(Path(file), module)))
    own = os.path.realpath(file)
    inside = str(folder) + os.sep
    if not _users(inside):
        return folder, []
    starts = tuple({inside, str(_top_folder(Path(file), module)) + os.sep})
    found = set()
    for loaded in list(sys.modules.values()):
        name = getattr(loaded, "__file__", None)
        if isinstance(name, str) and name.startswith(starts):
            real = _REAL.get(name) or os.path.realpath(name)
            if len(_REAL) < 100_000:
                _REAL[name] = real
            if real.startswith(inside) and real != own and _users(real):
                found.add(real)
    return folder, [Path(name) for name in sorted(found, key=lambda name: name[len(inside):].replace(os.sep, "/"))]


def model_imports(simulator: Any) -> dict[str, Any] | None:
    """The session's ``imports`` entry: the files of the modules the model imports from its own package
    (:func:`imported_files`, seen by the driver, which imported the model: workers import their own copies) as
    ``{"under": folder, "files": count, "sha256": digest}``, the digest that of the lines ``SHA256  RELATIVE/PATH``
    (``sha256sum``'s) of each file in turn; ``capped`` says how many were left out (more than IMPORT_FILES files
    or IMPORT_BYTES bytes). None where the model imports none (or is no ``python`` simulator's)."""
    _, module, file = _model_module(simulator)
    if not file or not module:
        return None
    folder, files = imported_files(file, module)
    if not files:
        return None
    lines, total = [], 0
    for path in files[:IMPORT_FILES]:
        try:
            stat = path.stat()
        except OSError as exc:
            lines.append(f"not hashed: {exc.strerror or exc}  {path.relative_to(folder).as_posix()}\n")
            continue
        total += stat.st_size
        if total > IMPORT_BYTES:
            break
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        digest = _HASHED.get(key) or file_entry(path)[1]
        if whole_digest(digest) and len(_HASHED) < 100_000:
            _HASHED[key] = digest
        lines.append(f"{digest}  {path.relative_to(folder).as_posix()}\n")
    entry: dict[str, Any] = {"under": str(folder), "files": len(lines),
                             "sha256": hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()}
    if len(lines) < len(files):
        entry["capped"] = f"{len(files) - len(lines)} more files not hashed"
    return entry
