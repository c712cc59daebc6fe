"""What a 20 ms sleep evaluation costs beyond its 20 ms, and where that goes: a diagnostic of the GA barrier.

The parallel efficiency of ``overhead.py`` (ideal time / wall time) counts every
microsecond of an evaluation beyond its nominal 20 ms against l2l. This script
measures, in one process and without Dask, on this machine:

1. ``time.sleep(0.02)``'s own overshoot (the operating system's wake-up);
2. a fixed few-microsecond piece of Python (build a small array, sum it, sort
   a dict) run hot, in a loop, and run right after a 20 ms sleep: code that
   runs after a wake-up is slower than the same code run hot (caches and
   address translations refilled after the thread slept);
3. the overshoot of ``l2l.jobs.base.evaluate`` on the built-in ``sleep``
   simulator, and of ``evaluate_chunk`` (as a ``local`` worker runs it), each
   beside plain sleeps measured in the same rounds.

No target: the figures explain the part of the GA's lost time that is not the
pauses between generations. Run ``python benchmarks/wake_cost.py [--sleeps 200
--rounds 3]``; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np

from l2l.jobs.base import Settings, Task, evaluate, evaluate_chunk
from l2l.simulators.functions import Sleep

SECONDS = 0.02


def work() -> list[str]:
    x = np.zeros(3)
    s = float(np.sum(x * x))
    return sorted({"a": s, "b": [1, 2, 3]})


def sleep_overshoot(n: int) -> float:
    """Mean seconds a 20 ms sleep takes beyond 20 ms."""
    total = 0.0
    for _ in range(n):
        t = time.perf_counter()
        time.sleep(SECONDS)
        total += time.perf_counter() - t - SECONDS
    return total / n


def work_hot_and_woken(n: int) -> tuple[float, float]:
    """Median seconds of work() run hot, and run right after a 20 ms sleep."""
    for _ in range(1000):
        work()
    hot, woken = [], []
    for _ in range(n):
        t = time.perf_counter()
        work()
        hot.append(time.perf_counter() - t)
    for _ in range(n):
        time.sleep(SECONDS)
        t = time.perf_counter()
        work()
        woken.append(time.perf_counter() - t)
    return statistics.median(hot), statistics.median(woken)


def evaluate_overshoot(n: int, chunk: bool) -> float:
    """Mean seconds per sleep evaluation beyond 20 ms, wall time of the loop (what the workers spend)."""
    simulator, settings = Sleep(median=SECONDS), Settings(("value",))
    tasks = [Task(0, i, i, {"x": 0.1, "y": 0.2}) for i in range(n)]
    t = time.perf_counter()
    if chunk:
        evaluate_chunk(simulator, tasks, settings)
    else:
        for task in tasks:
            evaluate(simulator, task, settings)
    return (time.perf_counter() - t) / n - SECONDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sleeps", type=int, default=200, help="sleeps per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (each measures everything once)")
    args = parser.parse_args()
    print(f"load average at the start: {os.getloadavg()[0]:.1f}")
    rows = []
    for r in range(args.rounds):
        plain = sleep_overshoot(args.sleeps)
        hot, woken = work_hot_and_woken(args.sleeps)
        single = evaluate_overshoot(args.sleeps, chunk=False)
        chunked = evaluate_overshoot(args.sleeps, chunk=True)
        plain_after = sleep_overshoot(args.sleeps)
        rows.append({"sleep_ms": (plain + plain_after) / 2 * 1e3, "work_hot_us": hot * 1e6,
                     "work_after_sleep_us": woken * 1e6, "evaluate_ms": single * 1e3,
                     "evaluate_chunk_ms": chunked * 1e3,
                     "l2l_bookkeeping_ms": (chunked - (plain + plain_after) / 2) * 1e3})
        row = rows[-1]
        print(f"round {r + 1}: sleep(20 ms) overshoot {row['sleep_ms']:.3f} ms; a small piece of Python "
              f"{row['work_hot_us']:.1f} us hot, {row['work_after_sleep_us']:.1f} us right after a sleep; "
              f"per sleep evaluation beyond 20 ms: evaluate {row['evaluate_ms']:.3f} ms, "
              f"evaluate_chunk {row['evaluate_chunk_ms']:.3f} ms")
    median = {k: round(statistics.median(r[k] for r in rows), 3) for k in rows[0]}
    l2l_part = median["l2l_bookkeeping_ms"]  # per round, against the plain sleeps of the same round
    print(f"median of {args.rounds} rounds: the sleep's own overshoot {median['sleep_ms']:.3f} ms, l2l's "
          f"bookkeeping around it {l2l_part:.3f} ms per evaluation once woken "
          f"({median['work_after_sleep_us'] / max(median['work_hot_us'], 1e-9):.0f}x slower than hot); for the "
          f"GA of 4 x 100 on 2 workers that is {400 * median['sleep_ms'] / 1e3:.3f} + {400 * l2l_part / 1e3:.3f} "
          f"worker-seconds")
    print(json.dumps({**median, "sleeps": args.sleeps,
                      "rounds": args.rounds, "load": round(os.getloadavg()[0], 1), "targets_met": None}))


if __name__ == "__main__":
    main()
