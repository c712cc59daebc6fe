"""One summary of a run, read from its trajectory; ``l2l show``, ``l2l report`` and ``l2l watch`` all render it.

:func:`summarize` turns a :class:`~l2l.results_schema.reader.Trajectory` into
a plain :class:`RunSummary`: the status of the run with its reason,
generations done of planned, evaluations and failures, the best value of
each objective, and every parameter with its bounds and shape. Given the
summary of an earlier look at the same file it reads only the rows committed
since (what ``watch`` does every few seconds).

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
    stopped on request (Ctrl-C, a signal, a walltime warning); the reason says which;
``finished``
    every planned generation is done (or the optimizer said it was done);
``failed``
    the run ended on an error; the reason is its message.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from l2l.objectives import Objective, pareto_front_mask

if TYPE_CHECKING:
    import pandas as pd

    from l2l.parameters import Parameter
    from l2l.results_schema.reader import Trajectory

STATUSES = ("created", "running", "interrupted", "running or interrupted", "stopped", "finished", "failed")
#: The event kinds that start a writer; a run whose last event is one of them has not ended.
START_EVENTS = ("started", "resumed")


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

    @property
    def status_text(self) -> str:
        """The status with its reason, e.g. ``stopped (SIGTERM)``."""
        return f"{self.status} ({self.reason})" if self.reason else self.status

    @property
    def unsuccessful(self) -> int:
        return self.failed + self.timeouts

    @property
    def description(self) -> str:
        names = [str(part.get("name", "?")) for part in (self.optimizer, self.simulator, self.backend)]
        moved = self.backends and self.backends != json.dumps(self.backend)  # a resume ran elsewhere
        return f"{names[0]} on {names[1]}, backend {self.backends if moved else names[2]}"

    @property
    def ended(self) -> bool:
        return self.status in ("stopped", "finished", "failed")


# -- parameters ---------------------------------------------------------------------------------
def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


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
def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return {"text": text} if text else {}
    return value if isinstance(value, dict) else {"text": str(value)}


def writer_alive(path: str | os.PathLike) -> bool | None:
    """Whether a process writes ``path`` now (see :func:`l2l.results_schema.lock.writer_alive`)."""
    from l2l.results_schema.lock import writer_alive as alive
    return alive(path)


def run_status(kinds: list[str], details: list[str], alive: bool | None) -> tuple[str, str]:
    """The status (one of :data:`STATUSES`) and its reason from the event log and the writer's liveness."""
    if not kinds:
        return "created", "not started"
    last, detail = kinds[-1], _detail(details[-1] if details else "")
    if last == "finished":  # a budget that ended the run is its reason (the planned work may be unfinished)
        return "finished", {"evaluations": "run.evaluations used up", "max_time": "run.max_time over"}.get(
            str(detail.get("limit")), "")
    if last == "stopped":
        reason = str(detail.get("reason") or detail.get("text") or "")
        return "stopped", reason
    if last == "failed":
        return "failed", str(detail.get("error") or detail.get("reason") or detail.get("text") or "")
    if last in START_EVENTS:
        if alive:
            return "running", ""
        if alive is False:
            return "interrupted", "no process writes the file and the run did not end; continue with l2l resume"
        return "running or interrupted", "written from another host, or by a process that is gone"
    return last, str(detail.get("text") or detail.get("reason") or "")


# -- reading ------------------------------------------------------------------------------------
def _rows(trajectory: Trajectory, start: int, stop: int) -> dict[str, np.ndarray]:
    """The columns the summary needs of committed rows ``start:stop``, in file order."""
    # Only these few columns of the new rows are read, so a refresh of a large run stays cheap.
    names = ("status", "generation", "individual", "started", "duration")
    if trajectory.multi_fidelity:
        names += ("budget",)
    data = trajectory.rows(names + tuple(f"objectives/{o.name}" for o in trajectory.objectives), start, stop)
    for objective in trajectory.objectives:
        data[f"objective:{objective.name}"] = data.pop(f"objectives/{objective.name}")
    return data


def _status_codes() -> dict[str, int]:
    from l2l.results_schema.layout import STATUS_CODES
    return STATUS_CODES


def _counts_of(previous: RunSummary | None) -> dict[str, Any]:
    return {"failed": previous.failed if previous else 0, "timeouts": previous.timeouts if previous else 0,
            "best": dict(previous.best) if previous else {},
            "last_completion": previous.last_completion if previous else None,
            "last_error": previous.last_error if previous else "",
            "last_unsuccessful": previous.last_unsuccessful if previous else None}


def _error_line(trajectory: Trajectory, row: int, generation: Any, individual: Any, budget: Any = None) -> str:
    """Where an evaluation failed and why; in a run with a ``[policy]`` (``budget`` given) by its trial and
    budget, as ``l2l show``, the report and ``l2l.load`` name a candidate (its generation is a commit's)."""
    where = f"trial {individual}, budget {float(budget):g}" if budget is not None else \
        f"generation {generation}, individual {individual}"
    return f"{where}: {error_message(trajectory.error_text(row))}"


