"""The execution protocol shared by every backend.

The loop hands an executor batches of :class:`Task` (parameters + seed) and
gets :class:`Outcome` objects back as they complete, in any order; it never
knows which backend ran them. :func:`evaluate` is what runs on a worker: it
turns whatever the simulator did (returned, raised, hung) into an Outcome, so
that failure is data.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import re
import select
import signal
import socket
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Sequence

import numpy as np

from l2l import parent_death
from l2l.errors import EvaluationError
from l2l.jobs.signals import EvaluationStopped
from l2l.numbers import apart, number
from l2l.simulators.base import (USER_MODULE_DIGEST, USER_MODULE_PREFIX, EvaluationContext, Simulator, as_result,
                                 empty_curve)

from l2l.results_schema.layout import FAILED, OK, TIMEOUT  # noqa: E402 - the statuses live with the layout

STATUSES = (OK, FAILED, TIMEOUT)
TRACEBACK_TAIL = 4000


@dataclass(frozen=True)
class Task:
    """One evaluation to run: which individual of which generation, with what."""

    generation: int
    individual: int
    seed: int
    params: dict[str, Any]
    attempt: int = 0
    #: Multi-fidelity segments: the budget to reach, the one the checkpoint is at, the checkpoint, the trial.
    budget: float | None = None
    from_budget: float = 0.0
    checkpoint: dict[str, Any] | None = None
    trial: int = -1


@dataclass(frozen=True)
class Settings:
    """How evaluations run; the same for every task of a run."""

    objectives: tuple[str, ...]
    timeout: float | None = None
    run_dir: str | None = None
    #: The run's file holds finished evaluations (a resumed run): jobs refused at once can be resumed from.
    resumed: bool = False


#: How the error text of an ok row whose segment (evaluation) needed a retry (``run.retries``) begins: its first
#: failed attempt's error follows, kept there by the loop (before, it was kept nowhere: the row said ok, attempts 2).
RETRIED_ERROR = "(retried, then ok) the first attempt failed:"


@dataclass
class Outcome:
    """What became of one task."""

    generation: int
    individual: int
    seed: int
    status: str
    objectives: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    traces: dict[str, np.ndarray] = field(default_factory=dict)
    outputs: np.ndarray | None = None
    error: str = ""
    started: float = 0.0
    duration: float = 0.0
    attempt: int = 0
    #: Multi-fidelity segments (see :class:`Task`); ``checkpoint`` is what the simulator returned.
    budget: float | None = None
    from_budget: float = 0.0
    trial: int = -1
    checkpoint: dict[str, Any] | None = None
    #: The trial whose checkpoint this segment continued from, if another one (set by the loop), else -1.
    parent: int = -1
    #: How many times the backend started this attempt: more than 1 where it ran it again by itself
    #: (``slurm-array`` resubmits a task whose job ended without a result; the Dask backends run again a task
    #: whose worker left). Each may have run the simulator and used the allocation, so the loop and
    #: ``l2l reevaluate`` count each as an attempt (the row's ``attempts``, the compute spent).
    submissions: int = 1
    #: The node that ran it (:func:`node_name`), counted in the event that ends the session.
    host: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK


class EvaluationTimedOut(Exception):
    pass


class _SimulatorStdout:
    """``sys.stdout`` while evaluations run in this process: what a thread that is evaluating writes goes to
    ``sys.stderr``; what any other thread writes goes to the stream this one replaced.

    So a simulator's ``print`` never lands among l2l's own lines on stdout (``l2l run cfg.toml > out.txt``
    holds only the summary), and the user still sees it in the terminal.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _target(self) -> Any:
        if getattr(_evaluating, "active", False):
            err = sys.stderr
            if err is not None and err is not self:
                return err
        return self._stream

    def write(self, text: str) -> int:
        return self._target().write(text)

    def writelines(self, lines: Any) -> None:
        self._target().writelines(lines)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:  # fileno, buffer, isatty, encoding...: the target's
        return getattr(self._target(), name)


_evaluating = threading.local()
_stdout_lock = threading.Lock()
_stdout_users = 0
_stdout_proxy: _SimulatorStdout | None = None


