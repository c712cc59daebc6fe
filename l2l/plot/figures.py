"""Figures of one run. Each function takes a trajectory (path, Trajectory, DataFrame or RunData)
and returns a :class:`matplotlib.figure.Figure`; nothing is shown and no pyplot state is used,
so they work in scripts, on clusters without a display and in notebooks alike.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Sequence

from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure

from l2l.analysis.outputs import check_dpi, check_output, write_atomically
from l2l.errors import ArgumentError, ConfigError, TrajectoryError, path_argument
from l2l import numbers
from l2l.objectives import Objective
from l2l.plot import health, panels, pareto_panel, style
from l2l.plot.best_so_far import best_row, reevaluated
from l2l.plot.style import fitting_suptitle
from l2l.plot.data import RunData, load_run, objective_names, top_parameters
from l2l.results_schema.frames import segment_compute
from l2l.words import option

KINDS = ("overview", "fitness", "parameters", "scatter", "pareto", "failures", "curves", "lineage", "schedules")
FORMATS = (".png", ".svg", ".pdf")


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained", dpi=100)


def _colour_bar(fig: Figure, points: Any, axes: Any, objective: Objective, run: RunData) -> None:
    # A mappable of its own: the bar shows full colours even where the points are translucent.
    bar = fig.colorbar(ScalarMappable(norm=points.norm, cmap=points.cmap), ax=axes, shrink=0.9, pad=0.01)
    bar.set_label(style.colour_label(run, objective))
    bar.solids.set_rasterized(True)


def _colours(run: RunData, goal: Objective) -> tuple[Any, Any, Any]:
    """The points to draw (a sample of the successful ones), their colour map and norm. A multi-fidelity run's
    scale is its top budget's: only candidates that reached it are coloured (the norm's range is theirs), the
    others are grey, drawn first (:func:`style.colour_values`)."""
    ok = run.ok
    cmap, norm = style.fitness_colours(style.colour_values(run, ok, goal), goal)
    return style.colour_sample(run, ok, goal), cmap, norm


def _objectives(run: RunData, names: Sequence[str] | None) -> list[Objective]:
    names = objective_names(names)
    return [run.objective(n) for n in names] if names else list(run.objectives)


def _summary_line(run: RunData) -> str:
    frame = run.frame
    if run.multi_fidelity:  # candidates trained in segments: generations mean nothing to the user
        segments = run.segments
        failed = int((segments["status"] != "ok").sum())
        compute = float(segment_compute(segments).sum())  # every attempt, as l2l show counts it
        unit = (run.fidelity or {}).get("unit") or "budget units"
        return (f"{len(frame):,} candidates, {len(segments):,} segments, compute {numbers.compute(compute)} {unit}, "
                f"{failed:,} failed")
    failed = int((frame["status"] != "ok").sum())
    generations = frame["generation"].nunique()
    return (f"{len(frame):,} evaluations in {generations} generation{'s' * (generations != 1)}, "
            f"{failed:,} failed")


def fitness(source: Any, objectives: Sequence[str] | None = None) -> Figure:
    """Per objective: best and median of each generation, the interquartile band and the best so far.

    A multi-fidelity run has no generations of its own: the best so far at the top budget against the compute
    spent, over every segment's result (:func:`panels.draw_best_by_compute`), with the best ``l2l show`` names.
    """
    run = load_run(source, errors=False)
    chosen = _objectives(run, objectives)
    fig = _figure(8, 1.2 + 3.0 * len(chosen))
    axes = fig.subplots(len(chosen), 1, sharex=True, squeeze=False)[:, 0]
    for ax, objective in zip(axes, chosen):
        panels.draw_fitness(ax, run, objective)
    if run.multi_fidelity:
        fitting_suptitle(fig, f"{run.title}: best so far against compute\n{_summary_line(run)}"
                               f"{_best_text(run, chosen[0])}")
    else:
        fitting_suptitle(fig, f"{run.title}: fitness over generations\n{_summary_line(run)}")
    return fig


def parameters(source: Any, objective: str | None = None, top: int = 6) -> Figure:
    """The distribution of the ``top`` most relevant parameters per generation, coloured by the objective.

    In a multi-fidelity run the colour is the objective at the top budget: a candidate stopped below it is
    drawn grey (its value is at another fidelity), as the colour bar's label says.
    """
    run = load_run(source, errors=False)
    goal = run.objective(objective)
    columns = top_parameters(run, top, goal)
    n_columns = 1 if len(columns) == 1 else 2 if len(columns) <= 4 else 3
    n_rows = max(1, -(-len(columns) // n_columns))
    fig = _figure(4.2 * n_columns + 1.2, 1.0 + 3.0 * n_rows)
    axes = fig.subplots(n_rows, n_columns, squeeze=False).ravel()
    sample, cmap, norm = _colours(run, goal)
    points = None
    for i, column in enumerate(columns):
        points = panels.draw_parameter(axes[i], run, column, goal, sample, cmap, norm, legend=i == 0)
    for ax in axes[len(columns):]:
        ax.set_visible(False)
    if points is not None:
        _colour_bar(fig, points, axes[:len(columns)], goal, run)
    over = "against the highest budget reached" if run.multi_fidelity else "over generations"  # a policy run has none
    fitting_suptitle(fig, f"{run.title}: parameters {over} (top {len(columns)} of "
                           f"{len(run.parameters)} by how much of {goal.name} they explain)")
    return fig


def scatter(source: Any, objective: str | None = None, top: int = 4) -> Figure:
    """Scatter matrix of the ``top`` parameters: each against every objective, and against each other.

    The first rows show each objective against each parameter; below them a
    lower triangle shows pairs of parameters, coloured by ``objective`` (a multi-fidelity run: at the top
    budget, grey below it, as in :func:`parameters`).
    """
    run = load_run(source, errors=False)
    goal = run.objective(objective)
    columns = top_parameters(run, top, goal)
    shown_objectives = list(run.objectives[:3])
    if goal not in shown_objectives:
        shown_objectives[-1] = goal
    k = len(columns)
    n_rows = len(shown_objectives) + max(0, k - 1)
    fig = _figure(1.2 + 3.0 * max(k, 1), 0.8 + 2.7 * n_rows)
    if not k:
        ax = fig.subplots()
        style.empty_panel(ax, "the space has no parameters")
        return fig
    axes = fig.subplots(n_rows, k, squeeze=False, sharex="col", sharey="row")
    ok = run.ok
    sample, cmap, norm = _colours(run, goal)
    points = None
    # the star is the candidate the overview's title and l2l show name (a candidate evaluated more than once at
    # its mean), not the sample's best single result, which on a noisy objective was a lucky seed
    star = best_row(run, goal)[0] if len(ok) else None
    for row, shown in enumerate(shown_objectives):
        for j, column in enumerate(columns):
            points = panels.draw_scatter_cell(axes[row, j], run, column, shown.name, sample, goal, cmap, norm,
                                              y_objective=shown, best=star if shown == goal else None)
            if j:
                axes[row, j].set_ylabel("")
    for i in range(1, k):
        row = len(shown_objectives) + i - 1
        for j in range(k):
            ax = axes[row, j]
            if j < i:
                panels.draw_scatter_cell(ax, run, columns[j], columns[i], sample, goal, cmap, norm)
                if j:
                    ax.set_ylabel("")
            else:
                ax.set_visible(False)
    for row in range(n_rows - 1):
        for j, ax in enumerate(axes[row]):
            if axes[row + 1, j].get_visible():
                ax.set_xlabel("")
            else:  # the lowest cell of its column: it carries the column's ticks
                ax.tick_params(labelbottom=True)
    if points is not None:
        _colour_bar(fig, points, axes, goal, run)
    if star is not None and len(star):  # beside the star, in the row of the objective it is best by
        axes[shown_objectives.index(goal), 0].legend(fontsize="small", loc="best")
    what = "candidates" if run.multi_fidelity else "evaluations"  # a policy run's points: one per candidate
    fitting_suptitle(fig, f"{run.title}: top {k} parameters against the objectives and each other "
                           f"(colour: {goal.name}; {len(sample):,} of {len(ok):,} successful {what} shown)")
    return fig


def pareto(source: Any, objectives: Sequence[str] | None = None) -> Figure:
    """The Pareto front of two objectives, as ``l2l show`` lists it, over all successful evaluations: a candidate
    evaluated more than once is one point of the front, at the means of its results. In a run of three or more
    objectives the title counts ``l2l show``'s front (over all of them) and its members off the two drawn
    objectives' front are open circles.

    ``objectives``: the two to show (default: the first two); one name shows it against the first other one.
    Raises :class:`TrajectoryError` for a run with a single objective.
    """
    run = load_run(source, errors=False)
    chosen = _objectives(run, objectives)
    if len(chosen) == 1:
        chosen += [o for o in run.objectives if o != chosen[0]][:1]
    if len(chosen) < 2:
        raise TrajectoryError(f"a Pareto plot needs two objectives; {run.name} has one "
                              f"({chosen[0].name}): try {option('kind', 'fitness')}")
    fig = _figure(7.5, 6)
    ax = fig.subplots()
    size, averaged, whole = pareto_panel.draw_pareto(ax, run, chosen[0], chosen[1])
    hidden = [o.name for o in run.objectives if o not in chosen[:2]]
    count = whole if hidden else size
    of = (f" candidate{'s' * (count != 1)} (a candidate evaluated more than once at its means)" if averaged
          else " evaluation" if count == 1 else "")  # was '1 non-dominated candidates (...)'
    if hidden:  # the front l2l show lists is over every objective: say which count is which
        fitting_suptitle(fig, f"{run.title}: {whole} non-dominated{of} over all {len(run.objectives)} objectives "
                               f"of {len(run.ok):,} successful evaluations\nobjectives not shown: "
                               f"{', '.join(hidden)}")
        return fig
    fitting_suptitle(fig, f"{run.title}: {size} non-dominated{of} of {len(run.ok):,} successful evaluations")
    return fig


def failures(source: Any) -> Figure:
    """What failed and how long evaluations took: status per generation, durations, the frequent errors."""
    run = load_run(source, errors=True)
    fig = _figure(12, 8)
    axes = fig.subplots(2, 2).ravel()
    health.draw_status(axes[0], run)
    health.draw_duration_histogram(axes[1], run)
    health.draw_duration_per_generation(axes[2], run)
    health.draw_errors(axes[3], run)
    fitting_suptitle(fig, f"{run.title}: failures and durations\n{_summary_line(run)}")
    return fig


def overview(source: Any, objective: str | None = None) -> Figure:
    """The most useful panels on one page: fitness, Pareto front or best parameter, parameters, failures.

    The parameter panels are coloured as in :func:`parameters` (a multi-fidelity run: at the top budget). A
    multi-fidelity run, or a sweep that stored its candidates' learning curves (its simulator declares a
    fidelity), shows them first (as ``l2l plot --kind curves`` does), its best so far below them.
    """
    run = load_run(source, errors=False)
    goal = run.objective(objective)
    fig = _figure(15, 8.5)
    grid = fig.add_gridspec(2, 3)
    sweep_curves = False  # a sweep whose simulator declares a fidelity, with the learning curves it stored
    if run.multi_fidelity:  # the learning curves say more than per-rung statistics
        from l2l.plot.curves import draw_curves
        draw_curves(fig.add_subplot(grid[0, 0]), run, goal)
    elif run.fidelity:  # its curves where a policy run has them; its fitness where that one has its best so far
        from l2l.plot.curves import draw_curves
        ax = fig.add_subplot(grid[0, 0])
        try:
            draw_curves(ax, run, goal)
            sweep_curves = True
        except TrajectoryError:  # it stored none (a function that returns no curve): nothing was drawn
            panels.draw_fitness(ax, run, goal)
    else:
        panels.draw_fitness(fig.add_subplot(grid[0, 0]), run, goal)
    columns = top_parameters(run, 3, goal)
    ok = run.ok
    sample, cmap, norm = _colours(run, goal)
    colour_axes, points = [], None
    if len(run.objectives) >= 2:
        others = [o for o in run.objectives if o != goal]
        pareto_panel.draw_pareto(fig.add_subplot(grid[0, 1]), run, goal, others[0])
    elif columns:
        ax = fig.add_subplot(grid[0, 1])
        star = best_row(run, goal)[0]  # the candidate the title names (a multi-fidelity run: at its top budget)
        points = panels.draw_scatter_cell(ax, run, columns[0], goal.name, sample, goal, cmap, norm, goal,
                                          best=star)
        ax.set_title(f"{goal.name} against {columns[0]}")
        if len(ok):
            ax.legend(fontsize="small", loc="best")
        colour_axes.append(ax)
    for i, position in enumerate([grid[0, 2], grid[1, 0]]):
        ax = fig.add_subplot(position)
        if run.multi_fidelity and i == 1:  # the best so far, at the top budget, against compute
            panels.draw_best_by_compute(ax, run, goal)
        elif sweep_curves and i == 1:
            panels.draw_fitness(ax, run, goal)
        elif i < len(columns):
            points = panels.draw_parameter(ax, run, columns[i], goal, sample, cmap, norm, legend=i == 0)
            colour_axes.append(ax)
        else:
            style.empty_panel(ax, "no further parameter")
    health.draw_status(fig.add_subplot(grid[1, 1]), run)
    health.draw_duration_histogram(fig.add_subplot(grid[1, 2]), run)
    if points is not None:
        _colour_bar(fig, points, colour_axes, goal, run)
    best = _best_text(run, goal)
    fitting_suptitle(fig, f"{run.title}\n{_summary_line(run)}{best}")
    return fig


def _best_text(run: RunData, objective: Objective) -> str:
    """The best evaluation as ``l2l show`` names it: at a multi-fidelity run's top budget, repeats averaged."""
    from l2l.analysis.best import REPEAT_COUNT

    best, averaged = best_row(run, objective)
    if best is None:
        return ""
    ok = run.ok
    row = best.iloc[0]
    where = f"trial {row['trial']}" if run.multi_fidelity and "trial" in ok.columns else \
        f"generation {row['generation']}, individual {row['individual']}"
    if averaged and row[REPEAT_COUNT] > 1:
        where += f", mean of {row[REPEAT_COUNT]}"
    top = run.top_budget
    if top is not None and "budget" in best.columns and float(row["budget"]) < top - 1e-9 * max(1.0, abs(top)):
        # no candidate reached the top budget (segments failed, or the run was cut short): say so, as l2l show does
        unit = (run.fidelity or {}).get("unit") or (run.fidelity or {}).get("name") or "units"
        where += (f", at {numbers.number(float(row['budget']))} {unit}: no candidate reached the top budget "
                  f"{numbers.number(top)}")
    text = f"; best {objective.name} = {numbers.number(row[objective.name])} ({where})"  # 1234568, not 1.23457e+06

    fresh = reevaluated(run, objective)
    if fresh is not None:  # on a noisy objective the recorded best is biased: say what the fresh seeds say
        ci = f" ± {numbers.number(fresh['ci95'], digits=2)}" if math.isfinite(fresh["ci95"]) else ""
        k = fresh["candidates"]
        # several objectives: of which candidates this is the best (the front, another objective's best)
        of = f"best of {k}" if not fresh["among"] else \
            f"best {objective.name} of the {k} of the Pareto front re-evaluated" if fresh["picked"] == "front" else \
            f"best {objective.name} of the {k} best by {fresh['picked']}" if fresh["picked"] else \
            f"best {objective.name} of the {k} re-evaluated"
        text += (f"\nre-evaluated on {fresh['seeds']} fresh seeds, {of}: {numbers.number(fresh['mean'])}{ci} "
                 f"({fresh['where']})")
    return text


