"""Several runs on one plot: best so far against evaluations and against wall time (the table of final bests:
:mod:`l2l.plot.comparison_table`).

Runs are compared on the objectives they share (same name and direction),
e.g. different optimizers on the same problem.
"""

from __future__ import annotations

from typing import Any, Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from l2l.errors import TrajectoryError
from l2l.objectives import Objective
from l2l.plot.data import RunData, label, objective_names
from l2l.plot.style import BEST_SPAN, wants_log
from l2l.plot.best_so_far import MEAN_LINE, _lone, averages_repeats, curves, reevaluated  # noqa: F401
from l2l.plot.compare_hypervolume import (REFERENCE_RULE, has_hypervolume, hypervolume_curves,  # noqa: F401
                                          hypervolume_note, hypervolume_reference, reevaluated_hypervolume,
                                          reference_text)
from l2l.plot.compare_runs import (check_found, common_objectives, compute_axis, given_runs, run_labels,  # noqa: F401
                                   same_problem)
from l2l.plot.comparison_table import _table, table  # noqa: F401
from l2l.words import Placeholder, on_command_line, option


#: The share of a panel's x axis (compute or evaluations, wall time) after which the runs' best so far set its y
#: range, where their first values lie far off it (:func:`readable_limits`): what a comparison is read by.
READABLE_FROM = 0.05
#: How many times taller than the range of the later values the earlier ones would make the axis before they are
#: clipped (at most that: the lines are left as they are).
CLIP_FACTOR = 2.0
#: The legend entry of the marks where a run's clipped first values are (:func:`_clip_first_values`).
#: (one short line: a longer entry made the legend taller and the axes of every row shorter than their labels)
CLIPPED_TEXT = "a run's first best so far, clipped: off the axes where its line starts"


def readable_limits(lines: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float] | None:
    """The y range of a panel of best-so-far lines (``lines``: each run's x and y) where their first values would
    make the rest unreadable: the model-based policy's first candidate at 0.69 beside runs that all end between
    0.469 and 0.472 flattened every line at the bottom. The range is that of each run's values from
    :data:`READABLE_FROM` of the x axis on (its last value where it has none there), padded; None where every value
    lies within :data:`CLIP_FACTOR` times that range (nothing is clipped)."""
    tops = [float(np.nanmax(x)) for x, _ in lines if len(x) and np.isfinite(x).any()]
    if not tops:
        return None
    start = READABLE_FROM * max(tops)
    kept, every = [], []
    for x, y in lines:
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        if not len(y):
            continue
        every.append(y)
        later = y[x >= start]
        kept.append(later if len(later) else y[-1:])
    if not kept:
        return None
    kept_values, all_values = np.concatenate(kept), np.concatenate(every)
    low, high = float(kept_values.min()), float(kept_values.max())
    span = high - low or abs(high) * 0.05 or 1.0
    if all_values.max() - all_values.min() <= CLIP_FACTOR * span:
        return None
    return low - 0.08 * span, high + 0.08 * span


def _clip_first_values(ax: Any, lines: Sequence[tuple[np.ndarray, np.ndarray, Any]],
                       limits: tuple[float, float] | None = None) -> int:
    """Set the y range of ``ax`` to ``limits`` (default: :func:`readable_limits` of its ``lines``, the x, y and
    colour of each run) and mark, on the edge, where each run whose values go beyond it starts (a triangle in its
    colour, pointing to where the values are); how many runs were clipped (0: the range is matplotlib's)."""
    limits = readable_limits([(x, y) for x, y, _ in lines]) if limits is None else limits
    if limits is None:
        return 0
    low, high = limits
    clipped = 0
    for x, y, colour in lines:
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        off = np.isfinite(y) & ((y > high) | (y < low))
        if not off.any():
            continue
        clipped += 1
        first = int(np.flatnonzero(off)[0])
        above = y[first] > high
        ax.plot([x[first]], [high if above else low], marker="^" if above else "v", markersize=8, color=colour,
                linestyle="none", clip_on=False, zorder=5)
    ax.set_ylim(low, high)
    return clipped


#: The most objectives :func:`compare` draws a row of best so far for, the first ones (its title names the others).
DRAWN_OBJECTIVES = 3


