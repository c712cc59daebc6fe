"""Dask backends: an embedded LocalCluster (the default) or an existing scheduler.

Tasks travel to workers in chunks, so that the per-task cost of the scheduler
(about a millisecond) stays far below the simulation time; the chunk size
adapts to the measured evaluation time. A chunk whose worker died is retried
by Dask on another worker; if it keeps killing workers it is split, and a
single evaluation that still kills its worker is tried once more alone (the
workers that died may have taken bystanders along: the scheduler assigns
tasks to workers ahead of time), then recorded as failed.
"""

from __future__ import annotations

import logging
import math
import os
import pickle
import time
from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

from l2l.errors import ConfigError, ExecutorError
from l2l.jobs.base import Executor, Outcome, Settings, Task, died, evaluate_chunk
from l2l.jobs.main_guard import check_main_guard
from l2l.jobs.warm import Background, fork_server_available, mark_preload_set, start_fork_server
from l2l.registry import option

#: Imported by every local worker process: Ctrl-C at the terminal is the run's to handle, not the workers'.
WORKER_PRELOAD = "l2l.jobs.worker_signals"


def _worker_preload() -> list[str]:
    """The user's Dask worker preloads (``distributed.worker.preload``), then l2l's."""
    import dask

    configured = dask.config.get("distributed.worker.preload", None) or []
    return [*([configured] if isinstance(configured, str) else configured), WORKER_PRELOAD]
from l2l.simulators.base import Simulator

#: A worker waits a round trip through the scheduler for its next chunk (a few ms, tens under load): chunks
#: of 0.5 s rather than 0.2 s halved that idle time in a GA of 4 x 100 evaluations of 20 ms (docs/scaling.md).
TARGET_CHUNK_SECONDS = 0.5
RESULT_TIMEOUT = 60
START_ATTEMPTS = 3
WORKER_COUNT_SECONDS = 1.0


def _identity(value: Any) -> Any:
    return value


def _run_chunk(simulator: Simulator, payload: bytes, settings: Settings) -> bytes:
    """Evaluate a pickled list of tasks; return the pickled outcomes.

    Dask ships one bytes object far faster than a nested list of dataclasses,
    whose elements it would inspect and serialize one by one.
    """
    return pickle.dumps(evaluate_chunk(simulator, pickle.loads(payload), settings), protocol=5)