def lineage(source: Any, objective: str | None = None) -> Figure:
    """Population-based training: which trial copied whose checkpoint, over the budget."""
    from l2l.plot.lineage import lineage_figure
    return lineage_figure(source)


def schedules(source: Any, objective: str | None = None) -> Figure:
    """Population-based training: the parameters each final learner was trained with, over the budget."""
    from l2l.plot.lineage import schedules_figure
    return schedules_figure(source, objective)


def curves(source: Any, objective: str | None = None) -> Figure:
    """Learning curves of every candidate of a multi-fidelity run, with its stops and rungs."""
    from l2l.plot.curves import curves_figure
    return curves_figure(source, objective)


_KIND_FUNCTIONS = {"overview": overview, "fitness": fitness, "parameters": parameters, "scatter": scatter,
                   "pareto": pareto, "failures": failures, "curves": curves, "lineage": lineage,
                   "schedules": schedules}


def figure(source: Any, kind: str = "overview", **options: Any) -> Figure:
    """The figure of one ``kind`` (see :data:`KINDS`); ``options`` are that kind's function's (``top=6`` of
    :func:`parameters`). An option the kind does not take is refused in one :class:`~l2l.errors.ArgumentError`
    line naming the ones it takes (it raised Python's TypeError)."""
    import inspect

    if not isinstance(kind, str) or kind not in _KIND_FUNCTIONS:
        raise ConfigError(f"unknown plot kind {kind!r:.60}; choose one of {', '.join(KINDS)}")
    function = _KIND_FUNCTIONS[kind]
    taken = list(inspect.signature(function).parameters)[1:]
    for key in options:
        if key not in taken:
            raise ArgumentError(f"l2l.plot.figure(kind={kind!r}) has no option {key!r}; it takes "
                                f"{', '.join(taken) or 'none'}")
    return function(source, **options)


