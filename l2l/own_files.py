"""Files and folders l2l makes where other users may write too: a shared ``/tmp``, a group's project folder.

A name l2l chooses there is predictable (``.run.h5.lock``, ``.run.h5.4242.tmp``, ``run.work/``), so another user
who can write the folder may have put something at it first:

* a **symbolic link** to a file of ours (``~/.bashrc``): a write that follows it overwrites that file.
  :func:`open_new` never follows one: it removes whatever is at the name (a link is removed, not its target;
  a stale temporary of a killed process alike) and creates the file itself, exclusively.
* a **folder of their own** where l2l puts job scripts, working directories and the files jobs read: its owner
  may replace them between the write and their use, and run code as us. :func:`refuse_foreign` refuses it.

The permissions of what is made are the umask's, as for any program; nothing l2l writes is a secret.

Where l2l needs a folder in the temp folder (Dask's scratch space, Python's ``multiprocessing`` socket, the
``command`` simulator's working directories outside a run), it makes one of the process's own (:func:`private_folder`,
``mkdtemp``: a random name, mode 0700), removed as the process exits; a process killed before (kill -9, the OOM
killer) leaves it, and the next l2l process of the user on the host removes it, once no process holds its lock
(:func:`hold`, :func:`sweep`). It is made under a name that says it is being made (``l2l-dask-making-XXXXXXXX``) and
takes its own once locked (:func:`new_folder`): one a process killed in between left is removed a minute later.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import shutil
import socket
import stat
import tempfile
import threading
import time
from typing import Callable

from l2l.errors import TrajectoryError

#: Create a file that is not there yet; a symbolic link at the name makes the open fail (EEXIST, ELOOP), not follow it.
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def open_new(path: str | os.PathLike, mode: int = 0o666) -> int:
    """A descriptor, open for writing, of a new empty file at ``path``, a name of l2l's own (a temporary's, a lock's):
    whatever was at the name is removed first (its target, if it was a symbolic link, is left as it was).

    Raises OSError if the name cannot be made ours (a folder is there; another process puts something there again).
    """
    for _ in range(2):
        try:
            return os.open(path, _NEW, mode)
        except FileExistsError:
            remove_stale(path)
    return os.open(path, _NEW, mode)


def remove_stale(path: str | os.PathLike) -> None:
    """Remove what is at ``path`` (a name of l2l's own) before a library creates it exclusively (HDF5's ``"x"``)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def refuse_foreign(path: str | os.PathLike, what: str, trusted: str | os.PathLike | None = None) -> None:
    """Refuse in one line (TrajectoryError) a folder at ``path`` that belongs to another user (through a symbolic
    link: the folder it leads to): l2l would write there files that jobs and programs later read or run
    (``what``: how the message names the folder). Nothing there, or a folder of ours: nothing said; nor a folder
    of the owner of ``trusted`` (the trajectory a resume continues: l2l runs the config stored in it already)."""
    try:
        owner = os.stat(path).st_uid
    except OSError:  # missing (made by l2l when needed), or a dangling link (mkdir says so)
        return
    if owner != os.getuid() and not _owned_by(trusted, owner):
        raise TrajectoryError(f"{what} {path} belongs to another user (uid {owner}), who could change what l2l "
                              f"writes there before it is used; remove it, or choose another file name")


def _owned_by(path: str | os.PathLike | None, owner: int) -> bool:
    try:
        return path is not None and os.stat(path).st_uid == owner
    except OSError:
        return False


#: The prefixes of the folders of one process's own that l2l makes in the temp folder (:func:`private_folder`), whose
#: leftovers any l2l process removes (:func:`sweep`); ``l2l-dask-`` (l2l.jobs.dask_cluster.local_scratch) too where Dask's
#: file locking is on.
SWEPT_PREFIXES = ("l2l-command-", "l2l-pymp-")
#: The name of the lock file in such a folder: locked by its process while it lives, it holds the host's name.
LOCK_NAME = ".lock"

#: The mark in the name of a folder being made (``<prefix>making-XXXXXXXX``, :func:`new_folder`), and the age in
#: seconds after which such a folder is a killed process's: making one takes microseconds.
MAKING = "making-"
MAKING_SECONDS = 60.0

_held: list[int] = []  # the descriptors of this process's locks (kept open: a lock lives as long as its descriptor)
_multiprocessing_lock = threading.Lock()


def private_folder(prefix: str, at_exit: Callable[[str], None] | None = None) -> str:
    """A new folder of this process's own in the temp folder, ``<prefix>XXXXXXXX`` made by ``mkdtemp`` (mode 0700),
    removed with what it holds as the process exits (``at_exit(folder)`` instead, where given), not as a forked
    child exits.

    The process holds the folder's lock while it lives (:func:`hold`): a process killed before its exit leaves the
    folder, and the next process that makes one removes it (:func:`sweep`), with the leftovers of every prefix of
    SWEPT_PREFIXES.
    """
    (folder, descriptor), owner = new_folder(prefix), os.getpid()
    atexit.register(lambda: os.getpid() == owner and (at_exit or _remove_tree)(folder))
    if descriptor is not None:
        _held.append(descriptor)
        sweep(folder, SWEPT_PREFIXES)
    return folder


