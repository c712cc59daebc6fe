"""The Dask backends from Python and from the command line, beside a user's own Dask clusters (session 28).

* Their messages name what the user would run: ``l2l.resume(FILE, backend="dask")`` from Python, ``l2l resume FILE
  --backend dask`` on the command line (both said the command before).
* A run on the ``local`` backend leaves the levels of distributed's stream handlers as it found them, whatever a
  ``LocalCluster`` of the user's own did to them meanwhile: before, a user's cluster closed during the run made the
  run's cluster print its INFO lines as it closed and left the user's handlers at WARNING; a user's cluster started
  during the run put back the run's CRITICAL as it closed, and distributed printed nothing more, warnings included.
"""

from __future__ import annotations

import functools
import io
import logging
import queue
import threading
import time
from pathlib import Path

import dask.config
import pytest
from distributed_handler import distributeds_handler  # noqa: F401 - a fixture
from distributed.utils import silence_logging_cmgr

import l2l
from l2l.cli import main
from l2l.errors import ConfigError, ExecutorError
from l2l.jobs import dask_executor, dask_existing, dask_greet
from l2l.jobs.dask import DaskExecutor
from l2l.jobs.dask_logs import cluster_closed, clusters_quiet
from l2l.words import command_line

SWEEP = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": {"name": "sphere"},
         "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1, "seed": 1},
         "backend": {"name": "serial"}}


