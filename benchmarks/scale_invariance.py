"""Do the optimizers' defaults depend on the scale of the scores?

Every registered optimizer (``l2l.optimizers.OPTIMIZERS``) runs on sphere, rosenbrock and rastrigin
(``l2l.simulators.functions``, 4-D, x in [-3, 4]^4 so that the middle of the box is not the optimum), told its
budget as a run tells it (``run.evaluations``), through ask/tell with no loop and no files, with the function's
values transformed five ways:

* ``as is``: the value, minimized;
* ``x1e-6`` and ``x1e6``: the value times 1e-6 or 1e6, minimized;
* ``+1e6``: the value plus 1e6, minimized;
* ``max -y``: minus the value, maximized (the objective's direction turned, as the loop turns it into scores).

``nsga3`` refuses one objective: it gets a second, the function of x - 1, transformed alike.

``enkf`` ignores the scores and follows the model's outputs (here the residuals whose squares sum to the
value), so the transforms of the scores leave it as it is; it runs twice more with the outputs scaled by 1e-3 and
1e3 (the value by 1e-6 and 1e6), which its ``gamma`` (a noise variance in output units) is not invariant to:
printed, and listed as ``output_scale_dependent``, not counted in the targets (the scores' scale is).

For each optimizer, function and seed the candidates proposed under each transform are compared with those of
``as is``: ``identical`` (bit for bit), ``rounding`` (equal to 1e-6 of each range: the same run but for the
rounding of the transformed scores) or ``differs``. The quality of a run is the best value (untransformed) of
its candidates; per optimizer, transform and function the median over seeds is compared with the unscaled
seeds' spread (from the best to the worst seed); below 1e-8 (the resolution of 1e6 + y is 1.2e-10) values count
as equal.

Targets (``targets_met``): every rank-based optimizer (``RANK_BASED``) proposes identical candidates under every
transform, and every other optimizer's median quality at x1e-6 and x1e6 lies within the unscaled seeds' spread
on every function.

With ``--first-fails`` the first evaluation of every run fails and is told ``-inf`` (as a run tells a failure
before its first success, whatever ``run.penalty``): the optimizers that use the scores' values must weigh it the
same at every scale (the JSON goes to scale_invariance_first_fails.json).

Run: ``nice -n 19 python benchmarks/scale_invariance.py`` (seeds 1-5, budget 48: 594 s on 2 cores under a load
average of about 15, most of it gp, nevergrad and motpe; ``--seeds``, ``--budget``, ``--only`` to choose). The last line is one JSON object;
``--save`` writes it to benchmarks/results/scale_invariance.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from l2l.objectives import Objective, scores_from_values  # noqa: E402
from l2l.optimizers import OPTIMIZERS  # noqa: E402
from l2l.optimizers.base import Problem  # noqa: E402
from l2l.simulators.functions import Rastrigin, Rosenbrock, Sphere  # noqa: E402
from l2l.space import Space  # noqa: E402

#: Optimizers whose proposals depend only on the order of the scores (or not on the scores at all, as random,
#: grid and enkf): they must propose identical candidates under any increasing transform of the scores.
RANK_BASED = ("random", "grid", "ga", "nsga2", "nsga3", "tpe", "motpe", "cmaes", "es", "nes", "enkf")
#: Optimizers that standardize what they use of the scores (or scale it by their spread): the same run but for
#: the rounding of the transformed scores.
AFFINE = ("cross-entropy", "face", "gp", "cmaes-quadratic", "simulated-annealing", "parallel-tempering",
          "gradient-descent", "auto")

FUNCTIONS = {"sphere": Sphere(), "rosenbrock": Rosenbrock(), "rastrigin": Rastrigin()}
#: name: (factor, offset, direction); the value told is factor * y + offset.
TRANSFORMS = {"as is": (1.0, 0.0, "minimize"), "x1e-6": (1e-6, 0.0, "minimize"), "x1e6": (1e6, 0.0, "minimize"),
              "+1e6": (1.0, 1e6, "minimize"), "max -y": (-1.0, 0.0, "maximize")}
#: Options that keep the slow optimizers within the benchmark's time (their defaults otherwise).
QUICK = {"gp": {"n_candidates": 200}}


#: Optimizers that refuse one objective: they get a second one, the function shifted by 1 on every coordinate
#: (transformed alike); their quality is the first objective's.
TWO_OBJECTIVES = ("nsga3",)


def problem(dimension: int, direction: str, objectives: int = 1) -> Problem:
    space = Space.from_json({"x": {"low": -3.0, "high": 4.0, "shape": [dimension]}})
    return Problem(space, tuple(Objective(f"value{i}" if i else "value", direction) for i in range(objectives)))


def residuals(name: str, x: np.ndarray) -> np.ndarray:
    """Outputs whose squares sum to the function's value (for enkf)."""
    if name == "sphere":
        return x
    if name == "rosenbrock":
        return np.concatenate([10 * (x[1:] - x[:-1] ** 2), 1 - x[:-1]])
    return np.sqrt(np.maximum(x * x - 10 * np.cos(2 * np.pi * x) + 10, 0.0))


