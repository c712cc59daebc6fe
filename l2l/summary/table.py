"""The best evaluations of a run as a text table (:func:`best_table`, from the rows :func:`best_frame` reads),
and the ranking of the candidates re-evaluated on fresh seeds (:func:`reevaluated_text`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from l2l.objectives import pareto_front_mask

if TYPE_CHECKING:
    import pandas as pd

    from l2l.results_schema.reader import Trajectory


def best_frame(trajectory: Trajectory, n: int) -> pd.DataFrame:
    """The evaluations :func:`best_table` needs to show the ``n`` best (``evaluations(errors=False)`` rows).

    With the running statistics of the last generation, only the best rows they kept (the ``TOP_ROWS`` best
    of a single objective, the Pareto front of two) and the rows committed since are read; otherwise all.
    """
    from l2l.results_schema.statistics import TOP_ROWS

    record = None if trajectory.multi_fidelity else trajectory.statistics()
    kind = {1: "top", 2: "front"}.get(len(trajectory.objectives))
    if record is not None and kind and record.get(kind) is not None and (kind == "front" or n <= TOP_ROWS):
        rows = np.concatenate([np.asarray(record[kind], dtype=np.int64),
                               np.arange(int(record["rows"]), trajectory.n_evaluations)])
        return trajectory.evaluations_at(rows)
    return trajectory.evaluations(errors=False)


def best_table(trajectory: Trajectory, frame: pd.DataFrame, n: int) -> str:
    """The ``n`` best successful evaluations (one objective) or the Pareto front (several), as text.

    Multi-fidelity runs rank at the top budget; repeats of a candidate are averaged (:mod:`l2l.analysis.best`).
    """
    import pandas as pd

    from l2l.analysis.best import REPEATS_NOTE, best_candidates, ranked, tie_note, tied_with_best, with_repeats

    ok = ranked(frame, trajectory.top_budget if "trial" in frame.columns else None)
    if ok.empty:
        return "no successful evaluation"
    objectives = trajectory.objectives
    parameters = trajectory.space.columns()
    columns = ["generation", "individual"] + [o.name for o in objectives] + parameters[:SHOWN_PARAMETERS]
    if "trial" in ok.columns:  # a multi-fidelity run: candidates at the top budget rank first
        columns = ["trial", "budget", "state"] + columns[2:]
    if len(objectives) == 1:
        o = objectives[0]
        best, averaged = best_candidates(ok, o, parameters, n)
        title = f"best {len(best)} by {o.name} ({o.direction}):"
        if averaged:
            columns = with_repeats(columns, o.name)
            best = best.assign(sd=[f"{v:.6f}" if np.isfinite(v) else "-" for v in best["sd"]])
            title = f"best {len(best)} by {o.name} ({o.direction}; {REPEATS_NOTE}):"
    else:
        scores = ok[[o.name for o in objectives]].to_numpy() * np.array([o.sign for o in objectives])
        best = ok[pareto_front_mask(scores)]
        title = f"Pareto front ({len(best)} evaluations):"
        best = best.head(20)
    top = trajectory.top_budget if "trial" in ok.columns else None
    if top is not None and not np.isclose(ok["budget"].to_numpy(dtype=float), top).any():
        # no candidate has reached the top budget (a run cut short): a low budget's loss is no final result
        title = title[:-1] + f" - no candidate reached the top budget {top:g}; these are results at lower budgets:"
    ties = ""
    if len(objectives) == 1 and not trajectory.has_reevaluations:  # l2l reevaluate's ranking tells them apart
        from l2l.results_schema.statistics import TOP_ROWS

        # counted up to TOP_ROWS: best_frame reads only the best rows that the running statistics keep (as many)
        tied = min(tied_with_best(ok, objectives[0], parameters), TOP_ROWS)
        ties = tie_note(tied, objectives[0], float(best[objectives[0].name].iloc[0]), str(trajectory.path),
                        at_least=tied == TOP_ROWS)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        return (title + "\n" + best[columns].to_string(index=False) + more_parameters(parameters)
                + ("\n" + ties if ties else ""))


#: Parameter columns a text table shows; the others are named below it.
SHOWN_PARAMETERS = 8


def more_parameters(columns: list[str]) -> str:
    """The line under a text table that names the parameter columns it leaves out ("" if none)."""
    hidden = columns[SHOWN_PARAMETERS:]
    if not hidden:
        return ""
    return (f"\n(+{len(hidden)} more parameter column{'s' if len(hidden) > 1 else ''} not shown: "
            f"{', '.join(hidden)}; l2l.load(FILE) has every column)")


def reevaluated_text(trajectory: Trajectory, top: int = 10) -> str:
    """The candidates re-evaluated on fresh seeds (``l2l reevaluate``), ranked by their mean; "" if none."""
    if not trajectory.has_reevaluations:
        return ""
    from l2l.reevaluate import ranking, ranking_text

    return ranking_text(ranking(trajectory), limit=top)
