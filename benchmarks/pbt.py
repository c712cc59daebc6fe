"""Population-based training benchmark: PBT against ASHA and constant-parameter random search, and Ray Tune.

Tasks whose best parameters may change while the learner learns (all parameters log-scale):

* ``noisy-sgd``: momentum SGD on a noisy quadratic, 200 steps; learning_rate in [1e-3, 0.3], momentum in
  [0.05, 0.95];
* ``spore``: reward-based synaptic sampling learning 2-D reaching for 150 s; temperature in [0.01, 100],
  learning_rate in [1e-4, 3e-3];
* ``egru``: an event-based GRU learning the noisy spiral task (input noise 1.0; BPTT rule, 384 training
  trials); learning_rate in [3e-3, 0.3];
* ``digits``: a tanh network (32 hidden units) learning scikit-learn's handwritten digits by plain SGD on
  one image per step, 400 steps (``noisy-sgd`` with ``task = "digits"``); held-out cross-entropy;
  learning_rate in [0.01, 1].

Methods, with the same compute (fidelity units: population x top budget) and the same run seeds (0..4):
``pbt`` (population 8, 10 intervals, 8 for egru; fraction 0.25, factors 0.8/1.2, resample probability 0.25,
synchronous; random first population), ``asha`` (eta 3, lowest rung a 27th of the top budget, random
candidates) and ``random`` (8 random constant-parameter learners trained to the top budget); l2l's public
API, backend ``serial``.

Honest quality: the chosen learner of a run (the best at the top budget) is trained again on fresh seeds no
run used (10000, 10001, ...): PBT's by replaying its whole schedule (``l2l.lineage``: ``run_to`` piece by
piece with the parameters in force, passing the checkpoint along), the others' constant parameters from
scratch to the top budget. A run's figure is the mean over the fresh seeds; the table shows mean ± std and
min..max over run seeds, and in how many run seeds PBT was better.

Side by side on noisy-sgd: Ray Tune's PopulationBasedTraining (peers/ray_pbt.py, in its own venv
benchmarks/.venvs/ray, created on first use) with the same population, interval, quantile fraction,
perturbation factors, resample probability and synchronous decisions, the same simulator through ``run_to``
in a function trainable with checkpoints, one CPU (as l2l's serial backend). Its chosen learners are replayed
on the same fresh seeds. Framework overhead: wall seconds beyond the simulator's own time, per segment.

    nice -n 10 python benchmarks/pbt.py [--figures]     # about 30 minutes on a loaded 2-core machine
    python benchmarks/pbt.py --quick                      # a few minutes: 2 seeds, short spore, 1 Ray seed

``--figures`` also writes docs/img/pbt_*.png (lineage and schedules of the seed-0 PBT runs). ``--oracle``
instead measures whether a task has a schedule to find: constant parameters on a grid against falling
schedules, on seeds 20000+ (no search involved); as the same seeds pick the best constant and score it,
``--fresh-seeds`` trains the stored picks (``--oracle-file``, default benchmarks/results/pbt_oracle.json) again
on seeds 30000+ with per-seed paired differences, schedule minus constant.
The last line printed is one JSON object with the figures and ``targets_met``.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import l2l  # noqa: E402
from l2l.simulators import SIMULATORS  # noqa: E402

RAY_VENV = HERE / ".venvs" / "ray"
METHODS = ("pbt", "asha", "random")
EXPLORE = ["perturb"]  # PBT's explore (--explore)
FRESH = 10_000


@dataclass
class Task:
    name: str
    simulator: dict
    space: dict  # name -> (low, high), log scale
    objective: str
    sign: float  # +1: maximize, -1: minimize
    max_budget: float
    intervals: int = 10
    population: int = 8
    integer: bool = True
    settings: dict = field(default_factory=dict)

    @property
    def interval(self) -> float:
        return self.max_budget / self.intervals

    @property
    def compute(self) -> float:
        return self.population * self.max_budget

    def asha_min_budget(self) -> float:
        low = self.max_budget / 27
        return float(max(1, round(low))) if self.integer else low

    def make(self):
        options = {k: v for k, v in self.simulator.items() if k != "name"}
        return SIMULATORS.create(self.simulator["name"], options)


def tasks(quick: bool) -> list[Task]:
    duration = 60.0 if quick else 150.0
    return [
        Task("noisy-sgd", {"name": "noisy-sgd", "max_budget": 200},
             {"learning_rate": (1e-3, 0.3), "momentum": (0.05, 0.95)}, "loss", -1.0, 200),
        Task("spore", {"name": "spore", "duration": duration, "min_budget": duration / 30},
             {"temperature": (0.01, 100.0), "learning_rate": (1e-4, 3e-3)}, "reward", 1.0, duration, integer=False),
        Task("egru", {"name": "egru", "task": "spiral", "noise": 1.0, "rule": "bptt", "trials": 384,
                      "test_trials": 256},
             {"learning_rate": (3e-3, 0.3)}, "test_error", -1.0, 384, intervals=8),
        Task("digits", {"name": "noisy-sgd", "task": "digits", "max_budget": 400, "hidden": 32, "batch_size": 1},
             {"learning_rate": (0.01, 1.0)}, "loss", -1.0, 400),
    ]


# -- l2l runs ------------------------------------------------------------------------------------------------
def config(task: Task, method: str, seed: int) -> dict:
    space = {name: {"type": "float", "low": low, "high": high, "log": True} for name, (low, high) in task.space.items()}
    mapping = {"run": {"name": f"{task.name}-{method}-{seed}", "seed": seed}, "space": space,
               "simulator": task.simulator, "backend": {"name": "serial"},
               "objectives": [{"name": task.objective, "direction": "maximize" if task.sign > 0 else "minimize"}]}
    if method == "random":
        mapping["optimizer"] = {"name": "random", "population_size": task.population}
        mapping["run"]["generations"] = 1
        return mapping
    mapping["optimizer"] = {"name": "random"}
    if method == "pbt":
        mapping["policy"] = {"name": "pbt", "population": task.population, "interval": task.interval,
                             "max_budget": task.max_budget, "fraction": 0.25, "resample_probability": 0.25,
                             "synchronous": True, "explore": EXPLORE[0]}  # factors: the default [0.8, 1.2]
    else:
        mapping["policy"] = {"name": "asha", "eta": 3, "min_budget": task.asha_min_budget(),
                             "max_budget": task.max_budget}
    mapping["run"]["compute"] = task.compute
    return mapping


def run_method(task: Task, method: str, seed: int, folder: Path) -> dict:
    """One run; its chosen learner as a schedule [(from, to, params), ...] and what it cost."""
    path = folder / f"{task.name}-{method}-{seed}.h5"
    started = time.perf_counter()
    l2l.run(l2l.from_mapping(config(task, method, seed), base_dir=folder), path)
    wall = time.perf_counter() - started
    names = list(task.space)
    if method == "random":
        rows = l2l.load(path)
        best = rows.loc[(task.sign * rows[task.objective]).idxmax()]
        schedule = [(0.0, task.max_budget, {n: float(best[n]) for n in names})]
        return {"path": path, "wall": wall, "schedule": schedule, "train": float(best[task.objective]),
                "compute": task.compute, "segments": len(rows), "simulator_seconds": float(rows["duration"].sum())}
    segments = l2l.load(path, segments=True)
    ok = segments[segments["status"] == "ok"]
    top = ok[np.isclose(ok["budget"], task.max_budget)]
    compute = float((segments["budget"] - segments["from_budget"]).sum())
    out = {"path": path, "wall": wall, "compute": compute, "segments": len(segments),
           "simulator_seconds": float(segments["duration"].sum())}
    if method == "asha":
        best = top.loc[(task.sign * top[task.objective]).idxmax()]
        return {**out, "schedule": [(0.0, task.max_budget, {n: float(best[n]) for n in names})],
                "train": float(best[task.objective])}
    history = l2l.lineage(path)
    finals = history.groupby("member")[task.objective].last()
    member = int((task.sign * finals).idxmax())
    pieces = history[history["member"] == member]
    schedule = [(float(r["from_budget"]), float(r["budget"]), {n: float(r[n]) for n in names})
                for _, r in pieces.iterrows()]
    return {**out, "schedule": schedule, "train": float(finals[member])}


def replay(task: Task, simulator, schedule: list, seed: int) -> float:
    """The learner of ``schedule`` trained again with ``seed``: run_to piece by piece, checkpoint passed on."""
    checkpoint, result = None, None
    for _, budget, params in schedule:
        result = simulator.run_to(params, seed, budget, checkpoint)
        checkpoint = result.checkpoint
    return float(result.objectives[task.objective])


def fresh_quality(task: Task, simulator, schedule: list, fresh: int) -> float:
    return float(np.mean([replay(task, simulator, schedule, FRESH + k) for k in range(fresh)]))


# -- Ray Tune ------------------------------------------------------------------------------------------------
def ray_python() -> Path | None:
    python = RAY_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {RAY_VENV} (pip install 'ray[tune]'), once", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(RAY_VENV)], check=True)
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", "ray[tune]", "numpy"])
        if done.returncode != 0:
            return None
    return python


def ray_peer(task: Task, seeds: list[int]) -> list[dict]:
    python = ray_python()
    if python is None:
        return []
    spec = {"seeds": seeds, "population": task.population, "interval": task.interval,
            "max_budget": task.max_budget, "fraction": 0.25, "resample_probability": 0.25, "factors": [0.8, 1.2],
            "cpus": 1, "objective": task.objective, "sign": task.sign, "simulator": task.simulator,
            "space": {n: {"low": low, "high": high} for n, (low, high) in task.space.items()}}
    done = subprocess.run([str(python), str(HERE / "peers" / "ray_pbt.py")], input=json.dumps(spec),
                          capture_output=True, text=True, env={**os.environ, "RAY_DEDUP_LOGS": "0"})
    runs = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or len(runs) != len(seeds):
        print(f"ray peer failed ({done.returncode}): {done.stderr[-2000:]}", flush=True)
    for run in runs:
        best = max(run["finals"], key=lambda f: task.sign * f["value"])
        run["schedule"] = [(float(a), float(b), p) for a, b, p in best["schedule"]]
        run["train"] = best["value"]
    return runs


# -- is there a schedule to find? ------------------------------------------------------------------------------
def oracle_grids(task: Task) -> list[np.ndarray]:
    """Per parameter 4 log-spaced values inside the space (its ends left out)."""
    return [np.geomspace(low, high, 6)[1:-1] for low, high in task.space.values()]


def falling_schedules(task: Task, best: dict) -> dict[str, list]:
    """The oracle's falling schedules through the constant point ``best``, by label (see ``oracle``).

    A function of ``best`` and the task alone, so that ``--fresh-seeds`` rebuilds exactly the schedules the
    stored grid search evaluated from the stored best point.
    """
    names = list(task.space)
    low, high = task.space[names[0]]
    top = float(oracle_grids(task)[0][-1])
    out = {}
    for label, start, end in ((f"{names[0]} x3 -> /3", best[names[0]] * 3, best[names[0]] / 3),
                              (f"{names[0]} x10 -> /10", best[names[0]] * 10, best[names[0]] / 10),
                              (f"{names[0]} {top:.4g} -> best", top, best[names[0]])):
        pieces = []
        for i in range(task.intervals):
            value = start * (end / start) ** (i / (task.intervals - 1))
            params = {**best, names[0]: float(np.clip(value, low, high))}
            pieces.append((i * task.interval, (i + 1) * task.interval, params))
        out[label] = pieces
    return out


def oracle(task: Task, fresh: int) -> dict:
    """Constant parameters on a grid (4 log-spaced values each) against falling schedules, on seeds 20000+.

    The schedules take the best constant point and let its first parameter fall geometrically over the
    intervals, from 3x to 1/3x and from 10x to 1/10x of its value, and from the grid's highest value down
    to it (clipped to the space). Tells whether a task has a schedule that beats every constant at all,
    independently of any search.
    """
    simulator = task.make()
    names = list(task.space)
    grids = oracle_grids(task)
    seeds = [2 * FRESH + k for k in range(fresh)]

    def quality(schedule: list) -> float:
        return float(np.mean([replay(task, simulator, schedule, s) for s in seeds]))

    constants = {}
    for point in np.array(np.meshgrid(*grids, indexing="ij")).reshape(len(names), -1).T:
        params = dict(zip(names, map(float, point)))
        constants[json.dumps({k: float(f"{v:.4g}") for k, v in params.items()})] = \
            quality([(0.0, task.max_budget, params)])
    best_key = max(constants, key=lambda k: task.sign * constants[k])
    best = json.loads(best_key)
    falling = {label: quality(pieces) for label, pieces in falling_schedules(task, best).items()}
    print(f"{task.name:9s} best constant {best_key}: {constants[best_key]:.4f}; falling: "
          + ", ".join(f"{k} {v:.4f}" for k, v in falling.items()), flush=True)
    return {"best_constant": best, "best_constant_quality": constants[best_key], "falling": falling,
            "grid": constants, "seeds": seeds}


def oracle_fresh(task: Task, stored: dict, seeds: list[int]) -> dict:
    """The stored oracle's picks (best constant, every falling schedule) trained again on ``seeds``.

    The grid search chose its best constant on seeds 20000+, and reported it and the schedules built
    through it on those same seeds, so the constant's figure carries the winner's luck. Here neither is
    chosen again: both are replayed on seeds no selection saw. Per column mean, std and min..max over
    the seeds; per schedule the paired difference schedule minus constant on each seed and in how many
    seeds the schedule was better (lower loss or error, higher reward).
    """
    simulator = task.make()
    best = stored["best_constant"]
    # the grid search scored the exact grid point and stored it rounded to 4 digits; its schedules were
    # built from the rounded point
    exact = {name: float(min(grid, key=lambda g: abs(g - best[name])))
             for name, grid in zip(task.space, oracle_grids(task))}
    columns = {"constant": [(0.0, task.max_budget, exact)], **falling_schedules(task, best)}
    if set(columns) - {"constant"} != set(stored["falling"]):
        raise ValueError(f"{task.name}: the stored oracle's schedules {sorted(stored['falling'])} are not "
                         f"the ones this script builds {sorted(set(columns) - {'constant'})}")
    per_seed = {label: [replay(task, simulator, pieces, s) for s in seeds] for label, pieces in columns.items()}
    constant = np.array(per_seed["constant"])
    out = {"best_constant": best, "seeds": seeds, "selection_seeds": stored["seeds"],
           "constant": {"fresh": spread(constant), "at_selection": stored["best_constant_quality"]},
           "falling": {}}
    for label in stored["falling"]:
        values = np.array(per_seed[label])
        difference = values - constant
        out["falling"][label] = {"fresh": spread(values), "at_selection": stored["falling"][label],
                                 "difference": spread(difference),
                                 "better_in": int(np.sum(task.sign * difference > 0)), "of": len(seeds)}
    print(f"{task.name:9s} constant {describe(out['constant']['fresh'])}; "
          + "; ".join(f"{k} {describe(v['fresh'])} (diff {v['difference']['mean']:+.4f}, "
                      f"better in {v['better_in']}/{v['of']})" for k, v in out["falling"].items()), flush=True)
    return out


# -- report --------------------------------------------------------------------------------------------------
def spread(values) -> dict:
    v = np.asarray(values, dtype=float)
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
            "min": float(v.min()), "max": float(v.max()), "per_seed": [round(float(x), 5) for x in v]}


def describe(s: dict) -> str:
    return f"{s['mean']:.4f} ± {s['std']:.4f} [{s['min']:.4f}..{s['max']:.4f}]"


def schedule_summary(task: Task, schedules: list[list]) -> dict:
    """Per parameter: the chosen learners' values per piece (geometric mean over seeds), and how many fell."""
    out = {}
    for name in task.space:
        values = np.array([[p[name] for _, _, p in s] for s in schedules if len(s) == len(schedules[0])])
        out[name] = {"budgets": [s[1] for s in schedules[0]],
                     "geometric_mean": [float(f"{v:.4g}") for v in np.exp(np.log(values).mean(axis=0))],
                     "fell": int(sum(v[-1] < v[0] * 0.999 for v in values)),
                     "rose": int(sum(v[-1] > v[0] * 1.001 for v in values)), "of": len(values)}
    return out


