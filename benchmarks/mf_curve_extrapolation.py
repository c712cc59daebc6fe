"""Does a candidate's partial learning curve rank it at the top budget better than its last rung value?

For ``lsnn`` and ``egru`` of benchmarks/multifidelity.py (their settings, spaces and rungs, eta = 3) and each
development seed, ``--candidates`` random candidates (uniform in the benchmark's unit cube; the same draw and
training seeds as benchmarks/mf_rank_agreement.py) are trained to the top budget, each segment continued from
the previous one's checkpoint. Up to a third of the top budget the test error is also scored every ``--every``
fidelity units (the simulators' ``curve_every``: the curve a user's config may ask for; scoring costs wall time,
no training), and the training losses (the simulators' own trace, free) are kept. At the rungs at 1/9 and 1/3 of
the top budget, predictors of the top-budget error are read from what a policy would hold there:

* ``raw``: the test error at the rung (what the policies rank on today);
* ``power``: a least-squares fit of a saturating power law ``c + a t^-b`` (b on a grid, a >= 0; the function of
  the model-based policy's option ``extrapolate``) to the test-error curve up to the rung, extrapolated to the top
  budget;
* ``slope``: the curve's straight-line fit in log fidelity over the last half of the fidelities reached,
  extrapolated to the top budget;
* ``mix``: the mean of a candidate's ranks by ``raw`` and by ``power``;
* ``train``: the power law fitted to the training losses (a mean per tenth of the fidelities reached),
  extrapolated to the top budget;
* ``rungs``: the power law fitted to the errors at the rungs reached only (what a policy holds without a curve:
  two points at 1/9, three at 1/3), extrapolated to the top budget (what ``extrapolate`` ranks promotions by).

Each is compared by Spearman's rank correlation with the error at the top budget on the same training seed (the
value the policies see) and, with ``--fresh``, with the mean error on that many fresh seeds (the honest quality).
A constant ranking counts as 0. Intervals: 90 % bootstrap over the candidates of every seed (seeds fixed), over
the seeds (each seed's figures fixed) and over both (seeds drawn, then candidates within each), for each
predictor and for its gain over ``raw`` (paired: the same draws).

    nice -n 19 python benchmarks/mf_curve_extrapolation.py --first-seed 10 --seeds 15 --out curves.json

The last line printed is one JSON object with the summary.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from l2l.policies.model_based_curves import power_law  # noqa: E402  (the model-based policy's option extrapolate)
from peers.mf_problems import FRESH_SEED_BASE, Problem  # noqa: E402

PROBLEMS = ("lsnn", "egru")
PREDICTORS = ("raw", "power", "slope", "mix", "train", "rungs")
#: Seeds at and above this are reported (45..124) or reserved for a future verdict round (125..).
FIRST_VERDICT_SEED = 25
#: Default scoring interval up to a third of the top budget (lsnn: iterations, egru: trials = one Adam update).
EVERY = {"lsnn": 3, "egru": 3}


def log_slope(t, y, top: float) -> float:
    """The straight-line fit of y on log t over the points with t >= half the last one, at ``top``."""
    t, y = np.asarray(t, float), np.asarray(y, float)
    if not np.isfinite(y).all():
        return float("inf")
    half = t >= t[-1] / 2 - 1e-9
    if half.sum() < 2:
        return float(y[-1])
    x = np.log(t[half])
    slope, intercept = np.polyfit(x, y[half], 1)
    spread = max(float(np.ptp(y)), 1e-12)
    return float(np.clip(intercept + slope * np.log(top), y.min() - spread, y.max() + spread))


def curves(task: tuple[str, int, int, int, int]) -> dict:
    """Test-error curve (every ``every`` units up to a third of the top budget), error at every rung, training
    losses and fresh-seed quality of ``candidates`` random candidates of one (problem, seed)."""
    from l2l.simulators import SIMULATORS

    name, seed, candidates, fresh, every = task
    problem = Problem(name)
    rungs, top = problem.rungs(), problem.max_budget
    dense = SIMULATORS.create(problem.spec.simulator, {**problem.options, "curve_every": every})
    third = max(r for r in rungs if r <= top / 3 + 1e-9)
    rng = np.random.default_rng(seed)
    units = rng.random((candidates, problem.dimension))
    rows = []
    for i, unit in enumerate(units):
        params, checkpoint, curve, at_rungs = problem.params(unit), None, [], []
        for budget in rungs:
            simulator = dense if budget <= third else problem.simulator
            result = simulator.run_to(params, 1000 * seed + i, budget, checkpoint)
            checkpoint = result.checkpoint
            at_rungs.append(float(result.objectives[problem.objective]))
            if budget <= third:
                curve += [[float(p), float(v)] for p, v in result.curve[problem.objective]]
            if budget == third:
                losses = np.asarray(checkpoint["losses"], float).tolist()
        honest = [problem.simulator.run_to(params, FRESH_SEED_BASE + k, top, None).objectives[problem.objective]
                  for k in range(fresh)]
        rows.append({"curve": curve, "rungs": at_rungs, "losses": losses,
                     "honest": float(np.mean(honest)) if fresh else None})
    return {"problem": name, "seed": seed, "rung_budgets": rungs, "top": top, "rows": rows}


def _train_curve(losses: list[float], reached: float, per_unit: float) -> tuple[np.ndarray, np.ndarray]:
    """The training losses up to ``reached`` fidelity units as means over ten equal pieces, at their ends."""
    upto = np.asarray(losses[:int(round(reached * per_unit))], float)
    pieces = np.array_split(np.arange(len(upto)), min(10, len(upto)))
    t = np.array([(piece[-1] + 1) / per_unit for piece in pieces])
    return t, np.array([upto[piece].mean() for piece in pieces])


def rankdata(values: np.ndarray) -> np.ndarray:
    """Average ranks (1 = lowest) along the last axis, ties sharing the mean of their ranks (scipy's 'average')."""
    values = np.asarray(values, float)
    below = (values[..., None, :] < values[..., :, None]).sum(-1)
    equal = (values[..., None, :] == values[..., :, None]).sum(-1)
    return below + (equal + 1) / 2


def predictions(run: dict, rung: int) -> dict[str, np.ndarray]:
    """Every predictor's value for every candidate of one run at ``rung`` (lower = predicted better)."""
    top, out = run["top"], {name: [] for name in PREDICTORS if name != "mix"}
    per_unit = len(run["rows"][0]["losses"]) / max(r for r in run["rung_budgets"] if r <= top / 3 + 1e-9)
    for row in run["rows"]:
        points = np.array([p for p in row["curve"] if p[0] <= rung + 1e-9])
        t, y = points[:, 0], points[:, 1]
        out["raw"].append(float(y[-1]))
        out["power"].append(power_law(t, y, top))
        out["slope"].append(log_slope(t, y, top))
        out["train"].append(power_law(*_train_curve(row["losses"], rung, per_unit), top))
        reached = [k for k, budget in enumerate(run["rung_budgets"]) if budget <= rung]
        out["rungs"].append(power_law(np.array(run["rung_budgets"], float)[reached],
                                      np.array(row["rungs"], float)[reached], top))
    values = {name: np.array(v) for name, v in out.items()}
    values["mix"] = (rankdata(values["raw"]) + rankdata(values["power"])) / 2
    return {name: values[name] for name in PREDICTORS}


def _spearman_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman's rho of each row of ``a`` with the same row of ``b`` (average ranks; a constant row gives 0)."""
    ra, rb = rankdata(a), rankdata(b)
    ra, rb = ra - ra.mean(-1, keepdims=True), rb - rb.mean(-1, keepdims=True)
    norm = np.sqrt((ra ** 2).sum(-1) * (rb ** 2).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (ra * rb).sum(-1) / norm
    return np.where(norm > 0, rho, 0.0)


def _finite(values: np.ndarray) -> np.ndarray:
    """Ranks treat inf as the worst value; replace it by something above every finite value."""
    values = np.array(values, float)
    finite = np.isfinite(values)
    if not finite.all():
        values[~finite] = (values[finite].max() if finite.any() else 0.0) + 1.0
    return values


def _interval(draws: np.ndarray) -> list[float]:
    return [round(float(np.quantile(draws, 0.05)), 3), round(float(np.quantile(draws, 0.95)), 3)]


def compare(runs: list[dict], rung: int, target: str, draws: int, rng: np.random.Generator) -> dict:
    """Per predictor: mean Spearman with ``target`` over seeds and its gain over ``raw``, with intervals."""
    seeds = len(runs)
    preds = [predictions(run, rung) for run in runs]
    if target == "top":
        truths = [np.array([row["rungs"][-1] for row in run["rows"]]) for run in runs]
    else:
        truths = [np.array([row["honest"] for row in run["rows"]]) for run in runs]
    n = len(truths[0])
    resample = rng.integers(0, n, size=(seeds, draws, n))  # candidates, per seed and draw
    seed_draws = rng.integers(0, seeds, size=(draws, seeds))
    observed, by_candidates = {}, {}
    for name in PREDICTORS:
        values = [_finite(p[name]) for p in preds]
        observed[name] = np.array([_spearman_rows(v[None], t[None])[0] for v, t in zip(values, truths)])
        by_candidates[name] = np.array([_spearman_rows(v[idx], t[idx]) for v, t, idx in
                                        zip(values, truths, resample)])  # (seeds, draws)
    out = {}
    for name in PREDICTORS:
        per_seed = observed[name]
        gain_seed = per_seed - observed["raw"]
        boot_c = by_candidates[name]
        gain_c = boot_c - by_candidates["raw"]
        both = boot_c[seed_draws, np.arange(draws)[:, None]].mean(1)
        gain_both = gain_c[seed_draws, np.arange(draws)[:, None]].mean(1)
        out[name] = {"rho": round(float(per_seed.mean()), 3),
                     "rho_candidates": _interval(boot_c.mean(0)), "rho_seeds": _interval(per_seed[seed_draws].mean(1)),
                     "rho_both": _interval(both),
                     "gain": round(float(gain_seed.mean()), 3), "gain_candidates": _interval(gain_c.mean(0)),
                     "gain_seeds": _interval(gain_seed[seed_draws].mean(1)), "gain_both": _interval(gain_both),
                     "per_seed": [round(float(v), 3) for v in per_seed]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", default="egru,lsnn")
    parser.add_argument("--first-seed", type=int, default=10, help="development seeds (10..24)")
    parser.add_argument("--seeds", type=int, default=15)
    parser.add_argument("--candidates", type=int, default=24, help="random candidates per (problem, seed)")
    parser.add_argument("--fresh", type=int, default=2, help="fresh seeds of the honest top-budget error (0: none)")
    parser.add_argument("--every", type=int, default=0, help="score the test error every this many units up to "
                                                             "a third of the top budget (0: each problem's default)")
    parser.add_argument("--draws", type=int, default=1000, help="bootstrap draws")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--load", default=None, help="read the curves from this --out file instead of training")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    problems = [p for p in args.problems.split(",") if p]
    unknown = [p for p in problems if p not in PROBLEMS]
    if unknown:
        parser.error(f"problem {unknown[0]!r} is no learning curve here; problems: {', '.join(PROBLEMS)}")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    if args.seeds < 2 or args.candidates < 4:
        parser.error("--seeds must be at least 2 and --candidates at least 4")
    if args.first_seed < 0 or seeds[-1] >= FIRST_VERDICT_SEED:
        parser.error(f"seeds {seeds[0]}..{seeds[-1]} reach into the verdict seeds: this development look uses "
                     f"seeds 0..{FIRST_VERDICT_SEED - 1} (45..124 are reported, 125.. reserved)")
    started, load_before = time.time(), os.getloadavg()
    if args.load:
        stored = json.loads(Path(args.load).read_text())
        runs = [r for r in stored["runs"] if r["problem"] in problems and r["seed"] in seeds]
        if not runs:
            parser.error(f"{args.load} holds no curves of {', '.join(problems)} on seeds {seeds[0]}..{seeds[-1]}")
        args.candidates, args.fresh = len(runs[0]["rows"]), stored["summary"]["settings"]["fresh"]
        args.every = 0
        EVERY.update(stored["summary"]["settings"]["every"])
    else:
        tasks = [(p, s, args.candidates, args.fresh, args.every or EVERY[p]) for p in problems for s in seeds]
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            runs = list(pool.map(curves, tasks))
    rng = np.random.default_rng(20261206)
    summary: dict = {"settings": {"seeds": [seeds[0], seeds[-1]], "candidates": args.candidates,
                                  "fresh": args.fresh, "every": {p: args.every or EVERY[p] for p in problems},
                                  "draws": args.draws, "eta": 3, "seconds": round(time.time() - started, 1),
                                  "load_before": [round(v, 2) for v in load_before],
                                  "load_after": [round(v, 2) for v in os.getloadavg()]},
                     "problems": {}}
    for name in problems:
        mine = [r for r in runs if r["problem"] == name]
        top = mine[0]["top"]
        part = {}
        for fraction, rung in (("1/9", round(top / 9)), ("1/3", round(top / 3))):
            part[fraction] = {"rung": rung, "top": compare(mine, rung, "top", args.draws, rng)}
            if args.fresh and mine[0]["rows"][0]["honest"] is not None:
                part[fraction]["fresh"] = compare(mine, rung, "fresh", args.draws, rng)
        summary["problems"][name] = part
        print(f"\n{name}: {args.candidates} random candidates x {len(mine)} seeds; Spearman with the error at the top "
              f"budget ({top}), mean over seeds [90 % interval over candidates, seeds, both]; gain over raw")
        for fraction, figs in part.items():
            for target in ("top", "fresh"):
                if target not in figs:
                    continue
                label = "same seed" if target == "top" else f"{args.fresh} fresh seeds"
                print(f"  rung {figs['rung']} ({fraction}), vs the top budget's error on {label}:")
                for predictor, f in figs[target].items():
                    print(f"    {predictor:6s} {f['rho']:+.3f} {f['rho_candidates']} {f['rho_seeds']} "
                          f"{f['rho_both']}   gain {f['gain']:+.3f} {f['gain_candidates']} {f['gain_seeds']} "
                          f"{f['gain_both']}")
    if args.out and not args.load:
        Path(args.out).write_text(json.dumps({"summary": summary, "runs": runs}, separators=(",", ":")))
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()
