"""What ``l2l show`` prints (:func:`show_text`) and what ``l2l run``/``l2l resume`` print when they return
(:func:`finished_text`), from the lines of the other modules of :mod:`l2l.summary`."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from l2l.errors import command, shown
from l2l.numbers import number
from l2l.words import passed_as
from l2l.provenance import provenance_lines
from l2l.summary.failures import failure_line, retry_line
from l2l.summary.multi_fidelity import (checkpoints_line, endgame_brief, endgame_line, endgame_status,
                                        interrupted_from_checkpoints, missing_folder_line, policy_lines,
                                        restart_line, sweep_compute)
from l2l.summary.progress import amount, progress_line, sweep_compute_text
from l2l.summary.reading import summarize
from l2l.summary.ranking import reevaluated_text
from l2l.summary.table import best_frame, best_table

if TYPE_CHECKING:
    from l2l.results_schema.reader import Trajectory
    from l2l.summary.record import RunSummary


def show_text(trajectory: Trajectory, top: int = 10, events: int = 5) -> str:
    """What ``l2l show`` prints: what ran, on which parameters, how far, the last events, the best."""
    summary = summarize(trajectory)
    lines = [f"run        {summary.name}  (seed {summary.seed}, schema {summary.schema_version})",
             f"optimizer  {json.dumps(summary.optimizer)}",
             *policy_lines(trajectory),
             f"simulator  {json.dumps(summary.simulator)}",
             f"backend    {summary.backends or json.dumps(summary.backend)}",
             f"objectives {', '.join(f'{o.name} ({o.direction})' for o in summary.objectives)}"]
    for i, parameter in enumerate(summary.parameters):
        lines.append(f"{'parameters' if i == 0 else '':<10} {parameter}")
    lines.append(f"host       {summary.host}  created {summary.created}  l2l {summary.l2l_version}")
    lines += [f"{label:<10} {text}" for label, text in provenance_lines(trajectory) if text]
    lines.append(f"progress   {progress_line(summary, sweep=sweep_compute(trajectory))}")
    queue = queue_line(trajectory, summary)
    if queue:
        lines.append(f"queue      {queue}")
    short = cut_short_line(summary, trajectory.path)
    if short:
        lines.append(f"ended      {short}")
    damaged = state_line(trajectory)
    if damaged:
        lines.append(f"state      {damaged}")
    target = target_line(trajectory, summary)
    if target:
        lines.append(f"target     {target.removeprefix('target ')}")
    lines += [f"{label:<10} {text}" for label, text in attempt_lines(trajectory, summary)]
    if summary.compute is not None:
        from l2l.analysis.agreement import agreement_line

        paused = int((summary.candidates or {}).get("paused", 0))
        interrupted = interrupted_from_checkpoints(trajectory, summary.candidates)  # counted as paused before 68a249b
        stored = "; ".join(text for text in (missing_folder_line(trajectory, paused, interrupted),
                                             checkpoints_line(trajectory)) if text)
        if stored:
            lines.append(f"checkpoints {stored}")

        agreement = agreement_line(trajectory, summary.compute[2])
        if agreement:
            lines.append(f"agreement  {agreement}")
        endgame = endgame_line(trajectory, summary.compute)
        if endgame:
            lines.append(f"endgame    {endgame}")
    else:  # a sweep with learning curves: would a policy have stopped its best early?
        from l2l.analysis.agreement import sweep_line

        early = sweep_line(trajectory)
        if early:
            lines.append(f"early stop {early}")
    log = trajectory.events()
    for _, event in (log.tail(events).iterrows() if events > 0 else ()):
        lines.append(f"event      {event['time']:%Y-%m-%d %H:%M:%S} {event['kind']} {event['detail']}")
    trajectory.check_recent_rows()  # refuse a damaged file, reading a bounded number of rows
    lines.append(best_table(trajectory, best_frame(trajectory, top), top))
    schedules = schedules_line(trajectory)
    if schedules:
        lines.append(schedules)
    reevaluated = reevaluated_text(trajectory, top)
    if reevaluated:
        lines.append(reevaluated)
    return "\n".join(lines)


def queue_line(trajectory: Trajectory, summary: RunSummary) -> str:
    """A running run's SLURM jobs in the queue, running and pending (:func:`l2l.jobs.slurm_left.queued_line`: one
    squeue call, of a few seconds at most); '' for a run that is not running or whose folder names no SLURM job."""
    if summary.status not in ("running", "running or interrupted"):
        return ""
    from l2l.jobs.slurm_left import queued_line

    try:
        return queued_line(Path(trajectory.path).with_suffix(".work"))
    except Exception:  # noqa: BLE001 - a summary never fails on what it only reports
        return ""


def state_line(trajectory: Trajectory) -> str:
    """Where the last committed state (what ``l2l resume`` continues from) cannot be read, as resume would find it:
    its bytes no longer match their checksum, or no longer decode to a state: one clause saying so and what to run;
    '' where it reads (or the run committed none). Before session 43 ``l2l show`` said nothing of it (it reads the
    state only for what it counts, and a summary never fails on those), and a resume was the first to refuse."""
    from l2l.errors import TrajectoryError

    if not trajectory.n_generations:
        return ""
    try:
        trajectory.state()
    except TrajectoryError as exc:
        text = str(exc).removeprefix(f"{trajectory.path}: ")
        return (f"{text}; l2l resume will refuse the file: "
                f"{command('l2l', 'validate', os.fspath(trajectory.path))} names every problem")
    return ""


def schedules_line(trajectory: Trajectory) -> str:
    """Under PBT, where the learners' schedules are: the table's parameters are each learner's last piece only
    (a learning rate lowered twice read as a constant), and nothing in ``l2l show`` led to the rest; '' for other
    runs."""
    stored = trajectory.run.get("config", {}).get("policy")
    if not isinstance(stored, dict) or stored.get("name") != "pbt":
        return ""
    path = os.fspath(trajectory.path)  # (a name with a space: the command pastes as one word; a newline: one line)
    return (f"schedules  the parameters above are each learner's last piece (PBT changed them on the way): every "
            f"learner's whole schedule with l2l.lineage({path!r}) (each piece's parameters, budget, parent and seed), "
            f"drawn by {command('l2l', 'plot', path, '--kind', 'schedules')}")


def target_line(trajectory: Trajectory, summary: RunSummary) -> str:
    """Whether the run reached its ``run.target``: ``target 0.95 reached by candidate 17 (accuracy = 0.9612) after
    63 segments / 1350 epochs of compute`` (as the ``finished`` event records it), ``target 0.95 not
    reached`` once the run finished without, ``target 0.95 not reached yet`` while the run may still go on toward
    it (running, stopped by Ctrl-C or a stop request, interrupted, failed: ``l2l resume`` continues it); '' for a
    run without a target."""
    reached = reached_line(trajectory)
    if reached:
        return reached
    config = trajectory.run.get("config")
    run = config.get("run") if isinstance(config, dict) else None
    target = run.get("target") if isinstance(run, dict) else None
    if target is None:
        return ""
    return f"target {_target_text(target)} not reached" + ("" if summary.status == "finished" else " yet")


def reached_line(trajectory: Trajectory) -> str:
    """``target 0.95 reached by candidate 17 (accuracy = 0.9612) after 63 segments / 1350 epochs of compute``,
    from the ``run.target`` record of the event that ended the run (the candidate: its trial in a multi-fidelity
    run, else generation/individual of its first evaluation, as ``l2l show``'s table lists it); '' where the run
    did not end by reaching its target."""
    import math

    from l2l.summary.record import event_detail

    events = trajectory.events()
    finished = events.loc[events["kind"] == "finished", "detail"]
    reached = event_detail(finished.iloc[-1]).get("target") if len(finished) else None
    if not isinstance(reached, dict) or events["kind"].iloc[-1] != "finished":
        return ""
    config = trajectory.run.get("config")
    run = config.get("run") if isinstance(config, dict) else None
    shown = _target_text(reached.get("value", run.get("target") if isinstance(run, dict) else "?"))
    candidate = reached.get("candidate")
    who = "/".join(str(c) for c in candidate) if isinstance(candidate, list) else str(candidate)
    means = reached.get("objectives")
    values = ", ".join(f"{name} = {number(value)}" for name, value in means.items()
                       if isinstance(value, (int, float)) and math.isfinite(value)) if isinstance(means, dict) else ""
    count = reached.get("results")
    if values and isinstance(count, int) and count > 1:
        values += f", mean of {count}"
    line = f"target {shown} reached by candidate {who}" + (f" ({values})" if values else "")
    evaluations, compute = reached.get("evaluations"), reached.get("compute")
    if isinstance(evaluations, int):
        fidelity = trajectory.run.get("fidelity")
        # the rows of a run with a fidelity are segments, as its progress line counts them ('36 segments'): the
        # same word here ('after 36 evaluations' beside it read as another count)
        segments = isinstance(compute, (int, float)) and isinstance(fidelity, dict)
        word = "segment" if segments else "evaluation"
        line += f" after {evaluations} {word}{'s' * (evaluations != 1)}"
        if segments:
            unit = fidelity.get("unit") or fidelity.get("name") or "budget units"
            line += f" / {amount(compute)} {unit} of compute"  # as the progress line above says it
        # the evaluations that finished between the result that reached the target and the run's end (out on
        # other workers) are in the file too: the closing line's count and l2l show's progress hold them, and
        # read as a contradiction of this one ('110 evaluations' there, 'after 108' here)
        more = trajectory.n_evaluations - evaluations
        if more > 0:
            line += (f" ({trajectory.n_evaluations} in all: {more} more finished as the run ended)" if not segments
                     else f" ({trajectory.n_evaluations} segments in all: {more} more finished as the run ended)")
    return line


def _target_text(target) -> str:
    """A run.target as the config gives it: ``0.95``, or ``{loss = 0.1, accuracy = 0.9}``."""
    if isinstance(target, dict):
        return "{" + ", ".join(f"{k} = {number(v)}" if isinstance(v, (int, float)) else f"{k} = {v}"
                               for k, v in target.items()) + "}"
    return number(target) if isinstance(target, (int, float)) else str(target)


def attempt_lines(trajectory: Trajectory, summary: RunSummary) -> list[tuple[str, str]]:
    """What went wrong on the way, as (label, line): why evaluations failed, which succeeded only on a retry, a
    multi-fidelity run's restarts; those that have something to say. ``l2l show`` prints them labelled, ``l2l
    run``/``l2l resume``'s closing summary without their labels: one list for both, as the closing summary, which
    users read first, lacked the retried line show had."""
    lines = [("failures", failure_line(trajectory, summary)),
             ("retried", retry_line(trajectory, segments=summary.compute is not None)),
             ("restarts", restart_line(trajectory, summary.compute[2]) if summary.compute is not None else "")]
    return [(label, text) for label, text in lines if text]


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


def _rate(value: float) -> str:
    """A rate for the closing line: whole numbers from 10 on, two significant digits below, so that a slow
    inner loop (0.25 biological seconds/s, 1.4 evaluations/s) does not read as 0 or 1."""
    return f"{value:.0f}" if value >= 9.5 else f"{value:.2g}"


def _reevaluating(trajectory: Trajectory, seconds: float, now: float) -> float | None:
    """The seconds, of the ``seconds`` of this session that end at ``now``, that ``[run] reevaluate`` took after the
    run finished: from this session's ``finished`` event to ``now`` (None: no re-evaluation followed the run in this
    session). The closing line of such a run said 'done in 3.8 s: ..., 8.5 evaluations/s' of a run that took 0.2 s,
    the re-evaluation the rest."""
    config = trajectory.run.get("config")
    table = config.get("run") if isinstance(config, dict) else None
    if seconds <= 0 or not isinstance(table, dict) or not table.get("reevaluate") \
            or not trajectory.has_reevaluations:
        return None
    events = trajectory.events()
    finished = events.loc[events["kind"] == "finished", "time"]
    if not len(finished):
        return None
    since = now - finished.iloc[-1].timestamp()
    return min(max(since, 0.0), seconds) if since <= seconds else None  # a finished event of an earlier session


def cut_short_line(summary: RunSummary, path: str | os.PathLike) -> str:
    """The closing line's word on a policy run that ``run.evaluations`` (``run.max_time``) ended before any
    candidate reached the top budget (:attr:`RunSummary.cut_short`; it ended 'done in 0.2 s: 6 candidates (0
    completed, ...)' as if finished): what ended it and the resume that lets it go on; '' for any other run."""
    short = summary.cut_short
    if short is None:
        return ""
    cap, option = short
    if option == "--evaluations":
        value = f"{2 * (summary.planned_evaluations or summary.evaluations)}"
    else:
        value = number(2 * summary.max_time)
    if summary.simulator.get("callable"):  # a function passed to l2l.run, which no command can pass
        how = (f"l2l.resume({str(path)!r}, simulator={passed_as(summary.simulator)}, "
               f"{option[2:].replace('-', '_')}={value})")
    else:
        from l2l.errors import command

        how = command("l2l", "resume", path, option, value)
    return (f"no candidate reached the top budget: {cap} ended the run first; resume with a larger {option}: "
            f"{how}")


