"""Opening a trajectory for reading: quickly, with a bounded wait, whatever the file holds.

Before HDF5 sees a file, :func:`open_file` refuses what cannot be a trajectory
at once: a missing path, a folder, a named pipe or device (opening a pipe
would block), a file without the HDF5 signature, and a file shorter than the
end-of-file address its superblock records (a truncated copy). A file that a
live SWMR writer is extending may be shorter than that address for an
instant, so a file marked open for writing is looked at again for half a
second before it is refused.

HDF5 retries a metadata read whose checksum fails when it reads in SWMR mode
(the writer may be rewriting that block), 100 times by default with a
doubling back-off: on a damaged file that is minutes or hours. The file access
property list made here allows :data:`METADATA_READ_ATTEMPTS` tries (about
20 ms at most per damaged block), which h5py does not expose, so it is set
through the HDF5 library h5py has loaded. Where that library cannot be found
the default applies.

HDF5 refuses to open one file twice in a process with different SWMR or file
locking flags. Readers open in SWMR mode without locking (a reader must never
block the writer); if the file is already open in this process with other
flags (for example by user code following the SPEC's recipe, or without
SWMR), the flags of that open are used instead.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import stat
import struct
import time
from functools import lru_cache
from pathlib import Path

import h5py

from l2l.errors import TrajectoryError

try:
    from h5py._objects import phil as _H5PY_LOCK
except ImportError:  # a future h5py without it: HDF5 calls are then unguarded, as in h5py itself
    _H5PY_LOCK = contextlib.nullcontext()

SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: Tries of a metadata read in SWMR mode (HDF5's default is 100, with a doubling back-off from 1 ns).
METADATA_READ_ATTEMPTS = 24
#: How long a file marked "open for writing" may stay shorter than its superblock says.
GROWTH_WAIT = 0.5
#: How long an open may be retried while a writer holds the file in a state readers cannot open yet.
OPEN_WAIT = 1.0

_UNDEFINED = {2: 0xFFFF, 4: 0xFFFFFFFF, 8: 0xFFFFFFFFFFFFFFFF}
# (use locking, ignore when disabled) in the order tried; the first is what readers want.
_LOCKING = ((False, False), (True, True), (True, False), (False, True))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _superblock(head: bytes) -> tuple[int, int, int] | None:
    """(version, flags, end-of-file address) from the first bytes of a file, or None if unreadable."""
    if len(head) < 12 or head[:8] != SIGNATURE:
        return None
    version = head[8]
    if version in (0, 1):
        offsets, flags_at, first = head[13], 20, 24 if version == 0 else 28
        fields = 4  # base, free space, end of file, driver information
        eof_index = 2
    elif version in (2, 3):
        offsets, flags_at, first = head[9], 11, 12
        fields = 4  # base, superblock extension, end of file, root object header
        eof_index = 2
    else:
        return None
    if offsets not in _UNDEFINED or len(head) < first + fields * offsets:
        return None
    fmt = {2: "<H", 4: "<I", 8: "<Q"}[offsets]
    addresses = [struct.unpack_from(fmt, head, first + i * offsets)[0] for i in range(fields)]
    base, eof = addresses[0], addresses[eof_index]
    if eof == _UNDEFINED[offsets] or base == _UNDEFINED[offsets]:
        return None
    return version, head[flags_at], base + eof


def check_file(path: Path) -> None:
    """Refuse quickly what HDF5 would hang on or misread; see the module docstring."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise TrajectoryError(f"{path}: no such file") from None
    except OSError as exc:
        raise TrajectoryError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except ValueError:  # os.stat's 'embedded null byte', naming no path
        raise TrajectoryError(f"{str(path)!r} is no file name: it holds a NUL byte") from None
    if not stat.S_ISREG(info.st_mode):
        raise TrajectoryError(f"{path} is {_kind(info.st_mode)}, not an l2l trajectory")
    deadline = time.monotonic() + GROWTH_WAIT
    while True:
        try:
            # O_NONBLOCK: should the path have become a pipe since the stat, reading it must not block.
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise TrajectoryError(f"{path} is not a regular file, so not an l2l trajectory")
                head = os.pread(fd, 128, 0) if hasattr(os, "pread") else os.read(fd, 128)
                size = os.fstat(fd).st_size
            finally:
                os.close(fd)
        except OSError as exc:
            raise TrajectoryError(f"{path}: cannot read it: {exc.strerror or exc}") from None
        if head[:8] != SIGNATURE:
            raise TrajectoryError(f"{path} is not an HDF5 file (no HDF5 signature at its start), "
                                  f"so not an l2l trajectory")
        superblock = _superblock(head)
        if superblock is None:
            raise TrajectoryError(f"{path}: its HDF5 superblock is damaged or of an unknown version")
        version, flags, eof = superblock
        if size >= eof:
            return
        writing = version >= 2 and flags & 0b101
        if not writing or time.monotonic() > deadline:
            raise TrajectoryError(f"{path} is truncated: {size} bytes, but its HDF5 superblock says "
                                  f"{eof}; it was cut short (an incomplete copy or download?)")
        time.sleep(0.05)


