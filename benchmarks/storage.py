"""Trajectory storage at scale, side by side with pypet.

l2l: 1,000,000 evaluations (10 parameters, 2 objectives, 2 metrics) appended
through the real writer in generations of 10,000 with the optimizer state
committed after each; then ``l2l.load`` of the whole file.
Targets: writing >= 200,000 rows/s, file <= 1.5x the raw bytes, load < 2 s.

pypet: the same data for 20,000 runs (its per-run groups make more impractical),
in its own virtual environment (its release for Python 3.11 needs numpy < 2),
created under ``$L2L_BENCH_VENVS`` (default ``~/.cache/l2l-bench``) on first use.

Raw bytes: what the table holds as packed binary: generation, individual,
seed, started, duration (8 bytes each), status (1), 10 parameters, 2
objectives and 2 metrics (8 each) = 153 bytes per evaluation.

The l2l file is written ``--repeats`` times (default 3, each into a new file);
the figure is the median rate with the range, beside the machine's load
average (the rate falls with the load of other processes on the machine) and
the rate per second of CPU time the writing process used.

Run: ``python benchmarks/storage.py [--rows N] [--repeats R]``. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

import l2l
from l2l.jobs.base import Outcome
from l2l.objectives import Objective
from l2l.results_schema import writer as trajectory_writer
from l2l.space import Space

RAW_BYTES_PER_ROW = 5 * 8 + 1 + (10 + 2 + 2) * 8
GENERATION = 10_000
LOAD_LIMIT = 300
VENVS = Path(os.environ.get("L2L_BENCH_VENVS", Path.home() / ".cache" / "l2l-bench"))


def write_l2l(path: Path, rows: int, population_state: bool = False) -> dict:
    """Write ``rows`` evaluations; the state after each generation is a random search's
    (generator state and counters) or, with ``population_state``, a GA's (the whole
    population and its scores, which repeats the parameters of the generation)."""
    space = Space.from_json({f"p{i}": {"type": "float", "low": -1.0, "high": 1.0} for i in range(10)})
    objectives = (Objective("loss"), Objective("accuracy", "maximize"))
    trajectory_writer.create(path, run={"name": "storage", "seed": 0, "config": {}, "versions": {},
                                        "host": "bench", "user": "bench", "created": "", "optimizer": {},
                                        "simulator": {}, "backend": {}},
                             space=space, objectives=objectives, metrics=("rate", "spikes"))
    rng = np.random.default_rng(0)
    elapsed = cpu = 0.0
    with trajectory_writer.TrajectoryWriter(path) as writer:
        for generation in range(rows // GENERATION):
            values = rng.uniform(-1, 1, (GENERATION, 10))
            names = [f"p{i}" for i in range(10)]
            params = [dict(zip(names, row.tolist())) for row in values]
            scores = rng.random((GENERATION, 4))
            outcomes = [Outcome(generation, i, int(rng.integers(2 ** 62)), "ok",
                                objectives={"loss": s[0], "accuracy": s[1]}, metrics={"rate": s[2], "spikes": s[3]},
                                started=time.time(), duration=0.01)
                        for i, s in enumerate(scores.tolist())]
            optimizer_state = {"rng": np.random.PCG64(generation).state, "evaluations": (generation + 1) * GENERATION}
            if population_state:
                optimizer_state.update(population=values, scores=scores[:, 0])
            state = {"optimizer": optimizer_state, "loop": {"generation": generation}}
            started, started_cpu = time.perf_counter(), time.process_time()
            writer.append(outcomes, params)
            writer.commit_generation(generation, evaluations=writer.rows, failed=0, started=time.time(),
                                     finished=time.time(),
                                     summary={k: {"loss": 0.0, "accuracy": 1.0} for k in ("best", "median", "worst")},
                                     state=state)
            elapsed += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
    return {"rows": rows, "write_s": elapsed, "rows_per_s": rows / elapsed, "rows_per_cpu_s": rows / cpu}


def load_l2l(path: Path) -> float:
    started = time.perf_counter()
    frame = l2l.load(path)
    seconds = time.perf_counter() - started
    assert len(frame) > 0
    return seconds


PYPET_SCRIPT = textwrap.dedent("""
    import json, os, sys, time
    import numpy as np
    from pypet import Environment, cartesian_product
    runs, folder = int(sys.argv[1]), sys.argv[2]
    rng = np.random.default_rng(0)
    def job(traj):
        traj.f_add_result("loss", rng.random(), comment="")
        traj.f_add_result("accuracy", rng.random())
        traj.f_add_result("rate", rng.random())
        traj.f_add_result("spikes", rng.random())
    env = Environment(trajectory="storage", filename=os.path.join(folder, "pypet.h5"), file_title="storage",
                      log_config=None, multiproc=False, overwrite_file=True, large_overview_tables=True)
    traj = env.trajectory
    for i in range(10):
        traj.f_add_parameter(f"p{i}", 0.0)
    traj.f_explore({f"p{i}": rng.uniform(-1, 1, runs).tolist() for i in range(10)})
    started = time.perf_counter()
    env.run(job)
    env.disable_logging()
    write = time.perf_counter() - started
    size = os.path.getsize(os.path.join(folder, "pypet.h5"))
    print(json.dumps({"rows": runs, "write_s": write, "size": size}), flush=True)
    from pypet import Trajectory
    started = time.perf_counter()
    loaded = Trajectory("storage", filename=os.path.join(folder, "pypet.h5"))
    loaded.f_load(index=-1, load_parameters=2, load_results=2)
    values = [loaded.res.runs[name].loss for name in loaded.f_get_run_names()]
    load = time.perf_counter() - started
    print(json.dumps({"load_s": load}), flush=True)
