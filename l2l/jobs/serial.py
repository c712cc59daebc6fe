"""Run evaluations one after another in the calling process (for debugging)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import ClassVar, Sequence

from l2l.jobs.base import Executor, Outcome, Settings, Task, evaluate
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
        return [evaluate(self._simulator, self._queue.popleft(), self._settings)]

    @property
    def pending(self) -> int:
        return len(self._queue)
