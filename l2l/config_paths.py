"""A config's path-valued options, made absolute beside the config's folder (:func:`beside`), and the hint a
message about a missing path adds where the user meant another folder (:func:`relative_hint`).

A module of its own so that the backends (``l2l.jobs``) that take such paths need not import :mod:`l2l.config`,
which imports them."""

from __future__ import annotations

import os


#: What :func:`beside` made of each relative value in this process: its absolute path -> (the value as given,
#: the config's folder), for :func:`relative_hint`.
_MADE_BESIDE: dict[str, tuple[str, str]] = {}


def beside(path: str, base_dir: str | os.PathLike) -> str:
    """``path``, a path-valued option of a config, as the config means it: absolute, a relative one (or one
    starting with '~', expanded) taken from the config's folder ``base_dir``, whatever folder l2l runs in."""
    made = os.path.abspath(os.path.join(base_dir, os.path.expanduser(path)))
    if not os.path.isabs(os.path.expanduser(path)):
        _MADE_BESIDE[made] = (path, os.path.abspath(base_dir))
    return made


def relative_hint(path: str) -> str:
    """For a message saying that ``path`` is missing (or waiting for it): ``' (relative paths mean the config's
    folder, DIR; ./GIVEN exists in the working folder)'`` where :func:`beside` made ``path`` of the relative value
    GIVEN, nothing is at ``path`` and GIVEN exists from the working folder (a user who started ``dask scheduler
    --scheduler-file s.json`` there, the config elsewhere, waited until the timeout); ``''`` otherwise."""
    given, base_dir = _MADE_BESIDE.get(os.path.abspath(path), ("", ""))
    if not given or os.path.lexists(path) or not os.path.lexists(given) \
            or os.path.abspath(given) == os.path.abspath(path):
        return ""
    shown_given = given if given.startswith((".", "~")) else os.path.join(".", given)
    return f" (relative paths mean the config's folder, {base_dir}; {shown_given} exists in the working folder)"