def make(name: str, budget: int):
    options = dict(QUICK.get(name, {}))
    fields = OPTIMIZERS.get(name).__dataclass_fields__
    if "budget" in fields:
        options["budget"] = budget
    return OPTIMIZERS.create(name, options)


#: Values below this are equal: the float resolution of 1e6 + y (1.2e-10) times a margin.
RESOLUTION = 1e-8
#: enkf's outputs scaled by the square root of these factors of the value.
OUTPUT_SCALES = {"outputs x1e-3": 1e-6, "outputs x1e3": 1e6}


def run(name: str, function: str, transform: str, seed: int, dimension: int, budget: int,
        output_factor: float = 1.0, first_fails: bool = False) -> tuple[np.ndarray, float]:
    """The candidates proposed (in order) and the best untransformed value among them; with ``first_fails`` the
    first candidate's evaluation fails (told ``-inf``, as a run tells a failure before its first success)."""
    factor, offset, direction = TRANSFORMS[transform]
    optimizer = make(name, budget)
    k = 2 if name in TWO_OBJECTIVES else 1
    prob = problem(dimension, direction, k)
    optimizer.check(prob)
    f = FUNCTIONS[function].f
    state = optimizer.init(prob, seed)
    asked, values = [], []
    while len(values) < budget and not optimizer.done(prob, state):
        candidates, state = optimizer.ask(prob, state)
        if len(candidates) == 0:
            break
        xs = [prob.space.decode(c)["x"] for c in candidates]
        y = np.array([f(np.asarray(x, dtype=float)) for x in xs])
        columns = [y] + [np.array([f(np.asarray(x, dtype=float) - 1.0) for x in xs])] * (k - 1)
        scores = scores_from_values(factor * np.stack(columns, axis=1) + offset, prob.objectives)
        if first_fails and not asked:
            scores[0] = -np.inf
            y[0] = np.inf
        outputs = None
        if optimizer.needs_outputs:
            outputs = np.array([residuals(function, np.asarray(x, dtype=float)) for x in xs]) * np.sqrt(output_factor)
        state = optimizer.tell(prob, state, candidates, scores, outputs)
        asked.append(candidates)
        values.extend(y)
    return np.vstack(asked), float(np.min(values))


