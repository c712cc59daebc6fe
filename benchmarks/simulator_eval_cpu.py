"""CPU time of one evaluation of the ``egru`` and ``spore`` simulators at their defaults (docs/egru_rtrl.md,
docs/spore_hardware.md), beside a fixed reference workload in the same process.

Each evaluation is ``Simulator().run({}, seed)`` timed with ``time.process_time`` (user + system CPU of this
process), run with one BLAS thread; the reference (a fixed numpy matrix product and a fixed pure-Python loop, the
same work every time) is timed before each evaluation, so a figure measured on another machine or at another load
can be scaled by the reference's ratio. Every timing is repeated ``--rounds`` times; the first round of each
simulator (imports, first allocations) is reported apart.

    OMP_NUM_THREADS=1 nice -n 19 python benchmarks/simulator_eval_cpu.py            # egru seeds 0-4, spore 0-2
    python benchmarks/simulator_eval_cpu.py --egru-seeds 0 1 --spore-seeds 0 --rounds 1

The last line printed is one JSON object.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def reference() -> float:
    """CPU seconds of a fixed workload: 100 products of 200 x 200 matrices and a loop of 2,000,000 additions."""
    start = time.process_time()
    a = np.random.default_rng(0).standard_normal((200, 200))
    for _ in range(100):
        a = np.tanh(a @ a / 200.0)
    total = 0
    for i in range(2_000_000):
        total += i
    return time.process_time() - start


def timed(make, seed: int) -> float:
    simulator = make()
    start = time.process_time()
    simulator.run({}, seed)
    return time.process_time() - start


def spread(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3), "n": len(values)}


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--egru-seeds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    parser.add_argument("--spore-seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--rounds", type=int, default=3, help="timings of each seed (3)")
    args = parser.parse_args()
    if args.rounds < 1:
        print("simulator_eval_cpu.py: --rounds must be at least 1", file=sys.stderr)
        return 2
    from l2l.simulators.egru import EGRUSimulator
    from l2l.simulators.spore import Spore

    load_before = os.getloadavg()
    wall = time.monotonic()
    result: dict = {"machine": cpu_model(), "cores": os.cpu_count(), "omp_threads": os.environ["OMP_NUM_THREADS"]}
    references: list[float] = []
    for name, make, seeds in (("egru", EGRUSimulator, args.egru_seeds), ("spore", Spore, args.spore_seeds)):
        if not seeds:
            continue
        first = timed(make, seeds[0])  # imports, first allocations
        per_seed: dict[int, list[float]] = {s: [] for s in seeds}
        for _ in range(args.rounds):
            for seed in seeds:
                references.append(reference())
                per_seed[seed].append(timed(make, seed))
        every = [t for ts in per_seed.values() for t in ts]
        result[name] = {"seeds": seeds, "first_call_s": round(first, 3), "cpu_s": spread(every),
                        "per_seed_median_s": {str(s): round(statistics.median(ts), 3) for s, ts in per_seed.items()}}
        print(f"{name}: CPU per evaluation, seeds {seeds}, {args.rounds} rounds: median {result[name]['cpu_s']['median']}"
              f" s ({result[name]['cpu_s']['min']} to {result[name]['cpu_s']['max']}); first call {first:.3f} s")
    result["reference_cpu_s"] = spread(references)
    result["load_average"] = [round(x, 1) for x in load_before] + [round(x, 1) for x in os.getloadavg()]
    result["wall_s"] = round(time.monotonic() - wall, 1)
    result["date_utc"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    print(f"reference workload: median {result['reference_cpu_s']['median']} s "
          f"({result['reference_cpu_s']['min']} to {result['reference_cpu_s']['max']}); load {result['load_average']}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
