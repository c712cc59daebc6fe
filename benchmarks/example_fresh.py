"""An example sweep's winners on fresh seeds, against the simulator's defaults (and random search).

A sweep's best recorded values were picked on the same noisy evaluations they report, so they carry the
winner's luck. This script runs an example config again (its own settings, the ``serial`` backend: the same
trajectory as its ``local`` one), lets ``l2l.reevaluate`` score its ``--top`` best distinct candidates
(``l2l show``'s ranking) on ``--seeds`` fresh seeds (derived from the run seed, none of them a seed any
evaluation of the run used; the same for every candidate), and evaluates the simulator's defaults (every
explored parameter at its option's default) on the same seeds. ``--random`` also runs the config with the
``random`` optimizer and the same number of evaluations (same run seed: the same fresh seeds), and scores its
candidates the same way. Per candidate: what selection saw (best single evaluation and mean over its
evaluations), the mean, sd and standard error on the fresh seeds, and the paired difference to the defaults
(mean and standard error over seeds; in how many seeds the candidate was better). The run's pick is the
candidate ``l2l show`` ranks first (selection rank 1). Writes ``benchmarks/results/<example>_fresh.json``;
last line: one JSON object.

    OMP_NUM_THREADS=1 nice -n 19 python benchmarks/example_fresh.py examples/spore_sweep.toml [--top 5] [--seeds 20]
    OMP_NUM_THREADS=1 nice -n 19 python benchmarks/example_fresh.py examples/lsm_ga.toml --seeds 16 --random
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tomllib  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import l2l  # noqa: E402
import l2l.errors  # noqa: E402
from l2l.simulators import SIMULATORS  # noqa: E402


def fail(problem: str) -> None:
    """Bad input: one ``l2l: error:`` line and exit status 2, before anything is computed."""
    print(f"l2l: error: {problem}", file=sys.stderr)
    raise SystemExit(2)


def spread(values) -> dict:
    """Mean, sd, standard error, min and max of per-seed values."""
    values = np.asarray(values, dtype=float)
    sd = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
    return {"n": int(len(values)), "mean": round(float(values.mean()), 4), "sd": round(sd, 4),
            "se": round(sd / np.sqrt(len(values)), 4), "min": round(float(values.min()), 4),
            "max": round(float(values.max()), 4)}


def plain(value):
    return value if isinstance(value, str) else float(value)


def sweep(mapping: dict, folder: Path, name: str, top: int, seeds: int) -> dict:
    """Run ``mapping`` into ``folder``, re-evaluate its winners; rows, fresh rows, ranking and wall time."""
    path = folder / f"{name}.h5"
    started = time.time()
    l2l.run(l2l.from_mapping(mapping, base_dir=folder), path)
    wall = round(time.time() - started, 1)
    l2l.reevaluate.reevaluate(path, top=top, seeds=seeds, backend="serial")
    return {"rows": l2l.load(path), "fresh": l2l.load(path, reevaluations=True),
            "ranking": l2l.reevaluate.ranking(path), "wall_s": wall}


def summarize(found: dict, names: list[str], objective: str, sign: float, default: dict, seeds: list[int],
              metric_names: list[str]) -> dict:
    rows, fresh, table = found["rows"], found["fresh"], found["ranking"]
    best_row = rows.loc[(sign * rows[objective]).idxmax()]
    candidates = []
    for _, entry in table.iterrows():
        params = {n: plain(entry[n]) for n in names}
        mine = fresh[(fresh["generation"] == entry["generation"]) & (fresh["individual"] == entry["individual"])
                     & (fresh["status"] == "ok")]
        per_seed = dict(zip(mine["seed"].astype(int), mine[objective].astype(float)))
        metrics = {k: round(float(mine[k].mean()), 4) for k in metric_names if k in mine}
        same = np.all([(rows[n] == params[n]).to_numpy() for n in names], axis=0)
        in_sweep = rows[same][objective].to_numpy(dtype=float)
        difference = [per_seed[s] - default[s] for s in seeds if s in per_seed]
        candidates.append({
            "params": params, "generation": int(entry["generation"]), "individual": int(entry["individual"]),
            "fresh_rank": int(entry["rank"]), "selection_rank": int(entry["selection rank"]),
            "sweep": {"evaluations": int(len(in_sweep)), "mean": round(float(in_sweep.mean()), 4),
                      "best_single": round(float((sign * in_sweep).max() * sign), 4)},
            "fresh": spread(list(per_seed.values())), "fresh_metric_means": metrics,
            "minus_default": {**spread(difference), "better": int(np.sum(sign * np.asarray(difference) > 0))},
            "per_seed": {str(s): round(v, 5) for s, v in per_seed.items()}})
    candidates.sort(key=lambda c: c["selection_rank"])
    return {"evaluations": int(len(rows)), "wall_s": found["wall_s"],
            "best_single": {"value": round(float(best_row[objective]), 4), "seed": int(best_row["seed"]),
                            "params": {n: plain(best_row[n]) for n in names}},
            "generation_means": [round(float(v), 4) for v in rows.groupby("generation")[objective].mean()],
            "candidates": candidates}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("example", type=Path, help="an example config (examples/*.toml) with one objective")
    parser.add_argument("--top", type=int, default=5, help="candidates to re-evaluate (l2l show's ranking)")
    parser.add_argument("--seeds", type=int, default=20, help="fresh seeds per candidate")
    parser.add_argument("--random", action="store_true", help="also random search with as many evaluations")
    parser.add_argument("--out", type=Path, help="default benchmarks/results/<example>_fresh.json")
    args = parser.parse_args()
    if args.top < 1:
        fail(f"--top: 1 or more candidates expected, got {args.top}")
    if args.seeds < 2:
        fail(f"--seeds: 2 or more fresh seeds expected (a standard error needs two), got {args.seeds}")
    try:
        mapping = tomllib.loads(args.example.read_text())
        mapping["backend"] = {"name": "serial"}
        config = l2l.from_mapping(mapping, base_dir=args.example.parent)
        options = {k: v for k, v in mapping["simulator"].items() if k != "name"}
        simulator = SIMULATORS.create(mapping["simulator"]["name"], options)
    except (OSError, tomllib.TOMLDecodeError, KeyError, l2l.errors.L2LError) as error:
        fail(f"{args.example}: not a readable example config ({type(error).__name__}: {error})")
    objectives = config.objectives or simulator.default_objectives  # none declared: the simulator's
    if len(objectives) != 1 or config.policy is not None or config.inherit:
        fail(f"{args.example}: one objective and no policy expected (l2l reevaluate scores constant candidates)")
    goal = objectives[0]
    objective, sign = goal.name, (1.0 if goal.direction == "maximize" else -1.0)
    names = list(config.space.names)
    started, cpu = time.time(), time.process_time()
    runs = {mapping["optimizer"]["name"]: mapping}
    if args.random:
        population = int(mapping["optimizer"].get("population_size", 10))
        runs["random"] = {**mapping, "optimizer": {"name": "random", "population_size": population}}
    found, results, seeds, default = {}, {}, None, None
    with tempfile.TemporaryDirectory() as scratch:
        for label, settings in runs.items():
            found[label] = sweep(settings, Path(scratch), f"{args.example.stem}-{label}", args.top, args.seeds)
            these = sorted(int(s) for s in found[label]["fresh"]["seed"].unique())
            if seeds is not None and these != seeds:
                raise RuntimeError(f"{label}: other fresh seeds than the first run's")
            seeds = these
        # the direct simulator reproduces a run's own evaluations (checked on the first run's best single one)
        rows = found[next(iter(runs))]["rows"]
        best_row = rows.loc[(sign * rows[objective]).idxmax()]
        again = simulator.run({n: plain(best_row[n]) for n in names}, int(best_row["seed"])).objectives[objective]
        reproduced = bool(np.isclose(again, best_row[objective], rtol=0, atol=1e-12))
        default_runs = {seed: simulator.run({}, seed) for seed in seeds}
        default = {seed: float(result.objectives[objective]) for seed, result in default_runs.items()}
        metric_names = [k for k, v in next(iter(default_runs.values())).metrics.items()
                        if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)]
        default_metrics = {k: round(float(np.mean([r.metrics[k] for r in default_runs.values()])), 4)
                           for k in metric_names}
    for label in runs:
        results[label] = summarize(found[label], names, objective, sign, default, seeds, metric_names)
    pick_difference = None
    if args.random:
        first, pick_of = next(iter(runs)), {label: results[label]["candidates"][0] for label in runs}
        values = [pick_of[first]["per_seed"][str(s)] - pick_of["random"]["per_seed"][str(s)] for s in seeds]
        pick_difference = {"label": f"{first} pick minus random pick", **spread(values),
                           "better": int(np.sum(sign * np.asarray(values) > 0))}
    record = {
        "benchmark": "example-fresh", "example": str(args.example), "objective": goal.to_json(),
        "run_seed": int(mapping.get("run", {}).get("seed", 0)), "fresh_seeds": seeds,
        "best_single_reproduced_by_the_simulator": reproduced,
        "default": {"params": {n: plain(getattr(simulator, n)) for n in names if hasattr(simulator, n)},
                    "fresh": spread(list(default.values())), "fresh_metric_means": default_metrics,
                    "per_seed": {str(s): round(v, 5) for s, v in default.items()}},
        "runs": results, "pick_difference": pick_difference,
        "wall_s": round(time.time() - started, 1), "cpu_s": round(time.process_time() - cpu, 1),
        "load_average": [round(v, 2) for v in os.getloadavg()]}
    d = record["default"]
    print(f"fresh seeds: {len(seeds)}; default {d['params']}: {d['fresh']['mean']:.4f} ± {d['fresh']['se']:.4f} (SE)")
    for label, result in results.items():
        best = result["best_single"]
        print(f"{label}: {result['evaluations']} evaluations in {result['wall_s']} s; best single "
              f"{best['value']:.4f} {best['params']}")
        for c in result["candidates"]:
            print(f"  selection rank {c['selection_rank']} {c['params']}: best single {c['sweep']['best_single']:.4f}, "
                  f"mean {c['sweep']['mean']:.4f} (n {c['sweep']['evaluations']}); fresh {c['fresh']['mean']:.4f} "
                  f"± {c['fresh']['se']:.4f}; minus default {c['minus_default']['mean']:+.4f} "
                  f"± {c['minus_default']['se']:.4f}, "
                  f"better in {c['minus_default']['better']}/{c['minus_default']['n']}")
    if pick_difference:
        print(f"{pick_difference['label']}: {pick_difference['mean']:+.4f} ± {pick_difference['se']:.4f}, "
              f"better in {pick_difference['better']}/{pick_difference['n']}")
    out = args.out or ROOT / "benchmarks" / "results" / f"{args.example.stem}_fresh.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps({k: record[k] for k in ("benchmark", "example", "best_single_reproduced_by_the_simulator",
                                             "wall_s", "cpu_s", "load_average")}))


if __name__ == "__main__":
    main()