class _DaskExecutor(Executor):
    """Shared machinery: chunking, futures, splitting of chunks that kill workers."""

    chunk_size: int = 0

    def _connect(self):
        raise NotImplementedError

    def prepare(self) -> None:
        """Start connecting (the embedded cluster: starting its workers) in a thread; start() takes it over."""
        if getattr(self, "_starting", None) is None and getattr(self, "_client", None) is None:
            self._starting = Background(self._connect)

    def start(self, simulator: Simulator, settings: Settings) -> None:
        starting, self._starting = getattr(self, "_starting", None), None
        self._client = starting.result() if starting is not None else self._connect()
        self._settings = settings
        # A task (not scattered data) so that Dask can recompute it if a worker dies.
        self._simulator = self._client.submit(_identity, simulator, pure=False, key="l2l-simulator")
        self._futures: set[Any] = set()
        self._chunks: dict[Any, list[Task]] = {}
        self._pending = 0
        self._mean_duration: float | None = None
        # Evaluations suspected of killing their worker, tried again one at a time: a worker that dies takes
        # every task the scheduler had assigned to it along, so the first suspicion may fall on a bystander.
        self._quarantine: list[Task] = []
        self._isolated: Any = None  # the future of the quarantined evaluation in flight
        self._workers, self._workers_asked = 1, -math.inf

    @property
    def dashboard_link(self) -> str | None:
        """The Dask dashboard of this run's cluster, if it has one."""
        try:
            return self._client.dashboard_link
        except Exception:  # noqa: BLE001 - no dashboard (bokeh missing, or no scheduler yet)
            return None

    @property
    def worker_count(self) -> int:
        """Workers connected now, asked of the scheduler at most once a second (the loop asks per result)."""
        now = time.monotonic()
        if now - self._workers_asked >= WORKER_COUNT_SECONDS:
            try:
                self._workers = max(1, len(self._client.scheduler_info(n_workers=-1)["workers"]))
            except Exception:  # noqa: BLE001 - an estimate is enough
                self._workers = 1
            self._workers_asked = now
        return self._workers

    def _chunk_count(self, n: int) -> int:
        """How many chunks ``n`` tasks go in: a multiple of the worker count, each chunk
        lasting about TARGET_CHUNK_SECONDS (four rounds while the duration is unknown)."""
        if self.chunk_size:
            return math.ceil(n / self.chunk_size)
        if n == 1:  # the asynchronous mode submits one task at a time: no scheduler query needed
            return 1
        workers = self.worker_count
        if self._mean_duration is None:
            rounds = 4
        else:
            rounds = max(1, round(n * self._mean_duration / (workers * TARGET_CHUNK_SECONDS)))
        return max(1, min(n, rounds * workers))

    def _submit_chunk(self, chunk: list[Task]) -> Any:
        payload = pickle.dumps(chunk, protocol=5)
        future = self._client.submit(_run_chunk, self._simulator, payload, self._settings, pure=False,
                                     key=f"l2l-eval-g{chunk[0].generation}-i{chunk[0].individual}-"
                                         f"a{chunk[0].attempt}-{os.urandom(4).hex()}")
        self._chunks[future.key] = chunk
        self._futures.add(future)
        return future

    def submit(self, tasks: Sequence[Task]) -> None:
        tasks = list(tasks)
        if not tasks:
            return
        count = self._chunk_count(len(tasks))
        base, extra = divmod(len(tasks), count)  # sizes differ by at most one
        start = 0
        for index in range(count):
            stop = start + base + (index < extra)
            self._submit_chunk(tasks[start:stop])
            start = stop
        self._pending += len(tasks)

    def wait(self, timeout: float | None = None) -> list[Outcome]:
        if self._pending == 0:
            return []
        self._release_quarantine()
        from distributed.client import _wait as wait_async
        try:
            done, _ = self._client.sync(wait_async, list(self._futures), timeout=timeout,
                                        return_when="FIRST_COMPLETED")
        except TimeoutError:
            return []
        outcomes: list[Outcome] = []
        for future in done:
            self._futures.discard(future)
            chunk = self._chunks.pop(future.key)
            try:
                result = pickle.loads(future.result(timeout=RESULT_TIMEOUT))
            except Exception as exc:  # noqa: BLE001 - a dead worker, a lost result: retry or record
                result = exc
            if isinstance(result, list):
                outcomes.extend(result)
                self._pending -= len(result)
                durations = [o.duration for o in result if o.ok]
                if durations:
                    mean = sum(durations) / len(durations)
                    self._mean_duration = mean if self._mean_duration is None else \
                        0.7 * self._mean_duration + 0.3 * mean
            elif len(chunk) > 1:
                # Some evaluation in the chunk kills its worker: isolate it.
                for task in chunk:
                    self._submit_chunk([task])
            elif future is not self._isolated:
                self._quarantine.append(chunk[0])  # maybe a bystander: once more, alone on the cluster
            else:
                outcomes.append(died(chunk[0], f"the worker running this evaluation died: "
                                                f"{type(result).__name__}: {result}"))
                self._pending -= 1
            if future is self._isolated:
                self._isolated = None
            future.release()
        self._release_quarantine()
        return outcomes

    def _release_quarantine(self) -> None:
        """Run the next suspect once nothing else runs: if its worker dies then, it was the one."""
        if self._quarantine and self._isolated is None and not self._futures:
            self._isolated = self._submit_chunk([self._quarantine.pop(0)])

    @property
    def pending(self) -> int:
        return self._pending

    def close(self) -> None:
        starting, self._starting = getattr(self, "_starting", None), None
        if starting is not None:  # prepared, never started (the run failed before): wait, then close
            try:
                self._client = starting.result()
            except BaseException:  # noqa: BLE001 - it did not start: nothing to close but the cluster
                pass
        client, self._client = getattr(self, "_client", None), None
        if client is not None:
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing must not hide the run's result
                pass


