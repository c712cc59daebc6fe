"""The sigmoid-unit ``spore`` (point reaching) with early reward in a fixed window instead of the best bin.

The documented ``reward_early`` of ``spore`` is the best bin of the first half of the smoothed reward curve,
which noise biases upwards; ``reward_early_window`` is the mean over the fixed window 20-40 % of learning
(60-120 s of the default 300 s). For constant and annealed temperatures 50, 5 and 1 and constant 0.3 on
seeds 100-107 (defaults otherwise), prints both and ``reward_late`` (mean +- sd over seeds) and the paired
difference annealed - constant of ``reward_late`` (95 % t half width). Writes
``benchmarks/results/spore_fixed_windows.json``; last line: one JSON object. About 1-2 s per run.

    OMP_NUM_THREADS=1 nice python benchmarks/spore_fixed_windows.py [--seeds 8] [--first-seed 100]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from l2l.simulators.spore import Spore  # noqa: E402

SETTINGS = {
    "constant T=50": {"temperature": 50.0}, "anneal T=50->0": {"temperature": 50.0, "schedule": "anneal"},
    "constant T=5": {"temperature": 5.0}, "anneal T=5->0": {"temperature": 5.0, "schedule": "anneal"},
    "constant T=1": {"temperature": 1.0}, "anneal T=1->0": {"temperature": 1.0, "schedule": "anneal"},
    "constant T=0.3": {"temperature": 0.3},
}
KEYS = ("reward_early", "reward_early_window", "reward_late", "reward_lost", "reward_lost_window")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "spore_fixed_windows.json"))
    args = parser.parse_args()
    started = time.time()
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    runs = {name: [Spore(**options).run({}, seed).metrics for seed in seeds] for name, options in SETTINGS.items()}
    summary = {name: {key: [round(float(np.mean([m[key] for m in metrics])), 4),
                            round(float(np.std([m[key] for m in metrics], ddof=1)), 4)] for key in KEYS}
               for name, metrics in runs.items()}
    print(f"{'setting':16s} " + " ".join(f"{key:>22s}" for key in KEYS))
    for name, entry in summary.items():
        print(f"{name:16s} " + " ".join(f"{m:+12.3f} ± {s:6.3f}" for m, s in entry.values()))
    differences = {}
    for temperature in ("50", "5", "1"):
        gains = np.array([a["reward_late"] - c["reward_late"] for a, c in
                          zip(runs[f"anneal T={temperature}->0"], runs[f"constant T={temperature}"])])
        half = stats.t.ppf(0.975, len(gains) - 1) * gains.std(ddof=1) / np.sqrt(len(gains))
        differences[f"anneal minus constant, T={temperature}, reward_late"] = [round(float(gains.mean()), 4),
                                                                               round(float(half), 4)]
    print(json.dumps(differences))
    record = {"seeds": seeds, "settings": SETTINGS, "summary": summary, "differences": differences,
              "seconds": round(time.time() - started, 1)}
    Path(args.out).write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps(record))


if __name__ == "__main__":
    main()
