"""Several runs on one plot: best so far against evaluations and against wall time, and a table of final bests.

Runs are compared on the objectives they share (same name and direction),
e.g. different optimizers on the same problem.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from l2l.errors import ArgumentError, TrajectoryError
from l2l.numbers import number
from l2l.objectives import Objective
from l2l.parameters import plain
from l2l.plot.data import RunData, label, load_run, objective_names
from l2l.plot.style import BEST_SPAN, wants_log
from l2l.plot.best_so_far import (MEAN_LINE, _by_completion, _found, _lone, _settled, _spent, averages_repeats,
                                  best_row, curves, reevaluated)
from l2l.words import Placeholder, on_command_line, option


def common_objectives(runs: Sequence[RunData]) -> list[Objective]:
    """Objectives every run has, in the order of the first run; a clear error if there is none."""
    shared = [o for o in runs[0].objectives if all(o in r.objectives for r in runs[1:])]
    if not shared:
        listing = "; ".join(f"{name}: {', '.join(f'{o.name} ({o.direction})' for o in r.objectives)}"
                            for r, name in zip(runs, _labels(runs)))  # as the legend names them: two 'run's apart
        raise TrajectoryError(f"the runs share no objective (same name and direction), so they cannot be "
                              f"compared: {listing}")
    return shared


def problem(run: RunData) -> str | None:
    """What ``run`` optimised, in short: its simulator and its parameters ('sphere, x[0..3]'); None for a run read
    from a DataFrame, which does not say. A ``python`` or ``command`` simulator's function or program is not part
    of it: one model is often run through two (a sweep's ``simulate`` and a policy run's ``train`` that takes a
    budget)."""
    simulator = run.run.get("simulator") if run.run else None
    if not isinstance(simulator, dict):
        return None
    arrays: dict[str, int] = {}
    for column in run.parameters:  # x[0], x[1] ... as x[0..9]
        base = column.split("[", 1)[0]
        arrays[base] = arrays.get(base, 0) + 1
    names = [f"{base}[0..{n - 1}]" if n > 1 else base for base, n in sorted(arrays.items())]
    return f"{simulator.get('name')}, {', '.join(names)}"


#: The simulators that run the user's own model (a function, a program): one model is often run through both.
_OWN_MODEL = re.compile(r"^(python|command),")


def same_problem(runs: Sequence[RunData]) -> str | None:
    """None for runs of one problem, else a warning naming what differs (another simulator or function, other
    parameters): their best-so-far curves may be on no common scale (a 10-D sphere beside a Rastrigin function, or
    beside a 4-D sphere, were drawn and tabulated without a word, as if one had won). Not a refusal: a search over
    a subset of a model's parameters beside one over all of them, or one model in NEST and in Brian2, are
    comparisons users mean to make. ``l2l compare`` prints it; :func:`compare` draws what it is given."""
    problems = [problem(run) for run in runs]
    # a function and a program of one's own are one kind of model: a python port of a command's training script
    # (or the reverse) beside it is the comparison docs/multifidelity_simulators.md prepares (one unit for both)
    known = {_OWN_MODEL.sub("your model,", p) for p in problems if p is not None}
    if len(known) <= 1:
        return None
    names = [run.name for run in runs]
    labels = _labels(runs)  # runs of one name told apart as the legend and the table tell them (four 'cmd's read
    # alike in the listing before)
    listing = "; ".join(f"{run.name if names.count(run.name) == 1 else labels[i]}: {p}"
                        for i, (run, p) in enumerate(zip(runs, problems)) if p is not None)
    return (f"l2l: warning: the runs are of different problems (simulator or parameters), their best values are "
            f"drawn on one axis as values of one objective: {listing}")


def _distinguishing(paths: Sequence[str]) -> list[str]:
    """The shortest end of each path as typed (whole folders; ``./`` and ``x/../`` dropped) that no other file's
    path ends with: ``runs/a.h5`` and ``other/a.h5``; ``a.h5`` and ``runs/a.h5``. The paths are not made absolute
    first, so a label never grows into folders the user did not type (``home/me/runs/a.h5`` beside a copy under
    ``/backup/home/me/runs``). One file given twice, however spelt, keeps the label of its first spelling (the
    caller numbers the two)."""
    files = [os.path.abspath(p) for p in paths]
    first = {file: Path(os.path.normpath(p)).parts for file, p in reversed(list(zip(files, paths)))}
    out = []
    for file in files:
        mine = first[file]
        others = [theirs for other, theirs in first.items() if other != file]
        k = 1
        while k < len(mine) and any(theirs[-k:] == mine[-k:] for theirs in others):
            k += 1
        end = mine[-k:]
        out.append(os.path.join(*end) if end else file)
    return out


def _labels(runs: Sequence[RunData]) -> list[str]:
    """Run names, made unique where they clash: with the end of the file's path that tells the files apart,
    and where that is the same (one file given twice) with the run's place in the list (#1, #2 ...)."""
    names = [r.name for r in runs]
    out = [f"{r.name} ({r.proposer})" if r.proposer else r.name for r in runs]
    for name in set(names):
        clash = [i for i, n in enumerate(names) if n == name and runs[i].path]
        if names.count(name) > 1 and clash:
            for i, end in zip(clash, _distinguishing([runs[i].path for i in clash])):
                out[i] += f" [{end}]"
    repeated = {text for text in out if out.count(text) > 1}
    return [f"{text} #{i + 1}" if text in repeated else text for i, text in enumerate(out)]


