"""What the loop and a backend hand each other: :class:`Task` (parameters + seed) goes out, :class:`Outcome`
comes back; :class:`Settings` are the same for every task of a run. Plain values, pickled to the workers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from l2l.results_schema.layout import FAILED, OK, TIMEOUT  # the statuses live with the layout

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



def died(task: Task, reason: str) -> Outcome:
    """The outcome of a task whose worker died under it."""
    return Outcome(task.generation, task.individual, task.seed, FAILED, error=reason,
                   started=time.time(), attempt=task.attempt, budget=task.budget, from_budget=task.from_budget,
                   trial=task.trial)
