"""Population-based training: the lineage tree of a run, and the parameter schedules of its final learners.

``lineage``: every trial is a horizontal line over the budgets it trained,
at the height of its population slot; a trial that exploited another starts
with a connector from its donor at the budget where it copied the checkpoint.
The final learners' lines are drawn strongly.

``schedules``: for each final learner, each parameter in force against the
budget (a step function over the pieces of its history), coloured by its
final score, with the best learner in black.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatterSciNotation

from l2l.errors import TrajectoryError
from l2l.numbers import number
from l2l.plot.data import categories, load_run
from l2l.plot.style import fitting_suptitle
from l2l.results_schema.lineage import schedules
from l2l.words import option

MAX_PARAMETER_PANELS = 4


class _PlainLog(LogFormatterSciNotation):
    """The ticks matplotlib labels on a log axis, as plain numbers: a learning rate's axis reads 0.003, 0.01,
    0.02, not 3x10^-3, 10^-2, 2x10^-2 (nor a momentum's 6x10^-1 for 0.6)."""

    def __call__(self, x, pos=None):
        return number(x) if super().__call__(x, pos) else ""


def _segments(run, kind: str):
    """The segments of a run in which some trial continued another's checkpoint; one line refusing others
    that names the ``kind`` asked for (``schedules`` too is drawn from the lineage)."""
    if not run.multi_fidelity or "parent" not in run.segments.columns:
        raise TrajectoryError(f"{run.name}: {kind} plots need a run with a [policy] whose learners copy each "
                              f"other (population-based training) or run.inherit; try {option('kind', 'fitness')}")
    if not (run.segments["parent"] >= 0).any():
        raise TrajectoryError(f"{run.name}: {kind} plots need a run whose learners copy each other "
                              f"(population-based training, run.inherit); none of its trials continued another's "
                              f"checkpoint: try {option('kind', 'curves')}")
    return run.segments


def lineage_figure(source) -> Figure:
    """The ``lineage`` plot kind: who copied whom, over the budget."""
    run = load_run(source, errors=False)
    segments = _segments(run, "lineage")
    spans = segments.groupby("trial").agg(start=("from_budget", "min"), end=("budget", "max"),
                                          parent=("parent", "max"))
    first = segments.sort_values("budget").drop_duplicates("trial")
    spans["parent"] = first.set_index("trial")["parent"].reindex(spans.index).fillna(-1).astype(int)
    # a fresh trial opens a row; an exploiting one takes the row of a member that stopped where it started, or
    # else (asynchronous: a member that failed or stopped at 12 copies a donor already at 18) the row of the
    # member that stopped last before it started, so a population of 6 keeps 6 rows (it drew a 7th before)
    rows: dict[int, int] = {}
    occupant_end: dict[int, float] = {}
    for trial, span in spans.sort_values(["start", "parent"], kind="stable").iterrows():
        free = [r for r, end in occupant_end.items() if abs(end - span["start"]) < 1e-9]
        if not free:
            before = {r: end for r, end in occupant_end.items() if end < span["start"]}
            free = [r for r, end in before.items() if end == max(before.values())]
        row = min(free) if span["parent"] >= 0 and free else len(occupant_end)
        rows[int(trial)] = row
        occupant_end[row] = float(span["end"])
    top = float(segments["budget"].max())
    fig = Figure(figsize=(9, 5.5), layout="constrained", dpi=100)
    ax = fig.add_subplot()
    for trial, span in spans.iterrows():
        final = np.isclose(span["end"], top)
        y = rows[int(trial)]
        ax.plot([span["start"], span["end"]], [y, y], color="#1f4e9c" if final else "#9aa5b1",
                linewidth=2.2 if final else 1.2, solid_capstyle="butt")
        if span["parent"] >= 0 and int(span["parent"]) in rows:
            ax.annotate("", xy=(span["start"], y), xytext=(span["start"], rows[int(span["parent"])]),
                        arrowprops={"arrowstyle": "->", "color": "#c0392b", "linewidth": 0.9})
    best = _label_finals(ax, run, segments, spans, rows, top)
    ax.set_xlabel(_unit(run))
    ax.set_ylabel("population member")
    ax.set_yticks(sorted(set(rows.values())))
    copies = int((spans["parent"] >= 0).sum())
    fitting_suptitle(fig, f"{run.title}\n{len(spans)} trials, {copies} exploitations (red: an arrow from the trial "
                           f"whose checkpoint was copied; blue: the final learners, by trial{best})")
    return fig


def _label_finals(ax, run, segments, spans, rows: dict[int, int], top: float) -> str:
    """Each final learner's trial number at the right end of its line (the trial ``l2l.lineage`` and
    ``l2l.checkpoint`` take), the best one's (by the first objective, as PBT ranks) with its score; the title's
    words for that ("" where no final learner has a score)."""
    finals = [int(t) for t, span in spans.iterrows() if np.isclose(span["end"], top)]
    goal = run.objective(None)  # the first: the one PBT ranks by
    at_top = segments[np.isclose(segments["budget"], top) & (segments["status"] == "ok")]
    scores = at_top.groupby("trial")[goal.name].last().dropna().to_dict() if goal.name in at_top else {}
    best = (min if goal.direction == "minimize" else max)(scores, key=scores.get) if scores else None
    for trial in finals:
        text = f" {trial}" + (f" (best, {goal.name} {number(scores[trial])})" if trial == best else "")
        ax.annotate(text, xy=(top, rows[trial]), xytext=(2, 0), textcoords="offset points", va="center",
                    fontsize=8, fontweight="bold" if trial == best else "normal", annotation_clip=False)
    return "" if best is None else f"; best: trial {best}"


def schedules_figure(source, objective: str | None = None) -> Figure:
    """The ``schedules`` plot kind: the parameters each final learner was trained with, over the budget."""
    run = load_run(source, errors=False)
    segments = _segments(run, "schedules")
    goal = run.objective(objective)
    history = schedules(segments, run.parameters)
    if not len(history):
        raise TrajectoryError(f"{run.name}: no learner reached the top budget yet")
    key = history.columns[0]  # member, or (member) where a parameter has that name (schedules)
    finals = history.groupby(key)[goal.name].last()
    order = finals.sort_values(ascending=goal.direction == "minimize").index
    best = order[0]
    names = run.parameters[:MAX_PARAMETER_PANELS]
    fig = Figure(figsize=(9, 2.6 * len(names) + 0.8), layout="constrained", dpi=100)
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    low, high = float(np.nanmin(finals)), float(np.nanmax(finals))
    cmap = _colormap()
    for ax, name in zip(axes, names):
        choices = [str(c) for c in categories(run, name)] if name in run.categorical else None
        for member in order[::-1]:
            rows = history[history[key] == member]
            xs = np.concatenate([[rows["from_budget"].iloc[0]], rows["budget"].to_numpy(float)])
            values = rows[name].to_numpy(float) if choices is None else \
                np.array([choices.index(str(v)) for v in rows[name]], dtype=float)  # a choice: its position
            ys = np.concatenate([values, values[-1:]])
            shade = 0.5 if high == low else (finals[member] - low) / (high - low)
            if goal.direction == "maximize":
                shade = 1 - shade
            ax.step(xs, ys, where="post", color="black" if member == best else cmap(0.15 + 0.7 * shade),
                    linewidth=2.4 if member == best else 1.1, zorder=3 if member == best else 2)
        ax.set_ylabel(name if choices is None else f"{name} (choice)")
        if choices is not None:
            ax.set_yticks(range(len(choices)), choices)
        elif name in run.log:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(_PlainLog())
            ax.yaxis.set_minor_formatter(_PlainLog(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
    axes[-1].set_xlabel(_unit(run))
    fitting_suptitle(fig, f"{run.title}\nparameters in force for each of the {len(order)} final learners "
                           f"(black: best, {goal.name} = {number(finals[best])}; lighter: worse)")
    return fig


def _colormap():
    from matplotlib import colormaps
    return colormaps["viridis"]


def _unit(run) -> str:
    fidelity = run.fidelity or {}
    return str(fidelity.get("unit") or fidelity.get("name") or "budget")
