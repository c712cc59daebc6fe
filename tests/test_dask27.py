"""The local and Dask backends driven from Python as a notebook or a piped script drives them (session 27)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import l2l

ROOT = Path(__file__).resolve().parents[1]


def _sweep(backend: dict, evaluations: int = 1) -> dict:
    return {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
            "optimizer": {"name": "random", "population_size": evaluations}, "run": {"generations": 1, "seed": 1},
            "backend": backend}


TWO_THREADS = """
import functools
import threading
import time
from pathlib import Path

import l2l

HERE = {HERE!r}


def wait_for(path):
    deadline = time.monotonic() + 60
    while not path.exists():
        assert time.monotonic() < deadline, path
        time.sleep(0.02)


def held(name, params, seed):  # in a worker: says it runs, then waits until it is released
    Path(HERE, f"started-{name}").touch()
    wait_for(Path(HERE, f"release-{name}"))
    return float(params["x"] ** 2)


def run(name):
    l2l.run({CONFIG!r}, f"{name}.h5", simulator=functools.partial(held, name))


if __name__ == "__main__":
    first = threading.Thread(target=run, args=(1,))
    first.start()
    wait_for(Path("started-1"))
    second = threading.Thread(target=run, args=(2,))
    second.start()
    wait_for(Path("started-2"))
    Path("release-1").touch()
    first.join()
    Path("release-2").touch()
    second.join()
    print("rows", l2l.load("1.h5")["status"].tolist(), l2l.load("2.h5")["status"].tolist())
"""


def test_two_local_runs_in_two_threads_print_none_of_dasks_lines_as_they_close(tmp_path):
    # the first run's cluster, closing before the second's, put distributed's log level back, and the second's
    # close then printed a dozen INFO lines ('distributed.scheduler - INFO - Remove client ...', 'Closing Nanny')
    script = tmp_path / "two.py"
    script.write_text(TWO_THREADS.replace("{CONFIG!r}", repr(_sweep({"name": "local", "workers": 1}))).replace(
        "{HERE!r}", repr(str(tmp_path))))
    done = _python(tmp_path, str(script))
    assert done.returncode == 0, done.stderr
    assert "rows ['ok'] ['ok']" in done.stdout
    assert done.stderr == ""


def test_distributeds_own_lines_show_again_once_the_runs_clusters_closed(tmp_path):
    # the runs' clusters keep distributed's lines off the screen while they live, not for the rest of the process
    import logging

    # distributed's own stream handler, as a script has it (pytest's logging leaves the logger without one)
    handler = logging.StreamHandler(io.StringIO())
    handler.setLevel(logging.INFO)
    logger = logging.getLogger("distributed")
    logger.addHandler(handler)
    try:
        path = l2l.run(_sweep({"name": "local", "workers": 1}), tmp_path / "a.h5", simulator=_square)
        assert l2l.load(path)["status"].tolist() == ["ok"]
        assert handler.level == logging.INFO  # put back: a warning of distributed's after the run is printed
    finally:
        logger.removeHandler(handler)


def _square(params, seed):
    return float(params["x"] ** 2)


SCRIPT = """
import l2l

def bowl(params, seed):
    return float(params["x"] ** 2)

path = l2l.run({CONFIG!r}, "piped.h5", simulator=bowl)
print("rows", l2l.load(path)["status"].tolist())
"""


def _python(tmp_path: Path, *args: str, script: str | None = None) -> subprocess.CompletedProcess:
    """``python ARGS`` in ``tmp_path`` with this checkout importable, ``script`` on its standard input."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, *args], input=script, cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def _pipe(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    """``python - < script.py`` in ``tmp_path``: the script read from standard input."""
    return _python(tmp_path, "-", script=script)


def test_a_script_read_from_standard_input_runs_on_the_local_backend(tmp_path):
    # its workers ran the script's file again as they started, '<stdin>', which is none: each failed
    # (FileNotFoundError), and the run ended in 'the Dask cluster did not start after 3 attempts'
    script = SCRIPT.replace("{CONFIG!r}", repr(_sweep({"name": "local", "workers": 1}, evaluations=2)))
    done = _pipe(tmp_path, script)
    assert done.returncode == 0, done.stderr
    assert "rows ['ok', 'ok']" in done.stdout
    assert "Traceback" not in done.stderr, done.stderr


def test_a_piped_script_whose_workers_would_not_start_is_refused_in_one_line_before_the_file_exists(tmp_path):
    # a fork server started before l2l's (the script's own multiprocessing) runs the main script again in each
    # worker: then the run is refused, saying what to do
    script = "import multiprocessing.forkserver\nmultiprocessing.forkserver.ensure_running()\n" + \
        SCRIPT.replace("{CONFIG!r}", repr(_sweep({"name": "local", "workers": 1})))
    done = _pipe(tmp_path, script)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("l2l.errors.ConfigError: backend 'local': ") and "standard input" in last, done.stderr
    assert "save it to a file" in last and "backend 'serial'" in last
    assert "Nanny" not in done.stderr and "FileNotFoundError" not in done.stderr
    assert not (tmp_path / "piped.h5").exists()


class _Clock:
    """time.monotonic for l2l.jobs.dask_executor and dask_existing alone, moved on by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def __getattr__(self, name: str):
        import time

        return getattr(time, name)


