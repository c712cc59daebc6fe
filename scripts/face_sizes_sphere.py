"""How `face` and `cross-entropy` do on the 4-D sphere with small and default generation sizes (docs/optimizers.md).

The problem, driver and budget of tests/test_optimizers.py's sphere test (``sphere_problem(4)``, 600 evaluations,
one ask/tell round per generation): per seed the best sphere value found and the distribution's largest spread
(``std``, in the space's units: the box is 10 wide) at the end. Random search's best with the same 600 evaluations
is the reference; the test's bar is a third of random search's median. Settings compared:

* face with 6-12 samples a generation (min 6, max 12, increment 3: tests/optimizer_helpers.py's FAST_OPTIONS; the
  sphere test now gives face its default sizes) and with its defaults (20, up to 100, 10 more at a time);
* cross-entropy with 8 samples a generation and with 20 (the sphere test's), as the reference for the collapse.

Printed per setting: median best [min..max] over the seeds, how many seeds end below the bar, the median final
spread [min..max] (1e-12 is the floor: the distribution collapsed) and the mean samples per generation; the last
line is one JSON object.

    python scripts/face_sizes_sphere.py [first seed, default 600] [count, default 20]
"""

from __future__ import annotations

import json
import sys

import numpy as np

from l2l.optimizers import OPTIMIZERS
from l2l.testing.problems import evaluate, sphere_problem

BUDGET = 600
SETTINGS = {
    "face 6-12": ("face", {"min_population_size": 6, "max_population_size": 12, "increment": 3}),
    "face default (20-100)": ("face", {}),
    "cross-entropy 8": ("cross-entropy", {"population_size": 8}),
    "cross-entropy 20": ("cross-entropy", {"population_size": 20}),
}


def run(name: str, options: dict, seed: int) -> tuple[float, float, float]:
    """The best sphere value in BUDGET evaluations, the largest coordinate spread of the distribution then, and
    the mean number of samples per refit (a generation)."""
    problem = sphere_problem(dimension=4)
    opt = OPTIMIZERS.create(name, options)
    state, used, best = opt.init(problem, seed=seed), 0, np.inf
    while used < BUDGET:
        candidates, state = opt.ask(problem, state)
        scores, _ = evaluate(problem, candidates)
        state = opt.tell(problem, state, candidates, scores)
        best = min(best, float((-scores[:, 0]).min()))
        used += len(candidates)
    return best, float(np.max(state["std"])), used / state["generation"]


def random_best(seed: int) -> float:
    problem = sphere_problem(dimension=4)
    opt = OPTIMIZERS.create("random", {"population_size": 20})
    candidates, _ = opt.ask(problem, opt.init(problem, seed=seed), n=BUDGET)
    return float(np.min(-evaluate(problem, candidates)[0][:, 0]))


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    random = [random_best(s) for s in seeds]
    bar = float(np.median(random)) / 3
    print(f"4-D sphere, {BUDGET} evaluations, seeds {first}-{first + count - 1}: random search median best "
          f"{np.median(random):.3g} [{min(random):.3g}..{max(random):.3g}]; the test's bar (a third) {bar:.3g}")
    out = {"seeds": seeds, "budget": BUDGET, "random_median": round(float(np.median(random)), 4), "bar": round(bar, 4)}
    for label, (name, options) in SETTINGS.items():
        rows = [run(name, options, s) for s in seeds]
        best = np.array([r[0] for r in rows])
        spread = np.array([r[1] for r in rows])
        size = float(np.mean([r[2] for r in rows]))
        below = int((best < bar).sum())
        print(f"{label:24s} median best {np.median(best):.3g} [{best.min():.3g}..{best.max():.3g}]  below the bar on "
              f"{below} of {count}  final spread median {np.median(spread):.2g} [{spread.min():.2g}..{spread.max():.2g}]  "
              f"{size:.1f} samples a generation")
        out[label] = {"median": float(f"{np.median(best):.4g}"), "min": float(f"{best.min():.4g}"),
                      "max": float(f"{best.max():.4g}"), "below_bar": below,
                      "spread_median": float(f"{np.median(spread):.3g}"),
                      "samples_per_generation": round(size, 1)}
    print(json.dumps(out))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600, int(sys.argv[2]) if len(sys.argv) > 2 else 20)
