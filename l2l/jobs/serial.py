"""Run evaluations one after another in the calling process (for debugging)."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import os
import sys
import threading
from collections import deque
from dataclasses import dataclass
from typing import ClassVar, Sequence

from l2l.jobs.base import Executor, Outcome, Settings, Task, evaluate, flush_c_streams
from l2l.jobs.signals import EvaluationStopped
from l2l.simulators.base import Simulator


@dataclass
class SerialExecutor(Executor):
    """Evaluations in the calling process, one at a time: simplest to debug (pdb works).

    A segment's checkpoint is copied on its way in and out, as the other backends' pickling copies it: the
    run keeps a returned checkpoint in memory until its row is written and continues the candidate from it,
    so a function that trained the very object in place (``w -= lr * grad``), or returned the arrays of a
    model it changes later, changed the checkpoint stored for an earlier segment (and what a resume after a
    kill continues from).
    """

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
        queued = task = self._queue.popleft()
        if task.checkpoint is not None:  # the function's own copy: it may train it in place
            task = dataclasses.replace(task, checkpoint=copy.deepcopy(task.checkpoint))
        try:
            with descriptor_1_to_stderr():
                outcome = evaluate(self._simulator, task, self._settings)
        except EvaluationStopped:  # its program died of the signal that stopped the run (a closed terminal,
            # SLURM's job end): no outcome, as for an evaluation a stop cancels; the loop stops, l2l resume runs it
            self._queue.appendleft(queued)
            return []
        if outcome.checkpoint is not None:  # as returned: a model object the function keeps may change it later
            outcome.checkpoint = copy.deepcopy(outcome.checkpoint)
        return [outcome]

    @property
    def pending(self) -> int:
        return len(self._queue)


_lock = threading.Lock()
_users = 0  # evaluations running in this process with descriptor 1 moved (serial runs in several threads)
_saved: int | None = None  # a copy of the descriptor 1 they found, restored by the last one to finish


@contextlib.contextmanager
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
