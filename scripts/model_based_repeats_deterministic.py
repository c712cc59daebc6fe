"""What ``model-based``'s default ``repeats = 2`` costs on a function that ignores its seed
(docs/coming_from_dehb_smac.md, SMAC's ``deterministic = True``).

Instant multi-fidelity Hartmann-3 (``hartmann3``, ``multi_fidelity = true``, budgets 1 to 27, ``low_fidelity``
its default; exact at the top budget: the seed changes nothing), ``[policy] name = "model-based"`` (defaults),
``run.compute`` 800 (``--compute``), ``serial``; beside it, the same run with ``repeats = 1`` (the reference: no
repeat can happen). A repeat is a top-budget segment trained from scratch at parameters an earlier top-budget
segment of the run already had (the policy training its choice again on a new seed); a run's top-budget segments
and the compute spent (fidelity units, the ``compute`` column) are counted from ``l2l.load(path, segments=True)``.

    python scripts/model_based_repeats_deterministic.py [--seeds 1 2 ... 10] [--compute 800]

About 0.5 s of CPU a run. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

try:
    import l2l  # noqa: F401  (a tree given by PYTHONPATH comes first)
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def one_run(seed: int, compute: float, repeats: int | None, folder: str) -> dict:
    import l2l

    policy = {"name": "model-based", **({"repeats": repeats} if repeats is not None else {})}
    data = {"run": {"seed": seed, "compute": compute}, "space": {"x": {"low": 0.0, "high": 1.0, "shape": [3]}},
            "policy": policy,
            "simulator": {"name": "hartmann3", "multi_fidelity": True, "min_budget": 1, "max_budget": 27},
            "backend": {"name": "serial"}}
    path = Path(f"{folder}/r{repeats}-{seed}.h5")
    l2l.run(l2l.from_mapping(data), path, progress=False)
    segments = l2l.load(path, segments=True)
    columns = [c for c in segments.columns if c.startswith("x[")]
    top = segments[segments["budget"] == 27].sort_values(["generation", "individual"])
    seen: set[tuple] = set()
    repeated = 0
    for _, row in top.iterrows():
        key = tuple(round(float(row[c]), 12) for c in columns)
        if key in seen and float(row["from_budget"]) == 0.0:
            repeated += 1
        seen.add(key)
    return {"top_budget_segments": len(top), "repeated": repeated, "compute": float(segments["compute"].sum()),
            "best": round(float(l2l.best(path).value), 4), "best_n": int(l2l.best(path).n)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    parser.add_argument("--compute", type=float, default=800.0)
    args = parser.parse_args(argv)
    if args.compute <= 0:
        print("model_based_repeats_deterministic.py: error: --compute must be positive", file=sys.stderr)
        return 2
    runs: dict = {"default": {}, "repeats=1": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            for label, repeats in (("default", None), ("repeats=1", 1)):
                row = one_run(seed, args.compute, repeats, tmp)
                runs[label][seed] = row
                print(f"seed {seed:3d} {label:9s}: {row['repeated']} repeated of {row['top_budget_segments']} "
                      f"top-budget segments, {row['compute']:.0f} units, best {row['best']} (n {row['best_n']})",
                      flush=True)
    summary = {}
    for label, rows in runs.items():
        values = list(rows.values())
        summary[label] = {
            "repeated": [v["repeated"] for v in values],
            "top_budget_segments": [v["top_budget_segments"] for v in values],
            "repeated_total": sum(v["repeated"] for v in values),
            "top_budget_total": sum(v["top_budget_segments"] for v in values),
            "best_mean": round(statistics.mean(v["best"] for v in values), 4),
            "best_sd": round(statistics.stdev(v["best"] for v in values), 4) if len(values) > 1 else None}
        print(f"{label}: {summary[label]['repeated_total']} repeated of {summary[label]['top_budget_total']} "
              f"top-budget segments over {len(values)} seeds (per seed {min(summary[label]['repeated'])} to "
              f"{max(summary[label]['repeated'])}); best {summary[label]['best_mean']} (sd {summary[label]['best_sd']})")
    print(json.dumps({"script": "model_based_repeats_deterministic", "seeds": args.seeds, "compute": args.compute,
                      "runs": {k: {str(s): r for s, r in v.items()} for k, v in runs.items()}, "summary": summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
