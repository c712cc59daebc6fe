"""What ``same_everywhere = true`` costs in search quality: ``tpe`` under ``hyperband`` and ``successive-halving`` on
instant multi-fidelity Hartmann-3, with and without the option (docs/multifidelity.md, "same_everywhere").

docs/multifidelity.md quotes, for ``tpe`` on instant Hartmann-3 with ``run.compute = 1500``, ``serial``, seeds 1 to
10, the mean best value default against the option (``hyperband`` -3.847 against -3.831, worse on 9 of 10 seeds;
misleading low budgets -2.35 against -2.00; ``successive-halving`` -3.861 against -3.859, misleading -0.97 against
-1.01). Those figures were measured by hand on 6 December 2026; this script measures the same comparison: the
simulator ``hartmann3`` with ``multi_fidelity = true``, budgets 1 to 27, ``low_fidelity`` "agree" or "mislead"
(every other option its default), the policy's defaults but ``same_everywhere``, ``optimizer = "tpe"`` (defaults),
``run.compute`` (1500) on the ``serial`` backend. The best value of a run is ``l2l.best(path).value`` (the best
candidate at the top budget, which is exact there: no noise at ``max_budget``). Per policy and variant it prints
the mean and standard deviation over the seeds, the paired difference (option minus default; larger is worse,
the value is minimized) with its standard error, and on how many seeds the option is worse. The last line is one
JSON object.

    python scripts/same_everywhere_quality.py [--seeds 1 2 ... 10] [--compute 1500] [--policies hyperband successive-halving]

About 1 to 2 s of CPU a run (80 runs by default).
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


def one_run(policy: str, variant: str, option: bool, seed: int, compute: float, folder: Path) -> float:
    import l2l

    data = {"run": {"seed": seed, "compute": compute}, "space": {"x": {"low": 0.0, "high": 1.0, "shape": [3]}},
            "optimizer": {"name": "tpe"}, "policy": {"name": policy, **({"same_everywhere": True} if option else {})},
            "simulator": {"name": "hartmann3", "multi_fidelity": True, "low_fidelity": variant, "min_budget": 1,
                          "max_budget": 27},
            "backend": {"name": "serial"}}
    path = folder / f"{policy}-{variant}-{int(option)}-{seed}.h5"
    l2l.run(l2l.from_mapping(data), path, progress=False)
    return float(l2l.best(path).value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    parser.add_argument("--compute", type=float, default=1500.0)
    parser.add_argument("--policies", nargs="+", default=["hyperband", "successive-halving"])
    parser.add_argument("--variants", nargs="+", default=["agree", "mislead"])
    args = parser.parse_args(argv)
    if args.compute <= 0 or len(args.seeds) < 2:
        print("same_everywhere_quality.py: error: --compute must be positive and --seeds name at least 2 seeds",
              file=sys.stderr)
        return 2
    summary = {}
    with tempfile.TemporaryDirectory() as tmp:
        for policy in args.policies:
            for variant in args.variants:
                default = [one_run(policy, variant, False, s, args.compute, Path(tmp)) for s in args.seeds]
                option = [one_run(policy, variant, True, s, args.compute, Path(tmp)) for s in args.seeds]
                diff = [o - d for o, d in zip(option, default)]
                row = {"default": default, "option": option,
                       "default_mean": statistics.mean(default), "default_sd": statistics.stdev(default),
                       "option_mean": statistics.mean(option), "option_sd": statistics.stdev(option),
                       "paired_mean": statistics.mean(diff),
                       "paired_se": statistics.stdev(diff) / len(diff) ** 0.5,
                       "option_worse": sum(d > 0 for d in diff)}
                summary[f"{policy} {variant}"] = row
                print(f"{policy:18s} {variant:7s} default {row['default_mean']:.3f} (sd {row['default_sd']:.3f})  "
                      f"same_everywhere {row['option_mean']:.3f} (sd {row['option_sd']:.3f})  option - default "
                      f"{row['paired_mean']:+.3f} (SE {row['paired_se']:.3f}), option worse on "
                      f"{row['option_worse']} of {len(diff)} seeds", flush=True)
    print(json.dumps({"script": "same_everywhere_quality", "seeds": args.seeds, "compute": args.compute,
                      "results": summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
