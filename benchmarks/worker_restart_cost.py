"""What a ``local`` worker that dies costs in CPU: its replacement's start, and a whole run with several kills.

A worker that dies (a simulator's segfault, the OOM killer, ``kill -9``) is started again by its nanny. Since
session 39 the replacement is a fork of l2l's fork server, as the first workers are (``--methods fork``); before,
the nanny spawned a fresh interpreter that imported Dask and l2l again (and ran the caller's main script again).
``--methods spawn`` gives that spawned start to compare with: its child process makes
``l2l.jobs.dask_local.fork_server_available`` say no (as on a platform without a fork server), so that Dask spawns every
worker, the first ones too (before session 39 only the replacements were spawned: compare the replacements).

Each run is a child process: ``l2l.run`` of a ``local`` run with ``--workers`` workers (default 2) of
``--evaluations`` evaluations (default 12: one generation of random search of a 2-dimensional sphere, run seed 0),
whose first ``--kills`` distinct candidates (default 6) each kill their worker once (SIGKILL; the evaluation runs
again and succeeds; two workers racing for the last kill can make it one more). Measured:

* per worker process, its own CPU time (user + system, ``time.process_time``) at its first evaluation: from the fork
  (or the spawn) to its first evaluation; the workers that are not among the first ``--workers`` to report are the
  replacements (one started after the run's last evaluation has none, and is not counted);
* the whole run's CPU (the replacements' start, and their nannies' and the scheduler's work on the deaths): the
  child process and every descendant (fork server, nannies, workers, resource tracker), collected by making this
  script a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``, Linux only) and reaping every orphan, as
  ``getrusage(RUSAGE_CHILDREN)``; each method also without kills: the difference of the means is what the kills
  cost.

    python benchmarks/worker_restart_cost.py [--runs 3] [--kills 6] [--methods fork spawn]

prints one line per run and a summary per method (the range over runs and replacements); the last line is one JSON
object. No seeds beyond run seed 0 (the kills do not depend on the candidates' values); the figures are timings, so
run it several times and say the load (``os.getloadavg`` is printed). No target.
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PR_SET_CHILD_SUBREAPER = 36


def evaluate(params, seed, folder, kills):
    """The sphere; logs ``pid cpu-seconds wall`` per evaluation, and kills its worker the first time each of the
    first ``kills`` distinct candidates comes here."""
    cpu = time.process_time()
    with open(Path(folder) / "evaluations", "a") as log:
        log.write(f"{os.getpid()} {cpu:.4f} {time.time():.4f}\n")
    values = [float(v) for v in params["x"]]
    key = hashlib.sha1(repr(values).encode()).hexdigest()[:12]
    folder = Path(folder)
    if len(list(folder.glob("kill-*"))) < kills:
        try:
            os.close(os.open(folder / f"kill-{key}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            pass  # killed its worker once already: now it succeeds
        else:
            os.kill(os.getpid(), signal.SIGKILL)
    return sum(v * v for v in values)


def child(folder: str, kills: int, workers: int, evaluations: int, method: str) -> None:
    """One run (in this process, started by ``measure``)."""
    sys.path.insert(0, str(HERE.parent))
    import l2l
    import l2l.jobs.dask_local

    if method == "spawn":  # no fork server: Dask's own spawn for every worker (the replacements before session 39)
        l2l.jobs.dask_local.fork_server_available = lambda: False

    config = l2l.from_mapping({
        "run": {"name": "restart", "generations": 1, "seed": 0},
        "space": {"x": {"low": -2.0, "high": 2.0, "shape": [2]}},
        "optimizer": {"name": "random", "population_size": evaluations},
        "simulator": {"name": "python", "function": "worker_restart_cost:evaluate", "path": str(HERE),
                      "kwargs": {"folder": folder, "kills": kills}},
        "backend": {"name": "local", "workers": workers, "dashboard": False},
    })
    path = l2l.run(config, Path(folder) / "restart.h5", progress=False)
    frame = l2l.load(path)
    if not (frame["status"] == "ok").all() or len(frame) != evaluations:
        raise SystemExit(f"worker_restart_cost: the run did not end with {evaluations} successful evaluations")


def reap_all() -> None:
    """Wait for every child, the orphans reparented to this subreaper included."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def measure(method: str, kills: int, workers: int, evaluations: int) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH")])))
    with tempfile.TemporaryDirectory(prefix="l2l-restart-") as folder:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, __file__, "--child", folder, "--kills", str(kills),
                                    "--method", method, "--workers", str(workers),
                                    "--evaluations", str(evaluations)], env=env)
        process.wait()
        reap_all()
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if process.returncode != 0:
            raise SystemExit(f"worker_restart_cost: the {method} run exited with status {process.returncode}")
        first: dict[str, tuple[float, float]] = {}
        for line in (Path(folder) / "evaluations").read_text().splitlines():
            pid, cpu, when = line.split()
            if pid not in first:
                first[pid] = (float(when), float(cpu))
    order = sorted(first.values())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"method": method, "kills": kills, "cpu": round(cpu, 3), "wall": round(wall, 3),
            "first_workers": [round(c, 3) for _, c in order[:workers]],
            "replacements": [round(c, 3) for _, c in order[workers:]]}


