"""The Pareto panel: the front of two objectives as ``l2l show`` lists it, over the faded evaluations."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from l2l.objectives import Objective
from l2l.plot.data import RunData, label, sample_for_scatter
from l2l.plot.style import BEST_COLOUR, RASTERIZE_ABOVE, drawn, empty_panel, point_style, wants_log


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
        empty_panel(ax, "no successful evaluation")
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
    style = point_style(len(rest))
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
                     f"({len(front):,}{(' candidate' if len(front) == 1 else ' candidates') + ', repeats averaged' if averaged else ''})")
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
