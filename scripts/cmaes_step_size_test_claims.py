"""The claim of tests/test_behave31.py's "cmaes step size grows on a slope, shrinks near the optimum and holds without
information" on seeds of your choice.

The test's own measure (_cmaes_log_step_growth: log of sigma's change over 20 generations), imported from the test so
that the two cannot drift apart. The test asserts over seeds 0-5: min(slope) > 1.5, max(sphere) < -0.7 and
|mean(flat)| < 0.75. Printed: per-seed values, the tested figure, how many seeds are beyond the per-seed bounds and
whether each assertion holds on these seeds. The last line is one JSON object.

    python scripts/cmaes_step_size_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_behave31 import _cmaes_log_step_growth  # noqa: E402 - the test's own measure


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    found = {kind: np.array([_cmaes_log_step_growth(kind, s) for s in seeds]) for kind in ("slope", "sphere", "flat")}
    checks = {"slope (min > 1.5)": (found["slope"].min(), found["slope"].min() > 1.5, (found["slope"] <= 1.5).sum()),
              "sphere (max < -0.7)": (found["sphere"].max(), found["sphere"].max() < -0.7,
                                      (found["sphere"] >= -0.7).sum()),
              "flat (|mean| < 0.75)": (found["flat"].mean(), abs(found["flat"].mean()) < 0.75,
                                       (np.abs(found["flat"]) >= 0.75).sum())}
    summary = {}
    for (name, (figure, holds, beyond)), values in zip(checks.items(), found.values()):
        summary[name] = {"holds": bool(holds), "tested": round(float(figure), 4), "beyond": int(beyond),
                         "values": [round(float(v), 4) for v in values]}
        print(f"{name:22s} tested {figure:+.3f}  per seed {values.min():+.3f}..{values.max():+.3f}, beyond the bound on "
              f"{int(beyond)} of {values.size}: {'holds' if holds else 'FAILS'}")
    print(json.dumps({"seeds": seeds, **summary}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