@dataclass
class LocalExecutor(_DaskExecutor):
    """An embedded Dask LocalCluster: one single-threaded worker process per core (the default)."""

    name: ClassVar[str] = "local"

    workers: int = option(0, help="worker processes (0: one per core)", ge=0)
    memory_limit: str = option("auto", help="memory limit per worker, e.g. '4GB' ('auto': share of RAM)")
    chunk_size: int = option(0, help="evaluations per Dask task (0: adapt to the evaluation time)", ge=0)

    def __post_init__(self) -> None:
        self._cluster = None

    def prepare(self) -> None:
        check_main_guard(self.name)  # in the caller's thread, before any worker or file exists
        super().prepare()

    def start(self, simulator: Simulator, settings: Settings) -> None:
        if getattr(self, "_starting", None) is None:
            check_main_guard(self.name)
        super().start(simulator, settings)

    def _connect(self):
        import dask
        from distributed import Client, LocalCluster
        n = self.workers or os.cpu_count() or 1
        # An evaluation that killed two workers is not tried on a third.
        # and no task waits in a worker's queue, where a dying neighbour would take it along.
        settings = {"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0}
        if (fork_server_available() and dask.config.get("distributed.worker.multiprocessing-method") == "spawn"
                and start_fork_server()):
            # Workers fork from a server that imported Dask once (see l2l.jobs.warm), not one interpreter each.
            settings["distributed.worker.multiprocessing-method"] = "forkserver"
            mark_preload_set()
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                with dask.config.set(settings):
                    # env: the caller's environment now (a forked worker would otherwise see the server's)
                    self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                 memory_limit=self.memory_limit, dashboard_address=":0",
                                                 silence_logs=logging.CRITICAL, host="127.0.0.1",
                                                 env=dict(os.environ), preload=_worker_preload())
                return Client(self._cluster, set_as_default=False)
            except (RuntimeError, OSError, TimeoutError) as exc:
                # A worker killed while the cluster starts ("Nanny failed to start") is survived
                # like one killed later: start the cluster again.
                self._close_cluster()
                if attempt == START_ATTEMPTS:
                    hint = ""
                    if "Nanny failed to start" in str(exc):
                        # The workers re-import the user's script: a script without the guard starts a
                        # cluster inside every worker, and the workers fail.
                        hint = (" (a script that calls l2l.run must do so under "
                                "'if __name__ == \"__main__\":', since the workers import it)")
                    raise ExecutorError(f"backend 'local': the Dask cluster did not start after "
                                        f"{START_ATTEMPTS} attempts: {type(exc).__name__}: {exc}{hint}") from exc

    @property
    def worker_count(self) -> int:
        """Workers connected now, from the cluster's own copy of the scheduler's list (no round trip at the
        end of each generation)."""
        try:
            return max(1, len(self._cluster.scheduler_info["workers"]))
        except Exception:  # noqa: BLE001 - not started, or closed
            return super().worker_count

    def describe(self) -> str:
        return f"local ({self.workers or os.cpu_count()} workers)"

    def close(self) -> None:
        super().close()
        self._close_cluster()

    def _close_cluster(self) -> None:
        if self._cluster is not None:
            try:
                self._cluster.close()
            except Exception:  # noqa: BLE001
                pass
            self._cluster = None


@dataclass
class DaskExecutor(_DaskExecutor):
    """An existing Dask scheduler, by address (tcp://host:8786) or scheduler file."""

    name: ClassVar[str] = "dask"

    address: str = option("", help="scheduler address, e.g. tcp://10.0.0.5:8786")
    scheduler_file: str = option("", help="path of a scheduler file written by dask-scheduler")
    chunk_size: int = option(0, help="evaluations per Dask task (0: adapt to the evaluation time)", ge=0)

    def __post_init__(self) -> None:
        if bool(self.address) == bool(self.scheduler_file):
            raise ConfigError("backend 'dask': give exactly one of address and scheduler_file")
        if self.scheduler_file and not os.path.exists(self.scheduler_file):
            raise ConfigError(f"backend 'dask': scheduler_file {self.scheduler_file!r} does not exist")

    def _connect(self):
        from distributed import Client
        if self.address:
            return Client(self.address, set_as_default=False, timeout="30s")
        return Client(scheduler_file=self.scheduler_file, set_as_default=False, timeout="30s")

    def describe(self) -> str:
        return f"dask ({self.address or self.scheduler_file})"
