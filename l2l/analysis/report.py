"""One self-contained HTML page per run: provenance, summary, best individuals, every figure, failures.

The status and the counts are the run's :class:`~l2l.summary.RunSummary`, the same that
``l2l show`` and ``l2l watch`` print.

Figures are embedded as base64 PNG, styles are inline, nothing is fetched:
the file can be mailed or opened offline. Every text that comes from the file
(names, configs, error messages) is HTML-escaped. A few lines of script only
mark each figure with its decoded size and warn if one did not decode.
"""

from __future__ import annotations

import base64
import io
import json
import os
import time
from html import escape
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from l2l.version import __version__
from l2l.analysis.best import (FRONT_REPEATS_NOTE, REPEAT_COUNT, REPEAT_SD, REPEATS_NOTE, best_candidates,
                               front_candidates, ranked, repeat_headers, repeats_note, with_repeats)
from l2l.errors import ConfigError
from l2l.numbers import number
from l2l.objectives import Objective
from l2l.plot import figures
from l2l.plot.data import RunData
from l2l.plot.health import error_summary, others_text, time_unit
from l2l.sessions import hosts_line, model_line, session_records
from l2l.results_schema.reader import Trajectory
from l2l.summary import RunSummary, summarize

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;
color:#222;line-height:1.4}
h1{margin-bottom:.1em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.sub{color:#666;margin-top:0}nav a{margin-right:1em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f5f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f6f8fa;padding:.8em;overflow:auto;max-height:30em;font-size:.85em;white-space:pre-wrap}
figure{margin:1.2em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.9em}.badge{display:inline-block;padding:.1em .6em;border-radius:1em;
color:#fff;font-size:.85em}.finished{background:#4c9a5b}.running{background:#e39b2d}
.created{background:#888}.ended{background:#c8443c}
.warn{color:#c8443c;font-weight:bold}
"""

# Marks each figure with its decoded size (what a browser test reads) and flags any that failed to decode or whose
# data is cut short: a browser decodes a truncated PNG as far as it goes (its size is in its first bytes) and shows
# the top of the figure above an empty box, so a PNG whose data does not end with its IEND chunk is flagged too.
SCRIPT = """
function whole(img) {
  var src = img.getAttribute('src') || '';
  var at = src.indexOf(';base64,');
  if (src.lastIndexOf('data:image/png', 0) !== 0 || at < 0) { return true; }
  var data = src.slice(at + 8);
  try {
    return data.length % 4 === 0 && atob(data.slice(-24)).slice(-8) === 'IEND\\xaeB`\\x82';
  } catch (e) {
    return false;
  }
}
window.addEventListener('load', function () {
  var images = document.querySelectorAll('figure img');
  var decoded = 0;
  images.forEach(function (img) {
    var shown = img.complete && img.naturalWidth > 0;
    if (shown && whole(img)) {
      decoded += 1;
      img.setAttribute('data-natural-size', img.naturalWidth + 'x' + img.naturalHeight);
    } else {
      var note = document.createElement('p');
      note.className = 'warn';
      note.textContent = shown ? 'this figure is incomplete: its data is cut short'
                               : 'this figure could not be displayed';
      img.parentNode.insertBefore(note, img);
    }
  });
  document.body.setAttribute('data-figures-decoded', decoded + '/' + images.length);
});
"""

FIGURE_CAPTIONS = {
    "overview": "Overview: fitness, where the good individuals are, status and durations.",
    "fitness": "Per objective and generation: best, median and interquartile band of the successful "
               "evaluations, and the best so far.",
    "parameters": "The most relevant parameters per generation (by how much of the objective's variation they "
                  "explain), "
                  "coloured by the objective; failed evaluations are red crosses.",
    "scatter": "The most relevant parameters against each objective and against each other.",
    "pareto": "All successful evaluations (grey) and the non-dominated ones (the Pareto front).",
    "failures": "Evaluations per generation by status, evaluation durations and the most frequent errors.",
    "lineage": "Population-based training: every trial over the budgets it trained; an exploiting trial starts "
               "from the checkpoint of the member it copied.",
    "schedules": "Population-based training: the parameter schedules of the final learners along their lineage.",
    "curves": "Learning curves of every candidate against the fidelity: candidates that reached the top budget "
              "in blue, the others grey ending in a red cross where the policy stopped them; dotted: the rungs.",
}


#: The captions that differ for a run with a [policy] (no generations: the figures draw budgets and compute).
POLICY_CAPTIONS = {
    "fitness": "Per objective: the best so far at the top budget against the compute spent (where a candidate "
               "was trained again with new seeds, the chosen candidate's mean of its repeats, which falls back "
               "when a repeat comes in worse), over every successful segment's result (faint below the top budget).",
    "parameters": "The most relevant parameters against the highest budget each candidate reached (by how much of "
                  "the objective's variation they explain), coloured by the objective; failed ones are red crosses.",
    "failures": "Segments per budget reached by status, segment durations and the most frequent errors.",
}


def caption(kind: str, run: RunData) -> str:
    """The caption of figure ``kind`` of ``run``: a run with a [policy] has budgets where others have
    generations."""
    return (POLICY_CAPTIONS.get(kind) if run.multi_fidelity else None) or FIGURE_CAPTIONS[kind]


#: matplotlib's own savefig settings, under which printing the canvas gives savefig's bytes (67e5a84)
_SAVEFIG_DEFAULTS = {"savefig.facecolor": "auto", "savefig.edgecolor": "auto", "savefig.transparent": False,
                     "savefig.bbox": None, "savefig.orientation": "portrait"}


def _png(fig: Any, dpi: int = 80) -> str:
    """``fig`` as a PNG at ``dpi``, base64: the bytes of ``fig.savefig(format="png", dpi=dpi)``, drawn once.
    savefig drew a constrained-layout figure twice, once without pixels to lay it out and once to save it (a
    third of a report's time); here the layout engine runs at ``dpi`` and the figure is drawn once."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    if any(matplotlib.rcParams[key] != value for key, value in _SAVEFIG_DEFAULTS.items()):
        # a matplotlibrc's savefig.* (facecolor, transparent, bbox: tight...), which only savefig applies
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": "l2l"})
        return base64.b64encode(buffer.getvalue()).decode("ascii")
    engine, size, old_dpi = fig.get_layout_engine(), fig.get_size_inches(), fig.dpi
    canvas = FigureCanvasAgg(fig)
    try:
        fig.set_dpi(dpi)
        if engine is not None:
            engine.execute(fig)
            fig.set_layout_engine("none")
        canvas.print_png(buffer, metadata={"Software": "l2l"})
    finally:
        fig.set_dpi(old_dpi)
        fig.set_size_inches(size)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _cell(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return '<td class="n">-</td>'
        return f'<td class="n">{escape(number(value))}</td>'
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f'<td class="n">{int(value):,}</td>'
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "<td>-</td>"
    return f"<td>{escape(str(value))}</td>"


def html_table(frame: pd.DataFrame) -> str:
    """A DataFrame as an HTML table with every header and cell escaped."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _pairs(items: Iterable[tuple[str, Any]]) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v if isinstance(v, str) else json.dumps(v))}</td></tr>"
                   for k, v in items)
    return f"<table>{rows}</table>"


def best_individuals(run: RunData, limit: int = 10) -> tuple[str, pd.DataFrame]:
    """The best ``limit`` candidates (one objective) or the Pareto front (several), with a title.

    As in ``l2l show``: a multi-fidelity run ranks at its top budget, repeats of a candidate are averaged.
    """
    rungs = (run.fidelity or {}).get("rungs") if run.multi_fidelity else None
    ok = ranked(run.ok, float(rungs[-1]) if rungs else None)
    multi = run.multi_fidelity and "trial" in ok.columns
    lead = ["trial", "budget", "state"] if multi else ["generation", "individual"]
    columns = lead + [o.name for o in run.objectives] + run.parameters[:12] + ["duration"]
    if ok.empty:
        return "no successful evaluation", pd.DataFrame(columns=columns)
    # the repeats' count and sd as n and sd, unless a parameter or objective has that name: the user's column wins
    headers = repeat_headers([*run.parameters, *(o.name for o in run.objectives)])
    below = ""  # as l2l show says it: a run whose candidates all stopped or failed below the top budget
    if rungs and not np.isclose(ok["budget"].to_numpy(dtype=float), float(rungs[-1])).any():
        below = f" - no candidate reached the top budget {number(float(rungs[-1]))}; these are results at lower budgets"
    if len(run.objectives) == 1:
        o = run.objectives[0]
        best, averaged = best_candidates(ok, o, run.parameters, limit)
        if averaged:
            return (f"best {len(best)} candidates by {o.name} ({o.direction}; "
                    f"{repeats_note(REPEATS_NOTE, headers)}){below}",
                    _timed(best[with_repeats(columns, o.name)].rename(columns=headers)))
        return f"best {len(best)} evaluations by {o.name} ({o.direction}){below}", _timed(best[columns])
    front, averaged = front_candidates(ok, run.objectives, run.parameters)  # as l2l show: repeats averaged
    front = front.sort_values(run.objectives[0].name, ascending=run.objectives[0].direction == "minimize")
    shown = front.head(2 * limit + 5)
    if averaged:
        at = columns.index(run.objectives[-1].name) + 1
        columns = columns[:at] + [REPEAT_COUNT] + columns[at:]
    note = repeats_note(FRONT_REPEATS_NOTE, headers)
    return (f"Pareto front over {', '.join(o.name for o in run.objectives)}: {len(front)} non-dominated "
            f"{f'candidate' + 's' * (len(front) != 1) + f' ({note})' if averaged else 'evaluation' + 's' * (len(front) != 1)}"
            f"{f' (first {len(shown)} shown)' if len(shown) < len(front) else ''}",
            _timed(shown[columns].rename(columns=headers)))


def _timed(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its duration column in the unit that reads best, named in the header ('duration (µs)': the
    cells read '37.7', not '3.7732e-05' under a header without a unit)."""
    if "duration" not in table.columns:
        return table
    unit, length = time_unit(table["duration"])
    return table.assign(duration=table["duration"] / length).rename(columns={"duration": f"duration ({unit})"})


def _best_repeated(run: RunData, o: Objective | None = None) -> tuple[float, int, float] | None:
    """The mean, count and sd of the best candidate by ``o`` (default: a one-objective run's objective) where it
    was evaluated more than once (the first row of :func:`best_individuals`, as ``l2l show`` ranks; in a run of
    several objectives the candidate of the front with the best mean of ``o``); None where it was evaluated once."""
    if o is None and len(run.objectives) != 1:
        return None
    rungs = (run.fidelity or {}).get("rungs") if run.multi_fidelity else None
    ok = ranked(run.ok, float(rungs[-1]) if rungs else None)
    if ok.empty:
        return None
    o = o or run.objectives[0]
    best, averaged = best_candidates(ok, o, run.parameters, 1)
    if not averaged or int(best[REPEAT_COUNT].iloc[0]) < 2:
        return None
    return float(best[o.name].iloc[0]), int(best[REPEAT_COUNT].iloc[0]), float(best[REPEAT_SD].iloc[0])


def _best_once(run: RunData, o: Objective | None = None) -> tuple[float, int, int] | None:
    """The value, generation and individual of the best candidate by ``o`` (default: a one-objective run's
    objective) of a single-fidelity run whose repeats were averaged where that candidate was evaluated once (the
    first row of :func:`best_individuals`, not the best single result, which may be a lucky one of a repeated
    candidate); None otherwise."""
    if (o is None and len(run.objectives) != 1) or run.multi_fidelity:
        return None
    o = o or run.objectives[0]
    best, averaged = best_candidates(run.ok, o, run.parameters, 1)
    if not averaged or best.empty or int(best[REPEAT_COUNT].iloc[0]) >= 2:
        return None
    return float(best[o.name].iloc[0]), int(best["generation"].iloc[0]), int(best["individual"].iloc[0])


def duration_text(seconds: float) -> str:
    """A duration in the unit that reads best: '41.6 µs', '6.64 ms', '3.2 s', '4.5 min', not '4.16e-05 s'."""
    if not np.isfinite(seconds):
        return "-"
    unit, length = time_unit([seconds])
    return f"{seconds / length:.3g} {unit}" if seconds > 0 else "0 s"


def rate_text(rate: float) -> str:
    """A rate as a plain number: '1,560', '4.44', not '1.56e+03'."""
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:.3g}"


def _summary(run: RunData, summary: RunSummary, agreement: str = "", endgame: str = "") -> list[tuple[str, Any]]:
    frame = run.frame
    n = summary.evaluations
    planned = f" of {summary.planned_generations} planned" if summary.planned_generations is not None else ""
    from l2l.summary import progress_line

    multi = summary.compute is not None  # candidates in segments: generations mean nothing to the reader
    items: list[tuple[str, Any]] = [
        ("status", summary.status_text),
        *([("progress", progress_line(summary, status=False))] if multi else
          [("evaluations", f"{n:,}"), ("generations", f"{summary.generations}{planned}")]),
        ("failed / timed out", f"{summary.failed:,} / {summary.timeouts:,} "
                               f"({100 * summary.unsuccessful / max(n, 1):.1f} %)"),
    ]
    if len(frame):
        ran = float(run.active_seconds(np.array([run.completions().max()]))[0])  # its sessions, not the pauses
        # a multi-fidelity run's evaluations are its segments: each ran and took its time (the candidates' rows
        # carry only their last segment's, which left out a third of an ASHA run's time)
        timed, what = (run.segments, "segment") if run.multi_fidelity else (frame, "evaluation")
        items.append(("wall time", f"{ran:.1f} s ({rate_text(n / max(ran, 1e-9))} {what}s per second)"))
        items.append((f"{what} time", f"{duration_text(float(timed['duration'].sum()))} in total, median "
                                      f"{duration_text(float(timed['duration'].median()))} per {what}"))
    rungs = (run.fidelity or {}).get("rungs") if run.multi_fidelity else None
    for o in summary.objectives:  # each objective's best by candidates' means, as the front below is taken
        best = summary.best.get(o.name)
        repeated = _best_repeated(run, o) if best is not None else None
        if best is not None and repeated is not None:  # as the table below and l2l show rank: by the mean
            mean, count, sd = repeated
            spread = f", sd {number(sd, 3)}" if np.isfinite(sd) else ""
            items.append((f"best {o.name} ({o.direction})", f"{number(mean)} (mean of n = {count} results of one "
                                                              f"candidate{spread}; see the best candidates below)"))
        elif best is None and multi and rungs and len(run.ok):  # segments succeeded, none at the top budget
            items.append((f"best {o.name}", f"none at the top budget {number(float(rungs[-1]))} (no candidate "
                                            f"reached it; the best candidates below are results at lower budgets)"))
        elif best is None:
            items.append((f"best {o.name}", "no successful evaluation"))
        elif multi:
            items.append((f"best {o.name} ({o.direction})", f"{number(best.value)} (one result at the top budget; "
                                                              f"see the best candidates below)"))
        else:  # the candidate l2l show puts first, not the best single row (a lucky repeat of another)
            value, generation, individual = _best_once(run, o) or (best.value, best.generation, best.individual)
            items.append((f"best {o.name} ({o.direction})", f"{number(value)} (generation {generation}, "
                                                              f"individual {individual})"))
    if agreement:  # how well the low budgets rank the candidates as the top one does (l2l.agreement)
        items.append(("agreement of the budgets", agreement))
    if endgame:  # what the model-based policy's endgame did (l2l show's line)
        items.append(("endgame", endgame))
    items.append(("parameters", "; ".join(summary.parameters)))
    return items


#: Badge colour of each status (the CSS classes of STYLE).
BADGES = {"finished": "finished", "running": "running", "running or interrupted": "running", "created": "created"}


def _provenance(run: RunData, summary: RunSummary, reevaluated: pd.DataFrame | None = None) -> str:
    info = run.run
    events = run.events if run.events is not None else pd.DataFrame(columns=["time", "kind", "detail"])
    start = events["time"].iloc[0] if len(events) else None
    end = events["time"].iloc[-1] if len(events) and events["kind"].iloc[-1] == "finished" else None
    versions = info.get("versions") or {}
    items = [("file", run.path or "-"), ("run name", str(info.get("name", "-"))), ("seed", info.get("seed", "-")),
             ("created", str(info.get("created", "-"))), ("started", str(start) if start is not None else "-"),
             ("finished", str(end) if end is not None else "not finished"), ("host", str(info.get("host", "-"))),
             ("user", str(info.get("user", "-"))), ("optimizer", info.get("optimizer", "-")),
             ("simulator", info.get("simulator", "-")), ("backend", summary.backends or info.get("backend", "-"))]
    records = session_records(events)
    hosts = hosts_line(records, reevaluated.attrs.get("hosts") if reevaluated is not None else None)  # their nodes
    items += [(label, text) for label, text in (("model code", model_line(records)), ("hosts", hosts)) if text]
    version_table = _pairs((str(k), str(v)) for k, v in versions.items()) if isinstance(versions, dict) else ""
    event_frame = events.assign(time=events["time"].astype(str)) if len(events) else events
    config = json.dumps(info.get("config", {}), indent=2, sort_keys=False, default=str)
    space = json.dumps(info.get("space", {}), indent=2, default=str)
    return (f"{_pairs(items)}<h3>versions</h3>{version_table}<h3>events</h3>{html_table(event_frame)}"
            f"<h3>configuration</h3><pre>{escape(config)}</pre><h3>parameter space</h3><pre>{escape(space)}</pre>")


def _failures(run: RunData) -> str:
    summary = error_summary(run, limit=20)
    if summary.empty:
        return "<p>No evaluation failed.</p>"
    table = html_table(summary[["message", "count", "status", "first"]])
    others = others_text(summary)  # the failures past the table's rows, counted as its rows are
    table += f"<p>and {escape(others)}.</p>" if others else ""
    details = "".join(f"<details><summary>{escape(row.message[:160])} ({escape(row.first)})</summary>"
                      f"<pre>{escape(str(row.example))}</pre></details>" for row in summary.head(10).itertuples())
    return f"<p>Most frequent error messages (the last line of each error text):</p>{table}{details}"


def _reevaluated(table: pd.DataFrame | None, population_based: bool = False) -> str:
    if population_based:
        return ("<p>Not for this run: its learners continued other learners' checkpoints under changing "
                "parameters, so their last parameters evaluated from scratch would measure something else. "
                "Replay a learner's schedule (<code>l2l.lineage(FILE)</code>) on fresh seeds instead.</p>")
    if table is None or table.empty:
        return ("<p>No candidate was re-evaluated. <code>l2l reevaluate FILE</code> (or the run option "
                "<code>[run] reevaluate = {top = k, seeds = n}</code>) evaluates the best candidates again on fresh "
                "seeds that no selection used; on a noisy objective the best recorded value is biased.</p>")
    from l2l.reevaluate import ranking_values

    goal = table.attrs.get("objective", {})
    return (f"<p>{len(table)} candidates evaluated again on up to {int(ranking_values(table)['seeds'].max())} fresh "
            f"seeds each, "
            f"ranked by their mean {escape(str(goal.get('name', '')))} ({escape(str(goal.get('direction', '')))}); "
            f"ci95: half width of the 95 % confidence interval of the mean; selected: the value selection saw; "
            f"selection rank: the order selection saw.</p>{html_table(table)}"
            + (f'<p class="warn">{escape(table.attrs["changed_model"])}</p>' if table.attrs.get("changed_model")
               else ""))


#: The reproducible-builds variable (https://reproducible-builds.org/specs/source-date-epoch/): a report says it was
#: made at this time (seconds since the epoch, UTC), where it is set.
DATE_VARIABLE = "SOURCE_DATE_EPOCH"


def made_text(events: pd.DataFrame | None) -> str:
    """When the report says it was made: ``made 2026-12-06 00:00:00 UTC`` from SOURCE_DATE_EPOCH where it is set,
    else the time of the file's last event (``as of its last event, 2026-...``), never the clock, so that two
    reports of one file are the same bytes. :class:`ConfigError` for a SOURCE_DATE_EPOCH that is no whole number
    of seconds (the convention says to stop, not to guess)."""
    given = os.environ.get(DATE_VARIABLE)
    if given is not None and given.strip():
        try:
            seconds = int(given.strip())
            made = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))
        except (ValueError, OverflowError, OSError):
            raise ConfigError(f"{DATE_VARIABLE} must be a whole number of seconds since 1970-01-01 UTC (the "
                              f"reproducible-builds convention), got {given!r}; unset it, or give e.g. "
                              f"{DATE_VARIABLE}=$(git log -1 --format=%ct)") from None
        return f"made {made}"
    if events is None or not len(events):
        return "before its first event"
    return f"as of its last event, {pd.Timestamp(events['time'].iloc[-1]).strftime('%Y-%m-%d %H:%M:%S UTC')}"


def render(run: RunData, summary: RunSummary, dpi: int = 80, reevaluated: pd.DataFrame | None = None,
           agreement: str = "", endgame: str = "") -> str:
    """The report of ``run`` as one HTML document; ``summary`` is the run's :class:`~l2l.summary.RunSummary`,
    ``reevaluated`` its ranking on fresh seeds (:func:`l2l.reevaluate.ranking`), if any, ``agreement`` the
    line of :func:`l2l.analysis.agreement.agreement_line` ("" for none), ``endgame`` that of
    :func:`l2l.summary.multi_fidelity.endgame_line` (a model-based run's endgame; "" for none)."""
    css_class, status = BADGES.get(summary.status, "ended"), summary.status
    title, best = best_individuals(run)
    population_based = (run.multi_fidelity and "parent" in run.segments.columns
                        and bool((run.segments["parent"] >= 0).any()))  # some trial copied another's checkpoint
    kinds = [k for k in figures.KINDS if (k != "pareto" or len(run.objectives) >= 2)
             and (k != "curves" or run.multi_fidelity)
             and (k not in ("lineage", "schedules") or population_based)]
    sections = []
    if not len(run.segments if run.multi_fidelity else run.frame):  # killed before its first result: every figure
        kinds = []                                                   # was empty axes ticked -0.04 to 0.04
        sections.append("<p>No figure: the file holds no result yet.</p>")
    for kind in kinds:
        fig = figures.figure(run, kind)
        data = _png(fig, dpi)
        width, height = (int(round(v * dpi)) for v in fig.get_size_inches())
        sections.append(f'<figure id="figure-{kind}"><img alt="{escape(kind)} figure" width="{width}" '
                        f'height="{height}" src="data:image/png;base64,{data}"><figcaption>'
                        f'{escape(caption(kind, run))}</figcaption></figure>')
    nav = " ".join(f'<a href="#{a}">{escape(t)}</a>' for a, t in
                   (("summary", "summary"), ("best", "best individuals"), ("reevaluated", "re-evaluated"),
                    ("figures", "figures"),
                    ("failures", "failures"), ("provenance", "provenance")))
    made = made_text(run.events)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>l2l report: {escape(run.name)}</title><style>{STYLE}</style></head>
<body>
<h1>{escape(run.title)} <span class="badge {css_class}">{escape(status)}</span></h1>
<p class="sub">l2l report of {escape(run.path or run.name)}, {escape(made)} by l2l {escape(__version__)}</p>
<nav>{nav}</nav>
<h2 id="summary">Summary</h2>{_pairs(_summary(run, summary, agreement, endgame))}
<h2 id="best">Best individuals</h2><p>{escape(title)}</p>{html_table(best)}
<h2 id="reevaluated">Re-evaluated on fresh seeds</h2>{_reevaluated(reevaluated, population_based)}
<h2 id="figures">Figures</h2>{''.join(sections)}
<h2 id="failures">Failures</h2>{_failures(run)}
<h2 id="provenance">Provenance</h2>{_provenance(run, summary, reevaluated)}
<script>{SCRIPT}</script>
</body></html>
"""


def default_output(path: str | os.PathLike) -> Path:
    return Path(path).with_suffix(".html")


def report(path: str | os.PathLike, out: str | os.PathLike | None = None, dpi: int = 80,
           force: bool = False) -> Path:
    """Write the HTML report of the trajectory ``path`` to ``out`` (default: beside it, ``.html``), atomically.

    An existing output is refused (:class:`ConfigError`) unless ``force``. A ``path`` or ``out`` that is no file's
    path, a ``dpi`` outside :data:`l2l.analysis.outputs.DPI_RANGE` and a ``force`` that is not True or False are
    refused in one line before anything is read.
    """
    from l2l.analysis.outputs import check_dpi, check_output, write_atomically
    from l2l.errors import path_argument

    path = path_argument(path)
    dpi = check_dpi(dpi)
    made_text(None)  # a SOURCE_DATE_EPOCH that is no number is refused before any work
    target = check_output(out if out is not None else default_output(path), force=force, inputs=[path])
    if target.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"output {str(target)!r}: a report is HTML; the name must end in .html")
    with Trajectory(path) as trajectory:
        run = RunData.from_trajectory(trajectory, errors=True)
        summary = summarize(trajectory)
        agreement = ""
        if summary.compute is not None:
            from l2l.analysis.agreement import agreement_line

            agreement = agreement_line(trajectory, summary.compute[2])
        from l2l.summary.multi_fidelity import endgame_line

        endgame = endgame_line(trajectory, summary.compute)
        reevaluated = None
        if trajectory.has_reevaluations:
            from l2l.reevaluate import ranking
            from l2l.provenance import changed_model_line

            reevaluated = ranking(trajectory)
            # re-evaluations of changed code (--accept-changed-model), said under the table as l2l show says it
            reevaluated.attrs["changed_model"] = changed_model_line(trajectory.reevaluations(errors=False))
    document = render(run, summary, dpi=dpi, reevaluated=reevaluated, agreement=agreement, endgame=endgame)
    return write_atomically(target, lambda tmp: tmp.write_text(document, encoding="utf-8"))
