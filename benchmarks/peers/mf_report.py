"""Figures and tables of benchmarks/multifidelity.py from the methods' logs and the honest qualities.

Compute is read on a grid of fractions of the budget: every 1/81 for the synthetic functions (their
true values are free), a coarser grid for the learning curves (each chosen candidate there costs
re-evaluations on fresh seeds). "Compute to reach X" is the first grid fraction at which the mean over
seeds of the chosen candidates' true quality is at least as good as X (the mean final quality of
full-fidelity random search, or of full-fidelity TPE); per seed, the count of seeds that reach it.

How sure that fraction is comes from a bootstrap over seeds (:func:`bootstrap_compute`): the seeds are drawn
again with replacement, the same draw for the method and the reference (whose final mean is an estimate too),
and the fraction is found again; the 5th and 95th percentiles of the draws are its 90 % interval, and the share
of draws at or below a third of the compute says how often another set of seeds of this size would meet the
target.
"""

from __future__ import annotations

import math

import numpy as np

from peers.mf_problems import Problem, incumbent_at

FINE = tuple((k + 1) / 81 for k in range(81))
COARSE = (1 / 27, 1 / 9, 1 / 6, 2 / 9, 1 / 4, 1 / 3, 4 / 9, 1 / 2, 2 / 3, 5 / 6, 1.0)
REFERENCES = ("random", "tpe")
PEER_SET = ("random", "tpe", "optuna-tpe-hyperband", "dehb")
POLICY_SET = ("successive-halving", "hyperband", "asha", "median-stopping", "model-based")
PRIMARY = "model-based"
#: The model-based policy told a third of the compute (run.compute = a third): the user's reading of the target.
TOLD_THIRD = "model-based-third"
CLASSES = ("agree", "mislead", "learning-curve")
#: Bootstrap draws over seeds, and the seed of their generator (the intervals are the same on every report).
BOOTSTRAP_DRAWS = 2000
BOOTSTRAP_SEED = 20261204


def grid(problem: Problem) -> tuple[float, ...]:
    return FINE if problem.exact else COARSE


def chosen(problem: Problem, log: list, fractions) -> list:
    return [incumbent_at(log, f * problem.compute, problem.max_budget) for f in fractions]


def needed_keys(problems, quick, results, wall) -> dict[str, set]:
    """Per problem, the candidates whose true quality the report needs."""
    wanted: dict[str, set] = {}
    built = {name: Problem(name, quick) for name in set(problems) | ({wall["problem"]} if wall else set())}
    for (name, _method, _seed), result in results.items():
        if "log" in result:
            wanted.setdefault(name, set()).update(k for k in chosen(built[name], result["log"],
                                                                      grid(built[name])) if k)
    if wall:
        problem = built[wall["problem"]]
        for result in wall["runs"].values():
            wanted.setdefault(problem.name, set()).update(k for k in chosen(problem, result["log"], COARSE) if k)
    return wanted


def _stats(values: list[float]) -> dict:
    a = np.asarray(values, dtype=float)
    return {"mean": float(np.mean(a)), "std": float(np.std(a)), "min": float(np.min(a)), "max": float(np.max(a)),
            "n": int(len(a)), "se": standard_error(a), "values": [float(v) for v in a]}


def standard_error(values) -> float:
    """Standard error of the mean over seeds: the sample standard deviation (n - 1) over sqrt(n)."""
    a = np.asarray(values, dtype=float)
    return float(np.std(a, ddof=1) / math.sqrt(len(a))) if len(a) > 1 else math.nan


def standard_error_of_difference(a: dict, b: dict) -> float:
    """sqrt(s_a^2 / n_a + s_b^2 / n_b) with the sample standard deviations (n - 1) of two final-quality stats."""
    total = 0.0
    for stats in (a, b):
        n = stats["n"]
        if n > 1:
            total += float(np.var(stats["values"], ddof=1)) / n
    return math.sqrt(total)


def _first(fractions, curve, target) -> float:
    for f, q in zip(fractions, curve):
        if np.isfinite(q) and q <= target + 1e-12:
            return float(f)
    return math.inf


