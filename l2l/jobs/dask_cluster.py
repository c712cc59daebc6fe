"""What the Dask clusters l2l starts in this process are made with: the ``local`` backend's cluster, and the
``slurm`` backend's scheduler: TLS credentials of their own (:func:`local_security`), a scratch folder of the
process's own (:func:`local_scratch`), their dashboard and status pages (:func:`dashboard_available`,
:func:`close_pages`), the ``LocalCluster`` that keeps its nannies (:func:`run_cluster_class`), the Dask
configuration held while they start (:class:`_StartConfig`), the workers' preloads, and the start method of the
processes a nanny makes (:func:`start_method_held`, which l2l.jobs.dask_logs's nanny uses)."""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import functools
import multiprocessing
import os
import shutil
import threading
from typing import Any, Callable, Iterator

from l2l.jobs.base import warn_line


#: Imported by every local worker process: Ctrl-C at the terminal is the run's to handle, not the workers'.
WORKER_PRELOAD = "l2l.jobs.worker_signals"


def _worker_preload() -> list[str]:
    """The user's Dask worker preloads (``distributed.worker.preload``), then l2l's."""
    import dask

    configured = dask.config.get("distributed.worker.preload", None) or []
    return [*([configured] if isinstance(configured, str) else configured), WORKER_PRELOAD]


_local_security: list[Any] = []


def local_security() -> Any:
    """TLS credentials of this process's ``local`` clusters (Dask's ``Security.temporary``: a key and a certificate
    made here and held in memory, never written), so that only this process and the workers it starts can talk to
    their schedulers, workers and nannies; None (plain TCP) where the ``cryptography`` package is missing.

    127.0.0.1 keeps other hosts out, not the other users of this host (a shared login node): any of them could
    connect a Dask client to the scheduler's port and run code as the user who started the run. Made once per
    process (0.15 s: an RSA key), the credentials of one user's own clusters.
    """
    if not _local_security:
        try:
            from distributed.security import Security
            _local_security.append(Security.temporary())
        except ImportError:  # (Security.temporary needs cryptography, which distributed does not require)
            _local_security.append(None)
    return _local_security[0]


#: What a Dask backend without TLS (the ``cryptography`` package missing) lets others do, and what to do instead of
#: installing it, by backend (see warn_plain_tcp).
PLAIN_TCP = {"local": ("the Dask cluster talks plain TCP on 127.0.0.1, where any user of this host can connect to it "
                       "and run code as you", ""),
             "slurm": ("the Dask scheduler talks plain TCP on this host's network, where anyone who reaches its port "
                       "can connect to it and run code as you", " (or use backend 'slurm-array', which opens no port)")}


def warn_plain_tcp(executor: Any) -> None:
    """One warning line, once per executor (a run's), where its Dask cluster goes without TLS because the
    ``cryptography`` package is missing (:func:`local_security` is None): distributed does not require it, and the
    run went on in plain TCP without a word, on a shared login node open to every user of the host."""
    if getattr(executor, "_plain_tcp_told", False):
        return
    executor._plain_tcp_told = True
    what, instead = PLAIN_TCP[executor.name]
    warn_line(f"l2l: warning: backend '{executor.name}': without the cryptography package {what}; "
              f"pip install cryptography{instead}")


_local_scratch: list[str] = []


def local_scratch() -> str | None:
    """Where this process's ``local`` clusters and ``slurm`` schedulers keep their folders (Dask's
    ``temporary-directory`` while they start): one folder of the process's own, made by ``mkdtemp`` (mode 0700)
    in the temp folder and removed as the process exits; None if Dask's ``temporary-directory`` is set (the
    user's choice).

    Dask's default, ``<temp folder>/dask-scratch-space``, is common to the users of a host, and used when it is
    writable, also if another user made it: every Dask server (a scheduler, the nannies, in this process)
    puts its folder there first on ``sys.path``, so a module that user left in it was imported by l2l in place of
    the one it meant, their code run as ours.

    The process holds a lock on the folder's ``.lock`` while it runs; the folders of processes killed before
    their exit (kill -9, the OOM killer, a notebook's kernel restarted), whose lock no one holds, are removed as
    the next one is made (Dask removed the leftovers in its shared folder alike).
    """
    import dask

    if not _local_scratch:
        if dask.config.get("temporary-directory", None):
            return None
        from l2l.own_files import new_folder

        # locked as it is made (own_files.new_folder), unless Dask's file locking is off (see _hold_and_sweep)
        folder, descriptor = new_folder("l2l-dask-", lock=dask.config.get("distributed.worker.use-file-locking", True))
        owner = os.getpid()
        atexit.register(lambda: os.getpid() == owner and shutil.rmtree(folder, True))  # (not by a forked child)
        _local_scratch.append(folder)
        _hold_and_sweep(folder, descriptor)
    return _local_scratch[0]


