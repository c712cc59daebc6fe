"""The framework's own overhead, side by side with Optuna's ask/tell loop and naive Dask.

1. A no-op simulator, population 1,000, 10 generations, GA, local Dask with 2
   workers, HDF5 writing on: l2l's evaluations/s per generation (steady) and
   for the whole call, the embedded cluster's start-up included (the first run
   of the benchmark's process: imports, worker start), against (a) Optuna's
   in-memory ask/tell loop with RandomSampler on the same 10-D space and
   count, and (b) a naive Dask ``client.map`` with one task per evaluation.
   Targets: >= 5,000 evaluations/s steady and with start-up, >= 3x (a),
   >= 10x (b).
2. Start-up in the user's time: a fresh Python process runs one generation of
   that GA on the ``local`` backend, and another on the ``serial`` backend
   (no cluster); the time from the process's start to its first result,
   local minus serial, is what the cluster costs the user. Target < 0.5 s.
3. A simulator that sleeps 20 ms, 400 evaluations on 2 workers, in one batch
   and as a GA of 4 generations x 100: parallel efficiency (ideal time / wall
   time from the first evaluation's start to the last one's end), median of
   ``--repeats`` runs. Targets >= 0.95 (batch) and >= 0.97 (GA).
4. The outer loop's resident memory at generation 10 and 100 of a long no-op
   run: it must stay flat.

Every figure is printed with the 1-minute load average measured beside it:
on a loaded machine compare l2l with the peers measured in the same run.

Run: ``python benchmarks/overhead.py`` (about a minute on a quiet 2-core
machine), or one part: ``--only throughput,startup,barrier,memory``. The last
line is one JSON object.
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
from pathlib import Path

import numpy as np

import l2l

SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [10]}}
PARTS = ("throughput", "startup", "barrier", "memory")


def load() -> float:
    return round(os.getloadavg()[0], 1)


def config(generations: int, population: int, simulator: dict, workers: int = 2,
           backend: str = "local") -> l2l.RunConfig:
    return l2l.from_mapping({
        "run": {"name": "overhead", "seed": 1, "generations": generations},
        "space": SPACE, "optimizer": {"name": "ga", "population_size": population},
        "simulator": simulator,
        "backend": {"name": backend, "workers": workers} if backend == "local" else {"name": backend}})


def l2l_throughput(folder: Path) -> dict:
    marks: list[float] = []
    started = time.perf_counter()
    l2l.run(config(10, 1000, {"name": "noop"}), folder / "noop.h5",
            on_generation=lambda info: marks.append(time.perf_counter()))
    total = time.perf_counter() - started
    evaluations = len(l2l.load(folder / "noop.h5"))
    # steady: generations 2..10, after the cluster started and the simulator reached the workers
    steady = (marks[-1] - marks[0]) / (len(marks) - 1)
    return {"evaluations": evaluations, "total_s": total, "load": load(),
            "evals_per_s_total": evaluations / total, "evals_per_s_steady": 1000 / steady}


def optuna_throughput(n: int) -> float:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    distributions = {f"x{i}": optuna.distributions.FloatDistribution(-5.0, 5.0) for i in range(10)}
    started = time.perf_counter()
    for _ in range(n):
        trial = study.ask(distributions)
        study.tell(trial, 0.0)
    return n / (time.perf_counter() - started)


def _noop(params):
    return 0.0


def dask_map_throughput(n: int) -> float:
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0", host="127.0.0.1") as cluster, \
            Client(cluster) as client:
        client.submit(_noop, None).result()
        rng = np.random.default_rng(1)
        params = [{"x": rng.uniform(-5, 5, 10)} for _ in range(n)]
        started = time.perf_counter()
        futures = client.map(_noop, params, pure=False)
        client.gather(futures)
        return n / (time.perf_counter() - started)


FIRST_RESULT = """
import time
t0 = time.time()
import sys
sys.path.insert(0, {here!r})
import l2l
from overhead import config
path = l2l.run(config(1, 1000, {{"name": "noop"}}, backend={backend!r}), {out!r})
frame = l2l.load(path)
end = frame["started"].astype("int64").to_numpy() / 1e9 + frame["duration"].to_numpy()
print(end.min() - t0, time.time() - t0)
"""


def first_result(folder: Path, backend: str, index: int) -> tuple[float, float]:
    """(seconds from a fresh process's start to its first result, to the end of l2l.run)."""
    script = FIRST_RESULT.format(here=str(Path(__file__).resolve().parent), backend=backend,
                                 out=str(folder / f"first-{backend}-{index}.h5"))
    # a script file (not -c), as users run them: the workers re-import the main module
    source = folder / f"first_{backend}_{index}.py"
    source.write_text("if __name__ == '__main__':\n" + "".join(f"    {line}\n" for line in script.splitlines()))
    done = subprocess.run([sys.executable, str(source)], capture_output=True, text=True, timeout=600, check=True)
    first, total = (float(v) for v in done.stdout.split()[-2:])
    return first, total


def compile_bytecode() -> bool:
    """Compile l2l's modules to bytecode first, as an installed package has them (pip compiles at install,
    Python on first import): where PYTHONDONTWRITEBYTECODE is set (this development machine) a module edited
    since its last compilation is compiled again in every fresh process, and the start-up figures measured
    the compiler. True if it ran."""
    import compileall

    return bool(compileall.compile_dir(str(Path(l2l.__file__).parent), quiet=1))


def startup(folder: Path, repeats: int) -> dict:
    compile_bytecode()
    local, serial, loads = [], [], []
    for index in range(repeats):  # alternated, so that both see the same load
        local.append(first_result(folder, "local", index))
        serial.append(first_result(folder, "serial", index))
        loads.append(load())
    local_first = statistics.median(f for f, _ in local)
    serial_first = statistics.median(f for f, _ in serial)
    return {"local_first_s": local_first, "serial_first_s": serial_first,
            "local_total_s": statistics.median(t for _, t in local),
            "serial_total_s": statistics.median(t for _, t in serial),
            "cluster_user_s": local_first - serial_first, "load": max(loads)}


def idle_anatomy(generation: np.ndarray, individual: np.ndarray, started: np.ndarray, ended: np.ndarray,
                 workers: int = 2) -> dict[str, float]:
    """Where the workers' idle time (worker-seconds) goes, from the rows alone.

    A chunk is a run of consecutive individuals each starting within 5 ms of
    the previous one's end; chunks are put back on workers in start order.
    ``first``: a generation's later workers starting after its first one;
    ``between_chunks``: a worker waiting for its next chunk (Dask's round trip);
    ``tail``: workers done before a generation's last one; ``between_generations``:
    from a generation's last end to the next one's first start (tell, commit, ask, submit), times the workers;
    ``chunks``: the chunks' sizes, generation by generation.
    """
    out = {"first": 0.0, "between_chunks": 0.0, "tail": 0.0, "between_generations": 0.0}
    sizes: list[list[int]] = []  # the chunks' sizes, generation by generation
    last_end = None
    for g in np.unique(generation):
        rows = np.flatnonzero(generation == g)
        rows = rows[np.argsort(individual[rows])]
        chunks, current = [], [rows[0]]
        for a, b in zip(rows[:-1], rows[1:]):
            if 0 <= started[b] - ended[a] < 0.005:
                current.append(b)
            else:
                chunks.append(current)
                current = [b]
        chunks.append(current)
        sizes.append([len(c) for c in chunks])
        spans = sorted((started[c[0]], ended[c[-1]]) for c in chunks)
        first = spans[0][0]
        if last_end is not None:
            out["between_generations"] += workers * (first - last_end)
        free: list[float] = []  # when each worker finished its last chunk
        for start, end in spans:
            if len(free) < workers:
                out["first"] += start - first
                free.append(end)
                continue
            k = int(np.argmin(free))
            out["between_chunks"] += max(0.0, start - free[k])
            free[k] = end
        last_end = max(free)
        out["tail"] += sum(last_end - f for f in free)
    return {**{k: round(float(v), 3) for k, v in out.items()}, "chunks": sizes}


def parallel_efficiency(folder: Path, generations: int, population: int, index: int = 0) -> dict:
    """Wall time from the first evaluation's start to the last one's end, against the ideal."""
    path = folder / f"sleep-{generations}x{population}-{index}.h5"
    l2l.run(config(generations, population, {"name": "sleep", "median": 0.02}), path)
    frame = l2l.load(path)
    started = frame["started"].astype("int64").to_numpy() / 1e9
    ended = started + frame["duration"].to_numpy()
    generation = frame["generation"].to_numpy()
    wall = ended.max() - started.min()
    ideal = len(frame) * 0.02 / 2
    # where the rest goes: the evaluations' own time beyond 20 ms, and the pauses between generations
    gaps = [started[generation == g + 1].min() - ended[generation == g].max() for g in range(generations - 1)]
    idle = idle_anatomy(generation, frame["individual"].to_numpy(), started, ended)
    return {"evaluations": len(frame), "ideal_s": ideal, "wall_s": wall, "efficiency": ideal / wall,
            "busy_efficiency": frame["duration"].sum() / 2 / wall, "idle": idle,
            "overshoot": round(float(frame["duration"].sum() - len(frame) * 0.02), 3),
            "gaps_ms": [round(float(g) * 1e3, 1) for g in gaps], "load": load()}


def efficiency(folder: Path, generations: int, population: int, repeats: int) -> dict:
    runs = [parallel_efficiency(folder, generations, population, k) for k in range(repeats)]
    runs.sort(key=lambda r: r["efficiency"])
    median = runs[len(runs) // 2]
    return {**median, "all": [round(float(r["efficiency"]), 3) for r in runs], "load": max(r["load"] for r in runs)}


def memory_growth(folder: Path) -> dict:
    import psutil
    process = psutil.Process()
    rss: dict[int, float] = {}

    def record(info):
        if info["generation"] + 1 in (10, 100):
            rss[info["generation"] + 1] = process.memory_info().rss / 2 ** 20

    l2l.run(config(100, 200, {"name": "noop"}), folder / "long.h5", on_generation=record)
    return {"rss_mb_gen10": rss[10], "rss_mb_gen100": rss[100], "growth_mb": rss[100] - rss[10], "load": load()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {PARTS}")
    parser.add_argument("--repeats", type=int, default=3, help="runs per start-up and efficiency figure")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    summary: dict = {}
    met = True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"load average at the start: {load()}")
        if "throughput" in parts:  # first: this process's first run pays the imports and the cluster start
            ours = l2l_throughput(folder)
            optuna_rate, optuna_load = optuna_throughput(10_000), load()
            dask_rate, dask_load = dask_map_throughput(10_000), load()
            rate = ours["evals_per_s_steady"]
            print("1. no-op simulator, population 1,000 x 10 generations, GA, local Dask, 2 workers, HDF5 on")
            print(f"   {'l2l (per generation, steady)':<44}{rate:>12,.0f} evaluations/s   load {ours['load']}")
            print(f"   {'l2l (whole run incl. cluster start-up)':<44}{ours['evals_per_s_total']:>12,.0f} "
                  f"evaluations/s   ({ours['total_s']:.2f} s for {ours['evaluations']:,}; target >= 5,000/s)")
            print(f"   {'(a) Optuna ask/tell, RandomSampler, memory':<44}{optuna_rate:>12,.0f} evaluations/s"
                  f"   load {optuna_load}; l2l is {rate / optuna_rate:.1f}x (target >= 3x)")
            print(f"   {'(b) naive Dask client.map, 1 task/eval':<44}{dask_rate:>12,.0f} evaluations/s"
                  f"   load {dask_load}; l2l is {rate / dask_rate:.1f}x (target >= 10x)")
            summary.update({
                "l2l_evals_per_s": round(rate), "l2l_evals_per_s_with_startup": round(ours["evals_per_s_total"]),
                "optuna_ask_tell_evals_per_s": round(optuna_rate), "dask_map_evals_per_s": round(dask_rate),
                "speedup_vs_optuna": round(rate / optuna_rate, 2), "speedup_vs_dask_map": round(rate / dask_rate, 2),
                "load_throughput": ours["load"]})
            met &= bool(rate >= 5000 and ours["evals_per_s_total"] >= 5000 and rate >= 3 * optuna_rate
                        and rate >= 10 * dask_rate)
        if "startup" in parts:
            start = startup(folder, args.repeats)
            print(f"2. time to the first result in a fresh process (GA 1,000 no-op, one generation, l2l's bytecode "
                  f"compiled first; "
                  f"median of {args.repeats}, load up to {start['load']})")
            print(f"   local, 2 workers: {start['local_first_s']:.2f} s (run ends at {start['local_total_s']:.2f} s);"
                  f" serial: {start['serial_first_s']:.2f} s (ends at {start['serial_total_s']:.2f} s)")
            print(f"   the cluster's start in the user's time: {start['cluster_user_s']:.2f} s (target < 0.5 s)")
            summary.update({"first_result_local_s": round(start["local_first_s"], 3),
                            "first_result_serial_s": round(start["serial_first_s"], 3),
                            "cluster_start_user_s": round(start["cluster_user_s"], 3), "load_startup": start["load"]})
            met &= start["cluster_user_s"] < 0.5
        if "barrier" in parts:
            batch = efficiency(folder, 1, 400, args.repeats)
            ga = efficiency(folder, 4, 100, args.repeats)
            print(f"3. sleep 20 ms x 400 evaluations, 2 workers (median of {args.repeats})")
            print(f"   one batch of 400:         ideal {batch['ideal_s']:.2f} s, wall {batch['wall_s']:.2f} s: "
                  f"parallel efficiency {batch['efficiency']:.3f} {batch['all']} (target >= 0.95; "
                  f"{batch['busy_efficiency']:.3f} against the evaluations' own durations)   load {batch['load']}")
            for name, figure in (("batch", batch), ("GA", ga)):
                print(f"   {name}: idle worker-seconds {figure['idle']}; evaluations beyond 20 ms "
                      f"{figure['overshoot']} s")
            print(f"   GA, 4 generations of 100: ideal {ga['ideal_s']:.2f} s, wall {ga['wall_s']:.2f} s: "
                  f"parallel efficiency {ga['efficiency']:.3f} {ga['all']} (target >= 0.97; "
                  f"{ga['busy_efficiency']:.3f} against the evaluations' own durations; pauses between "
                  f"generations {ga['gaps_ms']} ms)   load {ga['load']}")
            summary.update({"parallel_efficiency_20ms": round(batch["efficiency"], 3),
                            "parallel_efficiency_20ms_ga_4x100": round(ga["efficiency"], 3),
                            "generation_gaps_ms": ga["gaps_ms"], "idle_ga_worker_s": ga["idle"],
                            "load_barrier": ga["load"]})
            met &= bool(batch["efficiency"] >= 0.95 and ga["efficiency"] >= 0.97)
        if "memory" in parts:
            memory = memory_growth(folder)
            print("4. outer-loop resident memory, no-op, population 200")
            print(f"   generation 10: {memory['rss_mb_gen10']:.1f} MiB, generation 100: "
                  f"{memory['rss_mb_gen100']:.1f} MiB (growth {memory['growth_mb']:+.1f} MiB)   load {memory['load']}")
            summary.update({"rss_mb_gen10": round(memory["rss_mb_gen10"], 1),
                            "rss_mb_gen100": round(memory["rss_mb_gen100"], 1)})
            met &= bool(memory["growth_mb"] < 0.1 * memory["rss_mb_gen10"])
    summary["parts"] = sorted(parts)
    summary["targets_met"] = bool(met)
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(main())
