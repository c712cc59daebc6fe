"""How close is a NEST network continued from its checkpoint to one simulated at once? (docs/multifidelity_simulators.md)

The model of examples/nest_fidelity.py keeps its state as numbers (membrane potentials, spike statistics); a
continued segment builds the network again from the seed and sets them, with fresh Poisson noise. For seeds
1..N: simulate 0 to ``--pause`` s, continue from the checkpoint to ``--top`` s, and compare with 0 to ``--top`` s at
once (rate, CV of the inter-spike intervals, the objective ``distance``). Last line: one JSON object.

    python benchmarks/nest_continuation.py --seeds 6
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from l2l.simulators import SIMULATORS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--g", type=float, default=6.84)
    parser.add_argument("--eta", type=float, default=0.92)
    parser.add_argument("--pause", type=float, default=0.3)
    parser.add_argument("--top", type=float, default=0.9)
    args = parser.parse_args()
    network = SIMULATORS.create("nest", {"function": "nest_fidelity:train", "path": str(EXAMPLES),
                                         "multi_fidelity": {"name": "seconds", "minimum": 0.1, "maximum": args.top,
                                                            "integer": False}})
    params = {"g": args.g, "eta": args.eta}
    rows = []
    print("seed  rate continued / at once   cv continued / at once   distance continued / at once")
    for seed in range(1, args.seeds + 1):
        paused = network.run_to(params, seed, args.pause, None)
        continued = network.run_to(params, seed, args.top, paused.checkpoint)
        once = network.run_to(params, seed, args.top, None)
        row = [continued.metrics["rate"], once.metrics["rate"], continued.metrics["cv"], once.metrics["cv"],
               continued.objectives["distance"], once.objectives["distance"]]
        rows.append(row)
        print(f"{seed:4d}  {row[0]:8.3f} / {row[1]:7.3f}   {row[2]:12.4f} / {row[3]:7.4f}   "
              f"{row[4]:18.4f} / {row[5]:7.4f}", flush=True)
    table = np.array(rows)
    summary = {"seeds": args.seeds, "g": args.g, "eta": args.eta, "pause": args.pause, "top": args.top}
    for name, column in (("rate", 0), ("cv", 2), ("distance", 4)):
        difference = table[:, column] - table[:, column + 1]
        summary[f"{name}_difference_mean"] = round(float(difference.mean()), 4)
        summary[f"{name}_difference_sd"] = round(float(difference.std(ddof=1)), 4)
        summary[f"{name}_at_once_sd"] = round(float(table[:, column + 1].std(ddof=1)), 4)
    summary["rate_at_once_mean"] = round(float(table[:, 1].mean()), 3)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