@contextmanager
def simulator_output_to_stderr():
    """While the calling thread runs this block, its writes to ``sys.stdout`` go to ``sys.stderr``.

    Per thread, not process-wide: several evaluations may run at once in a Dask worker's threads, and other
    threads keep writing to the real stdout. Only Python-level writes through ``sys.stdout`` are moved; output
    written straight to file descriptor 1 (C extensions, child processes) is moved in the ``local`` backend's
    workers by :mod:`l2l.jobs.worker_signals`.
    """
    global _stdout_users, _stdout_proxy
    if getattr(_evaluating, "active", False):  # inside a chunk that set it up once for all its evaluations
        yield
        return
    with _stdout_lock:
        if _stdout_users == 0 and sys.stdout is not None and not isinstance(sys.stdout, _SimulatorStdout):
            _stdout_proxy = _SimulatorStdout(sys.stdout)
            sys.stdout = _stdout_proxy
        _stdout_users += 1
    was = getattr(_evaluating, "active", False)
    _evaluating.active = True
    try:
        yield
    finally:
        _evaluating.active = was
        with _stdout_lock:
            _stdout_users -= 1
            if _stdout_users == 0 and _stdout_proxy is not None:
                if sys.stdout is _stdout_proxy:  # unless someone replaced it meanwhile: then theirs stays
                    sys.stdout = _stdout_proxy._stream
                _stdout_proxy = None


_fflush: list = []  # the C library's fflush, once looked up (None: not reachable)


def flush_c_streams() -> None:
    """Flush the C library's stdio buffers (printf, and C++ streams synced with it) where ctypes can reach
    them, so that what a simulator's C code buffered is written before its file descriptor changes or its
    process exits."""
    if not _fflush:
        try:
            import ctypes

            _fflush.append(ctypes.CDLL(None).fflush)
        except (OSError, AttributeError, TypeError):  # no C library to reach (an odd platform)
            _fflush.append(None)
    if _fflush[0] is not None:
        _fflush[0](None)


def _ended(status: int) -> str:
    """How a forked evaluation's process ended, from its wait status (was 'died (wait status 768)'): a crash in C
    code is 'was killed by signal 11 (SIGSEGV)', a model's ``os._exit(3)`` 'exited with status 3'."""
    if os.WIFSIGNALED(status):
        from l2l.simulators.command import signal_name  # (a module that imports this one)

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


