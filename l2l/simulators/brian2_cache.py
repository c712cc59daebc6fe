"""The compiled code of Brian2's ``cython`` target: one folder per worker process to compile into, and one per host
that every run and worker shares (see :func:`shared_cache`); and the files Brian2 itself writes into the temp folder
(see :func:`settle_brian2_files`). Used by :mod:`l2l.simulators.brian2_sim`."""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import re
import shlex
import shutil
import socket
import stat
import sys
import tempfile
import time
from contextlib import suppress
from types import ModuleType

from l2l.errors import ConfigError

_CACHES: dict[tuple[str, int], str] = {}
_SAFE_ROOTS: set[str] = set()
#: The folder the default cache moves to where ``$TMPDIR`` is the job's own (see :func:`default_root`).
SYSTEM_TEMP = "/tmp"
#: Where batch systems put the job's id (SLURM, PBS/Torque, LSF, Grid Engine).
JOB_ID_VARIABLES = ("SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "PBS_JOBID", "LSB_JOBID", "JOB_ID")
#: A hidden copy older than this (seconds) whose process no longer runs was left by a copy killed half-way.
STALE_COPY_SECONDS = 600.0
_SWEPT: set[str] = set()
_SETTLED: dict[int, bool] = {}  # pid: whether its debug log is kept


def default_root() -> str:
    """The root of the caches when ``cache_dir`` is not given: ``<temp folder>/l2l-brian2-<uid>``.

    The temp folder is Python's (``$TMPDIR``, else ``/tmp``), except where ``$TMPDIR`` is the batch job's own (its
    path holds the job's id, as sites that give every job a temp folder name it: ``/tmp/job.1234``,
    ``/scratch/slurm-1234``): that folder is removed when the job ends, so every job and array task compiled the
    model again; there it is ``/tmp`` (if this user may write to it), which outlives jobs.
    """
    temporary = tempfile.gettempdir()
    if _per_job(temporary) and os.path.isdir(SYSTEM_TEMP) and os.access(SYSTEM_TEMP, os.W_OK | os.X_OK):
        temporary = SYSTEM_TEMP
    return os.path.join(temporary, f"l2l-brian2-{os.getuid()}")


def _per_job(folder: str) -> bool:
    """True if ``folder``'s path holds the id of the batch job this process runs in: a whole path component
    (``/tmp/1234``) or a number set off by a '.', '-', '_' or the like (``/tmp/job.1234``, ``/scratch/slurm-1234``),
    never digits inside a word (``/u42/tmp`` of job 42 was taken for the job's own, the cache put in /tmp)."""
    for name in JOB_ID_VARIABLES:
        job = os.environ.get(name, "").strip()
        if job and re.search(rf"(?<![0-9A-Za-z]){re.escape(job)}(?![0-9A-Za-z])", folder):
            return True
    return False


def _unsafe(root: str) -> str | None:
    """Why the default root ``root`` may not be used, or None (it is this user's own directory that no one else
    may write to, or does not exist yet)."""
    try:
        info = os.lstat(root)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022:
        return None
    return (f"the compiled-code cache {root} is not a private directory of this user (owner uid {info.st_uid}, "
            f"mode {stat.filemode(info.st_mode)})")


def _fix(root: str) -> str:
    return f"remove it (rm -rf {shlex.quote(root)}), or set cache_dir to a folder of your own"


def check_default_root(who: str = "simulator 'brian2'") -> None:
    """ConfigError (one line) if the default root (:func:`default_root`) exists and is not safe to load modules
    from: made before the run, where every evaluation would fail on it. Creates nothing."""
    root = default_root()
    why = _unsafe(root)
    if why is not None:
        raise ConfigError(f"{who}: {why}, which others could fill with modules for Brian2 to load, so every "
                          f"evaluation with target 'cython' would fail: {_fix(root)}")


def _cache_root(root: str) -> str:
    """``root``, or the default (:func:`default_root`): created private (mode 0700), and refused unless it is
    this user's own directory that no one else may write to, since Brian2 imports the compiled modules it finds
    there (another user of a shared /tmp who made the folder first would have their code run as ours). Checked on
    every host that evaluates (a worker's may differ from the one that checked before the run)."""
    if root:
        return root
    root = default_root()
    if root not in _SAFE_ROOTS:
        with suppress(FileExistsError):
            os.mkdir(root, 0o700)
        why = _unsafe(root)
        if why is not None:
            raise RuntimeError(f"simulator 'brian2': {why}, so its modules are not loaded: {_fix(root)}")
        _SAFE_ROOTS.add(root)
    return root


def worker_cache(root: str = "") -> str:
    """This process's own cache directory of compiled code, under ``root`` (default: the temp folder).

    Created once per process and removed when the process ends; the folders of this host's processes that ended
    without removing theirs (the ``local`` backend's Dask workers are terminated, and skip ``atexit``; so is the
    child that runs an evaluation with a timeout) are removed when it is created. Brian2 compiles into it: a
    compile killed half-way leaves its half-written file here, where no other process looks.
    """
    root = _cache_root(root)
    key = (root, os.getpid())  # a forked child (an evaluation with a timeout) compiles into a folder of its own
    if key not in _CACHES:
        _remove_ended(root, socket.gethostname())
        folder = os.path.join(root, f"{socket.gethostname()}-{os.getpid()}")
        os.makedirs(folder, exist_ok=True)
        _CACHES[key] = folder
        atexit.register(_remove_own, folder, os.getpid())
    return _CACHES[key]


def _remove_own(folder: str, pid: int) -> None:
    if os.getpid() == pid:  # not a forked child that exits normally: the folder is its parent's
        shutil.rmtree(folder, ignore_errors=True)


def shared_cache(brian2: ModuleType, root: str = "") -> str:
    """The folder of compiled modules that every run and worker process of this host shares, under ``root``.

    One folder per host (Brian2 compiles with ``-march=native``), Brian2 version, Python ABI and compile settings
    (the ``codegen.cpp`` and ``codegen.runtime.cython`` preferences, ``CFLAGS`` and the like: Brian2's module names
    hash the code, the Python and Cython versions and the compiler, not the flags):
    ``<root>/<host>-brian2-<version>-<python tag>-<settings digest>-shared``. It holds only complete files: a module
    gets there as a hard link (an atomic rename of a copy where links are not allowed) to the file a worker
    compiled in its own folder and loaded, never written in place. Same code, same file name: running the same
    model again adds nothing.
    """
    prefs = brian2.prefs
    settings = repr(sorted((key, repr(prefs[key])) for key in prefs
                           if key.startswith(("codegen.cpp.", "codegen.runtime.cython."))
                           and key != "codegen.runtime.cython.cache_dir"))
    settings += repr([os.environ.get(name) for name in ("CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "LDSHARED")])
    digest = hashlib.sha1(settings.encode()).hexdigest()[:10]
    folder = os.path.join(_cache_root(root), f"{socket.gethostname()}-brian2-{brian2.__version__}-"
                                             f"{sys.implementation.cache_tag}-{digest}-shared")
    os.makedirs(folder, exist_ok=True)
    if folder not in _SWEPT:
        _SWEPT.add(folder)
        _remove_stale_copies(folder)
    return folder


def _remove_stale_copies(folder: str) -> None:
    """Remove the hidden copies ``.<module>.<pid>.tmp`` (:func:`_place`, where hard links are not allowed) that a
    process killed half-way through one left: older than :data:`STALE_COPY_SECONDS` and of a process that no
    longer runs (the folder is one host's, so the pid is this host's). Never loaded (:func:`link_shared` skips
    hidden names), they only took space."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    now = time.time()
    for name in names:
        match = re.fullmatch(r"\..+\.([0-9]+)\.tmp", name)
        if match is None or int(match.group(1)) == os.getpid():
            continue
        path = os.path.join(folder, name)
        try:
            if now - os.lstat(path).st_mtime < STALE_COPY_SECONDS:
                continue
            os.kill(int(match.group(1)), 0)
        except ProcessLookupError:
            with suppress(OSError):
                os.remove(path)
        except (OSError, OverflowError):  # gone already, or a process of another user: left
            continue


def _place(source: str, target: str) -> None:
    """``target`` is ``source``'s complete content, or stays absent: a hard link, else a copy renamed into place."""
    try:
        os.link(source, target)
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links
        temporary = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.{os.getpid()}.tmp")
        try:
            shutil.copy2(source, temporary)
            os.replace(temporary, target)
        except OSError:
            with suppress(OSError):
                os.remove(temporary)


def link_shared(shared: str, own: str) -> None:
    """Link the shared folder's modules that ``own`` lacks into it, where Brian2 finds them instead of compiling."""
    try:
        have = set(os.listdir(own))
        names = os.listdir(shared)
    except OSError:
        return
    for name in names:
        if not name.startswith(".") and name not in have:
            _place(os.path.join(shared, name), os.path.join(own, name))


def _loaded() -> dict:
    """Brian2's modules loaded in this process, in the order they were (it adds, never removes)."""
    from brian2.codegen.runtime.cython_rt.extension_manager import cython_extension_manager

    return getattr(cython_extension_manager, "_code_cache", {})


def loaded_count() -> int:
    """How many compiled modules this process has loaded so far (:func:`publish` takes the ones after)."""
    return len(_loaded())


def publish(shared: str, since: int) -> None:
    """Put the modules this process loaded after the first ``since`` into the shared folder (those of one
    evaluation: compiled with its settings, the folder's). Only loaded ones: Brian2 loads a module after its
    compile has ended, so the file is complete (a half-written one does not load)."""
    for module in list(_loaded().values())[since:]:
        path = getattr(module, "__file__", None)
        if not path:
            continue
        target = os.path.join(shared, os.path.basename(path))
        if os.path.dirname(path) != shared and not os.path.exists(target):
            _place(path, target)


def _remove_ended(root: str, host: str) -> None:
    """Remove the cache folders ``<host>-<pid>`` under ``root`` whose process no longer runs on this host."""
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        owner, _, pid = name.rpartition("-")
        if owner != host or not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)
        except (PermissionError, OverflowError):
            continue


def settle_brian2_files(brian2: ModuleType, keep_debug_log: bool = False) -> None:
    """Once per process: drop the debug log and the copy of the main script that Brian2 writes into the temp folder
    when imported (``brian_debug_*.log``, ``brian_script_*.py``), or, with ``keep_debug_log``, keep the log after
    the process ends and say where it is (on stderr: the worker's log).

    Brian2 removes both in an ``atexit`` hook, which a terminated process skips: the ``local`` backend's Dask
    workers, an evaluation's child killed at its timeout, an array task cancelled or out of time each left both in
    /tmp. Its console log (warnings, errors) is left as it is.
    """
    if _SETTLED.get(os.getpid()) in (True, keep_debug_log):  # a log kept once stays kept
        return
    _SETTLED[os.getpid()] = keep_debug_log
    logger_class = brian2.BrianLogger
    if keep_debug_log:
        brian2.prefs["logging.delete_log_on_exit"] = False
        if logger_class.tmp_log is None:  # dropped by an evaluation without debug_log before, or never made
            _start_debug_log(brian2)
        if logger_class.tmp_log is not None:
            print(f"simulator 'brian2': Brian2's debug log of process {os.getpid()} on {socket.gethostname()}: "
                  f"{logger_class.tmp_log}", file=sys.stderr, flush=True)
        return
    if getattr(logger_class, "_pid", None) != os.getpid():  # a forked child: the files are its parent's
        return
    handler = logger_class.file_handler
    if handler is not None:
        logging.getLogger("brian2").removeHandler(handler)
        handler.close()
        logger_class.file_handler = None
    log, script = logger_class.tmp_log, logger_class.tmp_script
    logger_class.tmp_log = logger_class.tmp_script = None
    for path in (log, f"{log}.1" if log else None, script):
        if path:
            with suppress(OSError):
                os.remove(path)


def _start_debug_log(brian2: ModuleType) -> None:
    """Brian2's debug log as its import makes it (a ``brian_debug_*.log`` in the temp folder, rotated)."""
    from logging.handlers import RotatingFileHandler

    logger_class, prefs = brian2.BrianLogger, brian2.prefs
    with tempfile.NamedTemporaryFile(prefix="brian_debug_", suffix=".log", delete=False) as log:
        logger_class.tmp_log = log.name
    handler = RotatingFileHandler(log.name, mode="a", maxBytes=prefs["logging.file_log_max_size"], backupCount=1,
                                  encoding="utf-8")
    handler.setLevel(logging.getLevelName(prefs["logging.file_log_level"].upper()))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-10s %(name)s: %(message)s"))
    logging.getLogger("brian2").addHandler(handler)
    logger_class.file_handler, logger_class._pid = handler, os.getpid()


def compiler_output_in(folder: str) -> None:
    """Open the two files in which Brian2 keeps the compiler's output (printed when a compile fails) in ``folder``,
    this process's own cache folder, if Brian2 has not opened them yet: it makes them once per process in the temp
    folder (``brian_stdout_*.log``, ``brian_stderr_*.log``) and removes them at a normal exit only. l2l removes
    the own folder when the process ends, and a terminated process's when the next one on its host starts."""
    from brian2 import prefs
    from brian2.utils.logger import std_silent

    if std_silent.dest_stdout is not None or not prefs["logging.std_redirection"] \
            or not prefs["logging.std_redirection_to_file"]:
        return
    std_silent.dest_fname_stdout = os.path.join(folder, "brian_stdout.log")
    std_silent.dest_fname_stderr = os.path.join(folder, "brian_stderr.log")
    std_silent.dest_stdout = open(std_silent.dest_fname_stdout, "w")  # noqa: SIM115 - Brian2 closes them
    std_silent.dest_stderr = open(std_silent.dest_fname_stderr, "w")  # noqa: SIM115


__all__ = ["check_default_root", "compiler_output_in", "default_root", "link_shared", "loaded_count", "publish",
           "settle_brian2_files", "shared_cache", "worker_cache"]