def error_message(text: str) -> str:
    """The line of an error text that says what went wrong: the last one, before the output tails and the
    working directory that the ``command`` simulator appends after its message (lines from ``--- ``)."""
    lines = text.splitlines()
    tails = next((i for i, line in enumerate(lines) if line.startswith("--- ")), len(lines))
    return next((line.strip() for line in reversed(lines[:tails]) if line.strip()), "(no error text)")


def _stored_counts(trajectory: Trajectory) -> tuple[dict[str, Any], int] | None:
    """The counts of the running statistics stored with the last generation and the rows they cover; None if
    the file has none (written before them) or the run is multi-fidelity (whose best is at the top budget)."""
    if trajectory.multi_fidelity:
        return None
    record = trajectory.statistics()
    if record is None:
        return None
    codes = _status_codes()
    try:
        status = record["status"]
        best = {o.name: Best(float(record["best"][o.name][0]), int(record["best"][o.name][1]),
                             int(record["best"][o.name][2]))
                for o in trajectory.objectives if record["best"].get(o.name) is not None}
        unsuccessful = record["last_unsuccessful"]
        if unsuccessful is not None and not 0 <= int(unsuccessful[0]) < int(record["rows"]):
            return None
        completion = record["last_completion"]
        counts = {"failed": int(status[codes["failed"]]), "timeouts": int(status[codes["timeout"]]), "best": best,
                  "last_completion": None if completion is None else float(completion),
                  "last_error": _error_line(trajectory, int(unsuccessful[0]), int(unsuccessful[1]),
                                            int(unsuccessful[2])) if unsuccessful else "",
                  "last_unsuccessful": int(unsuccessful[0]) if unsuccessful else None}
    except (KeyError, IndexError, TypeError, ValueError):  # a record that does not hold together: count rows
        return None
    return counts, int(record["rows"])


#: The failure line reads this many rows at most, up to the last unsuccessful one (``l2l show`` of a very
#: large run reads a bounded number of rows); the failures before them are counted, not described.
FAILURE_ROWS = 128
#: How wide the failure line gets, and one reason in it.
FAILURE_WIDTH = 150
REASON_WIDTH = 70


def failure_line(trajectory: Trajectory, summary: RunSummary) -> str:
    """Why evaluations failed, in one line, most frequent reason first: ``9 failed: 7 × "ValueError: x must be
    positive", 2 × timeout`` ("" if none failed). A reason is the line of the error text that says what went
    wrong (:func:`error_message`), a timeout says ``timeout``. Only the :data:`FAILURE_ROWS` rows up to the last
    unsuccessful one are read: a run with failures before them says how many of the last it describes."""
    from collections import Counter

    from l2l.results_schema import frames

    total = summary.unsuccessful
    n = trajectory.n_evaluations
    if not total or not n:
        return ""
    codes = _status_codes()
    end = n if summary.last_unsuccessful is None else min(n, summary.last_unsuccessful + 1)
    start = max(0, end - FAILURE_ROWS)
    status = trajectory.rows(("status",), start, end)["status"]
    bad = np.flatnonzero(status != codes["ok"]) + start
    if not len(bad):  # (the summary's count alone: the progress line has it)
        return ""
    columns = trajectory._columns(("error_start", "error_length"), n, bad)
    texts = frames.error_texts(trajectory, columns["error_start"], columns["error_length"])
    reasons = Counter("timeout" if code == codes["timeout"] else _quoted(error_message(text or ""))
                      for code, text in zip(status[bad - start], texts))
    some = len(bad) < total
    head = f"{total} failed" + (f" (the last {len(bad)}: " if some else ": ")
    parts: list[str] = []
    for i, (reason, count) in enumerate(reasons.most_common()):
        part = f"{count} × {reason}"
        rest = len(reasons) - i - 1
        more = f", {rest} other reason{'s' * (rest != 1)}" if rest else ""
        if parts and len(head) + len(", ".join(parts + [part])) + len(more) > FAILURE_WIDTH:
            parts.append(f"{rest + 1} other reason{'s' * (rest > 0)}")
            break
        parts.append(part)
    return head + ", ".join(parts) + (")" if some else "")


def _quoted(message: str) -> str:
    if len(message) > REASON_WIDTH:
        message = message[:REASON_WIDTH - 3].rstrip() + "..."
    return f'"{message}"'


def best_frame(trajectory: Trajectory, n: int) -> pd.DataFrame:
    """The evaluations :func:`best_table` needs to show the ``n`` best (``evaluations(errors=False)`` rows).

    With the running statistics of the last generation, only the best rows they kept (the ``TOP_ROWS`` best
    of a single objective, the Pareto front of two) and the rows committed since are read; otherwise all.
    """
    from l2l.results_schema.statistics import TOP_ROWS

    record = None if trajectory.multi_fidelity else trajectory.statistics()
    kind = {1: "top", 2: "front"}.get(len(trajectory.objectives))
    if record is not None and kind and record.get(kind) is not None and (kind == "front" or n <= TOP_ROWS):
        rows = np.concatenate([np.asarray(record[kind], dtype=np.int64),
                               np.arange(int(record["rows"]), trajectory.n_evaluations)])
        return trajectory.evaluations_at(rows)
    return trajectory.evaluations(errors=False)