def save(fig: Figure, path: str | os.PathLike, dpi: int = 110, overwrite: bool = True) -> Path:
    """Write ``fig`` to ``path`` (.png, .svg or .pdf) atomically: a failure leaves no partial file.

    ``overwrite=False`` refuses an existing file (:class:`ConfigError`), as
    the ``plot`` and ``compare`` commands do without ``--force``. A ``fig`` that is no Figure, a ``path`` that is
    no file's path, a ``dpi`` outside :data:`l2l.analysis.outputs.DPI_RANGE` and an ``overwrite`` that is not True
    or False are refused in one :class:`~l2l.errors.ArgumentError` (or ConfigError) line before anything is written.
    """
    if not isinstance(fig, Figure):
        raise ArgumentError(f"fig must be a matplotlib Figure (what l2l.plot's functions return), got "
                            f"{type(fig).__name__} {fig!r:.60}")
    dpi = check_dpi(dpi)
    suffix = path_argument(path).suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(f"output {os.fsdecode(path)!r}: the file name must end in one of {', '.join(FORMATS)}")
    path = check_output(path, force=overwrite, names=("figure_path", "overwrite"))
    from matplotlib import rc_context

    if suffix == ".png" and _drawn_once_as_saved():
        return write_atomically(path, lambda tmp: _png_drawn_once(fig, tmp, dpi))
    with rc_context({"svg.hashsalt": "l2l"}):  # an SVG's ids are random without it: the same file, other bytes
        return write_atomically(path, lambda tmp: fig.savefig(tmp, format=suffix[1:], dpi=dpi,
                                                              metadata=_metadata(suffix)))


