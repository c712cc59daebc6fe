"""What a run found as time and compute went on, as ``l2l plot``, ``l2l compare`` and the report draw and tabulate it:
best so far against evaluations, fidelity units and wall time (repeats averaged as ``l2l show`` ranks), the best
candidate, and the best re-evaluated on fresh seeds. Computations only: the figures are drawn elsewhere
(:mod:`l2l.plot.panels`, :mod:`l2l.plot.compare`, :mod:`l2l.plot.figures`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from l2l.analysis import incumbent as _incumbent
from l2l.analysis.incumbent import best_of_means
from l2l.objectives import Objective
from l2l.plot.data import RunData


def _changes(x: np.ndarray, best: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Only the points where a step curve changes, plus its last point: a million become a few hundred."""
    if len(best) < 3:
        return x, best
    keep = np.ones(len(best), dtype=bool)
    same = (best[1:] == best[:-1]) | (np.isnan(best[1:]) & np.isnan(best[:-1]))
    keep[1:] = ~same
    keep[-1] = True
    return x[keep], best[keep]


def _settled(best: np.ndarray) -> int:
    """Where a best-so-far curve (as :func:`_changes` leaves it) took its final value for the last time."""
    k = len(best) - 1
    while k > 0 and best[k - 1] == best[k]:
        k -= 1
    return k


def _lone(best: np.ndarray) -> bool:
    """Whether a best-so-far curve has a single finite point, which a line alone does not draw: a run whose
    first result counted as found is its last (a one-line successive halving's only candidate at the top
    budget ends it); the point is then drawn as a marker."""
    return int(np.isfinite(np.asarray(best, dtype=float)).sum()) == 1


def _candidates(run: RunData, frame: pd.DataFrame) -> np.ndarray:
    """The candidate of each row of ``frame`` (evaluations or segments) as ``l2l show`` pools repeats; computed
    once per frame (a million rows take seconds, and the figure and the table both ask)."""
    cached = run.__dict__.get("_candidates")
    if cached is not None and cached[0] is frame:
        return cached[1]
    parents = None
    if run.multi_fidelity and "parent" in run.frame.columns and "trial" in frame.columns:
        # a segment inherits its trial's parent (the candidate view has it; a later segment may not)
        parents = run.frame.drop_duplicates("trial").set_index("trial")["parent"]
    groups = _incumbent.candidates_of(frame, run.parameters, parents)
    run.__dict__["_candidates"] = (frame, groups)
    return groups


#: What the best-so-far line of a run with repeats follows (the legends of ``l2l compare`` and ``l2l plot`` say it):
#: the mean of the candidate ``l2l show`` names at each moment, not a running best (see :func:`averages_repeats`).
MEAN_LINE = "the chosen candidate's mean of its repeats, which rises where a repeat comes in worse"