def compute_axis(runs: Sequence[RunData]) -> str | None:
    """The unit in which all ``runs`` count compute (their fidelity's), or None if some run has no fidelity."""
    units = {(run.fidelity or {}).get("unit") for run in runs}
    return units.pop() if len(units) == 1 and None not in units else None


def compute_note(runs: Sequence[RunData]) -> str | None:
    """Why a comparison that includes a multi-fidelity run counts evaluations instead of compute, or None.

    A policy run's evaluations are its segments, of growing budgets, so beside a sweep whose evaluations
    each train to the end they are no measure of what either spent."""
    if compute_axis(runs) is not None or not any(run.multi_fidelity for run in runs):
        return None
    names = _labels(runs)
    without = [name.split(" (")[0] for run, name in zip(runs, names) if not (run.fidelity or {}).get("unit")]
    if without:
        return (f"note: compute is not compared, since {', '.join(without)} declare{'s' * (len(without) == 1)} "
                f"no fidelity; a policy run's evaluations are segments of growing budgets (run the sweep with the "
                f"function that takes a budget, declared by multi_fidelity: each evaluation then counts the top "
                f"budget)")
    units = sorted({str((run.fidelity or {}).get("unit")) for run in runs})
    return f"note: compute is not compared, since the runs count it in different units ({', '.join(units)})"


#: How the reference point of ``l2l compare``'s hypervolume is chosen (its axis, its table note and the docs say it).
REFERENCE_RULE = "the worst value of each objective over all compared runs' results"


def has_hypervolume(objectives: Sequence[Objective]) -> bool:
    """Whether ``l2l compare`` draws and tabulates the hypervolume of runs sharing ``objectives``: for two or three
    (:data:`l2l.analysis.hypervolume.MOST_OBJECTIVES`); one is compared by its best so far, four or more by each
    objective's best alone (:func:`hypervolume_note` says why)."""
    from l2l.analysis.hypervolume import MOST_OBJECTIVES

    return 2 <= len(objectives) <= MOST_OBJECTIVES


def _front_inputs(run: RunData, objectives: Sequence[Objective]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray,
                                                                          np.ndarray]:
    """The rows a front is made of (as :func:`_found` orders them), their values of the ``objectives``,
    which count (successful, at a multi-fidelity run's top budget; failed rows are ignored) and the candidate
    of each (repeats share one)."""
    frame, first, candidates = _found(run, objectives[0])
    counted = (frame["status"] == "ok").to_numpy()
    if run.multi_fidelity:
        top = float((run.fidelity or {}).get("rungs", [frame["budget"].max()])[-1])
        counted = counted & np.isclose(frame["budget"].to_numpy(dtype=float), top)
    values = frame[[o.name for o in objectives]].to_numpy(dtype=float)
    return frame, values, counted, candidates


def hypervolume_reference(runs: Sequence[RunData], objectives: Sequence[Objective]) -> np.ndarray:
    """The reference point of the runs' hypervolumes (:data:`REFERENCE_RULE`): one corner for all of them."""
    from l2l.analysis.hypervolume import reference_point

    tables = []
    for run in runs:
        _, values, counted, _ = _front_inputs(run, objectives)
        tables.append(values[counted])
    return reference_point(tables, objectives)


