"""What TLS costs the ``local`` backend (session 31: its Dask cluster talks TLS so that other users of the host
cannot run code through it; docs/security.md).

The figure is ``benchmarks/overhead.py``'s throughput run (a no-op simulator, population 1,000, 10 generations, GA,
``local`` with 2 workers, HDF5 on), each in a fresh process, with the cluster on TLS (as shipped) and on plain TCP
(the same code with ``l2l.jobs.dask_cluster.local_security`` answering None, as where the ``cryptography`` package is
missing), alternating TLS/TCP and TCP/TLS over the rounds so that drifting load falls on both alike. Printed per
run: the steady rate (generations 2..10, evaluations per second), the whole run's rate (cluster start included), its
wall time and the 1-minute load average. Target: TLS keeps at least 85 % of plain TCP's median steady rate.

Run: ``python benchmarks/tls_cost.py [--rounds 6]`` (about 30 s a round on 2 cores). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, sys, tempfile
from pathlib import Path
sys.path[:0] = [sys.argv[2], sys.argv[3]]
import l2l.jobs.dask_cluster
if sys.argv[1] == "tcp":
    l2l.jobs.dask_cluster._local_security[:] = [None]
import overhead
with tempfile.TemporaryDirectory() as folder:
    print(json.dumps(overhead.l2l_throughput(Path(folder))))
"""


def one(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(HERE), str(HERE.parent)], capture_output=True,
                          text=True, timeout=600, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6, help="pairs of runs, TLS and plain TCP (default 6)")
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {"tls": [], "tcp": []}
    print("local backend, 2 workers, no-op simulator, population 1,000 x 10 generations (overhead.py's throughput)")
    for index in range(args.rounds):
        for mode in ("tls", "tcp") if index % 2 == 0 else ("tcp", "tls"):
            result = one(mode)
            runs[mode].append(result)
            print(f"  {mode}: steady {result['evals_per_s_steady']:8,.0f} evals/s, whole run "
                  f"{result['evals_per_s_total']:7,.0f} evals/s in {result['total_s']:.2f} s (load {result['load']})",
                  flush=True)
    summary = {mode: {"steady_evals_per_s": round(statistics.median(r["evals_per_s_steady"] for r in rows)),
                      "total_evals_per_s": round(statistics.median(r["evals_per_s_total"] for r in rows)),
                      "total_s": round(statistics.median(r["total_s"] for r in rows), 2)}
               for mode, rows in runs.items()}
    ratio = summary["tls"]["steady_evals_per_s"] / summary["tcp"]["steady_evals_per_s"]
    loads = [r["load"] for rows in runs.values() for r in rows]
    print(f"median steady: TLS {summary['tls']['steady_evals_per_s']:,} against plain TCP "
          f"{summary['tcp']['steady_evals_per_s']:,} evals/s ({ratio:.0%}); whole run {summary['tls']['total_s']} s "
          f"against {summary['tcp']['total_s']} s; load {min(loads)}-{max(loads)}")
    print(json.dumps({"benchmark": "tls_cost", "rounds": args.rounds, **summary, "steady_ratio": round(ratio, 3),
                      "load": [min(loads), max(loads)], "targets_met": ratio >= 0.85}))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(HERE.parent))
    main()
