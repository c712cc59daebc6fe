"""The two measured passages of docs/spiking.md that no other script produces.

``--part lsm``: on ``lsm`` (numpy engine, reservoir 0), ``--candidates`` random candidates of the four weights
and the input gain (uniform in benchmarks/lsm_l2l.py's ranges), candidate i evaluated with seed
``--first-seed`` + i, each trained at K = 2, continued to 4, 8 and 16 from its checkpoint; reports the
Spearman rank agreement of the error at K = 2, 4, 8 with the error at K = 16 (95 % bootstrap interval over
the candidates; and, for ``--other-draws``, the rho of other samples of as many candidates), and the default
reservoir's wall time of a first segment to K = 2 and to K = 16 and of continuing from 2 to 16 (median of
``--repeats``, after one evaluation not timed) with each engine of ``--engines`` (NEST with one thread). Why: a policy's low rungs are only useful if they rank
candidates as the top budget does, and on ``lsm`` the first segment costs the reservoir simulation anyway.

``--part lsnn``: ``lsnn`` recall error with a low threshold for four settings on seeds ``--lsnn-first-seed``
.. + ``--lsnn-seeds`` - 1 (mean, std and 95 % t half width over the seeds): the serial run's pick of
examples/lsnn_model_based.toml at full precision (tau_a 60.9 ms, beta 64.6, thr 0.331, learning rate 0.0388),
then tau_a 50, 30 and 10 ms with beta 50, thr 0.33 and learning rate 0.03; every other option is the
simulator's default (as in examples/lsnn_bayes.toml). Why: whether recall needs a long adaptation depends on
the threshold.

``--part lsm-asha``: ``l2l.run`` of ``asha`` (``eta = 2``, rungs 2 to 16) with ``random`` proposals over the same
five parameters on ``lsm`` (numpy engine, reservoir 0), ``run.compute = --asha-compute`` examples and
``run.target = --asha-target`` (test error), ``serial`` backend, for each run seed of ``--asha-seeds``; reports per
seed the compute spent in examples, the reservoirs simulated (first segments: calls that simulate the reservoir,
counted in the process) and the evaluations without a policy that compute buys (examples / 16). Why: a run's
compute in examples undercounts ``lsm``'s wall time, which is the reservoir simulations.

    nice -n 10 python benchmarks/spiking_doc_figures.py --part lsm --out lsm.json
    nice -n 10 python benchmarks/spiking_doc_figures.py --part lsnn --out lsnn.json
    nice -n 10 python benchmarks/spiking_doc_figures.py --out benchmarks/results/spiking_doc_figures.json
    nice -n 10 python benchmarks/spiking_doc_figures.py --part lsm-asha \
        --out benchmarks/results/spiking_doc_figures_lsm_asha.json

(``all`` runs ``lsm`` and ``lsnn``, not ``lsm-asha``.)

There is no target: the last line printed is one JSON object with the figures (``targets_met`` null).
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from l2l.simulators import SIMULATORS  # noqa: E402

#: name: (low, high), the ranges of benchmarks/lsm_l2l.py for the four weights and the input gain.
LSM_SPACE = {"J_EE": (0.0, 8.0), "J_EI": (0.0, 8.0), "J_IE": (0.0, 16.0), "J_II": (0.0, 16.0),
             "input_gain": (0.0, 16.0)}
RUNGS = (2, 4, 8, 16)
#: (tau_a ms, beta, thr, learning rate). The first is the candidate that
#: ``l2l run examples/lsnn_model_based.toml --backend serial`` selects (``l2l.best``, full precision).
LSNN_SETTINGS = ((60.917067051610644, 64.61202336965276, 0.33087664062969085, 0.03884837297856879),
                 (50.0, 50.0, 0.33, 0.03), (30.0, 50.0, 0.33, 0.03), (10.0, 50.0, 0.33, 0.03))


def lsm_simulator(engine: str = "numpy"):
    options = {"reservoir_seed": 0, "engine": engine}
    if engine == "nest":
        options["threads"] = 1  # its results and times depend on the thread count (docs/spiking.md)
    return SIMULATORS.create("lsm", options)


def lsm_candidate(job: tuple[dict[str, float], int]) -> list[float]:
    """The test error at every rung, each segment continued from the previous one's checkpoint."""
    params, seed = job
    sim = lsm_simulator()
    errors, checkpoint = [], None
    for budget in RUNGS:
        result = sim.run_to(params, seed, budget, checkpoint)
        errors.append(float(result.objectives["test_error"]))
        checkpoint = result.checkpoint
    return errors


