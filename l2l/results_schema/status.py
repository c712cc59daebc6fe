"""A run's status, read from its file's event log and whether a writer is alive (:func:`run_status`): ``l2l show``
(:mod:`l2l.summary`, which hands these names on) and the in-flight candidates of :mod:`l2l.results_schema.in_flight`
both ask it.

Statuses (:data:`STATUSES`):

``created``
    the file exists, no run has started writing it;
``running``
    the last event is ``started``/``resumed`` and the writer process is alive
    (known when it runs on this host);
``interrupted``
    the last event is ``started``/``resumed`` but no process writes the file
    any more (killed, crashed, machine lost): ``l2l resume`` continues it;
``running or interrupted``
    as above, but the writer runs on another host, so this host cannot tell;
``stopped``
    stopped on request (Ctrl-C, a signal, a walltime warning), or as backend ``dask`` lost its scheduler (recorded
    as a failure, but nothing failed: ``l2l resume`` goes on once a scheduler is there); the reason says which;
``finished``
    every planned generation is done (or the optimizer said it was done);
``failed``
    the run ended on an error; the reason is its message.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

STATUSES = ("created", "running", "interrupted", "running or interrupted", "stopped", "finished", "failed")
#: The event kinds that start a writer; a run whose last event is one of them has not ended.
START_EVENTS = ("started", "resumed")
#: The reason of a run finished by one of its budgets, by the limit its ``finished`` event names.
LIMITS = {"evaluations": "run.evaluations used up", "max_time": "run.max_time over"}
#: The error of a ``failed`` event where backend ``dask`` lost its scheduler
#: (:class:`l2l.jobs.dask_existing.SchedulerGone`; an ExecutorError in files written before that class): the run
#: stopped, and resumes like a stopped one.
SCHEDULER_GONE = re.compile(r"(?:SchedulerGone|ExecutorError): backend 'dask': the scheduler at (.+?) is gone \(")


def event_detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return {"text": text} if text else {}
    return value if isinstance(value, dict) else {"text": str(value)}


def run_status(kinds: list[str], details: list[str], alive: bool | None,
               path: str | os.PathLike | None = None, function: bool | str = False) -> tuple[str, str]:
    """The status (one of :data:`STATUSES`) and its reason from the event log and the writer's liveness;
    ``path``, the run's file, is named in the command that continues a run stopped by its Dask scheduler's
    going away; ``function``: the run's simulator was a function passed to l2l.run, which no command can pass (its
    name, :func:`l2l.words.passed_as`; True: ``function``)."""
    if not kinds:
        return "created", "not started"
    last, detail = kinds[-1], event_detail(details[-1] if details else "")
    if last == "finished":  # a budget that ended the run is its reason (the planned work may be unfinished)
        if isinstance(detail.get("target"), dict):  # run.target reached: l2l show's target line says by whom
            return "finished", "target reached"
        return "finished", LIMITS.get(str(detail.get("limit")), "")
    if last == "stopped":
        reason = str(detail.get("reason") or detail.get("text") or "")
        return "stopped", reason
    if last == "failed":
        error = str(detail.get("error") or detail.get("reason") or detail.get("text") or "")
        gone = SCHEDULER_GONE.match(error)
        if gone:  # before: 'failed (ExecutorError: ...)', of a run that resumes like a stopped one
            from l2l.errors import command

            again = command("l2l", "resume", os.path.abspath(path)) if path is not None else "l2l resume FILE"
            return "stopped", (f"the Dask scheduler at {gone.group(1)} went away; every finished evaluation is "
                               f"kept: start the scheduler and its workers again, then continue with: {again}")
        return "failed", error
    if last in START_EVENTS:
        if alive:
            return "running", ""
        if alive is False:
            how = (f"l2l.resume(FILE, simulator={function if isinstance(function, str) else 'function'}) from Python "
                   f"(its simulator was a function passed to l2l.run)" if function else "l2l resume")
            return "interrupted", f"no process writes the file and the run did not end; continue with {how}"
        return "running or interrupted", "written from another host, or by a process that is gone"
    return last, str(detail.get("text") or detail.get("reason") or "")