def bootstrap_compute(fractions, curve: np.ndarray, reference: np.ndarray, draws: int = BOOTSTRAP_DRAWS,
                      seed: int = BOOTSTRAP_SEED) -> dict:
    """The 90 % bootstrap interval of the compute fraction at which the mean of ``curve`` (seeds x fractions)
    first reaches the mean of ``reference`` (the reference's final quality per seed, same seed order), and the
    share of draws that reach it within a third of the compute (inf: a draw that never reaches it)."""
    n = curve.shape[0]
    rows = np.random.default_rng(seed).integers(0, n, size=(draws, n))
    means = np.nanmean(curve[rows], axis=1)  # draws x fractions
    targets = reference[rows].mean(axis=1)
    hit = means <= targets[:, None] + 1e-12
    grid_ = np.asarray(fractions, dtype=float)
    first = np.where(hit.any(axis=1), grid_[np.argmax(hit, axis=1)], np.inf)
    low, high = np.percentile(first, [5, 95], method="inverted_cdf")  # draws themselves: inf stays inf
    return {"interval": [float(low), float(high)], "share_within_a_third": float(np.mean(first <= 1 / 3 + 1e-9))}


def told_view(problem: Problem, share: float, result: dict) -> dict:
    """A run told ``share`` of the compute, as the report reads it: its log up to that share. No segment starts once
    run.compute is spent, but the last one started may finish past it; what it brings is not counted."""
    if share >= 1.0 or "log" not in result:
        return result
    limit = share * problem.compute + 1e-9
    return {**result, "log": [record for record in result["log"] if record[0] <= limit],
            "overshoot": max((record[0] for record in result["log"]), default=0.0) - share * problem.compute}


def problem_figures(problem: Problem, methods, seeds, results, truth) -> dict:
    fractions = grid(problem)
    curves: dict[str, np.ndarray] = {}
    out: dict = {"kind": problem.kind, "compute_units": problem.compute, "full_evaluations": problem.evaluations,
                 "budgets": [problem.min_budget, problem.max_budget], "methods": {}}
    for method in methods:
        rows = []
        for seed in seeds:
            result = results.get((problem.name, method, seed), {})
            if "log" not in result:
                break
            rows.append([truth[problem.name][k] if k else np.nan for k in chosen(problem, result["log"], fractions)])
        if len(rows) == len(seeds):
            curves[method] = np.array(rows)
    references = {r: float(np.mean(curves[r][:, -1])) for r in REFERENCES if r in curves}
    out["references"] = references
    for method, curve in curves.items():
        runs = [results[(problem.name, method, s)] for s in seeds]
        figures = {"final": _stats(curve[:, -1]), "seconds": float(np.mean([r["seconds"] for r in runs])),
                   "segments": float(np.mean([len(r["log"]) for r in runs])),
                   "candidates": float(np.mean([len({k for *_, k in r["log"]}) for r in runs]))}
        mean_curve = curve.mean(axis=0)
        for reference, target in references.items():
            figures[f"compute_to_{reference}"] = _first(fractions, mean_curve, target)
            per_seed = [_first(fractions, row, target) for row in curve]
            figures[f"seeds_reaching_{reference}"] = int(sum(np.isfinite(per_seed)))
            spread = bootstrap_compute(fractions, curve, curves[reference][:, -1])
            figures[f"compute_to_{reference}_interval"] = spread["interval"]
            figures[f"compute_to_{reference}_share_within_a_third"] = spread["share_within_a_third"]
        agreements = [r.get("agreement") for r in runs if r.get("agreement")]
        if agreements:
            figures["measured_agreement"] = [None if any(a[k] is None for a in agreements) else
                                             round(float(np.mean([a[k] for a in agreements])), 3)
                                             for k in range(len(agreements[0]))]
        out["methods"][method] = figures
    return out


def wall_figures(wall: dict, truth: dict, quick: bool, figures: dict) -> dict:
    if not wall:
        return {}
    problem = Problem(wall["problem"], quick)
    references = figures.get(problem.name, {}).get("references", {})
    out = {"problem": problem.name, "backend": "local, 2 workers", "seed": 0, "methods": {}}
    for method, result in wall["runs"].items():
        log, finished = result["log"], result["finished"]
        start = result["run_started"]
        entry = {"seconds": round(result["seconds"], 2),
                 "final": truth[problem.name].get(chosen(problem, log, (1.0,))[0], math.nan)}
        for reference, target in references.items():
            entry[f"seconds_to_{reference}"] = math.inf
            for f in COARSE:
                key = incumbent_at(log, f * problem.compute, problem.max_budget)
                if key and truth[problem.name][key] <= target + 1e-12:
                    rows = [i for i, record in enumerate(log) if record[0] <= f * problem.compute + 1e-9]
                    entry[f"seconds_to_{reference}"] = round(finished[rows[-1]] - start, 2)
                    break
        out["methods"][method] = entry
    return out


