"""The evaluations table of a trajectory as a file other tools read: CSV, or Parquet with pyarrow.

CSV: one row per evaluation, columns as in :func:`l2l.load`; ``started`` is
an ISO 8601 time in UTC to the nanosecond (``2024-05-01 12:00:00.123456789+00:00``),
categories are their text, error texts are quoted. Read it back exactly with
``pandas.read_csv(path, parse_dates=["started"])``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from l2l.analysis.outputs import check_output, write_atomically
from l2l.errors import ConfigError
from l2l.results_schema.reader import load
from l2l.words import option

FORMATS = {"csv": ".csv", "parquet": ".parquet"}


def default_output(path: str | os.PathLike, format: str) -> Path:
    return Path(path).with_suffix(FORMATS[format])


def export(path: str | os.PathLike, format: str | None = None, out: str | os.PathLike | None = None,
           force: bool = False, segments: bool = False) -> Path | None:
    """Write the evaluations of ``path`` to ``out`` (default: beside it); ``out='-'`` writes CSV to stdout.

    ``format`` is ``csv`` or ``parquet``; without it, the one ``out``'s suffix names (``.parquet``), else CSV. A
    format that another format's suffix of ``out`` contradicts (``--format csv -o x.parquet``) is refused.

    A run with a ``[policy]`` gives one row per candidate at its highest budget, as :func:`l2l.load` does, or
    with ``segments`` one row per segment (every evaluation), as ``l2l.load(path, segments=True)`` does; a run
    without a policy has one row per evaluation either way.

    Raises :class:`ConfigError` for an unknown format, for Parquet without
    pyarrow (install the ``parquet`` extra), and for an output that exists
    (unless ``force``), is the trajectory itself, or whose folder is a file
    or not writable (a missing folder is created); :class:`~l2l.errors.TrajectoryError`
    for a file that is not a readable trajectory. The file appears complete or not at all.
    """
    suffix = Path(str(out)).suffix.lower() if out is not None and str(out) != "-" else ""
    named = next((name for name, ending in FORMATS.items() if ending == suffix), None)
    if format is None:
        format = named or "csv"
    if format not in FORMATS:
        raise ConfigError(f"{option('format')} must be one of {', '.join(FORMATS)}, got {format!r}")
    if named is not None and named != format:
        raise ConfigError(f"{option('output', out)} names a {named} file and {option('format')} is {format}: give "
                          f"{option('output', Path(str(out)).with_suffix(FORMATS[format]))} or "
                          f"{option('format', named)}")
    if format == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise ConfigError(f"{option('format', 'parquet')} needs pyarrow, which is not installed: "
                          f"pip install 'l2l[parquet]' (or pip install pyarrow), or use {option('format', 'csv')}")
    if str(out) == "-" and format != "csv":
        raise ConfigError(f"only {option('format', 'csv')} can be written to standard output "
                          f"({option('output', '-')})")
    target = None if str(out) == "-" else \
        check_output(out if out else default_output(path, format), force=force, inputs=[path])
    frame = load(path, segments=segments)
    if target is None:
        frame.to_csv(sys.stdout, index=False)
        return None
    if format == "csv":
        return write_atomically(target, lambda tmp: frame.to_csv(tmp, index=False))
    return write_atomically(target, lambda tmp: frame.to_parquet(tmp, index=False))
