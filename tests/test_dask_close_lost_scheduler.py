"""Backend ``dask``: closing a client that is trying to reach its lost scheduler again does not wait for it.

Found by a user who pressed Ctrl-C while the run waited for its killed scheduler to come back: the run ended 23 s
later, with no line meanwhile, because closing the backend unregistered the simulator from the workers, which
waited until the client gave the scheduler up (the backend's ``timeout``, 30 s). Closing such a client then
logged distributed's ERROR with the traceback of the reconnection it cancelled, and at times an INFO of
``distributed.batched`` with a CommClosedError's (its message to the lost scheduler): those records are dropped too.
A fake client stands in for Dask's.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from l2l.jobs.dask import DaskExecutor
from l2l.jobs.dask_logs import QuietReconnectFailure


class _Client:
    def __init__(self, status: str) -> None:
        self.status, self.calls = status, []

    def unsubscribe_topic(self, topic):
        self.calls.append("unsubscribe_topic")

    def unregister_worker_plugin(self, name):
        self.calls.append("unregister_worker_plugin")  # Dask's waits for the scheduler here

    def close(self):
        self.calls.append("close")
        self.batched_filters = list(logging.getLogger("distributed.batched").filters)


def _closed(status: str) -> tuple[_Client, QuietReconnectFailure]:
    client, quiet = _Client(status), QuietReconnectFailure()
    executor = DaskExecutor(address="tcp://127.0.0.1:8786")
    executor._client, executor._subscribed, executor._plugin, executor._quiet = client, True, "l2l-simulator-0", quiet
    executor.close()
    return client, quiet


@pytest.mark.parametrize("status", ["connecting", "closing", "closed", "failed"])
def test_a_client_without_its_scheduler_is_closed_without_telling_the_scheduler(status):
    client, quiet = _closed(status)
    assert client.calls == ["close"]  # before: unsubscribe_topic and unregister_worker_plugin first (which waited)
    assert quiet.closing and quiet in client.batched_filters  # while it closed
    assert quiet not in logging.getLogger("distributed.batched").filters  # and no longer


def test_a_connected_client_still_unregisters_the_simulator():
    client, quiet = _closed("running")
    assert client.calls == ["unsubscribe_topic", "unregister_worker_plugin", "close"]
    assert not quiet.closing and quiet not in client.batched_filters


def _record(exc: BaseException | None, msg: str = "") -> logging.LogRecord:
    return logging.LogRecord("distributed.client", logging.ERROR, __file__, 1, msg, None,
                             (type(exc), exc, None) if exc is not None else None)


class CommClosedError(OSError):
    """Named as distributed's (the filter goes by the name, so as not to import distributed.comm)."""


def test_the_cancelled_reconnection_and_the_closed_comm_are_dropped_only_while_closing():
    quiet = QuietReconnectFailure()
    cancelled, comm = _record(asyncio.CancelledError()), _record(CommClosedError())
    assert quiet.filter(cancelled) and quiet.filter(comm) and quiet.filter(_record(ValueError("other")))
    quiet.closing = True
    assert not quiet.filter(cancelled) and not quiet.filter(comm) and quiet.filter(_record(ValueError("other")))
    assert not quiet.filter(_record(None, "Failed to reconnect to scheduler after 5.00 seconds, closing client"))
