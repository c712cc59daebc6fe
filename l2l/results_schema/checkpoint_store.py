"""Large checkpoints in a content-addressed folder beside the trajectory.

A multi-fidelity run keeps the checkpoint of every segment. Small ones live in the trajectory
(``/blobs/checkpoints``); large ones (a network's weights: megabytes per segment, thousands of segments)
would make the one file grow without bound, so they are written to a folder beside it,
``NAME.h5.checkpoints/``, one file per distinct checkpoint, named by the SHA-256 of its encoded bytes
(``ab/ab12...ef.l2lc``): identical checkpoints (a learner copied by population-based training) are stored
once, and a file's name is its checksum. The trajectory's row then holds a *reference* in place of the
encoded checkpoint: ``b"L2LR"`` followed by UTF-8 JSON ``{"sha256": HEX, "bytes": N}``. A reference is
not an encoded value (those begin ``b"L2L1"``), so a reader that does not know references refuses it
instead of handing it to a simulator.

A checkpoint's file is written to a temporary name, synced and renamed before the row that references it
is committed, so a committed row never references a missing or partial file; a crash may leave a file no
committed row references (harmless: the segment runs again on resume and, being deterministic, usually
writes the same file). Reading checks the file's length and SHA-256: a file that is missing (the folder
was not moved or copied with the trajectory) or changed on disk is an unreadable checkpoint, reported
with the candidate it belongs to, as damage in the trajectory is. ``l2l validate`` checks every
referenced file.

``run.checkpoints`` chooses: ``"auto"`` (the default: checkpoints of at least :data:`LARGE` bytes go to
the folder), ``"file"`` (all in the trajectory: one portable file) or ``"beside"`` (all in the folder).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from l2l.own_files import open_new
from l2l.results_schema.lock import real_file

#: Encoded checkpoints of at least this many bytes go to the folder under ``run.checkpoints = "auto"``.
LARGE = 1 << 20
#: The choices of ``run.checkpoints``.
CHOICES = ("auto", "file", "beside")
REFERENCE_MAGIC = b"L2LR"
SUFFIX = ".l2lc"


def folder_of(trajectory: str | os.PathLike) -> Path:
    """The folder that holds the large checkpoints of the trajectory ``trajectory``: beside the file a symbolic
    link leads to, as its writer lock is (:func:`~l2l.results_schema.lock.real_file`), so that a run resumed
    or read through a link uses the checkpoints its file references."""
    path = real_file(trajectory)
    return path.with_name(path.name + ".checkpoints")


def threshold(choice: str) -> int | None:
    """The smallest encoded checkpoint stored beside the trajectory under ``choice`` (None: none is)."""
    if choice not in CHOICES:
        raise ValueError(f"run.checkpoints must be one of {', '.join(map(repr, CHOICES))}, got {choice!r}")
    return {"auto": LARGE, "file": None, "beside": 1}[choice]


def size_in_memory(value: object) -> int:
    """Bytes of the arrays and strings in a checkpoint (nested dicts and lists followed): what keeping it costs."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, dict):
        return sum(size_in_memory(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(size_in_memory(v) for v in value)
    if isinstance(value, (str, bytes)):
        return len(value)
    return 8


def is_reference(data: bytes | np.ndarray) -> bool:
    return bytes(data[:len(REFERENCE_MAGIC)]) == REFERENCE_MAGIC


def reference(digest: str, size: int) -> bytes:
    return REFERENCE_MAGIC + json.dumps({"sha256": digest, "bytes": int(size)}, separators=(",", ":")).encode()


def parse(data: bytes | np.ndarray) -> tuple[str, int]:
    """(SHA-256 hex digest, length) of a reference; ValueError if it is not a well-formed one."""
    try:
        fields = json.loads(bytes(data[len(REFERENCE_MAGIC):]).decode("utf-8"))
        digest, size = fields["sha256"], fields["bytes"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"a malformed checkpoint reference ({exc})") from None
    if not (isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)) \
            or isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError("a malformed checkpoint reference")
    return digest, size


class MissingCheckpoint(ValueError):
    """The file a reference names is not in the folder."""

    def __init__(self, message: str, digest: str):
        super().__init__(message)
        self.digest = digest


class CheckpointStore:
    """The folder of one trajectory's large checkpoints."""

    def __init__(self, trajectory: str | os.PathLike):
        self.root = folder_of(trajectory)
        self._unsynced: set[Path] = set()  # folders with renames not yet synced (see sync)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / f"{digest}{SUFFIX}"

    def put(self, parts: list[memoryview]) -> bytes:
        """Store the encoded checkpoint made of ``parts`` (:func:`~l2l.results_schema.codec.encode_parts`)
        durably, once; the reference the row holds instead. The folders it renamed files in are synced by
        :meth:`sync`, once for a batch, before the rows are committed."""
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part)
        name, size = digest.hexdigest(), sum(part.nbytes for part in parts)
        target = self.path(name)
        if not (target.is_file() and target.stat().st_size == size):
            if not target.parent.is_dir():
                target.parent.mkdir(parents=True, exist_ok=True)
                self._unsynced.update((self.root, self.root.parent))
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            with os.fdopen(open_new(temporary), "wb") as handle:  # (a link planted at the name: not followed)
                for part in parts:
                    handle.write(part)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
            self._unsynced.add(target.parent)
        return reference(name, size)

    def sync(self) -> None:
        """Make the renames of :meth:`put` since the last call durable (each folder synced once)."""
        for folder in sorted(self._unsynced, key=lambda f: len(f.parts), reverse=True):
            _sync_folder(folder)
        self._unsynced.clear()

    def get(self, data: bytes | np.ndarray) -> bytes:
        """The encoded checkpoint a reference names, checked against its length and SHA-256."""
        digest, size = parse(data)
        target = self.path(digest)
        try:
            content = target.read_bytes()
        except FileNotFoundError:
            raise MissingCheckpoint(f"its file {target} is missing (the folder {self.root.name} belongs beside "
                                    f"the trajectory: move or copy it with the file)", digest) from None
        except NotADirectoryError:  # said 'unreadable data: NotADirectoryError: [Errno 20] Not a directory: ...'
            raise MissingCheckpoint(f"{self.root} is a file, not the folder of checkpoints its file "
                                    f"{target.relative_to(self.root)} belongs in: move or copy the folder "
                                    f"{self.root.name} beside the trajectory in its place", digest) from None
        except OSError as exc:  # a folder where the file belongs, a file without read permission
            raise ValueError(f"its file {target} cannot be read: {exc.strerror or exc}") from None
        if len(content) != size or hashlib.sha256(content).hexdigest() != digest:
            raise ValueError(f"its file {target} does not match its SHA-256 (changed on disk)")
        return content


