"""A candidate's checkpoint folder of the command simulator, kept between budgets: read into arrays after the
program exits, written back before its next segment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from l2l.errors import EvaluationError
from l2l.numbers import number


def read_checkpoint_dir(folder: Path, limit_bytes: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every regular file under ``folder`` as {relative posix path: uint8 array}, and every symbolic link that
    stays inside it as {relative posix path: its target relative to the link's folder, UTF-8 as uint8 array}
    (training scripts point ``last.ckpt`` or ``latest`` at their newest file); EvaluationError past the limit,
    or for a link that leads out of the folder or to nothing (the next segment, perhaps on another worker, could
    not follow it)."""
    files, links, total = {}, {}, 0
    root = folder.resolve()
    _refuse_past(folder, limit_bytes)
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            target = Path(os.readlink(path))
            resolved = (path.parent / target).resolve() if not target.is_absolute() else target.resolve()
            if not resolved.is_relative_to(root) or resolved == root:
                raise EvaluationError(f"checkpoint directory holds a symbolic link {relative!r} to {str(target)!r}, "
                                      f"outside the directory: copy the file into it instead")
            if not resolved.exists():
                raise EvaluationError(f"checkpoint directory holds a symbolic link {relative!r} to {str(target)!r}, "
                                      f"which does not exist")
            kept = os.path.relpath(resolved, (root / relative).parent)  # relative, so it holds wherever restored
            links[relative] = np.frombuffer(kept.encode(), dtype=np.uint8).copy()
            continue
        if not path.is_file():
            continue
        total += path.stat().st_size
        if total > limit_bytes:  # grown since _refuse_past (a process the program left writing)
            _refuse_past(folder, limit_bytes)
            raise EvaluationError(f"checkpoint directory holds more than checkpoint_limit_mb = "
                                  f"{number(limit_bytes / 2 ** 20)} MiB; keep fewer or smaller files, or raise the "
                                  f"limit")
        files[relative] = np.frombuffer(path.read_bytes(), dtype=np.uint8).copy()
    return files, links


def _refuse_past(folder: Path, limit_bytes: int) -> None:
    """EvaluationError if the regular files under ``folder`` hold more than ``limit_bytes``, naming how much and
    the largest file, after deleting them: the failed evaluation's folder is kept, and a program writing a
    checkpoint of 3 GiB left 3 GiB in each of the 20 folders of the failures that ended its run (60 GiB)."""
    sizes = {path: path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink()}
    total = sum(sizes.values())
    if total <= limit_bytes:
        return
    largest = max(sizes, key=sizes.get)
    deleted = 0
    for path in sizes:
        try:
            path.unlink()
            deleted += 1
        except OSError:
            pass
    files = f"{len(sizes)} file{'s' if len(sizes) != 1 else ''}"
    gone = "its files were deleted, the failed evaluation's folder is kept without them" if deleted == len(sizes) \
        else f"{deleted} of its files were deleted"
    raise EvaluationError(f"checkpoint directory holds {_bytes(total)} in {files} (the largest "
                          f"{largest.relative_to(folder).as_posix()!r}, {_bytes(sizes[largest])}), more than "
                          f"checkpoint_limit_mb = {number(limit_bytes / 2 ** 20)} MiB; keep fewer or smaller files, "
                          f"or raise the limit (every checkpoint is stored in the run's file); {gone}")


def _bytes(size: int) -> str:
    """``size`` as a user reads it: 3 GiB, 80.5 MiB, 600 bytes."""
    for unit, scale in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def _inside(folder: Path, relative: str) -> Path:
    parts = Path(relative).parts
    if not relative or Path(relative).is_absolute() or ".." in parts:
        raise EvaluationError(f"the checkpoint names a file outside its folder: {relative!r}")
    return folder.joinpath(*parts)


def write_checkpoint_dir(folder: Path, checkpoint: Any) -> None:
    """Recreate the files and links of a checkpoint written by :func:`read_checkpoint_dir` under ``folder``."""
    files = checkpoint.get("files") if isinstance(checkpoint, dict) else None
    links = checkpoint.get("links", {}) if isinstance(checkpoint, dict) else None
    if not isinstance(files, dict) or not isinstance(links, dict):
        raise EvaluationError("the checkpoint holds no 'files' table: it was not written by the command simulator")
    for relative, content in files.items():
        target = _inside(folder, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():  # an earlier checkpoint's link, written into the same folder: replaced, not followed
            target.unlink()
        target.write_bytes(np.asarray(content, dtype=np.uint8).tobytes())
    root = folder.resolve()
    for relative, content in links.items():
        link = _inside(folder, relative)
        text = np.asarray(content, dtype=np.uint8).tobytes().decode("utf-8", errors="replace")
        if Path(text).is_absolute() or not (root / relative).parent.joinpath(text).resolve().is_relative_to(root):
            raise EvaluationError(f"the checkpoint's link {relative!r} leads outside its folder: {text!r}")
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():  # (l2l.checkpoint(path, folder=F) twice: FileExistsError)
            link.unlink()
        link.symlink_to(text)
    for relative in links:  # a link through one made after it ('a' -> 'b/..', then 'b' -> '.') led outside
        link = _inside(folder, relative)
        if not link.resolve().is_relative_to(root):
            link.unlink()
            raise EvaluationError(f"the checkpoint's link {relative!r} leads outside its folder")
