"""Pieces of benchmarks/scale.py: growing a large trajectory, the Dask worker sweep, a private SLURM.

``grow_file``: one real generation (random search, population 10,000, no-op
simulator) so that the file resumes, then synthetic generations appended with
the writer directly, each committed with the run state advanced, up to the
wanted number of rows.

``PrivateSlurm``: a second single-node SLURM for the benchmark only, beside the
one of scripts/slurm-up.sh and never touching it: its own config (given to the
clients through ``SLURM_CONF``), ports, state, spool, logs and pid files in a
temporary folder; its node declares more CPUs than the machine has
(``SlurmdParameters=config_overrides``). Its daemons run under other process
names (symlinks), so that slurm-up.sh's ``pgrep -x slurmctld`` never mistakes
them for the CI cluster's, and they are stopped by their process ids on exit.
"""

from __future__ import annotations

import copy
import os
import socket
import subprocess
import time
from pathlib import Path

import numpy as np

POPULATION = 10_000


def grow_file(path: Path, rows: int, config) -> int:
    """Grow the trajectory at ``path`` (created if missing) to at least ``rows`` rows; the rows it has."""
    import l2l
    from l2l.jobs.base import Outcome
    from l2l.results_schema.reader import Trajectory
    from l2l.results_schema.writer import TrajectoryWriter

    if not path.exists():
        l2l.run(config("random", POPULATION, 1, {"name": "noop"}, {"name": "serial"}), path)
    with Trajectory(path) as trajectory:
        state = trajectory.state()
        generation = trajectory.n_generations
    rng = np.random.default_rng(generation)
    with TrajectoryWriter(path) as writer:
        while generation * POPULATION < rows:
            values = rng.uniform(-5.0, 5.0, (POPULATION, 10))
            params = [{"x": row} for row in values]
            now = time.time()
            seeds = rng.integers(0, 2 ** 62, POPULATION).tolist()
            outcomes = [Outcome(generation, i, seeds[i], "ok", objectives={"value": 0.0}, started=now,
                                duration=1e-5) for i in range(POPULATION)]
            writer.append(outcomes, params)
            done = (generation + 1) * POPULATION
            state = copy.deepcopy(state)
            state["loop"].update(generation=generation + 1, evaluations=done, rows=done, next_trial=done)
            state["optimizer"]["evaluations"] = done
            writer.commit_generation(generation, evaluations=done, failed=0, started=now, finished=time.time(),
                                     summary={k: {"value": 0.0} for k in ("best", "median", "worst")}, state=state)
            generation += 1
    return generation * POPULATION


