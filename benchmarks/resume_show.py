"""``l2l show`` and ``l2l resume`` time against file size, beside the full-table reading they replace.

Files of 10,000, 100,000 and 1,000,000 evaluations are written by real runs
(random search, population 10,000, 1 to 100 generations, the ``sphere``
function over two parameters, serial backend, seed 1). On each file:

- ``show``: ``l2l show FILE`` in this process (output discarded);
- ``resume``: ``l2l resume FILE`` of the finished run (nothing left to evaluate: the cost of reopening,
  checking, repairing nothing and printing the result), on a fresh copy each time.

"full read" is the same command with the running statistics ignored and every
row read, as ``show`` and ``resume`` did before (``Trajectory.evaluations``).
Each figure is the median of ``--repeats`` runs, with the range.

Target: the time at 1,000,000 rows at most twice the time at 10,000 rows (no
full-table read), for show and for resume.

Run: ``python benchmarks/resume_show.py [--sizes 10000 100000 1000000] [--repeats 5]``.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import l2l
from l2l.cli import main as cli
from l2l.results_schema import reader

POPULATION = 10_000


def config(generations: int):
    return l2l.from_mapping({"run": {"name": "scale", "seed": 1, "generations": generations},
                             "space": {"x": {"low": -2.0, "high": 2.0}, "y": {"low": -2.0, "high": 2.0}},
                             "optimizer": {"name": "random", "population_size": POPULATION},
                             "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})


@contextlib.contextmanager
def full_read():
    """Show and resume as before the running statistics: every row read."""
    statistics, recent = reader.Trajectory.statistics, reader.Trajectory.check_recent_rows
    reader.Trajectory.statistics = lambda self: None
    reader.Trajectory.check_recent_rows = lambda self, count=None: self.evaluations(errors=False)
    try:
        yield
    finally:
        reader.Trajectory.statistics, reader.Trajectory.check_recent_rows = statistics, recent


def timed(command: list[str]) -> float:
    with contextlib.redirect_stdout(io.StringIO()):
        started = time.perf_counter()
        code = cli(command)
        seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"{' '.join(command)} ended with status {code}")
    return seconds


def measure(path: Path, folder: Path, repeats: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"show": [], "resume": [], "show_full_read": [], "resume_full_read": []}
    copy = folder / "resumed_copy.h5"
    timed(["show", str(path)])  # once untimed: imports and the first read of the file
    for _ in range(repeats):
        for full in (False, True):
            suffix = "_full_read" if full else ""
            with full_read() if full else contextlib.nullcontext():
                out["show" + suffix].append(timed(["show", str(path)]))
                shutil.copyfile(path, copy)
                out["resume" + suffix].append(timed(["resume", str(copy), "--no-progress"]))
                copy.unlink()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--folder", type=Path, help="keep the files here and reuse them (default: a temporary "
                                                     "folder)")
    args = parser.parse_args()
    results, loads = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for rows in args.sizes:
            path = folder / f"run_{rows}.h5"
            if not path.exists():
                started = time.perf_counter()
                with contextlib.redirect_stdout(io.StringIO()):
                    l2l.run(config(max(1, rows // POPULATION)), path)
                print(f"{rows:>10,} rows written in {time.perf_counter() - started:.1f} s", flush=True)
            before = os.getloadavg()[0]
            results[rows] = measure(path, folder, args.repeats)
            loads[rows] = (before, os.getloadavg()[0])
    print(f"\nseconds, median (range) of {args.repeats}; load average: the machine's before and after")
    print(f"{'rows':>10} {'show':>22} {'show, full read':>22} {'resume':>22} {'resume, full read':>22}"
          f"{'load average':>16}")
    for rows, figures in results.items():
        cells = [f"{np.median(v):.3f} ({min(v):.3f}-{max(v):.3f})" for v in
                 (figures["show"], figures["show_full_read"], figures["resume"], figures["resume_full_read"])]
        print(f"{rows:>10,} " + " ".join(f"{c:>22}" for c in cells) +
              f"{loads[rows][0]:>10.1f}, {loads[rows][1]:.1f}")
    small, large = min(results), max(results)
    ratio = {kind: float(np.median(results[large][kind]) / np.median(results[small][kind]))
             for kind in ("show", "resume", "show_full_read", "resume_full_read")}
    print(f"\ntime at {large:,} rows over time at {small:,} rows: " +
          ", ".join(f"{kind} {value:.2f}x" for kind, value in ratio.items()))
    summary = {"sizes": list(results), "repeats": args.repeats,
               **{f"{kind}_s": {str(rows): round(float(np.median(figures[kind])), 4) for rows, figures in
                                results.items()} for kind in ("show", "resume", "show_full_read",
                                                              "resume_full_read")},
               "growth_small_to_large": {kind: round(value, 2) for kind, value in ratio.items()},
               "load_average": {str(rows): [round(a, 2), round(b, 2)] for rows, (a, b) in loads.items()},
               "targets_met": bool(ratio["show"] <= 2.0 and ratio["resume"] <= 2.0)}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