def _merge(trajectory: Trajectory, counts: dict[str, Any], start: int, stop: int) -> dict[str, Any]:
    """``counts`` with the committed rows ``start:stop`` added."""
    if stop <= start:
        return counts
    codes = _status_codes()
    rows = _rows(trajectory, start, stop)
    status = rows["status"]
    counts["failed"] += int((status == codes["failed"]).sum())
    counts["timeouts"] += int((status == codes["timeout"]).sum())
    completion = rows["started"] + rows["duration"]
    if np.isfinite(completion).any():
        latest = float(np.nanmax(completion))
        counts["last_completion"] = max(latest, counts["last_completion"] or latest)
    ok = status == codes["ok"]
    found = ok.copy()
    if "budget" in rows and trajectory.top_budget is not None:  # a multi-fidelity run: results at the top budget
        found &= np.isclose(rows["budget"], trajectory.top_budget)
    for objective in trajectory.objectives:
        values = np.where(found, rows[f"objective:{objective.name}"], np.nan) * objective.sign
        if not np.isfinite(values).any():
            continue
        i = int(np.nanargmax(values))
        best = counts["best"].get(objective.name)
        if best is None or values[i] > best.value * objective.sign:
            counts["best"][objective.name] = Best(float(values[i] * objective.sign), int(rows["generation"][i]),
                                                  int(rows["individual"][i]))
    bad = np.flatnonzero(~ok)
    if len(bad):
        i = int(bad[-1])
        config = trajectory.run.get("config")
        budget = rows["budget"][i] if "budget" in rows and isinstance(config, dict) and "policy" in config else None
        counts["last_error"] = _error_line(trajectory, start + i, rows["generation"][i], rows["individual"][i],
                                           budget)
        counts["last_unsuccessful"] = start + i
    return counts


def summarize(trajectory: Trajectory, previous: RunSummary | None = None) -> RunSummary:
    """The summary of ``trajectory``; with ``previous`` (an earlier summary of the same file) only new rows are read."""
    from l2l.analysis.sessions import backend_text

    alive = writer_alive(trajectory.path)  # before the events: a writer that ends in between shows as finished
    events = trajectory.events()
    kinds, details = list(events["kind"]), list(events["detail"])
    times = [t.timestamp() for t in events["time"]]
    status, reason = run_status(kinds, details, alive)
    n = trajectory.n_evaluations
    if previous is not None and (previous.evaluations > n or previous.path != str(trajectory.path)):
        previous = None  # another file under the same name
    stored = _stored_counts(trajectory) if previous is None else None
    if stored is not None:  # the statistics stored with the last generation, then the rows committed since
        counts = _merge(trajectory, stored[0], stored[1], n)
    else:
        counts = _merge(trajectory, _counts_of(previous), previous.evaluations if previous else 0, n)
    run = trajectory.run
    config = run.get("config") if isinstance(run.get("config"), dict) else {}
    run_config = config.get("run") if isinstance(config.get("run"), dict) else {}
    policy = config.get("policy") if isinstance(config.get("policy"), dict) else {}
    planned = run_config.get("generations")
    budgets = {"evaluations": run_config.get("evaluations", 0), "max_time": run_config.get("max_time", 0),
               "compute": None}
    for kind, detail in zip(reversed(kinds), reversed(details)):  # `resume --generations G` extends the plan
        if kind == "resumed":
            planned = _detail(detail).get("generations", planned)
            budgets = {key: _detail(detail).get(key, value) for key, value in budgets.items()}
            break
    planned = planned or None  # 0: no generation limit (a run with an evaluation or time budget)
    elapsed = None
    if budgets["max_time"] and trajectory.n_generations:
        try:
            elapsed = float(trajectory.state()["loop"].get("elapsed"))
        except Exception:  # noqa: BLE001 - a summary never fails on what it only reports
            elapsed = None
    versions = run.get("versions") if isinstance(run.get("versions"), dict) else {}

    def part(key: str) -> dict[str, Any]:
        value = run.get(key)
        return value if isinstance(value, dict) else {"name": str(value)}

    candidates, compute, restarts = _multi_fidelity(trajectory, allowed=budgets["compute"],
                                                    running=status in ("running", "running or interrupted"))
    continued = None
    fidelity = trajectory.run.get("fidelity") if isinstance(trajectory.run.get("fidelity"), dict) else {}
    # Every resume records the compute it ran toward: the default one too, which is no budget of the user's.
    created = trajectory.stored_run.get("fidelity") if isinstance(trajectory.stored_run.get("fidelity"), dict) else {}
    default = budgets["compute"] is None or budgets["compute"] == created.get("compute")
    if compute is not None and compute[1] is not None and default and not restarts \
            and not run_config.get("compute"):  # the default budget: what the sweep costs if segments restart
        continued = _continued_bound(policy, fidelity, compute[1])
    return RunSummary(
        candidates=candidates, compute=compute, continued_bound=continued,
        backends=backend_text(part("backend"), kinds, details),
        path=str(trajectory.path), name=str(run.get("name", trajectory.path.stem)), seed=run.get("seed"),
        optimizer=part("optimizer"), simulator=part("simulator"), backend=part("backend"),
        host=str(run.get("host", "?")), created=str(run.get("created", "?")),
        l2l_version=str(versions.get("l2l", "?")), schema_version=trajectory.schema_version,
        objectives=tuple(trajectory.objectives),
        parameters=tuple(describe_parameter(p) for p in trajectory.space.parameters),
        status=status, reason=reason, generations=trajectory.n_generations,
        planned_generations=planned if isinstance(planned, int) else None, evaluations=n,
        planned_evaluations=int(budgets["evaluations"] or 0) if isinstance(budgets["evaluations"], int) else 0,
        max_time=float(budgets["max_time"] or 0) if isinstance(budgets["max_time"], (int, float)) else 0.0,
        elapsed=elapsed, sweep=bool(policy.get("max_candidates")),
        started=times[0] if times else None, last_event_time=times[-1] if times else None, **counts)


