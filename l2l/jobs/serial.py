"""Run evaluations one after another in the calling process (for debugging)."""

from __future__ import annotations

import copy
import dataclasses
from collections import deque
from dataclasses import dataclass
from typing import ClassVar, Sequence

from l2l.jobs.base import Executor, Outcome, Settings, Task, evaluate
from l2l.simulators.base import Simulator
from l2l.simulators.simulator_stdout import descriptor_1_to_stderr
from l2l.simulators.stop_signals import EvaluationStopped


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