def targets(figures: dict) -> dict:
    """Each target, per problem, for the model-based policy (declared beforehand) and for any policy."""
    third: dict = {}
    peer: dict = {}
    for name, problem in figures.items():
        methods = problem["methods"]
        if problem["kind"] in ("agree", "learning-curve"):
            entry = {}
            for reference in REFERENCES:
                key = f"compute_to_{reference}"
                if PRIMARY in methods and key in methods[PRIMARY]:
                    entry[f"{PRIMARY}_vs_{reference}"] = methods[PRIMARY][key] <= 1 / 3 + 1e-9
                entry[f"any_policy_vs_{reference}"] = any(methods[p].get(key, math.inf) <= 1 / 3 + 1e-9
                                                          for p in POLICY_SET if p in methods)
            for reference, target in problem["references"].items():
                if TOLD_THIRD in methods:  # the policy told a third: its final choice (read at a third)
                    entry[f"{TOLD_THIRD}_vs_{reference}"] = methods[TOLD_THIRD]["final"]["mean"] <= target + 1e-12
            third[name] = entry
        peers = {p: methods[p]["final"]["mean"] for p in PEER_SET if p in methods}
        if peers and PRIMARY in methods:
            best_peer = min(peers, key=peers.get)
            mine = methods[PRIMARY]["final"]["mean"]
            error = standard_error_of_difference(methods[PRIMARY]["final"], methods[best_peer]["final"])
            best_policy = min((p for p in POLICY_SET if p in methods), key=lambda p: methods[p]["final"]["mean"])
            peer[name] = {"class": problem["kind"], "best_peer": best_peer, "best_peer_mean": peers[best_peer],
                          f"{PRIMARY}_mean": mine, "difference": mine - peers[best_peer],
                          "standard_error_of_difference": error,
                          f"{PRIMARY}_strictly_at_least_as_good": mine <= peers[best_peer] + 1e-12,
                          f"{PRIMARY}_at_least_as_good": mine <= peers[best_peer] + error + 1e-12,
                          "best_policy": best_policy,
                          "best_policy_at_least_as_good": methods[best_policy]["final"]["mean"]
                          <= peers[best_peer] + 1e-12}
    # The rule, declared before the final run: the model-based policy's mean final quality is not worse than
    # the best peer's by more than one standard error of the difference of the means (seeds are the samples).
    by_class = {c: all(v[f"{PRIMARY}_at_least_as_good"] for v in peer.values() if v["class"] == c)
                for c in CLASSES if any(v["class"] == c for v in peer.values())}
    # a target that could not be judged (a reference, a peer or the policy missing from the run) is not met
    third_ok = bool(third) and all(all(entry.get(f"{PRIMARY}_vs_{r}", False) for r in REFERENCES)
                                   for entry in third.values())
    # the user's reading (pre-registered in issue 11's twelfth round): the policy told a third of the compute
    told_ok = bool(third) and all(all(entry.get(f"{TOLD_THIRD}_vs_{r}", False) for r in REFERENCES)
                                  for entry in third.values())
    complete = bool(peer) and all(set(PEER_SET) <= set(figures[name]["methods"]) for name in peer) \
        and set(peer) == set(figures)
    return {"third_of_compute_where_fidelities_agree": third, "equal_compute_vs_best_peer": peer,
            "equal_compute_by_class": by_class,
            "met": {"third_of_compute": third_ok, "third_of_compute_told": told_ok,
                    "equal_compute_every_class": complete and all(by_class.values()),
                    "policy_judged": PRIMARY,
                    "equal_compute_rule": "mean final quality not worse than the best peer's by more than one "
                                          "standard error of the difference of the means over seeds",
                    "equal_compute_every_class_strictly": complete and all(
                        v[f"{PRIMARY}_strictly_at_least_as_good"] for v in peer.values())}}


def _fmt_fraction(value: float) -> str:
    return "never" if not np.isfinite(value) else f"{value:.3f}"


