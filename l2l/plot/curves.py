"""Learning curves of a multi-fidelity run: every candidate's curve, where it stopped, where a segment failed,
the rungs.

A candidate's curve is the concatenation of the ``curve:<objective>`` traces
of its segments (value against fidelity). Candidates that reached the top
budget are drawn strongly, the others faintly, each ending in a mark of its
state. Where trials continue others' checkpoints (``pbt``: an exploiting
member becomes a new trial; ``run.inherit``), a final learner's strong line is
its whole lineage, as :func:`l2l.lineage` joins it (the donors' pieces, then
its own: one line from the first budget, not a piece from the last exploit
on), with a star at each exploit; the trials that were replaced stay faint, each
ending in its mark of state: a cross where the policy stopped it (under ``pbt``: where a copy of a
better member took its place), a triangle where it is paused (the policy may
still promote it: while the run goes on, or by ``l2l resume``), a diamond
where it was running, a square where it was interrupted; a ring marks the point a
failed segment started from. The x axis is logarithmic where the rungs lie a
factor apart (``asha``, ``hyperband``: 1, 3, 9, 27, 81, ticked with those numbers)
and linear where they lie an interval apart (``pbt``); where the rungs are too many
to label each (``eta = 1.5`` over three decades: 18), every rung is ticked and as
many labelled, from the top budget down, as the axis has room for.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from l2l.errors import TrajectoryError
from l2l.objectives import Objective
from l2l.plot.data import RunData, label, load_run
from l2l.plot.ticks import SizedLocator, fitting, label_ticks, number
from l2l.results_schema.layout import CURVE_PREFIX
from l2l.results_schema.lineage import schedules
from l2l.results_schema.reader import Trajectory

COMPLETED = "#1f4e9c"
STOPPED = "#9aa5b1"
FAILED = "#e07b00"
#: The star where a PBT learner's line passes from its donor's training to its own (the lineage plot's arrow colour)
EXPLOIT = "#c0392b"
MAX_LINES = 3000
#: About how wide a character of the legend is (inches, at its small size)
LEGEND_CHARACTER = 0.062
#: How a candidate that did not reach the top budget ends, by its state (l2l.load's ``state``): marker, colour and
#: what the legend says (``{n}``: how many). A stopped candidate under ``pbt`` is a member a copy of a better one
#: replaced at an exploit, not one a rung stopped: its own text (:data:`PBT_STOPPED`).
ENDS: dict[str, tuple[str, str, str]] = {
    "stopped": ("x", "#c8443c", "stopped by the policy ({n})"),
    "paused": ("v", "#7a5195", "paused: the policy may still promote it (by l2l resume, once the run ended) ({n})"),
    # each its own mark, not only its own colour: both were diamonds, told apart in colour only (not in greyscale)
    "running": ("D", "#2a9d8f", "running when the file was read ({n})"),
    "interrupted": ("s", "#6c757d", "interrupted: its segment was in flight when the run stopped ({n})"),
}
PBT_STOPPED = "stopped: a copy of a better member took its place ({n})"
#: What a run that ended by reaching its run.target adds to the stopped candidates' entry: the candidates below the
#: top budget then were left where they were (l2l show counts them stopped), not stopped by the policy.
BY_TARGET = ", or left as the run reached its target"


def ended_at_target(run: RunData) -> bool:
    """Whether the run ended by reaching its run.target: what ``frame.attrs["target"]`` holds (``l2l.load`` and
    :meth:`RunData.from_trajectory` read it from the event that ended the run; so does a frame of ``l2l.load``
    passed to the plot, which has no events), else the record of its last event, 'finished'."""
    attrs = getattr(getattr(run, "frame", None), "attrs", None) or {}
    if "target" in attrs:
        return isinstance(attrs["target"], dict)
    events = getattr(run, "events", None)  # (a stand-in of a run without its events: no target)
    if events is None or not len(events) or events["kind"].iloc[-1] != "finished":
        return False
    try:
        detail = json.loads(events["detail"].iloc[-1])
    except (TypeError, ValueError):
        return False
    return isinstance(detail, dict) and isinstance(detail.get("target"), dict)


def _finite(points: np.ndarray) -> np.ndarray:
    """The rows of ``points`` (fidelity, value) with both finite, in order of fidelity. A curve may hold NaN or
    inf points (they are kept as returned); a line drawn through one breaks there and a lone point between two
    of them is no line, so a candidate's line joins the finite points instead."""
    points = points[np.isfinite(points).all(axis=1)]
    return points[np.argsort(points[:, 0], kind="stable")]