def _scalar(value: Any) -> float:
    try:
        arr = np.asarray(value, dtype=float)
    except OverflowError as exc:  # an int beyond any float
        raise ValueError(str(exc)) from None
    if arr.size != 1:
        raise ValueError(f"expected a number, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


#: What a :class:`SimulationResult` carries beside its objectives: a function that puts one of them into the dict it
#: returns (``{"loss": x, "checkpoint": state}``) gets its key read as an objective or a metric, a number.
RESULT_FIELDS = ("checkpoint", "curve", "metrics", "traces", "outputs")
RETURN_HINT = ("return a number, a dict {objective: number}, or l2l.SimulationResult(objectives=..., curve=..., "
               "checkpoint=...) to hand back a curve or a checkpoint too")


#: The advice that ends the message of a run of several objectives given unnamed values (a number, a tuple): the
#: driver refuses the run where a whole first generation failed so (:func:`l2l.outcomes.refuse_missing_objectives`).
UNNAMED_OBJECTIVES = "return a dict naming them"
#: The same advice to a ``command`` program, which prints its result.
UNNAMED_OBJECTIVES_PRINTED = "print a JSON object naming them"


def _several(value: Any) -> str | None:
    """``value`` as a user reads it (``a tuple of 2 values``) if it is a tuple, list or array of other than one
    value, else None."""
    if isinstance(value, (tuple, list)):
        size, kind = len(value), type(value).__name__
    elif isinstance(value, np.ndarray):
        size, kind = value.size, "numpy array"
    else:
        return None
    return None if size == 1 else f"a {kind} of {size} value{'s' * (size != 1)}"


def _prints(simulator: Any) -> bool:
    """Whether ``simulator`` is a ``command`` program (it prints its result as JSON)."""
    return getattr(simulator, "name", None) == "command"


def normalize(raw: Any, settings: Settings, printed: bool = False) -> tuple[dict, dict, dict, np.ndarray | None]:
    """Check a simulator's return value against the run's objectives; raise ValueError if unusable (``printed``:
    a ``command`` program's, which prints its result as JSON).

    The messages say what was returned where a function returned its result in another shape than l2l reads, say
    ``(loss, checkpoint)`` or ``{"loss": x, "checkpoint": state}``: before, they named only numpy's complaint about
    a dict (``float() argument must be ... not 'dict'``), or said "1 value" of a tuple of two.
    """
    result = as_result(raw)
    wanted = settings.objectives
    objectives = result.objectives
    several = None if isinstance(objectives, dict) else _several(objectives)
    if not isinstance(objectives, dict):
        if len(wanted) != 1:
            what = several or "1 value"
            # a tuple of as many values as objectives is not "too few": l2l does not guess which value is which
            but = (f", not a dict naming the run's {len(wanted)} objectives {list(wanted)}"
                   if several and (len(objectives) if isinstance(objectives, (tuple, list))
                                   else np.size(objectives)) == len(wanted)
                   else f" but the run has {len(wanted)} objectives {list(wanted)}")
            if printed:  # a program printed a number or a JSON array
                size = np.size(objectives)
                what = f"a JSON array of {size} values" if several else "1 number"
                but = (f", not a JSON object naming the run's {len(wanted)} objectives {list(wanted)}"
                       if size == len(wanted) else f" but the run has {len(wanted)} objectives {list(wanted)}")
                raise ValueError(f"printed {what}{but}; {UNNAMED_OBJECTIVES_PRINTED} "
                                 f"({{{', '.join(f'{json.dumps(name)}: ...' for name in wanted)}}})")
            raise ValueError(f"returned {what}{but}; {UNNAMED_OBJECTIVES} "
                             f"({{{', '.join(f'{name!r}: ...' for name in wanted)}}})")
        objectives = {wanted[0]: objectives}
    values = {}
    for key, value in objectives.items():
        if value is None:
            raise ValueError(f"objective {key!r} is None: the simulator returned no number for it")
        try:
            values[str(key)] = _scalar(value)
        except (TypeError, ValueError) as exc:
            if several:
                raise ValueError(f"objective {key!r}: the simulator returned {several}, not a number; "
                                 f"{RETURN_HINT}") from None
            if str(key) == "objectives" and isinstance(value, dict) and key not in wanted:
                # the JSON a command program prints; a python function's dict is {objective: number}
                raise ValueError("the simulator returned a dict with the key 'objectives', the shape a command "
                                 "program prints; a python function's dict is read as {objective: number}: return "
                                 "l2l.SimulationResult(objectives=..., curve=..., checkpoint=...) instead") from None
            if str(key) in RESULT_FIELDS and key not in wanted and not getattr(result, str(key), None):
                raise ValueError(f"the simulator returned a dict with the key {key!r}, which is read as an "
                                 f"objective or a metric (a number): return l2l.SimulationResult(objectives=..., "
                                 f"{key}=...) to hand back a {key}") from None
            if key not in wanted:  # a key beside the objectives: read as a metric, which is a number too
                raise ValueError(f"{key!r} of the returned dict is no objective of the run, so it is read as a metric, "
                                 f"which must be a number: {exc}") from None
            if isinstance(value, (list, tuple)) and value and isinstance(value[0], (dict, list, tuple, str)):
                # Ray Tune's reports kept as a list ([{"acc": 0.9}]): numpy's 'not dict' named neither
                kinds = type(value[0]).__name__ + "s" * (len(value) != 1)
                raise ValueError(f"objective {key!r}: the simulator returned a {type(value).__name__} of "
                                 f"{len(value)} {kinds}, not a number; {RETURN_HINT}") from None
            raise ValueError(f"objective {key!r}: {exc}") from None
    given = dict(result.metrics)
    for name in wanted:  # a metric the run names as an objective is one (lsnn's firing_rate beside recall_error)
        if name not in values and name in given:
            try:
                values[name] = _scalar(given.pop(name))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"objective {name!r}: {exc}") from None
    missing = [name for name in wanted if name not in values]
    if missing:
        raise ValueError(f"returned objectives {sorted(values)} but the run needs {list(wanted)}; "
                         f"missing {missing}")
    bad = {name: values[name] for name in wanted if not math.isfinite(values[name])}
    if bad:
        raise ValueError(f"non-finite objective value(s): {bad}")
    metrics = {}
    for key, value in given.items():
        try:
            metrics[str(key)] = _scalar(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"metric {key!r}: {exc}") from None
    for key, value in values.items():
        if key not in wanted:
            metrics[key] = value
    traces = {str(k): np.asarray(v, dtype=float) for k, v in dict(result.traces).items()}
    outputs = None if result.outputs is None else np.asarray(result.outputs, dtype=float).reshape(-1)
    return {name: values[name] for name in wanted}, metrics, traces, outputs


