"""The progress bar of a run, and where a person at a terminal finds the Dask dashboard."""

from __future__ import annotations

import bisect
import math
import sys
from typing import Any, Callable, Hashable

from l2l.jobs import Executor


class Progress:
    """A tqdm bar over evaluations with generation, evaluations/s and best so far (one per run).

    ``tqdm.auto`` draws a widget in a notebook and text in a terminal.
    """

    def __init__(self, enabled: bool, total: int, initial: int, unit: str = "eval"):
        self.bar = None
        #: What the best is, after its value where its name alone does not say (a multi-fidelity run's candidate
        #: trained more than once: ``(mean of 2)``, as ``l2l show`` lists it); set by the run before an update.
        self.best_note = ""
        if enabled:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=total or None, initial=initial, unit=unit, dynamic_ncols=True,
                            file=sys.stderr)

    def update(self, n: int, generation: int, best: dict[str, float], failed: int, extra: str = "") -> None:
        if self.bar is None:
            return
        self.bar.set_postfix_str(progress_text(generation, best, failed, extra, self.best_note), refresh=False)
        if self.bar.total and self.bar.n + n > self.bar.total:  # the last segments may overshoot a compute
            self.bar.total = self.bar.n + n                     # budget: keep a total (tqdm drops it otherwise)
        self.bar.update(n)

    def move_to(self, n: int, generation: int, best: dict[str, float], failed: int, extra: str = "") -> None:
        """Set the bar to ``n`` (never back) with the postfix of :meth:`update`."""
        if self.bar is not None:
            self.update(max(0, n - self.bar.n), generation, best, failed, extra)

    def describe(self, text: str) -> None:
        """Show ``text`` before the bar ('' for none), redrawn with the next update."""
        if self.bar is not None and text != (self.bar.desc or "").removesuffix(": "):
            self.bar.set_description_str(f"{text}: " if text else "", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class TopRows:
    """The best candidate of a single-objective run without a ``[policy]`` as ``l2l show`` lists it first, for the
    progress bar: show ranks the rows the file's running statistics keep, the ``limit`` (TOP_ROWS) best single
    results (:mod:`l2l.results_schema.statistics`), and lists a candidate evaluated more than once with equal
    parameters with the mean of its results among them (:func:`l2l.analysis.best.best_candidates`). This keeps the
    same rows, in the same order (value, then generation, individual and row), and pools them the same way, so the
    bar's best is show's first row at every commit (between commits show also pools the rows since the last one).
    The best single result alone, which the bar showed before, could be one lucky seed of a candidate whose mean
    show lists far below it. A few rows are kept, whatever the run's length."""

    def __init__(self, sign: float, limit: int) -> None:
        self.sign, self.limit = float(sign), int(limit)
        #: (ranking key, generation, individual, row, candidate, value), best first.
        self.kept: list[tuple[float, int, int, int, Hashable, float]] = []
        self._best: tuple[float, int] | None = None  # of kept, until a result is kept (the bar asks per result)

    def add(self, value: float, generation: int, individual: int, row: int,
            candidate: Callable[[], Hashable]) -> None:
        """One successful result; ``candidate()`` names whose repeats it is pooled with (asked only of a result
        that is kept: equal parameters, or the row alone for one that continued another's checkpoint)."""
        if not math.isfinite(value):
            return
        rank = (-self.sign * float(value), int(generation), int(individual), int(row))
        if len(self.kept) >= self.limit and rank >= self.kept[-1][:4]:
            return
        bisect.insort(self.kept, (*rank, candidate(), float(value)), key=lambda entry: entry[:4])
        del self.kept[self.limit:]
        self._best = None

    def best(self) -> tuple[float, int] | None:
        """(mean, results) of the candidate show lists first: the best mean, then the one evaluated more often,
        then the earliest row; None before any result."""
        if self._best is None and self.kept:
            self._best = self._pool()
        return self._best

    def _pool(self) -> tuple[float, int]:
        pooled: dict[Any, list[float]] = {}
        for _, _, _, row, candidate, value in self.kept:
            entry = pooled.setdefault(candidate, [0.0, 0, row])
            entry[0] += value
            entry[1] += 1
            entry[2] = min(entry[2], row)
        total, count, _ = min(pooled.values(), key=lambda e: (-self.sign * (e[0] / e[1]), -e[1], e[2]))
        return total / count, int(count)


def progress_text(generation: int, best: dict[str, float], failed: int, where: str = "", note: str = "") -> str:
    """The progress bar's postfix: no "best" before there is one. ``where`` replaces "gen G"; ``note`` follows the
    best's value (see :attr:`Progress.best_note`)."""
    parts = [where or f"gen {generation}"]
    if best:
        parts.append("best " + " ".join(f"{k}={v:.4g}" for k, v in best.items()) + (f" {note}" if note else ""))
    if failed:
        parts.append(f"failed {failed}")
    if where and len(parts) > 1:  # a policy run's counts end in a word: "0 running, best value=0.27", not
        parts[0] += ","           # "0 running best value=0.27"
    return " ".join(parts)


def announce(executor: Executor, progress: bool) -> None:
    """Tell a person at a terminal where the Dask dashboard is."""
    link = getattr(executor, "dashboard_link", None)
    if progress and link:
        import importlib.util

        # without bokeh the page only says to install it: say so here rather than send the user there first
        needs = "" if importlib.util.find_spec("bokeh") else " (install bokeh>=3.1 to see it: pip install bokeh)"
        print(f"dask dashboard: {link}{needs}", file=sys.stderr)
