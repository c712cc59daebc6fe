"""Backend ``dask`` given the ``scheduler_file`` of a scheduler started in the same job script, just before
``l2l run`` (helper-137).

The scheduler writes its file only once it listens; on a cold shared file system its start (its imports read the
metadata of some 7,600 files) may take well over the 3 s after which an address that refuses the connection is
refused. A file not written yet was refused at once ('does not exist'), so the job script had to wait for it in a
loop of its own; now it is waited for up to the backend's ``timeout`` in one 'waiting' line, as Dask's client and
``dask worker --scheduler-file`` wait for it. A folder that does not exist is still refused at once, and so is an
address whose connection is refused, after 3 s (a mistyped one costs no 30 s).
"""

from __future__ import annotations

import json
import threading

import pytest
from test_dask_external_nevergrad import cluster  # noqa: F401 - the fixture: 3 workers in this process

from l2l.errors import ConfigError, ExecutorError
from l2l.jobs import BACKENDS
from l2l.jobs import dask_existing


def test_a_scheduler_file_written_after_the_run_started_is_waited_for(tmp_path, cluster, capsys,  # noqa: F811
                                                                        monkeypatch):
    monkeypatch.setattr(dask_existing, "WAIT_NOTICE_SECONDS", 0.1)
    path = tmp_path / "scheduler.json"
    # before: ConfigError "backend 'dask': scheduler_file '.../scheduler.json' does not exist", as the config was read
    executor = BACKENDS.create("dask", {"scheduler_file": str(path), "timeout": 20})
    writer = threading.Timer(0.5, lambda: path.write_text(json.dumps({"address": cluster.scheduler_address})))
    writer.start()
    try:
        executor.prepare()
        assert executor.reported_workers() == 3
    finally:
        writer.cancel()
        executor.close()
    assert capsys.readouterr().err == f"l2l: waiting up to 20 s for the Dask scheduler to write its file {path} ...\n"


def test_a_scheduler_file_never_written_is_refused_in_one_line_after_the_timeout(tmp_path):
    path = tmp_path / "scheduler.json"
    executor = BACKENDS.create("dask", {"scheduler_file": str(path), "timeout": 0.3})
    with pytest.raises(ExecutorError) as refused:
        executor.prepare()
    executor.close()
    assert str(refused.value) == (f"backend 'dask': scheduler_file {str(path)!r} was not written within 0.3 s; start "
                                  f"the scheduler (dask scheduler --scheduler-file {path}), or give [backend] "
                                  f"scheduler_file of a running one")


def test_a_scheduler_file_in_a_folder_that_does_not_exist_is_refused_at_once(tmp_path):
    path = tmp_path / "no-such-folder" / "scheduler.json"
    with pytest.raises(ConfigError, match=r"^backend 'dask': scheduler_file .* does not exist, nor does its folder "):
        BACKENDS.create("dask", {"scheduler_file": str(path)})
