"""The best evaluations of a run as a text table (:func:`best_table`, from the rows :func:`best_frame` reads); the
ranking of the candidates re-evaluated on fresh seeds is :mod:`l2l.summary.ranking`'s."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from l2l.results_schema.reader import Trajectory


def best_frame(trajectory: Trajectory, n: int) -> pd.DataFrame:
    """The evaluations :func:`best_table` needs to show the ``n`` best (``evaluations(errors=False)`` rows).

    With the running statistics of the last generation, only the best rows they kept (the ``TOP_ROWS`` best
    of a single objective, the Pareto front of two) and the rows committed since are read, with a single
    objective also every other evaluation of the candidates among them (their means are over all their
    evaluations, as from all rows); with two, the rows :func:`_front_rows` finds where a candidate was
    evaluated more than once; otherwise, or where those candidates' means leave fewer than ``n`` of them
    certain to rank first, all rows.
    """
    from l2l.results_schema.statistics import TOP_ROWS

    record = None if trajectory.multi_fidelity else trajectory.statistics()
    kind = {1: "top", 2: "front"}.get(len(trajectory.objectives))
    if record is not None and kind and record.get(kind) is not None and (kind == "front" or n <= TOP_ROWS):
        kept = np.asarray(record[kind], dtype=np.int64)
        rows = np.concatenate([kept, np.arange(int(record["rows"]), trajectory.n_evaluations)])
        if kind == "front":
            needed = _front_rows(trajectory, rows)  # most rows: read in one go, not row by row
            return trajectory.evaluations_at(needed) if len(needed) <= trajectory.n_evaluations // 2 else \
                trajectory.evaluations(errors=False)
        rows = _with_repeats(trajectory, rows)
        frame = trajectory.evaluations_at(rows)  # in the order of the rows, numbered from 0
        if _exact(trajectory, frame, np.searchsorted(rows, kept), n):
            return frame
    return trajectory.evaluations(errors=False)


def _with_repeats(trajectory: Trajectory, rows: np.ndarray) -> np.ndarray:
    """``rows`` (sorted, unique) with every other row whose first parameter value equals one of theirs: the
    other evaluations of the candidates among them (an optimizer that keeps its elite evaluates it again with
    new seeds), so that a candidate's mean is that of all its evaluations, not of its lucky ones among the best
    rows. One column is read whole (the first value of the first parameter); the rows it matches, few unless
    many candidates share that value, are then read whole by the caller."""
    rows = np.unique(rows)
    parameters = trajectory.space.parameters
    count = trajectory.n_evaluations
    if not parameters or not len(rows) or not count:
        return rows
    column = trajectory._read(f"evaluations/params/{parameters[0].name}", count).reshape(count, -1)[:, 0]
    return np.union1d(rows, np.flatnonzero(np.isin(column, column[rows])))


def _front_rows(trajectory: Trajectory, rows: np.ndarray) -> np.ndarray:
    """The rows :func:`best_table` needs for the Pareto front of two objectives over candidates' means, given
    ``rows``: the front the statistics kept and the rows committed since.

    The first parameter is read whole (8 bytes a row a value): where no two rows share its first value, no
    candidate was evaluated twice and the kept front is the front of the means. Otherwise the next parameters are
    read too while more than 1 % of the rows share the values read with another (a categorical first parameter,
    a GA's children sharing genes), and the status and objectives (17 bytes a row), for every successful row that
    may be a repeat (its candidate's mean needs all of them, and a lucky row's candidate may leave the front to a
    row it dominated) and, of the others (each its candidate's only result), those on their own front.
    """
    from l2l.analysis.best import front_rows
    from l2l.results_schema.statistics import _OK

    parameters = trajectory.space.parameters
    count = trajectory.n_evaluations
    if not parameters or not count:
        return rows
    values = trajectory._read(f"evaluations/params/{parameters[0].name}", count).reshape(count, -1)
    ordered = np.sort(values[:, 0])
    if not (ordered[1:] == ordered[:-1]).any() and not _nan(ordered).any():
        return rows  # no two rows share it (a sort, not an argsort: the common case, 40 ms for 1,000,000)
    names = ("status",) + tuple(f"objectives/{o.name}" for o in trajectory.objectives)
    read = trajectory.rows(names, 0, count)
    scores = np.column_stack([read[f"objectives/{o.name}"].astype(float) * o.sign for o in trajectory.objectives])

    def columns() -> Iterator[np.ndarray]:  # every element of each parameter, read one parameter at a time
        yield from values.T
        for parameter in parameters[1:]:
            yield from trajectory._read(f"evaluations/params/{parameter.name}", count).reshape(count, -1).T

    return front_rows(columns(), scores, read["status"] == _OK)


def _nan(values: np.ndarray) -> np.ndarray:
    """Which of ``values`` are NaN (none of a column that is not of floats)."""
    return np.isnan(values) if values.dtype.kind == "f" else np.zeros(len(values), dtype=bool)


def _exact(trajectory: Trajectory, frame: pd.DataFrame, kept: np.ndarray, n: int) -> bool:
    """True if the ``n`` best candidates of ``frame`` (repeats averaged over all their rows) are the run's;
    ``kept``: the positions in ``frame`` of the best rows the statistics kept. A candidate with no row in
    ``frame`` has every row behind the worst kept one, so its mean is no better than that row: the frame's
    candidates whose mean is at least as good are ranked rightly, and ``n`` of them are enough."""
    from l2l.analysis.best import average_repeats, ranked
    from l2l.results_schema.statistics import TOP_ROWS

    if len(kept) < TOP_ROWS:  # fewer than TOP_ROWS successful rows: the statistics kept every one
        return True
    o = trajectory.objectives[0]
    sign = float(o.sign)  # value * sign: larger is better
    worst = float(np.min(frame[o.name].to_numpy(dtype=float)[kept] * sign))
    averaged = average_repeats(ranked(frame, None), trajectory.space.columns(), o.name)
    if averaged is None:  # no candidate evaluated more than once: the kept rows are the best candidates
        return True
    return int(np.count_nonzero(averaged[o.name].to_numpy(dtype=float) * sign >= worst)) >= n


def best_table(trajectory: Trajectory, frame: pd.DataFrame, n: int) -> str:
    """The ``n`` best successful evaluations (one objective) or the Pareto front (several), as text.

    Multi-fidelity runs rank at the top budget; repeats of a candidate are averaged (:mod:`l2l.analysis.best`).
    """
    import pandas as pd

    from l2l.analysis.best import (FRONT_REPEATS_NOTE, REPEAT_COUNT, REPEAT_SD, REPEATS_NOTE, best_candidates,
                                   front_candidates, ranked, repeat_headers, repeats_note, tie_note, tied_with_best,
                                   with_repeats)
    from l2l.numbers import SMALL, number

    multi = trajectory.multi_fidelity  # not a parameter named trial: a column of multi-fidelity runs only
    ok = ranked(frame, trajectory.top_budget if multi else None)
    if ok.empty:
        return "no successful evaluation"
    objectives = trajectory.objectives
    parameters = trajectory.space.columns()
    columns = ["generation", "individual"] + [o.name for o in objectives] + parameters[:SHOWN_PARAMETERS]
    # the repeats' count and sd as n and sd, unless a parameter or objective has that name: the user's column wins
    headers = repeat_headers([*parameters, *(o.name for o in objectives)])
    if multi:  # a multi-fidelity run: candidates at the top budget rank first
        columns = ["trial", "budget", "state"] + columns[2:]
    if len(objectives) == 1:
        o = objectives[0]
        best, averaged = best_candidates(ok, o, parameters, n)
        title = f"best {len(best)} by {o.name} ({o.direction}):"
        if averaged:
            columns = with_repeats(columns, o.name)
            best = best.assign(**{REPEAT_SD: [("-" if not np.isfinite(v) else number(v) if 0 < abs(v) < SMALL
                                               else f"{v:.6f}") for v in best[REPEAT_SD]]})  # not 0.000000
            title = f"best {len(best)} by {o.name} ({o.direction}; {repeats_note(REPEATS_NOTE, headers)}):"
    else:  # over candidates, repeats averaged as for one objective: a lucky seed does not make the front
        best, averaged = front_candidates(ok, objectives, parameters)
        title = f"Pareto front ({len(best)} evaluation{'s' * (len(best) != 1)}):"
        if averaged:
            at = columns.index(objectives[-1].name) + 1
            columns = columns[:at] + [REPEAT_COUNT] + columns[at:]
            title = (f"Pareto front ({len(best)} candidate{'s' * (len(best) != 1)}; "
                     f"{repeats_note(FRONT_REPEATS_NOTE, headers)}):")
        shown = max(n, FRONT_ROWS)  # l2l show --top N shows more of a long front, never fewer than 20 rows
        if len(best) > shown:  # say so: a front cut without a word reads as the whole front
            title = (title[:-1] + f"; the first {shown} shown, l2l show FILE --top {len(best)} or l2l.front(FILE) "
                     f"for all:")
            best = best.head(shown)
    top = trajectory.top_budget if multi else None
    if top is not None and not np.isclose(ok["budget"].to_numpy(dtype=float), top).any():
        # no candidate has reached the top budget (a run cut short): a low budget's loss is no final result
        title = title[:-1] + (f" - no candidate reached the top budget {number(top)}; these are results at lower "
                              f"budgets:")
    ties = ""
    if len(objectives) == 1 and not trajectory.has_reevaluations:  # l2l reevaluate's ranking tells them apart
        from l2l.results_schema.statistics import TOP_ROWS

        # counted up to TOP_ROWS: best_frame reads only the best rows that the running statistics keep (as many)
        tied = min(tied_with_best(ok, objectives[0], parameters), TOP_ROWS)
        config = trajectory.run.get("config")
        ties = tie_note(tied, objectives[0], float(best[objectives[0].name].iloc[0]), str(trajectory.path),
                        at_least=tied == TOP_ROWS, config=config)
    shown = best[columns].rename(columns=headers)
    # scores of about 1e-6 read 0.000001 each at pandas' six decimals: written by l2l.numbers.number there; scores
    # of 1e6 and more pandas writes 1.234568e+08: written with six decimals as the others (score_formatters)
    formatters = score_formatters(shown, [o.name for o in objectives])
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        return (title + "\n" + shown.to_string(index=False, formatters=formatters)
                + more_parameters(parameters)
                + ("\n" + ties if ties else ""))


def score_formatters(frame: pd.DataFrame, scores) -> dict:
    """``formatters`` for ``frame.to_string`` of a table of scores: :func:`l2l.numbers.table_formatters` (a column
    with scores below 0.001 by :func:`l2l.numbers.number`, one with a score of 10**6 or more with six decimals, so
    that unequal scores never read alike), as ``l2l compare`` and ``l2l reevaluate``'s ranking write theirs."""
    from l2l.numbers import table_formatters

    return table_formatters(frame, scores)


#: Rows of a Pareto front a text table shows at least (``l2l show --top N`` shows N where that is more).
FRONT_ROWS = 20

#: Parameter columns a text table shows; the others are named below it.
SHOWN_PARAMETERS = 8


def more_parameters(columns: list[str]) -> str:
    """The line under a text table that names the parameter columns it leaves out ("" if none)."""
    hidden = columns[SHOWN_PARAMETERS:]
    if not hidden:
        return ""
    return (f"\n(+{len(hidden)} more parameter column{'s' if len(hidden) > 1 else ''} not shown: "
            f"{', '.join(hidden)}; l2l.load(FILE) has every column)")
