"""The hypervolume ``l2l compare`` draws and tabulates for runs of two or three shared objectives: the reference
point all runs share, each run's curve, the re-evaluated front's, and the note that says what it is measured from."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from l2l.numbers import number
from l2l.objectives import Objective
from l2l.plot.best_so_far import _by_completion, _found, _spent
from l2l.plot.compare_runs import run_labels
from l2l.plot.data import RunData


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


def reference_text(objectives: Sequence[Objective], reference: Sequence[float]) -> str:
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
                    for label, run in zip(run_labels(runs), runs) if any(o not in objectives for o in run.objectives)]
        over = (f"; taken over the objectives every run has ({', '.join(o.name for o in objectives)}): "
                f"{'; '.join(unshared)}" if unshared else "")
        zero = _zero_note(runs, objectives, reference, measure)
        return (f"note: hypervolume: the {measure} the front dominates (a candidate evaluated more than once at "
                f"its means, as l2l show lists the front), larger is better, up to the reference point "
                f"{reference_text(objectives, reference)}: {REFERENCE_RULE}{over}{fresh}{zero}")
    if len(objectives) > 1:
        return (f"note: no hypervolume: the runs share {len(objectives)} objectives "
                f"({', '.join(o.name for o in objectives)}) and it is computed for fronts of two or three, so each "
                f"objective's best so far is compared alone (l2l.plot.compare(files, objectives=[two or three "
                f"names]) draws the hypervolume of those)")
    # one objective left shared where a run searched a front of several: its best of that one is one end of its
    # front, not what it searched for (err of a run of err and cost beside one of err and acc, said nowhere); not
    # where the caller chose it among several the runs share (l2l compare --objective NAME)
    shared = [o for o in runs[0].objectives if all(o in run.objectives for run in runs[1:])] if runs else []
    others = [f"{label}: {', '.join(o.name for o in run.objectives if o not in objectives)}"
              for label, run in zip(run_labels(runs), runs) if any(o not in objectives for o in run.objectives)]
    if objectives and others and list(objectives) == shared:
        name = objectives[0].name
        return (f"note: compared by {name} alone, the runs' other objectives left out ({'; '.join(others)}): a run "
                f"of several objectives is shown by the best {name} of its front, one end of the trade-off it "
                f"searched, not by the front itself (l2l show FILE lists each front)")
    return None


def _zero_note(runs: Sequence[RunData], objectives: Sequence[Objective], reference: np.ndarray,
               measure: str) -> str:
    """Why a run's hypervolume is 0 where one is (else ''): the reference point is the worst value of each
    objective over all results, so an objective that took one value in every compared result (a constant rate, a
    model whose members all returned the same) leaves every front without area or volume, and a run that never did
    better than the compared runs' worst on one objective (its front on the reference point's face) has none
    either, whatever it reached on the others. Before 8 December 2026 a 0 stood in the table without a word, as
    if the run had found nothing."""
    signs = np.array([o.sign for o in objectives], dtype=float)
    counted_values = []  # each run's counted results, read once
    for run in runs:
        _, values, counted, _ = _front_inputs(run, objectives)
        counted_values.append(values[counted])
    everything = np.vstack(counted_values) if counted_values else np.empty((0, len(objectives)))
    flat = []  # objectives with one value over every compared result: every run's volume is 0
    for k, objective in enumerate(objectives):
        column = everything[:, k][np.isfinite(everything[:, k])]
        if len(column) and np.all(column == reference[k]):
            flat.append(f"{objective.name} (always {number(reference[k])})")
    if flat and len(flat) == len(objectives):
        return (f"; every hypervolume is 0: every result compared has the same values ({', '.join(flat)}), so "
                f"each front is that one point, which dominates nothing beyond itself")
    if flat:
        return (f"; every hypervolume is 0: {' and '.join(flat)} took one value in every result compared, so no "
                f"front reaches beyond the reference point there (compare the runs by the other objectives alone: "
                f"l2l.plot.compare(files, objectives=[...]), or read each front with l2l show FILE)")
    zeros = []
    for label, run, values in zip(run_labels(runs), runs, counted_values):
        scores = values * signs
        scores = scores[np.all(np.isfinite(scores), axis=1)]
        if not len(scores):
            continue
        curve = hypervolume_curves(run, objectives, reference)["hypervolume_by_evaluations"]
        if not len(curve) or not float(curve[-1]) <= 0:  # a volume, or none measured (NaN): nothing to say
            continue
        stuck = [objective.name for k, objective in enumerate(objectives)
                 if scores[:, k].max() <= reference[k] * signs[k]]
        why = (f"its best {' and '.join(stuck)} {'is' if len(stuck) == 1 else 'are'} the worst of the compared "
               f"results (the reference point's)" if stuck else
               "every member of its front has the worst value of some objective of the compared results (the "
               "reference point's)")
        zeros.append(f"{label}: {why}")
    if zeros:
        return (f"; a hypervolume of 0 ({'; '.join(zeros)}) is a front that dominates no {measure} beyond the "
                f"reference point, not a run that found nothing: its best values are in the table")
    return ""


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
