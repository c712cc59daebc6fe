"""The claim of tests/test_policies.py's "the model-based policy's proposals find better candidates than random ones
on the same schedule" on seeds of your choice.

The test's own run and score (model_based, agreeing, imported from the test so that the two cannot drift apart; the
regret is written inside the test and repeated here: keep the two the same): per seed, log10 of the regret of the
best candidate at the top budget with random_fraction = 1 minus with the defaults (the model's gain, in decades).
The test asserts over seeds 0-4: mean gain > 1.0 and gain > 0 on 4 of 5. Printed: per-seed gains, mean, mean - 3 SE,
min, how many seeds go the wrong way and whether the test's assertion (4 of 5 scaled) holds. The last line is one
JSON object.

    python scripts/policies_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_policies import agreeing, model_based  # noqa: E402 - the test's own run and score

from l2l.policies import budget_key  # noqa: E402


def _regret(job: tuple[float | None, int]) -> float:
    fraction, seed = job
    options = {} if fraction is None else {"random_fraction": fraction}
    _, trials, _ = model_based(agreeing, seed, **options)
    return float(np.log10(-max(r["scores"][budget_key(81.0)] for r in trials.values()
                               if budget_key(81.0) in r["scores"])))


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    jobs = [(fraction, s) for fraction in (1.0, None) for s in seeds]
    with Pool(2) as pool:
        found = np.array(pool.map(_regret, jobs)).reshape(2, len(seeds))
    values = found[0] - found[1]
    low = values.mean() - 3.0 * values.std(ddof=1) / np.sqrt(values.size)
    holds = bool(values.mean() > 1.0 and (values > 0).sum() >= 0.8 * values.size)
    print(f"random proposals - model (log10 regret): mean {values.mean():+.3f} (> 1.0)  mean - 3 SE {low:+.3f}  "
          f"min {values.min():+.3f}  negative {int((values <= 0).sum())} of {values.size}: test's assertion "
          f"{'holds' if holds else 'FAILS'}")
    print(json.dumps({"seeds": seeds, "holds": holds, "mean": round(float(values.mean()), 4),
                      "mean_minus_3se": round(float(low), 4), "min": round(float(values.min()), 4),
                      "negative": int((values <= 0).sum()), "values": [round(float(v), 4) for v in values]}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
