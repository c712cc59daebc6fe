"""The claim of tests/test_fidelity_simulators.py's "quality improves with the budget on average over seeds" on seeds
of your choice.

The test's own cases (lsnn, egru, spore with their options, read from the test's parametrize mark) and checkpoint
round trip (stored), imported from the test so that the two cannot drift apart: per seed, the objective at the
fidelity's minimum and, continued from that checkpoint, at its maximum. The test asserts, over seeds 0..n-1 (5, 5
and 4): mean loss at the maximum < mean loss at the minimum - 0.05 (loss = the objective, or minus the reward).
Also test_low_fidelities_agree_or_mislead_as_configured (seeds 0-2, the test's functions from its parametrize mark,
_rank_agreement imported): per function and seed the rank correlation of the low fidelity with the exact value and
the share of the 15 best by the low fidelity that are truly better than the median; the test asserts means over its
seeds: "agree" correlation > 0.75 and share > 0.9, "mislead" correlation < 0.45 and share < 0.75.
Printed per case: per-seed improvements (loss at the minimum - loss at the maximum), mean (the test asserts > 0.05),
mean - 3 SE, min and how many seeds go the wrong way. The last line is one JSON object.

    python scripts/fidelity_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_fidelity_simulators import _rank_agreement, test_low_fidelities_agree_or_mislead_as_configured as _agree  # noqa: E402,E501
from test_fidelity_simulators import stored, test_quality_improves_with_the_budget_on_average_over_seeds as _test  # noqa: E402,E501

from l2l.simulators import SIMULATORS  # noqa: E402

FUNCTIONS = [case for mark in _agree.pytestmark if mark.name == "parametrize" for case in mark.args[1]]
CASES = {case[0]: case for mark in _test.pytestmark if mark.name == "parametrize" for case in mark.args[1]}


def _improvement(job: tuple[str, int]) -> float:
    name, seed = job
    _, options, objective, sign, _ = CASES[name]
    simulator = SIMULATORS.create(name, options)
    fidelity = simulator.fidelity()
    low = simulator.run_to({}, seed, fidelity.minimum, None)
    high = simulator.run_to({}, seed, fidelity.maximum, stored(low.checkpoint))
    return float(sign * low.objectives[objective] - sign * high.objectives[objective])


def _agreement(job: tuple) -> tuple[float, float]:
    (name, dimension, low, high), mode, seed = job
    correlation, good = _rank_agreement(name, mode, dimension, low, high, seed)
    return float(correlation), float(good)


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    jobs = [(name, s) for name in CASES for s in seeds]
    with Pool(2) as pool:
        found = np.array(pool.map(_improvement, jobs)).reshape(len(CASES), len(seeds))
    summary = {}
    for name, values in zip(CASES, found):
        low = values.mean() - 3.0 * values.std(ddof=1) / np.sqrt(values.size)
        holds = bool(values.mean() > 0.05)
        summary[name] = {"holds": holds, "mean": round(float(values.mean()), 4), "mean_minus_3se": round(float(low), 4),
                         "min": round(float(values.min()), 4), "negative": int((values < 0).sum()),
                         "values": [round(float(v), 4) for v in values]}
        print(f"{name:6s} improvement: mean {values.mean():+.4f} (> 0.05 {'yes' if holds else 'NO'})  mean - 3 SE "
              f"{low:+.4f}  min {values.min():+.4f}  negative {int((values < 0).sum())} of {values.size}")
    jobs = [(case, mode, s) for case in FUNCTIONS for mode in ("agree", "mislead") for s in seeds]
    with Pool(2) as pool:
        agreement = np.array(pool.map(_agreement, jobs)).reshape(len(FUNCTIONS), 2, len(seeds), 2)
    bounds = {("agree", 0): (">", 0.75), ("agree", 1): (">", 0.9), ("mislead", 0): ("<", 0.45),
              ("mislead", 1): ("<", 0.75)}
    for case, found in zip(FUNCTIONS, agreement):
        for m, mode in enumerate(("agree", "mislead")):
            for k, what in enumerate(("correlation", "share good")):
                side, bound = bounds[mode, k]
                values = found[m, :, k]
                holds = bool(values.mean() > bound if side == ">" else values.mean() < bound)
                wrong = int((values <= bound).sum() if side == ">" else (values >= bound).sum())
                summary[f"{case[0]} {mode} {what}"] = {"holds": holds, "mean": round(float(values.mean()), 4),
                                                       "beyond_bound": wrong,
                                                       "values": [round(float(v), 4) for v in values]}
                if not holds or wrong:
                    print(f"{case[0]:16s} {mode:7s} {what:10s} mean {values.mean():.3f} ({side} {bound}: "
                          f"{'holds' if holds else 'FAILS'}), single seeds beyond the bound {wrong} of {values.size}")
    print(f"agree/mislead: {sum(v['holds'] for k, v in summary.items() if ' agree ' in k or ' mislead ' in k)} of "
          f"{4 * len(FUNCTIONS)} means hold (lines above: those that fail or have seeds beyond the bound)")
    print(json.dumps({"seeds": seeds, **summary}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
