"""Run DEHB on one problem of benchmarks/multifidelity.py; runs in DEHB's own venv (benchmarks/.venvs/dehb).

Usage (by benchmarks/multifidelity.py): ``python dehb_runner.py '{"problem": NAME, "quick": BOOL, "seed": S}'``
with the repository and ``benchmarks/`` on ``PYTHONPATH``. DEHB searches the unit cube of the problem
(``configspace=False``) with its ask/tell interface until the compute budget (fidelity units) is spent.
DEHB restarts every evaluation from scratch (it keeps no checkpoints), so an evaluation at fidelity ``b``
costs ``b``. The last line printed is one JSON object: the log (see peers.mf_problems) and the seconds.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time


def main() -> None:
    request = json.loads(sys.argv[1])
    from dehb import DEHB

    from peers.mf_problems import Problem

    problem = Problem(request["problem"], request["quick"])
    seed = int(request["seed"])
    log, spent = [], 0.0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        optimizer = DEHB(f=None, cs=None, dimensions=problem.dimension, min_fidelity=problem.min_budget,
                         max_fidelity=problem.max_budget, eta=3, n_workers=1, seed=seed, output_path=folder,
                         log_level="ERROR", save_freq=None)
        while spent < problem.compute:
            job = optimizer.ask()
            unit = [float(v) for v in job["config"]]
            budget = int(round(float(job["fidelity"])))
            value, _ = problem.run_to(unit, 1_000_000 * (seed + 1) + int(job["config_id"]), budget)
            spent += budget
            log.append([spent, budget, value, unit])
            optimizer.tell(job, {"fitness": value if value == value else float("inf"), "cost": float(budget)})
    print(json.dumps({"log": log, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
