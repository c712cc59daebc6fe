"""What the Dask backends share (:class:`_DaskExecutor`, of ``local``, ``dask`` and ``slurm``): chunks of
evaluations sent as Dask tasks, their futures followed and their results fetched, chunks that kill workers split.

Tasks travel to workers in chunks, so that the per-task cost of the scheduler
(about a millisecond) stays far below the simulation time; the chunk size
adapts to the measured evaluation time. A chunk whose worker died is retried
by Dask on another worker; if it keeps killing workers it is split, and a
single evaluation that still kills its worker is tried once more alone (the
workers that died may have taken bystanders along: the scheduler assigns
tasks to workers ahead of time), then recorded as failed.

Every such run counts: each Outcome says how many times its evaluation was
started (``Outcome.submissions``), the runs lost with a worker included, so
that the loop counts each as an attempt (a multi-fidelity run's compute), as
it does slurm-array's resubmissions. Dask re-runs a chunk by itself, unseen by
the client's futures; the scheduler's event of a worker leaving (topic
``all``, action ``remove-worker``) names the tasks that worker was running
and the results it held that nobody had fetched, each of which Dask runs again
(see ``_worker_left``). It is an upper bound: a chunk the scheduler had given
to the worker counts as started although it may have waited in the worker's
queue, and a chunk counts for each of its evaluations, those it had not
reached included. A chunk whose outcomes the loop had already taken (and
recorded) is still wanted by the client until its next submission lets its
future go: Dask would run it again if its worker died meanwhile, with no row
left to count that run in. The ``local`` backend, whose scheduler runs in this
process, drops that wish as the scheduler removes the worker, before it
decides what to run again; through ``dask`` and ``slurm`` the notice comes too
late for that, and such a run is not counted.
"""

from __future__ import annotations

import collections
import logging
import math
import os
import pickle
import queue
import threading
import time
from typing import Any, Sequence

from l2l.jobs.base import Executor, FollowsWorkers, Outcome, Settings, Task, died, warn_line
from l2l.jobs.error_text import lost_text
from l2l.jobs.dask_chunks import chunk_count, slots
from l2l.jobs.dask_interrupts import closing_through_ctrl_c, raise_dropped_interrupt, watch_dropped_interrupts
from l2l.jobs.warm import Background
from l2l.simulators.base import Simulator


#: What the loop gives Dask's threads of its process (the client's and the local backend's scheduler) to pass a
#: submission on to the workers before it writes the last generation's commit (see let_submissions_out).
HANDOVER_SECONDS = 0.02
#: A result the event loop could not fetch: ``wait`` asks its future for it.
_UNFETCHED = object()
#: How often a chunk is sent again after it found a worker without the run's simulator, or the client cancelled it
#: as it lost the scheduler (see _send_again).
MISSING_TRIES = 3
RESULT_TIMEOUT = 60


#: How old the scheduler's list of workers may be (see _DaskExecutor._worker_info): one request for it at most this
#: often serves the worker count and the checks made while nothing comes back (paused workers, no workers).
WORKER_COUNT_SECONDS = 1.0


#: How long every worker may be paused (Dask pauses one whose process uses more than
#: ``distributed.worker.memory.pause``, 80 %, of its memory limit) while evaluations wait before the run says so in a
#: warning line (see _DaskExecutor._tell_paused); a pause that garbage collection ends within it is not worth a line.
PAUSED_SECONDS = 10.0
#: Where each backend's worker memory is set, named in that line.
MEMORY_OPTIONS = {"local": "[backend] memory_limit", "slurm": "[backend] memory", "dask": "dask worker --memory-limit"}


def _simulator_missing(error: Any) -> bool:
    """Whether a chunk's ``error`` is a worker without the run's simulator (see :meth:`_install_again`)."""
    from l2l.jobs.dask_worker import SimulatorMissing
    return isinstance(error, SimulatorMissing)


def _connection_lost(error: Any) -> bool:
    """Whether a chunk's ``error`` is its future cancelled: l2l cancels none, the client cancels those out as it
    loses the scheduler (then reconnects, or closes), never the evaluation's fault."""
    from concurrent.futures import CancelledError
    return isinstance(error, CancelledError)


def _killed_worker(error: BaseException) -> bool:
    """Whether ``error`` is Dask giving a task up after the workers running it died (``KilledWorker``)."""
    from distributed.scheduler import KilledWorker
    return isinstance(error, KilledWorker)


