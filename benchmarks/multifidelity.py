"""Multi-fidelity benchmark: l2l's scheduling policies against full-fidelity search, Optuna and DEHB.

On synthetic multi-fidelity Hartmann functions whose low budgets agree with the top one, on the same
functions with biased, noisy low budgets that mislead, and on the learning curves of ``lsnn`` and
``egru`` (small, fast settings), every method spends the same compute (fidelity units; a fixed number
of full-fidelity evaluations' worth) with the same seeds:

* l2l, through its public API (``l2l.from_mapping`` + ``l2l.run``, backend ``serial``): full-fidelity
  ``random`` and ``tpe`` (no policy: every candidate trains to the top budget), and the policies
  ``successive-halving``, ``hyperband``, ``asha`` (random candidates, as in their papers),
  ``median-stopping`` (TPE candidates) and ``model-based`` (proposes its own);
* Optuna's TPE sampler + HyperbandPruner, training in segments from checkpoints (peers/optuna_peer.py);
* DEHB, in its own venv (benchmarks/.venvs/dehb, created on first use), restarting evaluations from
  scratch as it is designed to (peers/dehb_runner.py).

The chosen candidate of every method is picked by one rule and its quality measured honestly (see
peers/mf_problems.py). Figures: the compute each method needs to reach the mean final quality of
full-fidelity random search and of full-fidelity TPE, and the quality at equal compute, over seeds
(mean ± std, min..max). One configuration is also run on the ``local`` backend with 2 workers for wall
time. The last line printed is one JSON object with the headline figures and ``targets_met``.

    nice -n 10 python benchmarks/multifidelity.py            # about 25 minutes on 2 cores
    python benchmarks/multifidelity.py --quick               # about 3 minutes
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from peers.mf_problems import DEFAULT_PROBLEMS, FRESH_SEEDS_VARIABLE, QUICK_PROBLEMS, SPECS, Problem  # noqa: E402
from peers.mf_report import report, told_view  # noqa: E402

FULL = ("random", "tpe")
POLICIES = ("successive-halving", "hyperband", "asha", "median-stopping", "model-based")
PEERS = ("optuna-tpe-hyperband", "dehb")
#: Policies *told* a share of the compute (run.compute = share x the problem's compute): the model-based policy
#: plans its repeats and its endgame to run.compute, so its choice after a third of a run told the whole compute is
#: not what a user who gives it a third gets. Its log is read up to that share (see peers.mf_report.told_view).
TOLD = {"model-based-third": ("model-based", 1 / 3)}
METHODS = FULL + POLICIES + tuple(TOLD) + PEERS
#: The optimizer that proposes candidates to each policy (model-based proposes its own).
SEARCHER = {"successive-halving": "random", "hyperband": "random", "asha": "random", "median-stopping": "tpe",
            "model-based": "random"}
#: Options of the model-based policy beyond its defaults (``--model-based-options``), passed to the worker
#: processes through the environment.
MB_OPTIONS = "L2L_BENCH_MODEL_BASED_OPTIONS"
#: Searchers other than SEARCHER's (``--searcher``, e.g. asha=tpe), passed to the worker processes through the
#: environment as JSON.
SEARCHER_OPTIONS = "L2L_BENCH_SEARCHER"
DEHB_VENV = HERE / ".venvs" / "dehb"
DEHB_PACKAGES = ["dehb"]


# -- l2l ------------------------------------------------------------------------------------------------
def l2l_config(problem: Problem, method: str, seed: int, backend: dict) -> dict:
    spec = problem.spec
    config = {"run": {"name": f"{problem.name}-{method}-{seed}", "seed": seed},
              "space": spec.space, "simulator": {"name": spec.simulator, **problem.options},
              "objectives": [{"name": problem.objective, "direction": "minimize"}], "backend": backend}
    if method == "random":
        population = max(p for p in range(1, 11) if problem.evaluations % p == 0)  # exactly the budget
        config["optimizer"] = {"name": "random", "population_size": population}
        config["run"]["generations"] = problem.evaluations // population
    elif method == "tpe":
        config["optimizer"] = {"name": "tpe", "population_size": 1, "n_startup_trials": 10}
        config["run"]["generations"] = problem.evaluations
    else:
        policy, share = TOLD.get(method, (method, 1.0))
        searcher = {**SEARCHER, **json.loads(os.environ.get(SEARCHER_OPTIONS) or "{}")}[policy]
        config["optimizer"] = {"name": searcher, **({"population_size": 1} if searcher == "tpe" else {})}
        config["policy"] = {"name": policy, "eta": 3, "min_budget": problem.min_budget,
                            "max_budget": problem.max_budget}
        if policy == "model-based":
            config["policy"].update(json.loads(os.environ.get(MB_OPTIONS) or "{}"))
        config["run"]["compute"] = problem.compute * share
    return config


def read_segments(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    """Every evaluated segment of a trajectory in the order they finished, and the last run state.

    ``l2l.load`` sorts rows by (generation, individual) and has no trial/budget columns yet, so the
    columns are read from the file in row order (the order of completion); budget and from_budget are
    NaN for a single-fidelity row.
    """
    import l2l

    with l2l.Trajectory(path) as trajectory:
        n = trajectory.n_evaluations
        evaluations = trajectory.file["evaluations"]
        out = {name: evaluations[name][:n] for name in ("status", "started", "duration")}
        for name in ("budget", "from_budget", "trial"):
            out[name] = evaluations[name][:n] if name in evaluations else np.full(n, np.nan)
        out["params"] = [trajectory.space.decode(code) for code in _codes(trajectory, n)]
        objective = trajectory.objectives[0].name
        out["value"] = evaluations["objectives"][objective][:n]
        state = trajectory.state() if trajectory.n_generations else {}
    return out, state


def _codes(trajectory, n: int) -> np.ndarray:
    space = trajectory.space
    columns = []
    for parameter in space.parameters:
        values = trajectory.file[f"evaluations/params/{parameter.name}"][:n]
        columns.append(np.stack([parameter.encode(v) for v in values]))
    return np.concatenate(columns, axis=1)


def l2l_log(problem: Problem, path: Path) -> tuple[list, dict, np.ndarray]:
    """The log of an l2l run (see peers.mf_problems), its final state and each row's finishing time."""
    rows, state = read_segments(path)
    log, spent = [], 0.0
    for i, params in enumerate(rows["params"]):
        budget = rows["budget"][i]
        if not np.isfinite(budget):  # a full-fidelity evaluation
            budget, start = float(problem.max_budget), 0.0
        else:
            start = float(rows["from_budget"][i]) if np.isfinite(rows["from_budget"][i]) else 0.0
        spent += float(budget) - start
        value = float(rows["value"][i]) if rows["status"][i] == 0 else float("nan")
        log.append((spent, float(budget), value, Problem.key(problem.unit_of(params))))
    return log, state, rows["started"] + rows["duration"]