def save_figures(path: Path, task: Task) -> list[str]:
    from l2l.plot import figure, save

    written = []
    for kind in ("lineage", "schedules"):
        target = ROOT / "docs" / "img" / f"pbt_{task.name.replace('-', '_')}_{kind}.png"
        save(figure(path, kind), target, dpi=100)
        written.append(str(target.relative_to(ROOT)))
    return written


def fail(problem: str) -> None:
    """Bad input: one ``l2l: error:`` line and exit status 2, before anything is computed."""
    print(f"l2l: error: {problem}", file=sys.stderr)
    raise SystemExit(2)


def read_oracle(path: Path, chosen: list[Task], quick: bool) -> dict:
    """The stored ``--oracle`` output (its last line), or ``fail``."""
    try:
        stored = json.loads(path.read_text().strip().splitlines()[-1])
    except (OSError, IndexError, ValueError) as error:
        fail(f"cannot read the stored oracle {path}: {error}")
    if not isinstance(stored, dict) or stored.get("benchmark") != "pbt-oracle":
        fail(f"{path} is not the output of benchmarks/pbt.py --oracle")
    if stored.get("quick") != quick:
        fail(f"{path} was written {'with' if stored.get('quick') else 'without'} --quick, this run is "
             f"{'with' if quick else 'without'} it (other task settings)")
    absent = [t.name for t in chosen if t.name not in stored.get("results", {})]
    if absent:
        fail(f"{path} has no oracle for {', '.join(absent)}")
    return stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds, 3 fresh seeds, short spore, 1 Ray seed")
    parser.add_argument("--figures", action="store_true", help="write docs/img/pbt_*.png from the seed-0 runs")
    parser.add_argument("--tasks", default="", help="comma-separated subset of the tasks")
    parser.add_argument("--no-ray", action="store_true", help="skip Ray Tune")
    parser.add_argument("--seeds", type=int, default=0, help="run seeds 0..N-1 (default 5; --quick: 2)")
    parser.add_argument("--oracle", action="store_true", help="only: constant grid against falling schedules")
    parser.add_argument("--fresh-seeds", action="store_true",
                        help="only: the stored oracle's picks (--oracle-file) on fresh seeds 30000+, no grid search")
    parser.add_argument("--fresh-count", type=int, default=0,
                        help="--fresh-seeds: how many fresh seeds (default 5; --quick: 3)")
    parser.add_argument("--oracle-file", type=Path, default=HERE / "results" / "pbt_oracle.json",
                        help="the --oracle output whose picks --fresh-seeds evaluates again")
    parser.add_argument("--explore", default="perturb", choices=("perturb", "resample", "pb2"),
                        help="PBT's explore (default perturb; pb2: a Gaussian process picks the parameters)")
    args = parser.parse_args()
    EXPLORE[0] = args.explore
    seeds = list(range(args.seeds or (2 if args.quick else 5)))
    fresh = 3 if args.quick else 5
    asked = [name.strip() for name in args.tasks.split(",") if name.strip()]
    known = [t.name for t in tasks(args.quick)]
    unknown = [name for name in asked if name not in known]
    if unknown:  # before, an unknown name was left out silently and the run measured fewer tasks than asked
        fail(f"--tasks: unknown task{'s' * (len(unknown) > 1)} {', '.join(map(repr, unknown))}; "
             f"known: {', '.join(known)}")
    chosen = [t for t in tasks(args.quick) if not asked or t.name in asked]
    if args.fresh_seeds:
        stored = read_oracle(args.oracle_file, chosen, args.quick)
        if args.fresh_count < 0:
            fail(f"--fresh-count: 1 or more fresh seeds expected, got {args.fresh_count}")
        fresh_seeds = [3 * FRESH + k for k in range(args.fresh_count or fresh)]
        started = time.perf_counter()
        found = {task.name: oracle_fresh(task, stored["results"][task.name], fresh_seeds) for task in chosen}
        print(json.dumps({"benchmark": "pbt-oracle-fresh", "quick": args.quick, "oracle_file": str(args.oracle_file),
                          "seeds": fresh_seeds, "cpu_s": round(time.process_time(), 1),
                          "wall_s": round(time.perf_counter() - started, 1), "results": found}))
        return
    if args.oracle:
        found = {task.name: oracle(task, fresh) for task in chosen}
        print(json.dumps({"benchmark": "pbt-oracle", "quick": args.quick, "results": found}))
        return
    load_start = os.getloadavg()
    results, figures, started = {}, [], time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for task in chosen:
            simulator = task.make()
            per = {m: {"fresh": [], "train": [], "wall": [], "compute": [], "overhead": []} for m in METHODS}
            schedules = []
            for seed in seeds:
                for method in METHODS:
                    run = run_method(task, method, seed, folder)
                    quality = fresh_quality(task, simulator, run["schedule"], fresh)
                    row = per[method]
                    row["fresh"].append(quality)
                    row["train"].append(run["train"])
                    row["wall"].append(run["wall"])
                    row["compute"].append(run["compute"])
                    row["overhead"].append((run["wall"] - run["simulator_seconds"]) / run["segments"])
                    if method == "pbt":
                        schedules.append(run["schedule"])
                        if args.figures and seed == 0:
                            figures += save_figures(run["path"], task)
                    print(f"{task.name:9s} seed {seed} {method:6s} train {run['train']:.4f} fresh {quality:.4f} "
                          f"compute {run['compute']:.0f} wall {run['wall']:.1f} s", flush=True)
            summary = {m: {"fresh": spread(per[m]["fresh"]), "train": spread(per[m]["train"]),
                           "compute": float(np.mean(per[m]["compute"])), "wall": spread(per[m]["wall"]),
                           "overhead_per_segment": spread(per[m]["overhead"])} for m in METHODS}
            pbt = np.asarray(per["pbt"]["fresh"]) * task.sign
            for m in ("asha", "random"):
                other = np.asarray(per[m]["fresh"]) * task.sign
                summary[m]["pbt_better_seeds"] = int((pbt > other).sum())
                summary[m]["pbt_beats"] = bool(pbt.mean() > other.mean() and (pbt > other).sum() > len(seeds) / 2)
            summary["schedules"] = schedule_summary(task, schedules)
            if task.name == "noisy-sgd" and not args.no_ray:
                summary["ray"] = compare_ray(task, seeds[:1] if args.quick and not args.seeds else seeds, per,
                                             simulator, fresh)
            results[task.name] = summary
    load_end = os.getloadavg()
    print_table(results, seeds, fresh)
    won = [name for name, s in results.items() if s["asha"]["pbt_beats"] and s["random"]["pbt_beats"]]
    ray = results.get("noisy-sgd", {}).get("ray", {})
    targets = {"pbt_beats_asha_and_random_on_two_tasks": len(won) >= 2,
               "ray_quality_within_noise": bool(ray.get("quality_within_noise")),
               "lower_overhead_than_ray": bool(ray.get("lower_overhead"))}
    print(json.dumps({"benchmark": "pbt", "quick": args.quick, "explore": args.explore, "seeds": seeds,
                      "fresh_seeds": fresh,
                      "tasks_pbt_wins": won, "results": results, "figures": figures,
                      "load_average": {"start": load_start, "end": load_end}, "cpus": os.cpu_count(),
                      "seconds": round(time.perf_counter() - started, 1), "targets": targets,
                      "targets_met": all(targets.values())}))


