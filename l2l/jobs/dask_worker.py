"""What runs on the Dask workers: the run's simulator, installed once on every worker, and the chunks.

The simulator reaches the workers as a worker plugin, not as a Dask task the
chunks depend on: the scheduler places a task beside its dependencies, so a
generation submitted while one worker held the simulator all went to that
worker (256 chunks to one of 4 workers of 64 threads, the others getting them
only as work stealing moved them, one at a time), while a plugin reaches every
worker at once and every worker that joins later (one restarted after a
crash, too), and leaves the chunks free to go to any worker.

The ``local`` backend gives the plugin to its workers as they start (a
worker's ``plugins``), so that no round trip through the scheduler to every
worker stands between the cluster's start and the first submission; the
``dask`` backend registers it with the scheduler, which hands it to every
worker, present and future.
"""

from __future__ import annotations

import pickle
from typing import Any

from distributed import Scheduler, Worker, WorkerPlugin, get_worker
from distributed.diagnostics.plugin import SchedulerPlugin
from distributed.protocol.pickle import dumps, loads

from l2l.jobs.base import Settings, died, evaluate_chunk


class SimulatorPlugin(WorkerPlugin):
    """Holds a run's simulator on a worker, under the run's plugin name."""

    idempotent = False

    def __init__(self, simulator: Any, name: str | None = None) -> None:
        self.simulator = simulator
        if name is not None:  # the name a worker files it under when it gets it as it starts
            self.name = name
        self._payload: bytes | None = None
        self.ended = False  # the run has ended: its chunks here start no more evaluations (see end_run)

    def payload(self) -> bytes:
        """The simulator pickled as Dask pickles a plugin it registers (cloudpickle where plain pickle cannot,
        e.g. a function of the user's script); raises what pickling raises."""
        if self._payload is None:
            self._payload = dumps(self.simulator)
        return self._payload

    def __reduce__(self):
        # Also through plain pickle, as a worker's start arguments travel to the worker's process.
        return _restore, (self.payload(), getattr(self, "name", None))


def _restore(payload: bytes, name: str | None) -> SimulatorPlugin:
    try:
        simulator = loads(payload)
    except Exception as error:  # noqa: BLE001 - whatever unpickling raises is said by each evaluation
        # A worker that cannot unpickle the simulator (its function's module is not importable where the worker
        # runs: `dask worker` started in another folder or environment) must still start: a plugin that raises
        # here leaves the worker closing, and the client's register_plugin waited for it until the scheduler's
        # worker TTL (about 10 minutes), then ended in distributed's traceback. Each chunk's evaluations fail
        # with the reason instead, and the run stops after its first failures (run.stop_after_failures).
        simulator = None
        reason = (f"this Dask worker cannot load the run's simulator: {type(error).__name__}: {error} (a function "
                  "travels to the workers by the name of its module: start the workers with that module's folder "
                  "on PYTHONPATH, PYTHONPATH=FOLDER dask worker ADDRESS, in the run's environment)")
        plugin = SimulatorPlugin(simulator, name)
        plugin.load_error = reason
        return plugin
    return SimulatorPlugin(simulator, name)


class SimulatorMissing(RuntimeError):
    """A chunk reached a worker without the run's simulator: its scheduler was started again (at the address the
    client reconnected to) and lost the plugin. Nothing was evaluated; the client installs it again and
    resubmits (see l2l.jobs.dask)."""


#: Key of a chunk's pickled outcomes in its task's metadata (see run_chunk's ``push``).
PUSH_KEY = "l2l-outcomes"
#: Outcomes up to this size (pickled) also travel with the task's completion message when asked to: larger
#: ones (checkpoints of big networks) would hold up the worker's stream to the scheduler.
PUSH_BYTES = 256 * 1024