def finished_text(path: str | os.PathLike, seconds: float) -> str:
    """What ``l2l run``/``l2l resume`` print when they return: counts, whether a model-based run's endgame ran,
    rate, why evaluations failed and which needed a retry (the lines of ``l2l show``, read first here), the best,
    where the results are. ``seconds``: the wall time of the session, ending as this is called; of a run with
    ``[run] reevaluate`` the line says the run's part (its rate over it) and the re-evaluation's apart."""
    from l2l.results_schema.reader import Trajectory

    now = time.time()
    with Trajectory(path) as trajectory:
        reevaluating = _reevaluating(trajectory, seconds, now)
        summary = summarize(trajectory)
        table = best_table(trajectory, best_frame(trajectory, 5), 5)
        reevaluated = reevaluated_text(trajectory, 5)
        attempts = [text for _, text in attempt_lines(trajectory, summary)]  # l2l show's, without their labels
        stored = checkpoints_line(trajectory) if summary.compute is not None else ""
        session = _this_session(trajectory, summary) if seconds > 0 else 0.0
        endgame = endgame_status(trajectory, summary.compute)  # None but for a model-based run
        fidelity = trajectory.run.get("fidelity")
        target = target_line(trajectory, summary)
        sweep = sweep_compute(trajectory)  # a full-fidelity sweep's compute, as l2l compare counts it
    if reevaluated:
        table += "\n" + reevaluated
    # a run stopped by a signal or a stop request is not done: its last line says how to continue it
    ended = "stopped after" if summary.status == "stopped" else "done in"
    running = seconds  # what the rate is over: the run's part of the session
    if reevaluating is not None:
        running = seconds - reevaluating
        ended = f"{ended} {seconds:.1f} s (the run {running:.1f} s, re-evaluation {reevaluating:.1f} s):"
    else:
        ended = f"{ended} {seconds:.1f} s:"
    if summary.compute is not None:  # a multi-fidelity run
        from l2l.progress import rate_unit

        # its rate in the bar's unit ('iterations/s', not 'training iterations (Adam steps)/s'), without its space
        unit = rate_unit(fidelity).lstrip()
        brief = endgame_brief(endgame[1]) if endgame is not None else ""  # whether the endgame ran, and from when
        done = (f"{ended} {progress_line(summary, status=False)}, {brief + ', ' if brief else ''}"
                f"{_rate(session / max(running, 1e-9))} {unit}/s")
    else:
        done = (f"{ended} {summary.generations} generation{'s' * (summary.generations != 1)}, "
                f"{summary.evaluations} evaluation{'s' * (summary.evaluations != 1)} "
                f"({summary.unsuccessful} failed){sweep_compute_text(sweep)}, "
                f"{_rate(session / max(running, 1e-9))} evaluations/s")
    short = cut_short_line(summary, path)
    return "\n".join([
        done,
        *([short] if short else []),
        *([target] if target else []),
        *attempts,
        table,
        f"results: {shown(path)}  (python: l2l.load({str(path)!r}))",
        *([f"checkpoints: {stored}"] if stored else [])])
