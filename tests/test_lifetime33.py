"""An evaluation longer than the ``slurm`` backend's worker lifetime (helper-267, session 33).

The worker jobs retire gracefully before their walltime (dask-jobqueue's ``--lifetime``); Dask ran the evaluation a
retiring worker took along again on the next worker job, which retired under it too: for ever, silently, a worker
job paid for each time (measured on the local SLURM: walltime 00:01:00, a 75 s segment, 8 worker jobs in 6 minutes,
no segment done, nothing said). Now a worker job retiring under an evaluation that had run on it for at least half
the lifetime is counted, and the second such retirement makes it a failed row whose error names the lifetime and
what to change; the run goes on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from slurm_helpers import l2l_command, require_slurm, write_toml

from l2l.simulators.base import Simulator

#: Set as a test ends: the evaluations of :class:`Waits` still running in the in-process workers' threads return.
RELEASE = threading.Event()


class Waits(Simulator):
    """An evaluation that runs until the test lets it go (30 s at most)."""

    name = "waits"

    def run(self, params, seed):
        RELEASE.wait(30)
        return 0.0


def _poll(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


class _Cluster:
    """A ``slurm`` executor on a scheduler in this process, as dask-jobqueue runs it, its worker jobs stood in for by
    in-process workers the test starts and retires as a worker's lifetime timer does."""

    def __init__(self, cluster, executor) -> None:
        self.cluster, self.executor, self.workers = cluster, executor, []

    def worker(self):
        from distributed import Worker

        async def start():
            return await Worker(self.cluster.scheduler_address, nthreads=1)
        self.workers.append(self.cluster.sync(start))
        return self.workers[-1]

    def executing(self, worker, key: str) -> float:
        """Seconds the scheduler last heard (a heartbeat) that ``worker`` had run ``key``; -1 if not executing it."""
        state = self.cluster.scheduler.workers.get(worker.address)
        figures = {task.key: seconds for task, seconds in list(dict(state.executing).items())} if state else {}
        return figures.get(key, -1.0)

    def retire(self, worker) -> None:
        """What dask-jobqueue's ``--lifetime`` does as it runs out (distributed.Worker's lifetime timer calls
        ``close_gracefully``, whose steps these are), but for the wait for the evaluation's thread: a worker job's
        process ends there."""
        async def close_gracefully():
            await worker.scheduler.retire_workers(workers=[worker.address], close_workers=False, remove=True,
                                                  stimulus_id=f"worker-close-gracefully-{time.time()}")
            await worker.close(reason="worker-lifetime-reached", executor_wait=False)
        self.cluster.sync(close_gracefully)

    def close(self) -> None:
        for worker in self.workers:
            self.cluster.sync(worker.close, reason="test-end", executor_wait=False)

    def outcomes(self, seconds: float) -> list:
        found: list = []
        _poll(lambda: found.extend(self.executor.wait(timeout=0.2)) or found, seconds, "an outcome")
        return found


@pytest.fixture
def slurm_here(monkeypatch):
    from distributed import Client, LocalCluster

    from l2l.jobs.base import Settings, Task
    from l2l.jobs.slurm import SlurmExecutor

    RELEASE.clear()
    with LocalCluster(n_workers=0, processes=False, dashboard_address=":0", protocol="tcp://",
                      host="127.0.0.1") as cluster:
        # a lifetime of 1 s (no stagger): a retirement counts after half a second of an evaluation
        executor = SlurmExecutor(walltime="00:01:00", lifetime="00:00:01", lifetime_stagger="00:00:00", chunk_size=1)
        executor._cluster = cluster
        monkeypatch.setattr(executor, "_connect", lambda: Client(cluster, set_as_default=False))
        executor.start(Waits(), Settings(objectives=("value",)))
        executor.submit([Task(0, 0, 7, {"x": 0.5})])
        here = _Cluster(cluster, executor)
        try:
            yield here, next(iter(executor._chunks))
        finally:
            RELEASE.set()
            here.close()
            executor._cluster = None  # the test's to close
            executor.close()