def _hold_and_sweep(folder: str, descriptor: int | None) -> None:
    """Keep ``folder``'s lock (``descriptor``) for the life of this process, then remove the folders
    ``l2l-dask-*`` beside it of this user whose lock no process holds, and the other leftovers of killed l2l
    processes (l2l.own_files.sweep: ``l2l-pymp-*``, ``l2l-command-*``). Nothing is removed where Dask's
    ``distributed.worker.use-file-locking`` is off (a file system whose locks other hosts do not see), as Dask
    removes nothing in its own folder there. The lock names this host: a folder made on another host of a shared
    temp folder (whose lock this host may not see) is left."""
    from l2l.own_files import SWEPT_PREFIXES, sweep

    if descriptor is None:  # (not taken where Dask's file locking is off)
        return
    _scratch_locks.append(descriptor)
    sweep(folder, ("l2l-dask-", *SWEPT_PREFIXES))


_scratch_locks: list[int] = []


def dashboard_available() -> bool:
    """Whether Dask can draw its dashboard here: bokeh installed, at a version distributed accepts.

    l2l does not depend on bokeh; without it the page only says to install it. A cluster l2l starts then
    has no dashboard (its scheduler's HTTP server still runs, on a free port), and no link is printed.
    """
    import importlib.metadata
    import importlib.util

    if importlib.util.find_spec("bokeh") is None:
        return False
    try:
        from distributed.versions import BOKEH_REQUIREMENT
        version = importlib.metadata.version("bokeh")
    except Exception:  # noqa: BLE001 - no version to compare: Dask decides when the scheduler starts
        return True
    return BOKEH_REQUIREMENT.specifier.contains(version, prereleases=True)


#: The help of the ``local`` and ``slurm`` backends' option ``dashboard``, after where the pages are served.
DASHBOARD_HELP = ("serve Dask's dashboard and status pages (HTTP, {where}, readable by every user who reaches it: "
                  "task names, workers' logs); false: the scheduler serves no page")


def close_pages(cluster: Any) -> None:
    """Stop the HTTP server of ``cluster``'s scheduler, which runs in this process (the ``slurm`` backend's option
    ``dashboard = false``; the ``local`` backend's opens none, see run_cluster_class): no port is left open for its
    pages. Dask starts it with every scheduler, the dashboard (bokeh) or not: its status pages
    (``/info/main/workers.html``, the workers' logs, the call stacks of running tasks, ``/json/counts.json``) were
    readable by every user who reached the port, on a shared login node every user."""
    scheduler = getattr(cluster, "scheduler", None)
    server = getattr(scheduler, "http_server", None)
    if server is None:
        return

    async def stop() -> None:  # (on the cluster's event loop, which owns the server's sockets)
        server.stop()

    cluster.sync(stop)


_run_cluster: Any = None


