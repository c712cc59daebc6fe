"""Every optimizer on sphere, rastrigin, rosenbrock and ackley in 2-D and 10-D.

Run by hand: ``python benchmarks/optimizers.py [--seeds 5] [--quick]``.

Each optimizer is driven directly (no executor) for a fixed budget of
evaluations on the box [-5, 10]^d (off-centre, so that starting in the middle
is not starting at the optimum; the optimum is 0 everywhere). The table shows
the median over seeds of the best value found. Peers, with the same budget:
Optuna's TPE and CMA-ES samplers called directly (sequential study.optimize),
and random search. Budgets: 200 evaluations in 2-D and 1000 in 10-D; TPE and
its direct peer get 100 / 200 (Optuna's TPE cost grows with the trials) and
GP gets 30 evaluations on the 2-D functions only, with 3 seeds (its budget
and cost are those of an optimizer for expensive evaluations).

The ensemble Kalman filter needs outputs: it gets residual vectors whose
squared norm is the function (sphere: x; rosenbrock: 10 (x_{i+1} - x_i^2) and
1 - x_i; rastrigin: the square roots of the per-coordinate terms; ackley: the
square root of the value).

``tpe-sequential`` is our TPE asked one candidate at a time, the way the
direct Optuna peer runs; ``tpe`` asks generations of 10 with the constant liar.

Targets: our TPE within seed noise of Optuna's TPE, our CMA-ES within seed
noise of Optuna's CMA-ES; every other optimizer beats random search on sphere
and rosenbrock in 10-D. The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from l2l.objectives import Objective  # noqa: E402
from l2l.optimizers import OPTIMIZERS  # noqa: E402
from l2l.optimizers.base import Problem  # noqa: E402
from l2l.space import Space  # noqa: E402

LOW, HIGH = -5.0, 10.0


def sphere(x):
    return np.sum(x ** 2, axis=1)


def rastrigin(x):
    return 10 * x.shape[1] + np.sum(x ** 2 - 10 * np.cos(2 * np.pi * x), axis=1)


def rosenbrock(x):
    return np.sum(100 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (1 - x[:, :-1]) ** 2, axis=1)


def ackley(x):
    d = x.shape[1]
    return (-20 * np.exp(-0.2 * np.sqrt(np.sum(x ** 2, axis=1) / d))
            - np.exp(np.sum(np.cos(2 * np.pi * x), axis=1) / d) + 20 + np.e)


def residuals(function, x):
    if function is sphere:
        return x
    if function is rosenbrock:
        return np.hstack([10 * (x[:, 1:] - x[:, :-1] ** 2), 1 - x[:, :-1]])
    if function is rastrigin:
        return np.sqrt(np.maximum(x ** 2 - 10 * np.cos(2 * np.pi * x) + 10, 0.0))
    return np.sqrt(np.maximum(function(x), 0.0))[:, None]


FUNCTIONS = {"sphere": sphere, "rastrigin": rastrigin, "rosenbrock": rosenbrock, "ackley": ackley}
# Rosenbrock's optimum is at 1; shift it to 0 so that every optimum sits off-centre at the same place.
SHIFT = {"rosenbrock": -1.0}


#: Extra rows: our optimizer with other options, to separate the wrapper from its settings.
VARIANTS = {"tpe-sequential": ("tpe", {"population_size": 1})}


def budget(name: str, dimension: int) -> int:
    if name in ("tpe", "motpe", "optuna-tpe", "tpe-sequential"):
        return 100 if dimension == 2 else 200
    if name == "gp":
        return 30
    return 200 if dimension == 2 else 1000


def run_ours(name: str, function_name: str, dimension: int, seed: int) -> float:
    function = FUNCTIONS[function_name]
    shift = SHIFT.get(function_name, 0.0)
    space = Space.from_json({"x": {"low": LOW, "high": HIGH, "shape": [dimension]}})
    k = 2 if name == "nsga3" else 1
    problem = Problem(space, tuple(Objective(f"f{i}") for i in range(k)))
    name, options = VARIANTS.get(name, (name, {}))
    opt = OPTIMIZERS.create(name, options)
    state = opt.init(problem, seed)
    total, used, best = budget(name, dimension), 0, np.inf
    while used < total and not opt.done(problem, state):
        candidates, state = opt.ask(problem, state)
        if len(candidates) == 0:
            break
        candidates = candidates[: total - used]
        x = candidates - shift
        values = function(x)
        best = min(best, float(values.min()))
        used += len(candidates)
        scores = np.tile(-values[:, None], (1, k))
        outputs = residuals(function, x) if opt.needs_outputs else None
        state = opt.tell(problem, state, candidates, scores, outputs)
    return best


def run_optuna(sampler_name: str, function_name: str, dimension: int, seed: int) -> float:
    import optuna

    function = FUNCTIONS[function_name]
    shift = SHIFT.get(function_name, 0.0)
    if sampler_name == "optuna-tpe":
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True)
    else:
        sampler = optuna.samplers.CmaEsSampler(seed=seed)
    study = optuna.create_study(sampler=sampler)

    def objective(trial):
        x = np.array([[trial.suggest_float(f"x{i}", LOW, HIGH) for i in range(dimension)]])
        return float(function(x - shift)[0])

    study.optimize(objective, n_trials=budget(sampler_name, dimension))
    return float(study.best_value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one seed, 2-D only (a smoke test)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    logging.getLogger("optuna").setLevel(logging.ERROR)
    seeds = 1 if args.quick else args.seeds
    dimensions = (2,) if args.quick else (2, 10)
    columns = [(f, d) for d in dimensions for f in FUNCTIONS]
    rows = [n for n in OPTIMIZERS.names()] + ["tpe-sequential", "optuna-tpe", "optuna-cmaes"]
    table: dict[str, dict[str, float | None]] = {}
    seconds: dict[str, float] = {}
    for row in rows:
        started = time.perf_counter()
        table[row] = {}
        for function_name, dimension in columns:
            key = f"{function_name}-{dimension}d"
            if row == "gp" and dimension != 2:
                table[row][key] = None
                continue
            row_seeds = min(seeds, 3) if row == "gp" else seeds
            if row.startswith("optuna-"):
                values = [run_optuna(row, function_name, dimension, s) for s in range(row_seeds)]
            else:
                values = [run_ours(row, function_name, dimension, s) for s in range(row_seeds)]
            table[row][key] = float(np.median(values))
        seconds[row] = time.perf_counter() - started
        print(f"# {row}: {seconds[row]:.1f} s", file=sys.stderr, flush=True)

    keys = [f"{f}-{d}d" for f, d in columns]
    width = max(len(r) for r in rows) + 2
    print("median best value over seeds (lower is better); budget per docstring")
    print("optimizer".ljust(width) + "".join(k.rjust(14) for k in keys))
    for row in rows:
        cells = "".join(("-" if table[row][k] is None else f"{table[row][k]:.3g}").rjust(14) for k in keys)
        print(row.ljust(width) + cells)

    targets: dict[str, bool] = {}
    if 10 in dimensions:
        for row in rows:
            if row in ("random", "grid", "gp", "tpe-sequential") or row.startswith("optuna-"):
                continue
            targets[f"{row} beats random"] = all(
                table[row][k] < table["random"][k] for k in ("sphere-10d", "rosenbrock-10d"))
    summary = {"seeds": seeds, "table": table, "seconds": {k: round(v, 1) for k, v in seconds.items()},
               "targets": targets, "all_beat_random": all(targets.values()) if targets else None}
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()
