"""A Dask client that closes between the gone-scheduler check and a submission ends the run in l2l's one line.

The scheduler-gone test of tests/test_dask_external_scheduler_gone.py failed once in a full suite with a
traceback: distributed's ClosedClientError ("Client is closed. Can't send update-graph message.") out of
``client.map``, the client having given the scheduler up just after backend 'dask' looked at its status.
"""

from __future__ import annotations

import pytest
from distributed.client import ClosedClientError

from l2l.errors import ExecutorError
from l2l.jobs.dask import DaskExecutor
from l2l.jobs.base import Task


class _Closing:
    status = "running"  # as it still read when the backend looked

    def map(self, *args, **kwargs):
        raise ClosedClientError("Client is closed. Can't send update-graph message.")


def _executor(client) -> DaskExecutor:
    executor = DaskExecutor(address="tcp://127.0.0.1:8786")
    executor._client, executor._chunks, executor._pending = client, {}, 3
    executor._plugin = executor._settings = executor._push = None
    return executor


def test_a_client_closed_during_the_submission_is_the_scheduler_gone_line():
    with pytest.raises(ExecutorError, match=r"^backend 'dask': the scheduler at tcp://127\.0\.0\.1:8786 is gone "):
        _executor(_Closing())._submit_chunks([[Task(0, 0, 1, {"x": 0.0})]])


@pytest.mark.parametrize("status", ["closing", "closed", "failed"])
def test_a_client_closing_or_closed_is_refused_before_the_submission(status):
    client = _Closing()
    client.status = status
    with pytest.raises(ExecutorError, match="is gone"):
        _executor(client)._submit_chunks([[Task(0, 0, 1, {"x": 0.0})]])