def _multi_fidelity(trajectory: Trajectory, running: bool = True, allowed: Any = None
                    ) -> tuple[dict[str, int] | None, tuple[float, float | None, str] | None, bool]:
    """Candidates by state and compute spent of a multi-fidelity run, and whether its segments restart (a
    candidate trained again, never from a checkpoint); (None, None, False) for other runs.

    The segments in flight at the last commit count as ``running`` only while a writer may still run them
    (``running``); those of an interrupted or stopped run count as ``interrupted``: ``l2l resume`` runs them
    again (:data:`INTERRUPTED`)."""
    from l2l.results_schema.frames import segment_compute

    if not trajectory.multi_fidelity:
        return None, None, False
    segments = trajectory.evaluations(errors=False, segments=True)
    last = segments.drop_duplicates("trial", keep="last")
    counts = {state: int((last["state"] == state).sum()) for state in ("completed", "stopped", "paused")}
    # candidates promoted at least once (a candidate promoted twice counts once; they are counted above too)
    counts["promoted"] = int(segments.loc[segments["state"] == "promoted", "trial"].nunique())
    if trajectory.n_generations and not trajectory.finished():
        try:
            in_flight = len(trajectory.state()["loop"].get("in_flight", []))
        except Exception:  # noqa: BLE001 - a summary never fails on what it only counts
            in_flight = None
        if running and in_flight is not None:
            counts["running"] = in_flight
        elif in_flight:
            counts["interrupted"] = in_flight
    fidelity = trajectory.run.get("fidelity") if isinstance(trajectory.run.get("fidelity"), dict) else {}
    spent = float(segment_compute(segments).sum())  # every attempt of a segment, the failed retried ones too
    if allowed is None:  # the run's compute budget, unless `resume --compute` raised it
        allowed = fidelity.get("compute")  # None without a policy (a Lamarckian run has generations, not compute)
    allowed = float(allowed) if isinstance(allowed, (int, float)) and not isinstance(allowed, bool) else None
    restarts = bool(segments["trial"].duplicated().any()) and not bool((segments["from_budget"] > 0).any())
    return counts, (spent, allowed, str(fidelity.get("unit") or fidelity.get("name") or "budget units")), restarts


def _continued_bound(policy: Any, fidelity: Any, allowed: float) -> float | None:
    """What the candidates of a one-line sweep (``[policy] max_candidates``) cost at most when segments continue
    from checkpoints, from the policy and rungs stored with the run (``l2l run``'s banner gives the same); None
    where it does not apply or is not below ``allowed`` (the budget if every segment restarts)."""
    if not isinstance(policy, dict) or not policy.get("max_candidates") or not isinstance(fidelity, dict):
        return None
    try:  # a summary never fails on what it only reports (a file from another version, a policy not registered)
        from l2l.policies import POLICIES

        created = POLICIES.create(str(policy["name"]), {k: v for k, v in policy.items() if k != "name"})
        bound = created.continued_compute([float(b) for b in fidelity["rungs"]])
    except Exception:  # noqa: BLE001
        return None
    return float(bound) if isinstance(bound, (int, float)) and bound < allowed else None


def summary_of(path: str | os.PathLike) -> RunSummary:
    """Open ``path``, summarize it, close it."""
    from l2l.results_schema.reader import Trajectory

    with Trajectory(path) as trajectory:
        return summarize(trajectory)


