"""The compiled code of Brian2's ``cython`` target: one folder per worker process to compile into, and one per host
that every run and worker shares (see :func:`shared_cache`). Used by :mod:`l2l.simulators.brian2_sim`."""

from __future__ import annotations

import atexit
import hashlib
import os
import shlex
import shutil
import socket
import stat
import sys
import tempfile
from contextlib import suppress
from types import ModuleType

_CACHES: dict[tuple[str, int], str] = {}
_SAFE_ROOTS: set[str] = set()


def _cache_root(root: str) -> str:
    """``root``, or the default ``<temp folder>/l2l-brian2-<uid>``: created private (mode 0700), and refused
    unless it is this user's own directory that no one else may write to, since Brian2 imports the compiled modules
    it finds there (another user of a shared /tmp who made the folder first would have their code run as ours)."""
    if root:
        return root
    root = os.path.join(tempfile.gettempdir(), f"l2l-brian2-{os.getuid()}")
    if root not in _SAFE_ROOTS:
        with suppress(FileExistsError):
            os.mkdir(root, 0o700)
        info = os.lstat(root)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
            raise RuntimeError(f"simulator 'brian2': the compiled-code cache {root} is not a private directory of "
                               f"this user (owner uid {info.st_uid}, mode {stat.filemode(info.st_mode)}), so its "
                               f"modules are not loaded: remove it (rm -rf {shlex.quote(root)}), or set cache_dir to a folder of your "
                               f"own")
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
    return folder


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


__all__ = ["link_shared", "loaded_count", "publish", "shared_cache", "worker_cache"]