def run_l2l(problem: Problem, method: str, seed: int, folder: Path, backend: dict | None = None) -> dict:
    import l2l

    backend = backend or {"name": "serial"}
    config = l2l.from_mapping(l2l_config(problem, method, seed, backend), base_dir=folder)
    path = folder / f"{problem.name}-{method}-{seed}-{backend['name']}.h5"
    started = time.perf_counter()
    l2l.run(config, path)
    seconds = time.perf_counter() - started
    log, state, finished = l2l_log(problem, path)
    policy = state.get("policy") or {}
    agreement = policy.get("agreement")
    result = {"log": log, "seconds": seconds, "agreement": agreement, "finished": finished.tolist(),
              "run_started": time.time() - seconds}
    if "probes" in policy:  # the model-based policy: each segment's trial and the trials' roles, to split its compute
        rows, _ = read_segments(path)
        result["roles"] = {"trial": [int(t) for t in rows["trial"]], "probes": [int(t) for t in policy["probes"]],
                           "repeats": sorted(int(t) for t in policy.get("repeats") or {}),
                           "local": sorted(int(t) for t in policy.get("local") or {}),
                           "endgame_from": policy.get("endgame_from")}
    return result


# -- peers ----------------------------------------------------------------------------------------------
def dehb_python() -> tuple[Path | None, str]:
    """The venv's python with DEHB installed, created on first use (pip install dehb).

    Invocations started beside each other (one per problem group, say) would otherwise build the venv at the
    same time and break it: the first takes a lock on a file beside the venv while it builds, the others wait
    for it and then find the venv ready."""
    import fcntl

    python, marker = DEHB_VENV / "bin" / "python", DEHB_VENV / ".l2l-ready"
    if marker.exists():
        return python, ""
    DEHB_VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(DEHB_VENV.parent / f".{DEHB_VENV.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process dies
        if marker.exists():  # built by another invocation while this one waited
            return python, ""
        print(f"[setup] creating {DEHB_VENV} with {' '.join(DEHB_PACKAGES)} (once) ...", file=sys.stderr, flush=True)
        for command in ([sys.executable, "-m", "venv", "--system-site-packages", str(DEHB_VENV)],
                        [str(python), "-m", "pip", "install", "-q", *DEHB_PACKAGES]):
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                return None, f"`{' '.join(command)}` failed: {(done.stderr or done.stdout).strip()[-300:]}"
        marker.write_text(" ".join(DEHB_PACKAGES))
    return python, ""


def run_dehb(problem: Problem, seed: int) -> dict:
    python, why = dehb_python()
    if python is None:
        return {"error": why}
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(HERE)]))
    request = json.dumps({"problem": problem.name, "quick": problem.quick, "seed": seed})
    done = subprocess.run([str(python), str(HERE / "peers" / "dehb_runner.py"), request], capture_output=True,
                          text=True, env=env, timeout=3600)
    if done.returncode != 0:
        return {"error": f"DEHB failed: {done.stderr.strip()[-400:]}"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    log = [(spent, budget, value, Problem.key(unit)) for spent, budget, value, unit in result["log"]]
    return {"log": log, "seconds": result["seconds"]}


def run_unit(task: tuple[str, bool, str, int, str, str]) -> tuple[tuple[str, str, int], dict]:
    """One (problem, method, seed): its log and seconds (runs in a worker process).

    With a ``keep`` folder, the result is also written there as JSON, and read back instead of run
    again if it is there (a run in pieces; the folder belongs to one version of the code).
    """
    name, quick, method, seed, folder, keep = task
    kept = Path(keep, f"{name}{'-quick' if quick else ''}-{method}-{seed}.json") if keep else None
    if kept is not None and kept.exists():
        result = json.loads(kept.read_text())
        if "log" in result:
            result["log"] = [(spent, budget, value, tuple(key)) for spent, budget, value, key in result["log"]]
        return (name, method, seed), result
    result = _run_unit(name, quick, method, seed, folder)
    if kept is not None and "error" not in result:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.with_suffix(".tmp").write_text(json.dumps(result))
        kept.with_suffix(".tmp").replace(kept)
    return (name, method, seed), result


def _run_unit(name: str, quick: bool, method: str, seed: int, folder: str) -> dict:
    problem = Problem(name, quick)
    if method == "dehb":
        result = run_dehb(problem, seed)
    elif method == "optuna-tpe-hyperband":
        from peers import optuna_peer
        log, seconds = optuna_peer.run(problem, seed)
        result = {"log": log, "seconds": seconds}
    else:
        result = run_l2l(problem, method, seed, Path(folder))
        Path(folder, f"{name}-{method}-{seed}-serial.h5").unlink(missing_ok=True)
    return result


def true_values(task: tuple[str, bool, list[tuple]]) -> tuple[str, dict[tuple, float]]:
    """Honest qualities of the candidates ``keys`` of one problem (runs in a worker process)."""
    name, quick, keys = task
    problem = Problem(name, quick)
    return name, {key: problem.true_value(key) for key in keys}


# -- main -----------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small budgets, 3 problems, 2 seeds (< 3 minutes)")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per (problem, method); default 5 (2 quick)")
    parser.add_argument("--problems", default=None, help="comma-separated problem names (default: the six of the "
                        "report; also lsnn-loss, egru-loss: the learning curves optimized on their loss)")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods")
    parser.add_argument("--first-seed", type=int, default=0, help="first seed (report on 0..4; develop on others)")
    parser.add_argument("--seed-list", default="", metavar="S,S,...",
                        help="these seeds instead of --first-seed/--seeds (e.g. 0,1,2,25,26)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at once (serial backend each)")
    parser.add_argument("--keep", default="", help="folder keeping each (problem, method, seed) result as JSON; "
                        "results already there are read instead of run (to run the benchmark in pieces)")
    parser.add_argument("--report-only", action="store_true",
                        help="with --keep: report on the kept results only (methods missing a seed are left out)")
    parser.add_argument("--wall-problem", default="lsnn", help="problem of the 2-worker wall-time runs ('' skips)")
    parser.add_argument("--out", default=None, help="also write the JSON summary to this file")
    parser.add_argument("--fresh-seeds", type=int, default=0, metavar="N",
                        help="learning curves: measure each chosen candidate's honest quality on N fresh seeds "
                        "(default 3, 2 quick; the first seeds are the same, so more seeds measure a superset; with "
                        "--keep the values are kept in a file of their own)")
    parser.add_argument("--model-based-options", default="", metavar="JSON",
                        help="options of the model-based policy other than its defaults, e.g. '{\"early_race\": true}' "
                        "(to compare settings on development seeds; use a --keep folder of its own)")
    parser.add_argument("--truth-fractions", default="", metavar="F,F,...",
                        help="learning curves: measure the honest quality of the choices after these compute "
                        "fractions only (e.g. 1/3,1; default every fraction of the report's grid, whose other "
                        "figures are then left out); for development looks where measuring is most of the cost")
    parser.add_argument("--searcher", default="", metavar="POLICY=OPTIMIZER,...",
                        help="the optimizer proposing candidates to these policies instead of the default (e.g. "
                        "asha=tpe,hyperband=tpe; to compare on development seeds, with a --keep folder of its own)")
    args = parser.parse_args()
    if args.searcher:
        chosen = dict(pair.split("=", 1) for pair in args.searcher.split(",") if "=" in pair)
        wrong = [p for p in chosen if p not in SEARCHER] + [o for o in chosen.values() if o not in ("random", "tpe")]
        if wrong or len(chosen) != len([p for p in args.searcher.split(",") if p]):
            parser.error(f"--searcher: POLICY=OPTIMIZER pairs expected (policies {', '.join(SEARCHER)}; optimizers "
                         f"random, tpe), got {args.searcher!r}")
        os.environ[SEARCHER_OPTIONS] = json.dumps(chosen)
    if args.model_based_options:
        try:
            options = json.loads(args.model_based_options)
        except json.JSONDecodeError as error:
            parser.error(f"--model-based-options: not JSON ({error})")
        if not isinstance(options, dict):
            parser.error("--model-based-options: a JSON object of option names and values is expected")
        from l2l.errors import L2LError
        from l2l.policies import POLICIES
        try:
            POLICIES.create("model-based", options)
        except L2LError as error:
            parser.error(f"--model-based-options: {error}")
        os.environ[MB_OPTIONS] = json.dumps(options)
    truth_fractions = None
    if args.truth_fractions:
        from fractions import Fraction
        try:
            truth_fractions = tuple(float(Fraction(f)) for f in args.truth_fractions.split(",") if f)
        except (ValueError, ZeroDivisionError):
            truth_fractions = ()
        if not truth_fractions or not all(0 < f <= 1 for f in truth_fractions):
            parser.error(f"--truth-fractions: fractions in (0, 1] expected, e.g. 1/3,1; got {args.truth_fractions!r}")
    if args.fresh_seeds < 0 or args.fresh_seeds == 1:
        parser.error(f"--fresh-seeds: 2 or more expected, got {args.fresh_seeds}")
    if args.fresh_seeds:
        os.environ[FRESH_SEEDS_VARIABLE] = str(args.fresh_seeds)
    problems = args.problems.split(",") if args.problems else list(QUICK_PROBLEMS if args.quick else DEFAULT_PROBLEMS)
    unknown = [p for p in problems if p not in SPECS]
    if unknown:
        parser.error(f"unknown problem {unknown[0]!r}; problems: {', '.join(SPECS)}")
    methods = [m for m in args.methods.split(",") if m]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown method {unknown[0]!r}; methods: {', '.join(METHODS)}")
    seeds = list(range(args.first_seed, args.first_seed + (args.seeds if args.seeds else (2 if args.quick else 5))))
    if args.seed_list:
        try:
            seeds = [int(seed) for seed in args.seed_list.split(",")]
        except ValueError:
            parser.error(f"--seed-list: comma-separated whole numbers expected, got {args.seed_list!r}")
        if len(set(seeds)) != len(seeds) or min(seeds) < 0:
            parser.error(f"--seed-list: distinct seeds of 0 or more expected, got {args.seed_list!r}")
    started = time.time()
    load_before = os.getloadavg()
    if "dehb" in methods:
        python, why = dehb_python()
        if python is None:
            print(f"DEHB unavailable, left out: {why}", file=sys.stderr)
            methods.remove("dehb")
    with tempfile.TemporaryDirectory(prefix="l2l-mf-bench-") as folder, \
            ProcessPoolExecutor(max_workers=args.jobs) as pool:
        order = sorted(problems, key=lambda p: Problem(p, args.quick).kind != "learning-curve")
        tasks = [(p, args.quick, m, s, folder, args.keep) for p in order for s in seeds for m in methods]
        results: dict[tuple[str, str, int], dict] = {}
        if args.report_only:
            tasks = [task for task in tasks if Path(args.keep, f"{task[0]}{'-quick' if task[1] else ''}-"
                                                                 f"{task[2]}-{task[3]}.json").exists()]
        for key, result in pool.map(run_unit, tasks):
            results[key] = told_view(Problem(key[0], args.quick), TOLD.get(key[1], (key[1], 1.0))[1], result)
            done = result.get("error") or f"{len(result['log'])} segments, {result['seconds']:.1f} s"
            print(f"  {key[0]:18s} {key[1]:22s} seed {key[2]}: {done}", file=sys.stderr, flush=True)
        wall = wall_runs(args, folder)
        truth = measure(pool, problems, args.quick, results, wall, args.keep, truth_fractions)
        if truth_fractions:  # the choices not measured: no quality (their grid figures are NaN, not made up)
            from peers.mf_report import needed_keys
            for name, keys in needed_keys(problems, args.quick, results, wall).items():
                truth[name].update({key: float("nan") for key in keys if key not in truth[name]})
    summary = report(problems, methods, seeds, args.quick, results, truth, wall,
                     {"seconds": round(time.time() - started, 1), "jobs": args.jobs, "cpus": os.cpu_count(),
                      "load_before": [round(v, 2) for v in load_before],
                      "load_after": [round(v, 2) for v in os.getloadavg()], "python": platform.python_version(),
                      "model_based_options": json.loads(os.environ.get(MB_OPTIONS) or "{}"),
                      "fresh_seeds": args.fresh_seeds or "default",
                      "platform": platform.platform()})
    summary["quality_at_a_third"] = at_a_third(problems, methods, seeds, args.quick, results, truth)
    line = json.dumps(summary, separators=(",", ":"))
    if args.out:
        Path(args.out).write_text(json.dumps(summary, indent=1))
    print(line)


def at_a_third(problems, methods, seeds, quick, results, truth) -> dict:
    """Mean (over seeds) honest quality of each method's chosen candidate after a third of the compute, printed
    beside each method's final mean (the "third of the compute" target compares the first with the references)."""
    from peers.mf_report import chosen, standard_error

    out: dict = {}
    print("\nquality after a third of the compute (mean over seeds) -> at the end:")
    for name in problems:
        problem = Problem(name, quick)
        row = {}
        for method in methods:
            runs = [results.get((name, method, seed), {}) for seed in seeds]
            if not all("log" in run for run in runs):
                continue
            third, final = ([truth[name].get(chosen(problem, run["log"], (fraction,))[0], np.nan) for run in runs]
                            for fraction in (1 / 3, 1.0))
            row[method] = {"third": round(float(np.mean(third)), 4), "third_se": round(standard_error(third), 4),
                           "final": round(float(np.mean(final)), 4)}
        for told, (policy, share) in TOLD.items():  # the same policy told the share, against reading it there
            if told in row and policy in row and abs(share - 1 / 3) < 1e-9:
                pairs = [truth[name].get(chosen(problem, results[(name, told, seed)]["log"], (1.0,))[0], np.nan)
                         - truth[name].get(chosen(problem, results[(name, policy, seed)]["log"], (1 / 3,))[0], np.nan)
                         for seed in seeds]
                row[told]["minus_anytime"] = round(float(np.mean(pairs)), 4)
                row[told]["minus_anytime_se"] = round(standard_error(pairs), 4)
        out[name] = row
        print(f"  {name:18s} " + "  ".join(f"{m} {v['third']:.4f} (SE {v['third_se']:.4f}) -> {v['final']:.4f}"
                                         for m, v in row.items()))
        for told, v in row.items():
            if "minus_anytime" in v:
                print(f"  {'':18s} {told} minus {TOLD[told][0]} read at a third, same seed: "
                      f"{v['minus_anytime']:+.4f} (SE {v['minus_anytime_se']:.4f})")
    return out


WALL_METHODS = ("random", "tpe", "asha", "hyperband", "model-based")


def wall_runs(args, folder: str) -> dict:
    """One seed of a few methods on the ``local`` backend with 2 workers: wall seconds (run alone)."""
    if not args.wall_problem:
        return {}
    problem = Problem(args.wall_problem, args.quick)
    out = {}
    for method in WALL_METHODS:
        result = run_l2l(problem, method, 0, Path(folder), backend={"name": "local", "workers": 2})
        out[method] = result
        print(f"  wall {problem.name} {method}: {result['seconds']:.1f} s on 2 local workers", file=sys.stderr,
              flush=True)
    return {"problem": problem.name, "runs": out}


def measure(pool, problems: list[str], quick: bool, results: dict, wall: dict,
            keep: str = "", fractions: tuple[float, ...] | None = None) -> dict[str, dict[tuple, float]]:
    """True values of every candidate chosen at the points the report reads (in parallel, cached).

    With a ``keep`` folder the values are also kept there (``truth-<problem>.json``: key, value rows) and read
    back, so a report on more seeds measures only the candidates it has not measured before (a candidate's
    honest quality depends on its parameters only: fixed fresh seeds). With ``fractions`` a learning curve's
    choices are measured after those compute fractions only (``--truth-fractions``).
    """
    from peers.mf_report import chosen, needed_keys

    wanted = needed_keys(problems, quick, results, wall)
    if fractions:
        for name in wanted:
            problem = Problem(name, quick)
            if not problem.exact:
                wanted[name] = {key for (n, _, _), result in results.items() if n == name and "log" in result
                                for key in chosen(problem, result["log"], fractions) if key}
    truth: dict[str, dict[tuple, float]] = {name: {} for name in set(problems) | set(wanted)}
    fresh = f"-fresh{os.environ[FRESH_SEEDS_VARIABLE]}" if os.environ.get(FRESH_SEEDS_VARIABLE) else ""
    files = {name: Path(keep, f"truth-{name}{'-quick' if quick else ''}{fresh if SPECS[name].fresh_seeds else ''}.json")
             for name in truth} if keep else {}
    for name, path in files.items():
        if path.exists():
            truth[name].update({tuple(key): value for key, value in json.loads(path.read_text())})
    tasks = []
    for name, keys in wanted.items():
        keys = sorted(k for k in keys if k not in truth[name])
        chunks = max(1, min(len(keys), 8))
        tasks += [(name, quick, keys[i::chunks]) for i in range(chunks) if keys[i::chunks]]
    for name, values in pool.map(true_values, tasks):
        truth[name].update(values)
    for name, path in files.items():
        if truth[name]:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.with_suffix(".tmp").write_text(json.dumps([[list(k), v] for k, v in truth[name].items()]))
            path.with_suffix(".tmp").replace(path)
    return truth


if __name__ == "__main__":
    main()
