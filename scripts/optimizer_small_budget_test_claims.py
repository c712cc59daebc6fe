"""The claim of tests/test_optimizer_small_budget.py's "every one beats random search" test on seeds of your choice.

The test's own optimizers (SINGLE), shifted test functions, problem, run loop and margins, imported from the test so
that the two cannot drift apart: at 10 evaluations per dimension (2-D one at a time, 5-D in batches of 16), the mean
log10 precision over the seeds and the eight functions is below random search's by more than the margin (0.08 in
2-D, 0.15 in 5-D). For each optimizer and case: the per-seed paired differences (random search's mean log10
precision over the eight functions minus the optimizer's), their mean (what the test asserts > margin), the mean
minus three standard errors, the smallest and how many seeds go the wrong way (difference < 0). The last line is
one JSON object.

    python scripts/optimizer_small_budget_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_optimizer_small_budget import SINGLE, _functions, box, optimizer, run  # noqa: E402 - the test's own
from l2l.optimizers import OPTIMIZERS  # noqa: E402

CASES = ((2, 1, 0.08), (5, 16, 0.15))  # the test's (dimension, batch, margin)


def _per_seed(job: tuple[str | None, int, int, int]) -> float:
    """Mean log10 precision over the eight functions of one seed, as the test's _precision computes it."""
    name, dimension, batch, seed = job
    problem, budget = box(dimension), 10 * dimension
    figures = []
    for function in _functions(dimension):
        opt = OPTIMIZERS.create("random", {}) if name is None else optimizer(name, budget=budget)
        figures.append(np.log10(max(run(opt, problem, function, budget, batch, seed)[1], 1e-8)))
    return float(np.mean(figures))


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    jobs = [(name, d, b, s) for d, b, _ in CASES for name in [None, *SINGLE] for s in seeds]
    with Pool(2) as pool:
        found = dict(zip(jobs, pool.map(_per_seed, jobs)))
    summary = {}
    for d, b, margin in CASES:
        random = np.array([found[None, d, b, s] for s in seeds])
        for name in SINGLE:
            values = random - np.array([found[name, d, b, s] for s in seeds])
            low = values.mean() - 3.0 * values.std(ddof=1) / np.sqrt(values.size)
            key = f"{name} {d}-D batch {b}"
            summary[key] = {"margin": margin, "mean": round(float(values.mean()), 4),
                            "mean_minus_3se": round(float(low), 4), "min": round(float(values.min()), 4),
                            "negative": int((values < 0).sum()), "holds": bool(values.mean() > margin),
                            "values": [round(float(v), 4) for v in values]}
            print(f"{key:40s} mean {values.mean():+.3f} (> {margin} {'yes' if values.mean() > margin else 'NO '})  "
                  f"mean - 3 SE {low:+.3f}  min {values.min():+.3f}  negative {int((values < 0).sum())} of {values.size}")
    print(json.dumps({"seeds": seeds, **summary}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