from l2l.results_schema.layout import CURVE_PREFIX  # noqa: E402 - beside the code that makes curves


def node_name() -> str:
    """The node an evaluation runs on, as its outcome's ``host``: SLURM's name for it (``SLURMD_NODENAME``, set in
    a job), else the host name."""
    return os.environ.get("SLURMD_NODENAME") or socket.gethostname()


def curves(raw: Any, budget: float | None = None, start: float | None = None,
           objectives: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """A multi-fidelity result's curves as traces ``curve:<objective>`` of (fidelity, value) rows; a point past
    the segment's ``budget`` is refused (ValueError), and so is a point of an ``objectives`` curve at or below
    ``start``, the budget of the checkpoint a continued segment was given: its simulator trained from the start
    again (it ignored the checkpoint), which costs a restart while the run counts the continuation. An
    ``objectives`` curve numbered from 0 (whole fidelities 0 to ``budget - 1``) is refused in a segment from
    scratch too, so that the first segment says so rather than the first continuation."""
    curve = getattr(raw, "curve", None)
    if not curve:
        return {}
    if not isinstance(curve, dict):
        raise ValueError(f"curve must be a dict {{objective: [[fidelity, value], ...]}}, got {type(curve).__name__}")
    out = {}
    for name, points in curve.items():
        try:
            array = np.asarray(points, dtype=float)
        except (TypeError, ValueError) as exc:  # a dict {fidelity: value}, ragged rows, text: name the curve
            raise ValueError(f"curve {name!r} must be rows of [fidelity, value], got {type(points).__name__}: "
                             f"{exc}") from None
        if array.size == 0:  # was 'must be rows of [fidelity, value], got shape (0,)', which named no reason
            raise ValueError(empty_curve(name))
        if array.ndim != 2 or array.shape[1] != 2:
            raise ValueError(f"curve {name!r} must be rows of [fidelity, value], got shape {array.shape}")
        # a NaN fidelity is no point past the budget, nor one before it: kept, and the loop warns of it once
        # (l2l.outcomes.check_curve_values); np.nanmax of NaNs alone printed numpy's "All-NaN slice" warning
        known = array[~np.isnan(array[:, 0]), 0]
        if budget is not None and len(known) and known.max() > budget + 1e-9 * max(1.0, abs(budget)):
            point, most = apart(known.max(), budget)  # 600.0004 beyond 600 read '600, beyond ... 600'
            raise ValueError(f"curve {name!r} has a point at fidelity {point}, beyond the segment's budget {most}; "
                             f"a curve holds the values the segment passed on its way to its budget")
        if not start and budget is not None and budget >= 1 and name in objectives and len(known) and \
                known.min() == 0 and abs(known.max() - (budget - 1)) < 1e-9 * max(1.0, abs(budget)) and \
                np.all(known == np.round(known)):
            # a segment from scratch numbered from 0: whole fidelities from 0 to one step short of the budget (was
            # accepted: the run stored every first curve shifted and failed only at the continuations). A curve
            # that starts at 0 (the value before training) and reaches the budget, one that starts past 0, one
            # with a fractional point (a continuous fidelity) and one under a budget below 1 stay accepted.
            here = f"1 to {number(budget)}" if budget > 1 else number(budget)
            raise ValueError(f"curve {name!r} runs from fidelity 0 to {number(known.max())} in a segment from 0 to "
                             f"{number(budget)}: numbered from 0? Number each point by the fidelity reached after its "
                             f"step, here {here} (after epoch e, counted from 1, the point [e, value])")
        if start and name in objectives and len(known) and known.min() <= start + 1e-9 * max(1.0, abs(start)):
            # either a restart (the checkpoint ignored) or a continuation that returned its whole history, or the
            # points numbered from 0 (the fidelity before each step rather than after it)
            low, high = float(known.min()), float(known.max())
            if budget is not None and abs(low - start) < 1e-9 * max(1.0, abs(start)) and \
                    abs(high - (budget - 1)) < 1e-9 * max(1.0, abs(budget)):
                raise ValueError(f"curve {name!r} runs from fidelity {number(low)} to {number(high)} in a segment from "
                                 f"{number(start)} to {number(budget)}: numbered from 0? Number each point by the "
                                 f"fidelity reached after its step, here {number(start + 1)} to {number(budget)} "
                                 f"(after epoch e, counted from 1, the point [e, value])")
            raise ValueError(f"curve {name!r} has a point at fidelity {number(low)}, not past the budget "
                             f"{number(start)} of the checkpoint this segment continued from: a curve holds only the "
                             f"values a segment passed after its checkpoint, so if the simulator continued and "
                             f"returned its whole curve, return the points above {number(start)} only; if it trained "
                             f"from the start again instead of continuing from its checkpoint (it spent "
                             f"{number(budget)} units where the run counts {number(budget - start)}), continue from "
                             f"the checkpoint, or take none (a python function without a 'checkpoint' parameter, or a "
                             f"program that leaves no file in its checkpoint_dir, restarts openly, counted so)")
        out[f"{CURVE_PREFIX}{name}"] = array
    return out


#: What a checkpoint may hold (docs/multifidelity.md), said where one cannot be stored.
CHECKPOINT_TYPES = ("a dict with string keys of numbers, booleans, strings, None, numpy arrays of numbers or booleans "
                    "(no strings, complex numbers or objects) and lists and dicts (string keys) of these")

#: How a segment whose checkpoint cannot be stored (:func:`checkpoint_of`) fails: its error starts with this.
UNSTORABLE_CHECKPOINT = "invalid result: checkpoint "


#: How a result whose curve is not rows of [fidelity, value] fails (:func:`curves`): Ray Tune's reports as
#: ``{"loss": [values]}``, a dict ``{epoch: value}``, a list of dicts.
_CURVE_SHAPE = re.compile(r"invalid result: curve (?:must be a dict |'.*' must be rows of \[fidelity, value\])")


def every_segment_fails(outcome: Outcome) -> str | None:
    """Why ``outcome`` failed, if it is a programming error of the simulator that every segment repeats, whatever
    the parameters: ``"checkpoint cannot be stored"`` (:func:`checkpoint_of`) or ``"curve is not rows of
    [fidelity, value]"`` (:func:`curves`); else None. Such a failure is never retried and the run ends at the
    first (``driver_trials.Trials.record``): before, a curve of the wrong shape failed every segment, each a
    candidate spent, until run.stop_after_failures ended the run with exit status 1."""
    if outcome.status != FAILED or not outcome.error:
        return None
    if outcome.error.startswith(UNSTORABLE_CHECKPOINT):
        return "checkpoint cannot be stored"
    if _CURVE_SHAPE.match(outcome.error.split("\n", 1)[0]):
        return "curve is not rows of [fidelity, value]"
    return None


def checkpoint_of(raw: Any) -> dict[str, Any] | None:
    """A multi-fidelity result's checkpoint, checked to be storable without pickle."""
    checkpoint = getattr(raw, "checkpoint", None)
    if checkpoint is None:
        return None
    if not isinstance(checkpoint, dict):
        raise ValueError(f"checkpoint must be a dict of arrays, numbers and strings, got {type(checkpoint).__name__}")
    from l2l.results_schema import codec
    try:
        codec.check(checkpoint)  # without encoding it: the writer does, once
    except TypeError as exc:
        key, where = _unstorable(checkpoint)
        named = f"checkpoint key {key!r}{where}" if key is not None else "checkpoint"
        hint = ""
        if "Generator" in str(exc) or "RandomState" in str(exc):
            hint = ("; store the generator's state instead (rng.bit_generator.state, a dict of numbers) and "
                    "set it again when continuing (rng = np.random.default_rng(); rng.bit_generator.state = ...)")
        raise ValueError(f"{named} cannot be stored without pickle: {exc}{hint}; a checkpoint is "
                         f"{CHECKPOINT_TYPES}") from None
    return dict(checkpoint)


def _unstorable(checkpoint: dict[Any, Any]) -> tuple[Any, str]:
    """The first top-level key of ``checkpoint`` whose value the codec refuses (a non-string key: that key),
    and where below it (`` at ['opt'][2]``, or ''); (None, '') if none is found alone."""
    from l2l.results_schema import codec

    def below(value: Any) -> str | None:  # the path to the first leaf refused, '' for value itself
        try:
            codec.encode(value)
            return None
        except TypeError:
            pass
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, (list, tuple)):
            items = list(enumerate(value))
        else:
            return ""
        for name, item in items:
            if isinstance(value, dict) and not isinstance(name, str):
                return ""
            inner = below(item)
            if inner is not None:
                return f"[{name!r}]{inner}"
        return ""

    for key, value in checkpoint.items():
        if not isinstance(key, str):
            return key, ""
        inner = below(value)
        if inner is not None:
            return key, f" (at [{key!r}]{inner})" if inner else ""
    return None, ""


