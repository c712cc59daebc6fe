"""``l2l checkpoint FILE``: the trained model out of a run, the checkpoint a learner's training ended with.

What :func:`l2l.checkpoint` returns, on the command line: without ``-o`` it lists what the checkpoint holds; with
``-o`` a ``command`` program's checkpoint is written back as its files into a folder (as the program would find them
in its ``{checkpoint_dir}``), and the dict a ``python`` training function returned is written as an ``.npz`` of its
arrays (no pickle: ``numpy.load(..., allow_pickle=False)`` reads it). Registered by :mod:`l2l.cli` through
:func:`register`.
"""

from __future__ import annotations

import argparse
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from l2l.errors import ConfigError, TrajectoryError, command, shown
from l2l.numbers import number


#: What makes a second entry's name unique where two flatten to one ``/``-joined name: ``a/b (2)``.
DUPLICATE_SUFFIX = " ({n})"


def arrays(checkpoint: dict[str, Any], renamed: list[str] | None = None) -> tuple[dict[str, np.ndarray], list[str]]:
    """The arrays of a checkpoint dict, by name (nested dicts and lists joined by ``/``: ``net/layers/0``), and the
    names of its ``None`` values, which an ``.npz`` without pickle cannot hold. A list of numbers only, or of strings
    only, is one array; any other list is an entry per element. Where two entries flatten to one name (a key
    ``"a/b"`` and a nested ``{"a": {"b": ...}}``), the later is named ``a/b (2)`` (:data:`DUPLICATE_SUFFIX`; before,
    one of them was lost) and a line saying so is added to ``renamed``."""
    out: dict[str, np.ndarray] = {}
    empty: list[str] = []

    def unique(name: str, keys: tuple) -> str:
        if name not in out and name not in empty:
            return name
        n = 2
        while f"{name}{DUPLICATE_SUFFIX.format(n=n)}" in out or f"{name}{DUPLICATE_SUFFIX.format(n=n)}" in empty:
            n += 1
        new = f"{name}{DUPLICATE_SUFFIX.format(n=n)}"
        if renamed is not None:
            renamed.append(f"the entry checkpoint{''.join(f'[{key!r}]' for key in keys)} is named {new!r}: "
                           f"{name!r} is an entry before it (keys joined by '/')")
        return new

    def walk(name: str, value: Any, keys: tuple) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{name}/{key}" if name else str(key), item, (*keys, key))
        elif isinstance(value, (list, tuple)) and not _plain(value):
            for index, item in enumerate(value):
                walk(f"{name}/{index}", item, (*keys, index))
        elif value is None:
            empty.append(unique(name, keys))
        else:
            array = np.asarray(value)
            if array.dtype == object:  # integers beyond 64 bits (a numpy generator's bit_generator.state, which
                # docs/multifidelity.md says to keep): an object array, which numpy.load(allow_pickle=False) refused
                array = np.asarray(value, dtype=str)
                if renamed is not None:
                    renamed.append(f"the entry {name!r} holds integers beyond 64 bits: written as their decimal "
                                   f"text (int(str(...)) gives the number again)")
            out[unique(name, keys)] = array

    walk("", checkpoint, ())
    return out, empty


def _plain(values: list | tuple) -> bool:
    """Whether a list is one array: numbers only (booleans included) or strings only, or empty."""
    numbers = all(isinstance(v, (bool, int, float, np.number, np.bool_)) for v in values)
    return numbers or all(isinstance(v, str) for v in values)


def _is_command(stored: Any) -> bool:
    return isinstance(stored, dict) and stored.get("simulator") == "command" and isinstance(stored.get("files"), dict)


def _header(path: str, trial: int, budget: float, chosen: bool, unit: str) -> str:
    whose = f"trial {trial}" + (" (the best learner, l2l.best)" if chosen else "")
    return f"{shown(path)}: the checkpoint of {whose}, left by its segment to {number(budget)} {unit}"