def run_cluster_class() -> type:
    """Dask's ``LocalCluster`` that never gives a nanny up: LocalCluster closes one whose worker is still gone
    ``distributed.deploy.lost-worker-timeout`` after a death, and a worker killed again and again, or slow to restart
    under load, may be gone at that instant; with every nanny gone the run waited forever.

    Said to this cluster alone: before, the run set that timeout to 3650 days in Dask's configuration, which is the
    whole process's, for the cluster's life. A ``LocalCluster`` of the user's own started meanwhile kept its nannies for
    ever, a ``slurm`` run beside it never replaced a worker job that ended (dask-jobqueue's replacement waits for the
    same timeout), and two runs in two threads whose lives overlapped put back each other's values: the second to
    close left 3650 days for the rest of the process.

    Given ``pages=False`` (the backend's ``dashboard = false``), neither its scheduler nor its workers open an HTTP
    port (l2l.jobs.dask_worker.PagelessScheduler, PagelessWorker): before, the scheduler's pages were closed once
    the cluster had started, and each worker served ``/health``, ``/metrics`` and ``/statics`` on a port of its own
    for the cluster's life."""
    global _run_cluster
    if _run_cluster is None:
        from distributed import LocalCluster
        from distributed.deploy.spec import SpecCluster

        class RunCluster(LocalCluster):
            def __init__(self, *args: Any, pages: bool = True, **kwargs: Any) -> None:
                self._pages = pages  # (its nannies get it too: QuietNanny's worker then opens no HTTP port)
                super().__init__(*args, pages=pages, **kwargs)

            async def _start(self) -> None:
                if not self._pages and self.scheduler is None:  # its scheduler opens no HTTP port either
                    from l2l.jobs.dask_worker import PagelessScheduler

                    self.scheduler_spec = {**self.scheduler_spec, "cls": PagelessScheduler}
                await super()._start()

            def _update_worker_status(self, op: str, msg: Any) -> None:
                if op == "remove":  # SpecCluster's closes the worker's nanny after lost-worker-timeout: skipped
                    super(SpecCluster, self)._update_worker_status(op, msg)
                else:
                    super()._update_worker_status(op, msg)

        RunCluster.__qualname__ = RunCluster.__name__ = "RunCluster"
        _run_cluster = RunCluster
    return _run_cluster


_start_lock = threading.Lock()
_start_held: list[Any] = [0, None]  # the clusters starting, the dask.config.set they share


class _StartConfig:
    """Dask configuration held while any of this process's ``local`` clusters starts (``temporary-directory``, which
    the scheduler and the nannies read as they start): set as the first starts, put back as the last has started.
    Before, each run's own ``dask.config.set`` put back, as its start ended, what it had found: two runs starting in
    two threads at once left the other's value for the rest of the process."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings

    def __enter__(self) -> "_StartConfig":
        import dask

        with _start_lock:
            if _start_held[1] is None and self.settings:
                _start_held[1] = dask.config.set(self.settings)
            _start_held[0] += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        with _start_lock:
            _start_held[0] -= 1
            if _start_held[0] == 0:
                held, _start_held[1] = _start_held[1], None
                if held is not None:
                    held.__exit__(None, None, None)


#: The start method of the worker process l2l's nanny is making, in that nanny's task alone (start_method_held).
_nanny_method: contextvars.ContextVar[str | None] = contextvars.ContextVar("l2l_nanny_method", default=None)


@contextlib.contextmanager
def start_method_held(method: str) -> Iterator[None]:
    """The multiprocessing start ``method`` for the processes distributed makes in this thread (in this asyncio task)
    while held: for a nanny of a ``local`` cluster (l2l.jobs.dask_logs.quiet_nanny) as it makes its worker process,
    the first and each that replaces one that died, the way the cluster's first workers were started (l2l's fork
    server). Dask's configuration is left alone: before, ``forkserver`` was set in it while the nanny made the
    process (2-24 ms), and another thread reading it then (a cluster of the user's own starting a worker) forked
    from l2l's server, and a user's own setting of it made then could be lost."""
    _hook_mp_context()
    token = _nanny_method.set(method)
    try:
        yield
    finally:
        _nanny_method.reset(token)


def _hook_mp_context() -> None:
    """distributed's nanny and its AsyncProcess get their multiprocessing context from ``get_mp_context`` (imported
    by name into distributed.nanny and distributed.process; it reads Dask's configuration): replaced in both by
    _mp_context, Dask's own except under start_method_held. Idempotent (two threads at once wrap it twice, harmless).
    A distributed that gets its context elsewhere spawns those workers: tests/test_fork_window40.py fails then."""
    import distributed.nanny
    import distributed.process

    for module in (distributed.nanny, distributed.process):
        dask_own = module.get_mp_context
        if not (isinstance(dask_own, functools.partial) and dask_own.func is _mp_context):
            module.get_mp_context = functools.partial(_mp_context, dask_own)


def _mp_context(dask_own: Callable[[], Any]) -> Any:
    method = _nanny_method.get()
    return dask_own() if method is None else multiprocessing.get_context(method)