def hypervolume_curves(run: RunData, objectives: Sequence[Objective], reference: Sequence[float],
                       by_compute: bool = False) -> dict[str, np.ndarray]:
    """The hypervolume of ``run``'s front of two or three objectives (candidates evaluated more than once at their
    means, as ``l2l show`` lists the front) by evaluations as they completed (or compute spent) and by seconds since
    the run started (by completion), at about :data:`l2l.analysis.hypervolume.CURVE_POINTS` points each.

    The curves are kept with the run (for these objectives and reference point): the figure and the table both
    ask, and a front of three objectives over a million rows takes seconds."""
    from l2l.analysis.hypervolume import hypervolume_curve

    frame, values, counted, candidates = _front_inputs(run, objectives)
    key = (frame, tuple(objectives), tuple(float(r) for r in reference))
    cached = run.__dict__.get("_hypervolumes")
    if cached is not None and cached[0][0] is key[0] and cached[0][1:] == key[1:]:
        ends, by_count, moments, by_time = cached[1]
    else:
        order = _by_completion(run, frame)[0]
        ends, by_count = hypervolume_curve(values, counted, candidates, objectives, reference)
        if np.array_equal(order, np.arange(len(order))):  # rows in the order they completed (a serial run): the
            moments, by_time = ends, by_count  # same curve, each point at its moment (half the time of l2l compare)
        else:
            moments, by_time = hypervolume_curve(values[order], counted[order], candidates[order], objectives,
                                                 reference)
        run.__dict__["_hypervolumes"] = (key, (ends, by_count, moments, by_time))
    count = _spent(run, frame, by_compute)
    seconds = _by_completion(run, frame)[1]
    return {"evaluations": count[ends - 1] if len(ends) else count[:0], "hypervolume_by_evaluations": by_count,
            "seconds": seconds[moments - 1] if len(moments) else seconds[:0], "hypervolume_by_time": by_time}


def _reference_text(objectives: Sequence[Objective], reference: Sequence[float]) -> str:
    return ", ".join(f"{o.name}={number(r)}" for o, r in zip(objectives, reference))


#: The column of ``l2l compare``'s table with the hypervolume of a run's re-evaluated candidates on fresh seeds.
FRESH_HYPERVOLUME = "re-evaluated hypervolume"


def hypervolume_note(runs: Sequence[RunData], objectives: Sequence[Objective]) -> str | None:
    """The line under ``l2l compare``'s table that says what its hypervolume column measures from, or why there
    is none (four or more objectives: see :mod:`l2l.analysis.hypervolume`); None for one objective."""
    if has_hypervolume(objectives):
        reference = hypervolume_reference(runs, objectives)
        measure = "area" if len(objectives) == 2 else "volume"
        fresh = ""
        if any(reevaluated_hypervolume(run, objectives, reference) is not None for run in runs):
            fresh = (f"; {FRESH_HYPERVOLUME}: the same of the candidates l2l reevaluate re-evaluated, at their means "
                     f"on the fresh seeds (comparable between runs that re-evaluated as many of their fronts)")
        # a run of more objectives than the others is compared by its front over the shared ones alone: say so
        # (a run of err, spikes, acc beside one of err, acc was measured over err and acc without a word)
        unshared = [f"{label}'s front without {', '.join(o.name for o in run.objectives if o not in objectives)}"
                    for label, run in zip(_labels(runs), runs) if any(o not in objectives for o in run.objectives)]
        over = (f"; taken over the objectives every run has ({', '.join(o.name for o in objectives)}): "
                f"{'; '.join(unshared)}" if unshared else "")
        return (f"note: hypervolume: the {measure} the front dominates (a candidate evaluated more than once at "
                f"its means, as l2l show lists the front), larger is better, up to the reference point "
                f"{_reference_text(objectives, reference)}: {REFERENCE_RULE}{over}{fresh}")
    if len(objectives) > 1:
        return (f"note: no hypervolume: the runs share {len(objectives)} objectives "
                f"({', '.join(o.name for o in objectives)}) and it is computed for fronts of two or three, so each "
                f"objective's best so far is compared alone (l2l.plot.compare(files, objectives=[two or three "
                f"names]) draws the hypervolume of those)")
    return None


