"""``l2l prune FILE``: delete the large checkpoints beside a trajectory that nothing can use any more.

What is kept and how the deletion is recorded: :mod:`l2l.results_schema.pruning`. Registered by
:mod:`l2l.cli` through :func:`register`.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from l2l.errors import shown


@dataclass
class Pruned:
    """What :func:`prune` deleted (or would delete: ``dry_run``)."""

    files: list[Path] = field(default_factory=list)  # superseded checkpoint files
    temporary: list[Path] = field(default_factory=list)  # left by a writer that died mid-write
    total: int = 0  # checkpoint files in the folder before
    size: int = 0  # bytes the disk frees as du counts them: blocks of files, temporary, folders left empty
    linked: int = 0  # files and temporary with another name (a hard link): deleting this one frees nothing
    trials: int = 0  # trials whose latest checkpoint is kept
    others: int = 0  # further files kept: what the run state may still continue from
    dry_run: bool = False

    def summary(self) -> str:
        if not self.total and not self.temporary:
            return "nothing to prune: no checkpoint files beside the trajectory"
        verb = "would prune" if self.dry_run else "pruned"
        temporary = f" and {len(self.temporary)} temporary file{'s' * (len(self.temporary) != 1)}" \
            if self.temporary else ""
        kept = f"kept the latest of each of {self.trials} trial{'s' * (self.trials != 1)}"
        if self.others:
            kept += f" and {self.others} more that the run may still continue from"
        linked = f", not counting {self.linked} hard-linked elsewhere" if self.linked else ""
        return (f"{verb} {len(self.files)} of {self.total} checkpoint files{temporary} "
                f"({_size(self.size)} on disk{linked}); {kept}")


def _size(count: int) -> str:
    from l2l.results_schema.checkpoint_store import size_text  # l2l show says the folder's size so too

    return size_text(count)


def _on_disk(file: Path) -> tuple[int, bool]:
    """(bytes of the blocks ``file`` holds, as ``du`` counts them; whether it has another name, so that
    deleting it frees none of them)."""
    stat = file.stat()
    return stat.st_blocks * 512, stat.st_nlink > 1


def prune(path: str | os.PathLike, dry_run: bool = False) -> Pruned:
    """Delete the files of ``PATH.checkpoints/`` that no needed row references (see
    :mod:`l2l.results_schema.pruning`), after recording them in the trajectory. Raises TrajectoryError
    (nothing deleted) for a missing file, one that is not a trajectory, one a run writes now (under any name: the
    writer lock follows symbolic links), and a folder another run may share
    (:func:`~l2l.results_schema.checkpoint_store.shared_reason`)."""
    from l2l.errors import TrajectoryError
    from l2l.results_schema import checkpoint_store, pruning
    from l2l.results_schema.lock import WriterLock
    from l2l.results_schema.reader import Trajectory

    from l2l.commands import missing

    path = Path(path)
    if missing(path):
        raise TrajectoryError(missing(path))
    with Trajectory(path):  # not a trajectory (a folder, a pipe, ...): refused before a lock file is made beside it
        pass
    with WriterLock(path):  # no run writes it while it is pruned (the lock of the file a symbolic link names)
        root = checkpoint_store.folder_of(path)
        shared = checkpoint_store.shared_reason(root)
        if shared:
            raise TrajectoryError(f"{shared}, and prune cannot tell that run's checkpoints from superseded ones "
                                  f"(nothing pruned)")
        with Trajectory(path) as trajectory:
            found = pruning.plan(trajectory)
        keep, referenced = found.keep, found.referenced
        result = Pruned(dry_run=dry_run, trials=found.trials)
        names: dict[str, Path] = {}
        for sub in sorted(root.iterdir()) if root.is_dir() else []:
            if not sub.is_dir() or sub.is_symlink():
                continue
            for entry in sorted(sub.iterdir()):
                if not entry.is_file() or entry.is_symlink():
                    continue
                if entry.name.endswith(checkpoint_store.SUFFIX) and not entry.name.startswith("."):
                    names[entry.name[:-len(checkpoint_store.SUFFIX)]] = entry
        result.temporary = checkpoint_store.temporaries(root)  # left by a writer that died mid-write
        if referenced and not names:
            raise TrajectoryError(f"{path}: its rows reference {len(referenced)} checkpoint files beside it, but "
                                  f"{root} holds none: move or copy the folder with the file (nothing pruned)")
        result.total = len(names)
        result.files = [file for digest, file in names.items() if digest not in keep]
        result.others = max(0, len(keep & names.keys()) - found.trials)
        deleted = [*result.files, *result.temporary]
        for file in deleted:
            size, linked = _on_disk(file)
            result.size += 0 if linked else size
            result.linked += linked
        gone = set(deleted)  # the folders left empty go too (below): du counts their blocks as well
        for folder in sorted({file.parent for file in result.files}):
            if all(folder / name in gone for name in os.listdir(folder)):
                result.size += folder.stat().st_blocks * 512
        if dry_run:
            return result
        recorded = sorted(digest for digest, file in names.items() if digest not in keep and digest in referenced)
        if recorded:  # first: a kill between the record and the deletions leaves files validate still checks
            pruning.record(path, recorded)
        for file in deleted:
            try:
                file.unlink()
            except FileNotFoundError:
                pass
        for folder in {file.parent for file in result.files}:
            try:
                folder.rmdir()  # only if empty: the writer makes it again when it needs it
            except OSError:
                pass
    return result


def _prune(args: argparse.Namespace) -> int:
    result = prune(args.file, dry_run=args.dry_run)
    if args.dry_run:
        for file in [*result.files, *result.temporary]:
            print(f"would delete {shown(file)}")
    print(result.summary())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``prune`` to the ``l2l`` command line."""
    p = subparsers.add_parser(
        "prune", help="delete the superseded checkpoints kept beside a trajectory",
        description="Delete the files of FILE.checkpoints/ that nothing can use any more: every checkpoint but "
                    "each trial's latest and those the stored run state may still continue from (paused "
                    "candidates, donors of population-based training, segments a resume runs again), and files "
                    "no committed row references. What is deleted is recorded in FILE, so that l2l validate "
                    "reports them as pruned. Refuses a file a run writes now, and a folder another "
                    "run may share (a symbolic link, or one another run's folder beside it links to).")
    p.add_argument("file", help="trajectory (.h5) no process writes")
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")
    p.set_defaults(func=_prune)
