"""Panels: each function draws one view of a run on a matplotlib ``Axes`` it is given.

The figures in :mod:`l2l.plot.figures` arrange these panels; notebooks can use
them on axes of their own. Large runs stay readable and fast: scatters draw a
subsample that keeps the best points and are rasterized, everything else is
aggregated per generation first.
"""

from __future__ import annotations

from typing import Any, Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import colors
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, Locator, MaxNLocator, NullFormatter

from l2l.numbers import number as written
from l2l.objectives import Objective
from l2l.analysis.incumbent import best_of_means
from l2l.plot.best_so_far import MEAN_LINE, _found, averages_repeats, curves
from l2l.plot.data import RunData, categories, generation_statistics, label, parameter_values, sample_for_scatter

STATUS_COLOURS = {"ok": "#4c9a5b", "failed": "#c8443c", "timeout": "#e39b2d"}
BEST_COLOUR = "#1f4e9c"
RASTERIZE_ABOVE = 2_000


def wants_log(values: np.ndarray, span: float = 1e3) -> bool:
    """A log axis for positive values spanning more than three decades (more than ``span``: a best-so-far
    line, the subject of its panel, takes one from two decades, where on a linear axis it lay on the zero line)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return bool(len(values)) and values.min() > 0 and values.max() / values.min() > span


#: How far the values of a best-so-far panel span before it is drawn on a log axis.
BEST_SPAN = 100.0


#: The largest magnitude an objective is drawn at: a diverged training's loss (1e260, finite) put on a log
#: axis or colour bar made matplotlib place ticks beyond the largest float (OverflowError, no figure, no
#: report); such values are drawn at this edge instead.
DRAWN_LIMIT = 1e200


def drawn(values) -> np.ndarray:
    """Objective values as drawn: those beyond :data:`DRAWN_LIMIT` at that limit (NaN stays NaN)."""
    return np.clip(np.asarray(values, dtype=float), -DRAWN_LIMIT, DRAWN_LIMIT)


#: Points without a colour value: in a multi-fidelity run, candidates that never reached the top budget.
UNCOLOURED = "#c4c4c4"


def colour_values(run: RunData, frame: pd.DataFrame, objective: Objective) -> np.ndarray:
    """The values that colour ``frame``'s points: the objective; in a multi-fidelity run only where a candidate
    is at the top budget, NaN (drawn grey, :data:`UNCOLOURED`) where it stopped below: a value at a lower budget
    is at another fidelity, on no common scale with the top budget's."""
    from l2l.analysis.best import at_top_budget

    values = frame[objective.name].to_numpy(dtype=float)
    if run.multi_fidelity and "budget" in frame.columns:
        values = np.where(at_top_budget(frame["budget"], run.top_budget), values, np.nan)
    return values


def colour_sample(run: RunData, frame: pd.DataFrame, objective: Objective) -> pd.DataFrame:
    """:func:`sample_for_scatter` of ``frame``, grey points (:func:`colour_values`) drawn first, under the rest."""
    sample = sample_for_scatter(frame, objective)
    if not run.multi_fidelity:
        return sample
    coloured = np.isfinite(colour_values(run, sample, objective))
    return pd.concat([sample[~coloured], sample[coloured]])


def colour_label(run: RunData, objective: Objective) -> str:
    """The colour bar's label: the objective, and in a multi-fidelity run which budget it is at."""
    if not run.multi_fidelity or run.top_budget is None:
        return label(objective)
    return (f"{label(objective)}\nat the top budget ({number(run.top_budget)} {_fidelity_unit(run)})\n"
            f"grey: stopped below it")  # as the ticks name the budget: 1,234,568, not 1.23457e+06