def run_chunk(payload: bytes, plugin: str, settings: Settings, push: bool = False) -> bytes:
    """Evaluate a pickled list of tasks with the simulator of plugin ``plugin``; return the pickled outcomes.

    Dask ships one bytes object far faster than a nested list of dataclasses,
    whose elements it would inspect and serialize one by one.

    ``push`` (the ``local`` backend, whose scheduler runs in the loop's process):
    small outcomes also go in the task's metadata, which the worker sends to the
    scheduler with the message that the task finished; a scheduler plugin there
    hands them to the loop at once, instead of the client learning of the
    finished task from the scheduler, then fetching the result from the worker
    in a second round trip. The result is returned all the same: the usual path
    stays whole.
    """
    worker = get_worker()
    if plugin not in worker.plugins:  # a scheduler started again at the run's address knows no plugin
        raise SimulatorMissing(f"this worker has not got the run's simulator (plugin {plugin})")
    held = worker.plugins[plugin]
    unloadable = getattr(held, "load_error", None)
    if unloadable is not None:
        return pickle.dumps([died(task, unloadable) for task in pickle.loads(payload)], protocol=5)
    result = pickle.dumps(evaluate_chunk(held.simulator, pickle.loads(payload), settings,
                                         ended=lambda: getattr(held, "ended", False)), protocol=5)
    if push and len(result) <= PUSH_BYTES:
        state = worker.state.tasks.get(worker.get_current_task())
        if state is not None:
            state.metadata[PUSH_KEY] = result
    return result


def end_run(plugin: str, run_dir: str | None, dask_worker: Any = None) -> None:
    """On a worker of a cluster the run does not own (backend ``dask``), as the run ends with evaluations still
    out (run.target reached, a stop): its chunks here start no more evaluations, and the programs its evaluations
    started on this host are killed (a ``command``'s; Dask cannot interrupt a function running in a worker's
    thread, which runs to its end). Before, a stopped run's programs and the rest of its chunks ran on to their
    end on the shared workers, for nobody."""
    held = dask_worker.plugins.get(plugin)  # (Client.run passes the worker by that name; get_worker has none)
    if held is None:
        return
    held.ended = True
    end = getattr(held.simulator, "end_programs", None)
    if end is not None and run_dir:
        end(run_dir)


#: The scheduler's topic where it says that a worker left (``remove-worker``), naming the tasks Dask runs again.
WORKER_EVENTS = "all"


class OutcomesPlugin(SchedulerPlugin):
    """On a scheduler in the loop's own process (the ``local`` backend's): as a chunk's task finishes, hands
    the outcomes it pushed (see :func:`run_chunk`) to ``deliver(key, pickled outcomes)`` and drops them from
    the scheduler's record of the task. Tasks that pushed nothing are left to the usual path.

    It also hands the scheduler's event of a worker leaving (``remove-worker``: the tasks that worker was
    running, and the results it held, which Dask runs again) to ``left(message)``, as the scheduler logs it,
    before it sends those tasks elsewhere: a run Dask makes again is known before that run's outcome."""

    def __init__(self, scheduler: Any, deliver: Any, left: Any = None) -> None:
        self.scheduler = scheduler
        self.deliver = deliver
        self.left = left

    def log_event(self, topic: str, msg: Any) -> None:
        if topic == WORKER_EVENTS and self.left is not None and isinstance(msg, dict) \
                and msg.get("action") == "remove-worker":
            self.left(msg)

    def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
        if finish != "memory":
            return
        value = (kwargs.get("metadata") or {}).get(PUSH_KEY)
        if value is None:
            return
        state = self.scheduler.tasks.get(key)
        if state is not None and state.metadata:
            state.metadata.pop(PUSH_KEY, None)
        self.deliver(key, value)


#: The topic under which Dask's nanny logs that it restarts its worker for memory (the worker's process went over
#: ``distributed.worker.memory.terminate``, 95 %, of its memory limit); the event names the worker and its ``rss``.
MEMORY_RESTART = "worker-restart-memory"