def dask_utilization(args: dict, config) -> dict:
    """A GA of ``population`` x ``generations`` sleep evaluations on a LocalCluster of ``workers`` threads."""
    import dask
    import l2l
    from distributed import LocalCluster

    workers, processes = args["workers"], args["processes"]
    if processes:  # several worker processes of many threads each
        shape = dict(n_workers=processes, threads_per_worker=workers // processes, processes=True)
    else:  # one light in-process worker per slot
        shape = dict(n_workers=workers, threads_per_worker=1, processes=False)
    # The scheduler configured as the local backend configures its own: no task waits in a worker's queue.
    # With Dask's default (1.1) a worker of 8 threads takes 9 tasks, and at a generation's end the ninth
    # waits a whole evaluation behind the others while other workers idle (0.78 against 0.91 at 32 workers).
    saturation = args.get("saturation", 1.0)
    with dask.config.set({"distributed.scheduler.worker-saturation": saturation}), \
            LocalCluster(**shape, dashboard_address=None, memory_limit=0) as cluster:
        path = Path(os.environ.get("TMPDIR", "/tmp")) / f"l2l-scale-dask-{os.getpid()}.h5"
        started = time.perf_counter()
        l2l.run(config("ga", args["population"], args["generations"], {"name": "sleep", "median": args["seconds"]},
                       {"name": "dask", "address": cluster.scheduler_address}), path)
        run_s = time.perf_counter() - started
    frame = l2l.load(path)
    path.unlink()
    # the wall is from the first evaluation's start to the last one's end, as the workers see it
    begin = frame["started"].astype("int64") / 1e9
    end = begin + frame["duration"]
    wall = float(end.max() - begin.min())
    busy = float(frame["duration"].sum())
    later = frame["generation"] >= 1
    steady_wall = float(end.max() - end[frame["generation"] == 0].max())
    return {"evaluations": len(frame), "ok": int((frame["status"] == "ok").sum()), "run_s": round(run_s, 3),
            "wall_s": round(wall, 3), "busy_s": round(busy, 3),
            "utilization": round(busy / (workers * wall), 4),
            "steady_utilization": round(float(frame.loc[later, "duration"].sum()) / (workers * steady_wall), 4),
            "overhead_per_eval_ms": round((workers * wall - busy) / len(frame) * 1e3, 2),
            "generation_s": [round(float(end[frame["generation"] == g].max()
                                         - begin[frame["generation"] == g].min()), 3)
                             for g in sorted(frame["generation"].unique())]}


def array_run(args: dict, config) -> dict:
    """One generation of ``tasks`` sleep evaluations as one SLURM array (SLURM_CONF names the cluster)."""
    import l2l

    path = Path(args["file"])
    started = time.perf_counter()
    l2l.run(config("random", args["tasks"], 1, {"name": "sleep", "median": 0.0},
                   {"name": "slurm-array", "walltime": "00:10:00", "poll_max": 1.0, "retries": 2}), path)
    run_s = time.perf_counter() - started
    frame = l2l.load(path)
    logs = path.with_suffix(".work") / "array" / "logs" / "generation-00000.log"
    submissions = logs.read_text(errors="replace").count("==== generation") if logs.exists() else None
    slurm_errors = int(frame["error"].fillna("").str.contains("SLURM job").sum())
    return {"rows": len(frame), "ok": int((frame["status"] == "ok").sum()),
            "failed": int((frame["status"] != "ok").sum()), "submissions": submissions,
            "duplicates": int(frame.duplicated(["generation", "individual"]).sum()),
            "lost": (args["tasks"] - len(frame)) + slurm_errors + max(0, (submissions or 0) - args["tasks"]),
            "run_s": round(run_s, 2)}


class PrivateSlurm:
    """A throw-away single-node SLURM with ``cpus`` declared CPUs, in ``folder`` (see the module doc)."""

    CONTROLLER_PORT, NODE_PORT = 6917, 6918

    def __init__(self, folder: Path, cpus: int):
        self.folder, self.cpus = Path(folder), cpus
        self.conf = self.folder / "slurm.conf"
        self.processes: list[subprocess.Popen] = []

    def _write_conf(self) -> None:
        host = socket.gethostname().split(".")[0]
        memory_mb = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 20 * 0.5)
        dirs = {name: self.folder / name for name in ("state", "spool", "log", "run", "bin")}
        for directory in dirs.values():
            directory.mkdir(parents=True, exist_ok=True)
        self.log = dirs["log"] / "slurmctld.log"
        self.conf.write_text(f"""ClusterName=l2lscale
SlurmctldHost={host}
SlurmctldPort={self.CONTROLLER_PORT}
SlurmdPort={self.NODE_PORT}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
SlurmdParameters=config_overrides
StateSaveLocation={dirs['state']}
SlurmdSpoolDir={dirs['spool']}
SlurmctldPidFile={dirs['run']}/slurmctld.pid
SlurmdPidFile={dirs['run']}/slurmd.pid
SlurmctldLogFile={self.log}
SlurmdLogFile={dirs['log']}/slurmd.log
MaxArraySize=1001
MaxJobCount=20000
KillWait=2
MinJobAge=60
SchedulerParameters=sched_interval=1,default_queue_depth=1000
InactiveLimit=0
Waittime=0
NodeName={host} CPUs={self.cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=scale Nodes={host} Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
""")
        self.host = host
        self.bin = dirs["bin"]

    def _daemon(self, name: str) -> None:
        link = self.bin / f"scale-{name}"
        if not link.exists():
            link.symlink_to(f"/usr/sbin/{name}")
        log = open(self.folder / "log" / f"{name}.out", "w")
        self.processes.append(subprocess.Popen([str(link), "-D", "-f", str(self.conf)], stdout=log,
                                               stderr=subprocess.STDOUT, env={**os.environ,
                                                                              "SLURM_CONF": str(self.conf)}))

    def __enter__(self) -> "PrivateSlurm":
        self._write_conf()
        if subprocess.run(["pgrep", "-x", "munged"], capture_output=True).returncode != 0:
            subprocess.run(["munged", "--force"], check=True)  # shared with the CI cluster; left running
        self._daemon("slurmctld")
        time.sleep(1.0)
        self._daemon("slurmd")
        environment = {**os.environ, "SLURM_CONF": str(self.conf)}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            done = subprocess.run(["sinfo", "--noheader", "--format=%T %c"], capture_output=True, text=True,
                                  env=environment)
            if done.returncode == 0 and done.stdout.split()[:1] in (["idle"], ["mixed"]):
                return self
            if done.stdout.startswith(("down", "drain")):
                subprocess.run(["scontrol", "update", f"NodeName={self.host}", "State=RESUME"],
                               capture_output=True, env=environment)
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError(f"the private SLURM did not come up; see {self.folder / 'log'}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __exit__(self, *exc) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes = []
