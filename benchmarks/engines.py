"""The LSM on its three engines (numpy, NEST, Brian2): speed on 2 workers, agreement, NEST overhead.

Three figures, all on this machine:

1. **Speed**: one generation of ``--population`` LSM evaluations (the default
   LSM: 150 neurons, 4 tasks x 56 trials of 60 ms) run by ``l2l.run`` on the
   ``local`` backend with 2 workers, per engine; reported as LSM trials per
   second (trials of every evaluation / wall time of the run, cluster start
   included) and evaluations per second.
2. **Agreement**: the firing rate and the learning-to-learn fitness (test
   error) of the balanced reservoir (J_EE 2, J_EI 3, J_IE 5, J_II 1) on
   ``--seeds`` seeds (1..N), per engine against numpy: the relative rate
   difference seed by seed (min, max) and the mean test-error difference
   with its standard error.
3. **Overhead per NEST evaluation**: ``l2l``'s ``nest`` simulator around a
   tiny model (2 neurons, 10 ms) against calling the model directly, in one
   process, median over ``--repeats`` calls: what the kernel reset before
   and after, the seeding and the thread setting cost.

Targets: Brian2's rates within 2 % of numpy's seed by seed, NEST's within
10 %; each engine's mean test error within 0.05 of numpy's; overhead per NEST
evaluation below 50 ms.

Usage: ``python benchmarks/engines.py [--seeds 8] [--population 8] [--repeats 30]``.
The last line printed is one JSON object with the headline figures.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import l2l  # noqa: E402
from l2l.config import from_mapping  # noqa: E402
from l2l.simulators import SIMULATORS  # noqa: E402
from l2l.simulators.lsm import LiquidStateMachine  # noqa: E402

ENGINES = ("numpy", "nest", "brian2")
GOOD = {"J_EE": 2.0, "J_EI": 3.0, "J_IE": 5.0, "J_II": 1.0}
TARGETS = {"brian2_rate_within": 0.02, "nest_rate_within": 0.10, "fitness_within": 0.05, "nest_overhead_ms": 50.0}


def speed(engine: str, population: int, folder: Path) -> dict:
    config = from_mapping({
        "run": {"name": f"engines-{engine}", "seed": 1, "generations": 1},
        "space": {"J_EE": {"type": "float", "low": 0.5, "high": 4.0},
                  "J_IE": {"type": "float", "low": 1.0, "high": 8.0}},
        "optimizer": {"name": "random", "population_size": population},
        "simulator": {"name": "lsm", "engine": engine},
        "objectives": [{"name": "test_error", "direction": "minimize"}],
        "backend": {"name": "local", "workers": 2}}, base_dir=ROOT)
    started = time.perf_counter()
    frame = l2l.load(l2l.run(config, folder / f"{engine}.h5"))
    wall = time.perf_counter() - started
    lsm = LiquidStateMachine()
    trials = len(frame) * lsm.tasks * (lsm.train_examples + lsm.test_examples)
    return {"trials_per_s": trials / wall, "evaluations_per_s": len(frame) / wall, "wall_s": wall,
            "ok": int((frame["status"] == "ok").sum())}


def agreement(seeds: int) -> dict:
    runs = {}
    for engine in ENGINES:
        lsm = LiquidStateMachine(engine=engine)
        results = [lsm.run(GOOD, seed) for seed in range(1, seeds + 1)]
        runs[engine] = (np.array([r.metrics["firing_rate"] for r in results]),
                        np.array([r.objectives["test_error"] for r in results]))
    out = {"numpy_rate_hz": float(runs["numpy"][0].mean()), "numpy_test_error": float(runs["numpy"][1].mean())}
    for engine in ("nest", "brian2"):
        relative = runs[engine][0] / runs["numpy"][0] - 1.0
        gap = runs[engine][1] - runs["numpy"][1]
        out[engine] = {"rate_rel_min": float(relative.min()), "rate_rel_max": float(relative.max()),
                       "rate_hz": float(runs[engine][0].mean()), "test_error": float(runs[engine][1].mean()),
                       "test_error_gap": float(gap.mean()), "test_error_gap_se": float(gap.std(ddof=1) / np.sqrt(seeds))}
    return out


def tiny(nest, params, seed):
    nodes = nest.Create("iaf_psc_alpha", 2, {"I_e": 400.0})
    nest.Simulate(10.0)
    return float(len(nodes))


def nest_overhead(repeats: int) -> dict:
    from l2l.simulators.nest_sim import import_nest
    nest = import_nest(True)
    simulator = SIMULATORS.create("nest", {"function": "engines:tiny", "path": str(Path(__file__).parent)})
    simulator.run({}, 0)

    def timed(call):
        times = []
        for i in range(repeats):
            started = time.perf_counter()
            call(i)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    bare = timed(lambda i: tiny(nest, {}, i))
    bare_reset = timed(lambda i: (nest.ResetKernel(), tiny(nest, {}, i)))
    framed = timed(lambda i: simulator.run({}, i))
    return {"bare_ms": bare * 1e3, "bare_with_reset_ms": bare_reset * 1e3, "l2l_ms": framed * 1e3,
            "overhead_ms": (framed - bare) * 1e3, "overhead_vs_reset_ms": (framed - bare_reset) * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--population", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))

    overhead = nest_overhead(args.repeats)
    print(f"NEST overhead per evaluation (median of {args.repeats}): bare model {overhead['bare_ms']:.1f} ms, "
          f"with ResetKernel {overhead['bare_with_reset_ms']:.1f} ms, through l2l {overhead['l2l_ms']:.1f} ms "
          f"-> overhead {overhead['overhead_ms']:.1f} ms ({overhead['overhead_vs_reset_ms']:.1f} ms beyond a reset)")
    agree = agreement(args.seeds)
    print(f"\nAgreement over seeds 1..{args.seeds} (default LSM, balanced reservoir); numpy: "
          f"{agree['numpy_rate_hz']:.2f} Hz, test error {agree['numpy_test_error']:.3f}")
    print(f"{'engine':8} {'rate Hz':>8} {'rate vs numpy (min..max)':>26} {'test error':>10} {'gap +- se':>16}")
    for engine in ("brian2", "nest"):
        a = agree[engine]
        print(f"{engine:8} {a['rate_hz']:8.2f} {a['rate_rel_min']:+12.3%} .. {a['rate_rel_max']:+9.3%} "
              f"{a['test_error']:10.3f} {a['test_error_gap']:+8.3f} +- {a['test_error_gap_se']:.3f}")
    speeds = {}
    with tempfile.TemporaryDirectory() as folder:
        for engine in ENGINES:
            speeds[engine] = speed(engine, args.population, Path(folder))
    print(f"\nSpeed: {args.population} LSM evaluations on the local backend, 2 workers (cluster start included)")
    print(f"{'engine':8} {'trials/s':>9} {'evals/s':>8} {'wall s':>7}")
    for engine, s in speeds.items():
        print(f"{engine:8} {s['trials_per_s']:9.1f} {s['evaluations_per_s']:8.2f} {s['wall_s']:7.1f}")

    met = {
        "brian2_rates": max(abs(agree["brian2"]["rate_rel_min"]), abs(agree["brian2"]["rate_rel_max"]))
        < TARGETS["brian2_rate_within"],
        "nest_rates": max(abs(agree["nest"]["rate_rel_min"]), abs(agree["nest"]["rate_rel_max"]))
        < TARGETS["nest_rate_within"],
        "fitness": all(abs(agree[e]["test_error_gap"]) < TARGETS["fitness_within"] for e in ("brian2", "nest")),
        "nest_overhead": overhead["overhead_ms"] < TARGETS["nest_overhead_ms"],
        "all_ok": all(s["ok"] == args.population for s in speeds.values()),
    }
    print(json.dumps({
        "trials_per_s": {e: round(s["trials_per_s"], 1) for e, s in speeds.items()},
        "nest_overhead_ms": round(overhead["overhead_ms"], 2),
        "rate_rel_range": {e: [round(agree[e]["rate_rel_min"], 4), round(agree[e]["rate_rel_max"], 4)]
                           for e in ("brian2", "nest")},
        "test_error_gap": {e: round(agree[e]["test_error_gap"], 4) for e in ("brian2", "nest")},
        "seeds": args.seeds, "population": args.population, "targets": TARGETS, "met": met,
        "targets_met": all(met.values())}))


if __name__ == "__main__":
    main()
