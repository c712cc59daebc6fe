"""What a methods section needs to say about a run, as stored in its file and as ``l2l show`` prints it.

A run's file records, once when it is created, the versions of what decides its results (``/run`` attribute
``versions``, see :func:`versions`): l2l and, where l2l runs from a git checkout, the commit it runs at (with
``+modified`` where tracked files differ from it: a version number alone does not name the code of an editable
install), Python, the platform, HDF5 and the packages whose versions change the numbers (numpy, the optimizers'
deap, optuna and nevergrad, the simulators' NEST and Brian2). A resumed session (``l2l resume`` on another
machine, or after an upgrade) records in its ``resumed`` event the versions that differ from the file's
(:func:`changed_versions`). :func:`versions_line` and :func:`time_line` are ``l2l show``'s ``versions`` and
``time`` lines; docs/reproducibility.md says what else a methods section takes from the file.

Each session (the run, each ``l2l resume``) also records, in its ``started`` or ``resumed`` event, the code of the
user's model (:func:`model_sources`: a sha256 of the module file of a ``python`` simulator's function, of the source
text of what a function object runs, of each file a ``command`` simulator's argv names), of the modules the model
imports from its own package (:func:`model_imports`) and the driver's host, CPU model and count
(:func:`driver_host`); its ``finished``, ``stopped`` or ``failed`` event the hosts its evaluations ran on, with their
counts (:class:`SessionHosts`, from each outcome's ``host``: the SLURM node name, else the host name, seen by the
process that evaluated it), which each commit of the run state also holds, for a resume to record those of a killed
session (:func:`killed_hosts`). An event holds at most 512 bytes: what does not fit is left out, never the event's own
entries (:func:`with_session`). :mod:`l2l.sessions` reads them back (``session_records``) and words
``l2l show``'s ``model`` and ``hosts`` lines.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from l2l.model_hashes import SHORT_HASH, same_imports, same_model, whole_digest

if TYPE_CHECKING:
    from l2l.results_schema.reader import Trajectory

#: The distributions whose versions a run records (those not installed are recorded as such).
PACKAGES = ("numpy", "scipy", "pandas", "h5py", "dask", "distributed", "deap", "optuna", "nevergrad",
            "nest-simulator", "brian2")
#: Seconds the git commands that name the source checkout may take before they are given up.
GIT_TIMEOUT = 5.0


def source_revision(folder: str | Path | None = None) -> str | None:
    """The git commit the l2l source in ``folder`` (default: this package's parent folder) is at, with
    ``+modified`` where a tracked file differs from it; None where it is no git checkout or git cannot tell."""
    folder = Path(folder) if folder is not None else Path(__file__).resolve().parent.parent
    if not (folder / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT)
        if head.returncode != 0:
            return None
        changed = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no",
                                  "--", "l2l"], capture_output=True, text=True, timeout=GIT_TIMEOUT)
    except (OSError, subprocess.SubprocessError):  # no git, or a hung file system: the version number is left
        return None
    revision = head.stdout.strip()
    if not revision:
        return None
    return revision + ("+modified" if changed.returncode != 0 or changed.stdout.strip() else "")


@functools.lru_cache(maxsize=1)
def _this_checkout() -> str | None:
    """:func:`source_revision` of the l2l this process runs, asked once a process (two git calls, ~20 ms)."""
    return source_revision()


def versions() -> dict[str, str]:
    """The versions a run records when its file is created: ``l2l``, ``l2l_source`` (the git commit, only where
    l2l runs from a checkout), ``python``, ``hdf5``, ``platform`` and every package of :data:`PACKAGES`."""
    from l2l.version import __version__

    out = {"l2l": __version__}
    revision = _this_checkout()
    if revision:
        out["l2l_source"] = revision
    out.update(_installed())
    return out


@functools.lru_cache(maxsize=1)
def _installed() -> dict[str, str]:
    """Python's, HDF5's, the platform's and every package's of :data:`PACKAGES` version, looked up once per process
    (about 0.3 s on a loaded machine, at every run and resume before): the modules this process runs are the ones it
    imported, whatever pip installs meanwhile."""
    from importlib.metadata import PackageNotFoundError, version

    import h5py

    out = {"python": sys.version.split()[0], "hdf5": h5py.version.hdf5_version, "platform": platform.platform()}
    for package in PACKAGES:
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def changed_versions(recorded: Any) -> dict[str, dict[str, str | None]]:
    """The ``resumed`` event's ``versions`` entry: each of :func:`versions` that differs from ``recorded`` (the
    file's ``/run`` ``versions``; None where this session has no such entry, e.g. no ``l2l_source`` outside a
    checkout), as ``{"versions": {name: value}}``; {} where this session runs what the file records. A file that
    records none (an l2l of before 6 December) gets them all."""
    recorded = recorded if isinstance(recorded, dict) else {}
    now = versions()
    changed: dict[str, str | None] = {name: value for name, value in now.items() if recorded.get(name) != value}
    changed.update({name: None for name in recorded if name not in now})
    return {"versions": changed} if changed else {}


def versions_line(run: dict[str, Any]) -> str:
    """``l2l show``'s ``versions`` line: what the run's file records besides l2l's own version (given on the
    ``host`` line), the packages not installed left out; '' for a file that records none."""
    recorded = run.get("versions") if isinstance(run.get("versions"), dict) else {}
    parts = [f"{name} {value}" for name, value in recorded.items()
             if name not in ("l2l", "platform") and value != "not installed"]
    if "platform" in recorded:
        parts.append(str(recorded["platform"]))
    return ", ".join(parts)


def resumed_versions_text(trajectory: Trajectory) -> str:
    """What the ``versions`` line adds for sessions resumed with other versions than the file records, each by its
    number among the run's sessions: ``session 2 (resumed): numpy 1.26.4 -> 2.1.0, l2l 0.1.0 -> 0.2.0``; '' where
    every session recorded none (ran the file's versions, or an l2l that did not record them)."""
    events = trajectory.events()
    recorded = trajectory.run.get("versions") if isinstance(trajectory.run.get("versions"), dict) else {}
    parts, session = [], 0
    for kind, detail in zip(events["kind"], events["detail"]):
        if kind not in ("started", "resumed"):
            continue
        session += 1
        try:
            changed = json.loads(detail).get("versions") if kind == "resumed" else None
        except (TypeError, ValueError, AttributeError):
            changed = None
        if not isinstance(changed, dict) or not changed:
            continue
        said = ", ".join(f"{name} {recorded.get(name) or 'none'} -> {value or 'none'}"
                         for name, value in changed.items())
        parts.append(f"session {session} (resumed): {said}")
    return "; ".join(parts)


def versions_text(trajectory: Trajectory) -> str:
    """``l2l show``'s ``versions`` line: :func:`versions_line`, then the sessions resumed with other versions
    (:func:`resumed_versions_text`)."""
    return "; ".join(text for text in (versions_line(trajectory.run), resumed_versions_text(trajectory)) if text)


def time_line(trajectory: Trajectory) -> str:
    """``l2l show``'s ``time`` line: the wall time of the run's sessions, each from its ``started`` or ``resumed``
    event to the event that ended it (the backend's start-up included, the pauses between sessions not), read
    from the event log alone; a session with no such event (killed, or still running) is counted apart, not
    guessed. '' before a first session."""
    events = trajectory.events()
    seconds, sessions, killed, begun = 0.0, 0, 0, None
    for time, kind in zip(events["time"], events["kind"]):
        if kind in ("started", "resumed"):
            killed += begun is not None  # the session before had no end, and another came: it was killed
            begun, sessions = time, sessions + 1
        elif kind in ("stopped", "finished", "failed") and begun is not None:
            seconds += (time - begun).total_seconds()
            begun = None
    last = int(begun is not None)  # the last session has no end: killed, or still running
    if not sessions:
        return ""
    ended = sessions - killed - last
    text = f"{seconds:.1f} s of wall time in {ended} session{'s' * (ended != 1)}"
    # (a killed session was said 'killed, or running' even after a resume had shown it was killed)
    if killed and last:
        text += f"; {killed + last} more without an end not counted ({killed} killed; the last killed, or running)"
    elif killed:
        text += f"; {killed} more killed (no event ended {'it' if killed == 1 else 'them'}) not counted"
    elif last:
        text += "; 1 more without an end (killed, or running) not counted"
    return text


#: The largest file hashed as the model's code; a larger one (a data file a command names) is named, not read.
MODEL_HASH_LIMIT = 10 * 2 ** 20
#: The most files of a ``command`` simulator's argv that are hashed.
MODEL_FILES = 8
#: The most bytes of an event's detail (the file's ``event_detail`` is S512, SPEC.md).
EVENT_BYTES = 512


def _file_entry(path: Path) -> list[str]:
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
    """:func:`_file_entry` of each existing file ``argv`` names (``{config_dir}`` filled in; an argument with another
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
            found.append(_file_entry(Path(real)))
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
        return [_file_entry(Path(file).resolve())] if file else ([_function_entry(target)] if target else [])
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


#: :func:`_file_entry`'s hashes of the imported files, by (path, modification time, size): a process starts
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
        digest = _HASHED.get(key) or _file_entry(path)[1]
        if whole_digest(digest) and len(_HASHED) < 100_000:
            _HASHED[key] = digest
        lines.append(f"{digest}  {path.relative_to(folder).as_posix()}\n")
    entry: dict[str, Any] = {"under": str(folder), "files": len(lines),
                             "sha256": hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()}
    if len(lines) < len(files):
        entry["capped"] = f"{len(files) - len(lines)} more files not hashed"
    return entry


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), else what :mod:`platform` says ('' where nothing)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith(("model name", "hardware", "cpu model")) and ":" in line:
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine()


@functools.lru_cache(maxsize=1)
def driver_host() -> dict[str, Any]:
    """The host the run's driver (the process writing the file) runs on: ``host``, ``cpu`` (model), ``cpus``."""
    return {"host": socket.gethostname(), "cpu": cpu_model(), "cpus": os.cpu_count() or 0}


def _fits(detail: dict[str, Any]) -> bool:
    return len(json.dumps(detail).encode()) <= EVENT_BYTES


def _short(model: list[list[str]], digits: int | None) -> list[list[str]]:
    """``model`` with each file named by its name alone, each hash cut to ``digits`` (None: whole)."""
    return [[where if where.startswith("function ") else Path(where).name,
             digest[:digits] if digits and whole_digest(digest) else digest] for where, digest in model]


def _named(where: Any) -> str:
    """What names an entry whatever its content: a file's name, a function's (without its line, which edits move)."""
    where = str(where)
    return where.split(" (", 1)[0] if where.startswith("function ") else Path(where).name


def _imports_text(imports: Any) -> str:
    return (f"{imports.get('files')} file{'s' * (imports.get('files') != 1)} "
            f"{str(imports.get('sha256', ''))[:SHORT_HASH]}")


def _short_where(where: Any) -> str:
    """A model entry's name as :func:`model_difference` says it: a file's name (``noisy_bowl.py``), a function's
    ``module:name (file:line)`` (``__main__:bowl (nb.py:5)``; before, ``nb.py:5)``, the last part of
    ``function __main__:bowl (/home/me/nb.py:5)`` read as a path)."""
    text = str(where)
    function = re.fullmatch(r"function (\S+) \((.*)\)(.*)", text, flags=re.S)
    if function:
        return f"{function[1]} ({Path(function[2]).name}){function[3]}"
    return Path(text).name


def model_difference(before: list[Any], now: list[list[str]], imports_before: Any = None,
                     imports_now: dict[str, Any] | None = None, ran: str = "the session before ran") -> str:
    """What differs between the code of the model a session recorded (``before``, the same files, the same function)
    and the code found now (``now``), or between the modules it imports from its package (``imports_before``, the
    recorded ``imports``, and ``imports_now``, :func:`model_imports`): one clause, '' where neither changed (or where
    the model is another one altogether: other files, another function)."""
    named = [_named(entry[0]) for entry in before if isinstance(entry, (list, tuple)) and len(entry) == 2]
    if named != [_named(where) for where, _ in now]:
        return ""
    if not same_model(before, now):
        shown_before = "; ".join(f"{_short_where(w)} {str(h)[:SHORT_HASH]}" for w, h in before) or "none"
        shown_now = "; ".join(f"{_short_where(w)} {h[:SHORT_HASH]}" for w, h in now) or "none"
        return f"the model's code differs from what {ran} (sha256 {shown_before} then, {shown_now} now)"
    if same_imports(imports_before, imports_now) or imports_now is None \
            or Path(str(imports_before.get("under", ""))).name != Path(imports_now["under"]).name:
        return ""
    return (f"the modules the model imports from {imports_now['under']} differ from what {ran} (sha256 of "
            f"{_imports_text(imports_before)} then, {_imports_text(imports_now)} now)")


def model_change_line(before: list[Any], now: list[list[str]], imports_before: Any = None,
                      imports_now: dict[str, Any] | None = None) -> str:
    """The warning a resumed session prints where the code of the model the session before ran has changed since,
    or that of the modules it imports (:func:`model_difference`): one line, '' where neither changed (another
    function passed to ``l2l.resume`` is said by :func:`l2l.components.with_function`'s own line)."""
    difference = model_difference(before, now, imports_before, imports_now)
    if not difference:
        return ""
    return (f"l2l: warning: {difference}: the run's rows will come from two models; to keep them apart, run the new "
            f"code into a new file (l2l run CONFIG --out NEW.h5)")


def model_digest(sources: list[list[str]]) -> str:
    """One sha256 (64 hex digits) of the model code :func:`model_sources` found: the file's own where it is one
    hashed file, else that of the lines ``SHA256  NAME`` of its entries sorted (an entry not hashed gives its reason
    in place of a hash); what ``/reevaluations/model`` stores. '' where there is no code."""
    pairs = [(Path(str(where)).name, str(digest)) for where, digest in sources]
    if not pairs:
        return ""
    if len(pairs) == 1 and len(pairs[0][1]) == 64:
        return pairs[0][1]
    lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(pairs))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def changed_model_line(rows: Any) -> str:
    """What ``l2l show`` and ``l2l reevaluate`` say under the ranking where re-evaluation ``rows``
    (:meth:`Trajectory.reevaluations`) ran model code other than the run's (``--accept-changed-model``): one line,
    '' where none did."""
    column = "(model)" if "(model)" in rows.columns else "model"
    if column not in rows.columns:
        return ""
    changed = rows[rows[column].notna()]
    if changed.empty:
        return ""
    candidates = len(changed.groupby(["generation", "individual"]))
    digests = sorted(set(changed[column]))
    shown = ", ".join(f"{digest[:SHORT_HASH]}…" for digest in digests[:3]) + (", ..." if len(digests) > 3 else "")
    return (f"note: {len(changed)} of the {len(rows)} re-evaluations ({candidates} candidate"
            f"{'s' * (candidates != 1)}) ran model code other than the run's (sha256 {shown}; accepted with "
            f"--accept-changed-model): their means measure that code, not the model that chose the candidates")


