"""How the outer loop's costs grow with the work: population, file size, workers, SLURM arrays.

Every point runs in its own subprocess (peak RSS from ``wait4``), under the
caller's ``nice``; the no-op simulator isolates the outer loop's own cost.

1. population: random search (and GA up to ``--ga-max``), populations 10 ..
   100,000, serial backend, no-op simulator: outer-loop seconds per evaluation
   (steady generations) and peak RSS. Fit: time per generation = a + b N.
2. generations: one long random-search run (population 10,000) up to
   ``--loop-rows`` rows, time per evaluation and RSS at each generation; and a
   trajectory grown to ``--max-rows`` rows (10,000,000 by default) with the
   writer directly (after one real generation, so that it resumes), measured at
   each size by resuming it for 3 generations in a fresh process.
3. file size: ``l2l.load`` (in-process), ``l2l show``, ``l2l resume`` (one more
   generation of 10,000, start of process to its end) and ``l2l plot`` (fresh
   processes) at each size.
4. workers: a Dask LocalCluster of 1..4 processes x many threads, 2..256 worker
   slots running 1 s ``sleep`` evaluations, population 4 x workers, 3 generations:
   utilization = busy worker-seconds / (workers x wall of the generations).
5. a SLURM job array of 1,000 tasks (sleep 0 s) on a second, private SLURM
   (its own ports, state and config; a node declaring 256 CPUs) that the
   benchmark starts and stops: submitted, run and collected with no lost task.

Fitted exponents are log-log slopes. Targets: per-evaluation time slope <= 0.1
over populations >= 1,000 and over file sizes; memory per individual slope <=
0.1 over populations >= 1,000; RSS gained per row written <= 10 bytes; resume and show
slope <= 0.1 against file size; utilization >= 0.9 at 256 workers; no lost task.

    nice -n 10 python benchmarks/scale.py --quick     # minutes: small subset
    nice -n 10 python benchmarks/scale.py             # the full set (long)
    python benchmarks/scale.py --only files,workers   # some parts; results merge into the JSON

Writes benchmarks/results/scale.json (merged part by part); the last line is one JSON object.
Figures: ``python benchmarks/plot_scale.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "scale.json"
SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [10]}}
SEED = 1
PARTS = ("population", "generations", "files", "workers", "array")


def slope(xs, ys) -> float | None:
    """Least-squares slope of log(y) against log(x) (None with fewer than two usable points)."""
    pairs = [(x, y) for x, y in zip(xs, ys) if x and y and x > 0 and y > 0]
    if len(pairs) < 2:
        return None
    x, y = np.log([p[0] for p in pairs]), np.log([p[1] for p in pairs])
    return round(float(np.polyfit(x, y, 1)[0]), 3)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def child(kind: str, timeout: float = 3600, env: dict | None = None, **args) -> dict:
    """Run ``kind`` in a fresh Python process; its result dict plus wall time and peak RSS (MB)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, json.dumps(args), out]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=environment, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    try:
        result = json.loads(Path(out).read_text() or "{}")
    except (OSError, ValueError):
        result = {}
    Path(out).unlink(missing_ok=True)
    # CPU seconds of the child and of every process it waited for (Dask workers, SLURM clients)
    result.update(wall_s=round(wall, 3), peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
                  cpu_s=round(usage.ru_utime + usage.ru_stime, 3), exit=process.returncode)
    return result


def cli(*args: str, timeout: float = 1800) -> float | None:
    """Wall seconds of one ``l2l`` command in a fresh process (None if it failed or timed out)."""
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "l2l.cli", *args], cwd=ROOT, capture_output=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        print(f"  l2l {' '.join(args)} failed: {done.stderr.decode()[-300:]}", file=sys.stderr)
        return None
    return round(time.perf_counter() - started, 3)


# -- parts ------------------------------------------------------------------------------------------

