"""Getting the embedded cluster's workers ready while the run is being created.

Two things shorten what the user waits for before the first result:

* **A fork server.** The workers of the ``local`` backend start from a fork
  server (``multiprocessing``'s ``forkserver`` method, where the platform has
  it) instead of a fresh interpreter each (``spawn``): the server imports
  Dask, NumPy and l2l's worker side once, and every worker is a fork of it.
  The server is a clean process started by ``exec`` with no file of the run
  open (not a fork of the caller, which holds the writer's lock, the HDF5
  file and threads), it stays up for later runs in the same Python process
  and exits with it. :func:`start_fork_server` starts it at the very top of
  :func:`l2l.run`, so that its imports overlap the caller's own.
* **A background start.** :class:`Background` runs the cluster's start in a
  thread while the run's file is created and the first generation is asked;
  :meth:`~l2l.jobs.base.Executor.start` then takes the finished cluster.

Neither changes what is evaluated, with what seed, or in which process: the
workers are separate processes as before (a crash or a timeout still kills
only a worker) and see the same environment (the variables Dask's nanny sets
before starting a worker process, and the caller's environment at the
cluster's start).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from typing import Any, Callable

from l2l.own_files import multiprocessing_folder

#: What Dask's nanny sets before starting a worker process (``distributed.nanny.pre-spawn-environ``, and a
#: fixed hash seed) unless the environment already has it: the fork server must be started with them, since
#: the libraries it imports read them once.
PRE_SPAWN = {"MALLOC_TRIM_THRESHOLD_": "65536", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
             "OPENBLAS_NUM_THREADS": "1"}
HASH_SEED = "6640"
#: The module of PRELOAD by which the server's processes skip a main script that is no file (l2l.jobs.worker_main).
SKIPS_MISSING_MAIN = "l2l.jobs.worker_main"
#: Imported once by the fork server, so that no worker imports them again.
PRELOAD = ["distributed", "dask", "msgpack", "cloudpickle", "tornado", "toolz", "numpy",
           "l2l.jobs.dask", "l2l.jobs.dask_worker",
           "l2l.simulators.functions", SKIPS_MISSING_MAIN]


def fork_server_available() -> bool:
    return "forkserver" in multiprocessing.get_all_start_methods()


def _pre_spawn_environment() -> dict[str, str]:
    wanted = dict(PRE_SPAWN)
    if "distributed" in sys.modules:  # a user's Dask configuration of these variables wins
        import dask
        wanted = {str(k): str(v) for k, v in
                  (dask.config.get("distributed.nanny.pre-spawn-environ", None) or wanted).items()}
    out = {k: os.environ.get(k, v) for k, v in wanted.items()}
    out["PYTHONHASHSEED"] = os.environ.get("PYTHONHASHSEED") or HASH_SEED
    if out["PYTHONHASHSEED"] == "0":
        out["PYTHONHASHSEED"] = HASH_SEED
    return out


def start_fork_server() -> bool:
    """Start this process's fork server for Dask workers now (returns at once); False where there is none
    or it cannot start.

    Idempotent: a server already running is kept (its preload list cannot change any more).
    """
    if not fork_server_available():
        return False
    from multiprocessing import forkserver

    if fork_server_running():
        return True
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    # The server is an exec'd interpreter: it gets the environment Dask's nanny would set for a worker,
    # like a spawned worker would (os.environ is changed only while the server starts).
    wanted = _pre_spawn_environment()
    saved = {k: os.environ.get(k) for k in wanted}
    # The server starts with SIGINT ignored (an ignored signal stays ignored across exec): Ctrl-C in a terminal
    # reaches the whole process group, and Python's fork server ignores it only once it has imported its preload
    # list (about a second), so a Ctrl-C in the first second of `l2l run` printed the traceback of the server's
    # interrupted imports below l2l's own line. Its workers ignore SIGINT anyway (l2l.jobs.worker_signals).
    # SIGHUP too (a closed terminal: the shell sends it to the whole process group), for the server, the workers it
    # forks and multiprocessing's resource tracker started with it: `l2l run` stops at SIGHUP as at SIGTERM, which
    # they died of before, the tracker with 'process died unexpectedly' and KeyError tracebacks in the run's log.
    # They still end with the process that started them.
    quiet = threading.current_thread() is threading.main_thread()
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN) if quiet else None
    hangup = signal.signal(signal.SIGHUP, signal.SIG_IGN) if quiet and hasattr(signal, "SIGHUP") else None
    try:
        os.environ.update(wanted)
        multiprocessing_folder()  # its socket's folder: one a killed run's next l2l process removes (l2l.own_files)
        forkserver.ensure_running()
    except (OSError, RuntimeError):  # no fork server here (e.g. no room for its socket): workers spawn
        return False
    finally:
        if handler is not None:  # (None: a handler not set from Python, left as it is)
            signal.signal(signal.SIGINT, handler)
        if hangup is not None:
            signal.signal(signal.SIGHUP, hangup)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return True


def fork_server_running() -> bool:
    from multiprocessing import forkserver

    return getattr(forkserver._forkserver, "_forkserver_pid", None) is not None  # noqa: SLF001


def skips_missing_main() -> bool:
    """Whether this process's fork server runs, started with l2l's PRELOAD: its processes skip a main script that
    is no file (read from standard input), instead of failing to start (see :mod:`l2l.jobs.worker_main`). False
    where another fork server runs (started before l2l's, by the caller's own multiprocessing or Dask)."""
    from multiprocessing import forkserver

    return fork_server_running() and SKIPS_MISSING_MAIN in (
        getattr(forkserver._forkserver, "_preload_modules", None) or ())  # noqa: SLF001


def mark_preload_set() -> None:
    """Tell Dask the fork server's preload list is set (called where Dask is imported anyway): it would
    otherwise import its optional packages in the caller only to set a list the running server ignores."""
    import distributed.utils as dask_utils

    if fork_server_running():
        dask_utils._forkserver_preload_set = True  # noqa: SLF001


class Background:
    """``function()`` running in a thread; :meth:`result` waits for it and returns or raises its result."""

    def __init__(self, function: Callable[[], Any]) -> None:
        self._result: Any = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(function,), name="l2l-cluster-start", daemon=True)
        self._thread.start()

    def _run(self, function: Callable[[], Any]) -> None:
        try:
            self._result = function()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller of result()
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> Any:
        # an Event, not Thread.join: on Python 3.11 a join that Ctrl-C interrupts marks the thread as ended, so the
        # next join (the executor's close) returned at once while the cluster was still starting, and it was left
        # running (its worker processes and threads) for the rest of the process
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._result