def _array_lines(found: dict[str, np.ndarray], empty: list[str]) -> list[str]:
    width = max([len(name) for name in [*found, *empty]] + [4])
    lines = [f"{shown(name):<{width}}  {str(array.dtype):<8}  {tuple(array.shape)}" for name, array in found.items()]
    return lines + [f"{shown(name):<{width}}  None      (not in an .npz: it holds no value)" for name in empty]


def _file_lines(stored: dict[str, Any]) -> list[str]:
    from l2l.results_schema.checkpoint_store import size_text

    files, links = stored.get("files", {}), stored.get("links") or {}
    lines = [f"{shown(name)}  {size_text(np.asarray(content).size)}" for name, content in sorted(files.items())]
    for name, content in sorted(links.items()):
        target = np.asarray(content, dtype=np.uint8).tobytes().decode("utf-8", errors="replace")
        lines.append(f"{shown(name)} -> {shown(target)}  (symbolic link)")
    return lines


def _targets(folder: Path, stored: dict[str, Any]) -> list[Path]:
    """The paths the checkpoint's files and links take under ``folder``; ConfigError (one line) for a name that
    leads outside it, also through a folder in it that is a symbolic link to elsewhere."""
    root = folder.resolve()
    out = []
    for relative in [*stored.get("files", {}), *(stored.get("links") or {})]:
        parts = Path(relative).parts
        if not relative or Path(relative).is_absolute() or ".." in parts:
            raise TrajectoryError(f"the checkpoint names a file outside its folder: {relative!r} (nothing written)")
        target = folder.joinpath(*parts)
        if not target.parent.resolve().is_relative_to(root):
            raise ConfigError(f"{shown(target)} would be written outside {shown(folder)}: {shown(target.parent)} "
                              f"leads elsewhere (a symbolic link); choose an empty folder (nothing written)")
        out.append(target)
    return out