def compare(a: np.ndarray, b: np.ndarray, width: float) -> str:
    if a.shape == b.shape and np.array_equal(a, b):
        return "identical"
    if a.shape == b.shape and np.max(np.abs(a - b)) <= 1e-6 * width:
        return "rounding"
    return "differs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=48)
    parser.add_argument("--dimension", type=int, default=4)
    parser.add_argument("--only", nargs="*", default=None, help="optimizers to run (default: every one)")
    parser.add_argument("--first-fails", action="store_true",
                        help="the first evaluation of every run fails (told -inf, a failure before any success)")
    parser.add_argument("--save", action="store_true", help="write the JSON line to benchmarks/results/")
    args = parser.parse_args()
    names = args.only or sorted(OPTIMIZERS.names())
    seeds = range(1, args.seeds + 1)
    started = time.time()
    report: dict = {}
    failures: list[str] = []
    output_dependent: set[str] = set()
    print(f"budget {args.budget}, dimension {args.dimension}, seeds 1-{args.seeds}; quality: median best value "
          f"over seeds, and its ratio to the unscaled one ('in' if within the unscaled seeds' spread)")
    for name in names:
        transforms = list(TRANSFORMS)
        try:
            make(name, args.budget).check(problem(args.dimension, "minimize", 2 if name in TWO_OBJECTIVES else 1))
        except Exception as error:  # noqa: BLE001 - an optimizer that cannot run here is said, not fatal
            print(f"{name:20s} skipped: {error}")
            continue
        t0 = time.time()
        results = {(f, t, s): run(name, f, t, s, args.dimension, args.budget, first_fails=args.first_fails)
                   for f in FUNCTIONS for t in transforms for s in seeds}
        verdicts: dict[str, str] = {}
        quality: dict[str, dict[str, float]] = {}
        within: dict[str, bool] = {}
        for t in transforms[1:]:
            kinds = {compare(results[(f, "as is", s)][0], results[(f, t, s)][0], 7.0) for f in FUNCTIONS for s in seeds}
            verdicts[t] = "differs" if "differs" in kinds else "rounding" if "rounding" in kinds else "identical"
        for t in transforms:
            quality[t] = {}
            for f in FUNCTIONS:
                quality[t][f] = float(np.median([results[(f, t, s)][1] for s in seeds]))
        for t in transforms[1:]:
            ok = True
            for f in FUNCTIONS:
                unscaled = [results[(f, "as is", s)][1] for s in seeds]
                ok &= (min(unscaled) <= quality[t][f] <= max(unscaled)
                       or max(quality[t][f], max(unscaled)) < RESOLUTION)
            within[t] = bool(ok)
        if name in RANK_BASED:
            met = all(v == "identical" for v in verdicts.values())
        else:
            met = within.get("x1e-6", True) and within.get("x1e6", True)
        if not met:
            failures.append(name)
        line = "  ".join(f"{t}: {verdicts[t]}" for t in transforms[1:])
        print(f"{name:20s} {'rank' if name in RANK_BASED else 'other':5s} {line}   ({time.time() - t0:.0f} s)"
              f"{'' if met else '   TARGET MISSED'}")
        for t in transforms[1:]:
            ratios = "  ".join(f"{f} {quality[t][f]:.3g} ({quality[t][f] / quality['as is'][f]:.2f})"
                               if quality['as is'][f] else f"{f} {quality[t][f]:.3g}" for f in FUNCTIONS)
            print(f"{'':26s}{t:7s} {ratios}  {'in' if within[t] else 'OUT of'} spread")
        report[name] = {"candidates": verdicts, "median_best": quality, "within_spread": within, "met": met}
        if OPTIMIZERS.get(name).needs_outputs:
            report[name]["outputs"] = {}
            for label, output_factor in OUTPUT_SCALES.items():
                medians = {}
                for f in FUNCTIONS:
                    unscaled = [results[(f, "as is", s)][1] for s in seeds]
                    best = [run(name, f, "as is", s, args.dimension, args.budget, output_factor)[1] for s in seeds]
                    medians[f] = float(np.median(best))
                inside = all(min(u) <= medians[f] <= max(u) or max(medians[f], max(u)) < RESOLUTION
                             for f, u in ((f, [results[(f, "as is", s)][1] for s in seeds]) for f in FUNCTIONS))
                if not inside:
                    output_dependent.add(name)
                ratios = "  ".join(f"{f} {medians[f]:.3g} ({medians[f] / quality['as is'][f]:.3g})" for f in FUNCTIONS)
                print(f"{'':26s}{label} {ratios}  {'in' if inside else 'OUT of'} spread (not a score scale)")
                report[name]["outputs"][label] = {"median_best": medians, "within_spread": inside}
    summary = {"benchmark": "scale_invariance", "first_fails": args.first_fails, "budget": args.budget, "dimension": args.dimension,
               "seeds": args.seeds, "functions": list(FUNCTIONS), "transforms": list(TRANSFORMS),
               "identical": sorted(n for n, r in report.items() if all(v == "identical" for v in r["candidates"].values())),
               "missed": failures, "output_scale_dependent": sorted(output_dependent), "seconds": round(time.time() - started),
               "targets_met": not failures}
    if args.save:
        path = Path(__file__).resolve().parent / "results" / (
            "scale_invariance_first_fails.json" if args.first_fails else "scale_invariance.json")
        path.write_text(json.dumps({**summary, "optimizers": report}, indent=1) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