def compare_ray(task: Task, seeds: list[int], per: dict, simulator, fresh: int) -> dict:
    runs = ray_peer(task, seeds)
    if not runs:
        return {"error": "Ray Tune did not run"}
    quality = [fresh_quality(task, simulator, r["schedule"], fresh) for r in runs]
    ours = np.asarray(per["pbt"]["fresh"][:len(runs)])
    theirs = np.asarray(quality)
    noise = 2 * np.sqrt(ours.var(ddof=1) / len(ours) + theirs.var(ddof=1) / len(theirs)) if len(runs) > 1 else 0.0
    overhead = [(r["fit_seconds"] - r["simulator_seconds"]) / r["segments"] for r in runs]
    ours_overhead = per["pbt"]["overhead"][:len(runs)]
    for r, q in zip(runs, quality):
        print(f"ray-tune  seed {r['seed']} pbt    train {r['train']:.4f} fresh {q:.4f} segments {r['segments']} "
              f"fit {r['fit_seconds']:.1f} s (ray.init {r['init_seconds']:.1f} s)", flush=True)
    return {"fresh": spread(quality), "train": spread([r["train"] for r in runs]),
            "difference_l2l_minus_ray": float(ours.mean() - theirs.mean()), "noise_2se": float(noise),
            "quality_within_noise": bool(task.sign * (ours.mean() - theirs.mean()) >= -noise),
            "overhead_per_segment": spread(overhead), "l2l_overhead_per_segment": spread(ours_overhead),
            "init_seconds": spread([r["init_seconds"] for r in runs]),
            "segments": [r["segments"] for r in runs],
            "lower_overhead": bool(np.mean(ours_overhead) < np.mean(overhead)),
            "schedules": schedule_summary(task, [r["schedule"] for r in runs])}


