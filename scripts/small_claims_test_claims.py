"""Three small "over seeds" claims on seeds of your choice, with the tests' own settings imported so that the two
cannot drift apart (loops written inside the tests are repeated here: keep the two the same):

1. tests/test_loss_objectives.py's "the loss is lower after training over seeds" (seeds 0-2; CASES: lsnn, egru):
   per seed, loss at budget 1 minus loss at the top budget; the test asserts mean > 0.05 and > 0 on every seed.
2. tests/test_initpoints30.py's "nsga2 keeps a dominating point among its parents" (seeds 0-2): per seed, the median
   loss of the last generation without the optimum given and with it; the test asserts mean(with) < 0.5 x
   mean(without). Per seed: with / without.
3. tests/test_initpoints30.py's "cmaes started from a good point stays nearer it" (seeds 0-11, _cmaes_distances):
   the test asserts mean(given) < 0.5 x mean(without) and given < without on 75 % of the seeds.

Printed: per-seed values, the test's assertion on these seeds and how many seeds go the wrong way. The last line is
one JSON object.

    python scripts/small_claims_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
import tempfile
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_initpoints30 import OPTIMUM, _cmaes_distances, config, run  # noqa: E402 - the tests' own settings
from test_loss_objectives import CASES  # noqa: E402

from l2l.simulators import SIMULATORS  # noqa: E402


def _loss_drop(job: tuple[str, int]) -> float:
    name, seed = job
    options, params, _, loss, top = CASES[name]
    simulator = SIMULATORS.create(name, {**options, "test_trials": 64, "min_budget": 1})
    after = simulator.run_to(params, seed, top, None).objectives[loss]
    before = simulator.run_to(params, seed, 1, None).objectives[loss]
    return float(before - after)


def _spread(job: tuple[bool, int]) -> float:
    given, seed = job
    points = [OPTIMUM] if given else None
    with tempfile.TemporaryDirectory() as folder:
        frame = run(Path(folder), config("nsga2", points=points, seed=seed, generations=4), "n.h5")
    return float(np.median(frame[frame["generation"] == 3]["loss"]))


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    summary = {}
    with Pool(2) as pool:
        drops = np.array(pool.map(_loss_drop, [(n, s) for n in sorted(CASES) for s in seeds])).reshape(len(CASES), -1)
        spreads = np.array(pool.map(_spread, [(g, s) for g in (True, False) for s in seeds])).reshape(2, -1)
    for name, values in zip(sorted(CASES), drops):
        holds = bool(values.mean() > 0.05 and (values > 0).all())
        summary[f"{name} loss drop"] = {"holds": holds, "mean": round(float(values.mean()), 4),
                                        "min": round(float(values.min()), 4), "negative": int((values <= 0).sum()),
                                        "values": [round(float(v), 4) for v in values]}
        print(f"{name} loss before - after: mean {values.mean():+.4f} (> 0.05)  min {values.min():+.4f}  "
              f"wrong way {int((values <= 0).sum())} of {values.size}: {'holds' if holds else 'FAILS'}")
    given, without = spreads
    ratio = given / without
    holds = bool(given.mean() < 0.5 * without.mean())
    summary["nsga2 given / without"] = {"holds": holds, "ratio_of_means": round(float(given.mean() / without.mean()), 4),
                                        "values": [round(float(v), 4) for v in ratio]}
    print(f"nsga2 with the optimum / without: ratio of means {given.mean() / without.mean():.3f} (< 0.5)  per seed max "
          f"{ratio.max():.3f}, >= 0.5 on {int((ratio >= 0.5).sum())} of {ratio.size}: {'holds' if holds else 'FAILS'}")
    given, without = _cmaes_distances(True, seeds), _cmaes_distances(False, seeds)
    nearer = float((given < without).mean())
    holds = bool(given.mean() < 0.5 * without.mean() and nearer >= 0.75)
    summary["cmaes given / without"] = {"holds": holds, "ratio_of_means": round(float(given.mean() / without.mean()), 4),
                                        "nearer_share": nearer, "values": [round(float(v), 4) for v in given / without]}
    print(f"cmaes from the good point / without: ratio of means {given.mean() / without.mean():.3f} (< 0.5), nearer on "
          f"{nearer:.0%} (>= 75 %): {'holds' if holds else 'FAILS'}")
    print(json.dumps({"seeds": seeds, **summary}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