def _paths(run: RunData) -> dict[int, np.ndarray]:
    """Each candidate's curve as (fidelity, value) rows, its finite points only (:func:`_finite`): from the
    curve traces, else the segment results."""
    curves = run.curves if run.curves is not None and len(run.curves) else None
    objective = run.objectives[0].name
    out: dict[int, np.ndarray] = {}
    if curves is not None:
        for trial, rows in _by_trial(curves, ["step", "value"]):
            out[trial] = _finite(rows)
    ok = run.segments[run.segments["status"] == "ok"]
    for trial, rows in _by_trial(ok, ["budget", objective]):  # segments without a curve: their end points
        if trial not in out:
            out[trial] = rows
    return out


def _by_trial(frame: pd.DataFrame, columns: list[str]) -> list[tuple[int, np.ndarray]]:
    """``frame[columns]`` as float rows per trial, in order of trial, each trial's rows in the frame's order
    (as ``frame.groupby("trial", sort=True)``, without a DataFrame per trial: a run's 1,000 trials took 0.5 s)."""
    trials = frame["trial"].to_numpy()
    values = frame[columns].to_numpy(dtype=float)
    if trials.dtype.kind == "f":  # groupby leaves out a missing trial
        kept = ~np.isnan(trials)
        trials, values = trials[kept], values[kept]
    order = np.argsort(trials, kind="stable")
    trials, values = trials[order], values[order]
    starts = np.flatnonzero(np.r_[True, trials[1:] != trials[:-1]]) if len(trials) else np.array([], dtype=int)
    ends = np.r_[starts[1:], len(trials)]
    return [(int(trials[a]), values[a:b]) for a, b in zip(starts, ends)]


def _lineages(run: RunData, paths: dict[int, np.ndarray], members: list[int]
              ) -> dict[int, tuple[np.ndarray, dict[int, np.ndarray]]] | None:
    """Each final learner's curve from its first ancestor's first point to the top budget (the pieces
    :func:`l2l.lineage` lists, each from the curve of the trial that trained it: ``l2l.lineage(path, curves=True)``),
    and its exploits: {the trial that exploited: where its piece begins, at the last point before it (the donor's
    value at the budget whose checkpoint was copied)}; final learners that share an ancestor share its exploits.
    None for a run in which no trial continued another's checkpoint
    (its candidates' own curves are whole)."""
    segments = run.segments
    if segments is None or "parent" not in segments.columns or not (segments["parent"] >= 0).any() or not members:
        return None
    history = schedules(segments, [], members)
    key = history.columns[0]
    out: dict[int, tuple[np.ndarray, dict[int, np.ndarray]]] = {}
    for member, pieces in history.groupby(key, sort=False):
        points, starts, previous = [], [], None
        for trial, low, high in zip(pieces["trial"].astype(int), pieces["from_budget"].astype(float),
                                    pieces["budget"].astype(float)):
            own = paths.get(trial, np.empty((0, 2)))
            inside = own[(own[:, 0] > low + 1e-9) & (own[:, 0] <= high + 1e-9)]
            if points and trial != previous and len(inside):
                starts.append((trial, low))
            points.append(inside)
            previous = trial
        curve = np.concatenate(points) if points else np.empty((0, 2))
        marks = {trial: curve[curve[:, 0] <= low + 1e-9][-1] for trial, low in starts
                 if (curve[:, 0] <= low + 1e-9).any()}
        out[int(member)] = (curve, marks)
    for member in members:
        out.setdefault(member, (paths.get(member, np.empty((0, 2))), {}))
    return out


