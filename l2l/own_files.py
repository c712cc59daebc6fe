"""Files and folders l2l makes where other users may write too: a shared ``/tmp``, a group's project folder.

A name l2l chooses there is predictable (``.run.h5.lock``, ``.run.h5.4242.tmp``, ``run.work/``), so another user
who can write the folder may have put something at it first:

* a **symbolic link** to a file of ours (``~/.bashrc``): a write that follows it overwrites that file.
  :func:`open_new` never follows one: it removes whatever is at the name (a link is removed, not its target;
  a stale temporary of a killed process alike) and creates the file itself, exclusively.
* a **folder of their own** where l2l puts job scripts, working directories and the files jobs read: its owner
  may replace them between the write and their use, and run code as us. :func:`refuse_foreign` refuses it.

The permissions of what is made are the umask's, as for any program; nothing l2l writes is a secret.
"""

from __future__ import annotations

import os

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
