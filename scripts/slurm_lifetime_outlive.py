"""Evaluations longer than the ``slurm`` backend's worker lifetime, on the single-node SLURM (docs/slurm.md).

Runs ``l2l run`` of a config whose evaluations (the ``sleep`` simulator, ``--sleep`` seconds each) outlive the
worker jobs' lifetime (``walltime = "00:01:00"``: 30 s ± 3 s), and counts the worker jobs SLURM ran for it (squeue,
once a second, by the jobs' working folder, this script's own temporary one) until the run ends or ``--cap``
seconds have passed; then it stops the run (SIGINT) and cancels the worker jobs of its own run still queued (by
their ids; no other job is touched). ``--code PATH`` runs the l2l found at PATH (a snapshot such as ``git archive
7e9efc7^``, the code before an evaluation outliving the lifetime became a failed row).

    bash scripts/slurm-up.sh                       # if sinfo lists no node
    python scripts/slurm_lifetime_outlive.py       # now: about 90 s, 4 worker jobs
    python scripts/slurm_lifetime_outlive.py --code /tmp/before --cap 240

The last line printed is one JSON object: the wall time, the worker jobs, the rows' status, attempts and error.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def queued(folder: str) -> dict[str, str]:
    """The jobs squeue lists whose working folder is ``folder``: id -> state."""
    try:
        done = subprocess.run(["squeue", "--noheader", "-o", "%i|%T|%Z"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    jobs = {}
    for line in done.stdout.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 3 and os.path.realpath(parts[2]) == os.path.realpath(folder):
            jobs[parts[0]] = parts[1]
    return jobs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", default=str(ROOT), help="the l2l tree to run (PYTHONPATH)")
    parser.add_argument("--sleep", type=float, default=75.0, help="seconds each evaluation sleeps (75)")
    parser.add_argument("--evaluations", type=int, default=2, help="evaluations, one generation (2)")
    parser.add_argument("--walltime", default="00:01:00", help="the worker jobs' walltime (00:01:00: lifetime 30 s)")
    parser.add_argument("--cap", type=float, default=240.0, help="stop the run after this many seconds (240)")
    args = parser.parse_args()
    if args.evaluations < 1 or args.sleep <= 0 or args.cap <= 0:
        print("slurm_lifetime_outlive.py: --evaluations, --sleep and --cap must be positive", file=sys.stderr)
        return 2
    if subprocess.run(["sinfo", "--noheader"], capture_output=True).returncode != 0:
        print("slurm_lifetime_outlive.py: SLURM is not reachable; start it with: bash scripts/slurm-up.sh",
              file=sys.stderr)
        return 2

    folder = tempfile.mkdtemp(prefix="outlive-")
    config = Path(folder) / "outlive.toml"
    config.write_text(f"""[run]
name = "outlive"
seed = 1
generations = 1

[space]
x = {{ type = "float", low = -1.0, high = 1.0 }}

[optimizer]
name = "random"
population_size = {args.evaluations}

[simulator]
name = "sleep"
median = {args.sleep}

[backend]
name = "slurm"
walltime = "{args.walltime}"
memory = "1GB"
minimum_jobs = 1
maximum_jobs = {args.evaluations}
chunk_size = 1
""")
    out = Path(folder) / "outlive.h5"
    env = {**os.environ, "PYTHONPATH": args.code}
    start = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "l2l.cli", "run", str(config), "--out", str(out)],
                               cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: dict[str, float] = {}  # job id -> seconds into the run when first listed
    stopped = False
    while process.poll() is None:
        for job in queued(folder):
            seen.setdefault(job, round(time.monotonic() - start, 1))
        if time.monotonic() - start > args.cap:
            stopped = True
            process.send_signal(signal.SIGINT)
            break
        time.sleep(1.0)
    try:
        stdout, stderr = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    wall = time.monotonic() - start
    time.sleep(3)
    left = queued(folder)
    for job in left:  # this run's own worker jobs only
        subprocess.run(["scancel", job], capture_output=True)
    rows = []
    if out.exists():
        sys.path.insert(0, args.code)
        import l2l

        try:
            frame = l2l.load(str(out))
            rows = [{"status": str(r["status"]), "attempts": int(r["attempts"]),
                     "error": str(r.get("error", ""))[:300]} for _, r in frame.iterrows()]
        except Exception as exc:  # a run stopped before it wrote a row
            rows = [{"unreadable": str(exc)[:200]}]
    print(stdout[-1500:])
    print(stderr[-1500:], file=sys.stderr)
    result = {"code": args.code, "sleep_s": args.sleep, "evaluations": args.evaluations, "walltime": args.walltime,
              "wall_s": round(wall, 1), "stopped_at_cap": stopped, "exit_status": process.returncode,
              "worker_jobs": len(seen), "jobs_first_listed_s": sorted(seen.values()),
              "cancelled_after": sorted(left), "rows": rows}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