def compare(sources: Sequence[Any], objectives: Sequence[str] | None = None) -> Figure:
    """Best so far of every run against evaluations (left) and wall time (right), one row per shared objective.
    Runs none of which has a successful result are refused (:func:`check_found`)."""
    runs = given_runs(sources)
    objectives = objective_names(objectives)
    shared = common_objectives(runs)
    check_found(runs)
    if objectives:
        names = {o.name for o in shared}
        unknown = [n for n in objectives if n not in names]
        if unknown:
            raise TrajectoryError(f"objective {unknown[0]!r} is not shared by all runs; shared: "
                                  f"{', '.join(sorted(names))}")
        shared = [o for o in shared if o.name in objectives]
    front = has_hypervolume(shared)  # a row of the fronts' hypervolume above the objectives' own rows
    left_out = shared[DRAWN_OBJECTIVES:]
    shared = shared[:DRAWN_OBJECTIVES]
    fig = Figure(figsize=(13, 1.3 + 3.6 * (len(shared) + front)), layout="constrained", dpi=100)
    axes = fig.subplots(len(shared) + front, 2, squeeze=False)
    palette = matplotlib.colormaps["tab10"]
    names = run_labels(runs)
    unit = compute_axis(runs)
    if front:
        _hypervolume_row(axes[0], runs, names, shared, unit)
    for row, objective in enumerate(shared, start=int(front)):
        left, right = axes[row]
        logs = []
        lines: dict[Any, list[tuple[np.ndarray, np.ndarray, Any]]] = {left: [], right: []}  # (x, y, colour) per run
        means = False
        for i, (run, name) in enumerate(zip(runs, names)):
            c = curves(run, objective, by_compute=unit is not None)
            colour = palette(i % 10)
            mean = averages_repeats(run, objective)
            means = means or mean
            line = f"{name}:\n{MEAN_LINE}" if mean else name
            left.plot(c["evaluations"], c["best_by_evaluations"], drawstyle="steps-post", color=colour,
                      linewidth=1.8, label=line, marker="o" if _lone(c["best_by_evaluations"]) else None)
            right.plot(c["seconds"], c["best_by_time"], drawstyle="steps-post", color=colour, linewidth=1.8,
                       label=line, marker="o" if _lone(c["best_by_time"]) else None)
            logs.append(c["best_by_evaluations"])
            lines[left].append((c["evaluations"], c["best_by_evaluations"], colour))
            lines[right].append((c["seconds"], c["best_by_time"], colour))
            fresh = reevaluated(run, objective)
            if fresh is not None and len(c["evaluations"]):
                left.errorbar([c["evaluations"][-1]], [fresh["mean"]],
                              yerr=[[0 if not np.isfinite(fresh["ci95"]) else fresh["ci95"]]], color=colour,
                              marker="D", capsize=4, linestyle="none",
                              label=f"{name}: best re-evaluated on {fresh['seeds']} fresh seeds (95 % CI"
                                    f"{'; ' + fresh['among'] if fresh['among'] else ''})")
                logs.append(np.array([fresh["mean"]]))
                lines[left].append((np.array([c["evaluations"][-1]], dtype=float), np.array([fresh["mean"]]), colour))
        values = np.concatenate(logs) if logs else np.array([])
        values = values[np.isfinite(values)]
        clipped = 0
        log = wants_log(values, BEST_SPAN)  # from two decades: else the runs' ends lie on the zero line
        # a run's first best so far far above the rest (0.69 beside 0.47 to 0.49): clipped, and marked, in both
        # panels at the range the compute (or evaluations) axis gives: the same results, so the same range. Read
        # from the wall-time axis, a run whose first results came in after 5 % of it (a GA's first generation of
        # ten, a cluster slow to start) kept its first value in view and squashed every line at the bottom.
        limits = None if log else readable_limits([(x, y) for x, y, _ in lines[left]])
        for ax in (left, right):
            # two lines where repeats are averaged: in one the label ran past the axes into the title
            ax.set_ylabel(f"best so far (repeats: their mean): \n{label(objective)}" if means
                          else f"best so far: {label(objective)}")
            ax.grid(alpha=0.3)
            if log:
                ax.set_yscale("log")
            elif limits is not None:
                clipped = max(clipped, _clip_first_values(ax, lines[ax], limits))
        if clipped:
            left.plot([], [], marker="^" if objective.direction == "minimize" else "v", linestyle="none",
                      color="#555555", label=f"{CLIPPED_TEXT} ({clipped} run{'s' * (clipped != 1)})")
        left.set_xlabel(f"compute ({unit}; a full evaluation costs the top budget)" if unit is not None
                        else "evaluations (count, failed ones included)")
        right.set_xlabel("wall time since the run started (s)")
        left.set_title(f"{objective.name}: best so far against {'compute' if unit else 'evaluations'}")
        right.set_title(f"{objective.name}: best so far against wall time")
        _legend_below(left)
    title = f"comparison of {len(runs)} run{'s' * (len(runs) != 1)}"
    if left_out:  # said: the figure drew the first three of four objectives without a word (the table has all)
        # in Python's words from Python (l2l.words): there is no --objective, and no table printed
        table = "the table" if on_command_line() else "l2l.plot.compare_table"
        title += (f"\n{len(shared)} of their {len(shared) + len(left_out)} objectives drawn, not "
                  f"{', '.join(o.name for o in left_out)} ({table} has every one; "
                  f"{option('objectives', Placeholder('NAME'))} draws one)")
    fig.suptitle(title)
    return fig


