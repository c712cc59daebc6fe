"""Run evaluations one after another in the calling process (for debugging)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections import deque
from dataclasses import dataclass
from typing import ClassVar, Sequence

from l2l.jobs.base import Executor, Outcome, Settings, Task, evaluate, flush_c_streams
from l2l.simulators.base import Simulator


@dataclass
class SerialExecutor(Executor):
    """Evaluations in the calling process, one at a time: simplest to debug (pdb works)."""

    name: ClassVar[str] = "serial"

    def __post_init__(self) -> None:
        self._queue: deque[Task] = deque()
        self._simulator: Simulator | None = None
        self._settings: Settings | None = None

    def start(self, simulator: Simulator, settings: Settings) -> None:
        self._simulator, self._settings = simulator, settings

    def submit(self, tasks: Sequence[Task]) -> None:
        self._queue.extend(tasks)

    def wait(self, timeout: float | None = None) -> list[Outcome]:
        if not self._queue:
            return []
        task = self._queue.popleft()
        with descriptor_1_to_stderr():
            return [evaluate(self._simulator, task, self._settings)]

    @property
    def pending(self) -> int:
        return len(self._queue)


@contextlib.contextmanager
def descriptor_1_to_stderr():
    """While the block runs, this process's file descriptor 1 is a copy of its stderr.

    Python-level prints are already moved by :func:`l2l.jobs.base.evaluate`; this moves what C code (NEST,
    Brian2's compiled code) and child processes write to stdout, which the ``local`` backend's workers send
    to stderr for good (:mod:`l2l.jobs.worker_signals`). The serial backend evaluates in the caller's
    process, whose stdout carries l2l's own lines: it is restored after each evaluation, C buffers flushed
    first. Where there is no stdout or stderr descriptor, nothing is moved.
    """
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
        flush_c_streams()  # the caller's own buffered C output stays on its stdout
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    try:
        os.dup2(2, 1)
    except OSError:
        os.close(saved)
        yield
        return
    try:
        yield
    finally:
        flush_c_streams()
        os.dup2(saved, 1)
        os.close(saved)
