"""LSM learning to learn against random search at equal budget, judged on held-out task seeds.

Every run explores a liquid state machine (l2l.simulators.lsm) with one fixed reservoir
(``reservoir_seed``) whose fitness is the mean test error over ``tasks`` new tasks drawn from the
evaluation's seed, a readout learning each from K = 16 examples. Methods, all at ``--budget``
evaluations per run:

* ``cmaes``: CMA-ES over 13 scalars (the four weight scales, input gain, five connection
  probabilities, membrane and readout time constants, background rate), started at the default reservoir;
* ``cmaes-gains``: the same plus ``gain_out``, one log2 factor per neuron on its outgoing weights
  (13 + n dimensions);
* ``random``: random search over the same 13 scalars;
* ``random-J``: random search over the four weight scales only (the space of examples/lsm_ga.toml).

The pick of a run is its best recorded evaluation (same rule for every method). Each pick, and the
default reservoir, is then scored on ``--held-out`` task seeds no run used (10_000 + i; the runs use
the seeds l2l derives from run seeds 1, 2, ...), every pick on the same seeds, at every K from 2 to 16
(run_to's curve). Scalar-only picks are also scored on new reservoirs (reservoir_seed = -1).

Figures in docs/spiking.md: the defaults (180 evaluations, run seeds 1-3, held-out seeds 10000-10015)
and ``--methods cmaes,random --budget 360 --seeds 2 --first-seed 4 --held-out 12 --held-out-base 20000``
(then ``--seeds 1 --first-seed 6``).

Last line: one JSON object; ``targets_met`` is true when the mean held-out error of ``cmaes`` (or of
``cmaes-gains``) is below both random-search methods and the default, each by more than two standard
errors of the paired difference over (run seed, held-out seed).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

import l2l
from l2l.simulators.lsm import LiquidStateMachine

SCALARS = {  # name: (low, high, default = the lsm option)
    "J_EE": (0.0, 8.0, 1.0), "J_EI": (0.0, 8.0, 1.0), "J_IE": (0.0, 16.0, 2.0), "J_II": (0.0, 16.0, 2.0),
    "input_gain": (0.0, 16.0, 6.0), "p_EE": (0.02, 0.5, 0.1), "p_EI": (0.02, 0.5, 0.2),
    "p_IE": (0.02, 0.5, 0.2), "p_II": (0.02, 0.5, 0.2), "p_in": (0.02, 0.5, 0.2),
    "tau_m": (5.0, 40.0, 20.0), "tau_readout": (5.0, 60.0, 20.0), "noise_rate": (0.0, 400.0, 100.0),
}
WEIGHTS = ("J_EE", "J_EI", "J_IE", "J_II")
METHODS = ("cmaes", "cmaes-gains", "random", "random-J")
HELD_OUT_BASE = 10_000  # --held-out-base


def simulator(args) -> dict:
    return {"name": "lsm", "reservoir_seed": args.reservoir_seed, "tasks": args.tasks}


def config(method: str, seed: int, args) -> dict:
    names = WEIGHTS if method == "random-J" else tuple(SCALARS)
    space = {k: {"type": "float", "low": SCALARS[k][0], "high": SCALARS[k][1], "default": SCALARS[k][2]}
             for k in names}
    if method == "cmaes-gains":
        n = LiquidStateMachine().n_exc + LiquidStateMachine().n_inh
        space["gain_out"] = {"type": "float", "low": -2.0, "high": 2.0, "default": 0.0, "shape": [n]}
    mapping = {"run": {"name": f"lsm-{method}-{seed}", "seed": seed}, "space": space,
               "simulator": simulator(args), "backend": {"name": "serial"},
               "objectives": [{"name": "test_error", "direction": "minimize"}]}
    if method.startswith("random"):
        mapping["optimizer"] = {"name": "random", "population_size": args.budget}
        mapping["run"]["generations"] = 1
    else:
        mapping["optimizer"] = {"name": "cmaes", "population_size": args.population}
        mapping["run"]["generations"] = args.budget // args.population
    return mapping


def pick(path: Path) -> tuple[dict, float]:
    """Parameters and recorded value of the run's best evaluation."""
    frame = l2l.load(path)
    frame = frame[np.isfinite(frame["test_error"])]
    row = frame.loc[frame["test_error"].idxmin()]
    params = {}
    for key in frame.columns:
        if key in SCALARS:
            params[key] = float(row[key])
    gains = sorted((c for c in frame.columns if c.startswith("gain_out")),
                   key=lambda c: int("".join(ch for ch in c if ch.isdigit()) or 0))
    if gains:
        value = row[gains[0]] if len(gains) == 1 else np.array([row[c] for c in gains], dtype=float)
        params["gain_out"] = np.asarray(value, dtype=float).ravel()
    return params, float(row["test_error"])


def curve(params: dict, seed: int, options: dict) -> np.ndarray:
    """Held-out test error at K = 2..16 for one task seed."""
    lsm = LiquidStateMachine(**{k: v for k, v in options.items() if k != "name"})
    result = lsm.run_to(params, seed, lsm.train_examples, None)
    return np.array([e for _, e in result.curve["test_error"]])