def shared_reason(root: Path) -> str | None:
    """Why the checkpoint folder ``root`` may hold another run's files (None if nothing says so): it is a
    symbolic link (another run's folder may link to the same place), or another run's folder beside it links to
    it. The files are named by their content only, so no one could tell another run's from superseded ones
    (nor from those a live run has written and not yet committed). A link from a folder elsewhere cannot be
    seen from here."""
    if root.is_symlink():
        return f"{root} is a symbolic link (to {os.readlink(root)}), so another run's folder may link there too"
    if not root.is_dir():
        return None
    mine = os.path.realpath(root)
    try:
        entries = sorted(os.scandir(root.parent), key=lambda e: e.name)
    except OSError:
        return None
    for entry in entries:
        if entry.name.endswith(".checkpoints") and entry.is_symlink() and os.path.realpath(entry.path) == mine:
            return f"{root.parent / entry.name} is a symbolic link to {root}: another run shares the folder"
    return None


def temporaries(root: Path) -> list[Path]:
    """The temporary files in the checkpoint folder ``root`` (``ab/.ab12...ef.l2lc.PID.tmp``): each a checkpoint
    :meth:`CheckpointStore.put` was writing, renamed into place once whole, so one left is its writer's, killed
    mid-write. No row references one (rows reference the final names)."""
    found = []
    try:
        subs = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:  # no folder (nothing stored beside the file), or not one
        return []
    for sub in subs:
        if not sub.is_dir(follow_symlinks=False):
            continue
        try:
            entries = sorted(os.scandir(sub.path), key=lambda e: e.name)
        except OSError:
            continue
        found += [Path(entry.path) for entry in entries if entry.name.startswith(".") and
                  entry.name.endswith(".tmp") and entry.is_file(follow_symlinks=False)]
    return found


def remove_stale_temporaries(trajectory: str | os.PathLike) -> int:
    """Delete the temporary files that writers of ``trajectory`` killed mid-write left in its checkpoint folder
    (:func:`temporaries`); the number deleted. The caller holds the trajectory's writer lock, so no live process
    writes this run's checkpoints: every temporary there is a dead writer's, which no row references (its segment
    runs again). Nothing is deleted where the folder may be another run's too (:func:`shared_reason`), whose live
    writer's temporaries this lock does not tell apart: ``l2l prune`` refuses such a folder too."""
    root = folder_of(trajectory)
    if shared_reason(root) is not None:
        return 0
    removed = 0
    for file in temporaries(root):
        try:
            file.unlink()
        except OSError:  # gone meanwhile, or not ours to delete (permissions): l2l prune says so
            continue
        removed += 1
    return removed


def describe(trajectory: str | os.PathLike, config: Any = None) -> str:
    """``l2l show``'s words on the folder of large checkpoints of ``trajectory`` ("" if it has none). Its size is
    what the folder takes on disk as ``du -s`` counts it (the blocks of the folder and of every file and folder
    in it, a file with several names once), said as ``l2l prune`` says what it frees: small checkpoints take a
    whole block each, so the sum of the files' lengths was far below what moving or deleting the folder frees.
    ``config``: the run's stored config; under its ``run.checkpoints = "beside"`` every checkpoint is in the folder
    whatever its size, so they are 'N checkpoints' there (they were 'N large checkpoints', as under "auto")."""
    root = folder_of(trajectory)
    count = 0
    try:
        stats = [os.stat(root)]
        for sub in os.scandir(root):
            stats.append(sub.stat(follow_symlinks=False))
            if sub.is_dir(follow_symlinks=False):
                for entry in os.scandir(sub.path):
                    stats.append(entry.stat(follow_symlinks=False))
                    count += entry.name.endswith(SUFFIX) and entry.is_file(follow_symlinks=False)
    except OSError:
        return ""
    if not count:
        return ""
    size = 512 * sum(stat.st_blocks for stat in {(stat.st_dev, stat.st_ino): stat for stat in stats}.values())
    run = config.get("run") if isinstance(config, dict) else None
    large = "" if isinstance(run, dict) and run.get("checkpoints") == "beside" else "large "
    return (f"{count} {large}checkpoint{'s' * (count != 1)} ({size_text(size)} on disk) in {root}: move or copy "
            f"it with the file")


def size_text(count: int) -> str:
    """A number of bytes in words, as ``l2l prune`` and ``l2l show`` say it: ``456.0 KiB``, ``812 bytes``."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift:
            return f"{count / (1 << shift):.1f} {unit}"
    return f"{count} bytes"


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows opening a folder)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


__all__ = ["CHOICES", "CheckpointStore", "LARGE", "describe", "folder_of", "is_reference", "parse", "reference",
           "remove_stale_temporaries", "shared_reason", "size_in_memory", "size_text", "temporaries", "threshold"]
