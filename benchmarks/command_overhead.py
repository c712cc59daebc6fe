"""What a ``command`` evaluation costs to start: l2l before f315652, l2l now, and its peers.

f315652 made every program of the ``command`` simulator die with the driver (``prctl(PR_SET_PDEATHSIG)``); it did
so through subprocess's ``preexec_fn``, which makes Python fork the whole driver to start each program instead of
``vfork``/``posix_spawn``. l2l now spawns the program and a guard process kills it when the driver dies
(l2l.parent_death). This benchmark measures what a user sees of that: evaluations/s of a run whose program does
nothing but print its result,

* programs: ``echo 1.0`` (a trivial compiled program printing a JSON value) and ``python -c 'print(1.0)'``;
* backends: ``serial`` and ``local`` with 2 workers; optimizer random, ``--population`` x ``--generations``;
  evaluations/s is the steady rate (population / seconds between two generations' ends, generation 1 left out:
  the local cluster's start and the first imports);
* each l2l tree in its own fresh process (``--tree LABEL=PATH``, default: ``before`` = ``git archive f315652^``
  into a temporary folder, ``now`` = this checkout);
* peers of the same work in that process: a plain loop of ``subprocess.run`` of the same program (and two
  threads of that loop, beside ``local``), and Optuna's ``study.optimize`` whose objective calls
  ``subprocess.run`` (``n_jobs`` 1 and 2).

The runs of the trees are interleaved, ``--repeats`` times; the median is printed, with the 1-minute load average.
Targets (``targets_met``, per program and backend): l2l now's evaluations/s is at most 10 % below before
f315652's, and what the guarantee costs an evaluation, l2l now's overhead over the plain loop (1/rate - 1/rate of
the loop) minus before f315652's, is at most 5 ms. (l2l's own overhead over the loop, the evaluation's folder,
``params.json``, the record in the run's file, was 10-25 ms at load 13-14 before f315652 already: a bound of
5 ms on it would measure l2l's bookkeeping, not the start of a program.)

Run: ``python benchmarks/command_overhead.py`` (about 2 minutes on a loaded 2-core machine). The last line is one
JSON object.

``--phases`` says instead where an evaluation's time goes in this checkout (or each ``--tree``), on ``serial``
(``--repeats`` runs of ``--population`` x ``--generations``, each in a fresh process; the phases of the run of
median whole time): per evaluation, in ms, the whole (wall time from the first evaluation's start to the run's end /
evaluations), ``subprocess.run`` of the program (its start and run), the making of its folder, the removal of its
folder (``rmtree``) and of the folders above it left empty (the generation's ``g000001`` and ``<run>.work``, made
again by the next evaluation; since a later change left to the run's end on ``serial``, in the rest of l2l then),
the rest of the simulator's ``evaluate`` (``params.json``, the environment, the result's JSON) and the rest of l2l
(the driver: the optimizer, the rows of the run's file).
The run's file and folders are made in the temporary folder (``TMPDIR``): ``TMPDIR=/dev/shm`` measures them on
tmpfs, where removing a folder costs microseconds, against milliseconds on some disks.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PROGRAMS = {"echo": ["echo", "1.0"], "python": [sys.executable, "-c", "print(1.0)"]}
#: Evaluations per peer measurement, per program.
PEER_COUNT = {"echo": 200, "python": 40}


def load() -> float:
    return round(os.getloadavg()[0], 1)


def child(program: str, backend: str, population: int, generations: int) -> None:
    """Run once in a fresh process whose ``l2l`` is the tree under test; print one JSON line."""
    import l2l

    folder = Path(tempfile.mkdtemp(prefix="command_overhead_"))
    config = l2l.from_mapping({
        "run": {"name": "command_overhead", "seed": 1, "generations": generations},
        "space": {"x": {"low": -1.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": population},
        "simulator": {"name": "command", "argv": PROGRAMS[program]},
        "backend": {"name": backend, "workers": 2} if backend == "local" else {"name": backend}})
    marks: list[float] = []
    l2l.run(config, folder / "run.h5", on_generation=lambda info: marks.append(time.perf_counter()))
    steady = (marks[-1] - marks[0]) / (len(marks) - 1)
    print(json.dumps({"evals_per_s": population / steady, "l2l": str(Path(l2l.__file__).parent)}))


def child_phases(program: str, population: int, generations: int) -> None:
    """One serial run with the command simulator's steps timed; print one JSON line of ms per evaluation."""
    import collections

    import l2l
    from l2l.simulators import command

    spent: dict[str, float] = collections.defaultdict(float)
    first: list[float] = []  # when the first evaluation started: l2l's start and imports are left out
    inside: list[str] = []  # the timed calls under way (one thread: serial)

    def timed(owner, name: str, label: str) -> None:
        function = getattr(owner, name)

        def wrapper(*args, **kwargs):
            if label != "evaluate" and not inside:  # (subprocess.run is the module's: l2l's others are not counted)
                return function(*args, **kwargs)
            started = time.perf_counter()
            first[:] = first or [started]
            inside.append(label)
            try:
                return function(*args, **kwargs)
            finally:
                inside.pop()
                spent[label] += time.perf_counter() - started

        setattr(owner, name, wrapper)

    timed(command.Command, "evaluate", "evaluate")
    timed(command.Command, "_workdir", "make folder")
    timed(command.Command, "_remove_workdir", "remove folders")
    timed(command, "_remove_empty", "remove empty parents")
    timed(command.subprocess, "run", "subprocess.run")
    folder = Path(tempfile.mkdtemp(prefix="command_overhead_"))
    config = l2l.from_mapping({
        "run": {"name": "command_overhead", "seed": 1, "generations": generations},
        "space": {"x": {"low": -1.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": population},
        "simulator": {"name": "command", "argv": PROGRAMS[program]}, "backend": {"name": "serial"}})
    l2l.run(config, folder / "run.h5")
    wall = time.perf_counter() - first[0]
    n = population * generations
    ms = collections.defaultdict(float, {label: 1e3 * value / n for label, value in spent.items()})
    row = {"whole": 1e3 * wall / n, "subprocess.run": ms["subprocess.run"], "make folder": ms["make folder"],
           "remove folder": ms["remove folders"] - ms["remove empty parents"],
           "remove empty parents": ms["remove empty parents"],
           "rest of evaluate": ms["evaluate"] - ms["subprocess.run"] - ms["make folder"] - ms["remove folders"],
           "rest of l2l": 1e3 * wall / n - ms["evaluate"]}
    print(json.dumps(row))


def phases(args, trees: dict[str, Path]) -> None:
    rows = []
    for program in [p for p in args.programs.split(",") if p]:
        runs: dict[str, list[dict]] = {label: [] for label in trees}
        for _ in range(args.repeats):
            for label, tree in trees.items():  # interleaved
                done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child-phases", program,
                                       str(args.population), str(args.generations)], capture_output=True, text=True,
                                      env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tempfile.gettempdir(),
                                      timeout=900, check=False)
                if done.returncode != 0:
                    raise SystemExit(f"l2l in {tree} failed:\n{done.stderr[-3000:]}")
                runs[label].append(json.loads(done.stdout.strip().splitlines()[-1]))
        for label, found in runs.items():
            middle = sorted(found, key=lambda r: r["whole"])[len(found) // 2]  # one run's phases: they add up
            row = {"program": program, "tree": label, "load": load(), **middle}
            rows.append(row)
            print(f"{program:>6} serial {label} load {row['load']:5.1f}, ms per evaluation: " + ", ".join(
                f"{k} {v:.2f}" for k, v in row.items() if k not in ("program", "tree", "load")), flush=True)
    print(json.dumps({"phases": rows, "load": load()}))


def l2l_rate(tree: Path, program: str, backend: str, population: int, generations: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", program, backend,
                           str(population), str(generations)], capture_output=True, text=True, env=env,
                          cwd=tempfile.gettempdir(), timeout=900, check=False)
    if done.returncode != 0:
        raise SystemExit(f"l2l in {tree} failed:\n{done.stderr[-3000:]}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if not answer["l2l"].startswith(str(tree)):
        raise SystemExit(f"imported l2l from {answer['l2l']}, not from {tree}")
    return answer["evals_per_s"]


def plain_rate(program: str, threads: int) -> float:
    argv, n = PROGRAMS[program], PEER_COUNT[program]

    def one(_: int) -> float:
        return float(subprocess.run(argv, capture_output=True, check=True).stdout)

    started = time.perf_counter()
    if threads == 1:
        for i in range(n):
            one(i)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, range(n)))
    return n / (time.perf_counter() - started)