@lru_cache(maxsize=1)
def _hdf5_library() -> ctypes.CDLL | None:
    """The HDF5 shared library h5py uses (the same copy, so that h5py's identifiers are valid in it)."""
    candidates: list[str] = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                name = line.rsplit(None, 1)[-1] if "/" in line else ""
                base = os.path.basename(name)
                if base.startswith("libhdf5") and "_hl" not in base and ".so" in base and name not in candidates:
                    candidates.append(name)
    except OSError:
        pass
    package = Path(h5py.__file__).parent
    for pattern in (".dylibs/libhdf5.*dylib", "hdf5.dll"):
        candidates += [str(p) for p in sorted(package.glob(pattern))]
    wanted = tuple(h5py.version.hdf5_version_tuple[:3])
    for candidate in candidates:
        try:
            library = ctypes.CDLL(candidate)
            function = library.H5Pset_metadata_read_attempts
            version = [ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()]
            library.H5get_libversion(*map(ctypes.byref, version))
        except (OSError, AttributeError):
            continue
        if tuple(v.value for v in version) != wanted:
            continue
        function.argtypes = [ctypes.c_int64, ctypes.c_uint]
        function.restype = ctypes.c_int
        return library
    return None


def _access_list(locking: tuple[bool, bool], attempts: int | None) -> h5py.h5p.PropFAID:
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    fapl.set_file_locking(*locking)
    library = _hdf5_library() if attempts else None
    if library is not None:
        with _H5PY_LOCK:  # h5py serializes its calls into HDF5 with this lock; a direct call must too
            library.H5Pset_metadata_read_attempts(fapl.id, attempts)
    return fapl


def open_hdf5(path: Path, attempts: int | None = METADATA_READ_ATTEMPTS) -> h5py.File:
    """Open ``path`` read-only in SWMR mode, without locking, with bounded metadata retries.

    Raises :class:`TrajectoryError` with one line; waits at most about
    :data:`OPEN_WAIT` seconds for a writer that holds the file in a state
    readers cannot open yet.
    """
    check_file(path)
    name = os.fsencode(path)
    deadline = time.monotonic() + OPEN_WAIT
    while True:
        try:
            return _open_matching(name, attempts)
        except FileNotFoundError:
            raise TrajectoryError(f"{path}: no such file") from None
        except _OPEN_ERRORS as exc:
            text = str(exc)
            if "signature" in text or "not an HDF5" in text:
                raise TrajectoryError(f"{path} is not an HDF5 file, so not an l2l trajectory") from None
            if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM):
                raise TrajectoryError(f"{path}: permission denied") from None
            # A writer between opening the file and entering SWMR mode: readers must wait a moment.
            transient = "already open for write" in text or "not already open for SWMR" in text
            if transient and time.monotonic() > deadline:
                raise TrajectoryError(f"cannot open {path}: a process opened it for writing outside SWMR mode "
                                      f"and still has it open, or died doing so (HDF5: {_one_line(text)})") from None
            if not transient:
                raise TrajectoryError(f"cannot open {path}: {_one_line(text)}") from None
        time.sleep(0.05)


_OPEN_ERRORS = (OSError, ValueError, KeyError, RuntimeError)
_MISMATCH = ("don't match", "not the same")


def _open_matching(name: bytes, attempts: int | None) -> h5py.File:
    """Open read-only with readers' flags (SWMR, no lock), or with those of an open of the file in this process.

    HDF5 shares one open file among the opens of a process and refuses an
    open whose SWMR, locking or close-degree setting differs from the first
    open's; a reader adapts to the one the message names.
    """
    swmr, locking, strong = True, 0, False
    for _ in range(2 * len(_LOCKING) * 2):
        flags = h5py.h5f.ACC_RDONLY | (h5py.h5f.ACC_SWMR_READ if swmr else 0)
        fapl = _access_list(_LOCKING[locking], attempts)
        if strong:
            fapl.set_fclose_degree(h5py.h5f.CLOSE_STRONG)
        try:
            return h5py.File(h5py.h5f.open(name, flags, fapl=fapl))
        except _OPEN_ERRORS as exc:
            text = str(exc)
            if "SWMR read access flag" in text:
                swmr = not swmr
            elif "close degree" in text:
                strong = not strong
            elif "lock" in text and any(word in text for word in _MISMATCH) and locking + 1 < len(_LOCKING):
                locking += 1
            else:
                raise
    raise OSError("the file is open in this process with settings no reader can match")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