def _drawn_once_as_saved() -> bool:
    """Whether :func:`_png_drawn_once` writes what ``savefig`` would: the savefig settings it leaves out at their
    defaults (a colour, a tight box or transparency asked for in matplotlib's rc: savefig then)."""
    from matplotlib import rcParams

    return (rcParams["savefig.facecolor"] == "auto" and rcParams["savefig.edgecolor"] == "auto"
            and rcParams["savefig.bbox"] in (None, "standard") and not rcParams["savefig.transparent"])


def _png_drawn_once(fig: Figure, target: Any, dpi: int) -> None:
    """The bytes of ``fig.savefig(target, format="png", dpi=dpi, metadata=...)``, drawn once: savefig draws a
    figure with a layout engine (constrained, as l2l's are) twice, once without pixels to lay it out and once to
    print it (about a fifth of the save's CPU time: 1.59 -> 1.30 s for an asha run's overview, saved again in
    one process). Here the layout runs at ``dpi`` and the Agg canvas prints the figure with the engine set aside,
    as the report's figures are drawn (:func:`l2l.analysis.report._png`). The figure keeps its canvas, layout
    engine, dpi and size. SVG and PDF are saved by savefig (their layout runs on their own renderers)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    engine, canvas, old_dpi, size = fig.get_layout_engine(), fig.canvas, fig.dpi, fig.get_size_inches()
    agg = FigureCanvasAgg(fig)  # sets itself as fig's canvas, as savefig's switch to the png format does
    try:
        fig.set_dpi(dpi)
        if engine is not None:
            engine.execute(fig)
            fig.set_layout_engine("none")
        agg.print_png(target, metadata=_metadata(".png"))
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)
        fig.set_dpi(old_dpi)
        fig.set_size_inches(size)
        fig.set_canvas(canvas)


def _metadata(suffix: str) -> dict[str, Any]:
    # No creation dates, so that a figure of the same file is the same bytes.
    if suffix == ".png":
        return {"Software": "l2l"}
    if suffix == ".svg":
        return {"Date": None, "Creator": "l2l"}
    return {"CreationDate": None, "Creator": "l2l"}
