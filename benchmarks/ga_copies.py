"""What the GA's ``evaluate_copies`` changes on a deterministic function, beside DEAP's own loop (the peer).

The original L2L framework's GA evaluated only the individuals that crossover or mutation changed, as DEAP's
``eaSimple`` does (a clone keeps its fitness). l2l's ``ga`` evaluates every member of every generation by default
(``evaluate_copies = true``: an unchanged copy again, on a new seed, which a noisy simulator needs);
``evaluate_copies = false`` keeps the copies' known scores. With L2L's example settings (``popsize = 50``,
``CXPB = 0.5``, ``MUTPB = 0.3``, ``indpb = 0.02``, ``tournsize = 15``; l2l's ``blend_alpha = 0.5`` and
``mutation_sigma = 0.1`` of the range, ``elite_size = 1``) and a budget of ``--evaluations`` (1,000), for seeds
``--seeds`` (0 to 4) on two deterministic 2-D functions in [-5, 5]^2:

* ``mixture``: the Gaussian mixture of docs/coming_from_l2l.md's port (maximized; maximum 0.2 at (1, -1));
* ``rastrigin``: l2l's built-in (minimized; minimum 0 at the origin, local minima near every integer point),

it runs l2l's ``ga`` (serial backend) both ways and DEAP's loop (selTournament, varAnd with cxBlend and
mutGaussian, the hall of fame's best copied in, only invalid fitnesses evaluated, until the budget) and prints
per setting: the share of evaluations spent on a point already evaluated (the same to 12 decimals of the range,
as the GA compares them, and "near": to 6 decimals, such as a blend of two parents a millionth apart), the generations,
and the best value found (mean ± standard deviation over the seeds, and each seed's). The last line is one JSON
object; ``targets_met``: with ``evaluate_copies = false`` under 5 % repeats on every seed (the rest: a point re-made
after it left the population, such as a mutant clipped to a bound), and a best at least as
good as the default's on average on both functions.

    python benchmarks/ga_copies.py [--seeds 0 1 2 3 4] [--evaluations 1000]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

L2L_SETTINGS = {"population_size": 50, "crossover_probability": 0.5, "mutation_probability": 0.3,
                "gene_mutation_probability": 0.02, "tournament_size": 15}
LOW, HIGH = -5.0, 5.0


def mixture(x: np.ndarray) -> float:
    return float(0.2 * np.exp(-((x[0] - 1) ** 2 + (x[1] + 1) ** 2))
                 + 0.1 * np.exp(-((x[0] + 2) ** 2 + (x[1] - 2) ** 2) / 0.5))


def rastrigin(x: np.ndarray) -> float:
    return float(10 * len(x) + np.sum(x ** 2 - 10 * np.cos(2 * np.pi * x)))


FUNCTIONS = {"mixture": (mixture, "maximize"), "rastrigin": (rastrigin, "minimize")}


def simulate(params, seed, function="mixture"):
    """The l2l simulator of both functions (the seed changes nothing: deterministic)."""
    return {"value": FUNCTIONS[function][0](np.asarray(params["x"], dtype=float))}


def repeats(points: np.ndarray, decimals: int = 12) -> float:
    """The share of ``points`` that repeat an earlier one, the same to ``decimals`` decimals of the range (12: the
    same individual, as the GA compares them; 6: a near-copy, such as a blend of two parents a millionth apart)."""
    rounded = np.round((np.asarray(points) - LOW) / (HIGH - LOW), decimals)
    return 1.0 - len(np.unique(rounded, axis=0)) / len(rounded)


def counted(points: np.ndarray) -> dict:
    return {"repeats": repeats(points), "near_repeats": repeats(points, 6)}


def run_l2l(function: str, seed: int, evaluations: int, copies: bool, folder: Path) -> dict:
    import l2l

    config = l2l.from_mapping({
        "run": {"name": "ga-copies", "seed": seed, "evaluations": evaluations},
        "space": {"x": {"type": "float", "low": LOW, "high": HIGH, "shape": [2]}},
        "optimizer": {"name": "ga", **L2L_SETTINGS, "evaluate_copies": copies},
        "simulator": {"name": "python", "function": f"{Path(__file__).stem}:simulate",
                      "kwargs": {"function": function}},
        "objectives": [{"name": "value", "direction": FUNCTIONS[function][1]}],
        "backend": {"name": "serial"}}, base_dir=Path(__file__).resolve().parent)
    frame = l2l.load(l2l.run(config, folder / f"{function}-{seed}-{copies}.h5", progress=False))
    values = frame["value"].to_numpy()
    return {**counted(frame[["x[0]", "x[1]"]].to_numpy()), "generations": int(frame["generation"].nunique()),
            "best": float(values.max() if FUNCTIONS[function][1] == "maximize" else values.min())}


def run_deap(function: str, seed: int, evaluations: int) -> dict:
    """DEAP's eaSimple loop with the same operators on the same box, evaluating only invalid fitnesses."""
    from deap import base, creator, tools

    sign = 1.0 if FUNCTIONS[function][1] == "maximize" else -1.0
    if not hasattr(creator, "GaCopiesFitness"):
        creator.create("GaCopiesFitness", base.Fitness, weights=(1.0,))
        creator.create("GaCopiesIndividual", list, fitness=creator.GaCopiesFitness)
    rng = random.Random(seed)
    state = random.getstate()
    random.seed(seed)
    try:
        population = [creator.GaCopiesIndividual([rng.uniform(LOW, HIGH) for _ in range(2)])
                      for _ in range(L2L_SETTINGS["population_size"])]
        evaluated: list[list[float]] = []
        best = None

        def evaluate(individuals):
            nonlocal best
            for ind in individuals:
                if len(evaluated) >= evaluations:
                    return False
                ind[:] = list(np.clip(ind, LOW, HIGH))
                value = FUNCTIONS[function][0](np.asarray(ind))
                ind.fitness.values = (sign * value,)
                evaluated.append(list(ind))
                best = value if best is None or sign * value > sign * best else best
            return True

        evaluate(population)
        hall = tools.HallOfFame(1)
        hall.update(population)
        generations = 1
        while len(evaluated) < evaluations:
            offspring = [copy.deepcopy(ind) for ind in  # clones keep their fitness, as DEAP's toolbox.clone
                         tools.selTournament(population, len(population) - 1, L2L_SETTINGS["tournament_size"])]
            for i in range(1, len(offspring), 2):
                if random.random() < L2L_SETTINGS["crossover_probability"]:
                    tools.cxBlend(offspring[i - 1], offspring[i], 0.5)
                    del offspring[i - 1].fitness.values, offspring[i].fitness.values
            for ind in offspring:
                if random.random() < L2L_SETTINGS["mutation_probability"]:
                    tools.mutGaussian(ind, 0.0, 0.1 * (HIGH - LOW), L2L_SETTINGS["gene_mutation_probability"])
                    del ind.fitness.values
            invalid = [ind for ind in offspring if not ind.fitness.valid]
            if not evaluate(invalid):
                break
            population = [copy.deepcopy(hall[0])] + offspring
            hall.update(population)
            generations += 1
    finally:
        random.setstate(state)
    return {**counted(np.array(evaluated)), "generations": generations, "best": float(best)}


