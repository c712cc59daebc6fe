"""One writer per trajectory: an exclusive lock held for as long as a run writes a file.

The lock is an advisory ``flock`` on a small file beside the trajectory
(``.NAME.h5.lock``). The kernel releases it when its holder exits, however it
exits, so a lock left by a process killed with ``kill -9`` is simply taken over
by the next writer, while a second live writer is refused at once with the
holder's process id, host and start time. Readers never take it.

A process the holder forks does not hold it: its copy of the lock's descriptor is closed as it starts
(:func:`_close_in_child`), so an evaluation forked for its ``run.timeout`` and still running after its driver
was killed no longer keeps the next writer out.

The lock file holds one line of JSON about its holder, for the message only;
the lock itself is the ``flock``. It is removed when the holder releases it.
Removing a lock file that another process has opened but not locked yet is
safe: after locking, that process checks that the file it locked is still
the one at the path, and starts over if not.

A file has one lock whatever name it is reached by: the lock file (and the
folder of large checkpoints, :func:`~l2l.results_schema.checkpoint_store.folder_of`)
is beside the file a symbolic link leads to (:func:`real_file`), not beside the
link, so ``l2l resume b.h5`` with ``b.h5 -> runs/a.h5`` is refused while
``l2l resume runs/a.h5`` writes (before, it took ``.b.h5.lock`` and wrote the
same file). A symbolic link to a folder needs nothing: the lock file is the same
file through either path.

Hard links are not covered by the lock file, by choice (a live writer on this host through another name is
found by its descriptors, below). No name of a hard-linked file is the
real one, and its names may be in different folders, so no lock file beside it
is common to them all. A lock named by the file's identity (device and inode)
would not hold either: repair, prune and re-evaluation replace the trajectory
by an atomic rename, a new inode under the same name, so the lock's name would
change under its holder, and the other names keep the old file from then on
(two files, no longer one). Such a lock would also have to live in a folder all
names share, ``/tmp``, which is per host, while the hosts of a cluster write
trajectories on one shared file system. Give a run's file one name, or symbolic
links.

A file moved (or renamed) while its run writes it keeps being written under its old name, whose lock
stayed behind; the new name's lock is free. So a writer that took its lock still looks for a live process on
this host that holds a writer lock (any: ``/proc/locks``) and has this very file (device and inode) open for
writing (``/proc/PID/fd``, ``fdinfo``'s flags), and refuses, naming it and the name it writes it by
(:func:`_writer_by_another_name`); before, ``l2l resume elsewhere/run.h5`` after ``mv alice/run.h5 elsewhere/``
wrote the same file as her run. A copy is another inode: it stays writable. Not seen: another host's
processes (their descriptors are on their host), another user's (their ``/proc`` entries are not readable),
another thread of this process, and systems without ``/proc``. Across hosts, only ``l2l resume`` of a file whose
last session recorded its name (SLURM backends) and has no end checks the lock at that name
(:func:`moved_from_another_host`): held, on a file system whose locks are shared by its clients, it is refused;
a run on another host of a backend that records no name is not seen. The run whose file was moved writes it
back to its own name as it ends, with a warning (:mod:`~l2l.results_schema.writer`).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from l2l.errors import TrajectoryError
from l2l.own_files import remove_stale


#: Symbolic links followed at most, the kernel's own limit (a loop ends there; opening the file then fails).
_MAX_LINKS = 40


def real_file(path: str | os.PathLike) -> Path:
    """The path of the file ``path`` names, its symbolic links (the last component's, in turn) followed.

    ``path`` itself if it is not a symbolic link (also when it does not exist). A relative link is taken from
    its own folder, as the kernel does, and the result stays relative if ``path`` and the links are: folders
    that are symbolic links are left as they are, being the same folder whichever way they are reached.
    """
    path = Path(path)
    for _ in range(_MAX_LINKS):
        try:
            target = os.readlink(path)
        except OSError:  # not a symbolic link, or missing
            return path
        path = path.parent / target  # an absolute target replaces the whole
    return path


def lock_path(path: str | os.PathLike) -> Path:
    """The lock file of the trajectory ``path``: ``.NAME.h5.lock`` beside the file it names (:func:`real_file`)."""
    path = real_file(path)
    return path.with_name(f".{path.name}.lock")


class WriterLock:
    """An exclusive, non-blocking writer lock on one trajectory (a context manager), whatever name of it (or
    symbolic link to it) ``path`` is.

    Raises :class:`TrajectoryError` naming the holder if another live process
    writes the file.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.lock_file = lock_path(self.path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> "WriterLock":
        if self._fd is not None:
            return self
        for _ in range(100):
            try:  # an existing lock file is opened, never a symbolic link planted at its name (written through)
                fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.EACCES) and self.lock_file.is_symlink():  # no l2l makes one:
                    try:  # removed (EACCES: another user's, in a sticky folder, where the kernel protects links)
                        remove_stale(self.lock_file)
                    except OSError:  # theirs, in a sticky folder: only they (or root) may remove it
                        raise TrajectoryError(f"cannot create the writer lock {self.lock_file}: another user's "
                                              f"symbolic link is there, which l2l does not follow and may not "
                                              f"remove; ask them to remove it, or choose another file name") from None
                    continue
                raise TrajectoryError(f"cannot create the writer lock {self.lock_file}: "
                                      f"{exc.strerror or exc}") from None
            try:
                _flock(fd)
            except BlockingIOError:
                holder = _holder(fd)
                os.close(fd)
                target = real_file(self.path)
                link = f" ({self.path} is a symbolic link to it)" if target != self.path else ""
                raise TrajectoryError(f"{target} is being written by {holder}; wait for it to finish or stop it "
                                      f"first{link}") from None
            except OSError as exc:
                os.close(fd)
                raise TrajectoryError(f"cannot lock {self.lock_file}: {exc.strerror or exc}") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.lock_file).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # the previous holder removed it between our open and our lock
                os.close(fd)
                continue
            other = _writer_by_another_name(self.path)
            if other is not None:  # the file was moved (or renamed) while its run writes it: its lock stayed behind
                try:
                    os.unlink(self.lock_file)
                except OSError:
                    pass
                os.close(fd)
                raise TrajectoryError(_moved_refusal(real_file(self.path), other))
            info = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                               "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
            os.ftruncate(fd, 0)
            os.pwrite(fd, info.encode() + b"\n", 0)
            self._fd = fd
            _held.add(self)
            return self
        raise TrajectoryError(f"cannot lock {self.lock_file}: it keeps being replaced")

    def release(self) -> None:
        if self._fd is None:
            return
        try:  # only its own: a lock file removed under it by hand may have been made again by the next writer
            if os.stat(self.lock_file).st_ino == os.fstat(self._fd).st_ino:
                os.unlink(self.lock_file)
        except OSError:
            pass
        _held.discard(self)
        os.close(self._fd)  # closing releases the flock
        self._fd = None

    def __enter__(self) -> "WriterLock":
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