def changed_model_notes(runs: Sequence[RunData]) -> list[str]:
    """One line per run whose stored re-evaluations ran model code other than the run's (``l2l reevaluate
    --accept-changed-model``, :func:`l2l.provenance.changed_model_line`), naming the run as the compare table does:
    its re-evaluated value measures that code (before, it sat beside the other runs' without a word)."""
    from l2l.provenance import changed_model_line
    from l2l.results_schema.reader import Trajectory

    notes = []
    for run, name in zip(runs, _labels(runs)):
        if not run.path:
            continue
        with Trajectory(run.path) as trajectory:
            if not trajectory.has_reevaluations:
                continue
            line = changed_model_line(trajectory.reevaluations(errors=False))
        if line:
            notes.append(f"note: {name}: {line.removeprefix('note: ')}")
    return notes


def reevaluated_hypervolume(run: RunData, objectives: Sequence[Objective], reference: Sequence[float]) -> \
        dict[str, Any] | None:
    """The hypervolume of ``run``'s re-evaluated candidates at their means on the fresh seeds (``l2l reevaluate``),
    over ``objectives`` and up to ``reference`` (the corner of the compared runs' hypervolumes): what the front the
    run re-evaluated is worth on seeds no selection saw, comparable between runs that re-evaluated as many of their
    fronts. ``value``, ``candidates`` and ``seeds`` (the most of one candidate); None without a re-evaluation that
    succeeded."""
    if not run.path or not has_hypervolume(objectives):
        return None
    from l2l.analysis.hypervolume import hypervolume
    from l2l.results_schema.reader import Trajectory

    names = [o.name for o in objectives]
    with Trajectory(run.path) as trajectory:
        if not trajectory.has_reevaluations or not set(names) <= {o.name for o in trajectory.objectives}:
            return None
        rows = trajectory.reevaluations(errors=False)
    rows = rows[rows["status"] == "ok"]
    if rows.empty:
        return None
    grouped = rows.groupby(["generation", "individual"])
    means = grouped[names].mean().to_numpy(dtype=float)
    return {"value": hypervolume(means, objectives, reference), "candidates": len(means),
            "seeds": int(grouped.size().max())}


#: Parameters the best candidate's column of the compare table names (the others: "+N").
SHORT_PARAMETERS = 3


def best_candidate(run: RunData, objective: Objective) -> str:
    """The best candidate of ``run`` by ``objective`` as ``l2l show`` names it (at a multi-fidelity run's top
    budget, repeats averaged), in short: ``trial 19: lr=0.301, reg=0.0012`` (a policy run) or
    ``gen 2 ind 5: lr=0.301`` (generation and individual), at most :data:`SHORT_PARAMETERS` parameters; "-" if none.

    A multi-fidelity run with results below its top budget only (a PBT run stopped before its last interval)
    has none: its best value is NaN, and a candidate named beside it would be one at a lower budget, which
    ``l2l watch`` and ``l2l show`` do not call the best either."""
    from l2l.analysis.best import REPEAT_COUNT, at_top_budget

    rungs = (run.fidelity or {}).get("rungs") if run.multi_fidelity else None
    ok = run.ok
    if rungs and len(ok) and "budget" in ok.columns and not at_top_budget(ok["budget"], float(rungs[-1])).any():
        return "none at the top budget yet"
    best, averaged = best_row(run, objective)
    if best is None:
        return "-"
    row = best.iloc[0]
    where = f"trial {int(row['trial'])}" if run.multi_fidelity and "trial" in best.columns else \
        f"gen {int(row['generation'])} ind {int(row['individual'])}"
    if averaged and int(row[REPEAT_COUNT]) > 1:
        where += f" (mean of {int(row[REPEAT_COUNT])})"
    names = [p for p in run.parameters if p in best.columns]
    values = []
    for name in names[:SHORT_PARAMETERS]:
        value = row[name]
        shown = number(value, digits=3) if isinstance(value, (float, np.floating)) else value
        values.append(f"{name}={shown}")
    if len(names) > SHORT_PARAMETERS:
        values.append(f"+{len(names) - SHORT_PARAMETERS}")
    return f"{where}: {', '.join(values)}" if values else where


def _runs(sources: Any) -> list[RunData]:
    """The runs of ``sources`` (``sources=`` of :func:`compare` and :func:`table`): a list of trajectories
    (paths, Trajectories, frames of :func:`l2l.load`, RunData), numpy's array of paths too. Anything else (a number,
    one path) is one :class:`ArgumentError` line (``sources=3`` raised "'int' object is not iterable", one path
    was read letter by letter)."""
    items = plain(sources)
    if isinstance(items, (str, bytes, os.PathLike, pd.DataFrame, Mapping)) or not isinstance(items, Iterable):
        raise ArgumentError(f"sources must be a list of trajectories (their paths), got {type(sources).__name__} "
                            f"{sources!r:.60}")
    items = list(items)
    if not items:
        raise TrajectoryError("compare needs at least one trajectory")
    return [load_run(s, errors=False) for s in items]


