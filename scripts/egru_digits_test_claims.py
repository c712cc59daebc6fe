"""The claims of tests/test_egru_digits.py's activity-regularization test on seeds of your choice.

The test's own simulator settings (_digits: 3 epochs, 32 units, BPTT) and margin (_mean_and_margin: three standard
errors), imported from the test so that the two cannot drift apart; each seed is run plain and with
activity_penalty = 1, event_budget = 1, paired. The test asserts on its four seeds 0-3:

* sparsity gain (test_event_sparsity, sparse - plain): mean - 3 SE > 0.1;
* plain accuracy: mean > 0.75;
* accuracy cost (plain - sparse): mean + 3 SE < 0.2;
* MACs per step, sparse / plain: mean < 0.8.

Printed for each: the per-seed values, mean, the test's bound (mean -/+ 3 SE), min/max and whether the assertion
holds on these seeds. The last line is one JSON object.

    python scripts/egru_digits_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_egru_digits import _digits, _mean_and_margin  # noqa: E402 - the test's own settings and margin

VARIANTS = {"plain": {}, "sparse": {"activity_penalty": 1.0, "event_budget": 1}}


def _run(job: tuple[str, int]) -> tuple[float, float, float]:
    name, seed = job
    result = _digits(**VARIANTS[name]).run({}, seed)
    return (float(result.metrics["test_event_sparsity"]), float(result.objectives["accuracy"]),
            float(result.objectives["macs_per_step"]))


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    jobs = [(name, s) for name in VARIANTS for s in seeds]
    with Pool(2) as pool:
        found = np.array(pool.map(_run, jobs)).reshape(len(VARIANTS), len(seeds), 3)
    (p_sparsity, p_accuracy, p_macs), (s_sparsity, s_accuracy, s_macs) = found.transpose(0, 2, 1)
    claims = {"sparsity gain (mean - 3 SE > 0.1)": (s_sparsity - p_sparsity, -1, 0.1),
              "plain accuracy (mean > 0.75)": (p_accuracy, 0, 0.75),
              "accuracy cost (mean + 3 SE < 0.2)": (p_accuracy - s_accuracy, +1, 0.2),
              "MACs sparse / plain (mean < 0.8)": (s_macs / p_macs, None, 0.8)}
    summary = {}
    for name, (values, side, bound) in claims.items():
        mean, margin = _mean_and_margin(values)
        if side is None:
            figure, holds = mean, mean < bound
        elif side == 0:
            figure, holds = mean, mean > bound
        else:
            figure = mean + side * margin
            holds = figure > bound if side < 0 else figure < bound
        summary[name] = {"mean": round(mean, 4), "bound_figure": round(figure, 4), "holds": bool(holds),
                         "min": round(float(values.min()), 4), "max": round(float(values.max()), 4),
                         "values": [round(float(v), 4) for v in values]}
        print(f"{name:38s} mean {mean:+.4f}  tested figure {figure:+.4f}  min {values.min():+.4f}  "
              f"max {values.max():+.4f}: {'holds' if holds else 'FAILS'}")
    print(json.dumps({"seeds": seeds, **summary}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
