"""What runs on a worker: :func:`evaluate` turns whatever the simulator did (returned, raised, hung) into an
:class:`~l2l.jobs.tasks.Outcome`, so that failure is data; under ``run.timeout`` in a forked process it kills
past the timeout."""

from __future__ import annotations

import os
import pickle
import select
import signal
import socket
import sys
import threading
import time
import traceback
from typing import Callable, Sequence

from l2l import parent_death
from l2l.errors import EvaluationError
from l2l.jobs.error_text import _error_text
from l2l.jobs.result_checks import _prints, checkpoint_of, curves, normalize
from l2l.jobs.tasks import TRACEBACK_TAIL, Outcome, Settings, Task
from l2l.results_schema.layout import FAILED, OK, TIMEOUT
from l2l.simulators.base import EvaluationContext, Simulator
from l2l.simulators.simulator_stdout import flush_c_streams, simulator_output_to_stderr
from l2l.simulators.stop_signals import EvaluationStopped


class EvaluationTimedOut(Exception):
    pass

def _ended(status: int) -> str:
    """How a forked evaluation's process ended, from its wait status (was 'died (wait status 768)'): a crash in C
    code is 'was killed by signal 11 (SIGSEGV)', a model's ``os._exit(3)`` 'exited with status 3'."""
    if os.WIFSIGNALED(status):
        from l2l.simulators.command_output import signal_name

        return f"was killed by signal {os.WTERMSIG(status)} ({signal_name(os.WTERMSIG(status))})"
    if os.WIFEXITED(status):
        return f"exited with status {os.WEXITSTATUS(status)} (os._exit, or exit() in C code)"
    return f"died (wait status {status})"


def _run_with_timeout(simulator: Simulator, task: Task, context: EvaluationContext, timeout: float):
    """Run the simulator in a forked child process and kill it past ``timeout`` seconds.

    A plain fork (not multiprocessing) because Dask's worker processes are
    daemons, which multiprocessing does not let have children.

    The child dies with this process (:mod:`l2l.parent_death`): a driver killed with ``kill -9`` left it
    evaluating to its timeout, and holding the writer lock it inherited (``l2l resume`` was refused, naming
    the dead driver). The lock's descriptor is closed in the child as it starts
    (:mod:`l2l.results_schema.lock`).
    """
    parent = os.getpid()
    parent_death.prepare()  # look libc and setpriv up here: the child of a threaded process should only call them
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: evaluate, send the pickled outcome through the pipe, exit
        parent_death.die_with_parent(parent)
        os.close(read_end)
        try:
            payload = pickle.dumps(("ok", simulator.evaluate(task.params, task.seed, context)))
        except BaseException as exc:  # noqa: BLE001 - everything the simulator does becomes data
            payload = pickle.dumps(("error", _error_text(exc, task.params)))
        # os._exit does not flush, and the parent kills this process once the pipe closes: flush the
        # simulator's prints first (Python's, and its C code's)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 - a closed or odd stream: nothing to save
                pass
        flush_c_streams()
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + timeout
    chunks = []
    try:
        with os.fdopen(read_end, "rb") as pipe:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([pipe], [], [], remaining)[0]:
                    raise EvaluationTimedOut(f"evaluation ran past its timeout of {timeout} s")
                chunk = os.read(pipe.fileno(), 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(pid, 0)
    if not chunks:  # (said alone, without l2l's traceback: the reason is the process's end)
        raise EvaluationError(f"the evaluation's process {_ended(status)} before it returned a result")
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "error":
        raise _ForkedFailure(value)
    return value


class _ForkedFailure(RuntimeError):
    """The simulator's failure in :func:`_run_with_timeout`'s process: its message is the row's error as that
    process made it (:func:`_error_text`), stored as it is. Wrapped in l2l's traceback, a message whose traceback
    was cut to its tail (one of 200,000 characters) was named 'RuntimeError: wwww...'."""


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, (EvaluationTimedOut, TimeoutError)) or type(exc).__name__ == "EvaluationTimeout"


def node_name() -> str:
    """The node an evaluation runs on, as its outcome's ``host``: SLURM's name for it (``SLURMD_NODENAME``, set in
    a job), else the host name."""
    return os.environ.get("SLURMD_NODENAME") or socket.gethostname()