def spread(values: list[float], digits: int = 4) -> str:
    return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--evaluations", type=int, default=1000)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    results: dict = {}
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        for function in FUNCTIONS:
            for label, runner in (("l2l evaluate_copies=true", lambda s: run_l2l(function, s, args.evaluations,
                                                                                   True, Path(folder))),
                                  ("l2l evaluate_copies=false", lambda s: run_l2l(function, s, args.evaluations,
                                                                                    False, Path(folder))),
                                  ("DEAP eaSimple (peer)", lambda s: run_deap(function, s, args.evaluations))):
                started = time.perf_counter()
                rows = [runner(seed) for seed in args.seeds]
                seconds = time.perf_counter() - started
                results.setdefault(function, {})[label] = rows
                each = ", ".join(f"{r['best']:.4f}" for r in rows)
                print(f"{function:9s} {label:26s} repeats {spread([r['repeats'] for r in rows], 3)}  near "
                      f"{spread([r['near_repeats'] for r in rows], 3)}  "
                      f"generations {spread([r['generations'] for r in rows], 0)}  best "
                      f"{spread([r['best'] for r in rows])}  ({each})  "
                      f"{seconds:.1f} s")
            default = results[function]["l2l evaluate_copies=true"]
            kept = results[function]["l2l evaluate_copies=false"]
            sign = 1.0 if FUNCTIONS[function][1] == "maximize" else -1.0
            ok &= all(r["repeats"] < 0.05 for r in kept)
            ok &= sign * np.mean([r["best"] for r in kept]) >= sign * np.mean([r["best"] for r in default])
    summary = {function: {label: {"repeats_mean": float(np.mean([r["repeats"] for r in rows])),
                                  "near_repeats_mean": float(np.mean([r["near_repeats"] for r in rows])),
                                  "best_mean": float(np.mean([r["best"] for r in rows])),
                                  "best_std": float(np.std([r["best"] for r in rows])),
                                  "generations_mean": float(np.mean([r["generations"] for r in rows]))}
                          for label, rows in by_label.items()}
               for function, by_label in results.items()}
    print(json.dumps({"seeds": args.seeds, "evaluations": args.evaluations, "results": summary,
                      "targets_met": bool(ok)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
