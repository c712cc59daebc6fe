"""Panels: each function draws one view of a run on a matplotlib ``Axes`` it is given.

The figures in :mod:`l2l.plot.figures` arrange these panels; notebooks can use
them on axes of their own. Large runs stay readable and fast: scatters draw a
subsample that keeps the best points and are rasterized, everything else is
aggregated per generation first.

Here: the search's panels (an objective over generations or compute, the parameters, a scatter cell). The run's
health (status, durations, errors) is in :mod:`l2l.plot.health`, the Pareto panel in :mod:`l2l.plot.pareto_panel`,
what all panels share in :mod:`l2l.plot.style` and :mod:`l2l.plot.ticks`; the names notebooks take from here
are handed on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colors
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from l2l.numbers import number as written
from l2l.objectives import Objective
from l2l.analysis.incumbent import best_of_means
from l2l.plot.best_so_far import MEAN_LINE, _found, averages_repeats, curves
from l2l.plot.data import RunData, categories, generation_statistics, label, parameter_values
from l2l.plot.health import (draw_duration_histogram, draw_duration_per_generation, draw_status,  # noqa: F401
                             error_summary, others_text)
from l2l.plot.pareto_panel import draw_pareto  # noqa: F401
from l2l.plot.style import (BEST_COLOUR, BEST_SPAN, RASTERIZE_ABOVE, STATUS_COLOURS, colour_label,  # noqa: F401
                            colour_values, drawn, empty_panel, fidelity_unit, fitness_colours, point_style,
                            wants_log)
from l2l.plot.ticks import label_ticks, number


def draw_fitness(ax: Axes, run: RunData, objective: Objective, legend: bool = True) -> None:
    """Best, median, interquartile band and best-so-far of one objective per generation (a multi-fidelity run:
    :func:`draw_best_by_compute`, its generations being rungs and commits)."""
    if run.multi_fidelity:
        draw_best_by_compute(ax, run, objective, legend)
        return
    stats = generation_statistics(run, objective)
    mean = _best_of_means_by_generation(run, objective, stats)
    for column in ("q25", "q75", "median", "best", "best_so_far"):
        stats[column] = drawn(stats[column])
    ax.set_title(f"{objective.name} over generations")
    ax.set_xlabel("generation")
    ax.set_ylabel(label(objective))
    if not stats["count"].sum():
        empty_panel(ax, "no successful evaluation")
        return
    x = stats["generation"].to_numpy()
    marker = "o" if len(x) <= 40 else None
    ax.fill_between(x, stats["q25"], stats["q75"], color="#9bb7d4", alpha=0.45, linewidth=0,
                    label="interquartile range (25-75 %)")
    ax.plot(x, stats["median"], color="#5577aa", marker=marker, markersize=3, label="median of generation")
    ax.plot(x, stats["best"], color="#d07a2a", marker=marker, markersize=3, linewidth=1,
            label="best of generation")
    ax.plot(x, stats["best_so_far"], color=BEST_COLOUR, linewidth=2.2, drawstyle="steps-post",
            label="best so far: the chosen\ncandidate's mean of its repeats" if mean else "best so far")
    if len(x) == 1:
        ax.set_xlim(x[0] - 1, x[0] + 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if wants_log(stats[["q25", "q75", "best"]].to_numpy()):
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize="small", loc="best")


def _best_of_means_by_generation(run: RunData, objective: Objective, stats: pd.DataFrame) -> bool:
    """Where a candidate was evaluated more than once (a GA's elite on new seeds), set ``stats``' best so far to
    the mean of the candidate ``l2l show`` would name at the end of each generation, as ``l2l compare`` draws it,
    and say so (True). The running minimum of single results ended at a lucky seed's value below the best the
    title, l2l show and the report name (a noisy GA: 0.0035 beside their 0.0106)."""

    if not averages_repeats(run, objective):
        return False
    frame, values, candidates = _found(run, objective)
    line = best_of_means(values, candidates, objective)
    last = pd.Series(np.arange(len(frame))).groupby(frame["generation"].to_numpy()).max()  # file order
    stats["best_so_far"] = line[last.reindex(stats["generation"]).to_numpy()]
    return True


def draw_best_by_compute(ax: Axes, run: RunData, objective: Objective, legend: bool = True) -> None:
    """A multi-fidelity run: the best so far against the compute spent, counting only results at the top budget
    (the curve ``l2l compare`` draws, ending at the best ``l2l show`` names), over every successful segment's
    result where it finished (faint below the top budget: a value at another fidelity)."""
    from l2l.analysis.best import at_top_budget
    from l2l.results_schema.frames import segment_compute

    unit = fidelity_unit(run)
    ax.set_title(f"{objective.name}: best so far at the top budget")
    ax.set_xlabel(f"compute spent ({unit})")
    ax.set_ylabel(label(objective))
    segments = run.segments
    done = (segments["started"].to_numpy(dtype="datetime64[ns]").astype("int64")
            + (segments["duration"].to_numpy(dtype=float) * 1e9).astype("int64"))
    order = np.argsort(done, kind="stable")  # by completion, as l2l compare counts compute
    segments = segments.iloc[order]
    spent = np.cumsum(segment_compute(segments))  # every attempt, as l2l compare and l2l show count it
    values = segments[objective.name].to_numpy(dtype=float)
    ok = (segments["status"] == "ok").to_numpy() & np.isfinite(values)
    values = drawn(values)
    if not ok.any():
        empty_panel(ax, "no successful evaluation")
        return
    top = at_top_budget(segments["budget"], run.top_budget) & ok
    below = ok & ~top
    if below.any():
        ax.scatter(spent[below], values[below], color="#9aa5b1", **{**point_style(int(below.sum())), "alpha": 0.35},
                   label=f"below the top budget ({int(below.sum()):,})")
    if top.any():
        ax.scatter(spent[top], values[top], color="#d07a2a", **point_style(int(top.sum())),
                   label=f"at the top budget ({int(top.sum()):,})", zorder=3)
        line = curves(run, objective, by_compute=True)
        x, best = line["evaluations"], drawn(line["best_by_evaluations"])  # its last point: the end of the run
        ax.plot(x, best, color=BEST_COLOUR, linewidth=2.2, drawstyle="steps-post", zorder=4,
                label=f"best so far at the top budget ({written(best[-1])})"  # as the title: 123539, 1.23539e-06
                + (f":\n{MEAN_LINE}" if averages_repeats(run, objective) else ""))
    else:
        ax.text(0.5, 0.95, "no result at the top budget yet", ha="center", va="top", transform=ax.transAxes,
                color="0.3")
    if wants_log(values[ok], BEST_SPAN):
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize="small", loc="best")


def draw_parameter(ax: Axes, run: RunData, column: str, objective: Objective, sample: pd.DataFrame,
                   cmap: colors.Colormap, norm: colors.Normalize, legend: bool = False):
    """One parameter's values per generation, coloured by the objective (:func:`colour_values`: a multi-fidelity
    run's at the top budget, grey below it), with the median of all evaluations.

    Returns the scatter (for a colour bar).
    """
    frame = run.frame
    generations = frame["generation"].to_numpy()
    values = parameter_values(run, column)
    n_generations = len(np.unique(generations))
    rng = np.random.default_rng(0)
    jitter = 0.3 if n_generations < 300 else 0.0
    x = sample["generation"].to_numpy(dtype=float)
    x = x + rng.uniform(-jitter, jitter, len(x))
    points = ax.scatter(x, _spread(run, column, sample, rng), c=colour_values(run, sample, objective),
                        cmap=cmap, norm=norm, plotnonfinite=True, **point_style(len(sample)))
    failed = np.flatnonzero((frame["status"] != "ok").to_numpy())
    # As many failures as the sample would hold, so that they look as frequent as they are.
    keep = min(len(failed), max(1, int(round(len(failed) * len(sample) / max(1, len(run.ok))))))
    if len(failed):
        shown = failed if len(failed) <= keep else rng.choice(failed, keep, replace=False)
        ax.scatter(generations[shown] + rng.uniform(-jitter, jitter, len(shown)),
                   _spread(run, column, frame.iloc[shown], rng), marker="x",
                   s=12 if len(shown) < 500 else 5, color=STATUS_COLOURS["failed"], linewidths=0.8, alpha=0.7,
                   label="failed", rasterized=len(shown) > RASTERIZE_ABOVE)
    # a multi-fidelity run's candidate is its segment at the highest budget it reached, whose generation is that
    # budget's rung (SPEC.md): the axis names the budgets, not generations the run never had
    rungs = [float(b) for b in (run.fidelity or {}).get("rungs") or []] if run.multi_fidelity else []
    at = sorted({int(g) for g in np.unique(generations)})
    by_rung = bool(rungs) and all(0 <= g < len(rungs) for g in at)
    by_generation = pd.Series(values).groupby(generations)
    if column not in run.categorical:
        median = by_generation.median()
        if by_rung:  # a budget few candidates stopped at (PBT's two replaced members) has no median to speak of:
            # the line zigzagged between pairs of points; a budget's median stands alone as a bar where it has one
            median = median.where(by_generation.size() >= MEDIAN_AT_LEAST)
        ax.plot(median.index, median.to_numpy(), color="black", linewidth=1.2, marker="_" if by_rung else None,
                markersize=12, markeredgewidth=1.5,
                label="median at that budget" if by_rung else "median of generation")
    ax.set_title(column)
    if by_rung:
        label_ticks(ax, at, [number(rungs[g]) for g in at])
        ax.set_xlabel(f"highest budget reached ({fidelity_unit(run)})")
    else:
        ax.set_xlabel("generation")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _parameter_axis(ax, run, column, "y")
    if n_generations == 1:
        g = generations[0]
        ax.set_xlim(g - 1, g + 1)
    ax.grid(alpha=0.3)
    if legend and ax.get_legend_handles_labels()[0]:  # a choice without failures has no line and no cross: no
        ax.legend(fontsize="small", loc="best")      # legend (matplotlib's warning on l2l plot's stderr)
    return points


#: The fewest candidates at a budget for the parameters panel of a policy run to draw their median.
MEDIAN_AT_LEAST = 3


def _spread(run: RunData, column: str, frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Parameter values to draw: categories get a little jitter so that stacked points show their number."""
    values = parameter_values(run, column, frame)
    return values + rng.uniform(-0.15, 0.15, len(values)) if column in run.categorical else values


#: The room a tick label of a parameter's linear x axis is given (inches): '-0.75' and a gap, at the tick labels' size.
TICK_ROOM = 0.55


def _width(ax: Axes) -> float:
    """The width of ``ax`` in inches, as laid out before the figure is drawn (its grid cell's share)."""
    return ax.get_position().width * ax.figure.get_figwidth()


def _parameter_axis(ax: Axes, run: RunData, column: str, which: str) -> None:
    """Label a parameter axis; categories get their names as ticks, log parameters a log scale."""
    set_label = ax.set_ylabel if which == "y" else ax.set_xlabel
    if column in run.categorical:
        names = [str(c) for c in categories(run, column)]
        (ax.set_yticks if which == "y" else ax.set_xticks)(range(len(names)), names)
        set_label(f"{column} (choice)")
    else:
        if column in run.log:
            (ax.set_yscale if which == "y" else ax.set_xscale)("log")
        elif which == "x":  # ticks as far apart as their labels are wide: in the overview's panel '-1.00-0.75-0.50'
            ax.xaxis.set_major_locator(MaxNLocator(nbins=max(2, int(_width(ax) / TICK_ROOM)), steps=[1, 2, 2.5, 5, 10]))
        # the parameter's name alone ('x[3] (value)' read as x[3] in units of an objective named value, which
        # every built-in simulator's is)
        set_label(f"{column} (log scale)" if column in run.log else column)


def draw_scatter_cell(ax: Axes, run: RunData, x_column: str, y_column: str, sample: pd.DataFrame,
                      colour_by: Objective, cmap: colors.Colormap, norm: colors.Normalize,
                      y_objective: Objective | None = None, best: pd.DataFrame | None = None):
    """A parameter against an objective (``y_objective``) or against another parameter.

    ``best``: the row to star (the best candidate as ``l2l show`` names it); by default the sample's best point.
    """
    rng = np.random.default_rng(1)
    y = drawn(sample[y_column]) if y_objective else _spread(run, y_column, sample, rng)
    points = ax.scatter(_spread(run, x_column, sample, rng), y, c=colour_values(run, sample, colour_by), cmap=cmap,
                        norm=norm, plotnonfinite=True, **point_style(len(sample)))
    _parameter_axis(ax, run, x_column, "x")
    if y_objective:
        ax.set_ylabel(label(y_objective))
        if wants_log(y):
            ax.set_yscale("log")
        if best is None and y_objective == colour_by:
            best = sample.iloc[-1:]
        if best is not None and len(best):
            ax.scatter(parameter_values(run, x_column, best), drawn(best[y_column]), marker="*",
                       s=140, color="#e8412c", edgecolor="black", linewidths=0.6, zorder=5, label="best")
    else:
        _parameter_axis(ax, run, y_column, "y")
    ax.grid(alpha=0.3)
    return points