def one_run(job) -> dict:
    method, seed, args, folder = job
    path = Path(folder) / f"lsm-{method}-{seed}.h5"
    started = time.perf_counter()
    l2l.run(l2l.from_mapping(config(method, seed, args), base_dir=folder), path)
    params, recorded = pick(path)
    options = simulator(args)
    held = np.array([curve(params, args.held_out_base + i, options) for i in range(args.held_out)])
    new_res = None
    if "gain_out" not in params:
        fresh = {**options, "reservoir_seed": -1}
        new_res = [float(curve(params, args.held_out_base + i, fresh)[-1]) for i in range(args.held_out)]
    return {"method": method, "seed": seed, "recorded": recorded, "held_out_curve": held.tolist(),
            "new_reservoirs": new_res, "wall": time.perf_counter() - started,
            "params": {k: (v if np.isscalar(v) else [round(float(x), 3) for x in v]) for k, v in params.items()}}


def default_job(job) -> dict:
    args, fresh = job
    options = {**simulator(args), **({"reservoir_seed": -1} if fresh else {})}
    return {"fresh": fresh, "curve": [curve({}, args.held_out_base + i, options).tolist() for i in range(args.held_out)]}


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    d = (a - b).ravel()
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="outer-loop run seeds 1..N per method")
    parser.add_argument("--budget", type=int, default=180, help="evaluations per run")
    parser.add_argument("--population", type=int, default=15, help="CMA-ES candidates per generation")
    parser.add_argument("--tasks", type=int, default=8, help="tasks per evaluation")
    parser.add_argument("--reservoir-seed", type=int, default=0)
    parser.add_argument("--held-out", type=int, default=16, help="held-out task seeds per pick")
    parser.add_argument("--held-out-base", type=int, default=HELD_OUT_BASE, help="first held-out task seed")
    parser.add_argument("--first-seed", type=int, default=1, help="first outer-loop run seed")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="write the full results as JSON here")
    args = parser.parse_args(argv)
    methods = [m for m in args.methods.split(",") if m]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, ProcessPoolExecutor(args.workers) as pool:
        jobs = [(m, s, args, folder) for s in range(args.first_seed, args.first_seed + args.seeds) for m in methods]
        defaults = pool.map(default_job, [(args, False), (args, True)])
        runs = list(pool.map(one_run, jobs))
        defaults = list(defaults)
    default_curve = np.array(defaults[0]["curve"])  # (held_out, K)
    default_fresh = np.array(defaults[1]["curve"])[:, -1]
    ks = list(range(2, 2 + default_curve.shape[1]))
    summary = {"settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
               "default": {"held_out": float(default_curve[:, -1].mean()),
                           "new_reservoirs": float(default_fresh.mean())}, "methods": {}}
    for m in methods:
        mine = [r for r in runs if r["method"] == m]
        held = np.array([r["held_out_curve"] for r in mine])  # (seeds, held_out, K)
        entry = {"recorded": [round(r["recorded"], 4) for r in mine],
                 "held_out_per_seed": [round(float(h[:, -1].mean()), 4) for h in held],
                 "held_out": float(held[:, :, -1].mean()),
                 "curve_K": {str(k): round(float(held[:, :, i].mean()), 4) for i, k in enumerate(ks)},
                 "minus_default": paired(held[:, :, -1], np.broadcast_to(default_curve[:, -1], held[:, :, -1].shape)),
                 "wall_s": [round(r["wall"], 1) for r in mine]}
        if mine[0]["new_reservoirs"] is not None:
            entry["new_reservoirs"] = float(np.mean([r["new_reservoirs"] for r in mine]))
        summary["methods"][m] = entry
        print(f"{m:12s} recorded {np.mean(entry['recorded']):.3f}  held-out {entry['held_out']:.3f} "
              f"(per seed {entry['held_out_per_seed']})  vs default {entry['minus_default'][0]:+.3f} "
              f"± {entry['minus_default'][1]:.3f}", flush=True)
    summary["default_curve_K"] = {str(k): round(float(default_curve[:, i].mean()), 4) for i, k in enumerate(ks)}
    finals = {m: np.array([r["held_out_curve"] for r in runs if r["method"] == m])[:, :, -1] for m in methods}
    comparisons, met = {}, False
    for winner in ("cmaes", "cmaes-gains"):
        if winner not in finals:
            continue
        ok = True
        for other in ("random", "random-J"):
            if other in finals:
                diff = paired(finals[winner], finals[other])
                comparisons[f"{winner} - {other}"] = [round(diff[0], 4), round(diff[1], 4)]
                ok &= diff[0] < -2 * diff[1]
        diff = comparisons[f"{winner} - default"] = [round(x, 4) for x in summary["methods"][winner]["minus_default"]]
        ok &= diff[0] < -2 * diff[1]
        met |= ok and len(comparisons) > 1
    summary["comparisons"] = comparisons
    summary["wall_s"] = round(time.perf_counter() - started, 1)
    if args.out:
        args.out.write_text(json.dumps({"summary": summary, "runs": runs}, indent=1))
    print(json.dumps({"benchmark": "lsm_l2l", "targets_met": bool(met), "comparisons": comparisons,
                      "default_held_out": round(summary["default"]["held_out"], 4),
                      "held_out": {m: round(e["held_out"], 4) for m, e in summary["methods"].items()},
                      "wall_s": summary["wall_s"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
