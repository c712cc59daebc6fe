"""The exact hypervolume of three objectives (``l2l.analysis.hypervolume``), side by side with nevergrad's
``HypervolumeIndicator`` and with the previous l2l implementation (kept below as the baseline).

1. One hypervolume of a front of 1,000 / 13,000 / 100,000 points, every point non-dominated: ``sphere`` (the
   concave front of DTLZ2, minimized, reference 1.1 in each objective) and ``line`` (the first two objectives
   trade off, f1 + f2 = 1, the third is independent: the sweep's 2-D staircase then holds nearly every point,
   the worst case for its list moves). Ours is :func:`~l2l.analysis.hypervolume.hypervolume_3d`; the peer
   nevergrad's ``HypervolumeIndicator.compute`` (an optional extra; its time grows about as the square of the
   points, so it is measured up to ``--peer-max`` points only); the values must agree to 1e-9.
   Targets: the 13,000-point sphere in under 0.2 s and at least 10x faster than the peer.
2. What ``l2l compare`` computes for a run of three objectives: :func:`~l2l.analysis.hypervolume.hypervolume_curve`
   (about 200 hypervolumes of the running front) of a run of 13,000 rows whose every row joins the front (the
   sphere's points in a random order), with our sweep and with the baseline's; and of a real run, DEAP's NSGA-II
   on DTLZ2 (three objectives, 12 variables, population 100, 130 generations: 13,000 evaluations in order).
   No target: figures to quote.

The baseline is the sweep as it was before session 26, kept so that a change to it is measured against it. Session
26 left the sweep as it was (it already is the dimension sweep, O(n log n) besides its lists' moves), so the two
columns differ only by the machine's noise; what is slow is item 2, about 200 sweeps of a front that grows to
13,000 points (``l2l compare`` computes two such curves: by evaluations and by time).

Every figure is printed with the 1-minute load average measured beside it. The figures in
benchmarks/results/hypervolume.json were taken on 5 December 2026 on the project's 2-core virtual machine while
other sessions' tests shared it (load average 7-12 on 2 cores): ours and nevergrad's timings there are about
twice a quieter machine's (at load 2.8 the same hour: the 13,000-point sphere 0.043 s, the 13,000-row curve 3.7 s), the
ratios hold.

Run: ``python benchmarks/hypervolume.py [--peer-max 13000] [--out FILE]`` (the peer's two 13,000-point fronts took 15
minutes on the loaded machine; ``--peer-max 2000`` for a quick look). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from bisect import bisect_left
from contextlib import contextmanager

import numpy as np

from l2l.analysis import hypervolume as hv
from l2l.objectives import Objective

SIZES = (1_000, 13_000, 100_000)
SHAPES = ("sphere", "line")
REFERENCE = 1.1
OBJECTIVES = [Objective(f"f{k}") for k in range(3)]


def load() -> float:
    return round(os.getloadavg()[0], 1)


def front(shape: str, size: int, seed: int = 0) -> np.ndarray:
    """``size`` mutually non-dominated points of three objectives to minimize, in a random order."""
    rng = np.random.default_rng(seed)
    if shape == "sphere":
        points = np.abs(rng.normal(size=(size, 3)))
        return points / np.linalg.norm(points, axis=1, keepdims=True)
    first = rng.random(size)
    return np.c_[first, 1 - first, rng.random(size)]


def nsga2_run(generations: int = 130, population: int = 100, variables: int = 12, seed: int = 1) -> np.ndarray:
    """Every evaluation of an NSGA-II run on DTLZ2 (three objectives to minimize), in the order evaluated."""
    import random

    from deap import base, benchmarks, creator, tools

    random.seed(seed)
    if not hasattr(creator, "HypervolumeFitness"):
        creator.create("HypervolumeFitness", base.Fitness, weights=(-1.0,) * 3)
        creator.create("HypervolumeIndividual", list, fitness=creator.HypervolumeFitness)
    toolbox = base.Toolbox()
    toolbox.register("individual", tools.initIterate, creator.HypervolumeIndividual,
                     lambda: [random.random() for _ in range(variables)])
    toolbox.register("mate", tools.cxSimulatedBinaryBounded, low=0.0, up=1.0, eta=20.0)
    toolbox.register("mutate", tools.mutPolynomialBounded, low=0.0, up=1.0, eta=20.0, indpb=1.0 / variables)
    evaluated = []

    def evaluate(individuals):
        for individual in individuals:
            individual.fitness.values = benchmarks.dtlz2(individual, 3)
            evaluated.append(individual.fitness.values)

    parents = [toolbox.individual() for _ in range(population)]
    evaluate(parents)
    parents = tools.selNSGA2(parents, population)  # assigns the crowding distances the tournament reads
    for _ in range(generations - 1):
        children = [toolbox.clone(parent) for parent in tools.selTournamentDCD(parents, population)]
        for first, second in zip(children[::2], children[1::2]):
            toolbox.mate(first, second)
            toolbox.mutate(first)
            toolbox.mutate(second)
        evaluate(children)
        parents = tools.selNSGA2(parents + children, population)
    return np.array(evaluated)


def baseline_sweep_3d(scores: np.ndarray, limit: np.ndarray) -> tuple[float, np.ndarray]:
    """The previous l2l implementation of :func:`l2l.analysis.hypervolume._sweep_3d` (session 25), unchanged."""
    count = len(scores)
    kept = np.zeros(count, dtype=bool)
    if not count:
        return 0.0, kept
    order = np.lexsort((-scores[:, 1], -scores[:, 0], -scores[:, 2]))
    firsts, seconds = scores[order, 0].tolist(), scores[order, 1].tolist()
    left_end, bottom = float(limit[0]), float(limit[1])
    xs: list[float] = []
    below: list[float] = []
    size = 0
    area = 0.0
    areas = [0.0] * count
    joined: list[int] = []
    for k in range(count):
        x = firsts[k]
        y = seconds[k]
        i = bisect_left(xs, x)
        if i == size or below[i] > -y:
            lo = bisect_left(below, -y, 0, i)
            edge = xs[lo - 1] if lo else left_end
            for j in range(lo, i):
                area += (xs[j] - edge) * (y + below[j])
                edge = xs[j]
            if i == size:
                area += (x - edge) * (y - bottom)
                hi = i
            else:
                area += (x - edge) * (y + below[i])
                hi = i + 1 if xs[i] == x else i
            xs[lo:hi] = [x]
            below[lo:hi] = [-y]
            size += 1 - (hi - lo)
            joined.append(k)
        areas[k] = area
    kept[order[joined]] = True
    thirds = np.r_[scores[order, 2], limit[2]]
    return float(np.dot(areas, thirds[:-1] - thirds[1:])), kept


@contextmanager
def sweep(implementation):
    """l2l's hypervolume functions with ``implementation`` as their sweep, for the length of the block."""
    current = hv._sweep_3d
    hv._sweep_3d = implementation
    try:
        yield
    finally:
        hv._sweep_3d = current


