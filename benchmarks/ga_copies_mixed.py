"""How often ``ga`` with ``evaluate_copies = false`` evaluates a point again on a space of an integer, a choice and
two floats (docs/optimizers.md, "evaluate_copies").

docs/optimizers.md quotes, for this space, "2 to 5.5 % [of evaluations repeat a point], where it was 25 to 31 %
until a copy was compared by its values" (commit 77cfc72, 7 December 2026). That figure was measured by hand; this
script measures it again. The space: ``n`` an integer in [0, 6], ``act`` one of three choices, ``w1`` and ``w2``
floats in [-1, 1]; a deterministic loss (the one of tests/test_newuser41.py with a second float); ``ga`` with
``population_size = 6`` and ``evaluate_copies = false``, every other option its default; ``--evaluations`` (200)
on the ``serial`` backend, run seeds ``--seeds`` (1 2 3 4). A point is the values the simulator is given (the
integer, the choice, the floats to 10 decimals). Per seed it prints the share of evaluations whose point was
evaluated before in the run (``repeats``) and the number whose point was evaluated in the generation just
before (``previous_generation``). The last line is one JSON object.

    python benchmarks/ga_copies_mixed.py [--seeds 1 2 3 4] [--evaluations 200] [--evaluate-copies]

Runs in a few seconds. To measure the code before a change, run this file with PYTHONPATH set to an unpacked
``git archive`` of that commit (the script imports whatever ``l2l`` comes first on the path, this tree's if none).
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

MIXED = """
def simulate(params, seed):
    return {"loss": (params["n"] - 3) ** 2 + (params["act"] != "tanh") + (params["w1"] - 0.1) ** 2
                    + (params["w2"] + 0.2) ** 2}
"""


def one_run(seed: int, evaluations: int, copies: bool, folder: Path) -> dict:
    import l2l

    config = l2l.from_mapping({
        "run": {"name": f"mixed{seed}", "seed": seed, "evaluations": evaluations},
        "space": {"n": {"type": "int", "low": 0, "high": 6},
                  "act": {"type": "categorical", "choices": ["relu", "tanh", "sigmoid"]},
                  "w1": {"type": "float", "low": -1.0, "high": 1.0},
                  "w2": {"type": "float", "low": -1.0, "high": 1.0}},
        "optimizer": {"name": "ga", "population_size": 6, "evaluate_copies": copies},
        "simulator": {"name": "python", "function": "mixed_copies:simulate", "path": str(folder)},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}})
    rows = l2l.load(l2l.run(config, folder / f"mixed{seed}.h5", progress=False))
    points = [(int(n), str(a), round(float(w1), 10), round(float(w2), 10))
              for n, a, w1, w2 in zip(rows["n"], rows["act"], rows["w1"], rows["w2"])]
    seen: dict = {}
    repeats = previous = 0
    for point, generation in zip(points, rows["generation"]):
        if point in seen:
            repeats += 1
            previous += seen[point] == generation - 1
        seen[point] = int(generation)
    return {"seed": seed, "evaluations": len(points), "repeats": repeats / len(points),
            "previous_generation": previous, "best": float(min(rows["loss"]))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--evaluations", type=int, default=200)
    parser.add_argument("--evaluate-copies", action="store_true", help="the default ga (evaluate_copies = true)")
    args = parser.parse_args(argv)
    if args.evaluations < 1:
        print("ga_copies_mixed.py: error: --evaluations must be at least 1", file=sys.stderr)
        return 2
    import l2l

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "mixed_copies.py").write_text(MIXED)
        for seed in args.seeds:
            row = one_run(seed, args.evaluations, args.evaluate_copies, folder)
            rows.append(row)
            print(f"seed {seed}: {row['evaluations']} evaluations, repeats {100 * row['repeats']:.1f} %, "
                  f"{row['previous_generation']} of them a point of the generation before, best {row['best']:.4g}",
                  flush=True)
    shares = [r["repeats"] for r in rows]
    print(f"repeats {100 * min(shares):.1f} to {100 * max(shares):.1f} % over seeds {args.seeds}")
    print(json.dumps({"benchmark": "ga_copies_mixed", "l2l": str(Path(l2l.__file__).resolve().parent),
                      "evaluate_copies": args.evaluate_copies, "evaluations": args.evaluations,
                      "seeds": args.seeds, "rows": rows,
                      "repeats_min": min(shares), "repeats_max": max(shares)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
