"""The claim of tests/test_optimizer_batches.py's "in batches of 16 in 2-D each beats random search by two standard
errors" on seeds of your choice.

The test's own optimizers (read from its parametrize mark), suite and run (SUITE, best_in_batches: 80 evaluations
asked 16 at a time, default options), imported from the test so that the two cannot drift apart. Per seed: the
mean over the suite of log10 of the best value, for the optimizer and for random search. The test asserts, over its
seeds 0-9: mean(random) - mean(optimizer) > 2 x sqrt((var(optimizer) + var(random)) / n). Printed: that figure and
bound, and the per-seed paired differences (random - optimizer) with mean, mean - 3 SE, min and how many seeds go
the wrong way. The last line is one JSON object.

    python scripts/optimizer_batches_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_optimizer_batches import SUITE, best_in_batches  # noqa: E402 - the test's own suite and run
from test_optimizer_batches import test_in_batches_of_16_in_2d_each_beats_random_search_by_two_standard_errors as _test  # noqa: E402,E501

NAMES = [name for mark in _test.pytestmark if mark.name == "parametrize" for name in mark.args[1]]


def _per_seed(job: tuple[str, int]) -> float:
    name, seed = job
    return float(np.mean([best_in_batches(name, seed, f) for f in SUITE]))


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    jobs = [(name, s) for name in ["random", *NAMES] for s in seeds]
    with Pool(2) as pool:
        found = dict(zip(jobs, pool.map(_per_seed, jobs)))
    random = np.array([found["random", s] for s in seeds])
    summary = {}
    for name in NAMES:
        ours = np.array([found[name, s] for s in seeds])
        gap = random.mean() - ours.mean()
        bound = 2 * np.sqrt((np.var(ours) + np.var(random)) / len(seeds))
        values = random - ours
        low = values.mean() - 3.0 * values.std(ddof=1) / np.sqrt(values.size)
        summary[name] = {"holds": bool(gap > bound), "gap": round(float(gap), 4), "two_se": round(float(bound), 4),
                         "paired_mean_minus_3se": round(float(low), 4), "min": round(float(values.min()), 4),
                         "negative": int((values < 0).sum()), "values": [round(float(v), 4) for v in values]}
        print(f"{name:20s} gap {gap:+.3f} vs 2 SE {bound:.3f}: {'holds' if gap > bound else 'FAILS'};  paired mean - 3 SE "
              f"{low:+.3f}  min {values.min():+.3f}  negative {int((values < 0).sum())} of {values.size}")
    print(json.dumps({"seeds": seeds, **summary}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
