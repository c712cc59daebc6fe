"""How far a run is, in one line (:func:`progress_line`): ``l2l show``, ``l2l watch``, the report and the lines
``l2l run`` and ``l2l resume`` print."""

from __future__ import annotations

from typing import TYPE_CHECKING

from l2l.numbers import compute, number

if TYPE_CHECKING:
    from l2l.summary.record import RunSummary


def progress_line(summary: RunSummary, status: bool = True, resuming: bool = False,
                  sweep: tuple[float, str] | None = None) -> str:
    """How far the run is: generations and evaluations (candidates, segments and compute for a policy run),
    the budgets used, and with ``status`` its status.

    ``resuming``: the summary was taken by ``l2l resume`` holding the file (so it looks running): the segments
    in flight at the last commit read as interrupted, as ``l2l show`` says of the run before the resume.
    ``sweep``: the compute of a full-fidelity sweep and its unit (:func:`~l2l.summary.multi_fidelity.sweep_compute`),
    said after its evaluations (:func:`sweep_compute_text`)."""
    line = _progress(summary, resuming, sweep)
    return f"{line}, status: {summary.status_text}" if status else line


#: The counts of a multi-fidelity summary that are not candidates of their own: candidates promoted (counted in
#: their state too). The candidates with a segment in flight at the last commit (running, or interrupted) are
#: counted there and in no other state, so that the states add up to the candidates.
NOT_CANDIDATES = ("promoted",)
#: How a state reads in a progress line where its name alone would not say enough.
INTERRUPTED = "interrupted, to be rerun by l2l resume"
STATE_TEXT = {"interrupted": INTERRUPTED}


def amount(value: float) -> str:
    """A compute figure as a user reads it (:func:`l2l.numbers.compute`): a whole number in full (``1500000``,
    where ``:g`` gave ``1.5e+06`` and ``1234567`` lost its last digit), anything else to six significant digits
    (``2.25``, ``0.333333``), from 100,000 on to the unit (``3000002``: a fractional fidelity's sum, 3000002.1,
    was ``3e+06``)."""
    return compute(value)


def sweep_compute_text(sweep: tuple[float, str] | None) -> str:
    """``, 2187 epochs of compute``: what a full-fidelity sweep spent, after its evaluations; '' for other runs."""
    return f", {amount(sweep[0])} {sweep[1]} of compute" if sweep is not None else ""


def _progress(summary: RunSummary, resuming: bool = False, sweep: tuple[float, str] | None = None) -> str:
    budget = f" of {summary.planned_evaluations}" if summary.planned_evaluations else ""
    time_used = ""
    if summary.max_time:
        time_used = f", time limit {number(summary.max_time)} s" if summary.elapsed is None else \
            f", time {summary.elapsed:.1f} of {number(summary.max_time)} s"  # (no commit yet: time unknown)
    if summary.candidates is not None and summary.compute is not None and summary.compute[1] is not None:
        spent, allowed, unit = summary.compute
        shown = {**STATE_TEXT, **({"running": INTERRUPTED} if resuming else {})}
        states = ", ".join(f"{n} {shown.get(state, state)}" for state, n in summary.candidates.items()
                           if state != "promoted" and (n or state not in ("running", "interrupted")))
        promoted = summary.candidates.get("promoted")
        if promoted:  # not a state of its own: some of the candidates above went on from a budget to the next (none
            states += f"; {promoted} of them promoted"  # is left out: '8 paused; 0 of them promoted' said nothing)
        # a sweep rarely spends its budget: "at most", unless its last segment went past it (by one segment)
        bound = f"{'at most ' if summary.sweep and spent <= allowed else ''}{amount(allowed)} {unit}"
        if summary.continued_bound is not None:  # the banner's two bounds
            bound = (f"at most {amount(summary.continued_bound)} {unit} if segments continue from checkpoints "
                     f"({amount(allowed)} if they restart)")
        count = sum(v for k, v in summary.candidates.items() if k not in NOT_CANDIDATES)
        segments = "segments" if budget or summary.evaluations != 1 else "segment"  # "1 of 5 segments"
        committed = f" ({amount(spent - summary.rerun_compute)} by the last commit)" if summary.rerun else ""
        return (f"{count} candidate{'s' * (count != 1)} ({states}), {summary.evaluations}{budget} {segments} "
                f"({summary.unsuccessful} failed{_rerun(summary)}), compute {amount(spent)} of {bound}{committed}"
                f"{time_used}")
    planned = f" of {summary.planned_generations}" if summary.planned_generations is not None else ""
    generations = "generations" if planned or summary.generations != 1 else "generation"  # "1 of 3 generations"
    ended = ended_by_target(summary)
    if ended:  # '6 of 50 generations' beside 'finished' read as a run cut short, or one still to go on
        planned, generations = "", f"{generations} ({ended})"
    if summary.compute is not None:  # segments of a run without a policy (Lamarckian inheritance)
        spent, _, unit = summary.compute
        segments = "segments" if budget or summary.evaluations != 1 else "segment"
        committed = f" ({amount(spent - summary.rerun_compute)} by the last commit)" if summary.rerun else ""
        return (f"{summary.generations}{planned} {generations}, {summary.evaluations}{budget} {segments} "
                f"({summary.unsuccessful} failed{_rerun(summary)}), compute {amount(spent)} {unit}{committed}"
                f"{time_used}")
    evaluations = "evaluations" if budget or summary.evaluations != 1 else "evaluation"  # "1 of 5 evaluations"
    return (f"{summary.generations}{planned} {generations}, {summary.evaluations}{budget} {evaluations} "
            f"({summary.unsuccessful} failed{_rerun(summary)}){sweep_compute_text(sweep)}{time_used}")


def ended_by_target(summary: RunSummary) -> str:
    """``stopped by its target during the 6th; 50 planned``: how a run of generations that its ``run.target``
    ended before its planned generations ended (the last one, as a rule, before all its members were evaluated);
    '' for any other run."""
    planned = summary.planned_generations
    if summary.reason != "target reached" or not planned or summary.generations >= planned \
            or summary.compute is not None and summary.candidates is not None:
        return ""
    return f"stopped by its target during the {ordinal(summary.generations)}; {planned} planned"


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``22nd``."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _rerun(summary: RunSummary) -> str:
    """The rows past the last commit that ``l2l resume`` runs again, after the failures: Ctrl-C appends what came
    in but commits nothing, so they are counted above (and in the compute spent) though a resume starts over
    from the last commit; '' where there are none."""
    if not summary.rerun:
        return ""
    return f"; {summary.rerun} after the last commit, which l2l resume runs again"