def fitness_colours(values: np.ndarray, objective: Objective) -> tuple[colors.Colormap, colors.Normalize]:
    """Colour map and norm for objective values: the best are yellow, outliers do not wash out the rest; NaN
    values are drawn grey (:data:`UNCOLOURED`)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    cmap = matplotlib.colormaps["viridis_r" if objective.direction == "minimize" else "viridis"]
    cmap = cmap.with_extremes(bad=UNCOLOURED)
    if not len(values):
        return cmap, colors.Normalize(0, 1)
    values = drawn(values)
    low, high = np.quantile(values, [0.02, 0.98]) if len(values) > 50 else (values.min(), values.max())
    if low == high:  # one value: a bar around it on its own scale (0.94 drew a bar from 0.44 to 1.44)
        pad = 0.05 * abs(low) or 0.5
        low, high = low - pad, high + pad
    if low > 0 and high / low > 100:
        return cmap, colors.LogNorm(low, high, clip=True)
    return cmap, colors.Normalize(low, high, clip=True)


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def _point_style(n: int) -> dict:
    size = 24 if n <= 200 else 10 if n <= 5_000 else 4
    alpha = 0.9 if n <= 200 else 0.6 if n <= 5_000 else 0.35
    return {"s": size, "alpha": alpha, "linewidths": 0, "rasterized": n > RASTERIZE_ABOVE}


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
        _empty(ax, "no successful evaluation")
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

    unit = _fidelity_unit(run)
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
        _empty(ax, "no successful evaluation")
        return
    top = at_top_budget(segments["budget"], run.top_budget) & ok
    below = ok & ~top
    if below.any():
        ax.scatter(spent[below], values[below], color="#9aa5b1", **{**_point_style(int(below.sum())), "alpha": 0.35},
                   label=f"below the top budget ({int(below.sum()):,})")
    if top.any():
        ax.scatter(spent[top], values[top], color="#d07a2a", **_point_style(int(top.sum())),
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
                        cmap=cmap, norm=norm, plotnonfinite=True, **_point_style(len(sample)))
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
        ax.set_xlabel(f"highest budget reached ({_fidelity_unit(run)})")
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
                        norm=norm, plotnonfinite=True, **_point_style(len(sample)))
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


def pareto_front(run: RunData, first: Objective, second: Objective) -> tuple[pd.DataFrame, bool]:
    """The Pareto front of ``first`` and ``second`` that ``l2l show`` and ``l2l report`` list: over candidates
    (:func:`l2l.analysis.best.front_candidates`), a candidate evaluated more than once (a GA's elite, evaluated
    again with a new seed every generation) one point at the means of its results, so that a lucky seed does not
    make the front; a multi-fidelity run's at its top budget. Returns the front and whether repeats were averaged.

    Grouping every row by all its parameters takes seconds on a million rows; only the rows that may be repeats
    (sharing their parameters' values read so far with another row) and, of the others, those on their own front
    are grouped: a single evaluation off that front is dominated by another single one and is off the front
    anyway. The same front as from every row, in a fraction of the time where few rows repeat.
    """
    from l2l.analysis.best import front_candidates, front_rows, ranked

    frame = run.frame  # the rows ranked() keeps, found on two narrow columns: copying every column is slow
    narrow = frame[[c for c in ("status", "budget") if c in frame.columns]].assign(_row=np.arange(len(frame)))
    rows = ranked(narrow, run.top_budget)["_row"].to_numpy()
    scores = np.column_stack([frame[o.name].to_numpy(dtype=float)[rows] * o.sign for o in (first, second)])
    needed = front_rows((frame[name].take(rows) for name in run.parameters), scores, np.ones(len(rows), dtype=bool))
    return front_candidates(frame.iloc[np.sort(rows[needed])], (first, second), run.parameters)


def _under_front(tied: int, first: Objective, second: Objective, run: RunData) -> str:
    """What the faded points' legend adds where ``tied`` candidates tie a front member on the two drawn objectives
    but are dominated through another (:func:`draw_pareto`), '' where none does."""
    if not tied:
        return ""
    hidden = [o.name for o in run.objectives if o not in (first, second)]
    worse = hidden[0] if len(hidden) == 1 else "an objective not drawn"
    return f"; {tied:,} under a front point: tied on {first.name} and {second.name}, worse on {worse}"


def draw_pareto(ax: Axes, run: RunData, first: Objective, second: Objective,
                legend: bool = True) -> tuple[int, bool, int]:
    """All successful evaluations faded, the front :func:`pareto_front` gives of the two objectives drawn
    highlighted (as ``l2l show`` lists it for a run of two); in a run of three or more, the other candidates of the
    front over all of them (``l2l show``'s) as open circles, since they are on the front through an objective not
    drawn. There blue is drawn of the members of the front over all objectives that are on the drawn pair's front:
    a candidate that ties one of them on both drawn objectives and is worse on another is dominated, and faded
    (the legend of the faded points counts them), so that blue and open circles add up to the front over all.
    Returns the size of the front drawn blue, whether repeats of a candidate were averaged (its point on the
    front at their means, its evaluations among the faded ones) and the size of the front over all objectives."""
    ok = run.ok
    ax.set_title(f"Pareto front: {first.name} vs {second.name}")
    ax.set_xlabel(label(first))
    ax.set_ylabel(label(second))
    if ok.empty:
        _empty(ax, "no successful evaluation")
        return 0, False, 0
    front, averaged = pareto_front(run, first, second)
    full = front
    tied = 0
    if len(run.objectives) > 2:
        # l2l show's front, over every objective. It is no superset of the two drawn ones': a candidate that ties a
        # member on both drawn objectives but is worse on another is on the drawn pair's front and dominated over
        # all. Blue is drawn of the members of l2l show's front only, so that blue and the open circles add up to
        # the title's count; such a candidate is faded, under its twin's blue point (the legend says how many).
        from l2l.analysis.best import front_candidates, ranked

        full, all_averaged = front_candidates(ranked(run.frame, run.top_budget), run.objectives, run.parameters)
        averaged = averaged or all_averaged
        kept = front.index.isin(full.index)
        tied = int((~kept).sum())
        front = front[kept]
    front = front.sort_values(first.name)
    # a front point that is a single evaluation is drawn once, as the front's
    from l2l.analysis.best import REPEAT_COUNT

    single = (lambda table: table.index if REPEAT_COUNT not in table.columns
              else table.index[table[REPEAT_COUNT].to_numpy() == 1])
    faded = ~ok.index.isin(single(front).union(single(full)))
    rest = sample_for_scatter(ok[faded], first)
    style = _point_style(len(rest))
    style["alpha"] = min(style["alpha"], 0.35)
    ax.scatter(drawn(rest[first.name]), drawn(rest[second.name]), color="0.6",
               label=f"{'evaluations' if averaged else 'dominated'} ({int(faded.sum()):,}"
                     f"{_under_front(tied, first, second, run)})",
               **style)
    x, y = drawn(front[first.name]), drawn(front[second.name])
    ax.step(x, y, where="post" if first.direction == "minimize" else "pre", color=BEST_COLOUR, linewidth=1.2,
            alpha=0.8)
    ax.scatter(x, y, color=BEST_COLOUR, edgecolor="white", linewidths=0.5, s=36 if len(x) < 300 else 12,
               zorder=4, rasterized=len(x) > RASTERIZE_ABOVE,
               label=f"Pareto front{f' of {first.name} and {second.name}' if len(run.objectives) > 2 else ''} "
                     f"({len(front):,}{' candidates, repeats averaged' if averaged else ''})")
    through = full[~full.index.isin(front.index)]
    if len(run.objectives) > 2 and len(through):
        hidden = [o.name for o in run.objectives if o not in (first, second)]
        ax.scatter(drawn(through[first.name]), drawn(through[second.name]), facecolors="none",
                   edgecolors=BEST_COLOUR, linewidths=0.9, s=30 if len(through) < 300 else 10, zorder=3,
                   rasterized=len(through) > RASTERIZE_ABOVE,
                   label=f"on the front through {hidden[0] if len(hidden) == 1 else 'the objectives not drawn'} "
                         f"({len(through):,})")
    values = drawn(ok[[first.name, second.name]])
    if wants_log(values[:, 0]):
        ax.set_xscale("log")
    if wants_log(values[:, 1]):
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize="small", loc="best")
    return len(front), averaged, len(full)


def status_counts(run: RunData) -> pd.DataFrame:
    """Evaluations per generation (rows) and status (columns ok, failed, timeout); for a multi-fidelity run,
    segments per budget reached."""
    frame, by = (run.segments, "budget") if run.multi_fidelity else (run.frame, "generation")
    counts = pd.crosstab(frame[by].to_numpy(), frame["status"].astype(str).to_numpy())
    return counts.reindex(columns=list(STATUS_COLOURS), fill_value=0)


def draw_status(ax: Axes, run: RunData, legend: bool = True) -> None:
    """Stacked bars: evaluations per generation (segments per budget) that succeeded, failed or timed out."""
    counts = status_counts(run)
    total = int(counts.to_numpy().sum())
    bad = total - int(counts["ok"].sum())
    what, per = ("segments", "budget") if run.multi_fidelity else ("evaluations", "generation")
    ax.set_title(f"{what} per {per}: {bad:,} of {total:,} failed ({100 * bad / max(total, 1):.1f} %)")
    ax.set_xlabel(f"budget reached ({_fidelity_unit(run)})" if run.multi_fidelity else "generation")
    ax.set_ylabel(f"{what} (count)")
    if not total:
        _empty(ax, f"no {what[:-1]} yet")
        return
    x = counts.index.to_numpy()
    if run.multi_fidelity:  # budgets (1, 3, 9, 27, 81 ...): one bar each, side by side, labelled
        labels, x = [number(b) for b in x], np.arange(len(x))
    bottom = np.zeros(len(x))
    for status, colour in STATUS_COLOURS.items():
        heights = counts[status].to_numpy()
        if heights.any() or status == "ok":
            if len(x) <= 100:
                ax.bar(x, heights, bottom=bottom, width=0.8, color=colour, label=status, linewidth=0)
            else:  # thousands of bars are slow to draw and unreadable: stacked areas say the same
                ax.fill_between(x, bottom, bottom + heights, step="mid", color=colour, label=status, linewidth=0)
        bottom = bottom + heights
    if len(x) == 1:
        ax.set_xlim(x[0] - 1, x[0] + 1)
    if run.multi_fidelity:
        label_ticks(ax, x, labels)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3, axis="y")
    if legend:
        ax.legend(fontsize="small", loc="lower right")


def number(value: float, _position: Any = None) -> str:
    """A budget as a reader writes it (:func:`l2l.numbers.number`, grouped): 27, 1,000, 0.5, 123,457 (not 10^1,
    2.7e+01 or 1.235e+05); four significant digits, as a tick label is read beside its neighbours, not against
    another candidate's score: 0.1015, not 0.101496."""
    return written(value, digits=4, grouped=True)


#: The room a tick label takes per character, and at least between two labels (inches, at the default size of
#: tick labels): a digit is about 0.08 in wide, so 0.1015 or 1,000 about 0.45 in.
CHARACTER, SPACING = 0.08, 0.12


def fitting(positions: Sequence[float], texts: Sequence[str], low: float, high: float, log: bool, width: float,
            from_top: bool = False) -> list[float]:
    """Of the ticks at ``positions`` (ascending) with labels ``texts``, those to label on an axis from ``low`` to
    ``high`` that is ``width`` inches long: every one where all fit side by side, else every second, third ...
    (the smallest step whose labels do not touch), counted from the first one or, ``from_top``, from the last
    (the top budget). Before, a panel of a run with many budgets labelled up to 30 bars one by one (their labels
    ran together: 90100110, or 0.1014960.152244 for a continuous fidelity) and the learning curves' axis gave more
    than 12 rungs matplotlib's ticks (0.1, 1, 10, 100 on a log axis: none of them a rung)."""
    inside = [(p, t) for p, t in zip(positions, texts) if low <= p <= high and (p > 0 or not log)]
    if from_top:
        inside = inside[::-1]
    if len(inside) < 2 or not high > low or width <= 0:
        return sorted(p for p, _ in inside)

    def place(value: float) -> float:
        if log:
            return (np.log10(value) - np.log10(low)) / (np.log10(high) - np.log10(low)) * width
        return (value - low) / (high - low) * width

    for step in (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 100, 200, 500, 1000):
        chosen = inside[::step]
        if all(abs(place(a) - place(b)) >= (len(ta) + len(tb)) / 2 * CHARACTER + SPACING
               for (a, ta), (b, tb) in zip(chosen, chosen[1:])):
            return sorted(p for p, _ in chosen)
    return [inside[0][0]]


class SizedLocator(Locator):
    """A locator that chooses its ticks for the axes' size when drawn (:meth:`span`): :class:`FittingLocator` and
    the learning curves' ``FittingTicks``."""

    def __call__(self) -> list[float]:
        low, high = self.axis.get_view_interval()
        return self.tick_values(low, high)

    def span(self, vmin: float, vmax: float) -> tuple[float, float, float]:
        """The view's (low, high) in order and the axes' width in inches."""
        axes = self.axis.axes
        return *sorted((float(vmin), float(vmax))), axes.bbox.width / axes.figure.dpi


class FittingLocator(SizedLocator):
    """Ticks at ``positions``: the major ones where their labels (``texts``) fit, as :func:`fitting` chooses them
    for the axes' size when drawn (an overview's panel is narrower than a figure of its own), the minor ones
    (``labelled`` False) at the others, so that every budget keeps a tick."""

    def __init__(self, positions: Sequence[float], texts: Sequence[str], labelled: bool = True,
                 from_top: bool = False):
        self.positions = [float(p) for p in positions]
        self.texts = list(texts)
        self.labelled = labelled
        self.from_top = from_top

    def tick_values(self, vmin: float, vmax: float) -> list[float]:
        low, high, width = self.span(vmin, vmax)
        chosen = fitting(self.positions, self.texts, low, high, self.axis.get_scale() == "log", width,
                         self.from_top)
        if self.labelled:
            return chosen
        return [p for p in self.positions if low <= p <= high and p not in chosen]


def label_ticks(ax: Axes, positions: Sequence[float], texts: Sequence[str], from_top: bool = False) -> None:
    """Tick the x axis of ``ax`` at every one of ``positions`` and label as many with ``texts`` as fit
    (:class:`FittingLocator`)."""
    labels = dict(zip((float(p) for p in positions), texts))
    ax.xaxis.set_major_locator(FittingLocator(positions, texts, from_top=from_top))
    ax.xaxis.set_minor_locator(FittingLocator(positions, texts, labelled=False, from_top=from_top))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _position: labels.get(float(value), number(value))))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _fidelity_unit(run: RunData) -> str:
    fidelity = run.fidelity or {}
    return str(fidelity.get("unit") or fidelity.get("name") or "budget units")


