"""What one look at a trajectory saw, as plain data: :class:`RunSummary`, its :class:`Best` values, the run's
status read from the event log (:func:`run_status`) and one line per parameter (:func:`describe_parameter`).

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from l2l.numbers import number
from l2l.objectives import Objective

if TYPE_CHECKING:
    from l2l.parameters import Parameter


STATUSES = ("created", "running", "interrupted", "running or interrupted", "stopped", "finished", "failed")
#: The event kinds that start a writer; a run whose last event is one of them has not ended.
START_EVENTS = ("started", "resumed")
#: The reason of a run finished by one of its budgets, by the limit its ``finished`` event names.
LIMITS = {"evaluations": "run.evaluations used up", "max_time": "run.max_time over"}
#: The error of a ``failed`` event where backend ``dask`` lost its scheduler (:class:`l2l.jobs.dask.SchedulerGone`;
#: an ExecutorError in files written before that class): the run stopped, and resumes like a stopped one.
SCHEDULER_GONE = re.compile(r"(?:SchedulerGone|ExecutorError): backend 'dask': the scheduler at (.+?) is gone \(")


@dataclass(frozen=True)
class Best:
    """The best value of one objective and which evaluation reached it."""

    value: float
    generation: int
    individual: int


@dataclass(frozen=True)
class RunSummary:
    """What one look at a trajectory saw. Plain data: render it as text, HTML or anything else."""

    path: str
    name: str
    seed: int | None
    optimizer: dict[str, Any]
    simulator: dict[str, Any]
    backend: dict[str, Any]
    host: str
    created: str
    l2l_version: str
    schema_version: int
    objectives: tuple[Objective, ...]
    #: One line per parameter: name, type, bounds or choices, scale, shape (see :func:`describe_parameter`).
    parameters: tuple[str, ...]
    status: str
    reason: str
    generations: int
    planned_generations: int | None
    evaluations: int
    failed: int
    timeouts: int
    best: dict[str, Best]
    #: Seconds since the epoch of the first event, of the last event and of the last finished evaluation.
    started: float | None
    last_event_time: float | None
    last_completion: float | None
    #: "generation G, individual I: <last line of the error>" of the last unsuccessful evaluation.
    last_error: str
    #: Multi-fidelity runs: candidates by state (completed, stopped, paused; running at the last commit, or
    #: interrupted there: to be run again by ``l2l resume``), the candidates promoted at least once (also
    #: counted in their state), and the compute spent and allowed in fidelity units (with the fidelity's unit).
    candidates: dict[str, int] | None = None
    compute: tuple[float, float, str] | None = None
    #: The row (in file order) of the last unsuccessful evaluation, None if none failed (or not known).
    last_unsuccessful: int | None = None
    #: Budgets of the run (0: none): evaluations in all, and wall time (seconds over the run's life) with the
    #: time spent by the last commit.
    planned_evaluations: int = 0
    max_time: float = 0.0
    elapsed: float | None = None
    #: A one-line sweep under a policy (``[policy] max_candidates``): its compute budget is the most the
    #: sweep could cost, which it rarely spends (its candidates end it), so it reads "of at most".
    sweep: bool = False
    #: A one-line sweep without ``run.compute``: the most its candidates cost when segments continue from
    #: checkpoints (the compute budget above is what they cost if every segment restarts), as the banner of
    #: ``l2l run`` gives it; None where it does not apply (a compute budget given, segments seen restarting).
    continued_bound: float | None = None
    #: Where the run's sessions ran (:func:`l2l.analysis.sessions.backend_text`): the backend it was created with
    #: as JSON, or with each resume on another backend (``l2l resume --backend/--workers``) named and numbered.
    backends: str = ""
    #: The ``[policy]`` that scheduled the candidates ('' for none), named in :attr:`description` as ``l2l compare``
    #: labels a run: ``random + asha``, or ``model-based`` alone, which proposes its candidates itself.
    policy: str = ""
    #: The rows appended after the last commit of a run interrupted or stopped that ``l2l resume`` drops and runs
    #: again (Ctrl-C appends the results that came in and commits nothing; a run killed), and their compute in
    #: fidelity units (0 for a run without one): :func:`l2l.results_schema.in_flight.rerun_rows`.
    rerun: int = 0
    rerun_compute: float = 0.0

    @property
    def status_text(self) -> str:
        """The status with its reason, e.g. ``stopped (SIGTERM)``."""
        return f"{self.status} ({self.reason})" if self.reason else self.status

    @property
    def cut_short(self) -> tuple[str, str] | None:
        """Of a policy run that ``run.evaluations`` or ``run.max_time`` ended before any candidate reached the top
        budget (finished, 0 completed: it said only 'finished (run.evaluations used up)'), what ended it
        (``the cap of 50 segments (run.evaluations)``) and the option of ``l2l resume`` that lets it go on
        (``--evaluations``); None for any other run."""
        states = self.candidates
        if states is None or not self.policy or self.status != "finished" or states.get("completed") \
                or any(states.get(state) for state in ("running", "interrupted")):
            return None
        if self.reason == LIMITS["evaluations"]:
            n = self.planned_evaluations or self.evaluations
            return f"the cap of {n} segment{'s' * (n != 1)} (run.evaluations)", "--evaluations"
        if self.reason == LIMITS["max_time"]:
            return f"the time limit of {number(self.max_time)} s (run.max_time)", "--max-time"
        return None

    @property
    def unsuccessful(self) -> int:
        return self.failed + self.timeouts

    @property
    def description(self) -> str:
        names = [str(part.get("name", "?")) for part in (self.optimizer, self.simulator, self.backend)]
        moved = self.backends and self.backends != json.dumps(self.backend)  # a resume ran elsewhere
        proposer = names[0]
        if self.policy:  # before, 'random on sphere' for an asha run, 'auto on sphere' for a model-based one
            try:
                from l2l.policies import POLICIES

                proposes = bool(getattr(POLICIES.get(self.policy), "proposes", False))
            except Exception:  # noqa: BLE001 - a policy this version does not know: named with the optimizer
                proposes = False
            proposer = self.policy if proposes else f"{names[0]} + {self.policy}"
        return f"{proposer} on {names[1]}, backend {self.backends if moved else names[2]}"

    @property
    def ended(self) -> bool:
        return self.status in ("stopped", "finished", "failed")


# -- parameters ---------------------------------------------------------------------------------
def _number(value: Any) -> str:
    return number(value) if isinstance(value, float) else str(value)


def describe_parameter(parameter: Parameter) -> str:
    """``w float [-1, 1] shape 4x4``, ``lr float [0.0001, 0.1] log``, ``kind categorical {a, b}``."""
    kind = parameter.kind
    if kind == "categorical":
        text = f"{parameter.name} categorical {{{', '.join(str(c) for c in parameter.choices)}}}"
    elif parameter.bounded:
        text = f"{parameter.name} {kind} [{_number(parameter.low)}, {_number(parameter.high)}]"
        if parameter.log:
            text += " log"
    else:
        text = (f"{parameter.name} {kind} unbounded, from {_number(parameter.default)} "
                f"in steps of about {_number(parameter.scale)}")
        if parameter.log:
            text += " log"
    if parameter.shape:
        text += " shape " + "x".join(str(n) for n in parameter.shape)
    if getattr(parameter, "default", None) is not None and parameter.bounded:
        text += f" default {_number(parameter.default) if kind != 'categorical' else parameter.default}"
    return text


# -- status -------------------------------------------------------------------------------------
def event_detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return {"text": text} if text else {}
    return value if isinstance(value, dict) else {"text": str(value)}


def writer_alive(path: str | os.PathLike) -> bool | None:
    """Whether a process writes ``path`` now (see :func:`l2l.results_schema.lock.writer_alive`)."""
    from l2l.results_schema.lock import writer_alive as alive
    return alive(path)


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


def status_codes() -> dict[str, int]:
    from l2l.results_schema.layout import STATUS_CODES
    return STATUS_CODES