@pytest.fixture
def no_scheduler_address(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with dask.config.set({"scheduler-address": None}):
        yield


def test_resuming_on_dask_without_an_address_says_the_call_from_python_and_the_command_on_the_command_line(
        tmp_path, capsys, no_scheduler_address):
    path = l2l.run(SWEEP, tmp_path / "run.h5", progress=False)
    with pytest.raises(ConfigError) as raised:
        l2l.resume(path, backend="dask", generations=2)
    # before: 'as for l2l resume FILE --backend dask', a command, to a Python caller
    assert str(raised.value).endswith("(or set Dask's DASK_SCHEDULER_ADDRESS, as for l2l.resume(FILE, "
                                      "backend=\"dask\"))"), raised.value
    capsys.readouterr()
    assert main(["resume", str(path), "--backend", "dask", "--generations", "2", "--no-progress"]) == 2
    assert capsys.readouterr().err.strip().endswith("as for l2l resume FILE --backend dask)")


class _NoWorkers:
    status = "running"

    def scheduler_info(self, n_workers: int = 5) -> dict:
        return {"workers": {}}


def _told_no_workers(monkeypatch, capsys, function: bool) -> str:
    monkeypatch.setattr(dask_existing, "NO_WORKERS_SECONDS", 0.0)
    monkeypatch.setattr(dask_executor, "WORKER_COUNT_SECONDS", 0.0)
    executor = DaskExecutor(address="tcp://127.0.0.1:8786")
    executor._client, executor._pending, executor._done = _NoWorkers(), 2, queue.SimpleQueue()
    executor._quarantine, executor._isolated, executor._futures = [], None, set()
    executor._function = function  # (set by start: the run's simulator is a function passed to l2l.run)
    for _ in range(3):
        executor.wait(timeout=0)
    said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: warning:")]
    assert len(said) == 1, said
    return said[0]


@pytest.mark.parametrize("function", [False, True])
def test_a_scheduler_without_workers_says_how_to_continue_from_python(monkeypatch, capsys, function):
    said = _told_no_workers(monkeypatch, capsys, function)
    # before: 'continue later with l2l resume', which cannot pass a function
    call = "l2l.resume(FILE, simulator=function)" if function else "l2l.resume(FILE)"
    assert said.endswith(f"or stop it (Ctrl-C) and continue later with {call}"), said


def test_a_scheduler_without_workers_says_the_command_on_the_command_line(monkeypatch, capsys):
    with command_line():
        said = _told_no_workers(monkeypatch, capsys, False)
    assert said.endswith("or stop it (Ctrl-C) and continue later with l2l resume FILE"), said


def _as_found(handler: logging.StreamHandler, printed: io.StringIO) -> None:
    """The handler is as it was before the clusters (level and filters), and prints distributed's lines again."""
    assert (handler.level, handler.filters) == (logging.NOTSET, [])
    logging.getLogger("distributed.scheduler").info("a line after the clusters")
    assert printed.getvalue().endswith("distributed.scheduler - INFO - a line after the clusters\n")


def test_a_users_cluster_closed_while_a_runs_cluster_lives_leaves_distributeds_levels_as_found(distributeds_handler):
    handler, printed = distributeds_handler
    users = silence_logging_cmgr(logging.WARNING)  # what a user's LocalCluster does for its life
    users.__enter__()
    clusters_quiet()  # the run's cluster starts
    users.__exit__(None, None, None)  # the user's cluster closes
    logging.getLogger("distributed.nanny").info("Closing Nanny at ...")  # the run's cluster closing
    cluster_closed()
    assert "Closing Nanny" not in printed.getvalue()  # before: printed
    _as_found(handler, printed)  # before: left at WARNING


def test_a_users_cluster_started_while_a_runs_cluster_lives_leaves_distributeds_levels_as_found(distributeds_handler):
    handler, printed = distributeds_handler
    clusters_quiet()  # the run's cluster starts
    users = silence_logging_cmgr(logging.WARNING)
    users.__enter__()  # the user's cluster starts
    cluster_closed()  # the run's closes
    users.__exit__(None, None, None)  # the user's closes
    _as_found(handler, printed)  # before: left at CRITICAL, distributed silent for the rest of the process


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert time.monotonic() < deadline, path
        time.sleep(0.02)


def held(folder: str, params, seed):
    """Says it runs, then waits until it is released (in a worker of the run's cluster)."""
    Path(folder, "started").touch()
    _wait_for(Path(folder, "release"))
    return float(params["x"] ** 2)


def test_a_local_run_beside_a_users_cluster_closed_meanwhile_prints_none_of_its_clusters_lines(
        tmp_path, distributeds_handler):
    from distributed import LocalCluster

    handler, printed = distributeds_handler
    users = LocalCluster(n_workers=0, processes=False, dashboard_address=None)  # (silence_logs: WARNING, Dask's)
    config = {**SWEEP, "optimizer": {"name": "random", "population_size": 1}, "simulator": "python",
              "backend": {"name": "local", "workers": 1}}
    failures: list[BaseException] = []

    def run() -> None:
        try:
            l2l.run(config, tmp_path / "run.h5", simulator=functools.partial(held, str(tmp_path)), progress=False)
        except BaseException as exc:  # noqa: BLE001 - raised below
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        _wait_for(tmp_path / "started")
        users.close()
        closed = printed.getvalue()  # the user's cluster's own lines, as Dask prints them
    finally:
        (tmp_path / "release").touch()
        thread.join()
    assert not failures, failures
    assert l2l.load(tmp_path / "run.h5")["status"].tolist() == ["ok"]
    # before: the run's cluster printed a dozen INFO lines as it closed ('Remove client', 'Closing Nanny', ...)
    assert printed.getvalue() == closed
    _as_found(handler, printed)  # before: left at WARNING


def _distributeds_handlers() -> set[int]:
    return {id(handler) for name in ["distributed", *logging.root.manager.loggerDict]
            if name.split(".")[0] == "distributed" for handler in logging.getLogger(name).handlers}


def test_a_local_run_leaves_no_handler_on_distributeds_loggers(tmp_path):
    import gc

    gc.collect()
    before = _distributeds_handlers()
    config = {**SWEEP, "backend": {"name": "local", "workers": 1}}
    assert l2l.load(l2l.run(config, tmp_path / "run.h5", progress=False))["status"].tolist() == ["ok", "ok"]
    gc.collect()
    # before: the run's scheduler (kept alive by distributed's memo of its handlers, with the run's client, futures
    # and backend) left its DequeHandler on distributed.scheduler, one more after each run of the process
    assert _distributeds_handlers() - before == set()


def test_resuming_a_dask_run_whose_scheduler_is_gone_says_how_to_resume_it_on_another(tmp_path, capsys, monkeypatch,
                                                                                     no_scheduler_address):
    from distributed import LocalCluster

    monkeypatch.setattr(dask_greet, "REFUSED_SECONDS", 0.1)  # (an address refused is tried again that long)
    with LocalCluster(n_workers=1, processes=False, protocol="tcp://", dashboard_address=None) as cluster:
        config = {**SWEEP, "backend": {"name": "dask", "address": cluster.scheduler_address}}
        path = l2l.run(config, tmp_path / "run.h5", progress=False)
    # before: 'start it, or give [backend] address of a running one': the stored run's [backend] is the file's
    with pytest.raises(ExecutorError) as raised:
        l2l.resume(path, generations=2)
    assert "; start it, or set DASK_SCHEDULER_ADDRESS to a running one's address for 'l2l.resume(FILE, " \
           "backend=\"dask\")' (a scheduler prints it" in str(raised.value), raised.value
    capsys.readouterr()
    assert main(["resume", str(path), "--generations", "2", "--no-progress"]) == 2
    assert "; start it, or set DASK_SCHEDULER_ADDRESS to a running one's address for 'l2l resume FILE --backend " \
           "dask' (a scheduler prints it" in capsys.readouterr().err
