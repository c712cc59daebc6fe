"""The framework's own overhead, side by side with Optuna's ask/tell loop and naive Dask.

1. A no-op simulator, population 1,000, 10 generations, GA, local Dask with 2
   workers, HDF5 writing on: l2l's evaluations/s end to end, against
   (a) Optuna's in-memory ask/tell loop with RandomSampler on the same 10-D
   space and count, and (b) a naive Dask ``client.map`` with one task per
   evaluation. Targets: >= 5,000 evaluations/s, >= 3x (a), >= 10x (b).
2. A simulator that sleeps 20 ms, 400 evaluations on 2 workers: parallel
   efficiency (ideal time / wall time) >= 0.95.
3. The outer loop's resident memory at generation 10 and 100 of a long no-op
   run: it must stay flat.

Run: ``python benchmarks/overhead.py``. The last line is one JSON object.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import l2l

SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [10]}}


def config(generations: int, population: int, simulator: dict, workers: int = 2) -> l2l.RunConfig:
    return l2l.from_mapping({
        "run": {"name": "overhead", "seed": 1, "generations": generations},
        "space": SPACE, "optimizer": {"name": "ga", "population_size": population},
        "simulator": simulator, "backend": {"name": "local", "workers": workers}})


def l2l_throughput(folder: Path) -> dict:
    marks: list[float] = []
    started = time.perf_counter()
    l2l.run(config(10, 1000, {"name": "noop"}), folder / "noop.h5",
            on_generation=lambda info: marks.append(time.perf_counter()))
    total = time.perf_counter() - started
    evaluations = len(l2l.load(folder / "noop.h5"))
    # steady: generations 2..10, after the cluster started and the simulator reached the workers
    steady = (marks[-1] - marks[0]) / (len(marks) - 1)
    return {"evaluations": evaluations, "total_s": total,
            "evals_per_s_total": evaluations / total,
            "evals_per_s_steady": 1000 / steady}


def optuna_throughput(n: int) -> float:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    distributions = {f"x{i}": optuna.distributions.FloatDistribution(-5.0, 5.0) for i in range(10)}
    started = time.perf_counter()
    for _ in range(n):
        trial = study.ask(distributions)
        study.tell(trial, 0.0)
    return n / (time.perf_counter() - started)


def _noop(params):
    return 0.0


def dask_map_throughput(n: int) -> float:
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0", host="127.0.0.1") as cluster, \
            Client(cluster) as client:
        client.submit(_noop, None).result()
        rng = np.random.default_rng(1)
        params = [{"x": rng.uniform(-5, 5, 10)} for _ in range(n)]
        started = time.perf_counter()
        futures = client.map(_noop, params, pure=False)
        client.gather(futures)
        return n / (time.perf_counter() - started)


def parallel_efficiency(folder: Path, generations: int, population: int) -> dict:
    """Wall time from the first evaluation's start to the last one's end, against the ideal."""
    import pandas as pd
    path = folder / f"sleep-{generations}x{population}.h5"
    l2l.run(config(generations, population, {"name": "sleep", "median": 0.02}), path)
    frame = l2l.load(path)
    first = frame["started"].min()
    last = (frame["started"] + pd.to_timedelta(frame["duration"], unit="s")).max()
    wall = (last - first).total_seconds()
    ideal = len(frame) * 0.02 / 2
    return {"evaluations": len(frame), "ideal_s": ideal, "wall_s": wall, "efficiency": ideal / wall}


def memory_growth(folder: Path) -> dict:
    import psutil
    process = psutil.Process()
    rss: dict[int, float] = {}

    def record(info):
        if info["generation"] + 1 in (10, 100):
            rss[info["generation"] + 1] = process.memory_info().rss / 2 ** 20

    l2l.run(config(100, 200, {"name": "noop"}), folder / "long.h5", on_generation=record)
    return {"rss_mb_gen10": rss[10], "rss_mb_gen100": rss[100], "growth_mb": rss[100] - rss[10]}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ours = l2l_throughput(folder)
        optuna_rate = optuna_throughput(10_000)
        dask_rate = dask_map_throughput(10_000)
        efficiency = parallel_efficiency(folder, 1, 400)
        efficiency_ga = parallel_efficiency(folder, 4, 100)
        memory = memory_growth(folder)
    rate = ours["evals_per_s_steady"]
    print("1. no-op simulator, population 1,000 x 10 generations, GA, local Dask, 2 workers, HDF5 on")
    print(f"   {'l2l (per generation, steady)':<44}{rate:>12,.0f} evaluations/s")
    print(f"   {'l2l (whole run incl. cluster start-up)':<44}{ours['evals_per_s_total']:>12,.0f} evaluations/s"
          f"   ({ours['total_s']:.2f} s for {ours['evaluations']:,})")
    print(f"   {'(a) Optuna ask/tell, RandomSampler, memory':<44}{optuna_rate:>12,.0f} evaluations/s"
          f"   l2l is {rate / optuna_rate:.1f}x (target >= 3x)")
    print(f"   {'(b) naive Dask client.map, 1 task/eval':<44}{dask_rate:>12,.0f} evaluations/s"
          f"   l2l is {rate / dask_rate:.1f}x (target >= 10x)")
    print("2. sleep 20 ms x 400 evaluations, 2 workers")
    print(f"   one batch of 400:         ideal {efficiency['ideal_s']:.2f} s, wall {efficiency['wall_s']:.2f} s: "
          f"parallel efficiency {efficiency['efficiency']:.3f} (target >= 0.95)")
    print(f"   GA, 4 generations of 100: ideal {efficiency_ga['ideal_s']:.2f} s, wall {efficiency_ga['wall_s']:.2f} s: "
          f"parallel efficiency {efficiency_ga['efficiency']:.3f} (includes the 3 pauses between generations)")
    print("3. outer-loop resident memory, no-op, population 200")
    print(f"   generation 10: {memory['rss_mb_gen10']:.1f} MiB, generation 100: {memory['rss_mb_gen100']:.1f} MiB "
          f"(growth {memory['growth_mb']:+.1f} MiB)")
    summary = {
        "l2l_evals_per_s": round(rate), "l2l_evals_per_s_with_startup": round(ours["evals_per_s_total"]),
        "optuna_ask_tell_evals_per_s": round(optuna_rate), "dask_map_evals_per_s": round(dask_rate),
        "speedup_vs_optuna": round(rate / optuna_rate, 2), "speedup_vs_dask_map": round(rate / dask_rate, 2),
        "parallel_efficiency_20ms": round(efficiency["efficiency"], 3),
        "parallel_efficiency_20ms_ga_4x100": round(efficiency_ga["efficiency"], 3),
        "rss_mb_gen10": round(memory["rss_mb_gen10"], 1), "rss_mb_gen100": round(memory["rss_mb_gen100"], 1),
        "targets_met": bool(rate >= 5000 and rate >= 3 * optuna_rate and rate >= 10 * dask_rate
                            and efficiency["efficiency"] >= 0.95
                            and memory["growth_mb"] < 0.1 * memory["rss_mb_gen10"]),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(main())
