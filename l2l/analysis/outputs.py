"""Where the analysis commands write: checked before any work, written atomically, never over a file unasked.

:func:`check_output` refuses an output path that exists (unless ``force``),
that is one of the inputs (even with ``force``), or whose folder is a file or
cannot be written (or created, where it is missing). :func:`write_atomically`
creates a missing folder, as ``l2l run --out`` does, writes through a
temporary file in that folder and moves it into place, so a failure leaves no
file behind and a reader never sees half a file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable

from l2l.errors import ArgumentError, ConfigError, path_argument
from l2l.own_files import open_new
from l2l.switches import check_switch
from l2l.words import option

#: the resolutions a figure is written at (``--dpi``, ``dpi=``): below about 10 matplotlib fails on the figures'
#: smallest text (at 0 and below at once) with a traceback; far above 1200 a figure of 15 x 8.5 inches no longer
#: fits in memory
DPI_RANGE = (20, 1200)


def _name(name: str) -> str:
    """The argument ``name`` as a message names it: ``--dpi`` on the command line, ``dpi`` from Python."""
    return option(name).split("=")[0]


def check_dpi(dpi: object, name: str = "dpi") -> int:
    """``dpi`` (``--dpi``, or ``dpi=`` of :func:`l2l.plot.save` and :func:`l2l.analysis.report.report`) as an int,
    or a one-line :class:`ConfigError` before anything is read or written: a number outside :data:`DPI_RANGE`
    failed in matplotlib with a traceback, ``dpi="3"`` or NaN inside ``savefig``. numpy's integers are taken."""
    from l2l.parameters import plain

    low, high = DPI_RANGE
    value = plain(dpi)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentError(f"{_name(name)} must be an integer from {low} to {high} (dots per inch), got "
                            f"{type(value).__name__} {value!r:.60}")
    if not low <= value <= high:
        raise ConfigError(f"{_name(name)} must be an integer from {low} to {high} (dots per inch), got {value}")
    return value


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except (OSError, ValueError):  # ValueError: a NUL byte (check_output refuses it first)
        return False


def check_output(target: str | os.PathLike, *, force: bool = False, inputs: Iterable[str | os.PathLike] = (),
                 names: tuple[str, str] = ("output", "force")) -> Path:
    """``target`` as a Path if it may be written; :class:`ConfigError` (one line) if not. ``names``: the
    arguments that gave ``target`` and ``force``, as :func:`l2l.words.option` names them in the message
    (:func:`l2l.plot.save`'s ``path`` and ``overwrite``). ``force`` that is not True or False is refused
    (:func:`l2l.switches.check_switch`)."""
    path_argument(target, option(names[0]).rstrip("="))  # an int, None: one line naming the argument
    force = check_switch(force, names[1])
    text = os.fsdecode(target)
    for name in (*(os.fsdecode(source) for source in inputs), text):  # os.stat's "embedded null byte" names none
        if "\0" in name:
            raise ConfigError(f"{name!r} is no file name: it holds a NUL byte")
    if text.endswith(("/", os.sep)):  # Path() would drop the slash and write a file of the folder's name
        raise ConfigError(f"output {text!r} names a folder; give a file name in it")
    target = Path(text)
    for source in inputs:
        if _same(target, Path(os.fsdecode(source))):
            raise ConfigError(f"output {str(target)!r} is the input file {str(source)!r}; choose another "
                              f"{option(names[0])}")
    folder = target.parent
    while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
        folder = folder.parent  # a missing folder is created where its nearest existing one allows it
    if not folder.exists():  # a link to nowhere
        raise ConfigError(f"output {str(target)!r}: folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise ConfigError(f"output {str(target)!r}: {str(folder)!r} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"output {str(target)!r}: folder {str(folder)!r} is not writable")
    if target.is_dir():
        raise ConfigError(f"output {str(target)!r} is a folder; give a file name")
    if (target.exists() or target.is_symlink()) and not force:
        raise ConfigError(f"output {str(target)!r} already exists; choose another {option(names[0])}, or add "
                          f"{option(names[1])} to overwrite it")
    return target


def write_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary path)``, then move the result to ``target`` (replacing a symlink, not its target)."""
    try:  # only now, so that a command that fails before it writes leaves no new folder behind
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"output {str(target)!r}: cannot create the folder {str(target.parent)!r}: "
                          f"{exc.strerror or exc}") from None
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        os.close(open_new(tmp))  # ours before ``write`` opens it: a link planted at the name is not written through
        write(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise ConfigError(f"cannot write {str(target)!r}: {exc.strerror or exc}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return target