def _failed_starts(run: RunData, paths: dict[int, np.ndarray], ids: list[int]) -> np.ndarray:
    """Where each failed segment of the drawn candidates ``ids`` started, as (fidelity, value) rows: the last point
    of its candidate's curve at or below the budget it continued from (below the budget it trained to, if it
    restarted). A segment that failed at a candidate's first
    budget has no point (the stopped label counts those candidates); nor has one whose candidate's curve starts
    above it. Vectorised: the points and the failures sorted together by (trial, fidelity), each failure taking
    the last point before it, so that a run of 100,000 segments costs no loop per segment."""
    segments = run.segments
    if segments is None or not len(segments) or not ids:
        return np.empty((0, 2))
    bad = segments[(segments["status"] != "ok").to_numpy()]
    bad = bad[np.isin(bad["trial"].to_numpy(dtype=np.int64), np.asarray(ids, dtype=np.int64))]
    drawn = [t for t in ids if len(paths[t])]
    if not len(bad) or not drawn:
        return np.empty((0, 2))
    points = np.concatenate([paths[t] for t in drawn])
    trials = np.repeat(np.asarray(drawn, dtype=np.int64), [len(paths[t]) for t in drawn])
    starts = bad["from_budget"].to_numpy(dtype=float) if "from_budget" in bad else np.zeros(len(bad))
    # a continued segment starts at its checkpoint's budget (a point there counts); one that restarted (a simulator
    # without checkpoints) at the candidate's last point below the budget it was training to
    bounds = np.where(starts > 0, starts * (1 + 1e-9), bad["budget"].to_numpy(dtype=float) * (1 - 1e-9))
    n = len(points)
    trial = np.concatenate([trials, bad["trial"].to_numpy(dtype=np.int64)])
    x = np.concatenate([points[:, 0], bounds])
    query = np.concatenate([np.zeros(n, bool), np.ones(len(bad), bool)])
    order = np.lexsort((query, x, trial))  # by trial, then fidelity, a point before a failure at its fidelity
    index = np.where(query[order], -1, order)
    last = np.maximum.accumulate(index)  # the last point at or before each position (-1: none yet)
    found = last[query[order]]
    mine = found >= 0
    found_trials = trial[order][query[order]]
    mine &= np.where(mine, trials[np.maximum(found, 0)] == found_trials, False)  # not another trial's point
    return points[found[mine]] if mine.any() and n else np.empty((0, 2))


def _sweep_paths(run: RunData, objective: Objective) -> dict[int, np.ndarray]:
    """A run without a policy whose simulator declares a fidelity: each candidate's curve (one call at the top
    budget), keyed by its row in ``run.frame``; empty if the run has no fidelity or stored no curve."""
    if not run.fidelity or not run.path:
        return {}
    with Trajectory(run.path) as trajectory:
        long = trajectory.traces_frame()
    if not len(long):
        return {}
    long = long[long["trace"] == f"{CURVE_PREFIX}{objective.name}"]
    rows = {(int(g), int(i)): n for n, (g, i) in enumerate(zip(run.frame["generation"], run.frame["individual"]))}
    out: dict[int, np.ndarray] = {}
    for (generation, individual), points in long.groupby(["generation", "individual"], sort=True):
        row = rows.get((int(generation), int(individual)))
        if row is not None:
            out[row] = _finite(points[["step", "value"]].to_numpy(dtype=float))
    return out


def value_range(values: np.ndarray, kept: np.ndarray) -> tuple[float, float]:
    """The y range of the curves: every finite value of ``kept`` (the candidates that reached the top budget)
    and those of ``values`` within 20 median absolute deviations of their median, so that a few diverged
    candidates (losses of 1e50 and more) do not flatten every other curve at the bottom of the axis."""
    values = values[np.isfinite(values)]
    kept = kept[np.isfinite(kept)]
    if len(values) > 20:
        centre = np.median(values)
        spread = np.median(np.abs(values - centre))
        if spread > 0:
            values = values[np.abs(values - centre) <= 20 * spread]
    values = np.concatenate([values, kept])
    return (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)


