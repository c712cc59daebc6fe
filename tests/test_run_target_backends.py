"""run.target on the Dask backends (``local``, ``slurm``, ``dask``): the run ends at the first result that
reaches the target, not when the evaluations the backend batched with it are done, and on ``dask``, whose workers
the run does not own, what its evaluations still out started there is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import l2l
from conftest import TESTS
from test_run_target_killed import killed_before_finished


def test_the_result_that_reaches_the_target_is_not_held_back_by_its_chunk(tmp_path):
    # One worker and 8 evaluations of unknown length went as 4 chunks of 2 (the slurm backend's first generation
    # while its worker jobs come up): 0/0, which reaches the target at once, came back only with 0/1's 2 s
    # result, and the run waited for it.
    config = l2l.from_mapping({
        "run": {"name": "chunks", "seed": 1, "generations": 3, "target": 3.0},
        "space": {"x": {"low": -1.0, "high": 1.0}}, "optimizer": {"name": "random", "population_size": 8},
        "simulator": {"name": "python", "function": "models_target_backends:slow_above_3"},
        "backend": {"name": "local", "workers": 1}}, base_dir=TESTS)
    path = l2l.run(config, tmp_path / "chunks.h5", progress=False)
    rows = l2l.load(path)
    with l2l.Trajectory(path) as trajectory:
        detail = json.loads(trajectory.events()["detail"].iloc[-1])
    assert detail["target"]["candidate"] == [0, 0]
    assert rows[["generation", "individual"]].values.tolist() == [[0, 0]], rows
    assert l2l.validate(path) == []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_dask_run_that_reaches_its_target_kills_the_programs_it_left_on_the_workers(tmp_path, monkeypatch):
    # The workers of backend dask are not the run's to close: the programs of the evaluations out as the run
    # reached its target (0/1's, which runs for a minute) ran on to their end, for nobody.
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, dashboard_address=":0", host="127.0.0.1") as cluster:
        config = l2l.from_mapping({
            "run": {"name": "programs", "seed": 1, "generations": 3, "target": 3.0},
            "space": {"x": {"low": -1.0, "high": 1.0}}, "optimizer": {"name": "random", "population_size": 8},
            "simulator": {"name": "command", "argv": [sys.executable, str(TESTS / "models_target_backends.py"),
                                                      "{seed}"], "keep_workdirs": True},  # (its programs'
            # pids are read from their folders, which a cancelled evaluation's end removes without the option)
            "backend": {"name": "dask", "address": cluster.scheduler_address}}, base_dir=TESTS)
        path = tmp_path / "programs.h5"
        killed_before_finished(monkeypatch, config, path)  # as kill -9 between the result and the run's end
        pids = [int(p.read_text()) for p in tmp_path.glob("programs.work/*/*/program.pid")]
        try:
            assert pids  # 0/0 returned once 0/1's program ran
            for _ in range(200):  # the kill is sent before l2l.run returns; the worker reaps its child meanwhile
                if not any(_alive(pid) for pid in pids):
                    break
                time.sleep(0.05)
            assert not [pid for pid in pids if _alive(pid)]
            # l2l resume of a run killed (kill -9) as it reached its target runs nothing again, so no segment's
            # start killed the programs the killed session left on the workers: the resumed run kills them as it
            # ends (here one that stands for them, started with the run's environment; the killed session above
            # was let close its executor)
            left = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], env={
                **os.environ, "L2L_RUN": str((tmp_path / "programs.work").absolute())})
            try:
                l2l.resume(path, progress=False)
                assert left.wait(timeout=30) == -signal.SIGKILL
            finally:
                if left.poll() is None:
                    left.kill()
                    left.wait()
        finally:
            for pid in pids:
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
    assert events["kind"].tolist() == ["started", "resumed", "finished"]
    assert json.loads(events["detail"].iloc[-1])["target"]["candidate"] == [0, 0] and l2l.validate(path) == []
