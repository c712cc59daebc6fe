"""How well does one training run rank candidates on a learning-curve problem, at each budget?

A development analysis for issue 11 (no method, no selection): the multi-fidelity policies stop candidates on the
ranking of low budgets, and pick their choice on one top-budget result per candidate. Both are only as good as
the ranking they give of what the benchmark judges: the candidate's mean test error over fresh training seeds.
For ``N`` random candidates of a problem of benchmarks/multifidelity.py (uniform in the unit cube of its space),
each is trained once through every rung (seed A, continued from its checkpoint, as a policy does), once to the top
budget with another seed (B), and to the top budget with ``K`` fresh seeds (their mean: the quality). Printed:
Spearman's rank correlation of each rung's result (seed A) with seed A's top-budget result (what the policies
measure as agreement), with seed B's top-budget result, and with the quality; and of one top-budget result with
the quality; each with a 90 % bootstrap interval over candidates. Seeds: A = 5000 + i, B = 7000 + i, fresh
9000 + 10 i + k (no benchmark round uses them). Last line: one JSON object.

    nice -n 10 python benchmarks/mf_reliability.py --problem egru --out egru.json     # 40 candidates, K = 4
    python benchmarks/mf_reliability.py --problem lsnn --candidates 8 --fresh 2        # a quick look
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers.mf_problems import SPECS, Problem  # noqa: E402

BOOTSTRAP = 2000


def rank_correlation(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> dict:
    """Spearman's rho of x and y with a 90 % bootstrap interval over the pairs (NaN where either is constant)."""
    def rho(a: np.ndarray, b: np.ndarray) -> float:
        if np.ptp(a) == 0 or np.ptp(b) == 0:
            return float("nan")
        return float(spearmanr(a, b)[0])

    draws = [rho(x[i], y[i]) for i in (rng.integers(0, len(x), len(x)) for _ in range(BOOTSTRAP))]
    low, high = np.nanpercentile(draws, [5, 95]) if np.isfinite(draws).any() else (float("nan"),) * 2
    return {"rho": round(rho(x, y), 3), "interval": [round(float(low), 3), round(float(high), 3)]}


def measure(name: str, candidates: int, fresh: int, seed: int) -> dict:
    problem = Problem(name)
    rungs = problem.rungs()
    rng = np.random.default_rng(seed)
    rows = []
    started = time.perf_counter()
    for i in range(candidates):
        unit = rng.random(problem.dimension)
        checkpoint, curve = None, []
        for budget in rungs:
            value, checkpoint = problem.run_to(unit, 5000 + i, budget, checkpoint)
            curve.append(value)
        other = problem.run_to(unit, 7000 + i, rungs[-1])[0]
        quality = [problem.run_to(unit, 9000 + 10 * i + k, rungs[-1])[0] for k in range(fresh)]
        rows.append({"unit": unit.tolist(), "curve": curve, "other_seed": other, "fresh": quality})
        print(f"candidate {i + 1}/{candidates} ({time.perf_counter() - started:.0f} s): curve {curve}, "
              f"other seed {other:g}, fresh mean {np.mean(quality):g}", file=sys.stderr, flush=True)
    curve = np.array([r["curve"] for r in rows])
    other = np.array([r["other_seed"] for r in rows])
    quality = np.array([np.mean(r["fresh"]) for r in rows])
    boot = np.random.default_rng([seed, 1])
    out = {"rungs": rungs, "by_rung": {}, "seconds": round(time.perf_counter() - started, 1), "rows": rows}
    for k, budget in enumerate(rungs):
        out["by_rung"][f"{budget:g}"] = {
            "vs_same_seed_top": rank_correlation(curve[:, k], curve[:, -1], boot),
            "vs_other_seed_top": rank_correlation(curve[:, k], other, boot),
            "vs_quality": rank_correlation(curve[:, k], quality, boot)}
    out["other_seed_top_vs_quality"] = rank_correlation(other, quality, boot)
    out["quality_spread"] = {"min": round(float(quality.min()), 4), "median": round(float(np.median(quality)), 4),
                             "max": round(float(quality.max()), 4)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problem", default="egru", help="a learning-curve problem of benchmarks/multifidelity.py")
    parser.add_argument("--candidates", type=int, default=40, help="random candidates (default 40)")
    parser.add_argument("--fresh", type=int, default=4, help="fresh training seeds for the quality (default 4)")
    parser.add_argument("--seed", type=int, default=20261205, help="seed of the candidates' draw")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON summary (with every row) here")
    args = parser.parse_args()
    if args.problem not in SPECS or SPECS[args.problem].kind != "learning-curve":
        learning = [n for n, s in SPECS.items() if s.kind == "learning-curve"]
        parser.error(f"--problem {args.problem!r}: give a learning-curve problem ({', '.join(learning)})")
    if not 3 <= args.candidates <= 10_000 or not 1 <= args.fresh <= 100:
        parser.error("--candidates must be in [3, 10000] and --fresh in [1, 100]")
    result = measure(args.problem, args.candidates, args.fresh, args.seed)
    for budget, row in result["by_rung"].items():
        print(f"{args.problem} rung {budget:>4s}: " + ", ".join(
            f"{label} {row[key]['rho']:+.2f} ({row[key]['interval'][0]:+.2f} to {row[key]['interval'][1]:+.2f})"
            for key, label in (("vs_same_seed_top", "vs its own top-budget result"),
                               ("vs_other_seed_top", "vs another seed's"), ("vs_quality", "vs the quality"))))
    row = result["other_seed_top_vs_quality"]
    print(f"{args.problem}: one top-budget result (another seed) vs the quality {row['rho']:+.2f} "
          f"({row['interval'][0]:+.2f} to {row['interval'][1]:+.2f}); quality over candidates {result['quality_spread']}")
    summary = {"benchmark": "mf_reliability", "problem": args.problem, "candidates": args.candidates,
               "fresh_seeds": args.fresh, "seed": args.seed, **result,
               "machine": {"python": platform.python_version(), "platform": platform.platform()}}
    if args.out:
        args.out.write_text(json.dumps(summary) + "\n")
    summary.pop("rows")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