# -- text ---------------------------------------------------------------------------------------
def best_table(trajectory: Trajectory, frame: pd.DataFrame, n: int) -> str:
    """The ``n`` best successful evaluations (one objective) or the Pareto front (several), as text.

    Multi-fidelity runs rank at the top budget; repeats of a candidate are averaged (:mod:`l2l.analysis.best`).
    """
    import pandas as pd

    from l2l.analysis.best import REPEATS_NOTE, best_candidates, ranked, tie_note, tied_with_best, with_repeats

    ok = ranked(frame, trajectory.top_budget if "trial" in frame.columns else None)
    if ok.empty:
        return "no successful evaluation"
    objectives = trajectory.objectives
    parameters = trajectory.space.columns()
    columns = ["generation", "individual"] + [o.name for o in objectives] + parameters[:SHOWN_PARAMETERS]
    if "trial" in ok.columns:  # a multi-fidelity run: candidates at the top budget rank first
        columns = ["trial", "budget", "state"] + columns[2:]
    if len(objectives) == 1:
        o = objectives[0]
        best, averaged = best_candidates(ok, o, parameters, n)
        title = f"best {len(best)} by {o.name} ({o.direction}):"
        if averaged:
            columns = with_repeats(columns, o.name)
            best = best.assign(sd=[f"{v:.6f}" if np.isfinite(v) else "-" for v in best["sd"]])
            title = f"best {len(best)} by {o.name} ({o.direction}; {REPEATS_NOTE}):"
    else:
        scores = ok[[o.name for o in objectives]].to_numpy() * np.array([o.sign for o in objectives])
        best = ok[pareto_front_mask(scores)]
        title = f"Pareto front ({len(best)} evaluations):"
        best = best.head(20)
    top = trajectory.top_budget if "trial" in ok.columns else None
    if top is not None and not np.isclose(ok["budget"].to_numpy(dtype=float), top).any():
        # no candidate has reached the top budget (a run cut short): a low budget's loss is no final result
        title = title[:-1] + f" - no candidate reached the top budget {top:g}; these are results at lower budgets:"
    ties = ""
    if len(objectives) == 1 and not trajectory.has_reevaluations:  # l2l reevaluate's ranking tells them apart
        from l2l.results_schema.statistics import TOP_ROWS

        # counted up to TOP_ROWS: best_frame reads only the best rows that the running statistics keep (as many)
        tied = min(tied_with_best(ok, objectives[0], parameters), TOP_ROWS)
        ties = tie_note(tied, objectives[0], float(best[objectives[0].name].iloc[0]), str(trajectory.path),
                        at_least=tied == TOP_ROWS)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        return (title + "\n" + best[columns].to_string(index=False) + more_parameters(parameters)
                + ("\n" + ties if ties else ""))


#: Parameter columns a text table shows; the others are named below it.
SHOWN_PARAMETERS = 8


def more_parameters(columns: list[str]) -> str:
    """The line under a text table that names the parameter columns it leaves out ("" if none)."""
    hidden = columns[SHOWN_PARAMETERS:]
    if not hidden:
        return ""
    return (f"\n(+{len(hidden)} more parameter column{'s' if len(hidden) > 1 else ''} not shown: "
            f"{', '.join(hidden)}; l2l.load(FILE) has every column)")


def progress_line(summary: RunSummary, status: bool = True, resuming: bool = False) -> str:
    """How far the run is: generations and evaluations (candidates, segments and compute for a policy run),
    the budgets used, and with ``status`` its status.

    ``resuming``: the summary was taken by ``l2l resume`` holding the file (so it looks running): the segments
    in flight at the last commit read as interrupted, as ``l2l show`` says of the run before the resume."""
    line = _progress(summary, resuming)
    return f"{line}, status: {summary.status_text}" if status else line


#: The counts of a multi-fidelity summary that are not candidates of their own: candidates promoted (counted in
#: their state too), and the
#: segments in flight at the last commit (running, or interrupted), of candidates counted as paused or not yet.
NOT_CANDIDATES = ("promoted", "running", "interrupted")
#: How a state reads in a progress line where its name alone would not say enough.
INTERRUPTED = "interrupted, to be rerun by l2l resume"
STATE_TEXT = {"interrupted": INTERRUPTED}


def _progress(summary: RunSummary, resuming: bool = False) -> str:
    budget = f" of {summary.planned_evaluations}" if summary.planned_evaluations else ""
    time_used = ""
    if summary.max_time:
        time_used = f", time limit {summary.max_time:g} s" if summary.elapsed is None else \
            f", time {summary.elapsed:.1f} of {summary.max_time:g} s"  # (no commit yet: time unknown)
    if summary.candidates is not None and summary.compute is not None and summary.compute[1] is not None:
        spent, allowed, unit = summary.compute
        shown = {**STATE_TEXT, **({"running": INTERRUPTED} if resuming else {})}
        states = ", ".join(f"{n} {shown.get(state, state)}" for state, n in summary.candidates.items()
                           if state != "promoted" and (n or state not in ("running", "interrupted")))
        if "promoted" in summary.candidates:  # not a state of its own: some of the candidates above were promoted
            states += f"; {summary.candidates['promoted']} of them promoted"
        # a sweep rarely spends its budget: "at most", unless its last segment went past it (by one segment)
        bound = f"{'at most ' if summary.sweep and spent <= allowed else ''}{allowed:g} {unit}"
        if summary.continued_bound is not None:  # the banner's two bounds
            bound = (f"at most {summary.continued_bound:g} {unit} if segments continue from checkpoints "
                     f"({allowed:g} if they restart)")
        count = sum(v for k, v in summary.candidates.items() if k not in NOT_CANDIDATES)
        segments = "segments" if budget or summary.evaluations != 1 else "segment"  # "1 of 5 segments"
        return (f"{count} candidate{'s' * (count != 1)} ({states}), {summary.evaluations}{budget} {segments} "
                f"({summary.unsuccessful} failed), compute {spent:g} of {bound}{time_used}")
    planned = f" of {summary.planned_generations}" if summary.planned_generations is not None else ""
    generations = "generations" if planned or summary.generations != 1 else "generation"  # "1 of 3 generations"
    if summary.compute is not None:  # segments of a run without a policy (Lamarckian inheritance)
        spent, _, unit = summary.compute
        return (f"{summary.generations}{planned} {generations}, {summary.evaluations}{budget} segments "
                f"({summary.unsuccessful} failed), compute {spent:g} {unit}{time_used}")
    return (f"{summary.generations}{planned} {generations}, {summary.evaluations}{budget} evaluations "
            f"({summary.unsuccessful} failed){time_used}")