def test_an_evaluation_two_retiring_worker_jobs_took_along_becomes_a_failed_row_naming_the_lifetime(slurm_here):
    here, key = slurm_here
    for _ in range(2):
        worker = here.worker()
        _poll(lambda: here.executing(worker, key) >= 0.6, 15, "the evaluation running for 0.6 s")
        here.retire(worker)
    # before: nothing, ever (Dask waited for a third worker job to run it on, which retired under it too)
    [outcome] = here.outcomes(10)
    assert outcome.status == "failed"
    assert outcome.error == ("did not finish within the slurm worker jobs' lifetime (lifetime 00:00:01: 1 s): its "
                             "worker job retired under it twice, each time after it had run for over half of it; raise "
                             "[backend] lifetime (and walltime), or set run.timeout below 1 s")
    assert outcome.submissions == 2  # both runs count as attempts (compute)
    assert here.executor.pending == 0


def test_an_evaluation_a_worker_retired_under_early_in_it_is_run_again_and_finishes(slurm_here):
    here, key = slurm_here
    here.executor._lifetime = 60  # (a retirement counts after 30 s of an evaluation: never here, under any load)
    for _ in range(2):  # the worker leaves as the evaluation starts: it may well fit in the next worker's life
        worker = here.worker()
        _poll(lambda: key in {task.key for task in here.cluster.scheduler.workers[worker.address].processing}, 15,
              "the evaluation sent")
        here.retire(worker)
    RELEASE.set()
    here.worker()
    [outcome] = here.outcomes(15)
    assert outcome.status == "ok" and outcome.submissions == 3


def test_a_run_timeout_the_workers_retire_before_is_warned_of_as_the_run_starts(capsys):
    from l2l.jobs.slurm import SlurmExecutor

    executor = SlurmExecutor(walltime="00:01:00")  # lifetime 30 s, stagger 3 s
    for fine in (None, 0, 20.0, 26.5):
        executor._warn_timeout(fine)
    assert capsys.readouterr().err == ""
    executor._warn_timeout(45.0)
    assert capsys.readouterr().err == (
        "l2l: warning: backend 'slurm': run.timeout = 45 s is not below the worker jobs' lifetime (walltime 00:01:00 "
        "less the retire margin: 30 s ± 3 s): an evaluation that long fails as its worker retires under it, not at "
        "its timeout; raise [backend] walltime, or set run.timeout below 27 s\n")


# -- against SLURM ----------------------------------------------------------------------------------

@pytest.mark.slurm
def test_slurm_an_evaluation_longer_than_the_worker_lifetime_ends_as_a_failed_row(tmp_path):
    require_slurm()
    config = write_toml(tmp_path / "outlive.toml", {
        "run": {"name": "outlive", "generations": 1},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 1},
        "simulator": {"name": "sleep", "median": 40.0},
        "backend": {"name": "slurm", "walltime": "00:01:00", "lifetime": "00:00:05", "lifetime_stagger": "00:00:01",
                    "minimum_jobs": 1, "maximum_jobs": 1, "memory": "1GB", "chunk_size": 1}})
    out = tmp_path / "outlive.h5"
    # a worker job that retired is replaced 1 s after it left (Dask's lost-worker timeout, 15 s by default: the
    # test took 46 s at load 16, 15 s of it waiting for the second worker job)
    env = {**os.environ, "DASK_DISTRIBUTED__DEPLOY__LOST_WORKER_TIMEOUT": "1s"}
    process = subprocess.Popen(l2l_command("run", str(config), "--out", str(out)), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    try:
        stdout, stderr = process.communicate(timeout=150)
    except subprocess.TimeoutExpired:  # before: for ever; Ctrl-C cancels the run's worker jobs
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        pytest.fail(f"the run did not end in 150 s: {stderr[-2000:]}")
    import l2l

    frame = l2l.load(out)
    assert len(frame) == 1, (stdout, stderr)
    row = frame.iloc[0]
    assert row["status"] == "failed"
    assert row["error"].startswith("did not finish within the slurm worker jobs' lifetime (lifetime 00:00:05: 5 s "
                                   "± 1 s): its worker job retired under it twice"), row["error"]
    assert int(row["attempts"]) == 2, frame.to_dict("records")
    # said as the run ends, in one line (its worker job retiring as the cluster closed printed a traceback)
    assert "l2l: every evaluation failed; the last: generation 0, individual 0: did not finish within" in stderr
    assert '1 failed: 1 × "did not finish within the slurm worker jobs\' lifetime' in stdout, stdout
    assert "Traceback" not in stderr, stderr
