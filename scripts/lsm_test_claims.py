"""The two claims of tests/test_lsm.py that outer-loop picks beat others on new reservoirs and tasks, on seeds of
your choice.

The test's own picks (CMAES_PICK, CMAES_360, RANDOM_360, imported from the test so that the two cannot drift apart),
LiquidStateMachine(tasks=8) as the tests build it; each seed is a new reservoir and new tasks. Per seed:

* default - CMA-ES pick (test error): the test asserts mean > 0.05, pick <= default on every seed and < on 4 of 6;
* random-search pick - CMA-ES pick at 360 evaluations: the test asserts mean > 0.025 and CMA-ES better on 5 of 6.

For each: the per-seed paired differences, mean, mean - 3 SE, min, how many seeds go the wrong way (< 0) and how
many are ties (= 0), and whether the test's assertions hold on these seeds (counts scaled to the number of seeds:
4 of 6 -> two thirds, 5 of 6 -> five sixths). The last line is one JSON object.

    python scripts/lsm_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_lsm import CMAES_360, CMAES_PICK, RANDOM_360  # noqa: E402 - the test's own picks
from l2l.simulators.lsm import LiquidStateMachine  # noqa: E402

PICKS = {"default": {}, "cmaes pick": CMAES_PICK, "cmaes 360": CMAES_360, "random 360": RANDOM_360}


def _error(job: tuple[str, int]) -> float:
    name, seed = job
    return float(LiquidStateMachine(tasks=8).run(PICKS[name], seed).objectives["test_error"])


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    jobs = [(name, s) for name in PICKS for s in seeds]
    with Pool(2) as pool:
        errors = dict(zip(PICKS, np.array(pool.map(_error, jobs)).reshape(len(PICKS), len(seeds))))
    claims = {"default - cmaes pick": (errors["default"] - errors["cmaes pick"], 0.05),
              "random 360 - cmaes 360": (errors["random 360"] - errors["cmaes 360"], 0.025)}
    summary = {}
    for name, (values, margin) in claims.items():
        low = values.mean() - 3.0 * values.std(ddof=1) / np.sqrt(values.size)
        better = int((values > 0).sum())
        if name.startswith("default"):
            holds = bool(values.mean() > margin and (values >= 0).all() and better >= 4 / 6 * values.size)
        else:
            holds = bool(values.mean() > margin and better >= 5 / 6 * values.size)
        summary[name] = {"margin": margin, "holds": holds, "mean": round(float(values.mean()), 4),
                         "mean_minus_3se": round(float(low), 4), "min": round(float(values.min()), 4),
                         "negative": int((values < 0).sum()), "ties": int((values == 0).sum()),
                         "values": [round(float(v), 4) for v in values]}
        print(f"{name:24s} mean {values.mean():+.4f} (> {margin})  mean - 3 SE {low:+.4f}  min {values.min():+.4f}  "
              f"negative {int((values < 0).sum())}, ties {int((values == 0).sum())} of {values.size}: "
              f"test's assertions {'hold' if holds else 'FAIL'}")
    print(json.dumps({"seeds": seeds, "mean_error": {n: round(float(v.mean()), 4) for n, v in errors.items()},
                      **summary}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
