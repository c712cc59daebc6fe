"""Subcommands of the l2l command line that live in their own modules."""

from __future__ import annotations

import errno
import os


def missing(path: str | os.PathLike) -> str | None:
    """Why ``path`` names no file (``l2l: error: ...``), or None if it does. A symbolic link whose target is gone
    is missing too, said so: a link left behind by a moved run is the usual cause, and \"not a regular file\"
    or a check of the link itself would hide that the file it leads to is not there."""
    if os.path.exists(path):
        return None
    if os.path.islink(path):
        try:
            os.stat(path)
        except OSError as exc:  # a link that leads back to itself is there, and was said to lead to nothing
            if exc.errno == errno.ELOOP:
                return f"{path}: a symbolic link to {os.readlink(path)} that leads back to itself, not a file"
        return f"{path}: no such file (a symbolic link to {os.readlink(path)}, which does not exist)"
    return f"{path}: no such file"
