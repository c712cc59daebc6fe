"""The claim of tests/test_pbt.py's "PBT beats constant learning rates at equal compute on fresh seeds" on seeds of
your choice.

The test's own runs and measure (pbt_gain, imported from the test so that the two cannot drift apart): per run seed,
PBT's best member's schedule and random search's best constant rate (8 x 100 steps, the same compute) are each
retrained on eight noise seeds no run saw (the test's FRESH, 1000-1007; give another first noise seed for a fresh
set), and the gain is the constant's mean loss minus the schedule's. The test asserts, over run seeds 0-4: mean gain
> -0.05 and gain > 0 on at least 2 of 5 (until session 44: mean gain > 0 and gain > 0 on 4 of 5, six noise seeds).

Printed: the mean gain, its standard error and mean - 3 SE, how many seeds gain, the quartiles, and for the seeds cut
into disjoint sets of five (the test's size) how many sets pass the test's assertion and how many the old one
(mean > 0 and 4 of 5) would. The last line is one JSON object.

    python scripts/pbt_test_claims.py [first run seed, default 1300] [count, default 120] [first noise seed, default 130000]

About 40 s of wall time for 120 seeds on two cores (two processes).
"""

from __future__ import annotations

import json
import sys
import tempfile
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_pbt import FRESH, pbt_gain  # noqa: E402 - the test's own runs and measure


def _gain(job: tuple[int, int]) -> float:
    seed, first_noise = job
    with tempfile.TemporaryDirectory() as folder:
        return pbt_gain(seed, Path(folder), range(first_noise, first_noise + len(FRESH)))


def main(first: int, count: int, first_noise: int) -> None:
    seeds = list(range(first, first + count))
    with Pool(2) as pool:
        values = np.array(pool.map(_gain, [(s, first_noise) for s in seeds]))
    se = values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else float("nan")
    sets = values[: values.size // 5 * 5].reshape(-1, 5)
    new = int(((sets.mean(1) > -0.05) & ((sets > 0).sum(1) >= 2)).sum())
    old = int(((sets.mean(1) > 0) & ((sets > 0).sum(1) >= 4)).sum())
    quartiles = np.quantile(values, [0.25, 0.5, 0.75])
    noise = f"{first_noise}-{first_noise + len(FRESH) - 1}"
    print(f"run seeds {first}-{first + count - 1}, noise seeds {noise}: constant - pbt mean {values.mean():+.4f} "
          f"(SE {se:.4f}, mean - 3 SE {values.mean() - 3 * se:+.4f}), positive on {int((values > 0).sum())} of "
          f"{values.size}, quartiles {quartiles[0]:+.3f} / {quartiles[1]:+.3f} / {quartiles[2]:+.3f}, "
          f"min {values.min():+.3f}; of {len(sets)} disjoint sets of five the test's assertion holds on {new}, "
          f"the old one (4 of 5) on {old}")
    print(json.dumps({"seeds": [first, first + count - 1], "noise_seeds": [first_noise, first_noise + len(FRESH) - 1],
                      "mean": round(float(values.mean()), 4), "se": round(float(se), 4),
                      "mean_minus_3se": round(float(values.mean() - 3 * se), 4),
                      "positive": int((values > 0).sum()), "count": int(values.size),
                      "quartiles": [round(float(q), 4) for q in quartiles], "min": round(float(values.min()), 4),
                      "sets_of_five": len(sets), "sets_holding": new, "sets_holding_old_assertion": old,
                      "values": [round(float(v), 4) for v in values]}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1300, int(sys.argv[2]) if len(sys.argv) > 2 else 120,
         int(sys.argv[3]) if len(sys.argv) > 3 else 130000)