def _policy_lines(trajectory: Trajectory) -> list[str]:
    """The ``policy`` line of ``l2l show`` (none without a [policy]): its options as stored, read back as a resume
    reads them (so a run started before a default changed shows the value it runs with)."""
    stored = trajectory.run.get("config", {}).get("policy")
    if not isinstance(stored, dict):
        return []
    from l2l.components import stored_policy

    fidelity = trajectory.run.get("fidelity")
    resolved = _pbt_options(stored, fidelity) if stored.get("name") == "pbt" else None
    text = json.dumps(stored_policy(stored)) if resolved is None else resolved
    if stored.get("name") == "model-based":
        text += "  (it proposes every candidate: the optimizer is not used)"
    return [f"policy     {text}"]


def _pbt_options(stored: dict[str, Any], fidelity: Any) -> str | None:
    """PBT's options as the run runs them: every option (a ``run.policy = "pbt"`` stores only the population),
    the interval and max_budget as derived from the budgets when left at 0, and which were derived; None if the
    stored table cannot be read back (a file from another version)."""
    import dataclasses

    from l2l.policies import POLICIES

    rungs = fidelity.get("rungs") if isinstance(fidelity, dict) else None
    try:  # a summary never fails on what it only reports
        policy = POLICIES.create("pbt", {k: v for k, v in stored.items() if k != "name"})
        options = {f.name: getattr(policy, f.name) for f in dataclasses.fields(policy) if f.init}
        if not rungs:
            return None
        top, integer = float(rungs[-1]), bool(fidelity.get("integer"))
        derived = []
        if not policy.max_budget:
            derived.append(f"max_budget: the simulator's {fidelity.get('name') or 'fidelity'} maximum")
        if not policy.interval:
            derived.append("interval: a tenth of max_budget" + ", in whole units" * integer)
        elif integer and float(policy.interval) != policy._interval(top, integer):
            derived.append(f"interval: {policy.interval:g} rounded to whole units")
        options.update(max_budget=top, interval=policy._interval(top, integer))
    except Exception:  # noqa: BLE001 - the stored form instead
        return None
    text = json.dumps({"name": "pbt", **{k: int(v) if isinstance(v, float) and v.is_integer() else v
                                         for k, v in options.items()}})
    return text + (f"  ({'; '.join(derived)})" if derived else "")


def checkpoints_line(trajectory: Trajectory) -> str:
    """The large checkpoints beside a multi-fidelity run's file and the superseded ones ``l2l prune`` deleted (no
    longer in the folder described), or ''; one wording for ``l2l show`` and the end of ``l2l run``/``resume``, so a
    run pruned and then resumed ends with the line ``l2l show`` prints for it."""
    from l2l.results_schema import pruning
    from l2l.results_schema.checkpoint_store import describe

    stored = describe(trajectory.path)
    pruned = pruning.count(trajectory)
    if pruned:
        stored += f"{'; ' * bool(stored)}{pruned} superseded checkpoint{'s' * (pruned != 1)} pruned (l2l prune)"
    return stored


def missing_folder_line(trajectory: Trajectory, paused: int) -> str:
    """That the folder of large checkpoints the rows of ``trajectory`` reference is not beside it (a file moved or
    copied without it), and that its ``paused`` candidates cannot continue until it is back; '' if the folder is
    there or no row references it. Reads the checkpoint references of at most the last :data:`RECENT_ROWS` rows,
    from the last back, and stops at the first: the latest segments' are in the folder whenever the run keeps
    them there (every one under run.checkpoints = "beside"); reading every row's, as ``l2l prune`` does, took
    0.5 s for 29,000 segments (this: under 0.2 ms there, 13 ms for as many rows with no reference)."""
    from l2l.results_schema import checkpoint_store
    from l2l.results_schema.reader import RECENT_ROWS

    root = checkpoint_store.folder_of(trajectory.path)
    if root.is_dir() or "evaluations/checkpoint_length" not in trajectory._layout.datasets \
            or not trajectory.n_evaluations:
        return ""
    try:
        return _missing_folder_line(trajectory, root, paused, RECENT_ROWS)
    except Exception:  # noqa: BLE001 - a summary never fails on what it only reports (l2l validate checks rows)
        return ""


