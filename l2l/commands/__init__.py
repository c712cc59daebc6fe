"""Subcommands of the l2l command line that live in their own modules."""

from __future__ import annotations

import os


def missing(path: str | os.PathLike) -> str | None:
    """Why ``path`` names no file (``l2l: error: ...``), or None if it does. A symbolic link whose target is gone
    is missing too, said so: a link left behind by a moved run is the usual cause, and \"not a regular file\"
    or a check of the link itself would hide that the file it leads to is not there."""
    if os.path.exists(path):
        return None
    if os.path.islink(path):
        return f"{path}: no such file (a symbolic link to {os.readlink(path)}, which does not exist)"
    return f"{path}: no such file"
