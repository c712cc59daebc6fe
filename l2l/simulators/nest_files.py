"""Where a NEST model's recorders write files: a folder of the worker process's own, emptied after every evaluation.

NEST writes the files of recorders with ``record_to = "ascii"`` into its kernel's ``data_path``, by default the
working directory, and refuses to overwrite one. Under the ``nest`` simulator the first evaluation left
``spikes-6-0.dat`` in the folder l2l ran in, and every later evaluation of the process failed with a bare
``NESTErrors.IOError`` (5 of 6 on ``serial``); on ``local`` the workers wrote the same files in the same folder. Each
evaluation now starts with ``data_path`` set to ``<temp folder>/l2l-nest-<uid>-<host>-<pid>``, empty (the model reads its
files during the evaluation, ``recorder.get("filenames")``; they are removed after it). A model that sets
``data_path`` itself writes where it says, and keeps its files. The folder is made once a process (making and
removing one per evaluation took 3.9 ms, twice l2l's whole overhead around a NEST evaluation) and removed as the
process ends; one a killed process left is removed by the next that makes its own on that host.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import socket
import tempfile
from typing import Any

_FOLDER: list[str] = []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def _make() -> str:
    host = socket.gethostname().split(".")[0].replace(os.sep, "_") or "host"
    prefix = os.path.join(tempfile.gettempdir(), f"l2l-nest-{os.getuid()}-{host}-")
    for left in glob.glob(prefix + "*"):  # of processes of this host killed before they could remove theirs (a
        # local run's workers, which are terminated: two empty folders a run, until the next run's workers start)
        pid = left[len(prefix):]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(left, ignore_errors=True)
    folder = prefix + str(os.getpid())
    os.makedirs(folder, mode=0o700, exist_ok=True)
    atexit.register(shutil.rmtree, folder, True)
    return folder


def recording_folder(nest: Any) -> str:
    """Set the kernel's ``data_path`` to this process's folder (made at the first call) and return it."""
    if not _FOLDER or not os.path.isdir(_FOLDER[0]) or not _FOLDER[0].endswith(f"-{os.getpid()}"):
        _FOLDER[:] = [_make()]  # (a forked child, run.timeout's, makes its own)
    nest.SetKernelStatus({"data_path": _FOLDER[0]})
    return _FOLDER[0]


#: Free bytes below which a recording's file system counts as full after an evaluation (NEST's file streams buffer
#: their writes: a stream that hit a full disk stops with less than its buffer left free).
FULL_BELOW = 64 << 10


def free_bytes(path: str) -> int | None:
    """Bytes this process may still write to ``path``'s file system (the blocks reserved for root count for root,
    who writes into them); None where it cannot be asked."""
    try:
        stat = os.statvfs(path)
    except (OSError, AttributeError):
        return None
    return (stat.f_bfree if os.geteuid() == 0 else stat.f_bavail) * stat.f_frsize


def check_room(folder: str) -> None:
    """After the model ran, before its files go: fail the evaluation (RuntimeError, one line) where its recorders
    wrote files into ``folder`` (the evaluation's ``data_path``) and left its file system full. NEST stops writing a
    recorder's file when the disk is full, without an error: the model read spike files cut short (measured:
    168,182 of 252,000 spikes in the file, the kernel counting all of them, with ``TMPDIR`` on a 2 MB tmpfs) and
    recorded a value computed from them as a success. A model that sets ``data_path`` itself is not looked at (asking
    the kernel where it wrote took 58 us an evaluation, this check 3 us)."""
    try:
        if not any(True for _ in os.scandir(folder)):  # nothing recorded to files here
            return
    except OSError:
        return
    free = free_bytes(folder)
    if free is None or free >= FULL_BELOW:
        return
    raise RuntimeError(f"simulator 'nest': the file system of NEST's data_path {folder} is full ({free // 1024} kB "
                       f"free) after the model's recorders wrote their files there, and NEST stops writing a file "
                       f"there without an error, so files the model read may be cut short; give the evaluations room "
                       f"(the temporary folder: TMPDIR, e.g. a node-local scratch folder, in the [backend] prologue on "
                       f"SLURM), or record to memory (record_to = \"memory\", the events in recorder.get(\"events\"))")


def empty(folder: str) -> None:
    """Remove what an evaluation's recorders wrote into ``folder``."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)


__all__ = ["check_room", "empty", "free_bytes", "recording_folder"]
