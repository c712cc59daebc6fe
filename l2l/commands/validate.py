"""``l2l validate FILE...``: check files against the trajectory spec."""

from __future__ import annotations

import os
import sys
from typing import Iterable, TextIO


def validate_files(paths: Iterable[str | os.PathLike], out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print one line per valid file (``out``), followed by its notes (damage the run recorded and went on
    without, such as a checkpoint dropped by ``l2l resume --drop-unreadable``), and one per problem (``err``);
    1 if any file is invalid, else 0. A path that does not exist is refused before any file is checked (exit 2
    from the command line)."""
    from l2l.commands import missing
    from l2l.errors import TrajectoryError, shown
    from l2l.results_schema.validate import validate_with_notes

    out, err = out or sys.stdout, err or sys.stderr
    paths = list(paths)
    for path in paths:  # a mistyped name is bad input (exit 2, as for every other command), not an invalid file
        if missing(path):  # a dangling symbolic link too
            raise TrajectoryError(missing(path))
    status = 0
    for path in paths:
        problems, notes = validate_with_notes(path)
        if problems:
            status = 1
            for problem in problems:  # a problem that names the file already is not prefixed with it again
                named = problem.startswith((f"{path} ", f"{path}: "))  # 'run.h5: its HDF5 superblock is damaged'
                print(shown(problem if named else f"{path}: {problem}"), file=err)
        else:
            print(f"{shown(path)}: valid l2l trajectory", file=out)
        for note in notes:
            print(shown(f"{path}: {note}"), file=out if not problems else err)
    return status
