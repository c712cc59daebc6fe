"""The ``slurm`` backend's count of worker-job retirements under an evaluation, carried over a stop and its resume.

A worker job that retires for its lifetime under an evaluation it took up as it arrived counts toward that
evaluation's failure (the second such retirement makes it a failed row: l2l.jobs.slurm, LIFETIME_LOSSES). The count
lived in the running l2l only, so an evaluation in flight at a stop started again from nothing on resume. Under
``l2l submit``, whose loop job stops and resumes before each of its walltimes, an evaluation longer than the worker
jobs' lifetime, with a loop job's walltime under two lifetimes (the worker jobs given the loop job's walltime),
saw one retirement a session: it was run again for ever, a loop job and its worker jobs paid for each time.

The loop's ``stopped`` event now records the count of each evaluation in flight that has one (:func:`record`), with
the lifetime it was counted under; the resume gives it to the new session's executor (:func:`carried`), which adds it
to the evaluation's retirements. An evaluation is known by its mark (:func:`task_mark`): its row's coordinates,
attempt, budgets and parameters, which a resume runs again as they were. A count is carried only under the same
lifetime (a resume after raising the walltime gives its evaluations their two retirements afresh), only for an
evaluation sent alone (a chunk of several is split before any of its evaluations fails), and only as many as the
event holds (:data:`MOST_CARRIED`: the others start afresh, as before).
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterable, Mapping

import numpy as np

#: The key of the ``stopped`` event's detail that holds the counts: ``{"lifetime": seconds, "marks": [[mark, n]]}``.
KEY = "lifetime_losses"
#: Most evaluations whose count the event holds (an event's detail holds 512 bytes in all, its other keys first).
MOST_CARRIED = 12
#: Characters of an evaluation's mark (hexadecimal digits of a SHA-256).
MARK_CHARACTERS = 12


def task_mark(task: Any) -> str:
    """What tells an evaluation (a task of :mod:`l2l.jobs.base`) from every other of its run, across sessions."""
    digest = hashlib.sha256(repr((task.generation, task.individual, task.attempt, task.budget, task.from_budget,
                                  task.trial)).encode())
    for name in sorted(task.params):
        value = np.asarray(task.params[name])
        digest.update(name.encode() + b"\0" + str(value.dtype).encode() + value.tobytes())
    return digest.hexdigest()[:MARK_CHARACTERS]


def record(lifetime: float, counts: Iterable[tuple[str, int]]) -> dict[str, Any] | None:
    """The ``stopped`` event's record of ``counts`` (mark, retirements) under ``lifetime`` seconds; None if none."""
    marks = [[mark, int(n)] for mark, n in counts if n > 0][:MOST_CARRIED]
    return {"lifetime": float(lifetime), "marks": marks} if marks else None


def carried(detail: Mapping[str, Any] | None, lifetime: float) -> dict[str, int]:
    """The counts a ``stopped`` event's ``detail`` carries for a session whose worker jobs live ``lifetime``
    seconds, by mark: none where the lifetime differs, or the record is not one :func:`record` wrote."""
    found = detail.get(KEY) if isinstance(detail, Mapping) else None
    if not isinstance(found, Mapping) or found.get("lifetime") != float(lifetime):
        return {}
    marks = found.get("marks")
    return {mark: n for mark, n in (item for item in marks if isinstance(item, list) and len(item) == 2)
            if isinstance(mark, str) and isinstance(n, int) and n > 0} if isinstance(marks, list) else {}