def part_population(args) -> dict:
    populations = [10, 100, 1000, 10000] + ([] if args.quick else [100000])
    rows: dict[str, list] = {}
    for optimizer in ("random", "ga"):
        rows[optimizer] = []
        for population in populations:
            if optimizer == "ga" and population > args.ga_max:
                continue
            generations = max(3, min(200, 30000 // population))
            point = child("population", optimizer=optimizer, population=population, generations=generations)
            point.update(optimizer=optimizer, population=population, generations=generations)
            rows[optimizer].append(point)
            print(f"  {optimizer:>6} N={population:>7,}: {point.get('per_eval_s', 0) * 1e6:8.1f} us/eval, "
                  f"{point.get('per_generation_s', 0):8.3f} s/generation, peak RSS {point['peak_rss_mb']:7.1f} MB",
                  flush=True)
    return {"points": rows, "summary": population_summary(rows)}


def population_summary(rows: dict) -> dict:
    """Slopes over populations >= 1,000; the fixed cost of a generation (at N = 10) and of an evaluation
    (at the largest N); memory per individual = (peak RSS - peak RSS at N = 10) / N."""
    summary = {}
    for optimizer, points in rows.items():
        points = [p for p in points if "per_eval_s" in p]
        big = [p for p in points if p["population"] >= 1000]
        base = points[0]["peak_rss_mb"]
        per_individual = [max(1e-6, p["peak_rss_mb"] - base) / p["population"] for p in big]
        summary[optimizer] = {
            "time_slope_ge_1000": slope([p["population"] for p in big], [p["per_eval_s"] for p in big]),
            "time_slope_all": slope([p["population"] for p in points], [p["per_eval_s"] for p in points]),
            "memory_per_individual_slope_ge_1000": slope([p["population"] for p in big], per_individual),
            "memory_per_individual_kb": [round(m * 1024, 2) for m in per_individual],
            "per_generation_fixed_s": round(points[0]["per_generation_s"], 5),
            "per_evaluation_s": round(points[-1]["per_eval_s"], 8), "largest": points[-1]["population"]}
    return summary


def part_generations(args, folder: Path) -> dict:
    loop_rows = args.loop_rows if not args.quick else min(args.loop_rows, 200_000)
    population = 10_000
    long_run = child("long", population=population, generations=max(2, loop_rows // population),
                     file=str(folder / "long.h5"))
    marks = long_run.get("marks", [])
    print(f"  one run of {len(marks)} generations x {population:,}: " + (
        f"{marks[1]['per_eval_s'] * 1e6:.1f} us/eval at generation 1, {marks[-1]['per_eval_s'] * 1e6:.1f} at the last; "
        f"RSS {marks[1]['rss_mb']:.0f} -> {marks[-1]['rss_mb']:.0f} MB" if len(marks) > 2 else "failed"), flush=True)
    steady = [m for m in marks[1:]]
    # smooth: median per decile of the run, so a noisy generation does not decide the slope
    chunks = [c for c in np.array_split(np.arange(len(steady)), min(10, len(steady))) if len(c)]
    rows_at = [float(steady[c[-1]]["rows"]) for c in chunks]
    time_at = [float(np.median([steady[i]["per_eval_s"] for i in c])) for c in chunks]
    rss_at = [float(np.max([steady[i]["rss_mb"] for i in c])) for c in chunks]
    return {"long_run": {"population": population, "marks": marks, "peak_rss_mb": long_run["peak_rss_mb"],
                         "wall_s": long_run["wall_s"], "rows": rows_at, "per_eval_s": time_at, "rss_mb": rss_at,
                         "time_slope": slope(rows_at, time_at), "rss_slope": slope(rows_at, rss_at),
                         "rss_bytes_per_row": rss_growth(marks)}}


def rss_growth(marks: list) -> int | None:
    """Bytes of resident memory gained per row written over the second half of the run (bounded caches
    fill during the first)."""
    if len(marks) < 4:
        return None
    middle = marks[len(marks) // 2]
    return round((marks[-1]["rss_mb"] - middle["rss_mb"]) * 2 ** 20 / (marks[-1]["rows"] - middle["rows"]))


def part_files(args, folder: Path) -> dict:
    sizes = [s for s in (10_000, 100_000, 1_000_000, 10_000_000) if s <= args.max_rows]
    if args.quick:
        sizes = [s for s in sizes if s <= 1_000_000]
    if args.max_rows not in sizes and not args.quick:
        sizes.append(args.max_rows)
    path = folder / "grown.h5"
    points = []
    for size in sizes:
        grown = child("grow", file=str(path), rows=size)
        if grown.get("rows") is None:
            print(f"  growing to {size:,} rows failed: {grown}", file=sys.stderr)
            break
        rows = grown["rows"]
        point = {"rows": rows, "file_mb": round(path.stat().st_size / 2 ** 20, 1), "grow_s": grown["wall_s"]}
        loaded = child("load", file=str(path))
        point.update(load_s=loaded.get("load_s"), load_peak_rss_mb=loaded["peak_rss_mb"],
                     finished_text_s=loaded.get("finished_text_s"))
        point["show_s"] = cli("show", str(path))
        point["plot_s"] = cli("plot", str(path), "-o", str(folder / "plot.png"), "--force",
                              timeout=args.plot_timeout) if rows <= args.plot_max else None
        generations = rows // 10_000
        point["resume_cli_s"] = cli("resume", str(path), "--generations", str(generations + 1), "--no-progress")
        resumed = child("resume", file=str(path), generations=generations + 4)
        point.update(resume_first_generation_s=resumed.get("first_generation_s"),
                     resume_per_eval_s=resumed.get("per_eval_s"), resume_peak_rss_mb=resumed["peak_rss_mb"])
        points.append(point)
        print(f"  {rows:>11,} rows ({point['file_mb']:8.1f} MB): load {point['load_s']} s, show {point['show_s']} s,"
              f" plot {point['plot_s']} s, resume (CLI, +1 generation) {point['resume_cli_s']} s, "
              f"then {(resumed.get('per_eval_s') or 0) * 1e6:.1f} us/eval, peak RSS {resumed['peak_rss_mb']} MB",
              flush=True)
    xs = [p["rows"] for p in points]
    summary = {key + "_slope": slope(xs, [p[key] for p in points])
               for key in ("load_s", "finished_text_s", "show_s", "plot_s", "resume_cli_s", "resume_first_generation_s",
                           "resume_per_eval_s", "resume_peak_rss_mb")}
    return {"points": points, "summary": summary}


def part_workers(args) -> dict:
    counts = [int(c) for c in args.worker_counts.split(",")] if args.worker_counts else \
        [2, 8, 32, 256] if args.quick else [2, 4, 8, 16, 32, 64, 128, 256]
    points = []
    for workers in counts:
        processes = 1 if workers <= 8 else min(4, workers // 8)
        load_before = os.getloadavg()[0]
        point = child("dask", workers=workers, processes=processes, population=4 * workers, generations=3,
                      seconds=args.evaluation_seconds, saturation=args.saturation, timeout=900)
        point.update(workers=workers, processes=processes, load=[round(load_before, 2), round(os.getloadavg()[0], 2)])
        points.append(point)
        print(f"  {workers:>4} workers ({processes} process(es)): utilization {point.get('utilization')}, "
              f"generations {point.get('generation_s')} s, overhead {point.get('overhead_per_eval_ms')} "
              f"ms/evaluation, CPU {point.get('cpu_s')} s (load {point['load'][0]} -> {point['load'][1]})", flush=True)
    return {"points": points, "evaluation_s": args.evaluation_seconds, "worker_saturation": args.saturation,
            **workers_cpu(points),
            "utilization_at_256": next((p.get("utilization") for p in points if p["workers"] == 256), None)}


def workers_cpu(points: list) -> dict:
    """CPU seconds per evaluation of the whole Dask run (client, scheduler, workers), fitted over the points:
    cpu = c0 + c1 x evaluations; a machine of C free cores can keep about C / c1 one-second workers busy."""
    ok = [p for p in points if p.get("evaluations")]
    if len(ok) < 2:
        return {}
    c1, c0 = np.polyfit([p["evaluations"] for p in ok], [p["cpu_s"] for p in ok], 1)
    return {"cpu_per_evaluation_ms": round(float(c1) * 1e3, 3), "cpu_fixed_s": round(float(c0), 2),
            "one_second_workers_per_core": round(1 / float(c1)) if c1 > 0 else None}


def part_array(args, folder: Path) -> dict:
    from scale_helpers import PrivateSlurm  # beside this file

    tasks = 100 if args.quick else args.array_tasks
    with PrivateSlurm(folder / "slurm", cpus=256) as slurm:
        point = child("array", env={"SLURM_CONF": str(slurm.conf)}, tasks=tasks, file=str(folder / "array.h5"),
                      timeout=3600)
        point["controller_log_tail"] = slurm.log_tail() if point.get("lost", 1) else ""
    point.update(tasks=tasks, cpus_declared=256)
    print(f"  array of {tasks} tasks: {point.get('ok')} ok, {point.get('lost')} lost, {point.get('failed')} failed,"
          f" in {point.get('run_s')} s", flush=True)
    return point


# -- children ---------------------------------------------------------------------------------------

def _config(optimizer: str, population: int, generations: int, simulator: dict, backend: dict):
    import l2l

    return l2l.from_mapping({"run": {"name": "scale", "seed": SEED, "generations": generations}, "space": SPACE,
                             "optimizer": {"name": optimizer, "population_size": population},
                             "simulator": simulator, "backend": backend})


def _rss_mb() -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def run_child(kind: str, args: dict) -> dict:
    import l2l

    marks: list[float] = []
    if kind == "population":
        path = Path(tempfile.mkdtemp()) / "population.h5"
        l2l.run(_config(args["optimizer"], args["population"], args["generations"], {"name": "noop"},
                        {"name": "serial"}), path, on_generation=lambda info: marks.append(time.perf_counter()))
        per_generation = (marks[-1] - marks[0]) / (len(marks) - 1)
        path.unlink()
        return {"per_generation_s": per_generation, "per_eval_s": per_generation / args["population"]}
    if kind == "long":
        out, last = [], [time.perf_counter()]

        def mark(info: dict) -> None:
            now = time.perf_counter()
            rss, peak = _rss_mb()
            out.append({"generation": info["generation"], "rows": (info["generation"] + 1) * args["population"],
                        "per_eval_s": (now - last[0]) / args["population"], "rss_mb": rss, "hwm_mb": peak})
            last[0] = now

        l2l.run(_config("random", args["population"], args["generations"], {"name": "noop"}, {"name": "serial"}),
                args["file"], on_generation=mark)
        return {"marks": out}
    if kind == "grow":
        from scale_helpers import grow_file
        return {"rows": grow_file(Path(args["file"]), args["rows"], _config)}
    if kind == "load":
        started = time.perf_counter()
        rows = len(l2l.load(args["file"]))
        load_s = round(time.perf_counter() - started, 3)
        from l2l.summary import finished_text  # what `l2l run` / `l2l resume` print when they end
        started = time.perf_counter()
        finished_text(Path(args["file"]), 0.0)
        return {"load_s": load_s, "rows": rows, "finished_text_s": round(time.perf_counter() - started, 3)}
    if kind == "resume":
        started = time.perf_counter()
        l2l.resume(args["file"], generations=args["generations"],
                   on_generation=lambda info: marks.append(time.perf_counter()))
        population = 10_000
        return {"first_generation_s": round(marks[0] - started, 3),
                "per_eval_s": (marks[-1] - marks[0]) / (len(marks) - 1) / population}
    if kind == "dask":
        from scale_helpers import dask_utilization
        return dask_utilization(args, _config)
    if kind == "array":
        from scale_helpers import array_run
        return array_run(args, _config)
    raise SystemExit(f"unknown child {kind}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small subset (minutes)")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {PARTS}")
    parser.add_argument("--max-rows", type=int, default=10_000_000, help="largest trajectory file (rows)")
    parser.add_argument("--loop-rows", type=int, default=10_000_000, help="rows of the one long real run")
    parser.add_argument("--ga-max", type=int, default=10_000, help="largest GA population")
    parser.add_argument("--plot-max", type=int, default=10_000_000, help="largest file given to l2l plot")
    parser.add_argument("--plot-timeout", type=float, default=900)
    parser.add_argument("--array-tasks", type=int, default=1000)
    parser.add_argument("--worker-counts", default="", help="e.g. 2,8,32,256 (default: 2 to 256 by doubling)")
    parser.add_argument("--evaluation-seconds", type=float, default=1.0)
    parser.add_argument("--saturation", type=float, default=1.0,
                        help="the workers part's distributed.scheduler.worker-saturation (Dask's default: 1.1)")
    parser.add_argument("--out", default=str(RESULTS), help="JSON results (merged part by part)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, payload, out = args.child
        result = run_child(kind, json.loads(payload))
        Path(out).write_text(json.dumps(result))
        return
    parts = [p for p in args.only.split(",") if p]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"--only: unknown part(s) {unknown}; parts are {PARTS}")
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    with tempfile.TemporaryDirectory(prefix="l2l-scale-") as tmp:
        folder = Path(tmp)
        for part in parts:
            print(f"{part}: ({uptime()})", flush=True)
            before = uptime()
            if part == "population":
                value = part_population(args)
            elif part == "generations":
                value = part_generations(args, folder)
            elif part == "files":
                value = part_files(args, folder)
            elif part == "workers":
                value = part_workers(args)
            else:
                value = part_array(args, folder)
            value["settings"] = {"quick": args.quick, "max_rows": args.max_rows, "loop_rows": args.loop_rows,
                                 "seed": SEED, "nice": os.nice(0), "load_before": before, "load_after": uptime(),
                                 "machine": f"{platform.node()} {os.cpu_count()} CPUs, {platform.python_version()}",
                                 "date": time.strftime("%Y-%m-%d %H:%M:%S")}
            results[part] = value
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(results, indent=1))
    summary = headline(results)
    out.write_text(json.dumps(results, indent=1))
    print(json.dumps(summary))


def headline(results: dict) -> dict:
    """The figures and targets of every part measured so far."""
    h: dict = {}
    met = []
    if "population" in results:
        results["population"]["summary"] = population_summary(results["population"]["points"])
        s = results["population"]["summary"]["random"]
        h.update(population_time_slope=s["time_slope_ge_1000"],
                 population_memory_slope=s["memory_per_individual_slope_ge_1000"],
                 per_evaluation_us=round((s["per_evaluation_s"] or 0) * 1e6, 2),
                 per_generation_fixed_ms=round((s["per_generation_fixed_s"] or 0) * 1e3, 2),
                 ga_population_time_slope=results["population"]["summary"].get("ga", {}).get("time_slope_ge_1000"))
        met += [s["time_slope_ge_1000"] is not None and s["time_slope_ge_1000"] <= 0.1,
                (s["memory_per_individual_slope_ge_1000"] or 0.0) <= 0.1
                and s["memory_per_individual_slope_ge_1000"] is not None]
    if "generations" in results:
        g = results["generations"]["long_run"]
        g["rss_bytes_per_row"] = rss_growth(g["marks"])
        h.update(long_run_rows=g["rows"][-1] if g["rows"] else 0, rows_time_slope=g["time_slope"],
                 rows_rss_slope=g["rss_slope"], rows_rss_bytes_per_row=g["rss_bytes_per_row"])
        # flat memory: under 10 bytes gained per row written (100 MB per 10,000,000 rows)
        met += [g["time_slope"] is not None and g["time_slope"] <= 0.1,
                g["rss_bytes_per_row"] is not None and g["rss_bytes_per_row"] <= 10]
    if "files" in results:
        f = results["files"]["summary"]
        h.update(file_rows=results["files"]["points"][-1]["rows"] if results["files"]["points"] else 0,
                 **{k: f[k] for k in ("show_s_slope", "resume_cli_s_slope", "resume_first_generation_s_slope",
                                      "resume_per_eval_s_slope", "load_s_slope", "plot_s_slope")})
        met += [f[k] is not None and f[k] <= 0.1 for k in ("show_s_slope", "resume_first_generation_s_slope",
                                                             "resume_per_eval_s_slope")]
    if "workers" in results:
        u = results["workers"]["utilization_at_256"]
        results["workers"].update(workers_cpu(results["workers"]["points"]))
        h.update(utilization_at_256=u, dask_cpu_per_evaluation_ms=results["workers"].get("cpu_per_evaluation_ms"))
        met.append(u is not None and u >= 0.9)
    if "array" in results:
        a = results["array"]
        h.update(array_tasks=a.get("tasks"), array_lost=a.get("lost"), array_s=a.get("run_s"))
        met.append(a.get("lost") == 0 and a.get("ok") == a.get("tasks"))
    h["targets_met"] = bool(met) and all(met)
    return h


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