def span(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}" if values else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per method and kill count (default 3)")
    parser.add_argument("--kills", type=int, default=6, help="workers killed per run (default 6)")
    parser.add_argument("--workers", type=int, default=2, help="local workers (default 2)")
    parser.add_argument("--evaluations", type=int, default=12, help="evaluations per run (default 12)")
    parser.add_argument("--methods", nargs="+", default=["fork", "spawn"], choices=["fork", "spawn"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--method", default="fork", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.kills, args.workers, args.evaluations, args.method)
        return
    if args.kills >= args.evaluations:
        parser.error("--kills must be below --evaluations")
    if not sys.platform.startswith("linux"):
        raise SystemExit("worker_restart_cost: needs Linux (prctl PR_SET_CHILD_SUBREAPER)")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SystemExit("worker_restart_cost: prctl(PR_SET_CHILD_SUBREAPER) failed")
    load_before = os.getloadavg()[0]
    rows = []
    for _ in range(args.runs):
        for method in args.methods:
            for kills in (0, args.kills):
                row = measure(method, kills, args.workers, args.evaluations)
                rows.append(row)
                print(f"{method:5s} kills {kills}: {row['cpu']:.2f} s CPU in all ({row['wall']:.1f} s wall); "
                      f"first workers {row['first_workers']} s, replacements {row['replacements']} s", flush=True)
    summary = {}
    for method in args.methods:
        killed = [r for r in rows if r["method"] == method and r["kills"] == args.kills]
        clean = [r for r in rows if r["method"] == method and r["kills"] == 0]
        replacements = [c for r in killed for c in r["replacements"]]
        firsts = [c for r in rows if r["method"] == method for c in r["first_workers"]]
        summary[method] = {"replacement_cpu": [min(replacements), max(replacements)] if replacements else None,
                           "first_worker_cpu": [min(firsts), max(firsts)],
                           "run_cpu_with_kills": [min(r["cpu"] for r in killed), max(r["cpu"] for r in killed)],
                           "run_cpu_without": [min(r["cpu"] for r in clean), max(r["cpu"] for r in clean)],
                           "kills_cpu_mean": round(sum(r["cpu"] for r in killed) / len(killed)
                                                   - sum(r["cpu"] for r in clean) / len(clean), 3)}
        print(f"{method}: a replacement {span(replacements)} s of CPU to its first evaluation (a first worker "
              f"{span(firsts)} s); a run with {args.kills} kills {span([r['cpu'] for r in killed])} s of CPU in "
              f"all, without kills {span([r['cpu'] for r in clean])} s ({args.runs} runs each: the kills "
              f"{summary[method]['kills_cpu_mean']:.2f} s on average)")
    load_after = os.getloadavg()[0]
    print(json.dumps({"benchmark": "worker_restart_cost", "workers": args.workers, "evaluations": args.evaluations,
                      "kills": args.kills, "runs": args.runs, "seed": 0,
                      "load": [round(load_before, 2), round(load_after, 2)], "summary": summary, "rows": rows,
                      "targets_met": None}))


if __name__ == "__main__":
    main()
