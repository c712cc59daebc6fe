"""Check a file against the trajectory spec (SPEC.md); list every problem found."""

from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import numpy as np

from l2l.errors import ConfigError, TrajectoryError
from l2l.results_schema import codec
from l2l.results_schema.layout import (BLOBS, EVALUATION_COLUMNS, FORMAT, GENERATION_COLUMNS, SCHEMA_VERSION,
                                       STATUS_CODES, SUMMARY_STATISTICS)
from l2l.results_schema.reader import open_file
from l2l.results_schema.writer import committed_generations, committed_rows
from l2l.space import Space

REQUIRED_RUN_ATTRS = ("name", "seed", "config", "versions", "host", "created", "space", "objectives",
                      "optimizer", "simulator", "backend")


def validate(path: str | os.PathLike) -> list[str]:
    """Problems of the file at ``path`` (an empty list means it holds to the spec)."""
    path = Path(path)
    try:
        f = open_file(path)
    except TrajectoryError as exc:
        return [str(exc)]
    problems: list[str] = []
    try:
        _check(f, problems)
    except (KeyError, ValueError, TypeError, TrajectoryError, ConfigError) as exc:
        problems.append(f"unreadable structure: {type(exc).__name__}: {exc}")
    finally:
        f.close()
    return problems


def _check(f: h5py.File, problems: list[str]) -> None:
    if f.attrs.get("format") != FORMAT:
        problems.append(f"root attribute 'format' must be {FORMAT!r}")
    if int(f.attrs.get("schema_version", -1)) != SCHEMA_VERSION:
        problems.append(f"root attribute 'schema_version' must be {SCHEMA_VERSION}")
    for group in ("run", "evaluations", "generations", "blobs"):
        if group not in f:
            problems.append(f"missing group /{group}")
    if problems:
        return
    run = f["run"]
    for key in REQUIRED_RUN_ATTRS:
        if key not in run.attrs:
            problems.append(f"/run lacks attribute {key!r}")
    for key in ("config", "versions", "space", "objectives"):
        if key in run.attrs:
            try:
                json.loads(run.attrs[key])
            except ValueError:
                problems.append(f"/run attribute {key!r} is not JSON")
    space = Space.from_json(json.loads(run.attrs["space"]))
    objectives = [o["name"] for o in json.loads(run.attrs["objectives"])]
    ev = f["evaluations"]
    rows = committed_rows(f)
    log = ev["committed"][:]
    if len(log) and (np.diff(log) < 0).any():
        problems.append("/evaluations/committed must never decrease")
    for name, dtype in EVALUATION_COLUMNS.items():
        if name not in ev:
            problems.append(f"missing column /evaluations/{name}")
        elif ev[name].dtype != dtype:
            problems.append(f"/evaluations/{name} has dtype {ev[name].dtype}, spec says {dtype}")
        elif ev[name].shape[0] < rows:
            problems.append(f"/evaluations/{name} has {ev[name].shape[0]} rows, fewer than the {rows} committed")
    for p in space.parameters:
        key = f"params/{p.name}"
        if key not in ev:
            problems.append(f"missing column /evaluations/{key}")
        elif ev[key].shape[1:] != tuple(p.shape) or ev[key].shape[0] < rows:
            problems.append(f"/evaluations/{key} has shape {ev[key].shape}, expected ({rows}, *{p.shape})")
    for name in objectives:
        if f"objectives/{name}" not in ev:
            problems.append(f"missing column /evaluations/objectives/{name}")
        elif ev[f"objectives/{name}"].shape[0] < rows:
            problems.append(f"/evaluations/objectives/{name} has fewer rows than committed")
    for name, item in ev["metrics"].items():
        if item.shape[0] < rows:
            problems.append(f"/evaluations/metrics/{name} has fewer rows than committed")
    if problems:
        return
    status = ev["status"][:rows]
    if len(status) and not np.isin(status, list(STATUS_CODES.values())).all():
        problems.append("/evaluations/status holds codes outside " + json.dumps(STATUS_CODES))
    ok = status == STATUS_CODES["ok"]
    for name in objectives:
        values = ev[f"objectives/{name}"][:rows]
        if not np.isfinite(values[ok]).all():
            problems.append(f"objective {name!r} is not finite in some evaluation with status ok")
    failed_without_text = (~ok) & (ev["error_length"][:rows] == 0)
    if failed_without_text.any():
        problems.append(f"{int(failed_without_text.sum())} failed evaluations have no error text")
    for kind, blob in (("error", "errors"), ("trace", "traces"), ("output", "outputs")):
        end = ev[f"{kind}_start"][:rows] + ev[f"{kind}_length"][:rows]
        if rows and int(end.max()) > f["blobs"][blob].shape[0]:
            problems.append(f"/evaluations/{kind}_start/_length point past the end of /blobs/{blob}")
    pairs = set(zip(ev["generation"][:rows].tolist(), ev["individual"][:rows].tolist()))
    if len(pairs) != rows:
        problems.append(f"{rows - len(pairs)} evaluations are stored twice (same generation and individual)")
    gen = f["generations"]
    g = committed_generations(f)
    for name in GENERATION_COLUMNS:
        if name not in gen or gen[name].shape[0] < g:
            problems.append(f"/generations/{name} is missing or shorter than {g} rows")
    for stat in SUMMARY_STATISTICS:
        for name in objectives:
            if f"{stat}/{name}" not in gen or gen[f"{stat}/{name}"].shape[0] < g:
                problems.append(f"/generations/{stat}/{name} is missing or short")
    if problems:
        return
    numbers = gen["generation"][:g]
    if g and not (numbers == np.arange(numbers[0], numbers[0] + g)).all():
        problems.append("/generations/generation must count up by one")
    counts = gen["evaluations"][:g]
    if g and (counts > rows).any():
        problems.append("/generations/evaluations exceeds the committed evaluations")
    states = f["blobs/states"]
    for i in range(g):
        start, length = int(gen["state_start"][i]), int(gen["state_length"][i])
        if start + length > states.shape[0]:
            problems.append(f"the state of generation {numbers[i]} points past the end of /blobs/states")
            break
    if g:
        start, length = int(gen["state_start"][g - 1]), int(gen["state_length"][g - 1])
        try:
            state = codec.decode(states[start:start + length])
            if not {"optimizer", "loop"} <= set(state):
                problems.append("the last optimizer state lacks 'optimizer' or 'loop'")
        except TrajectoryError as exc:
            problems.append(f"the last optimizer state does not decode: {exc}")
    for name, dtype in BLOBS.items():
        if f["blobs"][name].dtype != dtype:
            problems.append(f"/blobs/{name} has dtype {f['blobs'][name].dtype}, spec says {dtype}")
