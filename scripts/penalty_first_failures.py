"""A GA whose whole first generation fails: does it recover as a run without the failures does? (docs/multiobjective.md)

docs/multiobjective.md quotes (``penalty = "worst"``): "measured, population 12, 10 generations, a function failing on
its first 12 calls, mean ``err`` over generations 7 to 9 of the GA 1.031/1.006/1.011 on seeds 1 to 3 [before
70cc1c0, when such a failure was told 0.0], now 1.003/1.001/1.003, as without the failures 1.003/1.003/1.002".
Those figures were measured by hand; this script measures them again with the function of tests/test_penalty27.py:
x and y in [0, 1], ``err = 1 + (x - 0.2)^2 + (y - 0.5)^2`` (minimized), raising on the run's first ``--failing``
calls (12: the first generation); ``ga`` with ``population_size = 12``, every other option its default,
``--generations`` (10), the ``serial`` backend, run seeds ``--seeds`` (1 2 3). Per seed it prints the mean ``err`` of
the evaluations of generations 7 to 9 with the failures and without them (``--failing 0``). The last line is one JSON
object.

    python scripts/penalty_first_failures.py [--seeds 1 2 3] [--generations 10] [--failing 12]

A few seconds. To measure the code before a change, run it with PYTHONPATH set to an unpacked ``git archive`` of that
commit (the script imports whatever ``l2l`` comes first on the path, this tree's if none).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

try:
    import l2l  # noqa: F401  (a tree given by PYTHONPATH comes first)
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FUNCTION = '''
from pathlib import Path


def simulate(params, seed, counter, failing):
    path = Path(counter)
    calls = int(path.read_text()) if path.exists() else 0
    path.write_text(str(calls + 1))
    if calls < failing:
        raise RuntimeError(f"not ready yet (call {calls})")
    return {"err": 1.0 + (params["x"] - 0.2) ** 2 + (params["y"] - 0.5) ** 2}
'''


def mean_err(seed: int, generations: int, failing: int, folder: Path) -> float:
    import l2l

    name = f"ga-{seed}-{failing}"
    config = l2l.from_mapping({
        "run": {"name": name, "seed": seed, "generations": generations},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}, "y": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "ga", "population_size": 12},
        "simulator": {"name": "python", "function": "failing_first:simulate", "path": str(folder),
                      "kwargs": {"counter": str(folder / f"calls-{name}"), "failing": failing}},
        "objectives": [{"name": "err"}], "backend": {"name": "serial"}})
    frame = l2l.load(l2l.run(config, folder / f"{name}.h5", progress=False))
    late = frame[(frame["generation"] >= 7) & (frame["generation"] <= 9) & (frame["status"] == "ok")]
    return float(late["err"].mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--generations", type=int, default=10)
    parser.add_argument("--failing", type=int, default=12)
    args = parser.parse_args(argv)
    if args.generations < 10 or args.failing < 0:
        print("penalty_first_failures.py: error: --generations must be at least 10 (generations 7 to 9 are read) "
              "and --failing at least 0", file=sys.stderr)
        return 2
    import l2l

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "failing_first.py").write_text(FUNCTION)
        for seed in args.seeds:
            row = {"seed": seed, "with_failures": mean_err(seed, args.generations, args.failing, folder),
                   "without_failures": mean_err(seed, args.generations, 0, folder)}
            rows.append(row)
            print(f"seed {seed}: mean err of generations 7 to 9 {row['with_failures']:.3f} with the first "
                  f"{args.failing} calls failing, {row['without_failures']:.3f} without", flush=True)
    print(json.dumps({"script": "penalty_first_failures", "l2l": str(Path(l2l.__file__).resolve().parent),
                      "seeds": args.seeds, "generations": args.generations, "failing": args.failing, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
