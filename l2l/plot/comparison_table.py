"""``l2l compare``'s table: one row per run, with its final best of each shared objective, when it was found,
the candidate that won, its hypervolume and what re-evaluations on fresh seeds made of it."""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np
import pandas as pd

from l2l.numbers import number
from l2l.objectives import Objective
from l2l.plot.best_so_far import _settled, best_row, curves, reevaluated
from l2l.plot.compare_hypervolume import (FRESH_HYPERVOLUME, has_hypervolume, hypervolume_curves,
                                          hypervolume_reference, reevaluated_hypervolume)
from l2l.plot.compare_runs import common_objectives, compute_axis, given_runs, run_labels
from l2l.plot.data import RunData


def changed_model_notes(runs: Sequence[RunData]) -> list[str]:
    """One line per run whose stored re-evaluations ran model code other than the run's (``l2l reevaluate
    --accept-changed-model``, :func:`l2l.model_changes.changed_model_line`), naming the run as the compare table does:
    its re-evaluated value measures that code (before, it sat beside the other runs' without a word)."""
    from l2l.provenance import changed_model_line
    from l2l.results_schema.reader import Trajectory

    notes = []
    for run, name in zip(runs, run_labels(runs)):
        if not run.path:
            continue
        with Trajectory(run.path) as trajectory:
            if not trajectory.has_reevaluations:
                continue
            line = changed_model_line(trajectory.reevaluations(errors=False))
        if line:
            notes.append(f"note: {name}: {line.removeprefix('note: ')}")
    different = different_model_note(runs)
    return ([different] if different else []) + notes


def _first_model(run: RunData) -> tuple[Any, Any] | None:
    """The model code the first session of ``run`` recorded (``l2l show``'s model line): its file hashes and the
    hash of the files it imports; None where none was recorded (a built-in simulator, a run read from a frame)."""
    from l2l.results_schema.reader import Trajectory
    from l2l.sessions import session_records

    if not run.path:
        return None
    try:
        with Trajectory(run.path) as trajectory:
            records = session_records(trajectory.events())
    except Exception:  # noqa: BLE001 - a file the table could read but whose events are not: say nothing
        return None
    recorded = [record for record in records if isinstance(record.get("model"), list) and record["model"]]
    return (recorded[0]["model"], recorded[0].get("imports")) if recorded else None


def different_model_note(runs: Sequence[RunData]) -> str | None:
    """A note where the compared runs of one simulator ran different model code (the hashes ``l2l show``'s model
    line gives differ: a model file edited between two runs, another version of it): their values are of two
    models, which a table and a figure of one objective read as one (``l2l compare`` said nothing before). Files
    compared by their hashes alone, so a copy of the model in another folder is the same model. None where they
    agree, where fewer than two runs recorded their model, or where the runs are of different simulators (the
    warning of :func:`l2l.plot.compare_runs.same_problem` says that)."""
    from l2l.model_hashes import same_imports, same_model

    simulators = {str((run.run or {}).get("simulator", {}).get("name")) if isinstance((run.run or {}).get(
        "simulator"), dict) else None for run in runs}
    if len(simulators) != 1:
        return None
    models = [(label, _first_model(run)) for label, run in zip(run_labels(runs), runs)]
    models = [(label, model) for label, model in models if model is not None]
    if len(models) < 2:
        return None
    groups: list[list[tuple[str, Any]]] = []
    for label, model in models:
        for group in groups:
            first = group[0][1]
            if same_model(first[0], [[str(w), str(d)] for w, d in model[0]]) and same_imports(first[1], model[1]):
                group.append((label, model))
                break
        else:
            groups.append([(label, model)])
    if len(groups) < 2:
        return None

    def code(model: Any) -> str:
        files = ", ".join(f"{os.path.basename(str(where))} sha256 {str(digest)[:12]}" for where, digest in model[0])
        imports = model[1]
        if isinstance(imports, dict) and imports.get("sha256"):
            files += f" (+ imports sha256 {str(imports['sha256'])[:12]})"
        return files

    listing = "; ".join(f"{', '.join(label for label, _ in group)}: {code(group[0][1])}" for group in groups)
    return (f"note: the runs ran different model code ({listing}): their values are of different models, not of "
            f"one model searched by different optimizers or seeds (l2l show FILE's model line names each file)")


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


def table(sources: Sequence[Any]) -> pd.DataFrame:
    """One row per run: evaluations, failures, wall time, final best of each shared objective, when it was found."""
    runs = given_runs(sources)
    return _table(runs, common_objectives(runs))


def _table(runs: Sequence[RunData], objectives: Sequence[Objective]) -> pd.DataFrame:
    rows = []
    unit = compute_axis(runs)
    reference = hypervolume_reference(runs, objectives) if has_hypervolume(objectives) else None
    for run, name in zip(runs, run_labels(runs)):
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
