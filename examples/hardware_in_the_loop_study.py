"""Documented run: hardware in the loop vs transfer, and one chip vs several.

For each seed, a small antithetic evolution strategy (written here, numpy
only) optimizes the 4 x 12 weights of the analog classifier

* on the ideal model (no hardware), then the weights are transferred to chip 0;
* in the loop on emulated chip 0;
* in the loop on chips 0..5 (mean loss over the six chips);

and every result is scored on chip 0 and on ten chips no optimization saw
(10..19), with 10 fresh evaluation seeds of 200 patterns. Mismatch 20 %,
trial noise 2 %, 6-bit weights in [-1, 1]. Prints a table and, last, one
JSON line with the means. About 3 s per seed on one core (13 s for five).

    python examples/hardware_in_the_loop_study.py [seeds]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from l2l.simulators import SIMULATORS
from l2l.simulators.analog_classifier import AnalogClassifier

CLASSIFIER = "l2l.simulators.analog_classifier:AnalogClassifier"
SHAPE = (4, 12)


def chips(ids):
    return SIMULATORS.create("emulated-hardware", {"simulator": CLASSIFIER, "chips": list(ids), "mismatch": 0.2})


def evolve(simulator, seed, generations=60, pairs=8, sigma=0.1, step=0.1):
    rng = np.random.default_rng(seed)
    mean = rng.uniform(0.0, 0.3, SHAPE)
    utilities = np.linspace(0.5, -0.5, 2 * pairs)
    for _ in range(generations):
        evaluation_seed = int(rng.integers(2 ** 62))
        half = rng.standard_normal((pairs,) + SHAPE)
        noise = np.concatenate([half, -half])
        candidates = np.clip(mean + sigma * noise, -1, 1)
        losses = [simulator.run({"weights": c}, evaluation_seed).objectives["loss"] for c in candidates]
        ranked = np.empty(2 * pairs)
        ranked[np.argsort(losses)] = utilities
        mean = np.clip(mean + step * np.tensordot(ranked, noise, axes=1) / pairs, -1, 1)
    return mean


def score(simulator, weights):
    runs = [simulator.run({"weights": weights}, s) for s in range(1000, 1010)]
    return (float(np.mean([r.metrics["accuracy"] for r in runs])),
            float(np.mean([r.objectives["loss"] for r in runs])))


def main(seeds: int) -> None:
    ideal, chip0, unseen = AnalogClassifier(), chips([0]), chips(range(10, 20))
    rows = []
    print("seed | ideal->ideal | ideal->chip0 | loop(chip0)->chip0 | ideal->unseen | loop(chip0)->unseen"
          " | loop(chips0-5)->unseen   (accuracy / loss)")
    for seed in range(seeds):
        model, single, multi = evolve(ideal, seed), evolve(chip0, seed), evolve(chips(range(6)), seed)
        row = [score(ideal, model), score(chip0, model), score(chip0, single),
               score(unseen, model), score(unseen, single), score(unseen, multi)]
        rows.append(row)
        print(f"{seed:4d} | " + " | ".join(f"{a:.3f} / {l:.3f}" for a, l in row), flush=True)
    mean = np.mean(np.array(rows), axis=0)
    names = ["ideal_on_ideal", "transferred_to_chip0", "in_loop_on_chip0", "ideal_on_unseen",
             "single_chip_on_unseen", "six_chips_on_unseen"]
    print(json.dumps({name: {"accuracy": round(float(a), 4), "loss": round(float(l), 4)}
                      for name, (a, l) in zip(names, mean)}))


def seed_count(text: str) -> int:
    """argparse type of the number of seeds: a whole number, at least 1 (0 or -1 ended in a traceback)."""
    value = int(text)  # not a number: argparse says "invalid seed_count value"
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="?", type=seed_count, default=5, help="number of seeds (0, 1, ...) to run (default 5)")
    main(parser.parse_args().seeds)