#: How far beyond the curves' range (:func:`value_range`), in multiples of its height, the axis still stretches to
#: show a candidate's end mark: a PBT member replaced at the first exploits, still at the loss of an untrained model
#: (0.69 above curves of 0.47 to 0.57), stays in view, a diverged one (1e50) does not (the legend counts it off).
MARK_REACH = 2.0


def mark_range(low: float, high: float, marks: np.ndarray) -> tuple[float, float]:
    """``low``, ``high`` widened to the end marks (``marks``: the values of the points the legend counts) that lie
    within :data:`MARK_REACH` heights of it; the legend says how many lie beyond (:func:`off_axes`)."""
    marks = marks[np.isfinite(marks)]
    reach = MARK_REACH * ((high - low) or max(abs(high), 1.0))
    near = marks[(marks >= low - reach) & (marks <= high + reach)]
    return (min(low, float(near.min())), max(high, float(near.max()))) if len(near) else (low, high)


def off_axes(values: np.ndarray, limits: tuple[float, float]) -> str:
    """What a legend entry adds for its points outside the y ``limits``: '; 3 above the axes' ('' if none)."""
    values = np.asarray(values, dtype=float)
    above, below = int((values > limits[1]).sum()), int((values < limits[0]).sum())
    parts = [f"{n:,} {where} the axes" for n, where in ((above, "above"), (below, "below")) if n]
    return "; " + " and ".join(parts) if parts else ""


def policy_name(run: RunData) -> str | None:
    """The run's policy (``[policy] name``, or the one-line ``[run] policy``); None for a sweep without one."""
    config = run.run.get("config")
    if not isinstance(config, dict):
        return None
    policy: Any = config.get("policy")
    if isinstance(policy, dict):
        policy = policy.get("name")
    if not policy and isinstance(config.get("run"), dict):
        policy = config["run"].get("policy")
    return str(policy) if isinstance(policy, str) and policy else None


def geometric(budgets: list[float]) -> bool:
    """True if the budgets lie a factor apart (the rungs of ``asha``, ``hyperband``: 1, 3, 9, 27, 81) and span more
    than a decade, so that a log axis gives each rung the same room; False if they lie an interval apart (``pbt``'s
    20, 40, ..., 200, whose first intervals a log axis would stretch and whose last ones it would cramp). The
    spacing that varies less wins: the spread of the steps between budgets against that of their ratios."""
    values = np.asarray([b for b in budgets if b > 0], dtype=float)
    if len(values) < 2 or values[-1] / values[0] <= 8:
        return False
    if len(values) == 2:
        return True
    steps, ratios = np.diff(values), np.diff(np.log(values))
    return bool(np.std(ratios) / np.mean(ratios) < np.std(steps) / np.mean(steps))


class FittingTicks(SizedLocator):
    """matplotlib's ticks of an axis, as many as their labels (:func:`~l2l.plot.ticks.number`) fit side by side at
    the axes' size when drawn: on a linear axis the most of round steps (0, 100,000, 200,000 ...), on a log one
    every decade or every second, third ... (:func:`~l2l.plot.ticks.fitting`). Before, an axis of two rungs
    200,000 and 400,000 steps in the overview's panel was ticked every 50,000, and its labels ran together
    (``50,000100,000150,000``)."""

    def tick_values(self, vmin: float, vmax: float) -> list[float]:
        low, high, width = self.span(vmin, vmax)
        if self.axis.get_scale() == "log":
            ticks = [float(t) for t in LogLocator(numticks=12).tick_values(low, high)]
            return fitting(ticks, [number(t) for t in ticks], low, high, True, width) or ticks
        ticks: list[float] = []
        for bins in range(9, 0, -1):  # the most ticks whose labels fit
            ticks = [float(t) for t in MaxNLocator(bins, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high)]
            inside = [t for t in ticks if low <= t <= high]
            if fitting(inside, [number(t) for t in inside], low, high, False, width) == inside:
                return ticks
        return ticks


def _rung_text(policy: str | None, rungs: list[float]) -> str:
    """What the dotted lines are, as the axis label says it."""
    if not rungs:
        return ""
    if policy == "pbt":
        return "; dotted: ends of the intervals, where pbt exploits and explores"
    if policy is None:
        return "; dotted: the budget every candidate trained to" if len(rungs) == 1 else "; dotted: rungs"
    return "; dotted: rungs"