def spearman_interval(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, n: int = 2000) -> list[float]:
    """95 % percentile bootstrap interval of Spearman's rho, resampling the candidates."""
    values = []
    for _ in range(n):
        pick = rng.integers(0, len(x), len(x))
        if np.ptp(x[pick]) > 0 and np.ptp(y[pick]) > 0:
            values.append(stats.spearmanr(x[pick], y[pick]).statistic)
    return [round(float(v), 3) for v in np.percentile(values, [2.5, 97.5])]


def lsm_timing(repeats: int, engine: str = "numpy") -> dict[str, Any]:
    """Median wall times (s) on the default reservoir and parameters, seed 0, with ``engine`` (after one evaluation
    not timed: an engine's imports and set-up are paid once per worker)."""
    sim = lsm_simulator(engine)
    sim.run_to({}, 0, 2, None)
    times: dict[str, list[float]] = {"first_to_2": [], "first_to_16": [], "continue_2_to_16": []}
    for _ in range(repeats):
        start = time.perf_counter()
        low = sim.run_to({}, 0, 2, None)
        times["first_to_2"].append(time.perf_counter() - start)
        start = time.perf_counter()
        sim.run_to({}, 0, 16, low.checkpoint)
        times["continue_2_to_16"].append(time.perf_counter() - start)
        start = time.perf_counter()
        sim.run_to({}, 0, 16, None)
        times["first_to_16"].append(time.perf_counter() - start)
    return {key: {"median": round(float(np.median(v)), 4), "min": round(min(v), 4), "max": round(max(v), 4)}
            for key, v in times.items()}


def lsm_draw(candidates: int, first_seed: int, draw_seed: int, workers: int):
    """The candidates drawn with ``draw_seed`` and their errors at every rung (rows: candidates)."""
    rng = np.random.default_rng(draw_seed)
    jobs = [({name: float(rng.uniform(low, high)) for name, (low, high) in LSM_SPACE.items()}, first_seed + i)
            for i in range(candidates)]
    with ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(lsm_candidate, jobs))
    return jobs, rows


def part_lsm(candidates: int, first_seed: int, draw_seed: int, other_draws: list[int], workers: int,
             repeats: int, engines: list[str]) -> dict[str, Any]:
    jobs, rows = lsm_draw(candidates, first_seed, draw_seed, workers)
    errors = np.array(rows)
    top = errors[:, -1]
    boot = np.random.default_rng(draw_seed + 1)
    agreement = {}
    for j, budget in enumerate(RUNGS[:-1]):
        rho = float(stats.spearmanr(errors[:, j], top).statistic)
        agreement[str(budget)] = {"rho": round(rho, 3), "interval95": spearman_interval(errors[:, j], top, boot)}
        print(f"lsm: K = {budget} vs K = 16: Spearman {rho:+.2f} "
              f"(95 % bootstrap {agreement[str(budget)]['interval95']})", flush=True)
    # Other samples of as many candidates (same seeds, other draws): how much one sample's rho moves.
    others = {}
    for draw in other_draws:
        other = np.array(lsm_draw(candidates, first_seed, draw, workers)[1])
        others[str(draw)] = {str(b): round(float(stats.spearmanr(other[:, j], other[:, -1]).statistic), 3)
                             for j, b in enumerate(RUNGS[:-1])}
        print(f"lsm: draw seed {draw}: Spearman vs K = 16 " + ", ".join(f"K = {b} {r:+.2f}"
                                                                        for b, r in others[str(draw)].items()),
              flush=True)
    by_engine = {}
    for engine in engines:
        by_engine[engine] = lsm_timing(repeats, engine)
        print(f"lsm timing, {engine} (median of {repeats}): "
              + ", ".join(f"{k} {v['median']:.3f} s" for k, v in by_engine[engine].items()), flush=True)
    timing = by_engine.get("numpy", {})
    return {"candidates": candidates, "seeds": [first_seed, first_seed + candidates - 1], "draw_seed": draw_seed,
            "space": LSM_SPACE, "reservoir_seed": 0, "rungs": list(RUNGS), "spearman_vs_16": agreement,
            "spearman_vs_16_other_draws": others,
            "error_at_16": {"min": round(float(top.min()), 3), "max": round(float(top.max()), 3)},
            "timing_s": timing, "timing_s_by_engine": by_engine, "timing_repeats": repeats,
            "rows": [{"params": p, "seed": s, "errors": e} for (p, s), e in zip(jobs, rows)]}