def print_tables(figures: dict, wall: dict, seeds) -> None:
    for name, problem in figures.items():
        refs = problem["references"]
        print(f"\n{name} ({problem['kind']}): budget {problem['compute_units']:.0f} units = "
              f"{problem['full_evaluations']} full evaluations, fidelity {problem['budgets'][0]}..{problem['budgets'][1]}, "
              f"{len(seeds)} seeds; references: " + ", ".join(f"{k} {v:.4g}" for k, v in refs.items()))
        print(f"  {'method':22s} {'final (mean ± std)':>22s} {'SE':>7s} {'min..max':>19s} {'→random':>8s} {'seeds':>5s} "
              f"{'→tpe':>7s} {'seeds':>5s} {'cands':>6s} {'s/run':>6s}")
        for method, f in problem["methods"].items():
            final = f["final"]
            print(f"  {method:22s} {final['mean']:>12.4f} ± {final['std']:<7.4f} {final['se']:>7.4f} "
                  f"{final['min']:>9.4f}..{final['max']:<8.4f} {_fmt_fraction(f.get('compute_to_random', math.nan)):>8s} "
                  f"{f.get('seeds_reaching_random', '-'):>5} {_fmt_fraction(f.get('compute_to_tpe', math.nan)):>7s} "
                  f"{f.get('seeds_reaching_tpe', '-'):>5} {f['candidates']:>6.0f} {f['seconds']:>6.1f}")
        print(f"  compute to the references' final quality, 90 % bootstrap interval over seeds, and the share of "
              f"draws within a third:")
        for method, f in problem["methods"].items():
            parts = [f"→{r} {_fmt_fraction(f[f'compute_to_{r}_interval'][0])}..{_fmt_fraction(f[f'compute_to_{r}_interval'][1])}"
                     f" ({f[f'compute_to_{r}_share_within_a_third']:.2f})" for r in REFERENCES
                     if f"compute_to_{r}_interval" in f]
            if parts:
                print(f"    {method:22s} " + "  ".join(parts))
        agreement = problem["methods"].get(PRIMARY, {}).get("measured_agreement")
        if agreement:
            print(f"  model-based's measured rank agreement of each rung with the top: {agreement}")
    if wall:
        print(f"\nwall time on {wall['backend']}, {wall['problem']}, seed 0:")
        for method, entry in wall["methods"].items():
            print(f"  {method:22s} {entry['seconds']:>7.1f} s total, final {entry['final']:.4f}, "
                  f"to random's quality {entry.get('seconds_to_random', math.nan)} s, "
                  f"to tpe's {entry.get('seconds_to_tpe', math.nan)} s")


def print_targets(goal: dict) -> None:
    print(f"\nequal compute, {PRIMARY} against the best peer (met: not worse by more than one standard error of "
          "the difference):")
    for name, v in goal["equal_compute_vs_best_peer"].items():
        print(f"  {name:18s} {v['class']:15s} best peer {v['best_peer']:22s} {v['best_peer_mean']:>9.4f}  "
              f"{PRIMARY} {v[f'{PRIMARY}_mean']:>9.4f}  difference {v['difference']:+.4f} "
              f"(SE {v['standard_error_of_difference']:.4f})  {'met' if v[f'{PRIMARY}_at_least_as_good'] else 'not met'}")
    for name, entry in goal["third_of_compute_where_fidelities_agree"].items():
        print(f"  a third of the compute, {name}: " + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in entry.items()))


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else "inf"
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return _jsonable(value.item())
    return value


def report(problems, methods, seeds, quick, results, truth, wall, machine) -> dict:
    figures = {name: problem_figures(Problem(name, quick), methods, seeds, results, truth) for name in problems}
    walls = wall_figures(wall, truth, quick, figures)
    errors = {f"{k[0]}/{k[1]}/{k[2]}": r["error"] for k, r in results.items() if "error" in r}
    print_tables(figures, walls, seeds)
    goal = targets(figures)
    print_targets(goal)
    headline = {name: {m: {"final": round(f["final"]["mean"], 4), "std": round(f["final"]["std"], 4),
                           "se": round(f["final"]["se"], 4),
                           "to_random": f.get("compute_to_random"), "to_tpe": f.get("compute_to_tpe"),
                           **{f"to_{r}_interval": f[f"compute_to_{r}_interval"] for r in REFERENCES
                              if f"compute_to_{r}_interval" in f},
                           **{f"to_{r}_within_a_third": f[f"compute_to_{r}_share_within_a_third"] for r in REFERENCES
                              if f"compute_to_{r}_share_within_a_third" in f}}
                       for m, f in problem["methods"].items()} for name, problem in figures.items()}
    return _jsonable({"benchmark": "multifidelity", "quick": quick, "seeds": list(seeds), "methods": list(methods),
                      "figures": headline, "wall_time": walls, "targets": goal, "errors": errors,
                      "machine": machine,
                      "targets_met": (goal["met"]["third_of_compute"] or goal["met"]["third_of_compute_told"])
                      and goal["met"]["equal_compute_every_class"]})
