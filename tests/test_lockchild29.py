"""A driver killed with ``kill -9`` leaves neither its writer lock nor its evaluations running behind it.

An evaluation with ``run.timeout`` runs in a child forked by the driver: it shared the driver's ``flock``, so
after a ``kill -9`` of the driver it kept the file locked for up to its timeout (``l2l resume`` refused,
naming the dead driver, past its 5 s wait), and it evaluated on to the end, burning a core. A ``command``
simulator's program also ran on to its end. Now the child closes its copy of the lock as it starts, and each
of them is killed when the driver dies (l2l.parent_death).

Each driver is a fresh Python started by this process; every wait is a poll with a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
import time
from pathlib import Path

import pytest
from process_watch import ends_within as _ends_within
from process_watch import reap  # noqa: F401 - a fixture

import l2l
from l2l import parent_death
from l2l.errors import TrajectoryError
from l2l.results_schema.lock import WriterLock, lock_path

#: Long enough that an evaluation still running when a test looks was not killed by its own end.
SLEEP = 60

MODEL = textwrap.dedent(f"""
    import os
    import time
    from pathlib import Path

    HERE = Path(__file__).parent


    def model(params, seed):
        with open(HERE / "pids", "a") as handle:
            handle.write(f"{{os.getpid()}}\\n")
        if (HERE / "slow").exists():
            time.sleep({SLEEP})
        return {{"value": float(params["x"] ** 2)}}
""")

PROGRAM = textwrap.dedent(f"""
    import os
    import sys
    import time

    with open(sys.argv[1], "a") as handle:
        handle.write(f"{{os.getpid()}}\\n")
    time.sleep({SLEEP})
    print(1.0)
""")


def _config(simulator: dict, backend: str = "serial") -> l2l.Config:
    return l2l.from_mapping({"run": {"name": "orphans", "seed": 1, "generations": 2, "timeout": 120},
                             "space": {"x": {"low": -1.0, "high": 1.0}},
                             "optimizer": {"name": "random", "population_size": 1},
                             "simulator": simulator,
                             "backend": {"name": backend, **({"workers": 1} if backend != "serial" else {})}})


def _python_model(folder: Path) -> dict:
    (folder / "lockchild29_model.py").write_text(MODEL)
    (folder / "slow").touch()
    return {"name": "python", "function": "lockchild29_model:model", "path": str(folder)}


def _started_driver(config, path: Path, pids: Path, deadline: float = 90.0) -> tuple[int, int]:
    """Start a driver, a fresh Python, that runs ``config`` into ``path``; wait until an evaluation wrote its pid to
    ``pids``. Returns (driver's pid, evaluation's pid). (A fork of this process failed in the full suite: a Dask
    cluster started in a fork of a pytest that earlier tests left with threads ended before its first evaluation.)"""
    log = path.with_name("driver.log")
    code = "import json, sys, l2l; l2l.run(l2l.from_mapping(json.loads(sys.argv[1])), sys.argv[2])"
    driver = os.posix_spawn(sys.executable, [sys.executable, "-c", code, json.dumps(config.to_json()), str(path)],
                            dict(os.environ), file_actions=[
                                (os.POSIX_SPAWN_OPEN, 2, str(log), os.O_WRONLY | os.O_CREAT, 0o644),
                                (os.POSIX_SPAWN_DUP2, 2, 1)])  # its output and its programs' in a file
    end = time.monotonic() + deadline
    while not (pids.exists() and pids.read_text().endswith("\n")):
        done, _ = os.waitpid(driver, os.WNOHANG)
        assert not done, f"the driver ended before its first evaluation started: {log.read_text()}"
        assert time.monotonic() < end, "no evaluation started"
        time.sleep(0.02)
    return driver, int(pids.read_text().split()[0])


def _kill(driver: int) -> None:
    os.kill(driver, signal.SIGKILL)
    os.waitpid(driver, 0)


needs_linux = pytest.mark.skipif(not parent_death.available(), reason="the kernel's parent-death signal (Linux)")


def test_resume_right_after_a_kill_of_a_driver_whose_evaluation_runs_under_a_timeout_is_not_refused(tmp_path, reap):
    """Before: 'is being written by another process (pid <the dead driver>)' for as long as the evaluation ran."""
    path = tmp_path / "run.h5"
    driver, evaluation = _started_driver(_config(_python_model(tmp_path)), path, tmp_path / "pids")
    reap.append(evaluation)
    assert evaluation != driver  # run.timeout: the evaluation runs in a child of the driver
    _kill(driver)
    (tmp_path / "slow").unlink()  # the evaluations resumed are quick
    l2l.resume(path)
    frame = l2l.load(path)
    assert len(frame) == 2 and (frame["status"] == "ok").all()
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.events()["kind"].tolist()[-1] == "finished"


@needs_linux
def test_an_evaluation_under_a_timeout_ends_with_its_killed_driver(tmp_path, reap):
    """Before: it evaluated on to its end (60 s here, up to run.timeout), reparented to init."""
    driver, evaluation = _started_driver(_config(_python_model(tmp_path)), tmp_path / "run.h5", tmp_path / "pids")
    reap.append(evaluation)
    _kill(driver)
    assert _ends_within(evaluation, 10), "the evaluation outlived its killed driver"


@needs_linux
def test_a_command_program_ends_with_its_killed_driver(tmp_path, reap):
    """Before: the program ran on to its end, reparented to init (the lock was not held: it was exec'd)."""
    (tmp_path / "program.py").write_text(PROGRAM)
    pids = tmp_path / "pids"
    config = _config({"name": "command", "argv": [sys.executable, str(tmp_path / "program.py"), str(pids)]})
    path = tmp_path / "run.h5"
    driver, program = _started_driver(config, path, pids)
    reap.append(program)
    _kill(driver)
    assert _ends_within(program, 10), "the command's program outlived its killed driver"
    with WriterLock(path) as lock:
        assert lock.held


def test_a_lock_released_in_a_forked_child_leaves_the_parents_lock_in_place(tmp_path):
    """A child forked from a writer holds no lock: releasing one there removed the writer's lock file, and the
    next writer, finding none, wrote the file beside the live one."""
    path = tmp_path / "x.h5"
    with WriterLock(path) as lock:
        child = os.fork()
        if child == 0:  # pragma: no cover - the child: a lock object it inherited, released (a finally block)
            try:
                lock.release()
            finally:
                os._exit(0)
        assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0
        assert lock_path(path).exists()
        with pytest.raises(TrajectoryError, match="being written by another run in this process"):
            WriterLock(path).acquire()
    assert not lock_path(path).exists()


@needs_linux
def test_an_evaluation_under_a_timeout_on_a_local_worker_ends_with_its_killed_driver(tmp_path, reap):
    """The local backend's workers end with the driver (Dask's nannies live in the driver, and a worker exits when
    its parent does); before, the evaluation a worker forked for run.timeout ran on to its end."""
    driver, evaluation = _started_driver(_config(_python_model(tmp_path), "local"), tmp_path / "run.h5",
                                         tmp_path / "pids")
    reap.append(evaluation)
    _kill(driver)
    assert _ends_within(evaluation, 30), "the evaluation outlived its killed driver and its worker"