def _y_limits(faint: list[np.ndarray], strong: list[np.ndarray], marks: list[np.ndarray]
              ) -> tuple[float, float] | None:
    """The y axis of the curves: :func:`value_range` of their values, widened to the end marks near it
    (:func:`mark_range`), padded; None where nothing is drawn."""
    everything = np.concatenate([*faint, *strong]) if faint or strong else np.empty((0, 2))
    finite = everything[np.isfinite(everything).all(axis=1)]
    if not len(finite):
        return None
    low, high = value_range(finite[:, 1], np.concatenate(strong)[:, 1] if strong else np.empty(0))
    low, high = mark_range(low, high, np.concatenate(marks) if marks else np.empty(0))
    pad = 0.05 * (high - low or 1.0)
    return low - pad, high + pad


#: About how wide a character of an axis label is (inches, at its medium size).
LABEL_CHARACTER = 0.075


def _fitting_label(ax: Axes, text: str) -> str:
    """An axis label in lines no wider than the axes: in the overview's panel the curves' x label ('fidelity
    (epochs, linear scale); dotted: ends of the intervals, where pbt exploits and explores') ran past both edges
    of its panel. A line breaks after a clause ('; ') first, then between words."""
    width = ax.get_position().width * ax.figure.get_figwidth()
    most = max(24, int(width / LABEL_CHARACTER))
    if len(text) <= most:
        return text
    lines = [line for clause in text.replace("; ", ";\n").split("\n") for line in textwrap.wrap(clause, most)]
    return "\n".join(lines)


