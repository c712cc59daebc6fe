"""The single-network learning claims of the LSM tests on seeds of your choice.

1. tests/test_lsm.py's "a balanced reservoir learns from few examples well above chance" (its seed 1 only): with the
   test's GOOD weights (imported), per seed, chance error - test error (the test asserts > 0.2), the firing rate
   (1-100 Hz) and the memory capacity (> 0.3).
2. tests/test_fidelity_simulators.py's "lsm error falls with more training examples" (seeds 0-2; settings written
   inside the test and repeated here: keep the two the same): per seed, the test error at the first budget point
   minus at the last (the test asserts the mean over its seeds > 0.1).

Printed: per-seed values, mean, mean - 3 SE, min, how many seeds fail the test's bound, whether it holds. The last
line is one JSON object.

    python scripts/lsm_learning_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_lsm import GOOD  # noqa: E402 - the test's own weights

from l2l.simulators import SIMULATORS  # noqa: E402
from l2l.simulators.lsm import LiquidStateMachine  # noqa: E402


def _job(seed: int) -> tuple[float, float, float, float]:
    result = LiquidStateMachine().run(GOOD, seed)
    simulator = SIMULATORS.create("lsm", {"tasks": 2, "train_examples": 24, "test_examples": 20})
    curve = np.asarray(simulator.run_to({}, seed, 24, None).curve["test_error"])
    return (float(result.metrics["chance_error"] - result.objectives["test_error"]),
            float(result.metrics["firing_rate"]), float(result.metrics["memory_capacity"]),
            float(curve[0, 1] - curve[-1, 1]))


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    with Pool(2) as pool:
        found = np.array(pool.map(_job, seeds)).T
    checks = {"chance - error (> 0.2 per seed)": (found[0], (found[0] <= 0.2).sum(), (found[0] > 0.2).all()),
              "firing rate (1-100 Hz per seed)": (found[1], ((found[1] <= 1) | (found[1] >= 100)).sum(),
                                                  ((found[1] > 1) & (found[1] < 100)).all()),
              "memory capacity (> 0.3 per seed)": (found[2], (found[2] <= 0.3).sum(), (found[2] > 0.3).all()),
              "error first - last budget (mean > 0.1)": (found[3], (found[3] <= 0.1).sum(), found[3].mean() > 0.1)}
    summary = {}
    for name, (values, wrong, holds) in checks.items():
        low = values.mean() - 3.0 * values.std(ddof=1) / np.sqrt(values.size)
        summary[name] = {"holds": bool(holds), "mean": round(float(values.mean()), 4),
                         "mean_minus_3se": round(float(low), 4), "min": round(float(values.min()), 4),
                         "beyond_bound": int(wrong), "values": [round(float(v), 4) for v in values]}
        print(f"{name:40s} mean {values.mean():8.3f}  mean - 3 SE {low:8.3f}  min {values.min():8.3f}  "
              f"beyond the bound on {int(wrong)} of {values.size}: {'holds' if holds else 'FAILS'}")
    print(json.dumps({"seeds": seeds, **summary}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
