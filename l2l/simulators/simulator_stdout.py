"""Where a simulator's output goes while it evaluates: its Python prints to stderr, per thread; the C library's
buffers flushed before a descriptor changes or a process exits; and, where it evaluates in the process that prints
l2l's own lines (the ``serial`` backend, a model's import checked before the run), its descriptor 1 too
(:func:`descriptor_1_to_stderr`). The executors (:mod:`l2l.jobs`) and the ``python`` simulator use it."""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager
from typing import Any


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


# l2l.hung_up looks _lock and _saved up by this module's name (a hang-up points the kept copy at /dev/null)
_lock = threading.Lock()
_users = 0  # evaluations running in this process with descriptor 1 moved (serial runs in several threads)
_saved: int | None = None  # a copy of the descriptor 1 they found, restored by the last one to finish


@contextmanager
def descriptor_1_to_stderr():
    """While the block runs, this process's file descriptor 1 is a copy of its stderr.

    Python-level prints are already moved by :func:`l2l.jobs.base.evaluate`; this moves what C code (NEST,
    Brian2's compiled code) and child processes write to stdout, which the ``local`` backend's workers send
    to stderr for good (:mod:`l2l.jobs.worker_signals`). The serial backend evaluates in the caller's
    process, whose stdout carries l2l's own lines: it is restored once no evaluation runs any more (serial
    runs in several threads share it), C buffers flushed first. Where there is no stdout or stderr
    descriptor, nothing is moved.
    """
    global _users, _saved
    with _lock:
        if _users == 0:
            try:
                if sys.stdout is not None:
                    sys.stdout.flush()
                flush_c_streams()  # the caller's own buffered C output stays on its stdout
                saved = os.dup(1)
            except (OSError, ValueError):
                saved = None
            if saved is not None:
                try:
                    os.dup2(2, 1)
                except OSError:
                    os.close(saved)
                    saved = None
            _saved = saved
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _saved is not None:
                flush_c_streams()
                os.dup2(_saved, 1)
                os.close(_saved)
                _saved = None
