"""Sparse RTRL's deferral depth and window, and the speed of the in-place propagation product by its inner size.

Run by hand: ``python benchmarks/rtrl_depth.py [--seed 100] [--repeats 3]``. Single BLAS thread; CPU time
(``time.process_time``), so that waiting for the shared machine's cores is not counted; the load average
is printed. Part 1: the digits EGRU of ``benchmarks/rtrl.py`` (trained with the same settings and seed),
sparse RTRL at several ``depth`` values, and at several ``window`` values (steps whose element-wise
bookkeeping is done at once; dense RTRL at the same window as sparse RTRL's default, 16), taking turns,
sequence by sequence, with dense RTRL; the median of the per-repeat speed-ups. Part 2: ``S += J Y``
(64 x k times k x 14080, the digits network's shape) by ``kernels.accumulate``, GMAC/s by k. The last line
is one JSON object.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtrl import PENALTY, trained_network  # noqa: E402

from l2l.simulators.rtrl.kernels import accumulate  # noqa: E402
from l2l.simulators.rtrl.rtrl import RTRL  # noqa: E402

DEPTHS = (1, 4, 8, 16, 64)
WINDOWS = (1, 4, 16)


def depth_speedups(seed: int, repeats: int, sequences: int) -> dict:
    cell, params, readout, inputs, targets, _ = trained_network(20, PENALTY, 0.005, seed)
    learners = {"dense": RTRL(cell, params, readout, sparse=False)}
    learners.update({depth: RTRL(cell, params, readout, sparse=True, depth=depth) for depth in DEPTHS})
    learners.update({f"window {window}": RTRL(cell, params, readout, sparse=True, window=window)
                     for window in WINDOWS})
    seconds = {name: np.zeros(repeats) for name in learners}
    names = list(learners)
    for repeat in range(repeats):
        for index, (sequence, labels) in enumerate(zip(inputs[:sequences], targets[:sequences])):
            for name in names[index % len(names):] + names[:index % len(names)]:
                learner = learners[name]
                learner.reset()
                start = time.process_time()
                for x, target in zip(sequence, labels):
                    learner.step(x, int(target))
                learner.result()
                seconds[name][repeat] += time.process_time() - start
    return {name: float(np.median(seconds["dense"] / seconds[name])) for name in learners if name != "dense"}


def product_speed(inner_sizes, rows: int = 64, columns: int = 14080, calls: int = 20) -> dict:
    rng = np.random.default_rng(0)
    target, blocks = rng.normal(size=(rows, columns)), rng.normal(size=(max(inner_sizes), columns))
    speed = {}
    for k in inner_sizes:
        coefficients = rng.normal(size=(rows, k))
        times = []
        for _ in range(calls):
            start = time.process_time()
            accumulate(target, coefficients, blocks[:k])
            times.append(time.process_time() - start)
        speed[k] = rows * k * columns / float(np.median(times)) / 1e9
    return speed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sequences", type=int, default=40)
    args = parser.parse_args()
    load = [os.getloadavg()[0]]
    speedups = depth_speedups(args.seed, args.repeats, args.sequences)
    load.append(os.getloadavg()[0])
    print(f"Digits EGRU (seed {args.seed}), first {args.sequences} test digits, {args.repeats} repeats, "
          f"CPU-time speed-up of sparse over dense RTRL by depth (load {load[0]:.1f} / {load[1]:.1f})")
    print("| depth | " + " | ".join(str(depth) for depth in DEPTHS) + " |")
    print("|---|" + "---|" * len(DEPTHS))
    print("| speed-up | " + " | ".join(f"{speedups[depth]:.2f}x" for depth in DEPTHS) + " |")
    print("\n| window | " + " | ".join(str(window) for window in WINDOWS) + " |")
    print("|---|" + "---|" * len(WINDOWS))
    print("| speed-up | " + " | ".join(f"{speedups[f'window {window}']:.2f}x" for window in WINDOWS) + " |")
    speed = product_speed((1, 2, 4, 8, 12, 16, 32, 64))
    print(f"\nIn-place product S += J Y, 64 x k times k x 14080: GMAC/s (CPU time, load {os.getloadavg()[0]:.1f})")
    print("| k | " + " | ".join(str(k) for k in speed) + " |")
    print("|---|" + "---|" * len(speed))
    print("| GMAC/s | " + " | ".join(f"{value:.1f}" for value in speed.values()) + " |")
    print(json.dumps({"seed": args.seed, "speedup_by_depth": {d: speedups[d] for d in DEPTHS},
                      "speedup_by_window": {w: speedups[f"window {w}"] for w in WINDOWS},
                      "gmacs_by_k": speed, "load": load}))


if __name__ == "__main__":
    main()
