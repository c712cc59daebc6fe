"""CPU time of one ``gp`` ask of 10 candidates with 100 told points in 10-D (docs/optimizers.md), beside ``tpe``'s
and ``random``'s ask on the same told points and, where scikit-learn is installed, the fit of its
``GaussianProcessRegressor`` on them (a peer's cost for the same O(n^3) step).

Per seed: an optimizer is told a 10-D sphere (``x`` in [-5, 5]^10, score ``-|x|^2``) in asks of 10 until it holds
100 points; then the next ask of 10 is timed (``time.process_time``: this process's user + system CPU; and wall
time). One BLAS thread. Seeds 1 to 3 by default, each timing ``--rounds`` times on a copy of the state.

    OMP_NUM_THREADS=1 nice -n 19 python benchmarks/gp_ask_cost.py
    python benchmarks/gp_ask_cost.py --seeds 1 --rounds 1

The last line printed is one JSON object.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def told(name: str, problem, seed: int, points: int, batch: int):
    from l2l.optimizers import OPTIMIZERS

    optimizer = OPTIMIZERS.create(name, {})
    state = optimizer.init(problem, seed=seed)
    n = 0
    xs, ys = [], []
    while n < points:
        candidates, state = optimizer.ask(problem, state, batch)
        scores = -np.sum(candidates ** 2, axis=1)
        state = optimizer.tell(problem, state, candidates, scores)
        xs.append(candidates)
        ys.append(scores)
        n += len(candidates)
    return optimizer, state, np.concatenate(xs), np.concatenate(ys)


def timed_ask(optimizer, problem, state, batch: int) -> tuple[float, float]:
    state = copy.deepcopy(state)
    wall, cpu = time.perf_counter(), time.process_time()
    optimizer.ask(problem, state, batch)
    return time.process_time() - cpu, time.perf_counter() - wall


def sklearn_fit(xs: np.ndarray, ys: np.ndarray) -> float | None:
    try:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
    except ImportError:
        return None
    import warnings

    kernel = ConstantKernel() * Matern(length_scale=np.ones(xs.shape[1]), nu=2.5) + WhiteKernel()
    cpu = time.process_time()
    with warnings.catch_warnings():  # its optimizer's convergence notes: the cost is what is measured here
        warnings.simplefilter("ignore")
        GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=2, random_state=0).fit(xs, ys)
    return time.process_time() - cpu


def spread(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 4), "min": round(min(values), 4),
            "max": round(max(values), 4), "n": len(values)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--points", type=int, default=100, help="told points before the timed ask (100)")
    parser.add_argument("--batch", type=int, default=10, help="candidates per ask (10)")
    parser.add_argument("--rounds", type=int, default=3, help="timings of each seed's ask (3)")
    args = parser.parse_args()
    if args.points < 1 or args.batch < 1 or args.rounds < 1:
        print("gp_ask_cost.py: --points, --batch and --rounds must be at least 1", file=sys.stderr)
        return 2
    from l2l.objectives import Objective
    from l2l.optimizers import Problem
    from l2l.space import Space

    problem = Problem(Space.from_json({"x": {"low": -5.0, "high": 5.0, "shape": [10]}}), (Objective("loss"),))
    load_before = os.getloadavg()
    started = time.monotonic()
    result: dict = {"seeds": args.seeds, "points": args.points, "batch": args.batch, "rounds": args.rounds}
    peer: list[float] = []
    for name in ("gp", "tpe", "random"):
        cpus, walls = [], []
        for seed in args.seeds:
            optimizer, state, xs, ys = told(name, problem, seed, args.points, args.batch)
            for _ in range(args.rounds):
                cpu, wall = timed_ask(optimizer, problem, state, args.batch)
                cpus.append(cpu)
                walls.append(wall)
            if name == "gp":
                fit = sklearn_fit(xs, ys)
                if fit is not None:
                    peer.append(fit)
        result[name] = {"cpu_s": spread(cpus), "wall_s": spread(walls)}
        print(f"{name}: ask of {args.batch} after {args.points} told, CPU median {result[name]['cpu_s']['median']} s "
              f"({result[name]['cpu_s']['min']} to {result[name]['cpu_s']['max']}), wall "
              f"{result[name]['wall_s']['min']} to {result[name]['wall_s']['max']} s")
    if peer:
        result["sklearn_gp_fit_cpu_s"] = spread(peer)
        print(f"scikit-learn GaussianProcessRegressor fit (Matern 2.5 ARD + white, 2 restarts) on the same points: "
              f"CPU median {result['sklearn_gp_fit_cpu_s']['median']} s")
    result["load_average"] = [round(x, 1) for x in load_before] + [round(x, 1) for x in os.getloadavg()]
    result["wall_total_s"] = round(time.monotonic() - started, 1)
    result["date_utc"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