#: Units of time durations are drawn in, with their length in seconds.
TIME_UNITS = (("µs", 1e-6), ("ms", 1e-3), ("s", 1.0), ("min", 60.0), ("h", 3600.0))


def time_unit(seconds) -> tuple[str, float]:
    """The unit to draw ``seconds`` in and its length in seconds: the largest in which the median duration is at
    least 1, so that ticks read 20, 40, 60 µs, not 0.00002, 0.00004 (which overlapped at 0.000000) nor 1e-5."""
    seconds = np.asarray(seconds, dtype=float)
    seconds = seconds[np.isfinite(seconds) & (seconds > 0)]
    if not len(seconds):
        return "s", 1.0
    typical = float(np.median(seconds))
    name, length = TIME_UNITS[0]
    for unit in TIME_UNITS:
        if typical >= unit[1]:
            name, length = unit
    return name, length


def draw_duration_histogram(ax: Axes, run: RunData, legend: bool = True) -> None:
    """Histogram of evaluation durations, stacked by status; log bins when durations span decades. A
    multi-fidelity run's counts its segments (each ran on its own, as the status panel beside it counts them),
    not its candidates (one row each, with its last segment's duration)."""
    frame = run.segments if run.multi_fidelity else run.frame
    what = "segment" if run.multi_fidelity else "evaluation"
    durations = frame["duration"].to_numpy(dtype=float)
    unit, length = time_unit(durations)
    durations = durations / length
    status = frame["status"].astype(str).to_numpy()
    finite = np.isfinite(durations)
    ax.set_title(f"{what} durations ({int(finite.sum()):,} {what}{'s' * (int(finite.sum()) != 1)})")
    ax.set_xlabel(f"duration of one {what} ({unit})")
    ax.set_ylabel(f"{what}s (count)")
    if not finite.any():
        _empty(ax, f"no {what} yet")
        return
    positive = durations[finite & (durations > 0)]
    if len(positive) and wants_log(positive) or (len(positive) and positive.max() / positive.min() > 30):
        bins = np.geomspace(positive.min(), positive.max() * 1.0001, 40)
        ax.set_xscale("log")
    else:
        bins = np.histogram_bin_edges(durations[finite], bins=min(40, max(5, int(np.sqrt(finite.sum())))))
    stacks = [(durations[finite & (status == s)], s) for s in STATUS_COLOURS if (finite & (status == s)).any()]
    ax.hist([v for v, _ in stacks], bins=bins, stacked=True, color=[STATUS_COLOURS[s] for _, s in stacks],
            label=[s for _, s in stacks])
    ax.grid(alpha=0.3, axis="y")
    if legend:
        ax.legend(fontsize="small", loc="best")


