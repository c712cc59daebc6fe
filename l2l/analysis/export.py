"""The evaluations table of a trajectory as a file other tools read: CSV, or Parquet with pyarrow.

CSV: one row per evaluation, columns as in :func:`l2l.load`; ``started`` is
an ISO 8601 time in UTC to the nanosecond (``2024-05-01 12:00:00.123456789+00:00``),
categories are their text, error texts are quoted. Read it back exactly with
``pandas.read_csv(path, parse_dates=["started"])``.

``reevaluations``: the re-evaluation rows instead (``l2l.load(path, reevaluations=True)``: one row per candidate and
fresh seed). ``provenance``: a small JSON beside the output (``paper.csv`` -> ``paper.provenance.json``) with what a
reviewer needs to know about the rows without l2l: the run's config, seed, versions, host, each session's model code
hash and hosts, the backend, the fresh seeds, and the exported file's sha256 (:func:`provenance_record`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from l2l.analysis.outputs import check_output, check_switch, write_atomically
from l2l.errors import ConfigError, path_argument, shown
from l2l.results_schema.reader import Trajectory, load
from l2l.words import call, option

FORMATS = {"csv": ".csv", "parquet": ".parquet"}
#: Suffixes of other data formats: an output named so and no format given would get CSV under a name that says
#: otherwise (``-o runs.json`` wrote CSV into a .json file without a word).
OTHER_FORMATS = {".json": "JSON", ".jsonl": "JSON lines", ".xlsx": "Excel", ".xls": "Excel", ".h5": "HDF5",
                 ".hdf5": "HDF5", ".feather": "Feather", ".pkl": "pickle", ".pickle": "pickle", ".tsv": "TSV",
                 ".npy": "NumPy", ".npz": "NumPy", ".mat": "MATLAB"}


def default_output(path: str | os.PathLike, format: str, reevaluations: bool = False) -> Path:
    return Path(path).with_suffix((".reevaluations" if reevaluations else "") + FORMATS[format])


def provenance_output(target: str | os.PathLike) -> Path:
    """Where the provenance JSON of an export to ``target`` goes: ``paper.csv`` -> ``paper.provenance.json``."""
    return Path(target).with_suffix(".provenance.json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def provenance_record(trajectory: Trajectory, exported: dict[str, Any]) -> dict[str, Any]:
    """The provenance JSON of an export (``exported``: the written file's name, format, rows, view, sha256): the
    run's ``/run`` attributes (config, seed, versions, host, user, created, optimizer, simulator, backend), each
    session's record (:func:`l2l.sessions.session_records`: its model code's sha256, the driver's host
    and CPU, the hosts its evaluations ran on), and the fresh seeds of the re-evaluation and the nodes it ran on
    (``hosts``, and ``hosts_not_recorded``: rows without one; ``changed_model``: the sha256 of model code other than
    the run's that rows ran, ``--accept-changed-model``, with their count), if any. Nothing in it
    depends on when or where it is written, so two exports of one file give the same JSON."""
    from l2l.sessions import reevaluation_hosts, session_records

    run = dict(trajectory.run)
    reevaluated = None
    if trajectory.has_reevaluations:
        rows = trajectory.reevaluations(errors=False)
        seeds = [int(seed) for seed in rows.sort_values("repeat", kind="stable")["seed"].drop_duplicates()]
        hosts = reevaluation_hosts(rows) or {}
        # rows of model code other than the run's (--accept-changed-model): that code's sha256 and its rows
        changed = rows["model"].dropna().value_counts(sort=False) if "model" in rows.columns else None
        reevaluated = {"rows": int(len(rows)), "fresh_seeds": seeds, "hosts": hosts.get("hosts", {}),
                       **({"hosts_not_recorded": hosts["not_recorded"]} if hosts.get("not_recorded") else {}),
                       **({"changed_model": {str(digest): int(count) for digest, count in sorted(changed.items())}}
                          if changed is not None and len(changed) else {}),
                       "read with": f"l2l export FILE --reevaluations (l2l.load(FILE, reevaluations=True))"}
    return {"exported": exported, "trajectory": Path(trajectory.path).name,
            "run": {key: run[key] for key in ("name", "seed", "created", "host", "user", "versions", "optimizer",
                                              "simulator", "backend", "objectives", "space", "config", "fidelity")
                    if key in run},
            "sessions": session_records(trajectory.events()), "reevaluations": reevaluated}


def export(path: str | os.PathLike, format: str | None = None, out: str | os.PathLike | None = None,
           force: bool = False, segments: bool = False, reevaluations: bool = False,
           provenance: bool = False) -> Path | None:
    """Write the evaluations of ``path`` to ``out`` (default: beside it); ``out='-'`` writes CSV to stdout.

    ``reevaluations``: the re-evaluation rows instead (default output ``FILE.reevaluations.csv``); refused for a run
    not re-evaluated. ``provenance``: also :func:`provenance_record` as JSON beside ``out``
    (:func:`provenance_output`), checked and written with it (not with ``out='-'``).

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
    path = path_argument(path)  # an int, '' or None: one line naming the argument, before any file is touched
    suffix = path_argument(out, "out").suffix.lower() if out is not None and str(out) != "-" else ""
    named = next((name for name, ending in FORMATS.items() if ending == suffix), None)
    asked = format
    if format is None:
        format = named or "csv"
    if not isinstance(format, str) or format not in FORMATS:
        raise ConfigError(f"{option('format')} must be one of {', '.join(FORMATS)}, got {format!r:.60}")
    for key, value in (("segments", segments), ("reevaluations", reevaluations), ("provenance", provenance)):
        check_switch(value, key)
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
    if provenance and str(out) == "-":
        raise ConfigError(f"{option('provenance')} writes a file beside the output; give a file as "
                          f"{option('output')}, not standard output")
    if reevaluations and segments:
        raise ConfigError(f"{option('reevaluations')} exports the re-evaluation rows, which have no segments: "
                          f"leave out {option('segments')}")
    target = None if str(out) == "-" else \
        check_output(out if out else default_output(path, format, reevaluations), force=force, inputs=[path])
    if asked is None and suffix in OTHER_FORMATS:  # after the checks of the name itself (the input file)
        raise ConfigError(f"{option('output', out)} names a {suffix} file ({OTHER_FORMATS[suffix]}), and l2l export "
                          f"writes CSV or Parquet: give {option('output', Path(str(out)).with_suffix('.csv'))} or "
                          f"{option('format', 'csv')} to write CSV under that name (or from pandas: "
                          f"l2l.load({str(path)!r}) gives the table)")
    beside = check_output(provenance_output(target), force=force, inputs=[path]) if provenance else None
    if beside is not None and beside == target:
        raise ConfigError(f"{option('output', out)} is where the provenance JSON goes; choose another name")
    if reevaluations:
        with Trajectory(path) as trajectory:
            if not trajectory.has_reevaluations:
                raise ConfigError(f"{shown(path)} holds no re-evaluation: run {call('reevaluate', str(path))} first, "
                                  f"or export the evaluations (without {option('reevaluations')})")
    frame = load(path, segments=segments, reevaluations=reevaluations)
    if target is None:
        frame.to_csv(sys.stdout, index=False)
        return None
    if format == "csv":
        written = write_atomically(target, lambda tmp: frame.to_csv(tmp, index=False))
    else:
        written = write_atomically(target, lambda tmp: frame.to_parquet(tmp, index=False))
    if beside is not None:
        view = "reevaluations" if reevaluations else "segments" if segments else "evaluations"
        with Trajectory(path) as trajectory:
            record = provenance_record(trajectory, {"file": written.name, "format": format, "rows": int(len(frame)),
                                                    "view": view, "sha256": _sha256(written)})
        text = json.dumps(record, indent=2, default=str) + "\n"
        write_atomically(beside, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return written