def best_time(fn, repeats: int) -> tuple[float, float]:
    """The fastest of ``repeats`` calls of ``fn`` (seconds) and its value."""
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), value


def peer_time(points: np.ndarray) -> tuple[float, float] | None:
    try:
        from nevergrad.optimization.multiobjective import HypervolumeIndicator
    except ImportError:
        return None
    indicator = HypervolumeIndicator(np.full(3, REFERENCE))
    return best_time(lambda: indicator.compute(list(points)), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peer-max", type=int, default=13_000, help="the most points nevergrad is timed on")
    parser.add_argument("--out", help="also write the JSON object to this file")
    args = parser.parse_args()
    reference = [REFERENCE] * 3
    rows, load_start = [], load()
    print(f"load average at the start: {load_start}")
    print(f"{'front':<8}{'points':>8}{'ours s':>10}{'baseline s':>12}{'nevergrad s':>13}{'peer/ours':>11}"
          f"{'load':>6}  hypervolume")
    for shape in SHAPES:
        for size in SIZES:
            points = front(shape, size)
            repeats = 3 if size <= 13_000 else 1
            ours, volume = best_time(lambda: hv.hypervolume_3d(points, OBJECTIVES, reference), repeats)
            with sweep(baseline_sweep_3d):
                baseline, old_volume = best_time(lambda: hv.hypervolume_3d(points, OBJECTIVES, reference), repeats)
            assert old_volume == volume, (shape, size, old_volume, volume)
            peer = peer_time(points) if size <= args.peer_max else None
            if peer is not None:
                assert abs(peer[1] - volume) <= 1e-9 * volume, (shape, size, peer[1], volume)
            rows.append({"front": shape, "points": size, "ours_s": round(ours, 4), "baseline_s": round(baseline, 4),
                         "nevergrad_s": None if peer is None else round(peer[0], 2),
                         "speedup_vs_nevergrad": None if peer is None else round(peer[0] / ours, 1),
                         "hypervolume": volume, "load": load()})
            peer_text = f"{'-':>13}{'-':>11}" if peer is None else f"{peer[0]:>13.2f}{peer[0] / ours:>11.0f}"
            print(f"{shape:<8}{size:>8,}{ours:>10.4f}{baseline:>12.4f}{peer_text}{rows[-1]['load']:>6}  {volume:.12g}",
                  flush=True)

    # l2l compare's curve: every row its own candidate, counted, joining the front
    points = front("sphere", 13_000, seed=1)
    args_curve = (points, np.ones(len(points), dtype=bool), np.arange(len(points)), OBJECTIVES, reference)
    curve, (_, ours_curve) = best_time(lambda: hv.hypervolume_curve(*args_curve), 1)
    with sweep(baseline_sweep_3d):
        curve_baseline, (_, old_curve) = best_time(lambda: hv.hypervolume_curve(*args_curve), 1)
    assert np.array_equal(ours_curve, old_curve)
    print(f"hypervolume_curve of a 13,000-row run (every row joins the front, {len(ours_curve)} points): "
          f"ours {curve:.2f} s, baseline {curve_baseline:.2f} s (load {load()})")

    run = nsga2_run()
    run_reference = run.max(axis=0)
    args_run = (run, np.ones(len(run), dtype=bool), np.arange(len(run)), OBJECTIVES, run_reference)
    run_curve, _ = best_time(lambda: hv.hypervolume_curve(*args_run), 1)
    run_front = int(hv._sweep_3d(-run, -run_reference)[1].sum())
    print(f"hypervolume_curve of NSGA-II on DTLZ2, {len(run):,} evaluations (front of {run_front:,} points): "
          f"{run_curve:.2f} s (load {load()})")

    headline = next(row for row in rows if row["front"] == "sphere" and row["points"] == 13_000)
    speedup = headline["speedup_vs_nevergrad"]
    targets = headline["ours_s"] < 0.2 and speedup is not None and speedup >= 10
    result = {"benchmark": "hypervolume", "fronts": rows, "curve_13k_s": round(curve, 2),
              "curve_13k_baseline_s": round(curve_baseline, 2), "curve_nsga2_dtlz2_13k_s": round(run_curve, 2),
              "nsga2_dtlz2_front_points": run_front, "sphere_13k_s": headline["ours_s"],
              "sphere_13k_speedup_vs_nevergrad": speedup, "cpus": os.cpu_count(),
              "load_average": [load_start, load()], "targets_met": bool(targets)}
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(result, handle, indent=1)
            handle.write("\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