def table(sources: Sequence[Any]) -> pd.DataFrame:
    """One row per run: evaluations, failures, wall time, final best of each shared objective, when it was found."""
    runs = _runs(sources)
    return _table(runs, common_objectives(runs))


def _table(runs: Sequence[RunData], objectives: Sequence[Objective]) -> pd.DataFrame:
    rows = []
    unit = compute_axis(runs)
    reference = hypervolume_reference(runs, objectives) if has_hypervolume(objectives) else None
    for run, name in zip(runs, _labels(runs)):
        frame = run.segments if run.multi_fidelity else run.frame
        row: dict[str, Any] = {"run": name, "evaluations": len(frame),
                               "failed": int((frame["status"] != "ok").sum())}
        if unit is not None:
            row[f"compute ({unit})"] = float(curves(run, objectives[0], by_compute=True)["evaluations"][-1]) \
                if objectives and len(frame) else 0.0
        if len(frame):  # the time its sessions ran, from the start to the last completion
            row["wall time (s)"] = round(float(run.active_seconds(np.array([run.completions().max()]))[0]), 2)
        else:
            row["wall time (s)"] = np.nan
        if reference is not None:  # the final front's area, from the corner all runs share (hypervolume_note)
            c = hypervolume_curves(run, objectives, reference)
            row["hypervolume"] = float(c["hypervolume_by_evaluations"][-1]) if len(frame) else np.nan
            fresh_front = reevaluated_hypervolume(run, objectives, reference)
            if fresh_front is not None:  # the re-evaluated front on fresh seeds: the trade-off to compare runs by
                row[FRESH_HYPERVOLUME] = fresh_front["value"]
        for objective in objectives:
            # the best as l2l show names it (only results at a multi-fidelity run's top budget, a repeated
            # candidate by its mean), found where the curve took its final value (evaluations completed)
            c = curves(run, objective)
            if len(frame) and np.isfinite(c["best_by_evaluations"][-1]):
                row[f"best {objective.name}"] = float(c["best_by_evaluations"][-1])
                row[f"{objective.name} found at evaluation"] = \
                    int(c["evaluations"][_settled(c["best_by_evaluations"])])
                if unit is not None:  # where the figure's compute axis has it (segments completed before it)
                    c = curves(run, objective, by_compute=True)
                    row[f"{objective.name} found at compute ({unit})"] = \
                        float(c["evaluations"][_settled(c["best_by_evaluations"])])
            else:  # the same columns in the same order as a run that has a best (the table's order is the first's)
                row[f"best {objective.name}"] = np.nan
                row[f"{objective.name} found at evaluation"] = np.nan
                if unit is not None:
                    row[f"{objective.name} found at compute ({unit})"] = np.nan
            if objective == objectives[0]:  # which candidate won, in short (by the first objective of several)
                heading = "best candidate" if len(objectives) == 1 else f"best candidate ({objective.name})"
                row[heading] = best_candidate(run, objective)
            fresh = reevaluated(run, objective)
            if fresh is not None:  # what the winner scores on fresh seeds: the number to compare runs by
                among = f" ({fresh['among']})" if fresh["among"] else ""  # another objective's pick: not its best
                # whose mean it is, beside it: the re-evaluation's first place, often not the best candidate by
                # selection (gen 9 ind 6 sat in one row with 0.276, the mean of gen 11 ind 9, without a word)
                whose = "re-evaluated candidate" if len(objectives) == 1 else \
                    f"re-evaluated candidate ({objective.name})"
                row[whose] = fresh["candidate"]
                row[f"re-evaluated {objective.name}{among}"] = fresh["mean"]
                row[f"{objective.name} ci95"] = fresh["ci95"]
                row["fresh seeds"] = fresh["seeds"]
        rows.append(row)
    out = pd.DataFrame(rows)
    for column in out.columns:  # counts stay whole numbers where some run has none ('4.0 fresh seeds')
        if column == "fresh seeds" or column.endswith("found at evaluation"):
            out[column] = out[column].astype("Int64")
    return out