def _found(run: RunData, objective: Objective) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The rows :func:`curves` counts (evaluations, a multi-fidelity run's segments) in the order they completed,
    the value each found (NaN: failed, or below the top budget) and the candidate of each (repeats share one): as
    :func:`l2l.incumbent` counts them, from the same functions (:mod:`l2l.analysis.incumbent`)."""
    frame = run.segments if run.multi_fidelity else run.frame
    top = float((run.fidelity or {}).get("rungs", [frame["budget"].max()])[-1]) if run.multi_fidelity else None
    return _incumbent.found(frame, _candidates(run, frame), objective, top, by_completion=True)


def averages_repeats(run: RunData, objective: Objective) -> bool:
    """Whether the best-so-far line of ``run`` counts a candidate with the mean of several results (the
    model-based policy's repeats at a noisy top budget; a point a user evaluated twice).

    Such a line follows the candidate ``l2l show`` would name at each moment, by its mean so far, and ends at
    the best ``l2l show`` and ``l2l compare``'s table give. It is no running best: a repeat of the leader that
    comes in worse lowers its mean, and the line rises. A running minimum would keep the value of a lucky first
    seed that the repeats have shown to be luck, which is what repeating the candidate was for; so the line
    keeps the mean, and the legend says what it draws (:data:`MEAN_LINE`)."""
    _, values, candidates = _found(run, objective)
    finite = np.isfinite(values)
    return len(np.unique(candidates[finite])) < int(finite.sum())


def _spent(run: RunData, frame: pd.DataFrame, by_compute: bool) -> np.ndarray:
    """After each row of ``frame`` (as :func:`_found` orders them), the evaluations counted or, ``by_compute``,
    the fidelity units spent."""
    return _incumbent.spent(frame, run.multi_fidelity, run.compute_per_evaluation(), by_compute)


def _by_completion(run: RunData, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``frame`` in the order they completed, and the seconds since the run started at each (the
    pauses between sessions left out)."""
    order, done = _incumbent.completion_order(frame)
    return order, (run.active_seconds(done) if len(done) else done)


def curves(run: RunData, objective: Objective, by_compute: bool = False) -> dict[str, np.ndarray]:
    """Best so far by evaluation count and by seconds since the run started, both in the order the results
    completed (a generation's evaluations in the order they finished, not the file's), as :func:`l2l.incumbent`
    gives them.

    ``by_compute``: the first axis counts fidelity units spent instead of evaluations; a multi-fidelity
    run counts each segment's cost and only results at the top budget as found, a single-fidelity run
    the top budget per evaluation. Best is as ``l2l show`` ranks: a candidate evaluated more than once
    (the model-based policy's repeats at a noisy top budget) counts with the mean of its results so far
    (:func:`best_of_means`), so that the line can rise (:func:`averages_repeats`).
    """
    frame, values, candidates = _found(run, objective)
    count = _spent(run, frame, by_compute)
    by_count = best_of_means(values, candidates, objective)
    order, seconds = _by_completion(run, frame)
    by_time = best_of_means(values[order], candidates[order], objective)
    x_count, y_count = _changes(count, by_count)
    x_time, y_time = _changes(seconds, by_time)
    return {"evaluations": x_count, "best_by_evaluations": y_count, "seconds": x_time, "best_by_time": y_time}


def best_row(run: RunData, objective: Objective) -> tuple[pd.DataFrame | None, bool]:
    """The best candidate as ``l2l show`` names it (at a multi-fidelity run's top budget, repeats averaged) as a
    one-row frame, or None; and whether repeats were averaged."""
    from l2l.analysis.best import best_candidates, ranked

    rungs = (run.fidelity or {}).get("rungs") if run.multi_fidelity else None
    ok = ranked(run.ok, float(rungs[-1]) if rungs else None)
    if ok.empty:
        return None, False
    best, averaged = best_candidates(ok, objective, run.parameters, 1)
    return best.head(1), averaged


def reevaluated(run: RunData, objective: Objective) -> dict[str, Any] | None:
    """The best candidate of ``run`` re-evaluated on fresh seeds (``l2l reevaluate``): its mean, the half width
    of its 95 % interval and its number of seeds; None if the run's file holds no re-evaluation. That is the
    re-evaluation's first place, which may be another candidate than the run's best by selection: ``where`` names
    it (``generation 11, individual 9``; ``trial 19``), ``candidate`` in the compare table's short form with its
    ``selection rank`` among the re-evaluated (``gen 11 ind 9 (selection rank 3)``).

    In a run of several objectives the re-evaluated candidates were picked by something (the file does not say
    what; :func:`l2l.reevaluate.stored_pick` infers it): ``picked`` is ``"front"`` where they are the Pareto front
    (``l2l reevaluate`` without ``--objective``), else the objective whose best they are, '' where none's. ``among``
    says what the mean of ``objective`` then is, the best of those candidates (``among the re-evaluated, picked:
    the Pareto front``, ``among the re-evaluated, picked by err``), '' where ``objective`` picked them (or the run
    has one objective)."""
    if not run.path:
        return None
    from l2l.reevaluate import FRONT, ranking, ranking_values, stored_pick
    from l2l.results_schema.reader import Trajectory

    with Trajectory(run.path) as trajectory:
        if not trajectory.has_reevaluations or objective.name not in {o.name for o in trajectory.objectives}:
            return None
        ranked = ranking_values(ranking(trajectory, objective.name))  # a parameter named mean is no mean
        pickers = stored_pick(trajectory) if len(trajectory.objectives) > 1 else [objective.name]
    if ranked.empty:
        return None
    first = ranked.iloc[0]
    where = f"trial {int(first['trial'])}" if "trial" in ranked.columns else \
        f"generation {int(first['generation'])}, individual {int(first['individual'])}"
    # as the table's best candidate is named (gen 2 ind 5), with its place by the values selection saw: the first
    # place on the fresh seeds is often not the selection's best (tests/test_plotfix41.py)
    short = f"trial {int(first['trial'])}" if "trial" in ranked.columns else \
        f"gen {int(first['generation'])} ind {int(first['individual'])}"
    rank = first["selection rank"]
    if not pd.isna(rank):
        short += f" (selection rank {int(rank)})"
    names = [name for name in pickers if name != FRONT]
    picked = "front" if FRONT in pickers else names[0] if names else ""
    among = "" if objective.name in pickers else \
        f"among the re-evaluated, picked: {FRONT}" if picked == "front" else \
        f"among the re-evaluated, picked by {picked}" if picked else "among the re-evaluated"
    return {"mean": float(first["mean"]), "ci95": float(first["ci95"]), "seeds": int(first["seeds"]),
            "candidates": len(ranked), "where": where, "candidate": short, "among": among, "picked": picked}