""")


def pypet(rows: int, folder: Path) -> dict | str:
    venv = VENVS / "pypet"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv} for pypet (once)...", file=sys.stderr)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "pypet", "numpy<2", "tables"], check=True)
        except subprocess.CalledProcessError as exc:
            return f"pypet could not be installed: {exc}"
    script = folder / "pypet_bench.py"
    script.write_text(PYPET_SCRIPT)
    process = subprocess.Popen([str(python), str(script), str(rows), str(folder)], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    written = json.loads(process.stdout.readline() or "null")
    if written is None:
        process.wait()
        return "pypet failed while writing"
    try:  # loading 20,000 pypet runs can take very long: give up after LOAD_LIMIT seconds
        output, _ = process.communicate(timeout=LOAD_LIMIT)
        written["load_s"] = json.loads(output.strip().splitlines()[-1])["load_s"]
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        written["load_s"] = float("inf")
    return written


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pypet-rows", type=int, default=20_000, help="0: skip pypet")
    parser.add_argument("--repeats", type=int, default=3, help="l2l files written, for the spread of the rate")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rates, cpu_rates = [], []
        for repeat in range(args.repeats):
            path = folder / f"storage_{repeat}.h5"
            written = write_l2l(path, args.rows)
            rates.append(written["rows_per_s"])
            cpu_rates.append(written["rows_per_cpu_s"])
            if repeat < args.repeats - 1:
                path.unlink()
        written["rows_per_s"] = float(np.median(rates))
        size = path.stat().st_size
        write_l2l(folder / "ga_state.h5", args.rows, population_state=True)
        ga_size = (folder / "ga_state.h5").stat().st_size
        load_s = min(load_l2l(path) for _ in range(3))
        raw = RAW_BYTES_PER_ROW * written["rows"]
        print(f"l2l: {written['rows']:,} rows written at {written['rows_per_s']:,.0f} rows/s (median of "
              f"{len(rates)}, {min(rates):,.0f}-{max(rates):,.0f}; load average {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after; {np.median(cpu_rates):,.0f} rows per CPU second), "
              f"{size / raw:.2f}x raw ({ga_size / raw:.2f}x with a GA state), loaded in {load_s:.2f} s; "
              f"now pypet...", flush=True)
        peer = pypet(args.pypet_rows, folder) if args.pypet_rows else "skipped (--pypet-rows 0)"
    print(f"{'':<8}{'rows':>11}{'write rows/s':>15}{'bytes/row':>11}{'size / raw':>12}{'load':>10}")
    print(f"{'l2l':<8}{written['rows']:>11,}{written['rows_per_s']:>15,.0f}{size / written['rows']:>11.0f}"
          f"{size / raw:>12.2f}{load_s:>9.2f}s")
    print(f"{'l2l, GA state of the whole population after each generation':<60} size / raw "
          f"{ga_size / raw:.2f}")
    if isinstance(peer, dict):
        print(f"{'pypet':<8}{peer['rows']:>11,}{peer['rows'] / peer['write_s']:>15,.0f}"
              f"{peer['size'] / peer['rows']:>11.0f}{peer['size'] / (RAW_BYTES_PER_ROW * peer['rows']):>12.2f}"
              + (f"{peer['load_s']:>9.2f}s" if peer["load_s"] != float("inf") else f"  > {LOAD_LIMIT} s"))
    else:
        print(f"pypet: {peer}")
    summary = {"rows": written["rows"], "write_rows_per_s": round(written["rows_per_s"]),
               "write_rows_per_s_range": [round(min(rates)), round(max(rates))],
               "write_rows_per_cpu_s": round(float(np.median(cpu_rates))),
               "load_average_before": round(load_before, 2), "load_average_after": round(os.getloadavg()[0], 2),
               "size_over_raw": round(size / raw, 3), "size_over_raw_with_ga_state": round(ga_size / raw, 3),
               "load_s": round(load_s, 3),
               "targets_met": written["rows_per_s"] >= 200_000 and size / raw <= 1.5 and load_s < 2.0}
    if isinstance(peer, dict):
        summary.update(pypet_rows=peer["rows"], pypet_write_rows_per_s=round(peer["rows"] / peer["write_s"]),
                       pypet_size_over_raw=round(peer["size"] / (RAW_BYTES_PER_ROW * peer["rows"]), 2),
                       pypet_load_s=round(peer["load_s"], 2) if peer["load_s"] != float("inf") else None)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