def _missing_folder_line(trajectory: Trajectory, root: os.PathLike, paused: int, recent: int) -> str:
    """:func:`missing_folder_line` past its cheap checks: the last ``recent`` rows looked at."""
    from l2l.results_schema import checkpoint_store, pruning
    from l2l.results_schema.layout import CHECKPOINT_BLOB

    datasets = trajectory._layout.datasets
    start = max(0, trajectory.n_evaluations - recent)
    columns = trajectory.rows(("checkpoint_start", "checkpoint_length"), start)
    starts, lengths = columns["checkpoint_start"], columns["checkpoint_length"]
    magic = checkpoint_store.REFERENCE_MAGIC
    small = np.flatnonzero((lengths >= len(magic)) & (lengths <= 256))[::-1]  # a reference is about 100 bytes
    pruned: set[str] | None = None
    for batch in range(0, len(small), 512):
        chunk = small[batch:batch + 512]
        low, high = int(starts[chunk].min()), int((starts[chunk] + lengths[chunk]).max())
        data = trajectory._read(f"blobs/{CHECKPOINT_BLOB}", high, low) if high - low <= 1 << 24 else None
        for k in chunk.tolist():
            begin, end = int(starts[k]), int(starts[k] + lengths[k])
            piece = data[begin - low:end - low] if data is not None else \
                trajectory._read(f"blobs/{CHECKPOINT_BLOB}", end, begin)
            if not checkpoint_store.is_reference(piece):
                continue
            try:
                digest = checkpoint_store.parse(piece)[0]
            except ValueError:  # a malformed reference: l2l validate reports it
                continue
            pruned = pruning.recorded(datasets) if pruned is None else pruned
            if digest in pruned:  # deleted by l2l prune, on purpose
                continue
            waiting = (f"; until it is back, its {paused} paused candidate{'s' * (paused != 1)} cannot continue"
                       if paused else "")
            return (f"{root} is missing (the large checkpoints its rows reference: the file was moved or copied "
                    f"without it): move or copy it back beside the file{waiting}")
    return ""


def show_text(trajectory: Trajectory, top: int = 10, events: int = 5) -> str:
    """What ``l2l show`` prints: what ran, on which parameters, how far, the last events, the best."""
    summary = summarize(trajectory)
    lines = [f"run        {summary.name}  (seed {summary.seed}, schema {summary.schema_version})",
             f"optimizer  {json.dumps(summary.optimizer)}",
             *_policy_lines(trajectory),
             f"simulator  {json.dumps(summary.simulator)}",
             f"backend    {summary.backends or json.dumps(summary.backend)}",
             f"objectives {', '.join(f'{o.name} ({o.direction})' for o in summary.objectives)}"]
    for i, parameter in enumerate(summary.parameters):
        lines.append(f"{'parameters' if i == 0 else '':<10} {parameter}")
    lines.append(f"host       {summary.host}  created {summary.created}  l2l {summary.l2l_version}")
    lines.append(f"progress   {progress_line(summary)}")
    failures = failure_line(trajectory, summary)
    if failures:
        lines.append(f"failures   {failures}")
    restarts = restart_line(trajectory, summary.compute[2]) if summary.compute is not None else ""
    if restarts:
        lines.append(f"restarts   {restarts}")
    if summary.compute is not None:
        from l2l.analysis.agreement import agreement_line

        paused = int((summary.candidates or {}).get("paused", 0))
        stored = "; ".join(text for text in (missing_folder_line(trajectory, paused), checkpoints_line(trajectory))
                           if text)
        if stored:
            lines.append(f"checkpoints {stored}")

        agreement = agreement_line(trajectory, summary.compute[2])
        if agreement:
            lines.append(f"agreement  {agreement}")
    log = trajectory.events()
    for _, event in (log.tail(events).iterrows() if events > 0 else ()):
        lines.append(f"event      {event['time']:%Y-%m-%d %H:%M:%S} {event['kind']} {event['detail']}")
    trajectory.check_recent_rows()  # refuse a damaged file, reading a bounded number of rows
    lines.append(best_table(trajectory, best_frame(trajectory, top), top))
    reevaluated = reevaluated_text(trajectory, top)
    if reevaluated:
        lines.append(reevaluated)
    return "\n".join(lines)


def reevaluated_text(trajectory: Trajectory, top: int = 10) -> str:
    """The candidates re-evaluated on fresh seeds (``l2l reevaluate``), ranked by their mean; "" if none."""
    if not trajectory.has_reevaluations:
        return ""
    from l2l.reevaluate import ranking, ranking_text

    return ranking_text(ranking(trajectory), limit=top)


