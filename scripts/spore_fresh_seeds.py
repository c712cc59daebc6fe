"""SPORE's temperature finding on seeds of your choice (docs/spore_hardware.md).

Constant T = 50 against annealing from T = 50, reaching task, simulator defaults;
prints each seed and the mean ± sd over the seeds of reward_lost and reward_late,
and the paired difference of reward_late. The last line is one JSON object.

    python scripts/spore_fresh_seeds.py [first seed, default 100] [count, default 8]
"""

from __future__ import annotations

import json

import numpy as np

from l2l.simulators.spore import Spore


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    constant = [Spore(temperature=50.0).run({}, seed).metrics for seed in seeds]
    annealed = [Spore(temperature=50.0, schedule="anneal").run({}, seed).metrics for seed in seeds]
    for seed, c, a in zip(seeds, constant, annealed):
        print(f"seed {seed}: constant lost {c['reward_lost']:.3f} late {c['reward_late']:.3f} | "
              f"anneal lost {a['reward_lost']:.3f} late {a['reward_late']:.3f}")
    summary = {}
    for name, runs in (("constant", constant), ("anneal", annealed)):
        for key in ("reward_lost", "reward_late"):
            values = np.array([run[key] for run in runs])
            summary[f"{name}_{key}"] = {"mean": round(float(values.mean()), 3),
                                        "sd": round(float(values.std(ddof=1)), 3)}
    gain = np.array([a["reward_late"] - c["reward_late"] for c, a in zip(constant, annealed)])
    summary["late_gain"] = {"mean": round(float(gain.mean()), 3), "min": round(float(gain.min()), 3),
                            "max": round(float(gain.max()), 3)}
    for key, value in summary.items():
        print(f"{key:22s} {value}")
    print(json.dumps({"seeds": seeds, **summary}))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=int, nargs="?", default=100, help="first seed (default 100)")
    parser.add_argument("count", type=int, nargs="?", default=8, help="number of seeds (default 8)")
    args = parser.parse_args()
    if args.count < 1 or args.first < 0:
        parser.error(f"a first seed of 0 or more and a count of 1 or more expected, got {args.first} {args.count}")
    main(args.first, args.count)