def draw_duration_per_generation(ax: Axes, run: RunData, legend: bool = True) -> None:
    """Median, 10-90 % band and maximum of evaluation durations per generation. A multi-fidelity run has no
    generations of its own: its segments' durations per budget reached, as the status panel counts them."""
    multi = run.multi_fidelity
    frame = run.segments if multi else run.frame
    what, per = ("segment", "budget") if multi else ("evaluation", "generation")
    ax.set_title(f"{what} durations per {per}")
    ax.set_xlabel(f"budget reached ({_fidelity_unit(run)})" if multi else "generation")
    if frame.empty:
        ax.set_ylabel(f"duration of one {what} (s)")
        _empty(ax, f"no {what} yet")
        return
    unit, length = time_unit(frame["duration"])
    ax.set_ylabel(f"duration of one {what} ({unit})")
    grouped = (frame["duration"] / length).groupby(frame[per], sort=True)
    quantiles = grouped.quantile([0.1, 0.5, 0.9]).unstack()
    x = quantiles.index.to_numpy()
    labels = [number(b) for b in x] if multi and len(x) <= 30 else None
    if labels is not None:  # budgets (1, 3, 9, 27 ...): evenly spaced and labelled, as in the status panel
        x = np.arange(len(x))
    marker = "o" if len(x) <= 40 else None
    ax.fill_between(x, quantiles[0.1], quantiles[0.9], color="#c9b3d9", alpha=0.6, linewidth=0,
                    label=f"10-90 % of {what}s")
    ax.plot(x, quantiles[0.5], color="#6a3d9a", marker=marker, markersize=3, label="median")
    ax.plot(x, grouped.max().to_numpy(), color="#6a3d9a", linestyle=":", marker=marker, markersize=2,
            label="slowest")
    if len(x) == 1:
        ax.set_xlim(x[0] - 1, x[0] + 1)
    if wants_log(grouped.max().to_numpy()):
        ax.set_yscale("log")
    if labels is not None:
        label_ticks(ax, x, labels)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize="small", loc="best")


