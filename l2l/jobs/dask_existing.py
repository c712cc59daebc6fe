"""Backend ``dask``: an existing Dask scheduler, by address or scheduler file (:class:`DaskExecutor`), reached
after l2l.jobs.dask_greet's first word, its lost scheduler's log lines kept to l2l's own line
(l2l.jobs.dask_logs.QuietReconnectFailure), the run ended by :class:`SchedulerGone` once it is gone for good."""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from l2l.errors import ConfigError, ExecutorError
from l2l.jobs.base import Outcome, Settings, Task, warn_line
from l2l.jobs.dask_chunks import slots
from l2l.jobs.dask_executor import _DaskExecutor
from l2l.jobs.dask_greet import greet
from l2l.jobs.dask_logs import QuietReconnectFailure
from l2l.numbers import number
from l2l.registry import option
from l2l.simulators.base import Simulator
from l2l.words import Placeholder, call


#: How long an existing cluster's scheduler may have no workers while evaluations are out before the run says so in
#: a warning line (see DaskExecutor._tell_no_workers).
NO_WORKERS_SECONDS = 30.0


#: How the names of the worker plugins that carry a ``dask`` run's simulator begin; the client's id follows (see
#: DaskExecutor._install).
PLUGIN_PREFIX = "l2l-simulator-"


#: How long connecting to an existing scheduler may take before the run says it waits (see DaskExecutor._connect).
WAIT_NOTICE_SECONDS = 1.5


#: What a ``dask`` run compares between its workers and this process (see DaskExecutor._tell_versions).
VERSIONED = ("python", "numpy", "l2l")


class SchedulerGone(ExecutorError):
    """Backend ``dask`` lost its scheduler for good during the run. Its name is recorded in the run's ``failed``
    event, by which ``l2l show`` calls the run stopped, to be resumed (:func:`l2l.results_schema.status.run_status`):
    every finished evaluation is in the file, and ``l2l resume`` goes on once a scheduler is there again."""


def _portable_restore(payload: bytes, name: str | None, reason: str) -> Any:
    """What a worker makes of a ``dask`` run's plugin; pickled by value (see :class:`_Portable`)."""
    try:
        from l2l.jobs.dask_worker import _restore
    except ImportError as error:  # a worker of the shared cluster in an environment without l2l
        from distributed import WorkerPlugin

        import logging

        plugin = WorkerPlugin()
        plugin.load_error = reason.format(error=f"{type(error).__name__}: {error}")
        logging.getLogger("distributed.worker").warning("l2l plugin %s: %s", name, plugin.load_error)
        return plugin
    return _restore(payload, name)


class _Portable:
    """A ``dask`` run's :class:`~l2l.jobs.dask_worker.SimulatorPlugin` as it travels to the shared cluster's
    workers: unpickled there by a function that travels by value, so that a worker whose environment lacks l2l
    starts all the same (a plain plugin that says why in its log line) instead of failing to start. Before, while an
    l2l run's plugin was registered, every worker of the cluster that joined without l2l installed, another user's
    too, stopped as it started (``failure-to-start-<class 'ModuleNotFoundError'>``, the reason only in its log), and
    the l2l run said its scheduler had no workers."""

    def __new__(cls, plugin: Any) -> Any:
        from distributed import WorkerPlugin

        class Portable(WorkerPlugin):  # (made here: distributed is imported only once a Dask backend runs)
            def __init__(self, inner: Any) -> None:
                self.inner = inner

            def __reduce__(self):
                reason = ("this Dask worker cannot load l2l ({error}): start it in the run's environment, where l2l is "
                          "installed")
                restore = _nested(_portable_restore)
                return restore, (self.inner.payload(), getattr(self.inner, "name", None), reason)

        return Portable(plugin)