#: The locks this process holds, for :func:`_close_in_child`.
_held: set[WriterLock] = set()


def _close_in_child() -> None:
    """In a child just forked: close the descriptors of the locks the parent holds, without releasing them.

    A ``flock`` belongs to the open file, which ``fork`` shares: an evaluation forked for its ``run.timeout``
    held its driver's lock as long as it ran, so a driver killed with ``kill -9`` left the file locked by a
    process that was not writing it, up to the evaluation's timeout, and ``l2l resume`` was refused, naming
    the dead driver. Closing the child's descriptor leaves the parent's lock as it is (an ``flock(LOCK_UN)``
    would release it for both). The child's lock objects then hold nothing, so that one released there does
    not remove the parent's lock file."""
    for lock in list(_held):
        fd, lock._fd = lock._fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)

#: How long a lock whose holder (as its lock file names it) died may stay held by a process it was starting.
INHERITED_WAIT = 5.0


def _flock(fd: int) -> None:
    """``flock`` ``fd`` exclusively without blocking (BlockingIOError if another holds it).

    A process started by the holder holds the lock too from its fork until its exec (a subprocess, such as the
    ``git`` that provenance asks; a child forked by ``os.fork`` closes it at once, :func:`_close_in_child`): the
    holder killed with ``kill -9`` then left it held for that moment, and the next writer was refused, naming the
    dead holder. While the holder the lock file
    names is dead (on this host), its lock is waited for, at most :data:`INHERITED_WAIT` seconds.
    """
    deadline = time.monotonic() + INHERITED_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            try:
                info = _parse(os.pread(fd, 4096, 0))
            except OSError:
                info = None
            if info is None or info["host"] != socket.gethostname() or info["pid"] <= 0 \
                    or _alive(info["pid"]) or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, belongs to another user
    return not _zombie(pid)


def _describe(info: dict[str, Any] | None) -> str:
    if info is None:
        return "holder unknown"
    return f"pid {info['pid']} on {info['host']}, since {info['since']}"


def writer_named(info: dict[str, Any] | None, *, detail: bool = False) -> str:
    """The writer that ``info`` (:func:`holder`'s) names, as a refusal says it: 'another run in this process' where
    it is this process (two runs of a notebook's threads into one file: 'another process (pid N)' named the
    notebook's own pid), else 'another process (pid N)', with its host and start too if ``detail``."""
    if info is not None and info["pid"] == os.getpid() and info["host"] == socket.gethostname():
        return "another run in this process"
    if info is None:
        return "another process (holder unknown)" if detail else "another process"
    shown = _describe(info) if detail else f"pid {info['pid']}"
    return f"another process ({shown})"