def _missing_parameter(exc: BaseException, params: dict[str, Any]) -> str:
    """What a ``KeyError`` of a parameter name the run's space lacks adds to its error's last line (the line
    ``l2l show`` and the end of ``l2l run`` give): a model reading ``params["delay"]`` from a space that names it
    ``dleay`` failed every evaluation with a bare ``KeyError: 'delay'``. "" for any other exception."""
    if type(exc) is not KeyError or len(exc.args) != 1 or not isinstance(exc.args[0], str) or exc.args[0] in params:
        return ""
    if not _looked_up_in(exc, params):  # a KeyError of a dict of its own (a checkpoint's, os.environ): no hint
        return ""
    import difflib

    name, names = exc.args[0], sorted(params)
    close = difflib.get_close_matches(name, names, n=1)
    listed = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
    return (f" (the run's space has no parameter {name!r}; " + (f"did you mean {close[0]!r}? " if close else "")
            + f"it has {listed})")


def _looked_up_in(exc: BaseException, params: dict[str, Any]) -> bool:
    """Whether the line that raised ``exc`` (the innermost frame's) looks its key up in a name bound there to ``params``
    (or an equal mapping): ``checkpoint["state_dict"] + params["lr"]`` was told 'the run's space has no parameter
    'state_dict''."""
    import linecache
    import re

    trace = exc.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    if trace is None:
        return False
    names = []
    for name, value in trace.tb_frame.f_locals.items():
        try:
            if value is params or (isinstance(value, dict) and value == params):
                names.append(re.escape(name))
        except Exception:  # noqa: BLE001 - a comparison that fails (arrays) is no match
            continue
    line = linecache.getline(trace.tb_frame.f_code.co_filename, trace.tb_lineno)
    key = re.escape(str(exc.args[0]))  # params["delay"], or params[name]; not params["lr"] beside it
    return bool(names) and re.search(rf"\b(?:{'|'.join(names)})\s*(?:\[|\.pop\()\s*(?:(['\"]){key}\1|[^'\"\s])",
                                     line) is not None


