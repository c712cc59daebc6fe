"""Asynchronous (steady-state) against generational evaluation, same evaluations, 2 workers.

Evaluation times are log-normal (median 50 ms, sigma 1) — a few evaluations
take ten times the median, which is what stalls a generational run. Both modes
run random search (population 20) for 400 evaluations on the local Dask
backend with 2 workers. Worker utilization = time spent evaluating / (workers x
wall time from the first evaluation's start to the last one's end).
Target: utilization >= 0.9 in asynchronous mode.

Run: ``python benchmarks/async.py``. The last line is one JSON object.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd

import l2l

WORKERS = 2


def measure(mode: str, folder: Path) -> dict:
    config = l2l.from_mapping({
        "run": {"name": f"async-{mode}", "seed": 3, "generations": 20, "mode": mode},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [4]}},
        "optimizer": {"name": "random", "population_size": 20},
        "simulator": {"name": "sleep", "median": 0.05, "sigma": 1.0},
        "backend": {"name": "local", "workers": WORKERS}})
    path = l2l.run(config, folder / f"{mode}.h5")
    frame = l2l.load(path)
    ends = frame["started"] + pd.to_timedelta(frame["duration"], unit="s")
    wall = (ends.max() - frame["started"].min()).total_seconds()
    busy = float(frame["duration"].sum())
    return {"evaluations": len(frame), "wall_s": wall, "busy_s": busy,
            "utilization": busy / (WORKERS * wall), "valid": l2l.validate(path) == []}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        generational = measure("generational", Path(tmp))
        asynchronous = measure("async", Path(tmp))
    print(f"log-normal evaluation times (median 50 ms, sigma 1), {generational['evaluations']} evaluations, "
          f"{WORKERS} workers")
    print(f"{'mode':<14}{'wall time':>12}{'busy time':>12}{'utilization':>14}")
    for name, row in (("generational", generational), ("asynchronous", asynchronous)):
        print(f"{name:<14}{row['wall_s']:>10.2f} s{row['busy_s']:>10.2f} s{row['utilization']:>14.3f}")
    print(f"asynchronous is {generational['wall_s'] / asynchronous['wall_s']:.2f}x faster; "
          f"target utilization >= 0.9: {'met' if asynchronous['utilization'] >= 0.9 else 'NOT met'}")
    print(json.dumps({
        "evaluations": asynchronous["evaluations"],
        "generational_wall_s": round(generational["wall_s"], 3),
        "async_wall_s": round(asynchronous["wall_s"], 3),
        "generational_utilization": round(generational["utilization"], 3),
        "async_utilization": round(asynchronous["utilization"], 3),
        "speedup": round(generational["wall_s"] / asynchronous["wall_s"], 3),
        "targets_met": asynchronous["utilization"] >= 0.9 and asynchronous["valid"] and generational["valid"],
    }))


if __name__ == "__main__":
    main()