#: How far below the bottom of its axes a legend of ``l2l compare`` starts (inches): under the tick labels and
#: the x label, whatever the axes' height (a fixed fraction of it, 0.16, hid the x label's lower half behind the
#: legend).
LEGEND_DROP = 0.5


def _legend_below(ax: Any, **options: Any) -> None:
    """The legend of ``ax`` below it, left-aligned: inside, a run's long entry (a mean of repeats, a re-evaluation)
    covered the curves and the y label. A legend wider than the axes makes the layout narrow every axes of the
    column: its lines are kept shorter than that."""
    from matplotlib.transforms import ScaledTranslation

    drop = ScaledTranslation(0, -LEGEND_DROP, ax.figure.dpi_scale_trans)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(0, 0), bbox_transform=ax.transAxes + drop,
              borderaxespad=0, title_fontsize="small", **options)


def _hypervolume_row(axes: Sequence[Any], runs: Sequence[RunData], names: Sequence[str],
                     objectives: Sequence[Objective], unit: str | None) -> None:
    """The hypervolume of each run's front of two or three objectives against evaluations (or compute) and wall
    time: how a paper compares multi-objective runs, where each objective's best so far says nothing about the
    front."""
    left, right = axes
    reference = hypervolume_reference(runs, objectives)
    palette = matplotlib.colormaps["tab10"]
    for i, (run, name) in enumerate(zip(runs, names)):
        c = hypervolume_curves(run, objectives, reference, by_compute=unit is not None)
        colour = palette(i % 10)
        left.plot(c["evaluations"], c["hypervolume_by_evaluations"], drawstyle="steps-post", color=colour,
                  linewidth=1.8, label=name, marker="o" if len(c["evaluations"]) == 1 else None)
        right.plot(c["seconds"], c["hypervolume_by_time"], drawstyle="steps-post", color=colour, linewidth=1.8,
                   label=name, marker="o" if len(c["seconds"]) == 1 else None)
        fresh = reevaluated_hypervolume(run, objectives, reference)
        if fresh is not None and len(c["evaluations"]):  # the re-evaluated front on fresh seeds, at the run's end
            left.plot([c["evaluations"][-1]], [fresh["value"]], color=colour, marker="D", linestyle="none",
                      label=f"{name}: its {fresh['candidates']} re-evaluated candidates on {fresh['seeds']} "
                            f"fresh seeds")
    # three objectives by name only: with their directions the title ran past the figure's edge (the rows below
    # say them)
    names = [label(o) if len(objectives) == 2 else o.name for o in objectives]
    pair = ", ".join(names[:-1]) + f" and {names[-1]}"
    for ax in (left, right):
        # the reference point is in the legend's title: three values made the label longer than the axis
        ax.set_ylabel("hypervolume (larger is better)")
        ax.grid(alpha=0.3)
    left.set_xlabel(f"compute ({unit}; a full evaluation costs the top budget)" if unit is not None
                    else "evaluations (count, failed ones included)")
    right.set_xlabel("wall time since the run started (s)")
    left.set_title(f"hypervolume of the front of {pair} against {'compute' if unit else 'evaluations'}",
                   fontsize="medium")
    right.set_title("hypervolume against wall time", fontsize="medium")
    # in two lines: in one, wider than the axes, it made the layout narrow every axes of the column
    _legend_below(left, title=f"reference point {reference_text(objectives, reference)}:\n{REFERENCE_RULE}; "
                              f"repeats at their means")