#: The most lines of an exception's message joined into its one line (:func:`_in_one_line`).
MESSAGE_LINES = 4
#: The longest message given as it is in that line; a longer one is shortened in the middle (a message of 200,000
#: characters lost its type from the row's last TRACEBACK_TAIL characters: l2l show's reason read 'wwww...').
LONGEST_LINE = 1000


def _in_one_line(exc: BaseException) -> str:
    """An exception whose message spans several lines, in one more line after its traceback (the line ``l2l show``
    and the end of ``l2l run`` give): its type and first line, and its last (all of it up to :data:`MESSAGE_LINES`
    lines; a line of ``^`` markers left out). Brian2's parse error of an equation gave only its last line,
    ``Expected end of text, found '('  (at char 24), (line:1, col:25)``, without ``EquationError: Parsing failed:``
    and the equation. "" for a message of one line (the traceback's last line says it) and a ``SyntaxError``; a
    message over :data:`LONGEST_LINE` characters is shortened in the middle, and an exception group is given by its
    message and its first exceptions' lines (its traceback ends in the border of a box)."""
    if isinstance(exc, SyntaxError):
        return ""
    lines = "".join(traceback.format_exception_only(type(exc), exc)).splitlines()
    if isinstance(exc, BaseExceptionGroup):  # its traceback ends in a box's border, '+-----...', no message
        inner = "; ".join(_in_one_line(e).strip() or traceback.format_exception_only(type(e), e)[-1].strip()
                          for e in exc.exceptions[:MESSAGE_LINES])
        return f"{lines[0].strip()}: {inner}{' …' * (len(exc.exceptions) > MESSAGE_LINES)}\n"
    if any("Traceback (most recent call last)" in line for line in lines):
        return ""  # a traceback carried in the message (an evaluation process's, under run.timeout): its last line
        # names the exception as the model raised it, which l2l show's reasons count ('ValueError: x must be ...')
    block = [line.strip() for line in lines if line.strip() and line.strip().strip("^~ ")]
    if len(block) < 2 and not (block and len(block[0]) > LONGEST_LINE):
        return ""
    line = " ".join(block) if len(block) <= MESSAGE_LINES else f"{block[0]} … {block[-1]}"
    if len(line) > LONGEST_LINE:  # kept in the row's last TRACEBACK_TAIL characters without its type otherwise
        line = f"{line[:LONGEST_LINE // 2]} … {line[-LONGEST_LINE // 4:]}"
    return line + "\n"


