"""Where the top budget's objective saturates, which of the tied candidates does a method choose, and does
anything it saw tell the robust ones apart?

Reads the kept runs of benchmarks/multifidelity.py (its ``--keep`` folder: one JSON per problem, method
and seed, each with its log of segments). For each run it takes the candidates *tied* with the one the
benchmark's rule chooses at the end (the same best mean observed value at the top budget; on ``lsnn`` this
is a recall error of 0, reached by many candidates), and measures the honest quality of every one of them
(the benchmark's own :meth:`Problem.true_value`: the mean error on the fresh seeds no method saw). It
reports per method, over the seeds:

* how many candidates tie (after the benchmark's compute budget: what its equal-compute figure reads) (mean, min..max) and the chosen candidate's honest quality (mean +- SE);
* the mean honest quality of the tied candidates (what choosing one of them at random would give), and
  how often the chosen one is at least as good as that mean;
* for the methods that trained candidates through lower rungs, the Spearman correlation between a tied
  candidate's observed value at each rung and its honest quality (pooled over seeds): does the faster
  learner among equal finals generalise better? A positive correlation would say yes (both are errors:
  lower is better); and the correlation of each parameter with the honest quality;
* the difference of the tied pools' honest quality between ``--reference`` and each other method, paired
  by seed (mean +- SE of the per-seed differences, and on how many seeds each is better).

    nice -n 19 python benchmarks/mf_ties.py --keep runs/ --problem lsnn --seeds 45..64 --out ties.json

The honest qualities are cached in ``<keep>/ties-truth-<problem>.json``. The last line printed is one JSON
object with the figures.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from peers.mf_problems import Problem, incumbent_at  # noqa: E402
from peers.mf_report import standard_error  # noqa: E402


def ties(problem: Problem, log: list) -> tuple[tuple | None, dict[tuple, dict[float, list[float]]]]:
    """The chosen key at the end of ``log`` and every candidate tied with it: key -> {budget: observed values}."""
    log = [(spent, budget, value, tuple(key)) for spent, budget, value, key in log]
    choice = incumbent_at(log, problem.compute, problem.max_budget)  # at equal compute, as the report reads it
    curves: dict[tuple, dict[float, list[float]]] = {}
    for spent, budget, value, key in log:
        if np.isfinite(value) and spent <= problem.compute + 1e-9:
            curves.setdefault(key, {}).setdefault(float(min(budget, problem.max_budget)), []).append(float(value))
    if choice is None:
        return None, {}
    top = float(problem.max_budget)
    best = float(np.mean(curves[choice][top]))
    return choice, {k: c for k, c in curves.items() if top in c and float(np.mean(c[top])) == best}


def spearman(a, b) -> float:
    from scipy.stats import spearmanr

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 5 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def _truth(task: tuple[str, tuple]) -> tuple[tuple, float]:
    name, key = task
    return key, Problem(name).true_value(np.array(key))


def parse_seeds(text: str) -> list[int]:
    if ".." in text:
        first, last = text.split("..")
        return list(range(int(first), int(last) + 1))
    return [int(s) for s in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", required=True, help="the --keep folder of benchmarks/multifidelity.py")
    parser.add_argument("--problem", default="lsnn")
    parser.add_argument("--methods", default="random,tpe,optuna-tpe-hyperband,dehb,model-based")
    parser.add_argument("--seeds", default="45..64", help="first..last or a comma-separated list")
    parser.add_argument("--reference", default="model-based", help="method whose tied pool the others' are paired with")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    keep, problem = Path(args.keep), Problem(args.problem)
    seeds = parse_seeds(args.seeds)
    runs: dict[str, dict[int, tuple]] = {}
    for method in args.methods.split(","):
        for seed in seeds:
            path = keep / f"{args.problem}-{method}-{seed}.json"
            if path.exists():
                runs.setdefault(method, {})[seed] = ties(problem, json.loads(path.read_text())["log"])
    cache_path = keep / f"ties-truth-{args.problem}.json"
    truth = {tuple(k): v for k, v in json.loads(cache_path.read_text())} if cache_path.exists() else {}
    wanted = sorted({k for per in runs.values() for _c, tied in per.values() for k in tied} - set(truth))
    print(f"{len(wanted)} candidates to measure on {problem.fresh_seeds} fresh seeds", file=sys.stderr)
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        truth.update(pool.map(_truth, [(args.problem, k) for k in wanted], chunksize=4))
    cache_path.write_text(json.dumps([[list(k), v] for k, v in truth.items()]))

    figures: dict[str, dict] = {}
    names = list(problem.space.names) if hasattr(problem.space, "names") else []
    for method, per in runs.items():
        counts, chosen, pool_mean, at_least = [], [], [], []
        rows: list[tuple[dict, float, tuple]] = []
        for _seed, (choice, tied) in sorted(per.items()):
            if choice is None:
                continue
            values = [truth[k] for k in tied]
            counts.append(len(tied))
            chosen.append(truth[choice])
            pool_mean.append(float(np.mean(values)))
            at_least.append(truth[choice] <= float(np.mean(values)))
            rows += [(tied[k], truth[k], k) for k in tied]
        rungs = sorted({b for curve, _t, _k in rows for b in curve if b < problem.max_budget})
        by_rung = {}
        for budget in rungs:
            pairs = [(np.mean(c[budget]), t) for c, t, _k in rows if budget in c]
            by_rung[str(int(budget))] = {"pairs": len(pairs),
                                         "spearman": spearman(*zip(*pairs)) if pairs else float("nan")}
        by_parameter = {}
        if rows:
            codes = np.array([k for _c, _t, k in rows])
            honest = [t for _c, t, _k in rows]
            for i in range(codes.shape[1]):
                by_parameter[names[i] if i < len(names) else f"u{i}"] = spearman(codes[:, i], honest)
        figures[method] = {
            "runs": len(counts), "tied_mean": float(np.mean(counts)), "tied_min": int(min(counts)),
            "tied_max": int(max(counts)), "chosen_mean": float(np.mean(chosen)), "chosen_se": standard_error(chosen),
            "tied_pool_mean": float(np.mean(pool_mean)), "tied_pool_se": standard_error(pool_mean),
            "chosen_at_least_pool": int(sum(at_least)), "rung_spearman": by_rung, "parameter_spearman": by_parameter}
        f = figures[method]
        print(f"{method:17s} tied {f['tied_mean']:5.1f} ({f['tied_min']}..{f['tied_max']})  chosen "
              f"{f['chosen_mean']:.4f} +- {f['chosen_se']:.4f}  tied pool {f['tied_pool_mean']:.4f} +- "
              f"{f['tied_pool_se']:.4f}  chosen <= pool on {f['chosen_at_least_pool']}/{f['runs']}  rungs "
              + " ".join(f"{b}:{v['spearman']:+.2f}({v['pairs']})" for b, v in by_rung.items()) + "  parameters "
              + " ".join(f"{n}:{v:+.2f}" for n, v in by_parameter.items()))
    # the tied pools of two methods on the same seeds, paired: the difference of their means, seed by seed
    pools = {m: {seed: float(np.mean([truth[k] for k in tied])) for seed, (c, tied) in per.items() if c is not None}
             for m, per in runs.items()}
    paired = {}
    if args.reference in pools:
        for method, pool in pools.items():
            common = sorted(set(pool) & set(pools[args.reference]))
            if method != args.reference and len(common) > 1:
                diff = [pools[args.reference][s] - pool[s] for s in common]
                paired[method] = {"seeds": len(common), "mean": float(np.mean(diff)), "se": standard_error(diff),
                                  "reference_better": int(sum(d < 0 for d in diff)),
                                  "other_better": int(sum(d > 0 for d in diff))}
                print(f"tied pool, {args.reference} - {method}: {paired[method]['mean']:+.4f} +- "
                      f"{paired[method]['se']:.4f} ({args.reference} better on {paired[method]['reference_better']}, "
                      f"{method} on {paired[method]['other_better']} of {len(common)} seeds)")
    every = np.array([truth[k] for per in runs.values() for c, tied in per.values() if c is not None for k in tied])
    spread = {"candidates": int(len(every)), "min": float(every.min()), "median": float(np.median(every)),
              "q90": float(np.quantile(every, 0.9)), "max": float(every.max())} if len(every) else {}
    if spread:
        print(f"every tied candidate of every run ({spread['candidates']}): {spread['min']:.4f} .. {spread['max']:.4f} "
              f"on fresh seeds, median {spread['median']:.4f}, nine in ten below {spread['q90']:.4f}")
    summary = {"benchmark": "mf_ties", "problem": args.problem, "seeds": seeds, "fresh_seeds": problem.fresh_seeds,
               "keep": str(keep), "methods": figures, "tied_spread": spread,
               "paired_tied_pool": {"reference": args.reference, "differences": paired}}
    if args.out:
        Path(args.out).write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
