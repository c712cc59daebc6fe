"""Do the low rungs of lsnn's and egru's learning curves rank candidates better by loss than by error?

For each problem of benchmarks/multifidelity.py with a smooth objective beside its error (``lsnn``:
``recall_loss``; ``egru``: ``test_loss``, both the readout's cross-entropy on the same test trials as the
error), and each seed, ``--candidates`` random candidates (uniform in the benchmark's unit cube, so
log-scaled parameters are log-uniform, as random search draws them) are trained through the benchmark's
rungs (eta = 3), each segment continued from the previous one's checkpoint, with the error and the loss
read at every rung. Per seed and rung it reports the Spearman rank agreement with the error at the top
budget (same training seed, the value the policies see) of the error at the rung and of the loss at the
rung, and how many of the candidates that learned the task (top-budget error at most ``--learned``) a
rung keeps among its best third (what successive halving with eta = 3 promotes; ties broken by the order
of drawing). With ``--fresh`` it also measures each candidate's error on that many fresh seeds at the top
budget, and reports how well the top budget's error and loss rank that honest quality.

    nice -n 19 python benchmarks/mf_rank_agreement.py --first-seed 10 --seeds 10 --out agreement.json

The last line printed is one JSON object with the per-rung figures (means over seeds, min..max, and per
half of the seeds).
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from peers.mf_problems import FRESH_SEED_BASE, Problem  # noqa: E402

#: The smooth objective of each problem, measured on the same test trials as its error.
LOSS = {"lsnn": "recall_loss", "egru": "test_loss"}


def curves(task: tuple[str, int, int, int]) -> dict:
    """Error and loss at every rung of ``candidates`` random candidates of one (problem, seed)."""
    name, seed, candidates, fresh = task
    problem = Problem(name)
    rungs = problem.rungs()
    rng = np.random.default_rng(seed)
    units = rng.random((candidates, problem.dimension))
    error, loss, honest = [], [], []
    for i, unit in enumerate(units):
        params, checkpoint, row_error, row_loss = problem.params(unit), None, [], []
        for budget in rungs:
            result = problem.simulator.run_to(params, 1000 * seed + i, budget, checkpoint)
            checkpoint = result.checkpoint
            row_error.append(float(result.objectives[problem.objective]))
            row_loss.append(float(result.objectives[LOSS[name]]))
        error.append(row_error)
        loss.append(row_loss)
        honest.append(float(np.mean([problem.simulator.run_to(params, FRESH_SEED_BASE + k, problem.max_budget, None)
                                     .objectives[problem.objective] for k in range(fresh)])) if fresh else np.nan)
    return {"problem": name, "seed": seed, "rungs": rungs, "error": error, "loss": loss, "honest": honest}


def spearman(a, b) -> float:
    from scipy.stats import spearmanr

    a, b = np.asarray(a, float), np.asarray(b, float)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")  # a constant ranking carries no information
    return float(spearmanr(a, b).statistic)


def kept_learners(values, learned: np.ndarray) -> tuple[int, int]:
    """(learners among the best third by ``values``, learners): ties in the order of drawing (stable sort)."""
    keep = np.argsort(np.asarray(values, float), kind="stable")[:max(1, len(values) // 3)]
    return int(learned[keep].sum()), int(learned.sum())


def figures(run: dict, learned_at: float) -> dict:
    error, loss = np.array(run["error"]), np.array(run["loss"])
    top = error[:, -1]
    learned = top <= learned_at
    out = {"rungs": run["rungs"], "learners": int(learned.sum()), "candidates": len(top),
           "error_vs_top": [], "loss_vs_top": [], "error_keeps": [], "loss_keeps": []}
    for k in range(len(run["rungs"]) - 1):
        out["error_vs_top"].append(spearman(error[:, k], top))
        out["loss_vs_top"].append(spearman(loss[:, k], top))
        out["error_keeps"].append(kept_learners(error[:, k], learned))
        out["loss_keeps"].append(kept_learners(loss[:, k], learned))
    honest = np.array(run["honest"])
    if np.all(np.isfinite(honest)):
        out["top_error_vs_fresh"] = spearman(top, honest)
        out["top_loss_vs_fresh"] = spearman(loss[:, -1], honest)
    return out


def _summary(values: list[float]) -> dict:
    a = np.array([v for v in values if np.isfinite(v)])
    if not len(a):
        return {"mean": None, "min": None, "max": None, "n": 0}
    return {"mean": round(float(a.mean()), 3), "min": round(float(a.min()), 3), "max": round(float(a.max()), 3),
            "n": int(len(a))}


def summarize(per_seed: list[dict], seeds: list[int]) -> dict:
    halves = {"all": seeds, "first half": seeds[:len(seeds) // 2], "second half": seeds[len(seeds) // 2:]}
    out = {}
    for label, chosen in halves.items():
        rows = [f for f in per_seed if f["seed"] in chosen]
        if not rows:
            continue
        part = {"seeds": [min(chosen), max(chosen)], "rungs": rows[0]["rungs"][:-1]}
        for key in ("error_vs_top", "loss_vs_top"):
            part[key] = [_summary([r[key][k] for r in rows]) for k in range(len(part["rungs"]))]
        for key in ("error_keeps", "loss_keeps"):
            part[key] = [[sum(r[key][k][0] for r in rows), sum(r[key][k][1] for r in rows)]
                         for k in range(len(part["rungs"]))]
        for key in ("top_error_vs_fresh", "top_loss_vs_fresh"):
            if key in rows[0]:
                part[key] = _summary([r[key] for r in rows])
        part["learners"] = sum(r["learners"] for r in rows)
        part["candidates"] = sum(r["candidates"] for r in rows)
        out[label] = part
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", default="lsnn,egru")
    parser.add_argument("--first-seed", type=int, default=10, help="develop on seeds 10.. (0..9 are reported)")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--candidates", type=int, default=24, help="random candidates per (problem, seed)")
    parser.add_argument("--fresh", type=int, default=1, help="fresh seeds of the honest top-budget error (0: none)")
    parser.add_argument("--learned", type=float, default=0.1, help="a top-budget error at most this 'learned'")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    problems = [p for p in args.problems.split(",") if p]
    unknown = [p for p in problems if p not in LOSS]
    if unknown:
        parser.error(f"problem {unknown[0]!r} has no smooth objective here; problems: {', '.join(LOSS)}")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    started, load_before = time.time(), os.getloadavg()
    tasks = [(p, s, args.candidates, args.fresh) for p in problems for s in seeds]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        runs = list(pool.map(curves, tasks))
    summary: dict = {"settings": {"seeds": seeds, "candidates": args.candidates, "fresh": args.fresh,
                                  "learned": args.learned, "eta": 3, "seconds": round(time.time() - started, 1),
                                  "load_before": [round(v, 2) for v in load_before],
                                  "load_after": [round(v, 2) for v in os.getloadavg()]},
                     "problems": {}}
    for name in problems:
        per_seed = [{"seed": r["seed"], **figures(r, args.learned)} for r in runs if r["problem"] == name]
        part = summarize(per_seed, seeds)
        summary["problems"][name] = {"loss": LOSS[name], "summary": part, "per_seed": per_seed}
        print(f"\n{name}: error {Problem(name).objective} vs loss {LOSS[name]}, {args.candidates} random candidates "
              f"per seed; Spearman with the top budget's error, mean over seeds (min..max); learners kept in the "
              f"best third")
        for label, figs in part.items():
            print(f"  seeds {figs['seeds'][0]}..{figs['seeds'][1]} ({label}; {figs['learners']} of "
                  f"{figs['candidates']} learned):")
            for k, rung in enumerate(figs["rungs"]):
                e, lo = figs["error_vs_top"][k], figs["loss_vs_top"][k]
                ek, lk = figs["error_keeps"][k], figs["loss_keeps"][k]
                print(f"    rung {rung:4d}: error {e['mean']} ({e['min']}..{e['max']}, n={e['n']})  "
                      f"loss {lo['mean']} ({lo['min']}..{lo['max']}, n={lo['n']})  "
                      f"kept by error {ek[0]}/{ek[1]}, by loss {lk[0]}/{lk[1]}")
            if "top_error_vs_fresh" in figs:
                print(f"    top budget vs the error on fresh seeds: error {figs['top_error_vs_fresh']['mean']}, "
                      f"loss {figs['top_loss_vs_fresh']['mean']}")
    print(json.dumps(summary if not args.out else {k: v for k, v in summary.items() if k != "problems"} |
                     {"problems": {n: p["summary"] for n, p in summary["problems"].items()}},
                     separators=(",", ":")))
    if args.out:
        Path(args.out).write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