def _write_folder(folder: Path, stored: dict[str, Any], force: bool) -> None:
    """Write a command program's checkpoint into ``folder``: refused (nothing written) where ``folder`` is a file,
    or where a file of the checkpoint exists there and ``force`` is not given; never outside ``folder``."""
    from l2l.errors import EvaluationError
    from l2l.simulators.command_checkpoint import write_checkpoint_dir

    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--out {shown(folder)} is a file, not a folder: a command program's checkpoint is its "
                          f"files, written into a folder; choose another --out")
    if not folder.exists() and folder.suffix.lower() == ".npz":  # (before: a folder named best.npz was made)
        names = sorted(stored.get("files") or {})
        held = f" ({', '.join(names[:3])}{', ...' if len(names) > 3 else ''})" if names else ""
        raise ConfigError(f"--out {shown(folder)} names an .npz file, but this checkpoint is a command program's "
                          f"files{held}, written into a folder: give a folder, e.g. --out "
                          f"{shown(folder.with_suffix(''))}")
    for part in [folder, *folder.parents]:  # a file on the way (a/b where a is a file): said, not mkdir's words
        if part.exists() and not part.is_dir():
            raise ConfigError(f"--out {shown(folder)}: {shown(part)} is a file, not a folder")
    targets = _targets(folder, stored)
    there = [t for t in targets if t.exists() or t.is_symlink()]
    folders = [t for t in there if t.is_dir() and not t.is_symlink()]
    if folders:
        raise ConfigError(f"{shown(folders[0])} is a folder, where the checkpoint has a file of that name; choose "
                          f"another --out (nothing written)")
    if there and not force:
        more = f" and {len(there) - 1} more" if len(there) > 1 else ""
        raise ConfigError(f"{shown(there[0])}{more} already exist{'s' * (len(there) == 1)}; choose another --out, "
                          f"or add --force to overwrite (nothing written)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_checkpoint_dir(folder, stored)
    except EvaluationError as exc:
        raise TrajectoryError(f"the checkpoint: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot write into {shown(folder)}: {exc.strerror or exc}") from None


def _write_npz(target: str, found: dict[str, np.ndarray], inputs: list[str], force: bool) -> Path:
    from l2l.analysis.outputs import check_output, write_atomically

    if not target.endswith(".npz"):
        raise ConfigError(f"--out must name an .npz file for a checkpoint that is the dict a training function "
                          f"returned (its arrays, by name), e.g. best.npz, got {shown(target)!r}")
    out = check_output(target, force=force, inputs=inputs, names=("out", "force"))

    def write(tmp: Path) -> None:
        # as numpy.savez writes, without its keyword arguments: an entry named 'file' made it raise TypeError, one
        # named 'allow_pickle' was taken for that option and lost
        with open(tmp, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED, allowZip64=True) as zipped:
            for name, array in found.items():
                with zipped.open(f"{name}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=True)

    return write_atomically(out, write)


def _checkpoint(args: argparse.Namespace) -> int:
    from l2l.commands import missing
    from l2l.analysis.checkpoints import latest_checkpoint
    from l2l.results_schema.reader import Trajectory

    if missing(args.file):
        raise TrajectoryError(missing(args.file))
    if args.out is not None and not args.out.strip():
        raise ConfigError(f"--out must name a folder (a command program's checkpoint) or an .npz file, got "
                          f"{args.out!r} (leave it out to list the checkpoint)")
    if args.force and args.out is None:
        raise ConfigError("--force overwrites files --out writes; without --out nothing is written")
    trial, budget, stored = latest_checkpoint(args.file, args.trial)
    with Trajectory(args.file) as trajectory:
        fidelity = trajectory.run.get("fidelity")
    unit = str((fidelity or {}).get("unit") or (fidelity or {}).get("name") or "budget") \
        if isinstance(fidelity, dict) else "budget"
    header = _header(args.file, trial, budget, args.trial is None, unit)
    if _is_command(stored):
        if args.out is None:
            print("\n".join([header, *_file_lines(stored)]))
            print(f"(a command program's checkpoint folder; write it out with "
                  f"{command('l2l', 'checkpoint', args.file, '--trial', str(trial), '--out', 'DIR')})")
            return 0
        folder = Path(args.out)
        _write_folder(folder, stored, args.force)  # refused before a line is printed
        count = len(stored["files"]) + len(stored.get("links") or {})
        print("\n".join([header, *_file_lines(stored)]))
        print(f"wrote {count} file{'s' * (count != 1)} into {shown(folder)}")
        return 0
    renamed: list[str] = []
    found, empty = arrays(stored, renamed)
    lines = [header, *(_array_lines(found, empty) if found or empty else ["(an empty dict)"]), *renamed]
    if args.out is not None:
        if Path(args.out).is_dir():
            raise ConfigError(f"--out {shown(args.out)} is a folder: the checkpoint of trial {trial} is the dict its "
                              f"training function returned, written as one .npz file; give a file name, e.g. "
                              f"{shown(os.path.join(args.out, 'best.npz'))}")
        lines.append(shown(_write_npz(args.out, found, [args.file], args.force)))
    print("\n".join(lines))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``checkpoint`` to the ``l2l`` command line."""
    p = subparsers.add_parser(
        "checkpoint", help="the trained model: the checkpoint the best learner's training ended with",
        description="List the checkpoint a candidate's training ended with (the best learner's, as l2l.best "
                    "chooses it, or --trial's latest), or write it out with --out: a command program's files "
                    "into a folder, as the program would find them in its {checkpoint_dir}; a python training "
                    "function's dict as an .npz of its arrays (nested keys joined by '/', no pickle). Runs with "
                    "a [policy] or run.inherit keep checkpoints; l2l.checkpoint(FILE) is the same from Python.")
    p.add_argument("file", help="trajectory (.h5)")
    p.add_argument("--trial", type=int, help="the candidate (the trial column of l2l.load; default: the best)")
    p.add_argument("-o", "--output", "--out", dest="out", metavar="OUT",
                   help="a folder for a command program's checkpoint files, an .npz file for a python function's "
                        "(default: list what the checkpoint holds, write nothing)")
    p.add_argument("--force", action="store_true", help="overwrite files of the same names in --out")
    p.set_defaults(func=_checkpoint)