def lsm_asha_run(job: tuple[int, float, float]) -> dict[str, Any]:
    """One asha run on lsm (run seed, compute, target): examples spent, reservoirs simulated, candidates."""
    import tempfile

    import l2l
    from l2l.simulators import lsm

    seed, compute, target = job
    simulated = [0]
    simulate = lsm.LiquidStateMachine._simulate

    def counted(self, *args, **kwargs):  # the reservoir simulation: a first segment, whatever its K
        simulated[0] += 1
        return simulate(self, *args, **kwargs)

    lsm.LiquidStateMachine._simulate = counted
    config = {"run": {"name": "lsm-asha", "seed": seed, "compute": compute, "target": target},
              "space": {name: {"type": "float", "low": low, "high": high} for name, (low, high) in LSM_SPACE.items()},
              "optimizer": {"name": "random"},
              "policy": {"name": "asha", "eta": 2, "min_budget": RUNGS[0], "max_budget": RUNGS[-1]},
              "simulator": {"name": "lsm", "reservoir_seed": 0},
              "objectives": [{"name": "test_error", "direction": "minimize"}], "backend": {"name": "serial"}}
    with tempfile.TemporaryDirectory() as folder:
        frame = l2l.load(l2l.run(config, Path(folder) / "lsm-asha.h5"))
    top = frame[frame["budget"] == RUNGS[-1]]["test_error"]
    examples = float(frame["compute"].sum())
    return {"seed": seed, "examples": examples, "reservoirs": simulated[0], "candidates": len(frame),
            "at_top": int(len(top)), "best_at_16": round(float(top.min()), 4) if len(top) else None,
            "target_met": bool(len(top) and top.min() <= target),
            "evaluations_without_policy": round(examples / RUNGS[-1], 2),
            "reservoirs_per_evaluation": round(simulated[0] / (examples / RUNGS[-1]), 2)}


def part_lsm_asha(seeds: list[int], compute: float, target: float, workers: int) -> dict[str, Any]:
    with ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(lsm_asha_run, [(seed, compute, target) for seed in seeds]))
    for row in rows:
        print(f"lsm asha seed {row['seed']}: {row['examples']:g} examples "
              f"({'target met' if row['target_met'] else 'compute spent'}), {row['reservoirs']} reservoirs "
              f"simulated, where {row['examples']:g} examples are {row['evaluations_without_policy']:g} "
              f"evaluations without a policy ({row['reservoirs_per_evaluation']:.2f} x)", flush=True)
    ratios = [row["reservoirs_per_evaluation"] for row in rows]
    return {"seeds": seeds, "compute": compute, "target": target, "eta": 2, "rungs": [RUNGS[0], RUNGS[-1]],
            "optimizer": "random", "space": LSM_SPACE, "reservoir_seed": 0, "backend": "serial",
            "reservoirs_per_evaluation": {"median": round(float(np.median(ratios)), 2), "min": min(ratios),
                                          "max": max(ratios)},
            "runs": rows}


def lsnn_one(job: tuple[tuple[float, float, float, float], int]) -> float:
    (tau_a, beta, thr, lr), seed = job
    sim = SIMULATORS.create("lsnn", {})
    params = {"tau_a": tau_a, "beta": beta, "thr": thr, "learning_rate": lr}
    return float(sim.run(params, seed).objectives["recall_error"])


