"""Distributed's log lines kept off the screen while the ``local`` backend's clusters live, however many at once,
with the caller's logging left as it was.

Dask's ``LocalCluster(silence_logs=...)`` (and each of its nannies) raises the level of distributed's stream
handlers (the lines it prints on stderr) for the cluster's life and puts back, as it closes, the level it found.
Lives that overlap without nesting undo each other: two ``l2l.run`` in two threads of a notebook (the second's
close printed a dozen INFO lines, 'Remove client ...', 'Closing Nanny at ...', under the run's summary), or a run
beside a ``LocalCluster`` of the user's own. A user's cluster closed while a run went on put its level back (0): the
run's cluster printed its INFO lines as it closed, and the run then put back the level it had found, the user's
cluster's WARNING, for the rest of the process. A user's cluster started while a run went on found the run's
CRITICAL and put that back as it closed, after the run: distributed printed nothing more, warnings included.

dask-jobqueue's ``SLURMCluster`` (the ``slurm`` backend, whose scheduler runs in this process) does the same
with its ``silence_logs`` (``"error"`` by default, ERROR as l2l gave it), with the same effects.

So l2l changes no level of this process's handlers: its clusters start with ``silence_logs=False`` and
:func:`quiet_nanny`'s nannies (which keep their worker processes quiet, as before), and a filter of its own on
distributed's stream handlers lets through only the records at a cluster's level or above (CRITICAL for the
``local`` backend's, ERROR for the ``slurm`` backend's), from the start of the first of this process's clusters
until the last one has closed; while clusters of both kinds live, the lower level. Removing the filter leaves
every handler as the run found it, whatever the user's clusters did to its level meanwhile; and nothing more is
silenced than while one cluster lives.

The same count puts back this process's environment: Dask's nanny sets, in this process, the variables it wants
its worker processes to start with (``distributed.nanny.pre-spawn-environ``: OMP_NUM_THREADS, MKL_NUM_THREADS,
OPENBLAS_NUM_THREADS = 1, MALLOC_TRIM_THRESHOLD_; PYTHONHASHSEED; __DASK_PARENT_PID), and never takes them back:
after a ``local`` run every program a notebook started ran with one BLAS thread. As the last cluster closes, each
of those variables that still has the value Dask gave it gets back the value found as the first started (or is
removed, if there was none); one the user changed meanwhile is left as it is.

Backend ``dask``'s client (an existing scheduler's) keeps its own lines: :class:`QuietReconnectFailure` drops
distributed's as the client gives a lost scheduler up, and holds back its warning of results not gathered.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
import time
import types
from typing import Any, Callable

#: The loggers whose stream handlers Dask's LocalCluster silences (see distributed.deploy.spec.SpecCluster).
SILENCED = ("distributed", "bokeh")
#: What the workers of l2l's clusters print: CRITICAL records alone (on their own stderr, the caller's).
WORKER_LEVEL = logging.CRITICAL

_lock = threading.Lock()
_clusters: dict[int, int] = {}  # level -> clusters of this process living at that level
_filtered: list[logging.Handler] = []
#: Variables Dask's nanny sets in this process besides those of ``distributed.nanny.pre-spawn-environ``.
NANNY_ENVIRON = ("PYTHONHASHSEED", "__DASK_PARENT_PID")
_env_found: dict[str, str | None] = {}  # as the first cluster alive started (None: absent)
_env_set: dict[str, str] = {}  # what the clusters alive set them to (those they changed)


#: What distributed's scheduler logs (as an ERROR) as it gives a task up after its workers died; the run's own line
#: says it of an l2l evaluation (its row's failure, and the run's end), so these are kept off the screen.
GIVEN_UP = "Task %s marked as failed because %d workers died while trying to run it"
#: How the keys of l2l's tasks begin (l2l.jobs.dask_executor: ``l2l-eval-USER-RUN-...``).
L2L_KEYS = "l2l-"


class _Quiet(logging.Filter):
    """Lets through the records at the lowest level of the clusters alive or above (a level of the handler's own,
    as Dask's silence_logs sets it), but distributed's ERROR of an l2l evaluation given up as its workers died
    (GIVEN_UP): ``slurm`` prints ERROR records, and 'distributed.scheduler - ERROR - Task l2l-eval-... marked as
    failed because 4 workers died ...' stood beside l2l's own line of that failure. Another task's passes."""

    level = logging.CRITICAL

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == GIVEN_UP and record.args and str(record.args[0]).startswith(L2L_KEYS):
            return False
        return record.levelno >= self.level


_QUIET = _Quiet()


def clusters_quiet(level: int = logging.CRITICAL) -> None:
    """A cluster of this process starts: distributed's stream handlers print the records at ``level`` or above
    alone from now on (at the lowest level of the clusters alive), until every cluster that called this has called
    :func:`cluster_closed` with the same level."""
    with _lock:
        if not _clusters:
            _env_found.clear()
            _env_set.clear()
            _env_found.update({key: os.environ.get(key) for key in _nanny_environ()})
            for root in SILENCED:
                for handler in logging.getLogger(root).handlers:
                    if isinstance(handler, logging.StreamHandler) and _QUIET not in handler.filters:
                        handler.addFilter(_QUIET)
                        _filtered.append(handler)
        _clusters[level] = _clusters.get(level, 0) + 1
        _QUIET.level = min(_clusters)


def cluster_closed(level: int = logging.CRITICAL) -> None:
    """A cluster that called :func:`clusters_quiet` with ``level`` has closed: the last one takes the filter off
    the handlers."""
    with _lock:
        left = _clusters.get(level, 0) - 1
        if left > 0:
            _clusters[level] = left
        else:
            _clusters.pop(level, None)
        if _clusters:
            _QUIET.level = min(_clusters)
        else:
            while _filtered:
                _filtered.pop().removeFilter(_QUIET)
            _note_environ()
            for key, value in _env_set.items():
                if os.environ.get(key) == value:  # (one the user changed meanwhile stays as the user left it)
                    found = _env_found.get(key)
                    if found is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = found
            _env_found.clear()
            _env_set.clear()


def _nanny_environ() -> list[str]:
    """The variables Dask's nanny sets in this process as it starts a worker process."""
    try:
        import dask

        wanted = dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {}
    except Exception:  # noqa: BLE001 - no Dask configuration: the variables it sets anyway
        wanted = {}
    return [*(str(key) for key in wanted), *NANNY_ENVIRON]


def _note_environ() -> None:
    """Under _lock: what the clusters alive have set the variables of :func:`_nanny_environ` to (the first value
    each took other than the one found)."""
    for key, found in _env_found.items():
        value = os.environ.get(key)
        if key not in _env_set and value is not None and value != found:
            _env_set[key] = value


def cluster_started() -> None:
    """A cluster of this process has started (its nannies have set their variables in this process): their values
    are noted, for :func:`cluster_closed` to put back those still at it as the last cluster closes."""
    with _lock:
        if _clusters:
            _note_environ()


def forget_closed_servers() -> None:
    """Let the objects of a closed cluster go (called as the ``local`` backend's cluster has closed): distributed
    memoizes, per handler of its servers' (a bound method of the scheduler), whether it takes a connection
    (``distributed.core._expects_comm``, a ``functools.cache`` that never forgets), which kept every closed cluster's
    scheduler alive for the rest of the process, with the run's client, futures and backend, and the ``DequeHandler``
    each scheduler puts on the ``distributed.scheduler`` logger until it is collected: one more handler on
    distributed's logger after each run. Forgetting the memo costs the live servers one ``inspect.signature`` per
    handler on its next call."""
    try:
        from distributed.core import _expects_comm
    except ImportError:  # (a distributed without it keeps nothing)
        return
    clear = getattr(_expects_comm, "cache_clear", None)
    if clear is not None:
        clear()


_nanny: Any = None


def quiet_nanny() -> Any:
    """Dask's ``Nanny`` that leaves this process's handlers' levels alone (Dask's nanny raises them for its life,
    see above) and starts its worker process with distributed's logger at WORKER_LEVEL, as ``silence_logs`` did.
    Given ``pages=False`` (a cluster's keyword its nannies get), its worker opens no HTTP port
    (l2l.jobs.dask_worker.PagelessWorker). Given ``start_method`` (e.g. ``"forkserver"``), it starts every worker
    process of its life that way, the first and each restart after the process died (see
    l2l.jobs.dask_cluster.start_method_held); without it, the way Dask's configuration says at each start."""
    global _nanny
    if _nanny is None:
        from distributed import Nanny

        class QuietNanny(Nanny):
            def __init__(self, *args: Any, pages: bool = True, start_method: str | None = None,
                         **kwargs: Any) -> None:
                self._start_method = start_method  # (before Nanny's __init__, which sets self.process)
                if not pages:  # (LocalCluster's worker_class is the nanny's class; this, its worker's)
                    from l2l.jobs.dask_worker import PagelessWorker

                    kwargs.setdefault("worker_class", PagelessWorker)
                kwargs["silence_logs"] = False  # (its worker process: below)
                super().__init__(*args, **kwargs)
                self.silence_logs = WORKER_LEVEL

            def log_event(self, topic: Any, msg: Any) -> Any:
                # a restart for memory: the scheduler of this process hears it before the worker dies (see
                # l2l.jobs.dask_worker.MemoryPlugin), not after, when it would have sent the evaluation elsewhere
                if topic == "worker-restart-memory":
                    from l2l.jobs.dask_worker import nanny_restarting

                    try:
                        nanny_restarting(self, msg)
                    except Exception:  # noqa: BLE001 - the restart goes on as Dask's
                        pass
                return super().log_event(topic, msg)

            # Dask's nanny reads the start method from Dask's configuration (distributed.utils.get_mp_context) each
            # time its WorkerProcess starts a process, the restarts of a process that died too: with l2l's choice in
            # the configuration only while the cluster started, a restarted worker was spawned (an interpreter that
            # imported Dask and l2l again, ~0.6 s of CPU here, and ran the user's main script again). The nanny's
            # WorkerProcess (kept for the nanny's life, started again at each restart) starts under the method given.
            @property
            def process(self) -> Any:
                return self._worker_process

            @process.setter
            def process(self, process: Any) -> None:
                if process is not None and self._start_method is not None:
                    process.start = functools.partial(_started_under, self._start_method, process.start)
                self._worker_process = process

        QuietNanny.__qualname__ = QuietNanny.__name__ = "QuietNanny"
        _nanny = QuietNanny
    return _nanny


async def _started_under(method: str, start: Callable[[], Any]) -> Any:
    """``await start()`` (a WorkerProcess's start) with its worker process made the ``method`` way: each of its steps
    runs under l2l.jobs.dask_cluster.start_method_held (set and put back within the step, in this task alone), so that
    Dask's configuration, other threads and the event loop's other tasks (another cluster's nannies) see no change."""
    from l2l.jobs.dask_cluster import start_method_held

    return await _steps_within(functools.partial(start_method_held, method), start())


@types.coroutine
def _steps_within(context: Callable[[], Any], coroutine: Any) -> Any:
    """``await coroutine``, each of its steps (up to its next suspension) run inside a ``context()`` of its own."""
    step = functools.partial(coroutine.send, None)
    while True:
        try:
            with context():
                waiting = step()
        except StopIteration as done:
            return done.value
        try:
            sent = yield waiting
        except GeneratorExit:
            coroutine.close()
            raise
        except BaseException as exc:  # noqa: BLE001 - (a cancellation while it waits): handed on
            step = functools.partial(coroutine.throw, exc)
        else:
            step = functools.partial(coroutine.send, sent)


#: How distributed's client logs (as an ERROR) that it gave a lost scheduler up; see QuietReconnectFailure.
RECONNECT_FAILED = "Failed to reconnect to scheduler"
#: How distributed's client logs (as a WARNING) that results it asked for could not be had from their workers
#: ("Couldn't gather 2 keys, rescheduling (...)"); see QuietReconnectFailure.
GATHER_FAILED = "Couldn't gather"
#: How long that warning is held back while the client stays connected, seconds: if it loses its scheduler
#: meanwhile, the warning went with the scheduler (see QuietReconnectFailure), else it is logged then.
GATHER_HOLD_SECONDS = 5.0


class QuietReconnectFailure(logging.Filter):
    """Drops distributed's own line as its client gives a lost scheduler up ('Failed to reconnect to scheduler
    after 5.00 seconds, closing client'), and that line only: backend ``dask`` then ends the run in one line of
    its own that says the same, where the finished evaluations are and how to go on (before, distributed's line,
    with its timestamp, stood above it). Set on the ``distributed.client`` logger while the backend's client is
    open, and on ``distributed.batched``, whose INFO with a CommClosedError's traceback ('Batched Comm Closed')
    comes when the client's batch of messages finds its scheduler gone (it stood above l2l's line in about one
    run in ten); every other record of distributed passes.

    The client's warning that it could not gather results ('Couldn't gather 2 keys, rescheduling (...)') is held
    back (:meth:`hold`): a scheduler going away shuts its workers down first, and a fetch of results in that
    moment finds them gone (it stood above l2l's line in about one run in 25). If the client loses its scheduler
    within GATHER_HOLD_SECONDS, the warning is dropped with it; if it stays connected (results lost on a live
    cluster, which Dask computes again), the warning is logged then, as it was, or as the backend closes."""

    #: Set as the backend closes a client that is trying to reach its lost scheduler again: the reconnection that
    #: the close cancels is logged as an ERROR with the CancelledError's traceback, and the close's message to the
    #: lost scheduler may be, as an INFO of ``distributed.batched`` with a CommClosedError's (the filter is on that
    #: logger too then): both are dropped.
    closing = False

    def __init__(self) -> None:
        super().__init__()
        #: The backend's client, once made: whether it is still connected to its scheduler decides a held warning.
        self.client: Any = None
        self._held: list[tuple[float, logging.LogRecord]] = []  # (when, the record) of the warnings held back
        self._lock = threading.Lock()

    def connected(self) -> bool:
        """Whether the backend's client is connected to its scheduler."""
        return getattr(self.client, "status", None) == "running"

    def hold(self, record: logging.LogRecord) -> bool:
        """Whether ``record`` is held back (or dropped): a warning that results could not be gathered, once the
        backend's client is made (held if it is connected, else dropped). A thread looks every 0.1 s: the records
        held GATHER_HOLD_SECONDS with the client connected throughout are logged, all are dropped once it is not."""
        if self.client is None or record.levelno != logging.WARNING or record.name != "distributed.client" or \
                not str(record.msg).startswith(GATHER_FAILED) or getattr(record, "l2l_held", False):
            return False
        if self.connected():
            with self._lock:
                self._held.append((time.monotonic(), record))
                if len(self._held) == 1:
                    threading.Thread(target=self._watch_held, name="l2l-dask-held-warnings", daemon=True).start()
        return True

    def _watch_held(self) -> None:
        while True:
            time.sleep(0.1)
            connected = self.connected()
            with self._lock:
                due = [item for item in self._held if time.monotonic() - item[0] >= GATHER_HOLD_SECONDS]
                self._held = [item for item in self._held if item not in due] if connected else []
                if not connected:
                    return
                ended = not self._held
            self._log([record for _, record in due])
            if ended:
                return

    def release(self, connected: bool) -> None:
        """Log the warnings held back if the client is ``connected`` (the backend closes after a run that went on),
        drop them if not; the thread watching them ends."""
        with self._lock:
            held, self._held = self._held, []
        if connected:
            self._log([record for _, record in held])

    @staticmethod
    def _log(records: list[logging.LogRecord]) -> None:
        for record in records:
            record.l2l_held = True  # passes this filter now
            logging.getLogger(record.name).handle(record)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.hold(record):
            return False
        lost = bool(record.exc_info) and type(record.exc_info[1]).__name__ == "CommClosedError"
        if lost and record.name == "distributed.batched" and record.levelno <= logging.INFO:
            return False
        if self.closing and record.exc_info and (isinstance(record.exc_info[1], asyncio.CancelledError) or lost):
            return False
        return not (record.levelno == logging.ERROR and str(record.msg).startswith(RECONNECT_FAILED))
