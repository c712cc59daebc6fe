"""What every panel of a run shares: the status and best-so-far colours, objective values as drawn (clipped, on a
log axis where they span decades), the colours of a scatter's points, the point style for the number drawn, an
empty panel's word, and a figure title broken to fit."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import colors
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from l2l.objectives import Objective
from l2l.plot.data import RunData, label, sample_for_scatter
from l2l.plot.ticks import number

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
    return (f"{label(objective)}\nat the top budget ({number(run.top_budget)} {fidelity_unit(run)})\n"
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


def empty_panel(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def point_style(n: int) -> dict:
    size = 24 if n <= 200 else 10 if n <= 5_000 else 4
    alpha = 0.9 if n <= 200 else 0.6 if n <= 5_000 else 0.35
    return {"s": size, "alpha": alpha, "linewidths": 0, "rasterized": n > RASTERIZE_ABOVE}


def fidelity_unit(run: RunData) -> str:
    fidelity = run.fidelity or {}
    return str(fidelity.get("unit") or fidelity.get("name") or "budget units")


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
