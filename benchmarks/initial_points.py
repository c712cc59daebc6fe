"""ga and cmaes started from one known good point (run.initial_points) against the same runs without it.

Run by hand (under ``nice``)::

    python benchmarks/initial_points.py                 # 5-D rosenbrock and rastrigin, 10 seeds, 20 generations
    python benchmarks/initial_points.py --seeds 3 --generations 8     # quicker

Each run is an ordinary ``l2l.run`` (serial backend) on x in [-5, 5]^5 with the optimizer's default options
(ga: population 20; cmaes: 8 a generation, sigma 0.2 of the range), and cmaes with sigma 0.05 (a user who knows a
good point searches nearer it). The good point is a configuration a user would know: x = 0.5 on every
coordinate for rosenbrock (value 26, the optimum 0 lies at x = 1), x = 1 for rastrigin (value 5, in the basin of a
local minimum next to the optimum 0 at x = 0). A cell is the best value of the run after the given generations,
mean +- standard error over seeds; "beat the point" counts the seeds whose best is lower than the point's own value
(the search improved on what it was given). The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

import l2l

DIMENSION = 5
GOOD = {"rosenbrock": 0.5, "rastrigin": 1.0}


def value_at(function: str, x: np.ndarray) -> float:
    if function == "rosenbrock":
        return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))
    return float(10 * x.size + np.sum(x * x - 10 * np.cos(2 * np.pi * x)))


#: (label, optimizer table)
OPTIMIZERS = (("ga", {"name": "ga"}), ("cmaes", {"name": "cmaes"}), ("cmaes/0.05", {"name": "cmaes", "sigma": 0.05}))


def best_of_run(function: str, label: str, optimizer: dict, seed: int, generations: int, point: bool,
                folder: Path) -> float:
    data = {"run": {"seed": seed, "generations": generations},
            "space": {"x": {"low": -5.0, "high": 5.0, "shape": [DIMENSION]}},
            "optimizer": optimizer, "simulator": {"name": function}, "backend": {"name": "serial"}}
    if point:
        data["run"]["initial_points"] = [{"x": [GOOD[function]] * DIMENSION}]
    path = l2l.run(l2l.from_mapping(data), folder / f"{function}-{label.replace('/', '-')}-{seed}-{point}.h5", progress=False)
    return float(l2l.load(path)["value"].min())


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--generations", type=int, default=20)
    args = parser.parse_args(argv)
    figures: dict = {}
    print(f"best value after {args.generations} generations, mean +- SE over {args.seeds} seeds (5-D, [-5, 5])")
    print(f"{'function':<11} {'optimizer':<10} {'point value':>11} {'without point':>20} {'with point':>20} "
          f"{'beat the point':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for function in ("rosenbrock", "rastrigin"):
            given_value = value_at(function, np.full(DIMENSION, GOOD[function]))
            for label, optimizer in OPTIMIZERS:
                cell = {}
                for point in (False, True):
                    bests = np.array([best_of_run(function, label, optimizer, seed, args.generations, point,
                                                  Path(tmp))
                                      for seed in range(args.seeds)])
                    cell["with" if point else "without"] = {
                        "mean": float(bests.mean()), "se": float(bests.std(ddof=1) / np.sqrt(len(bests))),
                        "beat_point": int(np.sum(bests < given_value - 1e-12))}
                figures[f"{function}/{label}"] = {**cell, "point_value": given_value}
                w, p = cell["without"], cell["with"]
                print(f"{function:<11} {label:<10} {given_value:>11.3g} {w['mean']:>11.3g} +- {w['se']:<6.2g} "
                      f"{p['mean']:>11.3g} +- {p['se']:<6.2g} {p['beat_point']:>9}/{args.seeds}", flush=True)
    summary = {"seeds": args.seeds, "generations": args.generations, "dimension": DIMENSION, "figures": figures}
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main(sys.argv[1:])
