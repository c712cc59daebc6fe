"""The claim of tests/test_pbt.py's "PBT beats constant learning rates at equal compute on fresh seeds" on seeds of
your choice.

The test's own PBT config and space (pbt_config, SPACE, imported from the test so that the two cannot drift apart;
the loop is written inside the test and repeated here: keep the two the same). Per run seed: PBT's best member's
schedule and random search's best constant rate (8 x 100 steps, the same compute) are each retrained on six noise
seeds no run saw (the test's 1000-1005; give another first noise seed for a fresh set), and the gain is the mean
loss of the constant minus that of the schedule. The test asserts, over run seeds 0-4: mean gain > 0 and gain > 0 on
4 of 5. Printed: per-seed gains, mean, mean - 3 SE, min, how many seeds go the wrong way and whether the test's
assertion (4 of 5 scaled to the number of seeds) holds. The last line is one JSON object.

    python scripts/pbt_test_claims.py [first run seed, default 200] [count, default 10] [first noise seed, default 5000]
"""

from __future__ import annotations

import json
import sys
import tempfile
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_pbt import pbt_gain  # noqa: E402 - the test's own runs and measure


def _gain(job: tuple[int, int]) -> float:
    seed, first_noise = job
    with tempfile.TemporaryDirectory() as folder:
        return pbt_gain(seed, Path(folder), range(first_noise, first_noise + 6))


def main(first: int, count: int, first_noise: int) -> None:
    seeds = list(range(first, first + count))
    with Pool(2) as pool:
        values = np.array(pool.map(_gain, [(s, first_noise) for s in seeds]))
    low = values.mean() - 3.0 * values.std(ddof=1) / np.sqrt(values.size)
    holds = bool(values.mean() > 0 and (values > 0).sum() >= 0.8 * values.size)
    print(f"constant - pbt (noise seeds {first_noise}-{first_noise + 5}): mean {values.mean():+.4f}  "
          f"mean - 3 SE {low:+.4f}  min {values.min():+.4f}  negative {int((values <= 0).sum())} of {values.size}: "
          f"test's assertion {'holds' if holds else 'FAILS'}")
    print(json.dumps({"seeds": seeds, "noise_seeds": [first_noise, first_noise + 5], "holds": holds,
                      "mean": round(float(values.mean()), 4), "mean_minus_3se": round(float(low), 4),
                      "min": round(float(values.min()), 4), "negative": int((values <= 0).sum()),
                      "values": [round(float(v), 4) for v in values]}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10,
         int(sys.argv[3]) if len(sys.argv) > 3 else 5000)