def _parse(data: bytes) -> dict[str, Any] | None:
    try:
        info = json.loads(data.decode() or "{}")
        return {"pid": int(info["pid"]), "host": str(info["host"]), "since": str(info["since"])}
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None  # being written this very moment, or something else


def _holder(fd: int) -> str:
    try:
        return writer_named(_parse(os.pread(fd, 4096, 0)), detail=True)
    except OSError:
        return writer_named(None, detail=True)


def holder(path: str | os.PathLike) -> dict[str, Any] | None:
    """What the lock file of ``path`` says about its writer (pid, host, since), without locking."""
    try:
        return _parse(lock_path(path).read_bytes()[:4096])
    except OSError:
        return None


def writer_alive(path: str | os.PathLike) -> bool | None:
    """Whether a process writes ``path`` now: True, False, or None when this host cannot tell.

    Looks at the lock file without taking the lock, so looking never disturbs a
    writer. A writer on another host cannot be checked from here; a process id
    reused since the writer died would look alive.
    """
    if not lock_path(path).exists():
        return False
    info = holder(path)
    if info is None or info["host"] != socket.gethostname() or info["pid"] <= 0:
        return None
    try:
        os.kill(info["pid"], 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, belongs to another user
    return not _zombie(info["pid"])


def missing_note(path: str | os.PathLike) -> str:
    """Why there is nothing to resume at ``path``, which names no file, in one line: the lock beside it tells
    whether a writer is still at work on it (the file was removed while it ran: it writes it back as it ends) or
    was killed (after the file was removed, or before it made it: nothing of it is left; start it again)."""
    from l2l.errors import command, shown

    said = f"{shown(path)}: no such file"
    try:
        if not lock_path(path).exists():
            return said
    except ValueError:  # a name no file can have (a NUL byte): no lock either
        return said
    info, alive = holder(path), writer_alive(path)
    if info is None:
        return said
    writer = f"pid {info['pid']} on {shown(info['host'])}, since {info['since']}"
    if alive:
        return (f"{said}, but a run still writes it ({writer}): the file was removed while it ran, and it writes "
                f"the file back as it ends; wait for it to finish")
    if alive is None:
        return f"{said}; its writer's lock names {writer}, which this host cannot check"
    return (f"{said}: the run that wrote it ({writer}) was killed after the file was removed, or before it made "
            f"it; nothing of it is left to resume: start it again ({command('l2l', 'run', 'CONFIG', '--out', path)})")


def _writer_by_another_name(path: str | os.PathLike) -> dict[str, Any] | None:
    """The live writer, on this host, of the file ``path`` names under another name, else None: a process other
    than this one that holds a writer lock (``/proc/locks``) and has this very file (device and inode) open for
    writing. Its ``pid``, ``host`` and ``since`` (from its lock file), and ``as``: the name it writes the file by
    (its lock file's, ``.NAME.h5.lock`` -> ``NAME.h5``; None if it holds several and none is told apart).

    ``mv alice/run.h5 elsewhere/`` while her run writes it leaves her lock file in ``alice/``; the lock of
    ``elsewhere/run.h5`` is free, and its resume wrote the same file as her run (two writers). Linux only (where
    ``/proc`` is missing, nothing is found), and only processes whose descriptors this user may read: another
    host's writer is not seen (the module's docstring)."""
    try:
        mine = os.stat(path)
    except (OSError, ValueError):
        return None
    table = flocks()
    if table is None:
        return None
    holders: dict[int, set[int]] = {}  # pid -> the inodes of the files it holds an flock on
    for pid, access, inode in table:
        if access == "WRITE" and pid > 0 and pid != os.getpid():
            holders.setdefault(pid, set()).add(inode)
    for pid, inodes in holders.items():
        found, locks = False, []
        try:
            names = os.listdir(f"/proc/{pid}/fd")
        except OSError:  # gone, or another user's
            continue
        for name in names:
            where = f"/proc/{pid}/fd/{name}"
            try:
                seen = os.stat(where)
                if (seen.st_dev, seen.st_ino) == (mine.st_dev, mine.st_ino):
                    with open(f"/proc/{pid}/fdinfo/{name}", "rb") as fdinfo:
                        flags = next((int(line.split()[1], 8) for line in fdinfo if line.startswith(b"flags:")), 0)
                    found = found or bool(flags & (os.O_WRONLY | os.O_RDWR))
                elif seen.st_ino in inodes:
                    target = Path(os.readlink(where))
                    if target.name.startswith(".") and target.name.endswith(".lock") \
                            and len(target.name) > len("..lock"):  # another lock than a writer's: '.lock'
                        locks.append(target)
            except (OSError, ValueError):
                continue
        if not found or _zombie(pid):
            continue
        info = None
        for lock in locks:
            try:
                info = _parse(lock.read_bytes()[:4096])
            except OSError:
                continue
            if info is not None and info["pid"] == pid:
                break
        info = info if info is not None and info["pid"] == pid else {"pid": pid, "host": socket.gethostname(),
                                                                      "since": "an unknown time", "foreign": True}
        names = [lock.with_name(lock.name[1:-len(".lock")]) for lock in locks]
        away = [name for name in names if not _same_file(name, mine)]  # where it is no longer
        info["as"] = away[0] if len(away) == 1 else names[0] if len(names) == 1 else None
        return info
    return None


def flocks() -> list[tuple[int, str, int]] | None:
    """The ``flock`` locks this host's kernel lists in ``/proc/locks``, as (pid, access, inode) with access
    ``READ`` or ``WRITE``; None where it cannot be read (not Linux). Reading it takes no lock."""
    try:
        with open("/proc/locks", "rb") as handle:
            table = handle.read().decode("ascii", "replace")
    except OSError:
        return None
    found = []
    for line in table.splitlines():  # "1: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF" (major:minor:inode)
        fields = line.split()
        if len(fields) > 5 and fields[1] == "FLOCK":
            try:
                found.append((int(fields[4]), fields[3], int(fields[5].rsplit(":", 1)[1])))
            except (ValueError, IndexError):
                continue
    return found


def _same_file(path: Path, status: os.stat_result) -> bool:
    try:
        there = os.stat(path)
    except OSError:
        return False
    return (there.st_dev, there.st_ino) == (status.st_dev, status.st_ino)


def _moved_refusal(path: Path, other: dict[str, Any], why: str = "it was moved there while that run wrote it") -> str:
    """The one line that refuses to write ``path`` while ``other`` (:func:`_writer_by_another_name`) writes it."""
    from l2l.errors import command, shown

    writer = f"pid {other['pid']} on {shown(other['host'])}, since {other['since']}"
    if other.get("foreign"):  # no l2l writer's lock among its locks: HDF5's own, e.g. h5py.File(path, "a")
        return (f"{shown(path)} is open for writing in pid {other['pid']} on {shown(other['host'])}, which holds a "
                f"write lock on it and is no l2l run writing it (a notebook's h5py.File(path, 'a')?); close it "
                f"there first")
    old = other.get("as")
    if old is not None and _same_file(old, os.stat(path)):  # both names are there: a hard link, not a move
        return (f"{shown(path)} is being written by {writer}, as {shown(old)} (a hard link: another name of the "
                f"same file); wait for it to finish or stop it first")
    if old is None:
        return (f"{shown(path)} is being written by {writer} under another name (it was moved or renamed while that "
                f"run wrote it); wait for it to finish or stop it first")
    return (f"{shown(path)} is being written by {writer}, as {shown(old)} ({why}); wait for it to finish or stop "
            f"it first, or move it back for it to go on ({command('mv', path, old)})")


def moved_from_another_host(path: str | os.PathLike, recorded: str | os.PathLike) -> str | None:
    """The refusal to write ``path`` (one line), or None, where the run's last session, which has no end in the
    file, recorded writing it as ``recorded``, another name, and the lock there is held by a process on another
    host: the file was moved while that session writes it, and this host cannot see that host's descriptors
    (:func:`_writer_by_another_name`). A file at ``recorded`` that is another file makes ``path`` a copy: None.

    Only as good as the shared file system's locks: an ``flock`` held on one NFS client is seen on the others
    (Linux emulates it with a lock of the whole file), not where a mount keeps locks local (``local_lock``)."""
    old, path = Path(recorded), Path(path)
    try:
        mine = os.stat(path)
    except OSError:
        return None
    if _same_file(old, mine) and real_file(old).absolute() == real_file(path).absolute():
        return None  # the same name (this writer's own lock covers it)
    if os.path.lexists(old) and not _same_file(old, mine):
        return None  # another file is there: this one is a copy, or the run went on elsewhere
    info = holder(old)
    if info is None or info["host"] == socket.gethostname():  # this host's writer is seen by its descriptors
        return None
    try:
        fd = os.open(lock_path(old), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # free: its holder was killed (unlocked as this closes)
        return None
    except BlockingIOError:
        return _moved_refusal(path, {**info, "as": old}, "its last session recorded that name, and the lock there "
                                                         "is held, from a host whose processes this one cannot see")
    except OSError:
        return None
    finally:
        os.close(fd)


def _zombie(pid: int) -> bool:
    """True if ``pid`` has died and only waits for its parent to collect it (Linux: state Z in /proc): it holds
    no lock and writes nothing, but signal 0 still finds it, so a run killed with ``kill -9`` from a program that
    had not yet waited for it read 'running'."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rpartition(b")")[2].split()[:1] == [b"Z"]
    except OSError:
        return False