def check_found(runs: Sequence[RunData]) -> None:
    """Refuse runs none of which has a successful result (at a multi-fidelity run's top budget), in one line:
    their comparison was empty axes, a table of NaN and a hypervolume measured from the reference point nan."""
    said = []
    for run, name in zip(runs, _labels(runs)):
        frame = run.segments if run.multi_fidelity else run.frame
        ok = (frame["status"] == "ok").to_numpy()
        rows = "segments" if run.multi_fidelity else "evaluations"
        top = (run.fidelity or {}).get("rungs") if run.multi_fidelity else None
        if top and ok.any() and "budget" in frame.columns:
            at_top = ok & np.isclose(frame["budget"].to_numpy(dtype=float), float(top[-1]))
            if at_top.any():
                return
            unit = (run.fidelity or {}).get("unit")
            said.append(f"{name}: {len(frame)} {rows}, {int(ok.sum())} successful, none at the top budget "
                        f"({number(float(top[-1]))}{f' {unit}' if unit else ''})")
        elif ok.any():
            return
        else:
            said.append(f"{name}: {len(frame)} {rows}, all failed" if len(frame) else f"{name}: no {rows}")
    raise TrajectoryError(f"no successful result to compare: {'; '.join(said)} (l2l show FILE says why)")


#: The share of a panel's x axis (compute or evaluations, wall time) after which the runs' best so far set its y
#: range, where their first values lie far off it (:func:`readable_limits`): what a comparison is read by.
READABLE_FROM = 0.05
#: How many times taller than the range of the later values the earlier ones would make the axis before they are
#: clipped (at most that: the lines are left as they are).
CLIP_FACTOR = 2.0
#: The legend entry of the marks where a run's clipped first values are (:func:`_clip_first_values`).
#: (one short line: a longer entry made the legend taller and the axes of every row shorter than their labels)
CLIPPED_TEXT = "a run's first best so far, clipped: off the axes where its line starts"


def readable_limits(lines: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float] | None:
    """The y range of a panel of best-so-far lines (``lines``: each run's x and y) where their first values would
    make the rest unreadable: the model-based policy's first candidate at 0.69 beside runs that all end between
    0.469 and 0.472 flattened every line at the bottom. The range is that of each run's values from
    :data:`READABLE_FROM` of the x axis on (its last value where it has none there), padded; None where every value
    lies within :data:`CLIP_FACTOR` times that range (nothing is clipped)."""
    tops = [float(np.nanmax(x)) for x, _ in lines if len(x) and np.isfinite(x).any()]
    if not tops:
        return None
    start = READABLE_FROM * max(tops)
    kept, every = [], []
    for x, y in lines:
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        if not len(y):
            continue
        every.append(y)
        later = y[x >= start]
        kept.append(later if len(later) else y[-1:])
    if not kept:
        return None
    kept_values, all_values = np.concatenate(kept), np.concatenate(every)
    low, high = float(kept_values.min()), float(kept_values.max())
    span = high - low or abs(high) * 0.05 or 1.0
    if all_values.max() - all_values.min() <= CLIP_FACTOR * span:
        return None
    return low - 0.08 * span, high + 0.08 * span


def _clip_first_values(ax: Any, lines: Sequence[tuple[np.ndarray, np.ndarray, Any]],
                       limits: tuple[float, float] | None = None) -> int:
    """Set the y range of ``ax`` to ``limits`` (default: :func:`readable_limits` of its ``lines``, the x, y and
    colour of each run) and mark, on the edge, where each run whose values go beyond it starts (a triangle in its
    colour, pointing to where the values are); how many runs were clipped (0: the range is matplotlib's)."""
    limits = readable_limits([(x, y) for x, y, _ in lines]) if limits is None else limits
    if limits is None:
        return 0
    low, high = limits
    clipped = 0
    for x, y, colour in lines:
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        off = np.isfinite(y) & ((y > high) | (y < low))
        if not off.any():
            continue
        clipped += 1
        first = int(np.flatnonzero(off)[0])
        above = y[first] > high
        ax.plot([x[first]], [high if above else low], marker="^" if above else "v", markersize=8, color=colour,
                linestyle="none", clip_on=False, zorder=5)
    ax.set_ylim(low, high)
    return clipped


#: The most objectives :func:`compare` draws a row of best so far for, the first ones (its title names the others).
DRAWN_OBJECTIVES = 3


