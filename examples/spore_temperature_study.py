"""Documented run: SPORE with a constant high temperature vs an annealed one.

Reaching task, default options (300 s of simulated learning), temperature 50:
constant, or annealed towards 0 with a 20 s time constant; a low constant
temperature (0.3) for reference. For each seed prints the best reward of the
first half of learning (``reward_early``), the mean reward of the last quarter
(``reward_late``, the fitness) and their difference (``reward_lost``); last
line: one JSON object with the means. About 1-2 s per run on one core.

    python examples/spore_temperature_study.py [seeds]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from l2l.simulators.spore import Spore

SETTINGS = {
    "constant T=50": {"temperature": 50.0, "schedule": "constant"},
    "anneal T=50->0": {"temperature": 50.0, "schedule": "anneal"},
    "constant T=0.3": {"temperature": 0.3, "schedule": "constant"},
}
KEYS = ("reward_early", "reward_late", "reward_lost", "retracted")


def main(seeds: int) -> None:
    summary = {}
    for label, options in SETTINGS.items():
        runs = [Spore(**options).run({}, seed) for seed in range(seeds)]
        for seed, run in enumerate(runs):
            print(f"{label:15s} seed {seed}: " + "  ".join(f"{k} {run.metrics[k]:7.3f}" for k in KEYS), flush=True)
        curve = np.mean([r.traces["reward_curve"] for r in runs], axis=0)
        summary[label] = {k: round(float(np.mean([r.metrics[k] for r in runs])), 4) for k in KEYS}
        summary[label]["curve_every_25s"] = [round(float(v), 3) for v in curve.reshape(12, 5).mean(axis=1)]
        print(f"{label:15s} mean: {summary[label]}", flush=True)
    print(json.dumps(summary))


def seed_count(text: str) -> int:
    """argparse type of the number of seeds: a whole number, at least 1 (0 or -1 ended in a traceback)."""
    value = int(text)  # not a number: argparse says "invalid seed_count value"
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="?", type=seed_count, default=8, help="number of seeds (0, 1, ...) to run (default 8)")
    main(parser.parse_args().seeds)