def _error_text(exc: BaseException, params: dict[str, Any]) -> str:
    """The failed row's error of the exception being handled: its traceback, then the line ``l2l show`` gives (a
    missing parameter's hint, or :func:`_in_one_line`); also in run.timeout's forked process, whose text said a
    multi-line message by its last line, an exception group by a box's border, and no missing parameter."""
    text, missing = traceback.format_exc(), _missing_parameter(exc, params)
    text = text.rstrip("\n") + missing if missing else text + _in_one_line(exc)
    # an exception class of the model's module by that module's name: the python simulator loads it as
    # _l2l_user_<digest>_<name> (l2l show said '_l2l_user_22f8037ff1e2_model.ConvergenceError: ...')
    return _USER_MODULE.sub("", text)[-TRACEBACK_TAIL:]


#: The prefix of the name a model's module is loaded under (l2l.simulators.python._import).
_USER_MODULE = re.compile(rf"\b{USER_MODULE_PREFIX}[0-9a-f]{{{USER_MODULE_DIGEST}}}_(?=\w)")


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


def died(task: Task, reason: str) -> Outcome:
    """The outcome of a task whose worker died under it."""
    return Outcome(task.generation, task.individual, task.seed, FAILED, error=reason,
                   started=time.time(), attempt=task.attempt, budget=task.budget, from_budget=task.from_budget,
                   trial=task.trial)


class FollowsWorkers:
    """The cap on a backend's :attr:`Executor.worker_count` an asynchronous run keeps busy (two candidates out per
    worker) for an optimizer that keeps a fixed number of candidates asked and untold (Nevergrad's num_workers):
    shared by the Dask backends (``local``, ``dask``, ``slurm``) and ``slurm-array``, whose worker_count passes the
    workers it sees through :meth:`_busy`. Without it, such a run failed at its first ask past the limit, after its
    file was created.

    The warning line names the workers as what they are on the backend (:meth:`workers_said`, :attr:`worker_word`):
    the texts it is given (``excess``) count them as a cluster's workers, which a ``slurm-array`` run has none of
    (its count is ``max_running``, the array's slots)."""

    #: One of the workers the warning line counts, in its "keeps 2 per worker out at once".
    worker_word: ClassVar[str] = "worker"

    def follow_workers(self, most: Callable[[], int], excess: Callable[[int], str], *, given: bool = False) -> None:
        """Keep at most ``most()`` evaluations running at once, asked as the run goes: never refused; workers
        beyond it are left idle, told once in a warning line, ``excess(workers)``. Set by the run's build for an
        optimizer that keeps a fixed number of candidates asked and untold (Nevergrad's num_workers) where a
        refusal's advice could not be followed: ``auto``, whose choice is made as the run starts (on an existing
        cluster sized by :meth:`DaskExecutor.reported_workers`) and kept by a resumed run, and a resumed
        ``nevergrad`` run (its num_workers stored with it); and ``nevergrad`` on a backend whose workers are l2l's
        guess (``slurm-array`` without ``max_running``). ``given``: the limit is a num_workers the config gave
        (``nevergrad``'s), said also where the workers are a guess; ``auto``'s own choice is not."""
        self._most_of, self._excess, self._given = most, excess, given

    def _most(self) -> int:
        follow = getattr(self, "_most_of", None)
        return int(follow()) if follow is not None else getattr(self, "_most_workers", 0)  # 0: no limit

    def _busy(self, workers: int) -> int:
        """Of ``workers`` connected, those kept busy: at most :meth:`_most`, the first time fewer said in a warning
        line (before, the optimizer's ask past its limit failed the run)."""
        most = self._most()
        if not most or workers <= most:
            return workers
        if not getattr(self, "_told_more", False):
            self._told_more = True
            warn_line(f"l2l: warning: {self._worded(self._excess(workers), workers)}; the run goes on with {most} of "
                      f"them busy")
        return most

    def workers_said(self, workers: int) -> str:
        """How the warning line counts ``workers`` on this backend, in place of "the cluster has N workers"."""
        return f"the cluster has {workers} workers"

    def _worded(self, text: str, workers: int) -> str:
        """``text`` (an ``excess`` line, which opens with "the cluster has N workers" and counts "2 per worker")
        with the workers named as :meth:`workers_said` and :attr:`worker_word` name them."""
        opening = f"the cluster has {workers} workers"
        if text.startswith(opening):
            text = self.workers_said(workers) + text[len(opening):]
        return text.replace(" per worker out at once", f" per {self.worker_word} out at once")


