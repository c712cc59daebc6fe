"""Dask backends: workers all paused for memory while evaluations wait are said in one warning line.

Reported by a user: ``lsm`` with the NEST engine (about 1.5 GB a worker process) on backend ``slurm`` with
``memory = "2GB"``: Dask paused the worker at 81 % of its memory limit after one evaluation, and ``l2l run`` waited
6.5 minutes without a word until it was stopped (the reason only in the worker jobs' logs). Now, once every worker
has been paused for PAUSED_SECONDS, one line names the memory and the option that raises it; the run still waits (a
paused worker resumes once its memory falls). A fake client stands in for the scheduler; the real one reports the
same fields (``status`` 'paused', ``memory_limit`` in bytes, ``metrics['memory']``), seen with a python simulator
holding 350 MiB on backend local with memory_limit = "500MB".
"""

from __future__ import annotations

import queue

import pytest

import l2l.jobs.dask_executor as dask_executor
import l2l.jobs.dask_existing as dask_existing
from l2l.jobs.dask import DaskExecutor, LocalExecutor
from l2l.jobs.slurm import SlurmExecutor

GB = 2 * 10**9


class _Scheduler:
    status = "running"

    def __init__(self, statuses: list[str], limit: int = GB) -> None:
        self.statuses, self.limit = statuses, limit

    def scheduler_info(self, n_workers: int = 5) -> dict:
        return {"workers": {f"tcp://127.0.0.1:{4000 + i}": {"status": status, "memory_limit": self.limit,
                                                            "metrics": {"memory": int(self.limit * 0.81)}}
                            for i, status in enumerate(self.statuses)}}


def _executor(cls: type, client: _Scheduler, pending: int = 3):
    executor = cls(address="tcp://127.0.0.1:8786") if cls is DaskExecutor else cls()
    executor._client, executor._pending, executor._done = client, pending, queue.SimpleQueue()
    executor._quarantine, executor._isolated, executor._futures = [], None, set()
    return executor


@pytest.fixture
def no_delay(monkeypatch):
    monkeypatch.setattr(dask_executor, "PAUSED_SECONDS", 0.0, raising=False)
    monkeypatch.setattr(dask_existing, "NO_WORKERS_SECONDS", 0.0, raising=False)
    monkeypatch.setattr(dask_executor, "WORKER_COUNT_SECONDS", 0.0)


def _warnings(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: warning:")]


def _wait(executor, times: int = 4) -> None:
    for _ in range(times):
        assert executor.wait(timeout=0) == []  # the run goes on waiting


@pytest.mark.parametrize("cls, option", [(SlurmExecutor, "[backend] memory"),
                                         (LocalExecutor, "[backend] memory_limit"),
                                         (DaskExecutor, "dask worker --memory-limit")])
def test_a_paused_worker_with_evaluations_waiting_is_said_once(no_delay, capsys, cls, option):
    executor = _executor(cls, _Scheduler(["paused"]))
    _wait(executor)
    said = _warnings(capsys)
    # before: nothing, however long the run waited
    assert said == [f"l2l: warning: backend '{cls.name}': its Dask worker is paused for memory (over 80 % of a "
                    f"1.86 GiB memory limit; using up to 1.51 GiB), with 3 evaluation(s) waiting; the run goes on if "
                    f"a worker's memory falls again; give each worker more memory ({option}), or stop the run "
                    f"(Ctrl-C)"], said


def test_said_again_when_it_changes_or_after_a_resume(no_delay, capsys):
    client = _Scheduler(["paused", "paused"])
    executor = _executor(LocalExecutor, client)
    _wait(executor)
    client.limit = 4 * 10**9  # other workers, paused too: said again
    _wait(executor)
    client.statuses = ["running", "paused"]  # one resumed: nothing; paused again: said again
    _wait(executor)
    client.statuses = ["paused", "paused"]
    _wait(executor)
    said = _warnings(capsys)
    assert len(said) == 3, said
    assert all("all 2 Dask workers are paused for memory" in line for line in said), said
    assert "of a 1.86 GiB memory limit" in said[0] and "of a 3.73 GiB memory limit" in said[1], said


@pytest.mark.parametrize("statuses, pending", [(["paused", "running"], 3), (["paused"], 0), ([], 3)])
def test_nothing_is_said_with_a_worker_running_or_nothing_waiting(no_delay, capsys, statuses, pending):
    _wait(_executor(LocalExecutor, _Scheduler(statuses), pending=pending))
    assert _warnings(capsys) == []


def test_a_short_pause_is_not_said(no_delay, monkeypatch, capsys):
    monkeypatch.setattr(dask_executor, "PAUSED_SECONDS", 3600.0)
    _wait(_executor(SlurmExecutor, _Scheduler(["paused"])))
    assert _warnings(capsys) == []