#: How distributed's scheduler begins the error of a task graph it could not unpickle (its environment lacks a
#: module the graph names: a scheduler started without l2l, or in another environment).
UNDESERIALIZED = "Error during deserialization of the task graph"


def _never_ran(error: Any) -> bool:
    """Whether a chunk's ``error`` is the scheduler's refusal of its task graph: nothing of it ran, and neither
    would any of its tasks alone. Before, such a chunk was split and its tasks sent again one by one and then once
    more in quarantine, each time in vain, and each row said 2 attempts (and their compute) of an evaluation that
    never ran."""
    return isinstance(error, RuntimeError) and str(error).startswith(UNDESERIALIZED)


def _l2l_missing(error: Any) -> str | None:
    """The module of l2l that a chunk's ``error`` (the scheduler's refusal of its task graph, see _never_ran) says
    the scheduler could not import ('l2l', 'l2l.jobs'): a scheduler started in an environment without l2l (or with
    another l2l); None for another cause (a module of the user's)."""
    import re

    cause = error.__cause__ if error.__cause__ is not None else error.__context__
    if not isinstance(cause, ImportError):
        return None
    name = getattr(cause, "name", None)
    if not name:
        found = re.search(r"No module named '([^']+)'", str(cause))
        name = found.group(1) if found else ""
    return name if name == "l2l" or name.startswith("l2l.") else None


