"""What one look at a trajectory saw, as plain data: :class:`RunSummary`, its :class:`Best` values and one line per
parameter (:func:`describe_parameter`). The run's status read from the event log (:func:`run_status`, the statuses
:data:`STATUSES`) is defined in :mod:`l2l.results_schema.status`, beside the file it reads, and importable from here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from l2l.numbers import number
from l2l.objectives import Objective
from l2l.results_schema.status import (LIMITS, SCHEDULER_GONE, START_EVENTS, STATUSES,  # noqa: F401
                                      event_detail, run_status)

if TYPE_CHECKING:
    from l2l.parameters import Parameter


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
    #: Where the run's sessions ran (:func:`l2l.sessions.backend_text`): the backend it was created with
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
def writer_alive(path: str | os.PathLike) -> bool | None:
    """Whether a process writes ``path`` now (see :func:`l2l.results_schema.lock.writer_alive`)."""
    from l2l.results_schema.lock import writer_alive as alive
    return alive(path)


def status_codes() -> dict[str, int]:
    from l2l.results_schema.layout import STATUS_CODES
    return STATUS_CODES
