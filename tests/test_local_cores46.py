"""``[backend] workers`` of the ``local`` backend far above the cores (``--workers 64`` on a 2-core machine) is said
in one note line as the run starts: 64 worker processes share 2 cores, each computing evaluation up to 32 times
slower: a run of 16 evaluations of 0.2 s took 19-124 s against 5-6 s on 2 workers. Before, nothing was said. A few
more workers than cores (3 on 2) stay unsaid."""

from __future__ import annotations

import os

import pytest

import l2l
from conftest import make_config
from l2l.errors import ExecutorError
from l2l.jobs.dask_local import LocalExecutor


def _notes(tmp_path, monkeypatch, capfd, workers: int) -> list[str]:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)

    def no_cluster(self):  # what is said before the cluster starts is the point: none is started
        raise ExecutorError("backend 'local': no cluster in this test")

    monkeypatch.setattr(LocalExecutor, "_connect", no_cluster)
    config = make_config(run={"name": "cores", "generations": 1}, optimizer={"name": "random", "population_size": 2},
                         simulator={"name": "sphere"}, backend={"name": "local", "workers": workers})
    with pytest.raises(ExecutorError, match="no cluster in this test"):
        l2l.run(config, tmp_path / f"w{workers}.h5", progress=False)
    return [line for line in capfd.readouterr().err.splitlines() if line.startswith("l2l: note: backend 'local'")]


def test_many_more_local_workers_than_cores_are_said_once(tmp_path, monkeypatch, capfd):
    assert _notes(tmp_path, monkeypatch, capfd, 64) == [
        "l2l: note: backend 'local': workers = 64 on the 2 cores this process may use: 64 worker processes share "
        "them, so an evaluation that computes runs up to 32 times slower and the cluster takes longer to start; more "
        "workers than cores help only models that wait (sleep, I/O, a device); workers = 0 gives one per core"]


def test_a_few_more_workers_than_cores_are_not_said(tmp_path, monkeypatch, capfd):
    assert _notes(tmp_path, monkeypatch, capfd, 3) == []
