"""Backend ``dask`` whose scheduler goes away: distributed's 'Batched Comm Closed' INFO, with a CommClosedError's
traceback, came when the client's batch of messages found the scheduler gone, and stood above the run's one line
(test_dask_external_scheduler_gone.py's run saw it once in about ten under load). It is dropped while the backend's
client is open, as distributed's line of giving the scheduler up is; the logger's other records pass, and so does
every record once the backend is closed.
"""

from __future__ import annotations

import logging

from distributed.comm.core import CommClosedError
from test_dask_external_nevergrad import cluster  # noqa: F401 - the fixture: 3 workers in this process

from l2l.jobs import BACKENDS


def _records(logger: logging.Logger) -> list[logging.LogRecord]:
    try:
        raise CommClosedError("in <TCP (closed) Client->Scheduler>")
    except CommClosedError as exc:
        lost = (type(exc), exc, exc.__traceback__)
    return [logger.makeRecord(logger.name, logging.INFO, __file__, 1, "Batched Comm Closed %r", ("comm",), lost),
            logger.makeRecord(logger.name, logging.INFO, __file__, 1, "another line", (), None)]


def test_the_batched_comm_closed_traceback_is_dropped_while_the_backend_is_open(cluster):  # noqa: F811
    logger = logging.getLogger("distributed.batched")
    executor = BACKENDS.create("dask", {"address": cluster.scheduler_address, "timeout": 60})
    executor.prepare()
    executor.reported_workers()  # connected
    quiet = getattr(executor, "_quiet", None)
    try:
        # before: not on that logger, and both passed
        assert quiet in logger.filters and [quiet.filter(record) for record in _records(logger)] == [False, True]
        other = logging.getLogger("distributed.core")  # another logger's CommClosedError: not the client's batch
        assert all(quiet.filter(record) for record in _records(other))
    finally:
        executor.close()
    assert quiet not in logger.filters