def evaluate(simulator: Simulator, task: Task, settings: Settings) -> Outcome:
    """Run one task; never raises for anything the simulator does."""
    context = EvaluationContext(task.generation, task.individual, task.attempt, settings.timeout,
                                settings.run_dir, task.budget, task.from_budget, task.checkpoint, task.trial)
    started = time.time()
    clock = time.perf_counter()
    outcome = Outcome(task.generation, task.individual, task.seed, OK, started=started, attempt=task.attempt,
                      budget=task.budget, from_budget=task.from_budget, trial=task.trial, host=node_name())
    try:
        with simulator_output_to_stderr():  # the simulator's prints: stderr, never among l2l's lines on stdout
            if settings.timeout and not simulator.handles_timeout:
                raw = _run_with_timeout(simulator, task, context, settings.timeout)
            else:
                raw = simulator.evaluate(task.params, task.seed, context)
    except EvaluationStopped:
        if threading.current_thread() is threading.main_thread():  # the serial backend's: left unfinished there
            raise
        outcome.status, outcome.error = FAILED, traceback.format_exc()[-TRACEBACK_TAIL:]
    except KeyboardInterrupt:
        if threading.current_thread() is threading.main_thread():  # Ctrl+C (or the simulator's own: not told apart)
            raise
        # raised by the simulator itself: Python delivers Ctrl+C to the main thread alone, and a Dask worker
        # evaluates in another, whose death by it killed two workers per evaluation (KilledWorker, 20 s each)
        outcome.status = FAILED
        outcome.error = (f"the simulator raised KeyboardInterrupt, which ends an evaluation as a failure here\n"
                         f"{traceback.format_exc()}")[-TRACEBACK_TAIL:]
    except SystemExit as exc:  # a script turned into a function may still end with sys.exit(): that
        # evaluation failed, the run goes on (l2l's own stop requests are no SystemExit)
        outcome.status = FAILED
        outcome.error = (f"the simulator called sys.exit({exc.code!r}), which ends an evaluation as a failure "
                         f"here; return its result instead\n{traceback.format_exc()}")[-TRACEBACK_TAIL:]
    except BaseException as exc:  # noqa: BLE001 - failure is data
        if _is_timeout(exc):
            outcome.status, outcome.error = TIMEOUT, str(exc)[-TRACEBACK_TAIL:]
        elif isinstance(exc, _ForkedFailure):
            outcome.status, outcome.error = FAILED, str(exc)
        elif isinstance(exc, EvaluationError):  # a failure l2l's own simulators describe (a command's exit
            # status and output): the message, without l2l's traceback in front of it
            outcome.status, outcome.error = FAILED, f"{type(exc).__name__}: {exc}"[-TRACEBACK_TAIL:]
        else:
            outcome.status, outcome.error = FAILED, _error_text(exc, task.params)
    else:
        try:
            outcome.objectives, outcome.metrics, outcome.traces, outcome.outputs = normalize(raw, settings,
                                                                                       _prints(simulator))
            if task.budget is not None:
                outcome.traces.update(curves(raw, task.budget,
                                             task.from_budget if task.checkpoint is not None else None,
                                             settings.objectives))
                outcome.checkpoint = checkpoint_of(raw)
            elif getattr(raw, "curve", None):  # a run without a policy: one call at the top budget, whose
                # learning curve is kept as a policy run keeps a segment's (no checkpoint: nothing continues)
                fidelity = simulator.fidelity()
                if fidelity is not None:
                    outcome.traces.update(curves(raw, float(fidelity.maximum)))
        except (ValueError, TypeError, OverflowError) as exc:  # whatever the result holds: a failed row
            outcome.status, outcome.error = FAILED, f"invalid result: {exc}"
    outcome.duration = time.perf_counter() - clock
    return outcome


def evaluate_chunk(simulator: Simulator, tasks: Sequence[Task], settings: Settings,
                   ended: Callable[[], bool] | None = None) -> list[Outcome]:
    """Run several tasks in a row on one worker (batches keep per-task overhead low: the simulator's output is
    sent to stderr once for the chunk, not per evaluation); none after ``ended()`` says the run has ended (its
    outcomes would be read by nobody)."""
    try:
        with simulator_output_to_stderr():
            outcomes = []
            for task in tasks:
                if ended is not None and ended():
                    break
                outcomes.append(evaluate(simulator, task, settings))
            return outcomes
    finally:  # what C code printed reaches the log with its chunk, not when the worker exits (if ever)
        flush_c_streams()