def draw_curves(ax: Axes, run: RunData, objective: Objective | None = None) -> None:
    """Every candidate's learning curve, where each below the top budget ended (a mark per state: stopped, paused,
    running, interrupted), the failed segments (rings at the point each started from) and the rungs (dotted lines),
    on a log x axis where the rungs lie a factor apart and a linear one where they lie an interval apart."""
    objective = objective or run.objectives[0]
    if not run.multi_fidelity:  # a sweep: every candidate trained to the top budget in one call
        paths = _sweep_paths(run, objective)
        if not paths:
            raise TrajectoryError(f"{run.name} is not a multi-fidelity run and stored no learning curves "
                                  f"(curve:{objective.name}) to draw")
        completed = set(paths)
    else:
        paths = _paths(run)
        candidates = run.frame
        completed = set(candidates.loc[candidates["state"] == "completed", "trial"].astype(int))
    ids = sorted(paths)
    reached = len(completed & set(ids))
    if reached > MAX_LINES:  # more completed candidates than lines (a sweep or a large run): a sample of them
        done = sorted(completed & set(ids))
        ids = sorted(done[i] for i in np.random.default_rng(0).choice(len(done), MAX_LINES, replace=False))
    elif len(ids) > MAX_LINES:  # keep every completed candidate and a sample of the others
        others = [t for t in ids if t not in completed]
        keep = np.random.default_rng(0).choice(len(others), MAX_LINES - reached, replace=False)
        ids = sorted((completed & set(ids)) | {others[i] for i in keep})
    faint = [paths[t] for t in ids if t not in completed and len(paths[t])]
    joined = _lineages(run, paths, [t for t in ids if t in completed]) if run.multi_fidelity else None
    if joined is not None:  # population-based training: each final learner's curve across its exploits, one line
        strong = [joined[t][0] for t in ids if t in completed and len(joined[t][0])]
        starts = {trial: point for t in ids if t in completed for trial, point in joined[t][1].items()}
        exploits = np.array([starts[trial] for trial in sorted(starts)]).reshape(-1, 2)  # each exploit once
    else:
        strong = [paths[t] for t in ids if t in completed and len(paths[t])]
        exploits = np.empty((0, 2))
    ax.add_collection(LineCollection(faint, colors=STOPPED, linewidths=0.6, alpha=0.5, rasterized=len(faint) > 500))
    ax.add_collection(LineCollection(strong, colors=COMPLETED, linewidths=1.2, alpha=0.9))
    # a curve of one point (a candidate started at the top budget by a simulator that measures only there, e.g.
    # Hyperband's last bracket or a model-based repeat on lsnn) is no line: a dot, or the legend counts it unseen
    dots = np.array([p[0] for p in strong if len(p) == 1]) if strong else np.empty((0, 2))
    if len(dots):
        ax.scatter(dots[:, 0], dots[:, 1], marker="o", s=12, color=COMPLETED, alpha=0.9, zorder=3)
    policy = policy_name(run) if run.multi_fidelity else None
    # candidates below the top whose first segment failed have no point to draw: say so, as l2l show counts them
    below = (set(run.frame["trial"].astype(int)) if run.multi_fidelity else set(paths)) - completed
    missing = len(below - set(paths))  # (not those whose curve holds no finite point: they have a curve)
    without = f"; {missing} more without a curve (failed at once)" if missing else ""
    # each candidate below the top ends in the mark of its state: stopped and paused are different fates (a paused
    # one may go on when the run is resumed), so they are told apart, as l2l show counts them
    states = (dict(zip(run.frame["trial"].astype(int), run.frame["state"].astype(str)))
              if run.multi_fidelity and "state" in run.frame else {})
    ends_by_state: dict[str, list[np.ndarray]] = {}
    for t in ids:
        if t not in completed and len(paths[t]):
            ends_by_state.setdefault(states.get(t, "stopped"), []).append(paths[t][-1])
    failed = _failed_starts(run, paths, ids) if run.multi_fidelity else np.empty((0, 2))
    # the y range before the marks' legend entries, which say how many of their marks lie off it
    limits = _y_limits(faint, strong, [np.array(points)[:, 1] for points in ends_by_state.values()] + [failed[:, 1]]
                       + [exploits[:, 1]])
    if limits is not None:
        ax.set_ylim(*limits)
    marked, by_target = 0, ended_at_target(run)
    for state in [*ENDS, *sorted(set(ends_by_state) - set(ENDS))]:
        points = np.array(ends_by_state.get(state, []))
        if not len(points):
            continue
        marker, colour, text = ENDS.get(state, ("x", "#c8443c", state + " ({n})"))
        text = PBT_STOPPED if state == "stopped" and policy == "pbt" else text
        if state == "stopped" and by_target:  # (before, all of them read 'stopped by the policy')
            text = text.replace(" ({n})", BY_TARGET + " ({n})")
        count = f"{len(points):,}" + (off_axes(points[:, 1], limits) if limits else "") + \
            (without if state == "stopped" else "")
        ax.scatter(points[:, 0], points[:, 1], marker=marker, s=14 if marker == "x" else 20, color=colour,
                   linewidths=0.8 if marker == "x" else 0, label=text.format(n=count), zorder=3 if marker == "x" else 4)
        marked += len(points)
    if missing and "stopped" not in ends_by_state:
        ax.plot([], [], " ", label=f"stopped: {missing:,} more without a curve (failed at once)")
    # a curve of NaN or inf values only (_finite keeps no point of it) has no end to mark: counted here, not lost
    blank = sum(1 for t in ids if t not in completed and t in below and not len(paths[t]))
    if blank:
        ax.plot([], [], " ", label=f"{blank:,} more below the top budget: no finite value on their curve (not drawn)")
    if len(failed):  # a ring where a segment that failed started: the curve ends (or goes on, under pbt) there
        off = off_axes(failed[:, 1], limits) if limits else ""
        ax.scatter(failed[:, 0], failed[:, 1], marker="o", s=46, facecolors="none", edgecolors=FAILED,
                   linewidths=1.1, label=f"a segment failed from here ({len(failed)}{off})", zorder=4)
    if len(exploits):  # where a final learner's line passes from a donor's training to its own
        text = "exploit: a final learner continued a better member's checkpoint here" if policy == "pbt" else \
            "a candidate that reached the top budget (or its ancestor) continued its parent's checkpoint here"
        ax.scatter(exploits[:, 0], exploits[:, 1], marker="*", s=48, color=EXPLOIT, linewidths=0, zorder=5,
                   label=f"{text} ({len(exploits)})")
    if strong:
        drawn = f"{len(strong):,} of {reached:,} drawn" if reached > len(ids) else f"{len(strong)}"
        what = "reached the top budget" if joined is None else "a final learner's whole curve, through the " \
            "members it copied" if policy == "pbt" else "reached the top budget, drawn through its ancestors"
        ax.plot([], [], color=COMPLETED, label=f"{what} ({drawn})")
    rungs = (run.fidelity or {}).get("rungs") or (sorted(run.segments["budget"].unique())
                                                   if run.segments is not None else [])
    rungs = [float(r) for r in rungs]
    for rung in rungs:
        ax.axvline(rung, color="#555555", linestyle=":", linewidth=0.8)
    log = geometric(rungs)
    if log:  # before the limits: a log axis refuses a left limit of 0
        ax.set_xscale("log")
    everything = np.concatenate([*faint, *strong]) if faint or strong else np.empty((0, 2))
    if len(everything):
        finite = everything[np.isfinite(everything).all(axis=1)]
        if log:
            ax.set_xlim(max(finite[:, 0].min() * 0.8, 1e-12), finite[:, 0].max() * 1.25)
        else:  # equal intervals from the start: the axis starts where training does
            right = max(finite[:, 0].max(), max(rungs, default=0.0))
            ax.set_xlim(min(0.0, finite[:, 0].min()), right * 1.03 if right > 0 else 1.0)
    if len(rungs) >= 3:  # the rungs' own values as ticks: 1, 3, 9, 27, 81 (not 10^0, 10^1); as many as fit
        ticked = rungs if log or ax.get_xlim()[0] != 0 else [0.0, *rungs]
        label_ticks(ax, ticked, [number(r) for r in ticked], from_top=True)
    else:  # too few rungs to read the axis by (a sweep's one budget): matplotlib's ticks, as many as fit
        ax.xaxis.set_major_locator(FittingTicks())
        ax.xaxis.set_minor_formatter(NullFormatter())  # (a log axis would label its minor ticks 2x10^1, ...)
        ax.xaxis.set_major_formatter(FuncFormatter(number))
    unit = (run.fidelity or {}).get("unit") or "budget"
    scale = "log scale" if log else "linear scale"
    ax.set_xlabel(_fitting_label(ax, f"fidelity ({unit}, {scale}){_rung_text(policy, rungs)}"))
    ax.set_ylabel(label(objective))
    ax.set_title("learning curves of every candidate")
    ax.grid(alpha=0.3)
    if marked or strong or len(failed) or blank:
        # lines no longer than the axes are wide: in the overview's panel the paused candidates' line ran past the
        # axes, and the layout made a hole beside it
        handles, texts = ax.get_legend_handles_labels()
        width = ax.get_position().width * ax.figure.get_figwidth()
        most = max(30, int(width / LEGEND_CHARACTER) - 6)
        ax.legend(handles, [textwrap.fill(text, most) for text in texts], fontsize="small", loc="best")
    else:  # nothing drawn (every candidate failed at its first segment): say so rather than an empty legend
        ax.text(0.5, 0.5, f"no learning curve to draw:\n{missing} candidate{'s' * (missing != 1)} failed\nat their "
                f"first segment" if missing else "no learning curve to draw", transform=ax.transAxes,
                ha="center", va="center", color="#555555")


def curves_figure(source, objective: str | None = None) -> Figure:
    """The ``curves`` plot kind: learning curves of every candidate of a multi-fidelity run."""
    run = load_run(source, errors=False)
    fig = Figure(figsize=(9, 5.5), layout="constrained", dpi=100)
    draw_curves(fig.add_subplot(), run, run.objective(objective))
    if run.multi_fidelity and "state" in run.frame:  # a sweep's parameter may be named state
        states = run.frame["state"].value_counts()
        fig.suptitle(f"{run.title}\n{len(run.frame):,} candidates: "
                     + ", ".join(f"{int(n)} {state}" for state, n in states.items() if n))
    else:  # a sweep without a policy
        fig.suptitle(f"{run.title}\n{len(run.frame):,} candidates, each trained to the top budget at once")
    return fig
