"""Tick labels that fit: a budget written as a reader writes it, and the ticks of an axis labelled as many as fit
side by side at the axes' size when drawn."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, Locator, NullFormatter

from l2l.numbers import number as written


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