def new_folder(prefix: str, lock: bool = True) -> tuple[str, int | None]:
    """A new folder ``<prefix>XXXXXXXX`` in the temp folder, made by ``mkdtemp`` (mode 0700), and the descriptor of
    its lock (:func:`hold`; None without ``lock``, or where the lock cannot be taken: the folder is never swept then).

    It is made as ``<prefix>making-XXXXXXXX`` and renamed once its lock is held, so that no folder of ours is ever
    without its lock under its own name: a process killed between ``mkdtemp`` and the lock left one that no sweep
    removed (a folder without a lock may be kept on purpose); one with the mark :data:`MAKING` older than
    :data:`MAKING_SECONDS` is removed by :func:`sweep`. Raises OSError as ``mkdtemp`` does."""
    error: OSError | None = None
    for _ in range(3):  # (again where another process took the name, or swept a folder whose making was stopped)
        making = tempfile.mkdtemp(prefix=prefix + MAKING)
        descriptor = hold(making) if lock else None
        parent, name = os.path.split(making)
        folder = os.path.join(parent, prefix + name[len(prefix + MAKING):])
        try:
            if os.path.lexists(folder):  # (rename would replace an empty folder there)
                raise FileExistsError(folder)
            os.rename(making, folder)
            return folder, descriptor
        except OSError as exc:
            error = exc
            if descriptor is not None:
                os.close(descriptor)
            shutil.rmtree(making, ignore_errors=True)
    assert error is not None
    raise error


def _remove_tree(folder: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def hold(folder: str) -> int | None:
    """Lock ``folder``'s LOCK_NAME for as long as the descriptor returned is open (None where it cannot be made or
    locked: the folder is then never removed as a leftover). The file is locked before it takes its name, so a
    folder being made (no LOCK_NAME yet) is never taken for a leftover; it holds this host's name."""
    descriptor = None
    try:
        descriptor = os.open(os.path.join(folder, LOCK_NAME + ".new"), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.write(descriptor, socket.gethostname().encode())
        os.rename(os.path.join(folder, LOCK_NAME + ".new"), os.path.join(folder, LOCK_NAME))
    except OSError:
        if descriptor is not None:
            os.close(descriptor)
        return None
    return descriptor


def sweep(folder: str, prefixes: tuple[str, ...]) -> None:
    """Remove the folders beside ``folder`` (one of this process's, kept) whose names begin with one of ``prefixes``,
    that belong to this user and whose LOCK_NAME no process holds: those of processes killed before their exit.

    Left: a folder without LOCK_NAME (being made, or kept on purpose: a failed evaluation's working directory to
    look into), one whose lock names another host (a temp folder shared by hosts, whose locks this host may not
    see), one whose lock is held (its process runs, or a child it forked), another user's. A folder still named as
    being made (:func:`new_folder`) whose lock no process holds is removed once it is :data:`MAKING_SECONDS` old."""
    _sweep_in(os.path.dirname(folder), prefixes, folder)


#: The prefixes of every folder :func:`sweep_leftovers` removes: l2l.jobs.dask_cluster's ``l2l-dask-`` with SWEPT_PREFIXES.
#: (One made where Dask's file locking is off has no LOCK_NAME, and is left.)
LEFTOVER_PREFIXES = ("l2l-dask-", *SWEPT_PREFIXES)


def sweep_leftovers() -> None:
    """Remove from the temp folder the folders of this user's l2l processes killed on this host before their exit
    (``l2l-dask-*``, ``l2l-pymp-*``, ``l2l-command-*`` whose lock no process holds; :func:`sweep`), without making
    one of this process's own: what ``l2l resume`` does as it removes the other leftovers of the session it
    continues. Before, only a process that made such a folder removed them, and a resume with nothing to run
    (a run killed as it closed its cluster, its last results written) left them: 7 of 20 ``local`` runs killed
    at random in their last 40 % and resumed at once."""
    _sweep_in(tempfile.gettempdir(), LEFTOVER_PREFIXES)


def _sweep_in(parent: str, prefixes: tuple[str, ...], keep: str | None = None) -> None:
    try:
        names = [name for name in os.listdir(parent) if name.startswith(prefixes)]
    except OSError:
        return
    for name in names:
        other = os.path.join(parent, name)
        making = any(name.startswith(prefix + MAKING) for prefix in prefixes)
        try:
            info = os.lstat(other)
            if other == keep or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue
            if making and time.time() - info.st_mtime < MAKING_SECONDS:
                continue  # (being made now, perhaps on another host)
            probe = os.open(os.path.join(other, LOCK_NAME), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:  # no lock: being made, or kept on purpose; a killed process's if still being made
            if making:
                shutil.rmtree(other, ignore_errors=True)
            continue
        except OSError:  # not ours to judge: left
            continue
        try:
            if not making and os.read(probe, 4096) != socket.gethostname().encode():
                continue  # made on another host: its lock may be held there
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its process runs
            continue
        finally:
            os.close(probe)  # (its lock, if taken, goes with it)
        shutil.rmtree(other, ignore_errors=True)


def multiprocessing_folder() -> str | None:
    """Give Python's ``multiprocessing`` a folder of this process's own for its temporary files (the ``local``
    backend's fork server's socket) before it makes its own (:func:`private_folder`, ``l2l-pymp-XXXXXXXX``), and
    return the folder it uses (None where this Python keeps it elsewhere).

    Its own, ``pymp-XXXXXXXX`` in the temp folder, is removed only at a clean exit: every l2l run killed with
    kill -9 left one there for good. A folder ``multiprocessing`` made already (the caller's own use of it) is
    kept; call this before the fork server starts. Removed at exit as ``multiprocessing`` removes its own: after
    its other finalizers (a listener's socket it unlinks), not before them.
    """
    from multiprocessing import process, util

    config = getattr(process.current_process(), "_config", None)
    if not isinstance(config, dict):
        return None
    with _multiprocessing_lock:
        if config.get("tempdir") is None:
            folder = private_folder("l2l-pymp-", at_exit=lambda folder: None)
            util.Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=-100)
            config["tempdir"] = folder
        return config["tempdir"]
