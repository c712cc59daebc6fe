"""The model-based policy's cost per proposal as a run grows, with and without the score index, beside Optuna's TPE.

The model-based policy refits its model from every candidate at every proposal. Read from the trials' dicts,
ranking them was a pass in Python over all of them per proposal; the driver's score index
(``l2l.policies.base.ScoreIndex``) keeps the scores as numpy arrays. What remains grows with the candidates in
numpy (the density ratio over every result), as it does in any TPE.

Each point is a fresh Python process that runs ``model-based`` (eta 3, defaults) on the synthetic multi-fidelity
``sphere`` (4-D, budgets 1..81: a segment costs microseconds, so that nothing but l2l is measured), serial
backend, run seed 1, with ``run.compute`` of the point, twice: as l2l runs it (``index``) and with the index
switched off and the pooled order built a row at a time as before it (``reference``, the code of before, kept
as the policy's fallback for NaN scores). The two runs' segments must be identical (trial, budgets, seed,
parameters, value). Figures: CPU seconds of the run (the process's user + system) and milliseconds of CPU per
proposal (per candidate started), and Optuna's ``TPESampler(multivariate=True)``: the CPU of one ``ask`` told
as many completed trials as the largest run's candidates (4-D, values of the same sphere; the mean of 5 asks).

Targets: identical segments at every size; at the largest size ``index`` at most half the reference's CPU, and
its CPU per proposal below Optuna's per ask at that number of trials.

Run: ``python benchmarks/model_based_scale.py`` (sizes 10,000, 30,000, 80,000 units: about 8 minutes on a quiet
2-core machine; ``--sizes`` to choose). The 1-minute load average is printed beside every point. The last line
is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLUMNS = ["trial", "budget", "from_budget", "seed", "value", "x[0]", "x[1]", "x[2]", "x[3]"]


def mapping(compute: float) -> dict:
    return {"run": {"name": "model-based-scale", "seed": 1, "compute": compute},
            "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [4]}},
            "optimizer": {"name": "random"}, "policy": {"name": "model-based", "eta": 3},
            "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}}


def point(compute: float, variant: str, out: str) -> dict:
    """In this process: one run of ``compute`` units, as l2l runs it or with the reference code."""
    import l2l
    from l2l import driver
    from l2l.policies import TrialTable
    from l2l.policies.model_based import ModelBased

    if variant == "reference":
        ModelBased._pooled = ModelBased._pooled_rows
        # the table without the driver's score index (the reference code reads the trials), whatever else it takes
        driver.TrialTable = lambda trials, to_unit, loop, space, budget, index=None, *more: TrialTable(
            trials, to_unit, loop, space, budget, None, *more)
    l2l.run(l2l.from_mapping(mapping(30)), Path(out).with_suffix(".warm.h5"), progress=False)  # imports, caches
    load = os.getloadavg()[0]
    start, wall = time.process_time(), time.perf_counter()
    l2l.run(l2l.from_mapping(mapping(compute)), out, progress=False)
    cpu, wall = time.process_time() - start, time.perf_counter() - wall
    segments = l2l.load(out, segments=True)
    candidates = int(segments["trial"].nunique())
    return {"variant": variant, "compute": compute, "candidates": candidates, "segments": len(segments),
            "cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "ms_per_proposal": round(1000 * cpu / candidates, 3),
            "load": [round(load, 1), round(os.getloadavg()[0], 1)]}


def run_point(compute: float, variant: str, out: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--point", str(compute), variant, str(out)],
                          capture_output=True, text=True, timeout=7200)
    if done.returncode != 0:
        raise SystemExit(f"point {compute} {variant} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def optuna_ask(trials: int, asks: int = 5) -> dict:
    """CPU of one ask of Optuna's multivariate TPE told ``trials`` completed trials of the 4-D sphere."""
    import numpy as np
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = np.random.default_rng(1)
    names = [f"x{i}" for i in range(4)]
    space = {n: optuna.distributions.FloatDistribution(-5.0, 5.0) for n in names}
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(multivariate=True, seed=1))
    points = rng.uniform(-5, 5, (trials, 4))
    study.add_trials([optuna.trial.create_trial(params=dict(zip(names, map(float, p))), distributions=space,
                                                value=float(np.sum(p ** 2))) for p in points])
    load = os.getloadavg()[0]
    start = time.process_time()
    for _ in range(asks):
        trial = study.ask(space)
        study.tell(trial, float(sum(trial.params[n] ** 2 for n in names)))
    cpu = (time.process_time() - start) / asks
    return {"peer": "optuna TPESampler(multivariate=True) ask", "trials": trials, "ms_per_ask": round(1000 * cpu, 3),
            "load": [round(load, 1), round(os.getloadavg()[0], 1)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--point", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="10000,30000,80000", help="run.compute of each point, comma-separated")
    parser.add_argument("--json", help="also write every point and the summary to this file")
    args = parser.parse_args()
    if args.point:
        print(json.dumps(point(float(args.point[0]), args.point[1], args.point[2])))
        return
    import l2l

    results, identical = [], {}
    with tempfile.TemporaryDirectory(prefix="model_based_scale_") as folder:
        for compute in [float(s) for s in args.sizes.split(",")]:
            paths = {}
            for variant in ("index", "reference"):
                paths[variant] = Path(folder) / f"{variant}-{int(compute)}.h5"
                result = run_point(compute, variant, paths[variant])
                results.append(result)
                print(json.dumps(result), flush=True)
            a, b = (l2l.load(paths[v], segments=True)[COLUMNS] for v in ("index", "reference"))
            identical[int(compute)] = bool(a.equals(b))
            print(json.dumps({"compute": compute, "identical_segments": identical[int(compute)]}), flush=True)
    largest = max(r["compute"] for r in results)
    ours = next(r for r in results if r["compute"] == largest and r["variant"] == "index")
    reference = next(r for r in results if r["compute"] == largest and r["variant"] == "reference")
    peer = optuna_ask(ours["candidates"])
    print(json.dumps(peer), flush=True)
    summary = {
        "benchmark": "model_based_scale", "largest_compute": largest, "candidates": ours["candidates"],
        "cpu_s": {"index": ours["cpu_s"], "reference": reference["cpu_s"]},
        "speedup": round(reference["cpu_s"] / ours["cpu_s"], 2),
        "ms_per_proposal": {"index": ours["ms_per_proposal"], "reference": reference["ms_per_proposal"],
                            "optuna_tpe_ask": peer["ms_per_ask"]},
        "identical_segments": identical,
        "targets": {"identical at every size": all(identical.values()),
                    "index <= half the reference's CPU": ours["cpu_s"] <= 0.5 * reference["cpu_s"],
                    "per proposal below Optuna TPE's ask": ours["ms_per_proposal"] < peer["ms_per_ask"]},
        "points": results, "peer": peer,
    }
    summary["targets_met"] = all(summary["targets"].values())
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