def warn_line(text: str) -> None:
    """One line on stderr, above the run's progress bar where one is drawn (printed plainly, it joined the bar's
    line: ``60/80 [00:00<?, ?eval/s]l2l: warning: ...``, and left that piece of the bar on the screen)."""
    from tqdm.auto import tqdm

    tqdm.write(text, file=sys.stderr)
    sys.stderr.flush()


class Executor:
    """Base class of the backends. Use as a context manager.

    ``start`` receives the simulator (shipped once to every worker) and the
    settings; ``submit`` queues tasks; ``wait`` blocks until at least one
    outcome is ready (or ``timeout`` seconds pass) and returns all ready ones.
    """

    name: ClassVar[str] = "executor"
    #: Each outcome wanted as its evaluation ends, not with the others a backend ran with it in one batch (set by a
    #: run with run.target, which ends at the first result that reaches it: a chunk of a 20 s evaluation and one
    #: of 2 s held back the one that reached the target until the other was done, on ``slurm`` the whole of a
    #: first generation's worth of chunks of two while its worker jobs came up).
    each_result: bool = False

    @classmethod
    def check_run_dir(cls, run_dir: str, options: dict[str, Any]) -> None:
        """Refuse (ConfigError, one line) a run folder this backend cannot work in, ``options`` its config's
        ([backend]); called when the output path is checked, before anything of the run is created. Optional."""

    def prepare(self, simulator: Simulator | None = None) -> None:
        """Begin getting ready (e.g. start workers, give them ``simulator``, the run's) in the background;
        :meth:`start` finishes it (with the same simulator).

        Optional: a backend that has nothing to prepare does nothing. After ``prepare``, :meth:`close`
        must be called even if :meth:`start` never is.
        """

    def pre_run_checks(self, simulator: Simulator | None = None) -> list[str]:
        """The checks of this backend a run makes before its file exists (:meth:`prepare` makes them), none of which
        starts anything: raise the refusal (an L2LError of one line), else return one line per check saying what
        it found. ``l2l run --dry-run`` makes them too and prints the lines (before, it made none of them, and said
        'valid' of a run that sbatch would refuse). None by default."""
        return []

    def start(self, simulator: Simulator, settings: Settings) -> None:
        raise NotImplementedError

    def submit(self, tasks: Sequence[Task]) -> None:
        raise NotImplementedError

    def wait(self, timeout: float | None = None) -> list[Outcome]:
        raise NotImplementedError

    def let_submissions_out(self) -> None:
        """Called by the loop after a submission, before it does something long in its thread (writing the
        last generation's commit): a backend whose threads in this process still have to pass the submission
        on to the workers lets them (optional; nothing by default)."""

    @property
    def pending(self) -> int:
        raise NotImplementedError

    @property
    def worker_count(self) -> int:
        """How many evaluations can run at once (used by the asynchronous mode)."""
        return 1

    def describe(self) -> str:
        return self.name

    def close(self) -> None:
        pass

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
