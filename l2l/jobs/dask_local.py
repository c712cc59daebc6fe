"""Backend ``local``: an embedded Dask LocalCluster, one single-threaded worker process per core (the default
backend; :class:`LocalExecutor`). Its cluster is made as l2l.jobs.dask_cluster says, its nannies and log lines as
l2l.jobs.dask_logs says; what it shares with the other Dask backends is l2l.jobs.dask_executor's."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import ClassVar

from l2l.errors import ExecutorError
from l2l.jobs.base import Settings, warn_line
from l2l.jobs.dask_chunks import slots
from l2l.jobs.dask_cluster import (DASHBOARD_HELP, _StartConfig, _worker_preload, dashboard_available, local_scratch,
                                  local_security, run_cluster_class, warn_plain_tcp)
from l2l.jobs.dask_executor import _DaskExecutor
from l2l.jobs.dask_interrupts import closing_through_ctrl_c, raise_dropped_interrupt, watch_dropped_interrupts
from l2l.jobs.dask_logs import cluster_closed, cluster_started, clusters_quiet, forget_closed_servers, quiet_nanny
from l2l.jobs.main_guard import check_main_file, check_main_guard
from l2l.jobs.warm import fork_server_available, mark_preload_set, skips_missing_main, start_fork_server
from l2l.registry import option
from l2l.simulators.base import Simulator


START_ATTEMPTS = 3


#: Most worker processes of backend local, all on this machine: more than any machine has cores; 10**18 ended the
#: run in a MemoryError traceback as the cluster started.
MAX_LOCAL_WORKERS = 1024

#: Worker processes per core above which the ``local`` backend says in a note line that they share the cores.
CORES_NOTED = 4

#: What the ``local`` backend's scheduler is given: an evaluation that killed two workers is not tried on a third,
#: and no task waits in a worker's queue, where a dying neighbour would take it along.
ALLOWED_FAILURES = 1
WORKER_SATURATION = 1.0


@dataclass
class LocalExecutor(_DaskExecutor):
    """An embedded Dask LocalCluster: one single-threaded worker process per core (the default)."""

    name: ClassVar[str] = "local"

    workers: int = option(0, help="worker processes (0: one per core)", ge=0, le=MAX_LOCAL_WORKERS)
    memory_limit: str = option("auto", help="memory limit per worker, e.g. '4GB' ('auto': share of RAM)")
    chunk_size: int = option(0, help="evaluations per Dask task (0: adapt to the evaluation time)", ge=0)
    dashboard: bool = option(True, help=DASHBOARD_HELP.format(where="on 127.0.0.1"))

    def __post_init__(self) -> None:
        self._cluster = None

    def prepare(self, simulator: Simulator | None = None) -> None:
        check_main_guard(self.name)  # in the caller's thread, before any worker or file exists
        check_main_file(self.name, self._workers_skip_missing_main)
        self._tell_more_than_cores(simulator)
        super().prepare(simulator)

    def _tell_more_than_cores(self, simulator: Simulator | None) -> None:
        """One note line as the run starts where ``workers`` asks more than CORES_NOTED worker processes per core
        this process may use: they share the cores, each evaluation that computes runs that much slower, and every
        process costs its start (measured on 2 cores, a run of 16 evaluations of 0.2 s: ``--workers 64`` done in
        27 s, and in 19 and 124 s at load 30-45, against 4.8 and 5.7 s with 2 workers alternated with them). A few
        more workers than cores are a common choice, left unsaid; many are useful for models that wait (a sleep, a
        device, a remote service), so they are not refused; before, nothing was said. A NEST model's ``threads``
        above 1 has its own warning (l2l.run_warnings)."""
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        if not self.workers or self.workers <= CORES_NOTED * cores or getattr(self, "_told_cores", False):
            return
        threads = getattr(simulator, "threads", 0)
        if isinstance(threads, int) and threads > 1:  # (l2l.run_warnings says workers x threads against the cores)
            return
        self._told_cores = True
        warn_line(f"l2l: note: backend 'local': workers = {self.workers} on the {cores} core{'s' * (cores != 1)} this "
                  f"process may use: {self.workers} worker processes share them, so an evaluation that computes runs "
                  f"up to {self.workers / cores:.3g} times slower and the cluster takes longer to start; more workers "
                  f"than cores help only models that wait (sleep, I/O, a device); workers = 0 gives one per core")

    def start(self, simulator: Simulator, settings: Settings) -> None:
        if getattr(self, "_starting", None) is None:
            check_main_guard(self.name)
            check_main_file(self.name, self._workers_skip_missing_main)
        super().start(simulator, settings)
        self._simulator = simulator

    def _follow_workers(self) -> None:
        """The scheduler runs in this process: a plugin there hands the chunks' outcomes over as they finish
        (l2l.jobs.dask_worker) and the news of a worker leaving as the scheduler has it, before the chunks it
        took along run again (through the client, a chunk run again at once might come back first)."""
        scheduler = self._local_scheduler()
        if scheduler is None:
            super()._follow_workers()
            return
        from l2l.jobs.dask_worker import OutcomesPlugin
        scheduler.add_plugin(OutcomesPlugin(scheduler, self._delivered, self._worker_left),
                             name=f"{self._plugin_name()}-outcomes")
        self._push = True

    def _worker_left(self, message: dict) -> None:
        """As in every Dask backend (the runs in flight it took along count); then, on the scheduler's event
        loop, before the scheduler decides what to run again: a task the worker took along (its result, or a run
        of it Dask had started again) whose outcomes the loop has already taken (no longer in flight) would be
        run again by Dask, since this client holds its future until the next submission lets it go (see start()):
        a run of a segment already recorded, with no row to count it in. The client's wish for it is dropped here,
        as releasing the future would have done, so that the scheduler forgets it instead of running it again."""
        super()._worker_left(message)
        scheduler, client = self._local_scheduler(), getattr(self, "_client", None)
        state = scheduler.clients.get(client.id) if scheduler is not None and client is not None else None
        if state is None:
            return
        for key in {*(message.get("processing-tasks") or ()), *(message.get("lost-computed-tasks") or ())}:
            task = scheduler.tasks.get(key)
            if key not in self._chunks and task is not None and task in state.wants_what:
                state.wants_what.discard(task)
                if task.who_wants:
                    task.who_wants.discard(state)

    @staticmethod
    def _workers_skip_missing_main() -> bool:
        """Whether the workers will start without running a main script that is no file (see check_main_file): they
        are forked (Dask's ``multiprocessing-method`` fork), or start from l2l's fork server (as _connect decides)."""
        import dask

        method = dask.config.get("distributed.worker.multiprocessing-method", "spawn")  # (distributed's default)
        if method == "fork":
            return True
        return method in ("spawn", "forkserver") and fork_server_available() and start_fork_server() and \
            skips_missing_main()

    def _connect(self):
        import dask
        from distributed import Client
        n = self._planned_workers()
        # The workers get the run's simulator as they start: no round trip to every worker afterwards.
        offered, plugins = getattr(self, "_offered", None), {}
        if offered is not None:
            from l2l.jobs.dask_worker import SimulatorPlugin
            plugin = SimulatorPlugin(offered, self._plugin_name())
            plugin.payload()  # a simulator that cannot be pickled fails here, once, not in each worker's start
            plugins = {"plugins": (plugin,)}
        settings = {}
        security = local_security()
        if security is None:
            warn_plain_tcp(self)
        scratch = local_scratch()
        if scratch is not None:  # read by the scheduler and the nannies as they start (see local_scratch)
            settings["temporary-directory"] = scratch
        start_method = None  # (None: as Dask's configuration says when a nanny starts its worker, a user's choice)
        method = dask.config.get("distributed.worker.multiprocessing-method")  # (the user's: l2l never sets it)
        if fork_server_available() and method == "spawn" and start_fork_server():
            # Workers fork from a server that imported Dask once (see l2l.jobs.warm), not one interpreter each:
            # the first ones and those that replace a worker that died (its nanny's, see start_method_held).
            start_method = "forkserver"
            mark_preload_set()
        for attempt in range(1, START_ATTEMPTS + 1):
            if not getattr(self, "_quieted", False):  # until the cluster has closed, other runs' clusters or not
                clusters_quiet()
                self._quieted = True
            try:
                with _StartConfig(settings):
                    # env: the caller's environment now (a forked worker would otherwise see the server's)
                    self._dashboard = self.dashboard and dashboard_available()
                    self._cluster = run_cluster_class()(
                        n_workers=n, threads_per_worker=1, processes=True, memory_limit=self.memory_limit,
                        dashboard_address="127.0.0.1:0", silence_logs=False, worker_class=quiet_nanny(),
                        host="127.0.0.1", security=security,
                        scheduler_kwargs={"dashboard": self._dashboard, "allowed_failures": ALLOWED_FAILURES},
                        env=dict(os.environ), preload=_worker_preload(), pages=self.dashboard,
                        start_method=start_method, **plugins)
                cluster_started()  # (the variables its nannies set in this process: put back as it closes)
                # (read from Dask's configuration as the scheduler starts; no task has reached it yet)
                self._cluster.scheduler.WORKER_SATURATION = WORKER_SATURATION
                client = Client(self._cluster, set_as_default=False)
                self._installed = offered
                return client
            except (RuntimeError, OSError, TimeoutError) as exc:
                # A worker killed while the cluster starts ("Nanny failed to start") is survived
                # like one killed later: start the cluster again.
                self._close_cluster()
                if attempt == START_ATTEMPTS:
                    hint = ""
                    if "Nanny failed to start" in str(exc):
                        # The workers re-import the user's script: a script without the guard starts a
                        # cluster inside every worker, and the workers fail.
                        hint = _main_import_error() or (" (a script that calls l2l.run must do so under "
                                                        "'if __name__ == \"__main__\":', since the workers import it)")
                    raise ExecutorError(f"backend 'local': the Dask cluster did not start after "
                                        f"{START_ATTEMPTS} attempts: {type(exc).__name__}: {exc}{hint}") from exc

    @property
    def worker_count(self) -> int:
        """Workers connected now, from the cluster's own copy of the scheduler's list (no round trip at the
        end of each generation); before :meth:`start`, the workers planned; at most :meth:`_most` either way."""
        if getattr(self, "_workers_asked", None) is None:  # not started (the cluster may be half up)
            return self._busy(self._planned_workers())
        try:
            return self._busy(slots(self._cluster.scheduler_info["workers"]))
        except Exception:  # noqa: BLE001 - not started, or closed
            return super().worker_count

    def _planned_workers(self) -> int:
        return self.workers or os.cpu_count() or 1

    def _local_scheduler(self):
        return getattr(self._cluster, "scheduler", None)

    def describe(self) -> str:
        return f"local ({self.workers or os.cpu_count()} workers)"

    def close(self) -> None:
        # Ctrl-C that Python drops is kept until the cluster has closed (its nannies' and workers' ends set off
        # weakref callbacks; such a one printed "Exception ignored in: ... KeyboardInterrupt"), then raised
        held = threading.current_thread() is threading.main_thread()
        if held:
            watch_dropped_interrupts(True)
        try:
            try:
                super().close()
            finally:  # also after Ctrl-C during the client's close (raised once that close is done)
                try:
                    self._close_cluster()
                finally:
                    # a program a worker started outlives it (a stopped run does not wait for its segments in flight)
                    end = getattr(getattr(self, "_simulator", None), "end_programs", None)
                    settings = getattr(self, "_settings", None)
                    if end is not None and settings is not None and settings.run_dir:
                        end(settings.run_dir)
        finally:
            if held:
                try:
                    raise_dropped_interrupt()
                finally:
                    watch_dropped_interrupts(False)

    def _close_cluster(self) -> None:
        cluster, self._cluster = self._cluster, None  # closed once, even if Ctrl-C interrupts the waiting
        try:
            if cluster is not None:
                try:
                    closing_through_ctrl_c(cluster.close)
                except Exception:  # noqa: BLE001
                    pass
                forget_closed_servers()  # else distributed keeps the closed cluster (and its log handler) alive
        finally:
            if getattr(self, "_quieted", False):
                self._quieted = False
                cluster_closed()


def _main_import_error() -> str:
    """' (the workers import script.py, whose code outside the guard failed there: NameError: ...)' where the
    main script fails as a worker imports it (a print(frame) below the guarded run: every worker died with a
    NameError, and the cluster's failure named only the guard, which the script had), else ''."""
    import subprocess
    import sys

    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if not main or not os.path.isfile(main):
        return ""
    code = "import runpy, sys; sys.path.insert(0, __import__('os').path.dirname(sys.argv[1])); " \
           "runpy.run_path(sys.argv[1], run_name='__mp_main__')"
    try:  # as a worker imports it: __name__ is not "__main__", so the guarded part does not run
        done = subprocess.run([sys.executable, "-c", code, main], capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL, env=dict(os.environ))
    except (OSError, subprocess.SubprocessError):
        return ""
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    if done.returncode == 0 or not lines:
        return ""
    return (f" (the workers import {os.path.basename(main)}, and its code outside 'if __name__ == \"__main__\":' "
            f"failed there: {lines[-1][:300]}; what needs the run's results goes under the guard too)")