def error_summary(run: RunData, limit: int = 10) -> pd.DataFrame:
    """The most frequent error messages (last line of each error text) with counts and first occurrence."""
    columns = ["message", "count", "status", "generation", "individual", "first", "example"]
    frame = run.segments if run.multi_fidelity else run.frame  # a multi-fidelity run fails segment by segment
    if "error" not in frame.columns:
        return pd.DataFrame(columns=columns)
    bad = frame[(frame["status"] != "ok").to_numpy()]
    if bad.empty:
        return pd.DataFrame(columns=columns)
    texts = bad["error"].astype(object).where(bad["error"].notna(), "")
    from l2l.summary import error_message

    messages = texts.map(lambda t: error_message(str(t))[:300])
    from l2l.summary.failures import reasons_alike

    alike = reasons_alike(messages.unique())  # messages that differ only in their numbers (from 3 on): one
    messages = messages.map(alike)
    if run.multi_fidelity:
        where = [f"trial {t}, budget {written(b)}" for t, b in zip(bad["trial"], bad["budget"])]
    else:
        where = [f"generation {g}, individual {i}" for g, i in zip(bad["generation"], bad["individual"])]
    table = pd.DataFrame({"message": messages.to_numpy(), "status": bad["status"].astype(str).to_numpy(),
                          "generation": bad["generation"].to_numpy(), "individual": bad["individual"].to_numpy(),
                          "first": where, "example": texts.to_numpy(), "order": np.arange(len(bad))})
    grouped = table.groupby("message", sort=False)  # in the order of the rows: .first() is the first occurrence
    summary = grouped.first()
    summary["count"] = grouped.size()
    summary = summary.reset_index().sort_values(["count", "order"], ascending=[False, True])
    shown = summary[columns].head(limit)
    shown.attrs["others"] = (int(summary["count"].iloc[limit:].sum()), max(0, len(summary) - limit))
    return shown


