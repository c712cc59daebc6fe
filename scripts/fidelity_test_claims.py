"""The claim of tests/test_fidelity_simulators.py's "quality improves with the budget on average over seeds" on seeds
of your choice.

The test's own cases (lsnn, egru, spore with their options, read from the test's parametrize mark) and checkpoint
round trip (stored), imported from the test so that the two cannot drift apart: per seed, the objective at the
fidelity's minimum and, continued from that checkpoint, at its maximum. The test asserts, over seeds 0..n-1 (5, 5
and 4): mean loss at the maximum < mean loss at the minimum - 0.05 (loss = the objective, or minus the reward).
Printed per case: per-seed improvements (loss at the minimum - loss at the maximum), mean (the test asserts > 0.05),
mean - 3 SE, min and how many seeds go the wrong way. The last line is one JSON object.

    python scripts/fidelity_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_fidelity_simulators import stored, test_quality_improves_with_the_budget_on_average_over_seeds as _test  # noqa: E402,E501

from l2l.simulators import SIMULATORS  # noqa: E402

CASES = {case[0]: case for mark in _test.pytestmark if mark.name == "parametrize" for case in mark.args[1]}


def _improvement(job: tuple[str, int]) -> float:
    name, seed = job
    _, options, objective, sign, _ = CASES[name]
    simulator = SIMULATORS.create(name, options)
    fidelity = simulator.fidelity()
    low = simulator.run_to({}, seed, fidelity.minimum, None)
    high = simulator.run_to({}, seed, fidelity.maximum, stored(low.checkpoint))
    return float(sign * low.objectives[objective] - sign * high.objectives[objective])


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    jobs = [(name, s) for name in CASES for s in seeds]
    with Pool(2) as pool:
        found = np.array(pool.map(_improvement, jobs)).reshape(len(CASES), len(seeds))
    summary = {}
    for name, values in zip(CASES, found):
        low = values.mean() - 3.0 * values.std(ddof=1) / np.sqrt(values.size)
        holds = bool(values.mean() > 0.05)
        summary[name] = {"holds": holds, "mean": round(float(values.mean()), 4), "mean_minus_3se": round(float(low), 4),
                         "min": round(float(values.min()), 4), "negative": int((values < 0).sum()),
                         "values": [round(float(v), 4) for v in values]}
        print(f"{name:6s} improvement: mean {values.mean():+.4f} (> 0.05 {'yes' if holds else 'NO'})  mean - 3 SE "
              f"{low:+.4f}  min {values.min():+.4f}  negative {int((values < 0).sum())} of {values.size}")
    print(json.dumps({"seeds": seeds, **summary}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