def part_lsnn(first_seed: int, seeds: int, workers: int) -> dict[str, Any]:
    jobs = [(setting, first_seed + k) for setting in LSNN_SETTINGS for k in range(seeds)]
    with ProcessPoolExecutor(workers) as pool:
        values = list(pool.map(lsnn_one, jobs))
    rows = []
    for i, (tau_a, beta, thr, lr) in enumerate(LSNN_SETTINGS):
        errors = np.array(values[i * seeds:(i + 1) * seeds])
        std = float(errors.std(ddof=1)) if seeds > 1 else 0.0
        half = float(stats.t.ppf(0.975, seeds - 1) * std / np.sqrt(seeds)) if seeds > 1 else 0.0
        rows.append({"tau_a": tau_a, "beta": beta, "learning_rate": lr, "thr": thr,
                     "mean": round(float(errors.mean()), 3), "std": round(std, 3), "half95": round(half, 3),
                     "errors": [round(float(e), 4) for e in errors]})
        print(f"lsnn tau_a {tau_a:.4g} ms, beta {beta:.4g}, lr {lr:.4g}, thr {thr:.4g}: "
              f"{errors.mean():.3f} ± {half:.3f} (95 % half width; std {std:.3f})", flush=True)
    return {"seeds": [first_seed, first_seed + seeds - 1], "settings": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("lsm", "lsnn", "lsm-asha", "all"), default="all",
                        help="which passage (default all: lsm and lsnn)")
    parser.add_argument("--candidates", type=int, default=40, help="lsm: random candidates (default 40)")
    parser.add_argument("--first-seed", type=int, default=100, help="lsm: seed of candidate 0 (default 100)")
    parser.add_argument("--draw-seed", type=int, default=20261205, help="lsm: seed of the candidates' draw")
    parser.add_argument("--other-draws", default="1,2,3",
                        help="lsm: further draw seeds whose rho is reported alone, comma-separated ('' for none)")
    parser.add_argument("--repeats", type=int, default=5, help="lsm: timing repeats (default 5)")
    parser.add_argument("--engines", default="numpy,nest,brian2",
                        help="lsm: engines timed, comma-separated (default numpy,nest,brian2; NEST with threads = 1)")
    parser.add_argument("--lsnn-first-seed", type=int, default=5000, help="lsnn: first seed (default 5000)")
    parser.add_argument("--lsnn-seeds", type=int, default=12, help="lsnn: seeds per setting (default 12)")
    parser.add_argument("--asha-seeds", default="1,2,3,4,5",
                        help="lsm-asha: run seeds, comma-separated (default 1,2,3,4,5)")
    parser.add_argument("--asha-compute", type=float, default=400.0,
                        help="lsm-asha: run.compute in examples (default 400: 25 evaluations at K = 16)")
    parser.add_argument("--asha-target", type=float, default=0.1, help="lsm-asha: run.target, test error (0.1)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON summary (with every row) here")
    args = parser.parse_args()
    if not 3 <= args.candidates <= 10_000 or not 2 <= args.lsnn_seeds <= 1000 or not 1 <= args.repeats <= 100:
        parser.error("--candidates must be in [3, 10000], --lsnn-seeds in [2, 1000], --repeats in [1, 100]")
    if not 1 <= args.workers <= 256:
        parser.error("--workers must be in [1, 256]")
    try:
        other_draws = [int(v) for v in args.other_draws.split(",") if v.strip()]
    except ValueError:
        parser.error(f"--other-draws {args.other_draws!r}: give whole numbers separated by commas")
    try:
        asha_seeds = [int(v) for v in args.asha_seeds.split(",") if v.strip()]
    except ValueError:
        parser.error(f"--asha-seeds {args.asha_seeds!r}: give whole numbers separated by commas")
    if args.part == "lsm-asha" and (not asha_seeds or not args.asha_compute >= RUNGS[-1]):
        parser.error(f"--asha-seeds needs a seed and --asha-compute at least {RUNGS[-1]}")
    start = time.perf_counter()
    summary: dict[str, Any] = {"benchmark": "spiking_doc_figures", "part": args.part, "targets_met": None}
    if args.part in ("lsm", "all"):
        engines = [e.strip() for e in args.engines.split(",") if e.strip()]
        if not engines or any(e not in ("numpy", "nest", "brian2") for e in engines):
            parser.error(f"--engines {args.engines!r}: give some of numpy, nest, brian2 separated by commas")
        summary["lsm"] = part_lsm(args.candidates, args.first_seed, args.draw_seed, other_draws, args.workers,
                                  args.repeats, engines)
    if args.part == "lsm-asha":
        summary["lsm_asha"] = part_lsm_asha(asha_seeds, args.asha_compute, args.asha_target, args.workers)
    if args.part in ("lsnn", "all"):
        summary["lsnn"] = part_lsnn(args.lsnn_first_seed, args.lsnn_seeds, args.workers)
    summary["wall_s"] = round(time.perf_counter() - start, 1)
    summary["machine"] = {"python": platform.python_version(), "platform": platform.platform(),
                          "numpy": np.__version__}
    if args.out:
        args.out.write_text(json.dumps(summary) + "\n")
    if "lsm" in summary:
        summary["lsm"] = {k: v for k, v in summary["lsm"].items() if k != "rows"}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