class _Scheduler:
    """A client whose scheduler reports ``workers`` single-threaded workers, counting the requests."""

    status = "running"

    def __init__(self, workers: int) -> None:
        self.workers, self.asked = workers, 0

    def scheduler_info(self, n_workers: int = 5) -> dict:
        self.asked += 1
        return {"workers": {f"tcp://127.0.0.1:{4000 + i}": {"nthreads": 1, "status": "running",
                                                            "memory_limit": 2 * 10**9, "metrics": {"memory": 0}}
                            for i in range(self.workers)}}


def test_a_worker_that_joined_is_counted_from_the_first_answer_after_it(monkeypatch):
    import queue

    import l2l.jobs.dask as dask_backend
    import l2l.jobs.dask_executor as dask_executor
    import l2l.jobs.dask_existing as dask_existing

    clock = _Clock()
    monkeypatch.setattr(dask_executor, "time", clock)
    monkeypatch.setattr(dask_existing, "time", clock)
    client = _Scheduler(workers=2)
    executor = dask_backend.DaskExecutor(address="tcp://127.0.0.1:8786")
    executor._client, executor._pending, executor._done = client, 2, queue.SimpleQueue()  # noqa: SLF001 - started
    executor._quarantine, executor._isolated, executor._futures = [], None, set()  # noqa: SLF001
    executor._workers, executor._workers_asked = 1, -float("inf")  # noqa: SLF001
    assert executor.wait(timeout=0) == []  # nothing came back: the checks ask for the workers (2)
    clock.now += 0.9
    client.workers = 3  # a worker joins
    assert executor.worker_count == 2  # the answer of 0.9 s ago
    clock.now += 0.2
    # the answer is over WORKER_COUNT_SECONDS old: asked again (before: the count's own timer, set by the look
    # 0.2 s ago, kept the answer of 1.1 s ago for up to 2 s in all)
    assert executor.worker_count == 3
    clock.now += 0.5
    assert executor.wait(timeout=0) == [] and executor.worker_count == 3
    assert client.asked == 2  # one request a second at most, for the count and the checks together


def test_a_second_run_into_a_file_this_process_writes_says_it_is_this_processs_own(tmp_path):
    # two cells (or threads) of one notebook run into one file: the second was told the file 'is being written by
    # another process (pid N)', N the notebook's own pid
    import threading

    running, release, failures = threading.Event(), threading.Event(), []

    def held(params, seed):
        running.set()
        assert release.wait(60)
        return float(params["x"] ** 2)

    out = tmp_path / "run.h5"

    def first() -> None:
        try:
            l2l.run(_sweep({"name": "serial"}), out, simulator=held)
        except BaseException as exc:  # noqa: BLE001 - asserted in the test's thread
            failures.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert running.wait(60)
        with pytest.raises(l2l.TrajectoryError) as again:
            l2l.run(_sweep({"name": "serial"}), out, simulator=_square)
        with pytest.raises(l2l.TrajectoryError) as resumed:
            l2l.resume(out, simulator=_square)
    finally:
        release.set()
        thread.join()
    assert failures == []
    assert str(again.value).startswith(f"{out} already exists and is being written by another run in this process; ")
    assert str(resumed.value) == f"{out} is being written by another run in this process; wait for it to finish " \
        f"or stop it first"
    assert str(os.getpid()) not in str(again.value) + str(resumed.value)
    assert l2l.load(out)["status"].tolist() == ["ok"]
