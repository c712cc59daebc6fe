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
   (the hypervolume of the running front after about 200 chunks of rows) of a run of 13,000 rows whose every row
   joins the front (the sphere's points in a random order; and the ``line`` front's), and of a real run, DEAP's
   NSGA-II on DTLZ2 (three objectives, 12 variables, population 100, 130 generations: 13,000 evaluations in
   order). Ours (since session 27: where the front is large and a chunk's new points few, the volume each new
   point adds, one by one) beside the curve as before (a sweep of the front after every chunk, kept below as
   :func:`sweeps_only`), in the same run; the two curves must agree to 1e-12 of the volume.
   Targets: the 13,000-row sphere curve at least 2x faster than before; the NSGA-II curve at most 1.25x slower
   (it sweeps, as before).
3. ``l2l compare`` of two serial runs of 13,000 evaluations each whose every result joins the front (random search
   over three parameters, a python function mapping them onto the sphere), written by ``l2l.run`` in a temporary
   folder: the whole command (reading, both runs' curves by evaluations and by time, the figure as PNG), ours beside
   the command with the hypervolume curves as before (:func:`baseline_curves`: two curves per run, by sweeps). A
   serial run's rows are in the order they completed, so its curve by time is its curve by evaluations: computed
   once since session 27. Target: at least 2x faster.

The baseline sweep is the sweep as it was before session 26, kept so that a change to it is measured against it.
Session 26 left the sweep as it was (it already is the dimension sweep, O(n log n) besides its lists' moves), so
the two columns of item 1 differ only by the machine's noise. The curve of item 2 is in effect a hypervolume of
four dimensions (the row the fourth); session 27 made it faster where the front is large, not of a lower order.

Every figure is printed with the 1-minute load average measured beside it. The figures in
benchmarks/results/hypervolume.json were taken on 5 December 2026 on the project's 2-core virtual machine while
other sessions' tests shared it (load average 7-12 on 2 cores): ours and nevergrad's timings there are about
twice a quieter machine's (at load 2.8 the same hour: the 13,000-point sphere 0.043 s, the 13,000-row curve 3.7 s), the
ratios hold.

Run: ``python benchmarks/hypervolume.py [--peer-max 13000] [--out FILE]`` (the peer's two 13,000-point fronts took 15
minutes on the loaded machine; ``--peer-max 2000`` for a quick look: item 1's targets are then not checked, and
``targets_met`` is that of items 2 and 3). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import importlib
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


@contextmanager
def sweeps_only():
    """:func:`~l2l.analysis.hypervolume.hypervolume_curve` as before session 27, for the length of the block: a sweep
    of the front and the new points after every chunk of rows (never a point at a time)."""
    current = hv.POINT_COST
    hv.POINT_COST = (float("inf"), float("inf"))
    try:
        yield
    finally:
        hv.POINT_COST = current


def baseline_curves(run, objectives, reference, by_compute: bool = False):
    """``l2l.plot.compare.hypervolume_curves`` as before session 27: both curves computed (by evaluations, and by
    time in the order the rows completed), each by sweeps; kept with the run as it keeps them."""
    compare = importlib.import_module("l2l.plot.compare")  # (l2l.plot.compare is also the name of its function)
    frame, values, counted, candidates = compare._front_inputs(run, objectives)
    key = (frame, tuple(objectives), tuple(float(r) for r in reference))
    cached = run.__dict__.get("_hypervolumes")
    if cached is not None and cached[0][0] is key[0] and cached[0][1:] == key[1:]:
        ends, by_count, moments, by_time = cached[1]
    else:
        order = compare._by_completion(run, frame)[0]
        with sweeps_only():
            ends, by_count = hv.hypervolume_curve(values, counted, candidates, objectives, reference)
            moments, by_time = hv.hypervolume_curve(values[order], counted[order], candidates[order], objectives,
                                                    reference)
        run.__dict__["_hypervolumes"] = (key, (ends, by_count, moments, by_time))
    count = compare._spent(run, frame, by_compute)
    seconds = compare._by_completion(run, frame)[1]
    return {"evaluations": count[ends - 1] if len(ends) else count[:0], "hypervolume_by_evaluations": by_count,
            "seconds": seconds[moments - 1] if len(moments) else seconds[:0], "hypervolume_by_time": by_time}


SPHERE_FUNCTION = """
import math


def front(params, seed):
    a, b, c = (abs(float(v)) + 1e-9 for v in params["x"])
    norm = math.sqrt(a * a + b * b + c * c)
    return {"f0": a / norm, "f1": b / norm, "f2": c / norm}
"""


def sphere_runs(folder: str, count: int = 2) -> list[str]:
    """``count`` serial runs of 13,000 evaluations (random search, population 1,000, 13 generations) of a function
    that puts every result on the sphere: each joins the front."""
    import l2l

    with open(os.path.join(folder, "sphere_front.py"), "w") as handle:
        handle.write(SPHERE_FUNCTION)
    paths = []
    for seed in range(1, count + 1):
        config = l2l.from_mapping({
            "run": {"name": f"sphere-front-{seed}", "seed": seed, "generations": 13},
            "space": {"x": {"type": "float", "low": -3.0, "high": 3.0, "shape": [3]}},
            "objectives": [{"name": f"f{k}"} for k in range(3)],
            "optimizer": {"name": "random", "population_size": 1000},
            "simulator": {"name": "python", "function": "sphere_front:front", "path": folder},
            "backend": {"name": "serial"}})
        paths.append(str(l2l.run(config, os.path.join(folder, f"run{seed}.h5"), progress=False)))
    return paths


def compare_time(paths: list[str], figure: str) -> float:
    """Seconds of ``l2l compare`` of ``paths`` writing ``figure`` (its table discarded)."""
    import io
    from contextlib import redirect_stdout

    from l2l.cli import main as cli

    start = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        assert cli(["compare", *paths, "-o", figure, "--force"]) == 0
    return time.perf_counter() - start


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

    # l2l compare's curve: every row its own candidate, counted, joining the front; ours beside the sweeps alone
    curves = {}
    for name, points, reference_here in (("sphere", front("sphere", 13_000, seed=1), reference),
                                         ("line", front("line", 13_000, seed=1), reference),
                                         ("nsga2_dtlz2", None, None)):
        if points is None:
            points = nsga2_run()
            reference_here = points.max(axis=0)
        args_curve = (points, np.ones(len(points), dtype=bool), np.arange(len(points)), OBJECTIVES, reference_here)
        with sweeps_only():
            before, (_, old_curve) = best_time(lambda: hv.hypervolume_curve(*args_curve), 1)
        ours, (_, our_curve) = best_time(lambda: hv.hypervolume_curve(*args_curve), 1)
        agree = float(np.max(np.abs(our_curve - old_curve)) / np.max(old_curve))
        assert agree <= 1e-12, (name, agree)
        curves[name] = {"ours_s": round(ours, 2), "before_s": round(before, 2), "speedup": round(before / ours, 2),
                        "front_points": int(hv._sweep_3d(-points, -np.asarray(reference_here))[1].sum()),
                        "largest_difference": agree, "load": load()}
        print(f"hypervolume_curve, {name} ({len(points):,} rows, final front {curves[name]['front_points']:,}): "
              f"ours {ours:.2f} s, before {before:.2f} s ({before / ours:.1f}x; curves agree to {agree:.1e} of the "
              f"volume; load {load()})", flush=True)

    # l2l compare of two serial runs whose every result joins the front: the whole command, ours beside before
    import tempfile

    compare_module = importlib.import_module("l2l.plot.compare")
    with tempfile.TemporaryDirectory(prefix="hypervolume_bench_") as folder:
        paths = sphere_runs(folder)
        figure = os.path.join(folder, "comparison.png")
        compare_time(paths, figure)  # warm: imports, matplotlib's fonts
        ours_compare = compare_time(paths, figure)
        current = compare_module.hypervolume_curves
        compare_module.hypervolume_curves = baseline_curves
        try:
            before_compare = compare_time(paths, figure)
        finally:
            compare_module.hypervolume_curves = current
    print(f"l2l compare of two serial runs of 13,000 results that all join the front: ours {ours_compare:.2f} s, "
          f"before {before_compare:.2f} s ({before_compare / ours_compare:.1f}x; load {load()})", flush=True)

    headline = next(row for row in rows if row["front"] == "sphere" and row["points"] == 13_000)
    speedup = headline["speedup_vs_nevergrad"]
    fronts_met = headline["ours_s"] < 0.2 and (speedup is None or speedup >= 10)
    curves_met = curves["sphere"]["speedup"] >= 2 and curves["nsga2_dtlz2"]["speedup"] >= 0.8
    compare_met = before_compare / ours_compare >= 2
    result = {"benchmark": "hypervolume", "fronts": rows, "curves": curves,
              "curve_13k_s": curves["sphere"]["ours_s"], "curve_13k_before_s": curves["sphere"]["before_s"],
              "curve_nsga2_dtlz2_13k_s": curves["nsga2_dtlz2"]["ours_s"],
              "curve_nsga2_dtlz2_before_s": curves["nsga2_dtlz2"]["before_s"],
              "nsga2_dtlz2_front_points": curves["nsga2_dtlz2"]["front_points"],
              "compare_two_13k_runs_s": round(ours_compare, 2), "compare_two_13k_runs_before_s": round(before_compare, 2),
              "sphere_13k_s": headline["ours_s"], "sphere_13k_speedup_vs_nevergrad": speedup, "cpus": os.cpu_count(),
              "load_average": [load_start, load()],
              "targets": {"fronts": bool(fronts_met), "peer_measured": speedup is not None, "curves": bool(curves_met),
                          "compare": bool(compare_met)},
              "targets_met": bool(fronts_met and curves_met and compare_met)}
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(result, handle, indent=1)
            handle.write("\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