def model_changed_since_run(trajectory: Trajectory, simulator: Any) -> tuple[str, str]:
    """:func:`model_difference` between the model ``simulator`` runs here and the one the run's last session
    recorded (l2l show's model line): ``(code, imports)``, what differs in the model's own code, else what differs
    in the modules it imports from its package ('' where the same, or where the run recorded none). The second
    depends on what the process had imported from that folder besides (a run in a notebook or a test process, a
    re-evaluation from the command line): a sign, not a proof."""
    from l2l.sessions import session_records

    recorded = [record for record in session_records(trajectory.events()) if "model" in record]
    if not recorded or not isinstance(recorded[-1]["model"], list):
        return "", ""
    before, now = recorded[-1]["model"], model_sources(simulator)
    code = model_difference(before, now, ran="the run ran")
    if code:
        return code, ""
    return "", model_difference(before, now, recorded[-1].get("imports"), model_imports(simulator), ran="the run ran")


def killed_hosts(records: list[dict[str, Any]], state: Any) -> dict[str, Any] | None:
    """What a resume records of the session before it where that one was killed (its event log ends with its
    ``started`` or ``resumed`` event; ``records``: :func:`l2l.sessions.session_records`): ``{"session": N,
    "hosts": {host: evaluations}}``, the hosts of the evaluations it appended up to its last commit, as the run
    state ``state`` (the file's last) holds them (:meth:`SessionHosts.in_state`); None where it was not killed or
    committed nothing."""
    if not records or "ended" in records[-1] or not isinstance(state, dict):
        return None
    hosts = state.get("hosts")
    if not isinstance(hosts, dict) or hosts.get("session") != records[-1]["session"]:
        return None
    counts = hosts.get("counts")
    if not isinstance(counts, dict) or not counts:
        return None
    return {"session": records[-1]["session"], "hosts": counts}


