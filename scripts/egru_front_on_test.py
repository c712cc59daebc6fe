"""Re-score the Pareto front of an egru digits run on the held-out *test* digits with fresh seeds.

The run (e.g. ``l2l run examples/egru_digits_tradeoff.toml``) selected its front on
the validation digits with one seed per candidate; this script trains every
front candidate again with ``held_out = "test"`` on seeds that no selection used
and prints the front as selected next to its re-scored figures (mean and
standard deviation over the seeds, and the standard error, sd / sqrt(seeds)). A candidate NSGA-II
evaluated more than once is trained once per seed. The last line is one JSON object (per candidate
and quantity: mean, sd, se and the value of each seed); ``--out`` also writes it, with the run's file,
the wall time and the load average, to a file.

    python scripts/egru_front_on_test.py RUN.h5 [--config examples/egru_digits_tradeoff.toml]
                                         [--seeds 200 201 202] [--workers 2] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import l2l
from l2l.config import load_config
from l2l.simulators import SIMULATORS

PARAMETERS = ("activity_penalty", "theta_init", "epsilon", "learning_rate")


def pareto_front(table):
    ok = table[table["status"] == "ok"]
    points = ok[["test_error", "macs_per_step"]].to_numpy()
    keep = [i for i, p in enumerate(points)
            if not np.any(np.all(points <= p, axis=1) & np.any(points < p, axis=1))]
    return ok.iloc[keep].sort_values("macs_per_step")


def rescore(job):
    options, params, seed = job
    result = SIMULATORS.create("egru", {**options, "held_out": "test"}).run(params, seed)
    return {"accuracy": result.objectives["accuracy"], "macs_per_step": result.objectives["macs_per_step"],
            "silent": result.metrics["test_activity_sparsity"], "live_units": result.metrics["live_units"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--config", default="examples/egru_digits_tradeoff.toml",
                        help="the run's config (its simulator options are used)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[200, 201, 202])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", help="also write the JSON object to this file")
    args = parser.parse_args()
    started = time.time()
    options = dict(load_config(args.config).simulator.options)
    front = pareto_front(l2l.load(args.run))
    candidates = [{key: float(row[key]) for key in PARAMETERS} for _, row in front.iterrows()]
    distinct = list({tuple(params.items()): params for params in candidates}.values())
    jobs = [(options, params, seed) for params in distinct for seed in args.seeds]
    with ProcessPoolExecutor(args.workers) as pool:
        trained = dict(zip(((tuple(params.items()), seed) for _, params, seed in jobs), pool.map(rescore, jobs)))
    scores = [trained[tuple(params.items()), seed] for params in candidates for seed in args.seeds]
    print(f"front of {args.run} (validation, one seed each) and re-scored on the test digits, "
          f"seeds {args.seeds}: mean ± sd")
    print("| penalty | theta_init | epsilon | learning rate | selected: accuracy | silent | "
          "test: accuracy | silent | live units | MACs/step |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for index, ((_, row), params) in enumerate(zip(front.iterrows(), candidates)):
        mine = scores[index * len(args.seeds):(index + 1) * len(args.seeds)]
        stat = {key: (float(np.mean([m[key] for m in mine])), float(np.std([m[key] for m in mine], ddof=1)))
                for key in mine[0]}
        rows.append({"params": params, "selected_accuracy": float(row["accuracy"]),
                     "selected_silent": float(row["test_activity_sparsity"]), "test": stat,
                     "se": {key: sd / np.sqrt(len(mine)) for key, (_, sd) in stat.items()},
                     "per_seed": {key: [float(m[key]) for m in mine] for key in mine[0]}})
        print(f"| {params['activity_penalty']:.3g} | {params['theta_init']:.3f} | {params['epsilon']:.3f} "
              f"| {params['learning_rate']:.4f} | {row['accuracy']:.3f} | {row['test_activity_sparsity']:.3f} "
              f"| {stat['accuracy'][0]:.3f} ± {stat['accuracy'][1]:.3f} | {stat['silent'][0]:.3f} ± "
              f"{stat['silent'][1]:.3f} | {stat['live_units'][0]:.2f} | {stat['macs_per_step'][0]:,.0f} |")
    record = {"seeds": args.seeds, "front": rows}
    if args.out:
        with open(args.out, "w") as file:
            json.dump({"run": args.run, "config": args.config, **record, "wall_s": round(time.time() - started, 1),
                       "load_average": [round(v, 2) for v in os.getloadavg()]}, file, indent=1)
    print(json.dumps(record))


if __name__ == "__main__":
    main()