class MemoryPlugin(SchedulerPlugin):
    """On a scheduler in the loop's own process (``local``, ``slurm``): a worker that its nanny restarts for memory
    ends the evaluations it was running at once: their tasks are marked as having killed ``allowed-failures``
    workers already, so that this death makes Dask give them up (``KilledWorker``) instead of running them again on
    the next worker, which they killed the same way (4 more deaths before Dask gave up; on ``slurm`` 8 worker
    restarts for one failed row). ``told(keys, worker, rss, limit)`` hears of them first, so that their rows name
    the memory limit (see _DaskExecutor._memory_killed).

    The ``local`` backend's nannies run in this process and call :meth:`restarting` as they decide, before the
    worker dies (l2l.jobs.dask_logs.quiet_nanny); a remote nanny's event (``slurm``'s) comes through the scheduler
    (log_event), mostly before the worker's death is noticed; if after, Dask has sent the tasks elsewhere already,
    and the next worker's death ends them (one more death, not four or eight)."""

    #: The workers that left whose tasks are remembered (for a nanny's event that comes after its worker left).
    REMEMBERED = 64

    def __init__(self, scheduler: Any, told: Any) -> None:
        self.scheduler = scheduler
        self.told = told
        self.left: dict[Any, tuple[list[Any], Any]] = {}  # worker: (the tasks it ran as it left, its memory limit)
        self.ended: set[Any] = set()  # workers whose restart was heard before they left (their tasks ended then)

    def restarting(self, worker: Any, rss: Any, limit: Any = None) -> None:
        state = self.scheduler.workers.get(worker)
        if state is not None:  # before its worker died: this death ends them
            tasks, limit = list(state.processing), limit or state.memory_limit
            self.ended.add(worker)
        else:  # it left already, and Dask sent its tasks elsewhere: the next death ends them
            keys, limit = self.left.pop(worker, ((), limit))
            tasks = [task for task in map(self.scheduler.tasks.get, keys) if task is not None]
        for task in tasks:
            task.suspicious = max(task.suspicious, self.scheduler.allowed_failures)
        if tasks:
            self.told([task.key for task in tasks], worker, rss, limit)

    def log_event(self, topic: str, msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        if topic == MEMORY_RESTART:
            self.restarting(msg.get("worker"), msg.get("rss"))
        elif topic == WORKER_EVENTS and msg.get("action") == "remove-worker" and msg.get("processing-tasks") and \
                msg.get("worker") not in self.ended:
            limits = [state.memory_limit for state in self.scheduler.workers.values()]  # (it is gone: its peers')
            self.left[msg.get("worker")] = (list(msg["processing-tasks"]), limits[0] if limits else None)
            while len(self.left) > self.REMEMBERED:
                self.left.pop(next(iter(self.left)))


def nanny_restarting(nanny: Any, msg: Any) -> None:
    """A nanny of this process restarts its worker for memory (``msg``: its event): the MemoryPlugin of the
    scheduler in this process it belongs to hears it now, before the worker dies."""
    address = getattr(nanny, "scheduler_addr", None)
    limit = getattr(getattr(nanny, "memory_manager", None), "memory_limit", None)
    for scheduler in list(Scheduler._instances):  # noqa: SLF001 - the schedulers of this process
        if address is None or scheduler.address != address:
            continue
        for plugin in list(scheduler.plugins.values()):
            if isinstance(plugin, MemoryPlugin) and isinstance(msg, dict):
                plugin.restarting(msg.get("worker"), msg.get("rss"), limit)


def no_http_server(server: Any) -> None:
    """What a Dask server (scheduler, worker) sets up in place of its HTTP server where a backend's ``dashboard``
    is false: the objects Dask keeps of it (``http_application``, ``http_server``, with no port), but no socket.

    Dask starts one with every scheduler and every worker, dashboard or not: the scheduler's status pages, each
    worker's ``/health``, ``/metrics`` (its task counts, memory, transfer figures) and ``/statics``, readable by
    every user who reaches the port (on a shared login node, every user of the host)."""
    from distributed.http.routing import RoutingApplication
    from tornado.httpserver import HTTPServer

    server.http_application = RoutingApplication([])
    server.http_server = HTTPServer(server.http_application)
    server.http_server.address, server.http_server.port = None, 0  # (Dask's: where it listens; nowhere)


class PagelessScheduler(Scheduler):
    """Dask's scheduler that opens no HTTP port (:func:`no_http_server`): the ``local`` backend's with ``dashboard
    = false``."""

    def start_http_server(self, routes: Any, dashboard_address: Any, default_port: int = 0,
                          ssl_options: Any = None) -> None:
        no_http_server(self)


class PagelessWorker(Worker):
    """Dask's worker that opens no HTTP port (:func:`no_http_server`): the ``local`` backend's workers with
    ``dashboard = false`` (named by reference in the nanny's call to its worker process)."""

    def start_http_server(self, routes: Any, dashboard_address: Any, default_port: int = 0,
                          ssl_options: Any = None) -> None:
        no_http_server(self)
