"""The claims of tests/test_noisy_sgd_digits.py's learning tests on seeds of your choice.

1. "a falling learning rate beats every constant one" (test_a_falling_learning_rate_beats_every_constant_one_on_the_
   digits): noisy-sgd on the digits, 400 budget units, the five constant rates 0.025-0.158 and the schedule
   0.19 -> 0.021 over 10 intervals (the test's settings, written inside its function, so repeated here: keep the
   two the same). The test asserts: mean loss of the schedule < 0.92 x the smallest mean loss of a constant rate.
   Printed: each rate's mean loss, the assertion on these seeds, and per seed the paired difference 0.92 x (loss
   of the constant rate best on these seeds) - (loss of the schedule), with mean, mean - 3 SE, min and how many
   seeds go the wrong way; and per seed each constant rate's loss minus the schedule's (the schedule's gain), with
   mean, mean - 3 SE, min and how many seeds go the wrong way.
   The test now asserts the restated claim (written after seeds 200-209, checked on 300-309): the schedule's mean
   loss < 1.05 x the best constant's, and its gain over each of the two smallest constants > 0.05 at the mean minus
   three standard errors; printed as "restated".
2. "the network learns the digits from its seed" (test_the_network_learns_the_digits_from_its_seed, max_budget 120,
   learning rate 0.1, the test's seed 5): untrained held-out error > 0.6, trained < 0.35, trained loss < 0.5 x
   untrained loss, checked per seed; printed: the largest trained error, the largest trained/untrained loss ratio.

The last line is one JSON object.

    python scripts/noisy_sgd_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
from multiprocessing import Pool

import numpy as np

from l2l.simulators.noisy_sgd import NoisySGD

CONSTANTS = (0.025, 0.04, 0.063, 0.1, 0.158)
FALLING = tuple(0.19 * (0.11 ** (np.arange(10) / 9)))
FACTOR = 0.92
MATCH, SLOW_MARGIN = 1.05, 0.05


def _loss(job: tuple[tuple[float, ...], int]) -> float:
    rates, seed = job
    simulator = NoisySGD(task="digits", max_budget=400)
    checkpoint = None
    for piece, rate in enumerate(rates):
        result = simulator.run_to({"learning_rate": rate}, seed, 400 * (piece + 1) / len(rates), checkpoint)
        checkpoint = result.checkpoint
    return float(result.objectives["loss"])


def _learns(seed: int) -> tuple[float, float, float]:
    simulator = NoisySGD(task="digits", max_budget=120)
    untrained = simulator.run_to({"learning_rate": 0.1}, seed, 1, None)
    trained = simulator.run({"learning_rate": 0.1}, seed)
    return (float(untrained.metrics["held_out_error"]), float(trained.metrics["held_out_error"]),
            float(trained.objectives["loss"] / untrained.objectives["loss"]))


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    schedules = {**{f"constant {r}": (r,) for r in CONSTANTS}, "falling": FALLING}
    jobs = [(rates, s) for rates in schedules.values() for s in seeds]
    with Pool(2) as pool:
        losses = np.array(pool.map(_loss, jobs)).reshape(len(schedules), len(seeds))
        learned = np.array(pool.map(_learns, seeds))
    by_name = dict(zip(schedules, losses))
    for name, values in by_name.items():
        print(f"{name:16s} mean loss {values.mean():.4f}")
    best = min((n for n in schedules if n != "falling"), key=lambda n: by_name[n].mean())
    holds = bool(by_name["falling"].mean() < FACTOR * by_name[best].mean())
    values = FACTOR * by_name[best] - by_name["falling"]
    low = values.mean() - 3.0 * values.std(ddof=1) / np.sqrt(values.size)
    print(f"test's assertion: falling {by_name['falling'].mean():.4f} < {FACTOR} x {best} {by_name[best].mean():.4f}"
          f" = {FACTOR * by_name[best].mean():.4f}: {'holds' if holds else 'FAILS'}")
    print(f"per seed {FACTOR} x {best} - falling: mean {values.mean():+.4f}  mean - 3 SE {low:+.4f}  "
          f"min {values.min():+.4f}  negative {int((values < 0).sum())} of {values.size}")
    gains = {n: by_name[n] - by_name["falling"] for n in schedules if n != "falling"}
    for name, gain in gains.items():
        low_gain = gain.mean() - 3.0 * gain.std(ddof=1) / np.sqrt(gain.size)
        print(f"per seed {name} - falling: mean {gain.mean():+.4f}  mean - 3 SE {low_gain:+.4f}  min {gain.min():+.4f}  "
              f"negative {int((gain < 0).sum())} of {gain.size}")
    # the restated claim (after seeds 200-209 showed the 8 % gain was the selection seeds' luck): the schedule
    # matches the best constant (mean within 5 %) and beats the two smallest constants by 0.05 at mean - 3 SE
    slow = {n: float(g.mean() - 3.0 * g.std(ddof=1) / np.sqrt(g.size)) for n, g in gains.items()
            if n in (f"constant {CONSTANTS[0]}", f"constant {CONSTANTS[1]}")}
    restated = bool(by_name["falling"].mean() < MATCH * by_name[best].mean() and min(slow.values()) > SLOW_MARGIN)
    print(f"restated: falling {by_name['falling'].mean():.4f} < {MATCH} x {best} = {MATCH * by_name[best].mean():.4f}"
          f" and gain over {', '.join(slow)} at mean - 3 SE {min(slow.values()):+.4f} > {SLOW_MARGIN}: "
          f"{'holds' if restated else 'FAILS'}")
    untrained, trained, ratio = learned.T
    learns = bool((untrained > 0.6).all() and (trained < 0.35).all() and (ratio < 0.5).all())
    print(f"learns from its seed: smallest untrained error {untrained.min():.3f} (> 0.6), largest trained error "
          f"{trained.max():.3f} (< 0.35), largest loss ratio {ratio.max():.3f} (< 0.5): "
          f"{'holds on every seed' if learns else 'FAILS on some seed'}")
    print(json.dumps({"seeds": seeds, "mean_loss": {n: round(float(v.mean()), 4) for n, v in by_name.items()},
                      "falling_beats_best_constant": {"best_constant": best, "holds": holds,
                                                      "mean": round(float(values.mean()), 4),
                                                      "mean_minus_3se": round(float(low), 4),
                                                      "min": round(float(values.min()), 4),
                                                      "negative": int((values < 0).sum()),
                                                      "values": [round(float(v), 4) for v in values]},
                      "constant_minus_falling": {n: [round(float(v), 4) for v in g] for n, g in gains.items()},
                      "restated": {"holds": restated, "falling_over_best": round(float(by_name["falling"].mean()
                                                                                       / by_name[best].mean()), 4),
                                   "slow_gain_mean_minus_3se": {n: round(v, 4) for n, v in slow.items()}},
                      "learns_from_its_seed": {"holds": learns, "untrained_error": untrained.round(3).tolist(),
                                               "trained_error": trained.round(3).tolist(),
                                               "loss_ratio": ratio.round(3).tolist()}}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
