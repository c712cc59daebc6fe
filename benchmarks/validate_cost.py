"""``l2l validate`` against the length of a run: seconds per file and per generation.

Files (seeded, built once and cached under ``/tmp/l2l-validate-cost/``; delete the folder to build them again):

- ``ga-G``: G = 10, 300, 1,000 and 5,000 generations of a GA (population 8) on the ``sphere`` function of a
  3-vector and a scalar, serial backend, seed 1: one state per generation (8 KB each: the GA keeps Python's
  random generator, 625 integers), one running-statistics record per generation, 8 rows each;
- ``pbt``: PBT (population 8, interval 5) of the ``noisy-sgd`` learner (max_budget 1,000), seed 1: 1,600
  segments, each with a checkpoint in the file, and a state chain (schema version 3: full states and deltas);
- ``asha-store``: ASHA (eta 3, budgets 1 to 243, 300 candidates) of ``noisy-sgd`` with ``run.checkpoints =
  "beside"``: every checkpoint in the folder beside the trajectory, each read back and hashed by validate.

Each figure is the least of ``--repeats`` calls of :func:`l2l.validate` in this process (the file's pages in the
OS cache after the first: what a kill test or a user calling it twice sees), wall and CPU seconds (the machine
is shared: CPU seconds vary less with the others' load); every file must validate.

Target: validate on the 5,000-generation file in under 1 s of CPU on the 2-core AMD EPYC this project is
measured on (``targets_met``).

Run: ``python benchmarks/validate_cost.py [--repeats 5] [--only ga-10 ga-300 ...]``. The last line is one JSON
object. To time older code, run this script from a ``git archive`` snapshot with ``PYTHONPATH`` at it; the cached
files are shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import l2l

FOLDER = Path(os.environ.get("L2L_VALIDATE_COST_DIR", "/tmp/l2l-validate-cost"))
GENERATIONS = (10, 300, 1000, 5000)
TARGET_SECONDS = 1.0  # the 5,000-generation file


def ga_config(generations: int):
    return l2l.from_mapping({
        "run": {"name": f"ga-{generations}", "seed": 1, "generations": generations},
        "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [3]}, "y": {"low": -2.0, "high": 2.0}},
        "optimizer": {"name": "ga", "population_size": 8}, "simulator": {"name": "sphere"},
        "backend": {"name": "serial"}})


def pbt_config():
    return l2l.from_mapping({
        "run": {"name": "pbt", "seed": 1}, "space": {"learning_rate": {"low": 1e-3, "high": 0.19, "log": True}},
        "optimizer": {"name": "random"}, "simulator": {"name": "noisy-sgd", "max_budget": 10000},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "policy": {"name": "pbt", "population": 8, "interval": 5}, "backend": {"name": "serial"}})


def asha_config():
    return l2l.from_mapping({
        "run": {"name": "asha", "seed": 1, "checkpoints": "beside"},
        "space": {"learning_rate": {"low": 1e-3, "high": 0.19, "log": True}},
        "optimizer": {"name": "random"}, "simulator": {"name": "noisy-sgd", "max_budget": 243},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "policy": {"name": "asha", "eta": 3, "min_budget": 1, "max_budget": 243, "max_candidates": 2000}, "backend": {"name": "serial"}})


def files() -> dict[str, tuple]:
    out = {f"ga-{g}": (ga_config, (g,)) for g in GENERATIONS}
    out["pbt"] = (pbt_config, ())
    out["asha-store"] = (asha_config, ())
    return out


def build(name: str) -> Path:
    """The cached file ``name``, run now if missing (into a temporary name, renamed when the run is done)."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    path = FOLDER / f"{name}.h5"
    if path.exists():
        return path
    make, args = files()[name]
    partial = FOLDER / f"{name}.partial-{os.getpid()}.h5"
    started = time.perf_counter()
    l2l.run(make(*args), partial)
    store = partial.with_name(partial.name + ".checkpoints")
    if store.exists():  # the folder beside follows the file's name
        store.rename(path.with_name(path.name + ".checkpoints"))
    partial.rename(path)
    print(f"built {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def facts(path: Path) -> dict:
    from l2l.results_schema.reader import Trajectory

    with Trajectory(path) as trajectory:
        return {"generations": int(trajectory.n_generations), "rows": int(trajectory.n_evaluations),
                "bytes": path.stat().st_size}


def json_floor(path: Path, repeats: int) -> float:
    """The least CPU seconds of parsing the JSON headers of every generation's state and statistics record (read
    whole beforehand): what any check that each of them still decodes costs at least."""
    import struct

    import h5py

    headers = []
    with h5py.File(path, "r") as f:
        for blob, column in (("states", "state"), ("statistics", "statistics")):
            data = f[f"blobs/{blob}"][:].tobytes()
            for start, length in zip(f[f"generations/{column}_start"][:].tolist(),
                                     f[f"generations/{column}_length"][:].tolist()):
                size = struct.unpack("<Q", data[start + 4:start + 12])[0]
                headers.append(data[start + 12:start + 12 + size].decode("utf-8"))
    best = float("inf")
    for _ in range(repeats):
        used = time.process_time()
        for header in headers:
            json.loads(header)
        best = min(best, time.process_time() - used)
    return best


def time_validate(path: Path, repeats: int) -> tuple[float, float]:
    """The least wall and CPU seconds of ``repeats`` calls (the machine is shared: CPU seconds say more)."""
    wall = cpu = float("inf")
    for _ in range(repeats):
        started, used = time.perf_counter(), time.process_time()
        problems = l2l.validate(path)
        wall, cpu = min(wall, time.perf_counter() - started), min(cpu, time.process_time() - used)
        if problems:
            raise SystemExit(f"{path}: {problems[0]}")
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None, help="file names (ga-10, ga-300, ..., pbt, asha-store)")
    args = parser.parse_args()
    names = args.only or list(files())
    results = {}
    for name in names:
        path = build(name)
        seconds, cpu = time_validate(path, args.repeats)
        floor = json_floor(path, args.repeats)
        info = facts(path)
        per = cpu / max(info["generations"], 1)
        results[name] = {**info, "seconds": round(seconds, 4), "cpu_seconds": round(cpu, 4),
                         "cpu_ms_per_generation": round(per * 1e3, 4),
                         "cpu_us_per_row": round(cpu / max(info["rows"], 1) * 1e6, 2),
                         "json_floor_cpu_seconds": round(floor, 4)}
        print(f"{name:>11}: {info['generations']:>5} generations {info['rows']:>6} rows "
              f"{info['bytes'] / 2 ** 20:5.1f} MiB  validate {seconds:6.3f} s wall {cpu:6.3f} s CPU "
              f"({per * 1e3:6.3f} ms/generation, {cpu / max(info['rows'], 1) * 1e6:5.1f} us/row); the states' "
              f"and records' JSON alone {floor:6.3f} s CPU")
    met = results.get("ga-5000", {}).get("cpu_seconds")
    print(json.dumps({"benchmark": "validate_cost", "repeats": args.repeats, "files": results,
                      "target_cpu_seconds_ga_5000": TARGET_SECONDS,
                      "targets_met": None if met is None else bool(met < TARGET_SECONDS)}))


if __name__ == "__main__":
    main()
