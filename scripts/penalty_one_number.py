"""One number as ``run.penalty`` of a maximized and a minimized objective: does NSGA-II keep the failing region?
(docs/multiobjective.md, "Failures and non-finite values")

docs/multiobjective.md says: "``penalty = 1000.0`` tells NSGA-II that a failed evaluation has ``acc = 1000``, the best
accuracy of the run, and keeps the failing region in its population (measured, population 12, 12 generations, a
function failing for x > 0.7: 3 to 10 failures in every generation to the last, against none after the third with
"worst")". That was measured by hand on a function that was not kept; this script measures it on a stated one:
x and y in [0, 1], ``err = 1 + (x - 0.2)^2 + (y - 0.5)^2`` (minimized), ``acc = 0.5 + 0.4 x - 0.2 y`` (maximized:
it pulls towards the failing region), an exception for x > 0.7; ``nsga2`` with ``population_size = 12``,
``--generations`` (12), the ``serial`` backend, run seeds ``--seeds`` (1 2 3), with ``penalty = 1000.0`` and with
``"worst"``. Per run it prints the failures of each generation. The last line is one JSON object.

    python scripts/penalty_one_number.py [--seeds 1 2 3] [--generations 12]

A few seconds.
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
def simulate(params, seed):
    x, y = params["x"], params["y"]
    if x > 0.7:
        raise RuntimeError("fails for x > 0.7")
    return {"err": 1.0 + (x - 0.2) ** 2 + (y - 0.5) ** 2, "acc": 0.5 + 0.4 * x - 0.2 * y}
'''


def failures(seed: int, generations: int, penalty, folder: Path) -> list[int]:
    import l2l

    name = f"nsga2-{seed}-{penalty}"
    config = l2l.from_mapping({
        "run": {"name": name, "seed": seed, "generations": generations, "penalty": penalty,
                "stop_after_failures": 0},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}, "y": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "nsga2", "population_size": 12},
        "simulator": {"name": "python", "function": "one_number:simulate", "path": str(folder)},
        "objectives": [{"name": "err", "direction": "minimize"}, {"name": "acc", "direction": "maximize"}],
        "backend": {"name": "serial"}})
    frame = l2l.load(l2l.run(config, folder / f"{name}.h5", progress=False))
    failed = frame[frame["status"] != "ok"]
    return [int((failed["generation"] == g).sum()) for g in range(int(frame["generation"].max()) + 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--generations", type=int, default=12)
    args = parser.parse_args(argv)
    if args.generations < 1:
        print("penalty_one_number.py: error: --generations must be at least 1", file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "one_number.py").write_text(FUNCTION)
        for seed in args.seeds:
            for penalty in (1000.0, "worst"):
                counts = failures(seed, args.generations, penalty, folder)
                rows.append({"seed": seed, "penalty": penalty, "failures_per_generation": counts})
                print(f"seed {seed} penalty {penalty!s:6s}: failures per generation {counts}", flush=True)
    print(json.dumps({"script": "penalty_one_number", "seeds": args.seeds, "generations": args.generations,
                      "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