def print_table(results: dict, seeds: list[int], fresh: int) -> None:
    print(f"\nquality of the chosen learner on {fresh} fresh seeds, mean ± std [min..max] over run seeds {seeds}")
    print(f"{'task':10s} {'method':9s} {'fresh seeds':34s} {'at selection':34s} {'compute':>8s} "
          f"{'PBT better':>10s}")
    for name, s in results.items():
        for m in (*METHODS, "ray"):
            if m not in s or "fresh" not in s[m]:
                continue
            better = "" if m in ("pbt", "ray") else f"{s[m]['pbt_better_seeds']}/{len(seeds)}"
            compute = f"{s[m].get('compute', float('nan')):8.0f}"
            print(f"{name:10s} {m:9s} {describe(s[m]['fresh']):34s} {describe(s[m]['train']):34s} {compute} "
                  f"{better:>10s}")
        for param, info in s["schedules"].items():
            print(f"  PBT's chosen {param}: {info['geometric_mean']} (fell in {info['fell']}/{info['of']})")
        if "ray" in s and "overhead_per_segment" in s["ray"]:
            r = s["ray"]
            print(f"  overhead per segment: l2l {describe(r['l2l_overhead_per_segment'])} s, "
                  f"Ray Tune {describe(r['overhead_per_segment'])} s (+ ray.init {r['init_seconds']['mean']:.1f} s)")


if __name__ == "__main__":
    main()