class _DaskExecutor(FollowsWorkers, Executor):
    """Shared machinery: chunking, futures, splitting of chunks that kill workers."""

    chunk_size: int = 0
    #: False where l2l started the cluster without a dashboard (see dashboard_available)
    _dashboard = True

    def _connect(self):
        raise NotImplementedError

    def prepare(self, simulator: Simulator | None = None) -> None:
        """Start connecting (the embedded cluster: starting its workers) in a thread; start() takes it over.

        ``simulator``, the run's: installed on the workers meanwhile (the ``local`` backend's workers get it as
        they start), so that start() has nothing left to send.
        """
        self._refuse_unsendable(simulator)
        if getattr(self, "_starting", None) is None and getattr(self, "_client", None) is None:
            self._offered = simulator
            self._starting = Background(self._connect_installing)
        self._watch_interrupts()  # from now: the cluster's start sets off Dask's weakref callbacks too

    def _watch_interrupts(self) -> None:
        """Keep a Ctrl-C that Python drops (see :func:`raise_dropped_interrupt`) from now until close(). Started
        as the cluster starts, not only once the run has it: a Ctrl-C dropped meanwhile in a weakref callback (the
        workers' start sets off many) printed "Exception ignored in: <function WeakValueDictionary...>
        KeyboardInterrupt" and was lost: the run went on to its end."""
        if not getattr(self, "_watching", False) and threading.current_thread() is threading.main_thread():
            watch_dropped_interrupts(True)
            self._watching = True

    def _refuse_unsendable(self, simulator: Simulator | None) -> None:
        """ConfigError, before the run's file exists, for a function passed to l2l.run that cannot be pickled for
        the workers (:meth:`~l2l.simulators.python.CallableSimulator.check_sendable`)."""
        if not getattr(simulator, "from_options", True):  # a function passed to l2l.run
            simulator.check_sendable(self.name)

    def _connect_installing(self):
        """Connect; then install the offered simulator unless the workers got it as they started."""
        client = self._connect()
        offered = getattr(self, "_offered", None)
        if offered is not None and getattr(self, "_installed", None) is not offered:
            try:
                self._install(client, offered)
            except BaseException:
                client.close()
                raise
        return client

    def _plugin_name(self) -> str:
        if getattr(self, "_plugin", None) is None:
            self._plugin = f"l2l-simulator-{os.urandom(4).hex()}"
        return self._plugin

    def _install(self, client, simulator: Simulator) -> None:
        """On every worker, and on every worker that joins later (l2l.jobs.dask_worker says why not as a task)."""
        from l2l.jobs.dask_worker import SimulatorPlugin
        client.register_plugin(SimulatorPlugin(simulator), name=self._plugin_name())
        self._installed = simulator

    def start(self, simulator: Simulator, settings: Settings) -> None:
        starting = getattr(self, "_starting", None)
        self._watch_interrupts()
        self._client = starting.result() if starting is not None else self._connect()
        self._starting = None  # only now: a Ctrl-C while the cluster starts leaves it to close(), which waits for it
        raise_dropped_interrupt()  # a Ctrl-C dropped while the cluster started: the run stops before it sends any
        self._settings = settings
        self._tell_chunks_with_target()
        if getattr(self, "_installed", None) is not simulator:  # not prepared with this simulator
            self._install(self._client, simulator)
        self._futures: set[Any] = set()
        self._chunks: dict[Any, list[Task]] = {}
        # Futures put here by a coroutine on the client's event loop as they finish (see _watch): waiting costs
        # nothing per future in flight (a wait over all of them made a coroutine per future per result).
        self._done: queue.SimpleQueue = queue.SimpleQueue()  # of (a future's key, its result or _UNFETCHED)
        self._by_key: dict[Any, Any] = {}  # the futures in flight by key
        # Keys whose outcomes came with the task's completion (see l2l.jobs.dask_worker.run_chunk): the client's
        # notification of these is not followed by a fetch.
        self._pushed: set[Any] = set()
        self._push = False  # whether the chunks push their outcomes (set by a backend whose scheduler can take them)
        self._fetch: list[Any] = []  # finished futures whose results the event loop fetches next
        # Futures whose results were taken, released right after the next submission, not before. Dask
        # batches the messages of a stream (the client's to the scheduler every 10 ms, the scheduler's to a
        # worker every 5 ms): releases sent first made the next submission, and its tasks, wait for the next
        # batch at each generation's end (released when the loop next waited, those of a generation's first
        # chunks went out just before its successor was submitted).
        self._taken: list[Any] = []
        self._pending = 0
        self._mean_duration: float | None = None
        # Evaluations suspected of killing their worker, tried again one at a time: a worker that dies takes
        # every task the scheduler had assigned to it along, so the first suspicion may fall on a bystander.
        self._quarantine: list[Task] = []
        self._isolated: Any = None  # the future of the quarantined evaluation in flight
        self._workers, self._workers_asked = 1, -math.inf
        self._durations: collections.deque = collections.deque(maxlen=256)  # of the last evaluations that ran
        self._last_submitted: list[Any] = []
        # Runs of a chunk in flight that gave no outcome, by its key: each time the worker running it (or holding
        # its result, not yet fetched) left, Dask ran it again elsewhere or gave it up (see _worker_left). Written
        # by the thread of the scheduler's events, read by wait().
        self._lost: dict[Any, int] = {}
        self._lost_lock = threading.Lock()
        # Runs of a task in chunks that gave no outcome, by id(task) (with the task: its id stays its own), carried
        # over as wait() runs the task again, split from its chunk or alone (see Outcome.submissions).
        self._reruns: dict[int, tuple[Task, int]] = {}
        # Chunks whose worker its nanny restarted for memory, by key: the text of their rows (see _memory_killed)
        self._memory_deaths: dict[Any, str] = {}
        self._follow_workers()
        self._watch_memory()

    def _watch_memory(self) -> None:
        """Where the scheduler runs in this process (``local``, ``slurm``): a worker restarted for memory fails the
        evaluation it ran at this first death (l2l.jobs.dask_worker.MemoryPlugin), its row naming the limit."""
        local = getattr(self, "_local_scheduler", None)
        scheduler = local() if local is not None else None
        if scheduler is None:
            return
        from l2l.jobs.dask_worker import MemoryPlugin
        scheduler.add_plugin(MemoryPlugin(scheduler, self._memory_killed), name=f"{self._plugin_name()}-memory")

    def _memory_killed(self, keys: list[Any], worker: Any, rss: Any, limit: Any) -> None:
        """The nanny of ``worker`` restarts it for memory (on the scheduler's event loop), with the chunks ``keys``
        running there: each is given up at this death (as KilledWorker), its evaluation's row says why. Before, Dask
        ran it again on the next workers, which died the same way, and the row said only 'KilledWorker'."""
        import dask
        from dask.utils import format_bytes

        fraction = dask.config.get("distributed.worker.memory.terminate", 0.95)
        fraction = fraction if isinstance(fraction, (int, float)) and not isinstance(fraction, bool) else 0.95
        used = f"at {format_bytes(rss)} " if isinstance(rss, (int, float)) and rss else ""
        of = f"its {format_bytes(limit)} memory limit" if isinstance(limit, (int, float)) and limit else \
            "its memory limit"
        # the limit and its option first: l2l show's line of a failure cuts its reason at its width
        text = (f"out of memory: the worker running this evaluation went over {fraction * 100:.0f} % of {of} "
                f"({MEMORY_OPTIONS.get(self.name, 'its memory option')} raises it); Dask's nanny restarted that "
                f"worker {used}({worker}) and the evaluation was not run again")
        with self._lost_lock:
            for key in keys:
                if key in self._chunks:
                    self._memory_deaths[key] = text

    def _tell_chunks_with_target(self) -> None:
        """One line as a run with run.target starts on an explicit ``chunk_size`` above 1: the chunk size is kept (the
        user's choice against the cost of a Dask task per evaluation; chunk_size = 0 sends one evaluation per task
        until their length is known, see _chunk_count), but a result that reaches the target comes back only with its
        chunk, so up to chunk_size - 1 evaluations may run after it before the run ends. Before, nothing said so."""
        if self.each_result and self.chunk_size > 1:
            warn_line(f"l2l: note: backend '{self.name}': chunk_size = {self.chunk_size} is kept with run.target: a "
                      f"result that reaches the target comes back with its chunk, so up to {self.chunk_size - 1} "
                      f"evaluation(s) may run after it before the run ends (chunk_size = 1 ends it at that result)")

    def _follow_workers(self) -> None:
        """Have the scheduler's events of a worker leaving reach :meth:`_worker_left`: through the client (a
        subscription to the scheduler's topic); the ``local`` backend hears them in the scheduler's own process."""
        from l2l.jobs.dask_worker import WORKER_EVENTS
        self._client.subscribe_topic(WORKER_EVENTS, self._worker_event)
        self._subscribed = True

    def _worker_event(self, event: tuple[float, Any]) -> None:
        """An event of the scheduler's topic ``all`` (timestamp, message), on the client's event loop: the same
        stream brings the news that a task finished or failed, after it, so a chunk's runs lost with a worker
        are counted before wait() sees the chunk's outcome."""
        message = event[1] if isinstance(event, (tuple, list)) and len(event) == 2 else None
        if isinstance(message, dict) and message.get("action") == "remove-worker":
            self._worker_left(message)

    def _worker_left(self, message: dict) -> None:
        """A worker left (it died, was killed, retired, or went with its node): each chunk of ours it was running
        ("processing-tasks"; the scheduler had given it to the worker, which may have started it), or whose result
        it held and nobody fetched yet ("lost-computed-tasks"), is run again by Dask elsewhere (or given up, as
        KilledWorker, once it killed ``allowed-failures`` + 1 workers). Each is a run that gave no outcome."""
        keys = set(message.get("processing-tasks") or ()) | set(message.get("lost-computed-tasks") or ())
        with self._lost_lock:
            for key in keys:
                if key in self._chunks:  # ours and in flight (a chunk taken already is not counted: see above)
                    self._lost[key] = self._lost.get(key, 0) + 1

    def _runs_lost(self, key: Any) -> int:
        """The runs of chunk ``key`` that its worker took along when it left (see _worker_left); forgotten."""
        with self._lost_lock:
            return self._lost.pop(key, 0)

    @property
    def dashboard_link(self) -> str | None:
        """The Dask dashboard of this run's cluster, if it has one."""
        if not self._dashboard:
            return None
        try:
            return self._client.dashboard_link
        except Exception:  # noqa: BLE001 - no dashboard (bokeh missing, or no scheduler yet)
            return None

    @property
    def worker_count(self) -> int:
        """Workers connected now, from the scheduler's answer of :meth:`_worker_info` (at most WORKER_COUNT_SECONDS
        old; the loop asks per result); before :meth:`start`, the workers planned (the loop asks for its first work
        meanwhile); at most :meth:`_most` either way."""
        if getattr(self, "_workers_asked", None) is None:  # not started
            return self._busy(self._planned_workers())
        self._worker_info()  # sets _workers from an answer asked now, if the last one is a second old
        return self._busy(self._workers)

    def _worker_info(self) -> dict | None:
        """The scheduler's workers (address: nthreads, status, memory_limit, metrics, ...), asked of it at most once
        every WORKER_COUNT_SECONDS; None if it did not answer (not asked again before then either). One answer
        serves the worker count (``_workers``: its slots, 1 without an answer, an estimate being enough) and both
        checks made while nothing comes back (paused workers, no workers): each asked for its own before, about two
        requests a second to a scheduler that may be someone else's, for the list of every worker of a shared
        cluster. One time (``_workers_asked``) says how old the answer is: the count kept a timer of its own, and
        took a cached answer up to a second old for a second more."""
        now = time.monotonic()
        asked = getattr(self, "_workers_asked", None)
        if asked is not None and now - asked < WORKER_COUNT_SECONDS:
            return getattr(self, "_info", None)
        try:
            info = self._ask_workers()
        except Exception:  # noqa: BLE001 - not answered: each caller has its fallback
            info = None
        self._info, self._workers_asked = info, now
        self._workers = slots(info) if info is not None else 1
        return info

    def _ask_workers(self) -> dict:
        """The scheduler's workers, now: from the scheduler object on its event loop where it runs in this process
        (no message to it), else a request through the client."""
        scheduler, client = self._local_scheduler(), self._client
        if scheduler is None:
            return dict(client.scheduler_info(n_workers=-1)["workers"])

        async def identity() -> dict:
            return dict(scheduler.identity(n_workers=-1)["workers"])
        return client.sync(identity)

    def _planned_workers(self) -> int:
        return 1

    def _chunk_count(self, n: int) -> int:
        """How many chunks ``n`` tasks go in (see :func:`l2l.jobs.dask_chunks.chunk_count`)."""
        if self.chunk_size:
            return math.ceil(n / self.chunk_size)
        if n == 1:  # the asynchronous mode submits one task at a time: no scheduler query needed
            return 1
        if self.each_result and self._mean_duration is None:  # chunks of one while their length is unknown; once
            return n  # known, a chunk lasts at most a few seconds (chunk_seconds), its results that much late
        return chunk_count(n, self.worker_count, self._mean_duration, getattr(self, "_durations", ()))

    def let_submissions_out(self) -> None:
        """Wait (at most HANDOVER_SECONDS, the interpreter lock released) until the scheduler has the chunks
        submitted last, so that what the loop does next (writing a commit, which holds the lock) does not delay
        Dask's threads of this process in passing them on to the workers."""
        futures, self._last_submitted = self._last_submitted, []
        if not futures:
            return
        scheduler = self._local_scheduler()
        if scheduler is None:  # a remote scheduler: only the client's thread has to send the message
            time.sleep(0.002)
            return
        deadline = time.monotonic() + HANDOVER_SECONDS
        while time.monotonic() < deadline:
            tasks = scheduler.tasks
            if all(getattr(tasks.get(f.key), "state", None) not in (None, "released", "waiting") for f in futures):
                time.sleep(0.001)  # and the message to the workers is written
                return
            time.sleep(0.0005)

    def _local_scheduler(self):
        """The scheduler object, if it runs in this process."""
        return None

    def _submit_chunks(self, chunks: list[list[Task]]) -> list[Any]:
        """One Dask task per chunk, all in one message to the scheduler (one ``map``, not a submit each)."""
        tag = os.urandom(4).hex()
        # Unique per chunk: two chunks may start with the same (generation, individual, attempt) (re-evaluation
        # runs one candidate on several seeds), and Dask would merge tasks of the same key into one future.
        owner = self._key_owner()
        keys = [f"l2l-eval-{owner}g{c[0].generation}-i{c[0].individual}-a{c[0].attempt}-{tag}-{index}"
                for index, c in enumerate(chunks)]
        from l2l.jobs.dask_worker import run_chunk
        for key, chunk in zip(keys, chunks):  # before the scheduler has them: a worker leaving names them at once
            self._chunks[key] = chunk
        futures = self._client.map(run_chunk, [pickle.dumps(c, protocol=5) for c in chunks], key=keys,
                                   pure=False, plugin=self._plugin, settings=self._settings, push=self._push)
        for future in futures:
            self._by_key[future.key] = future
            self._futures.add(future)
        self._client.loop.add_callback(self._watch, futures)
        self._last_submitted = futures
        # Now that the submission is on its way, the futures whose results were taken can go (see start()); one
        # whose outcomes were pushed waits until the client, too, knows it finished (a future released before
        # that would leave its watcher waiting for a notification that never comes).
        taken, self._taken = self._taken, []
        for future in taken:
            if future.done():
                future.release()
            else:
                self._taken.append(future)
        return futures

    def _key_owner(self) -> str:
        """Whose the chunks are, as their Dask keys say it: ``USER-RUN-`` (the login name and the run's file name,
        each cut to letters, digits and ``_``), so that the admin of a shared scheduler sees in its dashboard, in
        ``client.who_has()`` and in ``scheduler.tasks`` whose tasks they are. Before, every l2l run of every user
        sent keys ``l2l-eval-g0-i3-a0-...``, which named no one."""
        owner = getattr(self, "_owner", None)
        if owner is None:
            import getpass
            import re

            try:
                user = getpass.getuser()
            except Exception:  # noqa: BLE001 - no login name (a container's uid without an entry)
                user = f"uid{os.getuid()}" if hasattr(os, "getuid") else ""
            run_dir = getattr(getattr(self, "_settings", None), "run_dir", None) or ""
            run = os.path.basename(run_dir)
            run = run[:-len(".work")] if run.endswith(".work") else run
            parts = [re.sub(r"[^A-Za-z0-9_]+", "_", part)[:40].strip("_") for part in (user, run)]
            owner = self._owner = "".join(f"{part}-" for part in parts if part)
        return owner

    def _delivered(self, key: Any, value: bytes) -> None:
        """A chunk's outcomes, pushed with its completion (called on the scheduler's event loop)."""
        self._pushed.add(key)
        self._done.put((key, value))

    async def _watch(self, futures: list[Any]) -> None:
        """Fetch each of ``futures``' results as it finishes, from the client's event loop, and put it in the
        queue of finished ones (``add_done_callback`` would hand each to one more thread on its way to the
        loop's): the round trip for a result overlaps the loop's work on the results before it, instead of
        following it (at a generation's end the last chunks finish together, and fetching them one after the
        other from the loop's thread, after it had recorded the first, doubled the pause between generations).
        """
        import asyncio

        async def one(future):
            await future._state.wait()  # noqa: SLF001 - what distributed's own wait awaits
            if future.key in self._pushed:  # its outcomes came with the completion
                self._pushed.discard(future.key)
                return
            self._fetch.append(future)
            if len(self._fetch) == 1:  # the first of a tick: fetch with the others that finish in the same tick
                await asyncio.sleep(0)
                await self._fetch_finished()

        await asyncio.gather(*(one(future) for future in futures))

    async def _fetch_finished(self) -> None:
        """The results of the futures finished so far, in one round trip (the scheduler fetches them from their
        workers at once); a future whose result cannot be had that way goes without it (``wait`` asks it alone,
        and a lost one is retried or recorded there)."""
        futures, self._fetch = self._fetch, []
        finished = [future for future in futures if future.status == "finished"]
        values: list[Any] = [_UNFETCHED] * len(finished)
        if finished:
            try:
                values = list(await self._client._gather(finished))  # noqa: SLF001 - the coroutine of gather()
            except Exception:  # noqa: BLE001 - some result was lost: each is asked for in wait()
                pass
        fetched = dict(zip(finished, values))
        for future in futures:
            self._done.put((future.key, fetched.get(future, _UNFETCHED)))

    def submit(self, tasks: Sequence[Task]) -> None:
        tasks = list(tasks)
        if not tasks:
            return
        count = self._chunk_count(len(tasks))
        base, extra = divmod(len(tasks), count)  # sizes differ by at most one
        chunks, start = [], 0
        for index in range(count):
            stop = start + base + (index < extra)
            chunks.append(tasks[start:stop])
            start = stop
        self._submit_chunks(chunks)
        self._pending += len(tasks)

    def wait(self, timeout: float | None = None) -> list[Outcome]:
        raise_dropped_interrupt()  # (the loop waits at least once a second)
        if self._pending == 0:
            return []
        self._release_quarantine()
        try:
            done = [self._done.get(timeout=timeout)]
        except queue.Empty:
            self._tell_paused()
            return []
        while True:  # and every other one finished by now
            try:
                done.append(self._done.get_nowait())
            except queue.Empty:
                break
        outcomes: list[Outcome] = []
        for key, value in done:
            future = self._by_key.pop(key, None)  # None: taken already (pushed, then fetched as well)
            if future is None or future not in self._futures:
                continue
            self._futures.discard(future)
            try:
                result = pickle.loads(value if value is not _UNFETCHED else future.result(timeout=RESULT_TIMEOUT))
            except Exception as exc:  # noqa: BLE001 - a dead worker, a lost result: retry or record
                result = exc
            chunk = self._chunks.pop(future.key)
            with self._lost_lock:
                memory = self._memory_deaths.pop(future.key, None)
            # runs of the chunk that gave no outcome: those lost with a worker (the scheduler said so before it
            # said the chunk finished or failed), and the one that raised, unless Dask gave it up (KilledWorker:
            # its last run is among the lost ones)
            lost = self._runs_lost(future.key) + int(isinstance(result, Exception) and not _killed_worker(result)
                                                     and not _never_ran(result))
            if isinstance(result, list):
                for task, outcome in zip(chunk, result):  # in the chunk's order (evaluate_chunk)
                    outcome.submissions = 1 + lost + self._reruns.pop(id(task), (task, 0))[1]
                outcomes.extend(result)
                self._pending -= len(result)
                durations = [o.duration for o in result if o.ok]
                self._durations.extend(durations)
                if durations:
                    mean = sum(durations) / len(durations)
                    self._mean_duration = mean if self._mean_duration is None else \
                        0.7 * self._mean_duration + 0.3 * mean
            elif _simulator_missing(result) and self._install_again(chunk):
                self._submit_chunks([chunk])  # nothing of it ran: not counted
            elif _connection_lost(result) and self._send_again(chunk):
                # the client cancels what is out as it loses its scheduler, and sends what is submitted meanwhile
                # once it reconnects (or closes: then the run ends, see DaskExecutor.wait); not a failure
                self._submit_chunks([chunk])
            else:
                for task in chunk:  # each of its tasks ran (or may have run) that often, in vain: carried over
                    self._reruns[id(task)] = (task, self._reruns.get(id(task), (task, 0))[1] + lost)
                if _never_ran(result) and _l2l_missing(result):
                    self._refuse_without_l2l(result)
                if _never_ran(result):  # each of its tasks, alone or not, would fail the same way at once
                    for task in chunk:
                        outcome = died(task, lost_text(result))
                        outcome.submissions = max(1, self._reruns.pop(id(task), (task, 0))[1])
                        outcomes.append(outcome)
                    self._pending -= len(chunk)
                elif len(chunk) == 1 and memory is not None:  # its worker went over its memory limit with it
                    outcome = died(chunk[0], memory)
                    outcome.submissions = max(1, self._reruns.pop(id(chunk[0]), (chunk[0], 0))[1])
                    outcomes.append(outcome)
                    self._pending -= 1
                elif len(chunk) > 1:
                    # Some evaluation in the chunk kills its worker: isolate it.
                    self._submit_chunks([[task] for task in chunk])
                elif future is not self._isolated:
                    self._quarantine.append(chunk[0])  # maybe a bystander: once more, alone on the cluster
                else:
                    outcome = died(chunk[0], lost_text(result))
                    outcome.submissions = max(1, self._reruns.pop(id(chunk[0]), (chunk[0], 0))[1])
                    outcomes.append(outcome)
                    self._pending -= 1
            if future is self._isolated:
                self._isolated = None
            self._taken.append(future)
        self._release_quarantine()
        return outcomes

    def _refuse_without_l2l(self, result: BaseException) -> None:
        """End the run in one line (ExecutorError, exit status 2; the rows recorded so far kept): the scheduler
        cannot load l2l's tasks, so no evaluation of the run can run there. Before, every evaluation failed as 'the
        worker running this evaluation died: ... No module named 'l2l'' and the run ended 'finished'."""
        from l2l.errors import ExecutorError
        from l2l.words import Placeholder, call

        try:
            from importlib.metadata import version
            here = f"l2l {version('l2l')}"
        except Exception:  # noqa: BLE001 - not installed as a distribution (a source tree on PYTHONPATH)
            here = "the l2l this run uses"
        where = getattr(self, "address", None) or getattr(self, "scheduler_file", None)
        cause = result.__cause__ if result.__cause__ is not None else result.__context__
        again = call("resume", Placeholder("FILE"), function=getattr(self, "_function", False))
        raise ExecutorError(f"backend '{self.name}': the Dask scheduler{f' at {where}' if where else ''} cannot load "
                            f"the run's tasks ({type(cause).__name__}: {' '.join(str(cause).split())[:200]}): the "
                            f"scheduler needs l2l in its environment ({here}, the same as here); install it where the "
                            f"scheduler runs, start the scheduler again, then continue with {again}")

    def _tell_paused(self) -> None:
        """One warning line once every worker has been paused by Dask for PAUSED_SECONDS while evaluations wait
        (asked at most once a second, while nothing comes back), again when the paused workers or their memory
        limits change, or after they resumed and paused again. A worker whose process uses more than 80 % of its
        memory limit takes no more tasks, and the run waited without a word: a NEST simulator (1.5 GB a process)
        on slurm's default memory = "2GB" waited 6.5 minutes until stopped, the reason only in the worker jobs'
        logs. The run goes on waiting (a paused worker resumes once its memory falls again)."""
        if not self._pending or getattr(self, "_client", None) is None:
            return
        info = self._worker_info()  # asked at most once a second (shared with the other checks)
        if info is None:  # not answered: nothing to say
            return
        now, workers = time.monotonic(), list(info.values())
        if not workers or any(worker.get("status") != "paused" for worker in workers):
            self._paused_since = None
            return
        limits = tuple(sorted(worker.get("memory_limit") or 0 for worker in workers))
        since = getattr(self, "_paused_since", None)
        if since is None:
            self._paused_since = since = now
        told = (since, limits)
        if now - since < PAUSED_SECONDS or getattr(self, "_told_paused", None) == told:
            return
        self._told_paused = told
        import dask
        from dask.utils import format_bytes
        shown = [format_bytes(limit) for limit in limits if limit]  # smallest first
        limit = "" if not shown else f"{shown[0]} " if shown[0] == shown[-1] else f"{shown[0]} to {shown[-1]} "
        pause = dask.config.get("distributed.worker.memory.pause", 0.8)  # the workers' own may differ: rarely
        used = max(((worker.get("metrics") or {}).get("memory") or 0 for worker in workers), default=0)
        who = "its Dask worker is" if len(workers) == 1 else f"all {len(workers)} Dask workers are"
        pause = pause if isinstance(pause, (int, float)) and not isinstance(pause, bool) else 0.8
        warn_line(f"l2l: warning: backend '{self.name}': {who} paused for memory (over {pause * 100:.0f} % of a "
                  f"{limit}memory limit{f'; using up to {format_bytes(used)}' if used else ''}), with {self._pending} "
                  f"evaluation(s) waiting; the run goes on if a worker's memory falls again; give each worker more "
                  f"memory ({MEMORY_OPTIONS.get(self.name, 'its memory option')}), or stop the run (Ctrl-C)")

    def _install_again(self, chunk: list[Task]) -> bool:
        """Install the simulator again where a chunk found a worker without it (a scheduler started again at the
        address, which the client reconnected to, has lost it): at most once a second (the chunks out all come
        back so), and a chunk at most MISSING_TRIES times (then it fails as a dead worker's would); False then.
        Before, every evaluation after such a restart failed ('KeyError: l2l-simulator-...')."""
        if not self._send_again(chunk) or getattr(self, "_installed", None) is None:
            return False
        now = time.monotonic()
        if now - getattr(self, "_installed_again", -math.inf) >= 1.0:
            try:
                self._install(self._client, self._installed)
            except Exception:  # noqa: BLE001 - not reached: the chunk fails as a dead worker's would
                return False
            self._installed_again = now
        return True

    def _send_again(self, chunk: list[Task]) -> bool:
        """Whether ``chunk``, back without a result through no fault of its own, may be sent again (at most
        MISSING_TRIES times; then it goes the way of a chunk whose worker died)."""
        tries = self._missing_tries = getattr(self, "_missing_tries", {})
        key = id(chunk[0])
        tries[key] = tries.get(key, 0) + 1
        return tries[key] <= MISSING_TRIES

    def _release_quarantine(self) -> None:
        """Run the next suspect once nothing else runs: if its worker dies then, it was the one."""
        if self._quarantine and self._isolated is None and not self._futures:
            self._isolated = self._submit_chunks([[self._quarantine.pop(0)]])[0]

    @property
    def pending(self) -> int:
        return self._pending

    def close(self) -> None:
        if getattr(self, "_watching", False):
            self._watching = False
            watch_dropped_interrupts(False)
        starting, self._starting = getattr(self, "_starting", None), None
        if starting is not None:  # prepared, never started (the run failed before): wait, then close
            try:
                self._client = starting.result()
            except BaseException:  # noqa: BLE001 - it did not start: nothing to close but the cluster
                pass
        client, self._client = getattr(self, "_client", None), None
        if client is not None:
            try:
                # Only a client connected tells the scheduler anything: one trying to reach a lost scheduler again
                # waited in unregister_worker_plugin until it gave up (the backend's timeout, 30 s), so Ctrl-C then
                # took that long to end the run.
                connected = getattr(client, "status", "running") == "running"
                quiet = getattr(self, "_quiet", None)
                if quiet is not None and not connected:
                    quiet.closing = True
                    logging.getLogger("distributed.batched").addFilter(quiet)  # removed in DaskExecutor.close
                if getattr(self, "_subscribed", False) and connected:  # else the scheduler logs an error sending
                    from l2l.jobs.dask_worker import WORKER_EVENTS  # it the next event
                    self._subscribed = False
                    client.unsubscribe_topic(WORKER_EVENTS)
                if self.name == "dask" and getattr(self, "_plugin", None) and connected:  # a shared cluster keeps
                    client.unregister_worker_plugin(self._plugin)  # no simulator
                closing_through_ctrl_c(client.close)
            except Exception:  # noqa: BLE001 - closing must not hide the run's result
                pass
