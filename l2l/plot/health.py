"""The run's health panels: evaluations (segments) per generation (budget) by status, their durations, and the
most frequent error messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from l2l.numbers import number as written
from l2l.plot.data import RunData
from l2l.plot.style import STATUS_COLOURS, empty_panel, fidelity_unit, wants_log
from l2l.plot.ticks import label_ticks, number


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
    ax.set_xlabel(f"budget reached ({fidelity_unit(run)})" if run.multi_fidelity else "generation")
    ax.set_ylabel(f"{what} (count)")
    if not total:
        empty_panel(ax, f"no {what[:-1]} yet")
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
        empty_panel(ax, f"no {what} yet")
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
    ax.set_xlabel(f"budget reached ({fidelity_unit(run)})" if multi else "generation")
    if frame.empty:
        ax.set_ylabel(f"duration of one {what} (s)")
        empty_panel(ax, f"no {what} yet")
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