def compare(sources: Sequence[Any], objectives: Sequence[str] | None = None) -> Figure:
    """Best so far of every run against evaluations (left) and wall time (right), one row per shared objective.
    Runs none of which has a successful result are refused (:func:`check_found`)."""
    runs = _runs(sources)
    objectives = objective_names(objectives)
    shared = common_objectives(runs)
    check_found(runs)
    if objectives:
        names = {o.name for o in shared}
        unknown = [n for n in objectives if n not in names]
        if unknown:
            raise TrajectoryError(f"objective {unknown[0]!r} is not shared by all runs; shared: "
                                  f"{', '.join(sorted(names))}")
        shared = [o for o in shared if o.name in objectives]
    front = has_hypervolume(shared)  # a row of the fronts' hypervolume above the objectives' own rows
    left_out = shared[DRAWN_OBJECTIVES:]
    shared = shared[:DRAWN_OBJECTIVES]
    fig = Figure(figsize=(13, 1.3 + 3.6 * (len(shared) + front)), layout="constrained", dpi=100)
    axes = fig.subplots(len(shared) + front, 2, squeeze=False)
    palette = matplotlib.colormaps["tab10"]
    names = _labels(runs)
    unit = compute_axis(runs)
    if front:
        _hypervolume_row(axes[0], runs, names, shared, unit)
    for row, objective in enumerate(shared, start=int(front)):
        left, right = axes[row]
        logs = []
        lines: dict[Any, list[tuple[np.ndarray, np.ndarray, Any]]] = {left: [], right: []}  # (x, y, colour) per run
        means = False
        for i, (run, name) in enumerate(zip(runs, names)):
            c = curves(run, objective, by_compute=unit is not None)
            colour = palette(i % 10)
            mean = averages_repeats(run, objective)
            means = means or mean
            line = f"{name}:\n{MEAN_LINE}" if mean else name
            left.plot(c["evaluations"], c["best_by_evaluations"], drawstyle="steps-post", color=colour,
                      linewidth=1.8, label=line, marker="o" if _lone(c["best_by_evaluations"]) else None)
            right.plot(c["seconds"], c["best_by_time"], drawstyle="steps-post", color=colour, linewidth=1.8,
                       label=line, marker="o" if _lone(c["best_by_time"]) else None)
            logs.append(c["best_by_evaluations"])
            lines[left].append((c["evaluations"], c["best_by_evaluations"], colour))
            lines[right].append((c["seconds"], c["best_by_time"], colour))
            fresh = reevaluated(run, objective)
            if fresh is not None and len(c["evaluations"]):
                left.errorbar([c["evaluations"][-1]], [fresh["mean"]],
                              yerr=[[0 if not np.isfinite(fresh["ci95"]) else fresh["ci95"]]], color=colour,
                              marker="D", capsize=4, linestyle="none",
                              label=f"{name}: best re-evaluated on {fresh['seeds']} fresh seeds (95 % CI"
                                    f"{'; ' + fresh['among'] if fresh['among'] else ''})")
                logs.append(np.array([fresh["mean"]]))
                lines[left].append((np.array([c["evaluations"][-1]], dtype=float), np.array([fresh["mean"]]), colour))
        values = np.concatenate(logs) if logs else np.array([])
        values = values[np.isfinite(values)]
        clipped = 0
        log = wants_log(values, BEST_SPAN)  # from two decades: else the runs' ends lie on the zero line
        # a run's first best so far far above the rest (0.69 beside 0.47 to 0.49): clipped, and marked, in both
        # panels at the range the compute (or evaluations) axis gives: the same results, so the same range. Read
        # from the wall-time axis, a run whose first results came in after 5 % of it (a GA's first generation of
        # ten, a cluster slow to start) kept its first value in view and squashed every line at the bottom.
        limits = None if log else readable_limits([(x, y) for x, y, _ in lines[left]])
        for ax in (left, right):
            # two lines where repeats are averaged: in one the label ran past the axes into the title
            ax.set_ylabel(f"best so far (repeats: their mean): \n{label(objective)}" if means
                          else f"best so far: {label(objective)}")
            ax.grid(alpha=0.3)
            if log:
                ax.set_yscale("log")
            elif limits is not None:
                clipped = max(clipped, _clip_first_values(ax, lines[ax], limits))
        if clipped:
            left.plot([], [], marker="^" if objective.direction == "minimize" else "v", linestyle="none",
                      color="#555555", label=f"{CLIPPED_TEXT} ({clipped} run{'s' * (clipped != 1)})")
        left.set_xlabel(f"compute ({unit}; a full evaluation costs the top budget)" if unit is not None
                        else "evaluations (count, failed ones included)")
        right.set_xlabel("wall time since the run started (s)")
        left.set_title(f"{objective.name}: best so far against {'compute' if unit else 'evaluations'}")
        right.set_title(f"{objective.name}: best so far against wall time")
        _legend_below(left)
    title = f"comparison of {len(runs)} run{'s' * (len(runs) != 1)}"
    if left_out:  # said: the figure drew the first three of four objectives without a word (the table has all)
        # in Python's words from Python (l2l.words): there is no --objective, and no table printed
        table = "the table" if on_command_line() else "l2l.plot.compare_table"
        title += (f"\n{len(shared)} of their {len(shared) + len(left_out)} objectives drawn, not "
                  f"{', '.join(o.name for o in left_out)} ({table} has every one; "
                  f"{option('objectives', Placeholder('NAME'))} draws one)")
    fig.suptitle(title)
    return fig


