"""The three claims of tests/test_spore_arm.py's learning test on seeds of your choice (docs/spore_hardware.md).

SporeArm with the simulator's defaults, 200 s of learning at 10 ms steps (the test's settings), each seed run three
ways: learning, temperature only (reward_gain = 0) and frozen (learning_rate = 0). For each claim the paired
differences of the seeds, their mean, the mean minus three standard errors (what the test asserts against) and the
smallest: learning against temperature only and against frozen (reward_late), and learning against its own start
(reward_late - reward_initial). The last line is one JSON object.

    python scripts/spore_arm_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
from multiprocessing import Pool

import numpy as np

from l2l.simulators.spore_arm import SporeArm

VARIANTS = {"learn": {}, "temperature only": {"reward_gain": 0.0}, "frozen": {"learning_rate": 0.0}}


def _metrics(job: tuple[str, int]) -> dict:
    name, seed = job
    return SporeArm(duration=200.0, dt=0.01, **VARIANTS[name]).run({}, seed).metrics


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    jobs = [(name, seed) for name in VARIANTS for seed in seeds]
    with Pool(2) as pool:
        done = iter(pool.map(_metrics, jobs))
    runs = {name: [next(done) for _ in seeds] for name in VARIANTS}
    claims = {
        "learn - temperature only": [a["reward_late"] - b["reward_late"]
                                     for a, b in zip(runs["learn"], runs["temperature only"])],
        "learn - frozen": [a["reward_late"] - b["reward_late"] for a, b in zip(runs["learn"], runs["frozen"])],
        "late - initial (learn)": [m["reward_late"] - m["reward_initial"] for m in runs["learn"]],
    }
    summary = {}
    for name, values in claims.items():
        values = np.asarray(values)
        margin = 3.0 * values.std(ddof=1) / np.sqrt(values.size)
        summary[name] = {"mean": round(float(values.mean()), 4), "mean_minus_3se": round(float(values.mean() - margin), 4),
                         "min": round(float(values.min()), 4), "negative": int((values < 0).sum()),
                         "values": [round(float(v), 4) for v in values]}
        print(f"{name:26s} mean {values.mean():+.4f}  mean - 3 SE {values.mean() - margin:+.4f}  "
              f"min {values.min():+.4f}  negative {int((values < 0).sum())} of {values.size}")
    print(json.dumps({"seeds": seeds, "duration_s": 200.0, "dt_s": 0.01, **summary}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