def others_text(summary: pd.DataFrame) -> str:
    """The failures :func:`error_summary` left out past its ``limit``, counted in evaluations as its rows are
    (``7 more with 3 other messages``), or "": the figure and the report dropped them without a word."""
    evaluations, reasons = summary.attrs.get("others", (0, 0))
    if not reasons:
        return ""
    return f"{evaluations} more with {'another message' if reasons == 1 else f'{reasons} other messages'}"


def draw_errors(ax: Axes, run: RunData, limit: int = 6) -> None:
    """The most frequent error messages as text."""
    ax.set_title("most frequent errors")
    ax.axis("off")
    summary = error_summary(run, limit)
    if summary.empty:
        ax.text(0.5, 0.5, "no failed evaluations", ha="center", va="center", transform=ax.transAxes,
                color=STATUS_COLOURS["ok"])
        return
    lines = []
    for row in summary.itertuples():
        message = row.message if len(row.message) <= 70 else row.message[:67] + "..."
        lines.append(f"{row.count:>6} x {row.status}: {message}\n         first: {row.first}")
    others = others_text(summary)
    if others:
        lines.append(f"{'...':>6}   {others}")
    ax.text(0.0, 1.0, "\n".join(lines), ha="left", va="top", transform=ax.transAxes, family="monospace",
            fontsize="small")


