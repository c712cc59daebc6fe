"""The policies' outer loop: main-process CPU per segment against the number of candidates (issue 17).

Each point is a fresh Python process that runs a multi-fidelity policy on the synthetic multi-fidelity
``sphere`` (4-D, budgets 1..81, eta 3; evaluating a segment costs microseconds, so that nothing but l2l is
measured) with a compute budget sized for about N candidates. The process first runs a tiny warm-up (imports,
caches) and a run of one segment (the fixed cost of a run: file creation, start, end); the figure is

    (CPU of the measured run - CPU of the one-segment run) / (segments - 1)

(serial runs of fewer than 3,000 candidates are repeated, the same seed, and both CPU figures averaged)

in milliseconds of the process's CPU (user + system, all its threads: on the ``local`` backend that includes
the Dask client and scheduler, not the workers, which are other processes). Seeds: run seed 1 everywhere.

Target: the ``serial`` figure of each policy at 10,000 candidates within 1.5x of its figure at 100 (flat in
the number of candidates). A run commits at most once a second, which at these speeds is every few thousand
segments; the series ``asha+commit-each`` commits after every segment (as a run of segments of a second or
more does), so that what a commit costs (the run state written) counts in full. The ``local`` backend's figure is printed beside serial's at the same size.

Run: ``python benchmarks/policy_loop.py`` (about 8 minutes at load 7 on a 2-core machine, 4 of them the
commit-each series at 10,000; ``--quick``: up to 1,000 candidates, ``--local 0`` skips the local backend,
``--commit-each 0`` the commit-each series). Every figure is printed with the 1-minute load
average before and after its point. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Fidelity units one candidate costs on average (measured on the sphere, seed 1), to size ``run.compute``.
UNITS_PER_CANDIDATE = {"asha": 4.4, "median-stopping": 12.0, "successive-halving": 3.6}
TARGET_RATIO = 1.5
#: Serial runs of fewer candidates than this are repeated to about this many candidates (the figure is the mean).
REPEAT_CANDIDATES = 3000


def mapping(policy: str, candidates: int, backend: str, compute: float | None = None) -> dict:
    return {"run": {"name": "policy-loop", "seed": 1,
                    "compute": compute or UNITS_PER_CANDIDATE[policy] * candidates},
            "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [4]}},
            "optimizer": {"name": "random"}, "policy": {"name": policy, "eta": 3},
            "simulator": {"name": "sphere", "multi_fidelity": True},
            "backend": {"name": backend, "workers": 2} if backend == "local" else {"name": backend}}


def point(policy: str, candidates: int, backend: str, every: bool) -> dict:
    """In this process: warm up, measure the fixed cost, then the run (see the module's docstring).

    ``every``: commit after every segment (as a run whose segments last a second or more does), not at most
    once a second: what a commit costs then counts in full.
    """
    import l2l
    import l2l.driver

    if every:
        l2l.driver.FLUSH_SECONDS = 0.0

    folder = Path(tempfile.mkdtemp(prefix="policy_loop_"))

    def cpu_of(config: dict, name: str) -> tuple[float, Path]:
        path = folder / name
        start = time.process_time()
        l2l.run(l2l.from_mapping(config), path, progress=False)
        return time.process_time() - start, path

    cpu_of(mapping(policy, 1, backend, compute=30), "warm.h5")
    # Small runs are repeated (the same seed: the same run) so that every figure covers a few thousand
    # segments and the fixed cost's noise does not dominate it.
    repeats = max(1, round(REPEAT_CANDIDATES / candidates)) if backend == "serial" else 1
    fixed = sum(cpu_of(mapping(policy, 1, backend, compute=1), f"one{k}.h5")[0] for k in range(repeats)) / repeats
    load_before = os.getloadavg()[0]
    wall = time.perf_counter()
    runs = [cpu_of(mapping(policy, candidates, backend), f"run{k}.h5") for k in range(repeats)]
    wall = (time.perf_counter() - wall) / repeats
    cpu, path = sum(c for c, _ in runs) / repeats, runs[0][1]
    segments = l2l.load(path, segments=True)
    with l2l.Trajectory(path) as trajectory:
        commits = trajectory.n_generations
    size = path.stat().st_size
    shutil.rmtree(folder)
    return {"policy": policy + ("+commit-each" if every else ""), "backend": backend, "repeats": repeats,
            "candidates": int(segments["trial"].nunique()),
            "segments": len(segments), "commits": commits, "cpu_s": round(cpu, 3), "fixed_cpu_s": round(fixed, 3),
            "wall_s": round(wall, 2), "ms_per_segment": round(1000 * (cpu - fixed) / max(1, len(segments) - 1), 4),
            "file_mb": round(size / 1e6, 2), "load": [round(load_before, 1), round(os.getloadavg()[0], 1)]}


def run_point(policy: str, candidates: int, backend: str, every: bool = False) -> dict:
    out = subprocess.run([sys.executable, __file__, "--point", policy, str(candidates), backend, str(int(every))],
                         capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise SystemExit(f"point {policy} {candidates} {backend} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--point", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="up to 1,000 candidates")
    parser.add_argument("--json", help="also write every point and the summary to this file")
    parser.add_argument("--sizes", help="candidates of each point, comma-separated (default 100,1000,10000)")
    parser.add_argument("--policies", default="asha,median-stopping,successive-halving")
    parser.add_argument("--commit-each", type=int, default=1,
                        help="1: also asha with a commit after every segment (the cost of commits in full)")
    parser.add_argument("--local", type=int, default=1000, help="candidates of the local-backend point (0: none)")
    args = parser.parse_args()
    if args.point:
        print(json.dumps(point(args.point[0], int(args.point[1]), args.point[2], args.point[3] == "1")))
        return
    sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else [100, 1000] if args.quick else \
        [100, 1000, 10000]
    results = []
    series = [(policy, False) for policy in args.policies.split(",")]
    if args.commit_each:
        series.append(("asha", True))
    for policy, every in series:
        for n in sizes:
            result = run_point(policy, n, "serial", every)
            results.append(result)
            print(json.dumps(result), flush=True)
    if args.local:
        result = run_point("asha", args.local, "local")
        results.append(result)
        print(json.dumps(result), flush=True)
    summary = {}
    for policy in dict.fromkeys(r["policy"] for r in results if r["backend"] == "serial"):
        figures = {r["candidates"]: r["ms_per_segment"] for r in results
                   if r["policy"] == policy and r["backend"] == "serial"}
        low, high = figures[min(figures)], figures[max(figures)]
        summary[policy] = {"ms_per_segment_by_candidates": figures, "ratio_largest_to_smallest": round(high / low, 3)}
    local = [r for r in results if r["backend"] == "local"]
    serial_beside = [r for r in results if local and r["backend"] == "serial" and r["policy"] == "asha"
                     and abs(r["candidates"] - local[0]["candidates"]) <= 0.2 * local[0]["candidates"]]
    final = {
        "benchmark": "policy_loop", "sizes": sizes, "policies": summary,
        "local_ms_per_segment": local[0]["ms_per_segment"] if local else None,
        "serial_ms_per_segment_same_size": serial_beside[0]["ms_per_segment"] if serial_beside else None,
        "load_range": [min(r["load"][0] for r in results), max(r["load"][1] for r in results)],
        "target": f"serial ms per segment at the largest size within {TARGET_RATIO}x of the smallest",
        "targets_met": all(s["ratio_largest_to_smallest"] <= TARGET_RATIO for s in summary.values())}
    if args.json:
        Path(args.json).write_text(json.dumps({"points": results, "summary": final}, indent=1) + "\n")
    print(json.dumps(final))


if __name__ == "__main__":
    main()
