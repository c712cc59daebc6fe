"""The optimizers on a black-box suite, side by side with NGOpt, Optuna's CMA-ES and TPE, and random search.

Run by hand (under ``nice``)::

    python benchmarks/optimizers.py --quick            # development: 2-D and 5-D, 1 instance, 2 seeds, budget 40 d
    python benchmarks/optimizers.py                    # full: 2, 5, 10-D, 2 instances, 5 seeds, budgets 10/40/100 d,
                                                       # sequential and batches of 16
    python benchmarks/optimizers.py --cmaes-sigma      # cmaes's initial step: 0.3, 0.2 and 1/6 of the range
    python benchmarks/optimizers.py --tpe-speed        # our TPE's loop beside Optuna's own loop
    python benchmarks/optimizers.py --merge OUT...     # markdown tables of saved outputs (their last lines)

The suite (:mod:`blackbox_suite`) has 18 shifted, partly rotated functions on
[-5, 5]^d with optimum value 0. Every optimizer runs with its default options
for a budget of ``budget * d`` evaluations, asked one at a time (sequential) or
16 at a time (batch), and told as soon as they are evaluated. The figure of a
run is its precision, log10 of the best value found (floored at -8); a cell is
the mean over functions, instances and seeds, and ``+-`` is the standard
deviation over seeds of the per-seed mean. Lower is better.

Peers: ``ngopt`` is Nevergrad's NGOpt told the budget and the batch size
(``num_workers``); ``optuna-tpe`` and ``optuna-cmaes`` are Optuna's samplers in
``study.optimize`` (sequential) or ``study.ask``/``tell`` (batches); ``random``
is our random search. The last line is one JSON object with the figures and
``targets_met``: every l2l optimizer beats random search at every dimension
by more than the seed spread (its mean lower by more than the larger of the two
standard deviations over seeds), and ``auto`` is no worse than NGOpt
sequentially and better in batches.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from blackbox_suite import FUNCTIONS, HIGH, LOW, Instance, precision  # noqa: E402

from l2l.objectives import Objective  # noqa: E402
from l2l.optimizers import OPTIMIZERS  # noqa: E402
from l2l.optimizers.base import Problem  # noqa: E402
from l2l.space import Space  # noqa: E402

#: Left out: multi-objective only, needs model outputs, a grid, or the same method as the ngopt peer.
NOT_BLACK_BOX = {"nsga3", "enkf", "motpe", "grid", "nevergrad"}  # nevergrad: the ngopt peer
PEERS = ("ngopt", "optuna-cmaes", "optuna-tpe")
#: Extra rows: an optimizer with other options.
VARIANTS = {"auto-own": ("auto", {"nevergrad": False})}  # auto without Nevergrad (the same choice on this suite)
#: The Gaussian process refits at every ask (O(n^3)): run it on 2-D only, where its budget is small.
ONLY_DIMENSIONS = {"gp": (2,)}


def problem_of(dimension: int) -> Problem:
    return Problem(Space.from_json({"x": {"low": LOW, "high": HIGH, "shape": [dimension]}}), (Objective("f"),))


def run_l2l(name: str, options: dict, function, dimension: int, budget: int, batch: int, seed: int) -> float:
    problem = problem_of(dimension)
    fields = {f.name for f in dataclasses.fields(OPTIMIZERS.get(name))}
    if "budget" in fields:  # told what the run knows, as the loop does
        options = {"budget": budget, **options}
    if name == "auto":  # told the batch size, as the loop does with its workers
        options = {"population_size": batch, **options}
    opt = OPTIMIZERS.create(name, dict(options))
    state = opt.init(problem, seed)
    used, best = 0, np.inf
    while used < budget and not opt.done(problem, state):
        candidates, state = opt.ask(problem, state, n=min(batch, budget - used))
        if len(candidates) == 0:
            break
        values = function(candidates)
        best = min(best, float(values.min()))
        used += len(candidates)
        state = opt.tell(problem, state, candidates, -values[:, None])
    return best


def run_ngopt(function, dimension: int, budget: int, batch: int, seed: int, method: str = "NGOpt") -> float:
    import nevergrad as ng

    parametrization = ng.p.Array(shape=(dimension,), lower=LOW, upper=HIGH)
    parametrization.random_state = np.random.RandomState(seed)
    opt = ng.optimizers.registry[method](parametrization=parametrization, budget=budget, num_workers=batch)
    used, best = 0, np.inf
    while used < budget:
        asked = [opt.ask() for _ in range(min(batch, budget - used))]
        values = function(np.array([a.value for a in asked]))
        for candidate, value in zip(asked, values):
            opt.tell(candidate, float(value))
        best, used = min(best, float(values.min())), used + len(asked)
    return best


def run_optuna(sampler_name: str, function, dimension: int, budget: int, batch: int, seed: int) -> float:
    import optuna

    if sampler_name == "optuna-tpe":
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=batch > 1)
    else:
        sampler = optuna.samplers.CmaEsSampler(seed=seed)
    study = optuna.create_study(sampler=sampler)
    distributions = {f"x{i}": optuna.distributions.FloatDistribution(LOW, HIGH) for i in range(dimension)}
    used, best = 0, np.inf
    while used < budget:
        trials = [study.ask(distributions) for _ in range(min(batch, budget - used))]
        values = function(np.array([[t.params[f"x{i}"] for i in range(dimension)] for t in trials]))
        for trial, value in zip(trials, values):
            study.tell(trial, float(value))
        best, used = min(best, float(values.min())), used + len(trials)
    return best


def run(label: str, function, dimension: int, budget: int, batch: int, seed: int) -> float:
    if label in ("ngopt",):
        return run_ngopt(function, dimension, budget, batch, seed)
    if label.startswith("optuna-"):
        return run_optuna(label, function, dimension, budget, batch, seed)
    name, _, option_text = label.partition(" ")
    options = json.loads(option_text) if option_text else {}
    if name in VARIANTS:
        name, options = VARIANTS[name][0], {**VARIANTS[name][1], **options}
    return run_l2l(name, options, function, dimension, budget, batch, seed)


def table(labels, dimensions, budget_per_dimension, batch, seeds, instances, first_instance=0, first_seed=0) -> dict:
    """{label: {dimension: (mean precision, spread over seeds)}}, with the time each label took."""
    out: dict = {}
    for label in labels:
        started = time.perf_counter()
        out[label] = {}
        for dimension in dimensions:
            if dimension not in ONLY_DIMENSIONS.get(label, (dimension,)):
                out[label][dimension] = (float("nan"), float("nan"))
                continue
            per_seed = []
            for seed in range(first_seed, first_seed + seeds):
                figures = [precision(run(label, Instance(f, dimension, i), dimension,
                                         budget_per_dimension * dimension, batch, 1000 * seed + i))
                           for f in FUNCTIONS for i in range(first_instance, first_instance + instances)]
                per_seed.append(float(np.mean(figures)))
            out[label][dimension] = (float(np.mean(per_seed)), float(np.std(per_seed)))
        print(f"# {label} (budget {budget_per_dimension} d, batch {batch}): {time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)
    return out


def beats(cell: tuple[float, float], peer: tuple[float, float]) -> bool:
    """Better than the peer by more than the seed spread: lower mean precision, by more than the larger of the
    two standard deviations over seeds."""
    return peer[0] - cell[0] > max(cell[1], peer[1])


def show(title: str, results: dict, dimensions) -> None:
    print(f"\n{title}")
    width = max(len(label) for label in results) + 2
    print("optimizer".ljust(width) + "".join(f"{d}-D".rjust(16) for d in dimensions) + "mean".rjust(9))
    for label, row in results.items():
        cells = "".join(f"{row[d][0]:7.2f} +-{row[d][1]:5.2f}".rjust(16) for d in dimensions)
        print(label.ljust(width) + cells + f"{np.nanmean([row[d][0] for d in dimensions]):9.2f}")


def read_tables(text: str) -> dict:
    """{"budget B d, batch N": {label: {dimension: (mean, spread)}}} from the tables this script printed
    (complete tables only, so the output of a run stopped part way is usable)."""
    cells: dict = {}
    key, dimensions = None, []
    for line in text.splitlines():
        if line.startswith("mean precision"):
            key = line.split("), ")[-1]
        elif key and line.startswith("optimizer"):
            dimensions = [int(word[:-2]) for word in line.split() if word.endswith("-D")]
        elif key and dimensions and "+-" in line:
            label, rest = line.split("  ", 1)
            numbers = [float(v) for v in rest.replace("+-", " ").split()]
            cells.setdefault(key, {})[label.strip()] = {
                d: (numbers[2 * i], numbers[2 * i + 1]) for i, d in enumerate(dimensions)}
        else:
            key = None if not line.strip() else key
    return cells


def merge(paths: list[str]) -> str:
    """Markdown tables, one per budget and batch, of the tables printed by several runs of this script."""
    cells: dict = {}
    for path in paths:
        for key, rows in read_tables(Path(path).read_text()).items():
            for label, row in rows.items():  # one optimizer's dimensions from several outputs, the later ones last
                cells.setdefault(key, {}).setdefault(label, {}).update(row)
    out = []
    for key in sorted(cells, key=lambda k: (int(k.split()[1]), int(k.split()[-1]))):
        dimensions = sorted({d for row in cells[key].values() for d in row})
        out.append(f"\n**{key}**\n\n| optimizer | " + " | ".join(f"{d}-D" for d in dimensions) + " | mean |")
        out.append("|---|" + "---:|" * (len(dimensions) + 1))
        # outputs run with different --dimensions: a dimension an optimizer was not run on is '–', and its mean
        # is over the dimensions it was run on (said in the column's name)
        partial = any(set(row) != set(dimensions) for row in cells[key].values())
        if partial:
            out[-2] = out[-2].replace("| mean |", "| mean (of its dimensions) |")

        def mean(row: dict) -> float:
            return float(np.nanmean([row[d][0] for d in dimensions if d in row]))

        for label, row in sorted(cells[key].items(), key=lambda item: mean(item[1])):
            out.append(f"| `{label}` | " + " | ".join(f"{row[d][0]:.2f} ± {row[d][1]:.2f}" if d in row else "–"
                                                      for d in dimensions) + f" | {mean(row):.2f} |")
    return "\n".join(out)


def tpe_speed(trials: int, dimension: int = 10) -> dict:
    """Seconds for ``trials`` sequential asks and tells of our TPE and of Optuna's own loop, same sampler settings."""
    import optuna

    function = Instance(FUNCTIONS[0], dimension, 0)
    started = time.perf_counter()
    run_l2l("tpe", {"population_size": 1}, function, dimension, trials, 1, 0)
    ours = time.perf_counter() - started
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0, multivariate=True, constant_liar=True))
    started = time.perf_counter()
    study.optimize(lambda t: float(function(np.array([[t.suggest_float(f"x{i}", LOW, HIGH)
                                                         for i in range(dimension)]]))[0]), n_trials=trials)
    theirs = time.perf_counter() - started
    return {"trials": trials, "dimension": dimension, "l2l_tpe_s": round(ours, 2), "optuna_tpe_s": round(theirs, 2),
            "ratio": round(ours / theirs, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2-D and 5-D, 1 instance, 2 seeds, budget 40 d")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated labels to run (default: all)")
    parser.add_argument("--skip", default="", help="comma-separated labels to leave out")
    parser.add_argument("--dimensions", default="", help="e.g. 2,5,10 (overrides --quick)")
    parser.add_argument("--budgets", default="", help="evaluations per dimension, e.g. 10,40,100")
    parser.add_argument("--batches", default="", help="e.g. 1,16")
    parser.add_argument("--instances", type=int, default=0, help="instances of each function (default 2)")
    parser.add_argument("--first-instance", type=int, default=0, help="number of the first instance (default 0); "
                                                                       "e.g. 1 for instances not used in tuning")
    parser.add_argument("--first-seed", type=int, default=0, help="number of the first seed (default 0); e.g. 5 "
                                                                   "for seeds not used in tuning")
    parser.add_argument("--cmaes-sigma", action="store_true", help="compare cmaes's initial steps")
    parser.add_argument("--tpe-speed", action="store_true", help="time our TPE beside Optuna's own loop")
    parser.add_argument("--merge", nargs="+", metavar="OUTPUT", help="print markdown tables of saved outputs")
    args = parser.parse_args()
    if args.merge:
        print(merge(args.merge))
        return
    warnings.simplefilter("ignore")
    import logging

    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    logging.getLogger("nevergrad").setLevel(logging.ERROR)
    if args.tpe_speed:
        figures = [tpe_speed(n) for n in (100, 200, 400)]
        for f in figures:
            print(f"{f['trials']} trials, {f['dimension']}-D: l2l tpe {f['l2l_tpe_s']} s, "
                  f"Optuna's own loop {f['optuna_tpe_s']} s, ratio {f['ratio']}")
        print(json.dumps({"tpe_speed": figures, "targets_met": all(f["ratio"] <= 1.5 for f in figures)}))
        return
    numbers = lambda text: tuple(int(v) for v in text.split(",")) if text else None  # noqa: E731
    dimensions = numbers(args.dimensions) or ((2, 5) if args.quick else (2, 5, 10))
    seeds, instances = (2, 1) if args.quick else (args.seeds, 2)
    instances = args.instances or instances
    if args.cmaes_sigma:
        labels = [f'cmaes {{"sigma": {s}}}' for s in (0.3, 0.25, 0.2, 0.16666666666666666, 0.1)]
        results = table(labels, dimensions, 40, 1, seeds, instances)
        show("cmaes initial step, budget 40 d, sequential", results, dimensions)
        print(json.dumps({"cmaes_sigma": results, "seeds": seeds, "instances": instances, "targets_met": True}))
        return
    ours = [n for n in OPTIMIZERS.names() if n not in NOT_BLACK_BOX]
    labels = [label for label in ours + list(VARIANTS) + list(PEERS) if (not args.only or label in args.only.split(","))
              and label not in args.skip.split(",")]
    budgets = numbers(args.budgets) or ((40,) if args.quick else (10, 40, 100))
    batches = numbers(args.batches) or ((1,) if args.quick else (1, 16))
    summary: dict = {"seeds": list(range(args.first_seed, args.first_seed + seeds)),
                     "instances": list(range(args.first_instance, args.first_instance + instances)),
                     "functions": len(FUNCTIONS), "results": {}}
    targets: dict = {}
    for budget in budgets:
        for batch in batches:
            key = f"budget {budget} d, batch {batch}"
            results = table(labels, dimensions, budget, batch, seeds, instances, args.first_instance, args.first_seed)
            show(f"mean precision (log10 of the best value, lower is better), {key}", results, dimensions)
            summary["results"][key] = results
            if "random" in results:
                for label in results:
                    if label not in ("random",) + PEERS:
                        targets[f"{label} beats random, {key}"] = all(
                            beats(results[label][d], results["random"][d]) for d in dimensions
                            if not np.isnan(results[label][d][0]))
            if "ngopt" in results:
                compare = (lambda a, b: a <= b) if batch == 1 else (lambda a, b: a < b)
                for label in ("auto", "auto-own"):
                    if label in results:
                        targets[f"{label} vs ngopt, {key}"] = all(
                            compare(results[label][d][0], results["ngopt"][d][0]) for d in dimensions)
    summary["targets"] = targets
    summary["targets_met"] = all(targets.values()) if targets else None
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()
