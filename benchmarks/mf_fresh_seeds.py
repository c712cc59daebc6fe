"""A learning curve's chosen candidates, seed by seed: how robust is what each method chose?

Reads the kept runs of benchmarks/multifidelity.py (its ``--keep`` folder) and, for each method and run
seed, evaluates the candidate the benchmark's rule chooses at the end on each of N fresh training seeds
(the seeds of the honest quality, ``FRESH_SEED_BASE + k``), printing its error count per seed (in units
of one test trial: the objective times the problem's ``test_trials``). The honest quality of
benchmarks/multifidelity.py is the mean of the first 3 (``--fresh-seeds 10``: of the first 10) of these.
docs/multifidelity_benchmark.md's eleventh round shows its lines for run seeds 45 and 46.

    nice -n 19 python benchmarks/mf_fresh_seeds.py --keep runs/ --problem lsnn --methods tpe,model-based --seeds 45,46

The last line printed is one JSON object: {method: {seed: [errors per fresh seed]}}.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers.mf_problems import FRESH_SEED_BASE, SPECS, Problem  # noqa: E402
from peers.mf_report import chosen  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", required=True, help="the --keep folder of benchmarks/multifidelity.py")
    parser.add_argument("--problem", default="lsnn", help="a learning-curve problem (lsnn, egru)")
    parser.add_argument("--methods", default="tpe,model-based", help="comma-separated methods")
    parser.add_argument("--seeds", default="45,46", help="comma-separated run seeds")
    parser.add_argument("--fresh", type=int, default=10, help="fresh training seeds per candidate (default 10)")
    args = parser.parse_args()
    if args.problem not in SPECS or not SPECS[args.problem].fresh_seeds:
        parser.error(f"--problem: a learning-curve problem expected (lsnn, egru), got {args.problem!r}")
    try:
        seeds = [int(seed) for seed in args.seeds.split(",")]
    except ValueError:
        parser.error(f"--seeds: comma-separated whole numbers expected, got {args.seeds!r}")
    if args.fresh < 1:
        parser.error(f"--fresh: 1 or more expected, got {args.fresh}")
    problem = Problem(args.problem)
    trials = float(problem.options.get("test_trials", 1))
    out: dict[str, dict[int, list[int]]] = {}
    for method in [m for m in args.methods.split(",") if m]:
        for seed in seeds:
            path = Path(args.keep, f"{args.problem}-{method}-{seed}.json")
            if not path.exists():
                parser.error(f"no kept run {path}")
            log = [(a, b, c, tuple(d)) for a, b, c, d in json.loads(path.read_text())["log"]]
            choice = chosen(problem, log, (1.0,))[0]
            errors = [int(round(problem.run_to(np.array(choice), FRESH_SEED_BASE + k, problem.max_budget)[0] * trials))
                      for k in range(args.fresh)]
            out.setdefault(method, {})[seed] = errors
            print(f"{method:22s} run seed {seed}: {' '.join(f'{e:2d}' for e in errors)}   "
                  f"(of {trials:g} per fresh seed; mean of the first 3: {np.mean(errors[:3]) / trials:.4f}, "
                  f"of all {args.fresh}: {np.mean(errors) / trials:.4f})", flush=True)
    print(json.dumps({"benchmark": "mf_fresh_seeds", "problem": args.problem, "errors": out}))


if __name__ == "__main__":
    main()