def restart_line(trajectory: Trajectory, unit: str) -> str:
    """How many segments of a multi-fidelity run trained a candidate from scratch again after an earlier
    successful segment of it, and what that cost beyond continuing ("" if none): the simulator returned no
    checkpoint (a ``python`` function without a ``checkpoint`` parameter, a ``command`` program that left no
    file in ``{checkpoint_dir}``, say one that wrote its state elsewhere), which the run counts but did not say.

    A segment right after a failed one is not counted: it started from scratch for the failure (which the
    failures line names), not for a checkpoint the simulator never returned. Since 10a6207 a PBT member whose
    segment failed keeps the checkpoint that segment started from and continues from it (``from_budget`` > 0: no
    restart to count, nothing printed); it starts from scratch only where that checkpoint could not be read
    (``l2l resume --drop-unreadable`` records it failed). Files written before kept none: there the member
    restarted after every failure."""
    n = trajectory.n_evaluations
    if not trajectory.multi_fidelity or not n:
        return ""
    rows = trajectory.rows(("trial", "budget", "from_budget", "status", "attempts"), 0, n)
    ok = _status_codes()["ok"]
    reached: dict[int, float] = {}
    failed: set[int] = set()  # trials whose last segment failed: a restart next is the failure's, not a missing
    # checkpoint's (a file before 10a6207, or a checkpoint l2l resume --drop-unreadable could not read)
    count, extra = 0, 0.0
    for trial, budget, start, status, attempts in zip(rows["trial"], rows["budget"], rows["from_budget"],
                                                      rows["status"], rows["attempts"]):
        before = reached.get(int(trial), 0.0)
        if start <= 0 and before > 0 and int(trial) not in failed:  # each attempt trained from scratch again
            count, extra = count + 1, extra + before * int(attempts)  # (as the run counts compute)
        if status == ok:
            reached[int(trial)] = max(before, float(budget))
            failed.discard(int(trial))
        else:
            failed.add(int(trial))
    if not count:
        return ""
    return (f"{count} segment{'s' * (count != 1)} trained {'their candidates' if count != 1 else 'its candidate'} "
            f"from scratch again, {extra:g} {unit} more than continuing: {_no_checkpoint(trajectory)}")


def _no_checkpoint(trajectory: Trajectory) -> str:
    """Who returned no checkpoint, and how it would continue instead, from the stored simulator: a function that
    takes a ``checkpoint`` but returns none read, before, "a python function without a 'checkpoint' parameter"."""
    config = trajectory.run.get("config")
    simulator = config.get("simulator") if isinstance(config, dict) else None
    simulator = simulator if isinstance(simulator, dict) else {}
    function = simulator.get("function")
    if simulator.get("name") == "python":
        who = function if isinstance(function, str) and function else "the python function"
        return (f"{who} returned no checkpoint (to continue instead, take checkpoint=None and return "
                f"l2l.SimulationResult(objectives=..., checkpoint={{...}}))")
    if simulator.get("name") == "command":
        return "the program left no file in its {checkpoint_dir} (to continue instead, write its state there)"
    return ("the simulator returned no checkpoint (a python function without a 'checkpoint' parameter, or a program "
            "that left no file in its {checkpoint_dir})")


def _this_session(trajectory: Trajectory, summary: RunSummary) -> float:
    """What the session that just ended did, in the unit of its rate: the compute of a multi-fidelity run, else
    the evaluations. ``l2l resume`` times only its own session, so the rate counts only the rows it started (since
    the last ``resumed`` event): before, a resume that ran 47 epochs in 1.3 s said 156 epochs/s, the whole run's
    203 over its own seconds. A first session is the whole run."""
    total = summary.compute[0] if summary.compute is not None else float(summary.evaluations)
    events = trajectory.events()
    resumed = events.loc[events["kind"] == "resumed", "time"]
    if not len(resumed):
        return total
    from l2l.results_schema.frames import segment_compute

    try:
        rows = trajectory.evaluations(errors=False, segments=trajectory.multi_fidelity)
        mine = (rows["started"] >= resumed.iloc[-1]).to_numpy()
    except Exception:  # noqa: BLE001 - a summary never fails on what it only reports: the whole run's, as before
        return total
    if summary.compute is not None:
        return float(segment_compute(rows.loc[mine]).sum())
    return float(mine.sum())


def finished_text(path: str | os.PathLike, seconds: float) -> str:
    """What ``l2l run``/``l2l resume`` print when they return: counts, rate, the best, where the results are."""
    from l2l.results_schema.reader import Trajectory

    with Trajectory(path) as trajectory:
        summary = summarize(trajectory)
        table = best_table(trajectory, best_frame(trajectory, 5), 5)
        reevaluated = reevaluated_text(trajectory, 5)
        failures = failure_line(trajectory, summary)
        restarts = restart_line(trajectory, summary.compute[2]) if summary.compute is not None else ""
        stored = checkpoints_line(trajectory) if summary.compute is not None else ""
        session = _this_session(trajectory, summary) if seconds > 0 else 0.0
    if reevaluated:
        table += "\n" + reevaluated
    if summary.compute is not None:  # a multi-fidelity run
        unit = summary.compute[2]
        done = (f"done in {seconds:.1f} s: {progress_line(summary, status=False)}, "
                f"{session / max(seconds, 1e-9):.0f} {unit}/s")
    else:
        done = (f"done in {seconds:.1f} s: {summary.generations} generation{'s' * (summary.generations != 1)}, "
                f"{summary.evaluations} evaluation{'s' * (summary.evaluations != 1)} "
                f"({summary.unsuccessful} failed), {session / max(seconds, 1e-9):.0f} evaluations/s")
    return "\n".join([
        done,
        *([failures] if failures else []),
        *([restarts] if restarts else []),
        table,
        f"results: {path}  (python: l2l.load({str(path)!r}))",
        *([f"checkpoints: {stored}"] if stored else [])])


__all__ = ["Best", "RunSummary", "STATUSES", "best_frame", "best_table", "checkpoints_line", "describe_parameter",
           "failure_line", "finished_text", "reevaluated_text", "restart_line", "run_status", "show_text", "summarize",
           "summary_of", "writer_alive"]
