"""The claims of tests/test_lsnn.py's adaptation tests on seeds of your choice.

The test's own networks and bounds (LSNN() with tau_a 10 and 150 ms; _regularized with REGULARIZED; _lower/_upper:
mean -/+ three standard errors), imported from the test so that the two cannot drift apart. Per seed:

1. test_adaptation_slower_than_the_delay_is_needed_to_recall_over_several_seeds (seeds 20-25): recall error with
   tau_a = 10 ms (_lower > 0.35), with 150 ms (_upper < 0.2), and their difference (min over seeds > 0.15);
2. test_the_adaptation_needed_to_recall_grows_with_the_delay_at_a_realistic_firing_rate (seeds 30-33), regularized:
   error over 200 ms minus over 100 ms with tau_a = 100 (_lower > 0.1), error over 200 ms with tau_a 100 minus 200
   (_lower > 0.1), error with tau_a = 200 over 200 ms (_upper < 0.1), firing rates (5 < _lower, _upper < 25);
3. test_unregularized_networks_fire_far_above_cortical_rates: rate with tau_a = 150 ms (_lower > 50).

Printed: each figure's mean, the tested bound, min/max and whether it holds on these seeds. The last line is one
JSON object.

    python scripts/lsnn_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_lsnn import _lower, _regularized, _upper  # noqa: E402 - the test's own networks and bounds

from l2l.simulators.lsnn import LSNN  # noqa: E402


def _default(job: tuple[float, int]) -> tuple[float, float]:
    tau_a, seed = job
    result = LSNN().run({"tau_a": tau_a}, seed)
    return float(result.objectives["recall_error"]), float(result.metrics["firing_rate"])


def _job(job: tuple) -> tuple[float, float]:
    return _default(job[1:]) if job[0] == "default" else _regularized(*job[1:])


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    cases = [("default", 10.0), ("default", 150.0), ("regularized", 100, 100.0), ("regularized", 200, 100.0),
             ("regularized", 200, 200.0)]
    jobs = [(*case, s) for case in cases for s in seeds]
    with Pool(2) as pool:
        found = np.array(pool.map(_job, jobs)).reshape(len(cases), len(seeds), 2)
    (short, _), (long, long_rate), (reg_short, reg_short_rate), (reg_long, _), (reg_longer, reg_longer_rate) = (
        found.transpose(0, 2, 1))
    checks = {
        "tau_a 10 error (_lower > 0.35)": (short, _lower(short), _lower(short) > 0.35),
        "tau_a 150 error (_upper < 0.2)": (long, _upper(long), _upper(long) < 0.2),
        "tau_a 10 - 150 error (min > 0.15)": (short - long, (short - long).min(), (short - long).min() > 0.15),
        "reg: 200 ms - 100 ms, tau_a 100 (_lower > 0.1)": (reg_long - reg_short, _lower(reg_long - reg_short),
                                                           _lower(reg_long - reg_short) > 0.1),
        "reg: tau_a 100 - 200 over 200 ms (_lower > 0.1)": (reg_long - reg_longer, _lower(reg_long - reg_longer),
                                                            _lower(reg_long - reg_longer) > 0.1),
        "reg: tau_a 200 over 200 ms (_upper < 0.1)": (reg_longer, _upper(reg_longer), _upper(reg_longer) < 0.1),
        "reg: rate tau_a 200 (5 < _lower)": (reg_longer_rate, _lower(reg_longer_rate), _lower(reg_longer_rate) > 5),
        "reg: rate tau_a 200 (_upper < 25)": (reg_longer_rate, _upper(reg_longer_rate), _upper(reg_longer_rate) < 25),
        "reg: rate tau_a 100, 100 ms (_upper < 25)": (reg_short_rate, _upper(reg_short_rate),
                                                      _upper(reg_short_rate) < 25),
        "unregularized rate tau_a 150 (_lower > 50)": (long_rate, _lower(long_rate), _lower(long_rate) > 50),
    }
    summary = {}
    for name, (values, figure, holds) in checks.items():
        summary[name] = {"holds": bool(holds), "mean": round(float(values.mean()), 4), "tested": round(float(figure), 4),
                         "min": round(float(values.min()), 4), "max": round(float(values.max()), 4),
                         "values": [round(float(v), 4) for v in values]}
        print(f"{name:48s} mean {values.mean():8.3f}  tested {figure:8.3f}  min {values.min():8.3f}  "
              f"max {values.max():8.3f}: {'holds' if holds else 'FAILS'}")
    print(json.dumps({"seeds": seeds, **summary}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