def optuna_rate(program: str, jobs: int) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    argv, n = PROGRAMS[program], PEER_COUNT[program]

    def objective(trial) -> float:
        trial.suggest_float("x", -1.0, 1.0)
        return float(subprocess.run(argv, capture_output=True, check=True).stdout)

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    started = time.perf_counter()
    study.optimize(objective, n_trials=n, n_jobs=jobs)
    return n / (time.perf_counter() - started)


def archive(commit: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tar = subprocess.run(["git", "-C", str(REPO), "archive", commit, "l2l"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=tar.stdout, check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", default=[], metavar="LABEL=PATH",
                        help="an l2l source tree to measure (its folder holds l2l/); default before=f315652^, "
                             "now=this checkout")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--population", type=int, default=20)
    parser.add_argument("--generations", type=int, default=5)
    parser.add_argument("--programs", default="echo,python")
    parser.add_argument("--backends", default="serial,local")
    parser.add_argument("--phases", action="store_true",
                        help="where an evaluation's time goes in this checkout, on serial (see the docstring)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--child-phases", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        program, backend, population, generations = args.child
        child(program, backend, int(population), int(generations))
        return
    if args.child_phases:
        program, population, generations = args.child_phases
        child_phases(program, int(population), int(generations))
        return
    programs = [p for p in args.programs.split(",") if p]
    backends = [b for b in args.backends.split(",") if b]
    for name in programs + backends:
        if name not in PROGRAMS and name not in ("serial", "local"):
            parser.error(f"unknown program or backend {name!r}: programs {sorted(PROGRAMS)}, backends serial, local")
    trees: dict[str, Path] = {}
    for given in args.tree:
        label, _, path = given.partition("=")
        if not path or not (Path(path) / "l2l" / "__init__.py").is_file():
            parser.error(f"--tree {given!r}: give LABEL=PATH, PATH a folder holding l2l/")
        trees[label] = Path(path).resolve()
    if args.phases:
        for name in args.programs.split(","):
            if name and name not in PROGRAMS:
                parser.error(f"unknown program {name!r}: programs {sorted(PROGRAMS)}")
        phases(args, trees or {"now": REPO})
        return
    if not trees:
        scratch = Path(tempfile.mkdtemp(prefix="command_overhead_trees_"))
        trees = {"before": archive("f315652^", scratch / "before"), "now": REPO}
    print(f"trees: {', '.join(f'{k}={v}' for k, v in trees.items())}; population {args.population} x "
          f"{args.generations} generations, {args.repeats} repeats; load {load()}", flush=True)
    rows, met = [], {}
    for program in programs:
        for backend in backends:
            workers = 2 if backend == "local" else 1
            rates: dict[str, list[float]] = {label: [] for label in trees}
            peers: dict[str, list[float]] = {"subprocess loop": [], "optuna": []}
            loads = []
            for _ in range(args.repeats):
                for label, tree in trees.items():
                    rates[label].append(l2l_rate(tree, program, backend, args.population, args.generations))
                peers["subprocess loop"].append(plain_rate(program, workers))
                peers["optuna"].append(optuna_rate(program, workers))
                loads.append(load())
            row = {"program": program, "backend": backend, "load": statistics.median(loads),
                   **{f"l2l {label}": statistics.median(v) for label, v in {**rates}.items()},
                   **{label: statistics.median(v) for label, v in peers.items()}}
            plain_ms = 1e3 / row["subprocess loop"]
            for label in trees:
                row[f"l2l {label} overhead ms"] = 1e3 / row[f"l2l {label}"] - plain_ms
            rows.append(row)
            print(f"{program:>6} {backend:>6} load {row['load']:5.1f}: " + ", ".join(
                f"l2l {label} {row[f'l2l {label}']:7.1f}/s (+{row[f'l2l {label} overhead ms']:.2f} ms)"
                for label in trees) + f"; subprocess loop {row['subprocess loop']:7.1f}/s, "
                f"optuna {row['optuna']:7.1f}/s", flush=True)
            if "now" in trees and "before" in trees:
                met[f"{program}/{backend}"] = bool(
                    row["l2l now"] >= 0.9 * row["l2l before"]
                    and row["l2l now overhead ms"] - row["l2l before overhead ms"] <= 5.0)
    print(json.dumps({"rows": rows, "targets": met, "targets_met": bool(met) and all(met.values()),
                      "load": load()}))


if __name__ == "__main__":
    main()