def _nested(function: Callable) -> Callable:
    """A copy of ``function`` that cloudpickle sends by value (its code, not its module's name)."""
    import types

    copy = types.FunctionType(function.__code__, {"__builtins__": __builtins__}, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__qualname__ = f"<by value>.{function.__name__}"
    copy.__module__ = None  # type: ignore[assignment]
    return copy


@dataclass
class DaskExecutor(_DaskExecutor):
    """An existing Dask scheduler, by address (tcp://host:8786) or scheduler file."""

    name: ClassVar[str] = "dask"

    address: str = option("", help="scheduler address, e.g. tcp://10.0.0.5:8786 ('' without scheduler_file: Dask's "
                          "DASK_SCHEDULER_ADDRESS)")
    scheduler_file: str = option("", help="path of a scheduler file written by dask-scheduler")
    chunk_size: int = option(0, help="evaluations per Dask task (0: adapt to the evaluation time)", ge=0)
    timeout: float = option(30.0, help="seconds to reach the scheduler, as the run starts and again after it is "
                            "lost, before the run ends in one line", gt=0, le=86400)

    def __post_init__(self) -> None:
        for key, value in (("address", self.address), ("scheduler_file", self.scheduler_file)):
            if value and not value.strip():  # (an unset shell variable?) was tried: a 'missing port' or a wait of
                # `timeout` for the file ' ', after the run's file was made
                raise ConfigError(f"backend 'dask': {key} = {value!r} is blank; give a value, or leave it out")
        if self.scheduler_file and os.path.isdir(self.scheduler_file):  # was refused after the run's file was made
            raise ConfigError(f"backend 'dask': scheduler_file {self.scheduler_file!r} is a folder; give the file "
                              f"'dask scheduler --scheduler-file FILE' writes, e.g. "
                              f"{os.path.join(self.scheduler_file, 'scheduler.json')!r}")
        if not self.address and not self.scheduler_file:
            # Dask's own setting (DASK_SCHEDULER_ADDRESS, or its config files), as Dask's client takes it: the one
            # way to name a scheduler to `l2l resume FILE --backend dask`, whose backend starts from its defaults
            import dask.config

            self.address = str(dask.config.get("scheduler-address", None) or "")
            self._address_from = "" if not self.address else "DASK_SCHEDULER_ADDRESS" if os.environ.get(
                "DASK_SCHEDULER_ADDRESS", "").strip() == self.address else "Dask's config scheduler-address"
        if bool(self.address) == bool(self.scheduler_file):
            raise ConfigError(f"backend 'dask': give exactly one of address and scheduler_file (or set Dask's "
                              f"DASK_SCHEDULER_ADDRESS, as for {call('resume', Placeholder('FILE'), backend='dask')})")
        folder = os.path.dirname(os.path.abspath(self.scheduler_file)) if self.scheduler_file else ""
        if self.scheduler_file and not os.path.exists(self.scheduler_file) and not os.path.isdir(folder):
            # (a file not written yet, in a folder that is there, is waited for: see _file_address)
            from l2l.config_paths import relative_hint

            raise ConfigError(f"backend 'dask': scheduler_file {self.scheduler_file!r} does not exist, nor does its "
                              f"folder {folder!r}{relative_hint(self.scheduler_file)}")

    def pre_run_checks(self, simulator: Simulator | None = None) -> list[str]:
        """An address no Dask client can connect to (``abc``, a path) is refused by ``l2l run --dry-run`` too, which
        said the config was valid (the run refused it as it started, before its file existed)."""
        if self.address and not self.scheduler_file:
            self._check_address(self.address)
        return []

    def _connect(self):
        if getattr(self, "_quiet", None) is None:  # removed in close, or below if no client is made
            self._quiet = QuietReconnectFailure()
            logging.getLogger("distributed.client").addFilter(self._quiet)
            logging.getLogger("distributed.batched").addFilter(self._quiet)
        try:
            return self._reach()
        except BaseException:  # (a run whose prepare() raised is not closed: the filter stayed for the process)
            self._unquiet()
            raise

    def _unquiet(self) -> None:
        quiet, self._quiet = getattr(self, "_quiet", None), None
        if quiet is not None:
            quiet.release(connected=False)
            quiet.client = None
            logging.getLogger("distributed.client").removeFilter(quiet)
            logging.getLogger("distributed.batched").removeFilter(quiet)

    def _reach(self):
        """A client of the scheduler."""
        from distributed import Client

        said, address = threading.Lock(), ""

        def waiting() -> None:
            if said.acquire(blocking=False):  # once, whether greet, the timer or the wait for the file says it
                from l2l.config_paths import relative_hint

                what = f"at {address}" if address else \
                    f"to write its file {self.scheduler_file}{relative_hint(self.scheduler_file)}"
                warn_line(f"l2l: waiting up to {number(self.timeout)} s for the Dask scheduler {what} ...")

        address = self.address or self._file_address(waiting)
        self._check_address(address)

        # an address where plainly no scheduler is (refused, unknown host, a web server) ends here in one line
        greet(address, self._point(), self.timeout, waiting)
        # A scheduler that does not answer kept the run silent for up to `timeout` after its '-> FILE' line: one
        # line says what it waits for, unless the client connected before WAIT_NOTICE_SECONDS (the usual case)
        notice = threading.Timer(WAIT_NOTICE_SECONDS, waiting)
        notice.daemon = True
        if self.timeout > WAIT_NOTICE_SECONDS:
            notice.start()
        try:
            if self.address:
                client = Client(self.address, set_as_default=False, timeout=f"{self.timeout:g}s")
            else:
                client = Client(scheduler_file=self.scheduler_file, set_as_default=False, timeout=f"{self.timeout:g}s")
            if getattr(self, "_quiet", None) is not None:  # its warnings of results not gathered are held back
                self._quiet.client = client
            return client
        except (OSError, TimeoutError) as exc:  # before: a traceback of Dask's connection, after the file existed
            raise ExecutorError(f"backend 'dask': no scheduler answered ({exc}); start it, or {self._point()}"
                                ) from None
        finally:
            notice.cancel()

    def _point(self) -> str:
        """How a message says to give another scheduler: where this one's address came from."""
        source = getattr(self, "_address_from", "")
        if source:
            return f"set {source} to a running one's address"
        continues = getattr(self, "continues", "")  # (set by l2l.components.build: resume, reevaluate)
        if continues:  # a stored run's [backend] is the file's: another scheduler comes from Dask's setting
            return f"set DASK_SCHEDULER_ADDRESS to a running one's address for " \
                   f"'{call(continues, Placeholder('FILE'), backend='dask')}'"
        return f"give [backend] {'address' if self.address else 'scheduler_file'} of a running one"

    def session_options(self) -> dict[str, Any]:
        """What this session's backend used that its options do not say, stored with the session (see
        :func:`l2l.sessions.session_backend`): the scheduler's address where Dask's setting named it
        (``DASK_SCHEDULER_ADDRESS``), and where it came from; the config keeps no address, so that ``l2l resume``
        takes Dask's setting again (a scheduler started again elsewhere)."""
        if not getattr(self, "_address_from", ""):
            return {}
        return {"address": self.address, "address_from": self._address_from}

    def _check_address(self, address: str) -> None:
        """Refuse, in one line, an address no Dask client can connect to (the dashboard's ``http://host:8787``, one
        without a port), before a client is made: Dask's raised ValueError from the client's constructor, which
        ended the run in a traceback after its file was created, and the half-made client then took 60 s to fail
        closing itself."""
        from distributed.comm.addressing import parse_address
        from distributed.comm.registry import get_backend

        try:
            scheme, location = parse_address(address)
            try:
                get_backend(scheme).get_address_host_port(location)
            except NotImplementedError:  # a scheme without host and port (inproc)
                pass
        except ValueError as exc:
            given = f"address {address!r}" if self.address else f"scheduler_file {self.scheduler_file!r}: its " \
                f"address {address!r}"
            raise ExecutorError(f"backend 'dask': {given} is not a Dask scheduler's ({exc}); give the one the "
                                f"scheduler prints as it starts, e.g. tcp://10.0.0.5:8786") from None

    def _file_address(self, waiting: Callable[[], None] = lambda: None) -> str:
        """The address in the scheduler file, read as Dask's client reads it (a file being written is read again
        for a second), refused in one line if there is none: Dask's client raised from its constructor (a
        traceback after the run's file was created, then 60 s of the half-made client failing to close).

        A file not there yet is waited for up to ``timeout``, ``waiting()`` called (it says so) after
        WAIT_NOTICE_SECONDS, as Dask's client and ``dask worker --scheduler-file`` wait for it: a scheduler started
        in the job script just before ``l2l run`` writes it once it listens, which on a cold shared file system may
        take longer than an address's refusal (REFUSED_SECONDS) allows. Before, such a file was refused at once
        ('does not exist'), so the job script had to wait for it in a loop of its own."""
        import json

        began = time.monotonic()
        while not os.path.exists(self.scheduler_file):
            waited = time.monotonic() - began
            if waited >= self.timeout:
                from l2l.config_paths import relative_hint

                raise ExecutorError(f"backend 'dask': scheduler_file {self.scheduler_file!r} was not written within "
                                    f"{number(self.timeout)} s{relative_hint(self.scheduler_file)}; start the "
                                    f"scheduler (dask scheduler --scheduler-file {self.scheduler_file}), or "
                                    f"{self._point()}")
            if waited >= WAIT_NOTICE_SECONDS:
                waiting()
            time.sleep(min(0.1, max(0.0, self.timeout - waited)))
        why: Exception | None = None
        for _ in range(10):
            try:
                with open(self.scheduler_file, encoding="utf-8") as file:
                    address = json.load(file)["address"]
                if isinstance(address, str):
                    return address
                why = TypeError(f"its address is {address!r}")
            except (OSError, ValueError, KeyError, TypeError) as exc:  # (not flushed yet, or not a scheduler file)
                why = exc
            time.sleep(0.1)
        raise ExecutorError(f"backend 'dask': scheduler_file {self.scheduler_file!r} holds no scheduler address "
                            f"({type(why).__name__}: {why}); give the file 'dask scheduler --scheduler-file FILE' "
                            f"writes")

    def _install(self, client, simulator: Simulator) -> None:
        """As every Dask backend's, under a plugin name that carries this run's client id
        (``l2l-simulator-XXXXXXXX-Client-...``); first, once, the simulators that runs no longer connected left on
        the shared scheduler are removed (:meth:`_remove_leftovers`)."""
        if getattr(self, "_plugin", None) is None:
            self._plugin = f"{PLUGIN_PREFIX}{os.urandom(4).hex()}-{client.id}"
        if not getattr(self, "_swept", False):
            self._swept = True
            self._remove_leftovers(client)
        from l2l.jobs.dask_worker import SimulatorPlugin

        client.register_plugin(_Portable(SimulatorPlugin(simulator, self._plugin)), name=self._plugin)
        self._installed = simulator

    def _remove_leftovers(self, client) -> None:
        """Unregister the worker plugins (each a pickled simulator) that l2l runs whose client is no longer connected
        left on the scheduler: a run killed (``kill -9``, a node lost) cannot unregister its own as it closes, and
        the scheduler kept it for good, handing it (its simulator, its model's data) to every worker that joined
        later, for every user of the cluster. One line says how many went. A run that lost its connection only for
        a moment installs its simulator again where a chunk finds it missing (see _install_again)."""
        def leftover_plugins(prefix: str, dask_scheduler=None) -> list:
            # On the scheduler: the plugins of dask runs whose client is no longer connected (PREFIX, 8 hex digits,
            # '-', the client's id); others' plugins, and l2l's named otherwise, are left alone. Defined here so that
            # it travels by value: a shared scheduler may have imported another version of l2l, or none.
            left = []
            for name in list(getattr(dask_scheduler, "worker_plugins", {})):
                owner = name[len(prefix):].partition("-")[2] if isinstance(name, str) and name.startswith(prefix) \
                    else ""
                if owner.startswith("Client-") and owner not in dask_scheduler.clients:
                    left.append(name)
            return left

        try:
            names = client.run_on_scheduler(leftover_plugins, PLUGIN_PREFIX)
            for name in names:
                client.unregister_worker_plugin(name)
        except Exception:  # noqa: BLE001 - a scheduler that runs no functions (distributed.scheduler.pickle off)
            return
        if names:
            warn_line(f"l2l: note: backend 'dask': removed {len(names)} simulator plugin(s) that l2l run(s) no longer "
                      f"connected (killed) left on the scheduler at {self.address or self.scheduler_file}")

    def limit_workers(self, most: int, refusal: Callable[[int], str]) -> None:
        """Keep at most ``most`` evaluations running at once (set by the run's build: an asynchronous run keeps two
        per worker out, and its optimizer takes at most ``2 * most`` asked and untold, nevergrad's num_workers).

        The cluster's workers are not known before it is reached: :meth:`prepare` (before the run's file is
        created), or :meth:`start`, raises ConfigError(``refusal(workers)``) if its scheduler reports more.
        Workers that join later are left idle beyond ``most`` (:attr:`worker_count` says ``most``), told once in
        a warning line (before, the optimizer's ask past its limit failed the run)."""
        self._most_workers, self._refusal = most, refusal
        self._excess = lambda workers: f"workers joined the cluster: {refusal(workers)}"

    def _check_workers(self, client) -> None:
        most = getattr(self, "_most_workers", 0)
        if not most or getattr(self, "_workers_checked", False):
            return
        try:
            workers = slots(client.scheduler_info(n_workers=-1)["workers"])
        except Exception:  # noqa: BLE001 - not answered: the run goes on, kept to ``most`` (see worker_count)
            return
        self._workers_checked = True
        if workers > most:
            raise ConfigError(self._refusal(workers))

    def prepare(self, simulator: Simulator | None = None) -> None:
        """Connect, before the run's file is created (or anything written to a resumed one): a scheduler that does
        not answer is refused then, in one line (ExecutorError), not after the file was created."""
        super().prepare(simulator)
        starting = getattr(self, "_starting", None)
        if starting is not None:
            try:
                try:
                    client = starting.result()
                except ExecutorError:
                    raise
                except Exception:  # noqa: BLE001 - start() raises it, as before
                    return
                self._check_workers(client)
            except BaseException:
                # Ctrl-C while connecting, or the workers refused: the run has no file yet and does not close its
                # backend, so the client (its thread, its connections, the simulator installed on the shared
                # cluster's workers) was left for the rest of the process
                self.close()
                raise

    def start(self, simulator: Simulator, settings: Settings) -> None:
        self._function = not getattr(simulator, "from_options", True)  # a function passed to l2l.run
        self._in_threads = getattr(simulator, "name", "") == "python"  # runs in the worker's own threads
        super().start(simulator, settings)
        self._check_workers(self._client)
        self._tell_threads(self._worker_info())
        self._tell_versions(self._worker_info())

    def _tell_versions(self, info: dict | None) -> None:
        """One warning line as the run starts (and as workers join, asked while nothing comes back) where a worker's
        Python, numpy or l2l differs from this process's (a shared cluster of another environment): its results
        may differ from a run here, silently (numpy's generators and functions change between versions). The run
        goes on. Before, nothing said so. Each difference is said once a run."""
        checked = self._versions_checked = getattr(self, "_versions_checked", set())
        new = set(info or ()) - checked
        client = getattr(self, "_client", None)
        if not new or client is None:
            return
        checked |= new
        try:
            from distributed.versions import get_versions

            here = get_versions(list(VERSIONED[1:]))["packages"]
            reports = client.get_versions(check=False, packages=list(VERSIONED[1:])).get("workers") or {}
        except Exception:  # noqa: BLE001 - not answered: nothing to say
            return
        told = self._told_versions = getattr(self, "_told_versions", set())
        differing: dict[tuple, list[str]] = {}  # (package, theirs) pairs -> the workers that have them
        for address in sorted(new):
            packages = (reports.get(address) or {}).get("packages") or {}
            pairs = tuple((name, packages.get(name)) for name in VERSIONED if packages.get(name) != here.get(name))
            if pairs and pairs not in told:
                differing.setdefault(pairs, []).append(address)
        for pairs, workers in differing.items():
            told.add(pairs)

            def shown(value: Any) -> str:
                return "not installed" if value is None else str(value).removesuffix(".final.0")

            said = ", ".join(f"{name} {shown(theirs)} (here {shown(here.get(name))})" for name, theirs in pairs)
            who = f"worker {workers[0]} has" if len(workers) == 1 else \
                f"{len(workers)} workers ({workers[0]}, ...) have"
            warn_line(f"l2l: warning: backend 'dask': {who} {said}: its results may differ from this environment's; "
                      f"the run goes on (start the workers from the environment this run uses to avoid it)")

    def _tell_threads(self, info: dict | None) -> None:
        """One note line a run, as it starts (or once workers join), where a worker of the scheduler runs several
        threads and the run's simulator is a Python function: Dask runs that many evaluations at once in the
        worker's process, so a model that keeps state in module globals, or seeds numpy's global generator, mixes
        them, and its results differ from a serial run's (measured: a model drawing np.random.rand() twice after
        np.random.seed(seed), 32 of 32 results differ on workers of 4 threads, none on 1). NEST and Brian2 models
        are run one at a time per process by l2l itself; ``command`` programs are processes of their own. Dask's
        ``dask worker`` starts one worker of as many threads as cores unless told otherwise. Before, nothing said
        so."""
        if not getattr(self, "_in_threads", False) or getattr(self, "_told_threads", False) or not info:
            return
        threads = max(int(worker.get("nthreads", 1) or 1) for worker in info.values())
        if threads <= 1:
            return
        self._told_threads = True
        warn_line(f"l2l: note: backend 'dask': the scheduler's workers run up to {threads} evaluations at once as "
                  f"threads of one process (dask worker --nthreads {threads}): a model that keeps state in module "
                  f"globals or seeds numpy's global generator (np.random.seed) is not protected there, and its results "
                  f"can differ from a serial run's; start the workers with --nthreads 1 (--nworkers N for N "
                  f"processes), or keep all state inside the function (np.random.default_rng(seed))")

    def wait(self, timeout: float | None = None) -> list[Outcome]:
        """As every Dask backend's; ExecutorError once the client gave the scheduler up (it tries to reconnect
        for ``timeout`` seconds, then closes): the evaluations out would never finish (before, the run waited
        forever after a line of Dask's log, or failed with a traceback resubmitting what the close cancelled)."""
        self._refuse_gone()
        outcomes = super().wait(timeout)
        self._refuse_gone()  # what came back now may be the cancelled evaluations: redone by l2l resume
        if outcomes:
            self._no_workers_since = None
        else:  # nothing came back: are there workers at all? (a busy run never asks)
            self._tell_no_workers()
            self._tell_threads(getattr(self, "_info", None))  # (workers that joined after the start)
            self._tell_versions(getattr(self, "_info", None))
        return outcomes

    def _tell_no_workers(self) -> None:
        """One warning line once the scheduler has had no workers for NO_WORKERS_SECONDS while evaluations are out
        (asked at most once a second, while nothing comes back), again after workers came and went. Dask keeps the
        evaluations until workers join, and the run waited without a word: a user who started a lost scheduler
        again, but not the workers that went down with it, saw nothing for minutes. The run goes on waiting
        (workers may be on their way)."""
        if not self._pending:
            return
        info = self._worker_info()  # asked at most once a second (shared with the other checks)
        if info is None:  # not answered: a scheduler gone is _refuse_gone's line
            return
        now, workers = time.monotonic(), len(info)
        since = getattr(self, "_no_workers_since", None)
        if workers:
            self._no_workers_since = None
        elif since is None:
            self._no_workers_since = now
        elif now - since >= NO_WORKERS_SECONDS and getattr(self, "_told_no_workers", None) != since:
            self._told_no_workers = since  # once per time without workers
            where = self.address or f"--scheduler-file {self.scheduler_file}"
            warn_line(f"l2l: warning: backend 'dask': the scheduler at {self.address or self.scheduler_file} has "
                      f"had no workers for {now - since:.0f} s, with {self._pending} evaluation(s) waiting; the run "
                      f"goes on when workers join (dask worker {where}), or stop it (Ctrl-C) and continue later "
                      f"with {call('resume', Placeholder('FILE'), function=getattr(self, '_function', False))}")

    def _submit_chunks(self, chunks: list[list[Task]]) -> list[Any]:
        self._refuse_gone()
        try:
            return super()._submit_chunks(chunks)
        except Exception as exc:  # noqa: BLE001 - the client closed between the check and the submission
            if type(exc).__name__ == "ClosedClientError":  # (seen once in a full test suite)
                self._refuse_gone(closed=True)
            raise

    def _refuse_gone(self, closed: bool = False) -> None:
        if closed or getattr(getattr(self, "_client", None), "status", "running") in ("closing", "closed", "failed"):
            raise SchedulerGone(f"backend 'dask': the scheduler at {self.address or self.scheduler_file} is gone (not "
                                f"reached again within {number(self.timeout)} s), with {self._pending} evaluation(s) "
                                f"out; start it again (the same address, or scheduler file)")

    def reported_workers(self) -> int | None:
        """The workers the scheduler reports as the run starts, asked once of the connection :meth:`prepare`
        began (waiting for it); None before :meth:`prepare`, or if the scheduler is not reached or does not
        answer (:meth:`start` then raises as without it)."""
        if hasattr(self, "_reported"):
            return self._reported
        client, starting = getattr(self, "_client", None), getattr(self, "_starting", None)
        if client is None and starting is None:
            return None
        try:
            client = client or starting.result()
            self._reported = slots(client.scheduler_info(n_workers=-1)["workers"])
        except Exception:  # noqa: BLE001 - not reached: the caller takes its default
            self._reported = None
        return self._reported

    def close(self) -> None:
        quiet = getattr(self, "_quiet", None)
        if quiet is not None:  # a warning of results not gathered, held back: said if the scheduler is still there
            quiet.release(connected=quiet.connected())
        try:
            try:
                self._end_run()
            finally:  # (the client closed, and the interrupt hook put back, also if that raised)
                super().close()
        finally:
            self._unquiet()

    def _end_run(self) -> None:
        """Evaluations still out as the run ends (run.target reached, a stop): cancel them, and have every worker
        start no more of the run's and kill the programs its evaluations started there (see
        :func:`l2l.jobs.dask_worker.end_run`). The workers are not the run's to close, as the other backends' are.
        A resumed run does so also with nothing out: a killed session's programs may run on there (those of a
        segment run again are killed as it starts; a run killed as it reached its target runs none again)."""
        client, futures = getattr(self, "_client", None), getattr(self, "_futures", None)
        plugin, settings = getattr(self, "_plugin", None), getattr(self, "_settings", None)
        resumed = settings is not None and settings.resumed
        if client is None or not (futures or resumed) or plugin is None or getattr(client, "status", "") != "running":
            return
        from l2l.jobs.dask_worker import end_run
        try:
            if futures:
                client.cancel(list(futures))
            client.run(end_run, plugin, settings.run_dir if settings is not None else None, on_error="ignore")
        except Exception:  # noqa: BLE001 - closing must not hide the run's result
            pass

    def describe(self) -> str:
        return f"dask ({self.address or self.scheduler_file})"
