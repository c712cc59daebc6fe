"""What Brian2's compiled-code cache saves: two runs of the same Brian2 model with target = "cython", each a new
l2l process, sharing one cache folder (l2l's cache per host) — the first run compiles every code object, as every
run did when each worker process had a cache of its own; the second loads them.

    python benchmarks/brian2_cache.py [--backend serial|local] [--evaluations 4] [--neurons 100]

The model is examples/brian2_network.py's balanced network (its sweep, examples/brian2_sweep.toml, made small).
Prints per run the wall time, the compiled modules added to the cache and each evaluation's duration (in the
order they started: on ``local`` the first one on each worker includes its compilation); last line one JSON object. Target: the
second run compiles nothing and takes less time than the first.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """[run]
name = "brian2-cache-{index}"
seed = 1
evaluations = {evaluations}

[space]
g = {{ type = "float", low = 3.0, high = 8.0 }}
eta = {{ type = "float", low = 0.5, high = 2.5 }}

[optimizer]
name = "random"
population_size = {evaluations}

[simulator]
name = "brian2"
function = "brian2_network:balanced_network"
path = "{examples}"
kwargs = {{ n_exc = {neurons}, simtime = 300.0 }}
target = "cython"
cache_dir = "{cache}"

[[objectives]]
name = "distance"
direction = "minimize"

[backend]
name = "{backend}"
{workers}
"""


def modules(cache: Path) -> set[int]:
    """The compiled modules in the cache (distinct files: a module linked into a worker's folder counts once)."""
    return {os.stat(Path(folder) / name).st_ino for folder, _, names in os.walk(cache)
            for name in names if name.endswith(".so")}


def evaluation_seconds(path: Path) -> list[float]:
    """Each evaluation's ``duration`` (seconds, compilation included), in the order they started."""
    done = subprocess.run([sys.executable, "-c", "import sys, l2l; f = l2l.load(sys.argv[1]).sort_values('started'); "
                           "print(' '.join(f'{d:.1f}' for d in f['duration']))", str(path)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return [float(v) for v in done.stdout.split()] if done.returncode == 0 else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="serial", choices=("serial", "local"))
    parser.add_argument("--evaluations", type=int, default=4)
    parser.add_argument("--neurons", type=int, default=100, help="excitatory neurons of the network")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="l2l-brian2-cache-bench-") as scratch:
        folder, cache = Path(scratch), Path(scratch) / "cache"
        runs = []
        for index in (1, 2):
            config = folder / f"run{index}.toml"
            config.write_text(CONFIG.format(index=index, evaluations=args.evaluations, examples=ROOT / "examples",
                                            neurons=args.neurons, cache=cache, backend=args.backend,
                                            workers="workers = 2" if args.backend == "local" else ""))
            before = modules(cache) if cache.exists() else set()
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "l2l", "run", str(config), "--out",
                                   str(folder / f"run{index}.h5"), "--no-progress"],
                                  capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            wall = time.perf_counter() - start
            if done.returncode != 0:
                print(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}")
                return 1
            added = len(modules(cache) - before)
            durations = evaluation_seconds(folder / f"run{index}.h5")
            runs.append({"wall_s": round(wall, 1), "modules_compiled": added, "evaluation_s": durations})
            print(f"run {index} ({'empty cache: compiles as every run did with a cache per process' if index == 1 else 'the cache of run 1'}): "
                  f"{wall:6.1f} s, {added} modules compiled; evaluations took {durations} s")
    load = os.getloadavg()[0]
    met = runs[1]["modules_compiled"] == 0 and runs[1]["wall_s"] < runs[0]["wall_s"]
    print(json.dumps({"backend": args.backend, "evaluations": args.evaluations, "neurons": args.neurons,
                      "compile_every_run": runs[0], "shared_cache": runs[1], "load": round(load, 1),
                      "targets_met": met}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