def _ranked_fit(detail: dict[str, Any], key: str, head: dict[str, Any], counts: dict[str, int]) -> dict[str, Any]:
    """``detail`` with ``{key: {**head, "hosts": ..., "more_hosts": ...}}``, as many hosts (most evaluations first) as
    fit the event, halved until they do; ``detail`` itself where none does."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = len(ranked)
    while shown:
        entry = {**head, "hosts": dict(ranked[:shown]),
                 **({"more_hosts": len(ranked) - shown} if shown < len(ranked) else {})}
        if _fits({**detail, key: entry}):
            return {**detail, key: entry}
        shown //= 2
    return detail


def with_session(detail: dict[str, Any], simulator: Any, trajectory: Trajectory | None = None,
                 state: Any = None) -> dict[str, Any]:
    """``detail`` (a ``started`` or ``resumed`` event's) with the session's ``model`` (:func:`model_sources`),
    ``imports`` (:func:`model_imports`) and ``driver`` (:func:`driver_host`), as much of them as fits the event with
    every entry of ``detail`` whole: the full paths and hashes, else the files' names, else hashes cut to SHORT_HASH
    digits, else less of the driver, else no ``imports``. ``trajectory`` (a resume's): a model, or modules it
    imports, that differ from the last ones its sessions recorded are said in one warning line on stderr; where the
    session before was killed, ``killed`` (:func:`killed_hosts`, from its run state ``state``) as much as fits."""
    from l2l.sessions import session_records

    model = model_sources(simulator)
    imports = model_imports(simulator)
    records = session_records(trajectory.events()) if trajectory is not None else []
    recorded = [record for record in records if "model" in record]
    if recorded and isinstance(recorded[-1]["model"], list):
        line = model_change_line(recorded[-1]["model"], model, recorded[-1].get("imports"), imports)
        if line:
            print(line, file=sys.stderr)
    driver = driver_host()
    named = {**imports, "under": Path(imports["under"]).name} if imports else None
    short = {**named, "sha256": named["sha256"][:SHORT_HASH]} if named else None
    tried = [(model, imports, driver), (_short(model, None), named, driver), (_short(model, SHORT_HASH), short, driver),
             (_short(model, SHORT_HASH), short, {"host": driver["host"], "cpus": driver["cpus"]}),
             (_short(model, SHORT_HASH), short, None)]
    tried += [(files, None, host) for files, _, host in tried[2:]]
    tried += [([], None, driver), ([], None, None)]  # (a model too long: the driver still)
    # the killed session's hosts first: what the run counted is worth more than the model's file names, which the
    # ladder below shortens (a resume whose model folder held over 200 imported modules, whose 'capped' note made
    # the event too long, lost the killed session's evaluations from l2l show's hosts line)
    killed = killed_hosts(records, state)
    kept = _ranked_fit({}, "killed", {"session": killed["session"]}, killed["hosts"]) if killed else {}
    extras = [{**({"model": files} if files else {}), **({"imports": imported} if files and imported else {}),
               **({"driver": host} if host else {})} for files, imported, host in tried]
    for extra in extras:
        if _fits({**detail, **kept, **extra}):
            return {**detail, **kept, **extra}
    for extra in extras:  # the killed session's hosts fit beside nothing: as many of them as fit after the rest
        if _fits({**detail, **extra}):
            detail = {**detail, **extra}
            break
    return _ranked_fit(detail, "killed", {"session": killed["session"]}, killed["hosts"]) if killed else detail


class SessionHosts:
    """Counts the evaluations of a session (its number among the run's, from 1) by the host that ran them (each
    outcome's ``host``, :func:`l2l.jobs.base.node_name`), for the event that ends it (:meth:`added`) and for each
    commit of its run state (:meth:`in_state`), from which the next resume recovers them where it was killed
    (:func:`killed_hosts`)."""

    def __init__(self, session: int = 1) -> None:
        self.session = session
        self.counts: dict[str, int] = {}

    def saw(self, outcomes: Any) -> None:
        for outcome in outcomes:
            host = getattr(outcome, "host", "")
            if host:
                self.counts[host] = self.counts.get(host, 0) + 1

    def added(self, detail: Any) -> Any:
        """``detail`` with ``hosts`` (name: evaluations, most first), as many as fit the event with ``detail`` whole
        (``more_hosts``: how many were left out); ``detail`` itself where it is no dict or nothing was seen."""
        if not isinstance(detail, dict) or not self.counts:
            return detail
        ranked = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        shown = len(ranked)
        while shown:
            extra = {"hosts": dict(ranked[:shown]), **({"more_hosts": len(ranked) - shown} if shown < len(ranked)
                                                       else {})}
            if _fits({**detail, **extra}):
                return {**detail, **extra}
            shown //= 2
        return detail

    def in_state(self, state: Any) -> Any:
        """The run state ``state`` a commit stores, with ``hosts``: this session's number and counts so far."""
        if not isinstance(state, dict):
            return state
        return {**state, "hosts": {"session": self.session, "counts": dict(self.counts)}}


def provenance_lines(trajectory: Trajectory) -> list[tuple[str, str]]:
    """``l2l show``'s ``versions``, ``model``, ``hosts`` and ``time`` lines, by label (a text '' is left out). A last
    session without an end (killed and not resumed since, or running) is counted up to its last commit, as its run
    state holds them (:func:`killed_hosts`)."""
    from l2l.sessions import hosts_line, model_line, session_records, stored_reevaluation_hosts

    records = session_records(trajectory.events())
    if records and "ended" not in records[-1]:
        try:
            state = trajectory.state() if trajectory.n_generations else None
        except Exception:  # noqa: BLE001 - a state that cannot be read: the line without its hosts, as before
            state = None
        open_session = killed_hosts(records, state)
        if open_session:
            records[-1].update(ended="open", hosts=open_session["hosts"])
    return [("versions", versions_text(trajectory)), ("model", model_line(records)),
            ("hosts", hosts_line(records, stored_reevaluation_hosts(trajectory))), ("time", time_line(trajectory))]


#: How many fresh seeds :func:`reevaluation_seeds_line` names before it counts the rest.
SHOWN_SEEDS = 10


def reevaluation_seeds_line(trajectory: Trajectory) -> str:
    """The fresh seeds the stored re-evaluation ran on, in the order of their repeats, as ``l2l reevaluate`` and
    ``l2l show`` print them under its ranking ('' where nothing is re-evaluated); where rows ran model code other
    than the run's, a second line says so (:func:`changed_model_line`)."""
    if not trajectory.has_reevaluations:
        return ""
    rows = trajectory.reevaluations(errors=False)
    if rows.empty:
        return ""
    seeds = [int(seed) for seed in rows.sort_values("repeat", kind="stable")["seed"].drop_duplicates()]
    shared = bool(rows.groupby("repeat")["seed"].nunique().max() == 1)  # common random numbers, as drawn
    shown = ", ".join(str(seed) for seed in seeds[:SHOWN_SEEDS])
    more = f", ... ({len(seeds)} in all)" if len(seeds) > SHOWN_SEEDS else ""
    line = (f"fresh seeds ({'the same for every candidate, ' if shared else ''}derived from run seed "
            f"{trajectory.run.get('seed')}): {shown}{more}; each row's: "
            f"l2l.load({str(trajectory.path)!r}, reevaluations=True)")
    changed = changed_model_line(rows)
    return f"{line}\n{changed}" if changed else line


__all__ = ["IMPORT_BYTES", "IMPORT_FILES", "MODEL_HASH_LIMIT", "PACKAGES", "SHOWN_SEEDS", "SessionHosts",
           "changed_model_line", "changed_versions", "command_files", "cpu_model", "driver_host", "imported_files", "killed_hosts",
           "model_change_line", "model_changed_since_run", "model_difference", "model_digest", "model_imports", "model_sources",
           "provenance_lines",
           "reevaluation_seeds_line", "resumed_versions_text", "source_revision", "time_line", "versions",
           "versions_line", "versions_text", "with_session"]