def fitting_suptitle(fig: Figure, text: str) -> None:
    """``fig.suptitle(text)``, each line broken between words where it would be wider than the figure."""
    from matplotlib.backends.backend_agg import RendererAgg

    title = fig.suptitle(text)
    renderer = RendererAgg(int(fig.bbox.width), int(fig.bbox.height), fig.dpi)  # measures, draws nothing
    font = title.get_fontproperties()
    room = 0.94 * fig.bbox.width

    def width(line: str) -> float:
        return renderer.get_text_width_height_descent(line, font, ismath=False)[0]

    def pieces(word: str) -> list[str]:  # a word wider than the figure (a long run name) is cut
        out = []
        while width(word) > room and len(word) > 1:
            cut = max((n for n in range(1, len(word)) if width(word[:n]) <= room), default=1)
            out.append(word[:cut])
            word = word[cut:]
        return out + [word]

    lines: list[str] = []
    for whole in text.split("\n"):
        clauses = whole.split("; ")
        # a line too wide breaks after a clause ('...; ' then 'best value = 0.27 (trial 86)') where every clause
        # fits, not inside one ('... 0 failed; best' then 'value = 0.27')
        paragraphs = [whole] if width(whole) <= room or any(width(c) > room for c in clauses) else \
            [c + ";" * (i < len(clauses) - 1) for i, c in enumerate(clauses)]
        for paragraph in paragraphs:
            if lines and paragraph is not whole and lines[-1].endswith(";") and \
                    width(f"{lines[-1]} {paragraph}") <= room:
                lines[-1] = f"{lines[-1]} {paragraph}"
                continue
            lines.append(paragraph)
    text, lines = "\n".join(lines), []
    for paragraph in text.split("\n"):
        line = ""
        for word in (piece for word in paragraph.split(" ") for piece in pieces(word)):
            if line and width(f"{line} {word}") > room:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    title.set_text("\n".join(lines))