#: How far below the bottom of its axes a legend of ``l2l compare`` starts (inches): under the tick labels and
#: the x label, whatever the axes' height (a fixed fraction of it, 0.16, hid the x label's lower half behind the
#: legend).
LEGEND_DROP = 0.5


def _legend_below(ax: Any, **options: Any) -> None:
    """The legend of ``ax`` below it, left-aligned: inside, a run's long entry (a mean of repeats, a re-evaluation)
    covered the curves and the y label. A legend wider than the axes makes the layout narrow every axes of the
    column: its lines are kept shorter than that."""
    from matplotlib.transforms import ScaledTranslation

    drop = ScaledTranslation(0, -LEGEND_DROP, ax.figure.dpi_scale_trans)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(0, 0), bbox_transform=ax.transAxes + drop,
              borderaxespad=0, title_fontsize="small", **options)


def _hypervolume_row(axes: Sequence[Any], runs: Sequence[RunData], names: Sequence[str],
                     objectives: Sequence[Objective], unit: str | None) -> None:
    """The hypervolume of each run's front of two or three objectives against evaluations (or compute) and wall
    time: how a paper compares multi-objective runs, where each objective's best so far says nothing about the
    front."""
    left, right = axes
    reference = hypervolume_reference(runs, objectives)
    palette = matplotlib.colormaps["tab10"]
    for i, (run, name) in enumerate(zip(runs, names)):
        c = hypervolume_curves(run, objectives, reference, by_compute=unit is not None)
        colour = palette(i % 10)
        left.plot(c["evaluations"], c["hypervolume_by_evaluations"], drawstyle="steps-post", color=colour,
                  linewidth=1.8, label=name, marker="o" if len(c["evaluations"]) == 1 else None)
        right.plot(c["seconds"], c["hypervolume_by_time"], drawstyle="steps-post", color=colour, linewidth=1.8,
                   label=name, marker="o" if len(c["seconds"]) == 1 else None)
        fresh = reevaluated_hypervolume(run, objectives, reference)
        if fresh is not None and len(c["evaluations"]):  # the re-evaluated front on fresh seeds, at the run's end
            left.plot([c["evaluations"][-1]], [fresh["value"]], color=colour, marker="D", linestyle="none",
                      label=f"{name}: its {fresh['candidates']} re-evaluated candidates on {fresh['seeds']} "
                            f"fresh seeds")
    # three objectives by name only: with their directions the title ran past the figure's edge (the rows below
    # say them)
    names = [label(o) if len(objectives) == 2 else o.name for o in objectives]
    pair = ", ".join(names[:-1]) + f" and {names[-1]}"
    for ax in (left, right):
        # the reference point is in the legend's title: three values made the label longer than the axis
        ax.set_ylabel("hypervolume (larger is better)")
        ax.grid(alpha=0.3)
    left.set_xlabel(f"compute ({unit}; a full evaluation costs the top budget)" if unit is not None
                    else "evaluations (count, failed ones included)")
    right.set_xlabel("wall time since the run started (s)")
    left.set_title(f"hypervolume of the front of {pair} against {'compute' if unit else 'evaluations'}",
                   fontsize="medium")
    right.set_title("hypervolume against wall time", fontsize="medium")
    # in two lines: in one, wider than the axes, it made the layout narrow every axes of the column
    _legend_below(left, title=f"reference point {_reference_text(objectives, reference)}:\n{REFERENCE_RULE}; "
                              f"repeats at their means")
