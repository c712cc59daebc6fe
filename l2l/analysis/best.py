"""The best candidates of a run, as ``l2l show``, ``l2l run`` and the report list them (from Python:
:func:`best`, :func:`front`, as ``l2l.best`` and ``l2l.front``).

Two rules keep the list honest:

* in a multi-fidelity run a candidate stopped at a low budget does not compete with those trained to the top
  budget (its value is at another fidelity); the top budget's results rank alone once there are any;
* a candidate evaluated more than once with the same parameters from scratch (the model-based policy trains
  the candidate it would choose again with new seeds where the top budget is noisy; a user may repeat a
  point) is listed once, with the mean of its results, how many there are (``n``) and their standard
  deviation (``sd``), so that one lucky seed cannot head the list. Results that continued another
  trial's checkpoint (population-based training, Lamarckian inheritance) are never pooled: equal
  hyperparameters on different weights are different learners.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from l2l.numbers import number
from l2l.objectives import Objective
from l2l.results_schema.statistics import at_top_budget

#: Columns added to a table whose repeats were averaged: the number of a candidate's results and their standard
#: deviation. Not identifiers, so that no parameter or objective (``n``, ``sd``) has their name and is overwritten;
#: tables show them as ``n`` and ``sd`` where no column of the user's has that name (:func:`repeat_headers`).
REPEAT_COLUMNS = ("(n)", "(sd)")
REPEAT_COUNT, REPEAT_SD = REPEAT_COLUMNS


def ranked(frame: pd.DataFrame, top_budget: float | None = None) -> pd.DataFrame:
    """The successful rows that compete for "best": at a multi-fidelity run's top budget once it has results."""
    ok = frame[frame["status"] == "ok"]
    if "budget" in ok.columns and top_budget is not None:
        at_top = at_top_budget(ok["budget"], top_budget)
        if at_top.any():
            ok = ok[at_top]
    return ok


def repeat_groups(frame: pd.DataFrame, parameters: Sequence[str]) -> np.ndarray:
    """The candidate of each row, as :func:`average_repeats` pools them: rows with equal ``parameters`` share an
    id; a row that continued another learner's checkpoint (``parent`` >= 0) has an id of its own (negative);
    without parameters every row is its own candidate. ``l2l compare`` averages with the same ids."""
    if not len(frame) or not parameters:
        return np.arange(len(frame))
    groups = frame.groupby(list(parameters), sort=False, dropna=False).ngroup().to_numpy()
    if "parent" in frame.columns and "parent" not in parameters:  # another learner's checkpoint: never pooled
        inherited = frame["parent"].to_numpy() >= 0
        groups = np.where(inherited, -1 - np.arange(len(frame)), groups)
    return groups


def average_repeats(ok: pd.DataFrame, parameters: Sequence[str], objective: str) -> pd.DataFrame | None:
    """One row per candidate with the mean of ``objective`` over its repeats, plus :data:`REPEAT_COLUMNS`.

    The row kept is the candidate's first evaluation (its trial or generation and individual); None when no
    parameter vector was evaluated twice from scratch, so that tables without repeats keep their shape.
    """
    if len(ok) < 2 or not parameters:
        return None
    groups = repeat_groups(ok, parameters)
    if len(np.unique(groups)) == len(ok):
        return None
    values = ok[objective].to_numpy(dtype=float)
    table = pd.DataFrame({"group": groups, "value": values})
    stats = table.groupby("group", sort=False)["value"].agg(["mean", "count", "std"])
    first = ~pd.Series(groups).duplicated().to_numpy()
    out = ok[first].copy()
    out[objective] = stats.loc[groups[first], "mean"].to_numpy()
    out[REPEAT_COUNT] = stats.loc[groups[first], "count"].to_numpy().astype(int)
    out[REPEAT_SD] = stats.loc[groups[first], "std"].to_numpy()
    return out


def best_candidates(ok: pd.DataFrame, objective: Objective, parameters: Sequence[str],
                    limit: int) -> tuple[pd.DataFrame, bool]:
    """The ``limit`` best rows of ``ok`` by ``objective``, repeats averaged; and whether any were.

    Among candidates with equal means the one evaluated more often comes first (more evidence for the same
    value; the model-based policy's choice and the multi-fidelity benchmark's rule), then the file's order."""
    averaged = average_repeats(ok, parameters, objective.name)
    table = ok if averaged is None else averaged
    if averaged is None:
        best = table.sort_values(objective.name, ascending=objective.direction == "minimize", kind="stable")
    else:
        best = table.sort_values([objective.name, REPEAT_COUNT],
                                 ascending=[objective.direction == "minimize", False], kind="stable")
    return best.head(limit), averaged is not None


def front_rows(columns: Iterable[np.ndarray], scores: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """The positions of the rows :func:`front_candidates` needs for the front of two objectives over candidates'
    means, without grouping every row: the ``eligible`` rows that may be a repeat (sharing their values of the
    parameter elements in ``columns`` with another row; a NaN equals nothing, so its row is taken for one lest a
    repeat be missed) and, of the others (each its candidate's only result), those on their own front, since a
    single result off that front is dominated by another single one. ``columns`` are read lazily, in order, only
    while more than 1 % of the rows may still be repeats (a categorical first parameter, a GA's children sharing
    genes). ``scores``: one row per row, larger is better."""
    from l2l.results_schema.statistics import pareto_front_2d

    count = len(eligible)
    shared = np.zeros(count, dtype=bool)
    key, loose = np.zeros(count, dtype=np.int64), np.zeros(count, dtype=bool)
    for read, column in enumerate(columns):
        if count == 0 or (read and np.count_nonzero(shared) <= count // 100):
            break
        codes, uniques = pd.factorize(column)
        loose |= codes < 0
        key = pd.factorize(key * (len(uniques) + 1) + codes + 1)[0]
        shared = (np.bincount(key)[key] > 1) | loose
    single = np.flatnonzero(eligible & ~shared)
    return np.union1d(np.flatnonzero(eligible & shared), single[pareto_front_2d(scores[single])])


def front_candidates(ok: pd.DataFrame, objectives: Sequence[Objective],
                     parameters: Sequence[str]) -> tuple[pd.DataFrame, bool]:
    """The non-dominated candidates of ``ok`` over ``objectives`` (the Pareto front), repeats averaged; and
    whether any were.

    As :func:`best_candidates` ranks one objective: a candidate evaluated more than once from scratch (a GA's
    elite evaluated again with a new seed every generation) is one point, the mean of each objective over its
    results, with their number ``n``, so that its lucky seed cannot put it on the front while its mean is
    dominated. A candidate with a non-finite result is never on the front. Rows in the order of ``ok`` (each
    candidate's first evaluation); ``ok`` itself where no candidate was evaluated twice."""
    from l2l.objectives import pareto_front_mask
    from l2l.results_schema.statistics import pareto_front_2d

    names = [o.name for o in objectives]
    table, averaged = ok, False
    groups = repeat_groups(ok, parameters)
    codes, uniques = pd.factorize(groups)  # numbered in the order of their first row
    if len(uniques) < len(ok):
        counts = np.bincount(codes)
        firsts = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
        table = ok.iloc[firsts].copy()
        for name in names:  # a sum with a NaN or inf - inf is NaN: that candidate is off the front
            table[name] = np.bincount(codes, weights=ok[name].to_numpy(dtype=float)) / counts
        table[REPEAT_COUNT] = counts
        averaged = True
    scores = table[names].to_numpy(dtype=float) * np.array([o.sign for o in objectives], dtype=float)
    mask = pareto_front_2d(scores) if len(names) == 2 else pareto_front_mask(scores)
    return table[mask], averaged


def tied_with_best(ok: pd.DataFrame, objective: Objective, parameters: Sequence[str]) -> int:
    """How many distinct candidates of ``ok`` share the best value of ``objective`` exactly (repeats averaged):
    more than one where the objective saturates (an error rate of 0 reached by many), and then the order of
    :func:`best_candidates` among them is the order of evaluation, not a ranking."""
    averaged = average_repeats(ok, parameters, objective.name)
    values = (ok if averaged is None else averaged)[objective.name].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if not len(values):
        return 0
    best = values.min() if objective.direction == "minimize" else values.max()
    return int(np.count_nonzero(values == best))


def tie_note(tied: int, objective: Objective, value: float, path: str, at_least: bool = False,
             config: Any = None) -> str:
    """The line under a best list whose first ``tied`` candidates share the best value (see :func:`tied_with_best`):
    their order is not a ranking, and ``l2l reevaluate`` tells them apart on fresh seeds; "" for fewer than two.
    ``config``: the run's stored config (a dict). A ``pbt`` or ``run.inherit`` run, which ``l2l reevaluate``
    refuses, is told to replay the learners' schedules instead; a run whose simulator was a Python function passed
    to ``l2l.run``, which no command can pass, the Python call that passes it again. Before, both were given
    ``l2l reevaluate FILE --top N``, which, pasted, was refused in one line."""
    if tied < 2:
        return ""
    from l2l.words import call, passed_as

    config = config if isinstance(config, dict) else {}
    run, policy = config.get("run") or {}, config.get("policy") or {}
    name = policy.get("name") if isinstance(policy, dict) else None
    if name == "pbt" or (isinstance(run, dict) and (run.get("policy") == "pbt" or run.get("inherit"))):
        how = (f"replay each one's schedule (l2l.lineage({str(path)!r})) with seeds no run used, as docs/pbt.md "
               f"shows (l2l reevaluate does not apply to learners trained from other learners' checkpoints)")
    else:
        function = passed_as(config.get("simulator"))
        how = call("reevaluate", path, top=tied, function=function, python=True) if function else \
            call("reevaluate", path, top=tied)
        if function:
            how = f"import l2l.reevaluate; {how}"
    return (f"{'at least ' if at_least else ''}{tied} candidates share the best {objective.name} ({number(value)}): "
            f"their order is the order of evaluation, not a ranking; to tell them apart on fresh seeds: {how}")


def with_repeats(columns: list[str], objective: str) -> list[str]:
    """``columns`` with :data:`REPEAT_COLUMNS` placed right after the objective's column."""
    at = columns.index(objective) + 1
    return columns[:at] + list(REPEAT_COLUMNS) + columns[at:]


def repeat_headers(names: Iterable[str]) -> dict[str, str]:
    """The headers a table shows :data:`REPEAT_COLUMNS` under, given the names of its parameters and objectives:
    ``n`` and ``sd``, or ``(n)`` and ``(sd)`` where one of ``names`` is ``n`` or ``sd`` (the user's column keeps it).
    """
    names = set(names)
    return {column: column if column[1:-1] in names else column[1:-1] for column in REPEAT_COLUMNS}


def repeats_note(note: str, headers: dict[str, str]) -> str:
    """:data:`REPEATS_NOTE` or :data:`FRONT_REPEATS_NOTE` naming the columns by ``headers`` (:func:`repeat_headers`)."""
    count, sd = headers[REPEAT_COUNT], headers[REPEAT_SD]
    return note.replace("mean, n and sd", f"mean, {count} and {sd}").replace("its n results", f"its {count} results")


REPEATS_NOTE = "a candidate evaluated more than once is shown with its mean, n and sd"
#: :data:`REPEATS_NOTE` of a Pareto front (:func:`front_candidates`).
FRONT_REPEATS_NOTE = "a candidate evaluated more than once is shown with the means of its n results"


@dataclass(frozen=True, eq=False)
class Candidate:
    """A candidate as ``l2l show`` lists it (:func:`best`, :func:`front`): its parameters, the mean of each
    objective over its ``n`` results (a candidate evaluated more than once from scratch: the model-based policy's
    repeats at a noisy top budget, a GA's elite on new seeds) and their standard deviation (NaN for one result).

    ``trial`` is its id in a multi-fidelity run (None in other runs); ``generation`` and ``individual`` are those of
    its first evaluation (the row ``l2l show`` prints); ``budget`` is the budget of its results, the run's top
    budget unless no candidate reached it (then ``l2l show`` says so and ranks the results at lower budgets)."""

    params: dict[str, Any]
    objectives: dict[str, float]
    n: int
    sd: dict[str, float]
    generation: int
    individual: int
    trial: int | None = None
    budget: float | None = None

    def __eq__(self, other: object) -> bool:  # the dataclass's own compared an array parameter to a truth value
        if not isinstance(other, Candidate):
            return NotImplemented
        return (self.params.keys() == other.params.keys()
                and all(np.array_equal(self.params[k], other.params[k]) for k in self.params)
                and (self.objectives, self.n, self.generation, self.individual, self.trial, self.budget)
                == (other.objectives, other.n, other.generation, other.individual, other.trial, other.budget))

    __hash__ = None  # type: ignore[assignment] - equal by value, and its dicts are mutable

    @property
    def value(self) -> float:
        """The mean of the only objective (a run of several objectives: refused, name one in ``objectives``)."""
        if len(self.objectives) != 1:
            raise ValueError(f"this candidate has {len(self.objectives)} objectives "
                             f"({', '.join(self.objectives)}): take one from .objectives")
        return next(iter(self.objectives.values()))


def best(source: str | os.PathLike | pd.DataFrame) -> Candidate:
    """The best candidate of a run's file or of a frame from :func:`l2l.load` (filtered or not), as ``l2l show``
    ranks it: at a multi-fidelity run's top budget, by the mean of its results where it has several (not the
    single luckiest result, which the minimum of ``l2l.load(path)`` picks), the one evaluated more often first
    among equal means, then the first evaluated. A run of several objectives has no single best: :func:`front`.
    Re-evaluations on fresh seeds (``l2l reevaluate``) are not counted, as in ``l2l show``'s best table."""
    ok, objectives, parameters, space = _candidates_of(source)
    if len(objectives) != 1:
        raise ValueError(f"the run has {len(objectives)} objectives ({', '.join(o.name for o in objectives)}): no "
                         f"single best; l2l.front(...) gives the Pareto front as l2l show lists it")
    table, _ = best_candidates(ok, objectives[0], parameters, 1)
    return _candidate(ok, table.index[0], objectives, parameters, space)


def front(source: str | os.PathLike | pd.DataFrame) -> list[Candidate]:
    """The Pareto front of a run (or of a frame from :func:`l2l.load`) as ``l2l show`` lists it: over candidates,
    each at the means of its results (a lucky seed does not put it on the front), at a multi-fidelity run's top
    budget, in the order of their first evaluation; of a run of one objective, ``[best(source)]``."""
    ok, objectives, parameters, space = _candidates_of(source)
    if len(objectives) == 1:
        table, _ = best_candidates(ok, objectives[0], parameters, 1)
    else:
        table, _ = front_candidates(ok, objectives, parameters)
    return [_candidate(ok, label, objectives, parameters, space) for label in table.index]


def _candidates_of(source: str | os.PathLike | pd.DataFrame) -> tuple[pd.DataFrame, tuple[Objective, ...],
                                                                       list[str], Any]:
    """The rows that compete for best (:func:`ranked`), the objectives, the parameter columns and the space (None
    for a frame whose file is gone: its parameters are then read from the columns' names)."""
    from l2l.errors import ArgumentError, TrajectoryError
    from l2l.results_schema.reader import Trajectory

    if isinstance(source, Trajectory):  # an open file: read it by its path
        source = source.path
    elif not isinstance(source, (str, bytes, os.PathLike, pd.DataFrame)):
        raise ArgumentError(f"l2l.best and l2l.front take a run's file (its path) or a frame of l2l.load(path), "
                        f"got {type(source).__name__}")
    if isinstance(source, pd.DataFrame):
        frame = source
        raw = frame.attrs.get("objectives")
        if not raw:
            raise TrajectoryError("this DataFrame does not say its objectives (frame.attrs['objectives']); pass the "
                                  "run's file, or a frame from l2l.load(path)")
        objectives = tuple(Objective.from_json(o) for o in raw)
        for column in ("status",) + tuple(o.name for o in objectives):
            if column not in frame.columns:
                raise TrajectoryError(f"the DataFrame has no {column!r} column; l2l.best needs the status, the "
                                      f"objectives and the parameters of l2l.load(path)")
        space, path = None, frame.attrs.get("path")
        if path and os.path.exists(path):
            with Trajectory(path) as trajectory:
                space = trajectory.space
        top = None
        if frame.attrs.get("view") == "segments" and {"trial", "budget"} <= set(frame.columns) and len(frame):
            # l2l.load(path, segments=True): a trial's earlier segments are its way up, not repeats of it (they were
            # pooled into one mean over budgets where no candidate reached the top); its latest one stands for it,
            # as in the candidates' view l2l show ranks
            frame = frame.reset_index(drop=True)
            latest = frame["budget"].astype(float).sort_values(kind="stable").index.to_numpy()
            frame = frame.loc[np.sort(frame.loc[latest, "trial"].drop_duplicates(keep="last").index.to_numpy())]
        if "trial" in frame.columns and "budget" in frame.columns and \
                not (space is not None and {"trial", "budget"} & set(space.names)):  # not parameters of that name
            rungs = (frame.attrs.get("fidelity") or {}).get("rungs")
            top = float(rungs[-1]) if rungs else float(np.nanmax(frame["budget"].to_numpy(dtype=float))) \
                if len(frame) else None
        from l2l.results_schema.layout import RESERVED_COLUMNS, SEGMENT_VIEW

        names = {o.name for o in objectives}
        parameters = space.columns() if space is not None else [
            c for c in frame.columns if c not in RESERVED_COLUMNS and c not in SEGMENT_VIEW and c not in names
            and not str(c).startswith("metric:")]
        where = "the DataFrame"
    else:
        with Trajectory(source) as trajectory:
            frame = trajectory.evaluations(errors=False)
            objectives, space = tuple(trajectory.objectives), trajectory.space
            top = trajectory.top_budget if trajectory.multi_fidelity else None
        parameters = space.columns()
        where = str(source)
    ok = ranked(frame, top).reset_index(drop=True)  # labels are positions: a concatenated frame may repeat some
    if ok.empty:
        raise TrajectoryError(f"no successful evaluation in {where}")
    return ok, objectives, [c for c in parameters if c in ok.columns], space


def _candidate(ok: pd.DataFrame, label: Any, objectives: Sequence[Objective], parameters: Sequence[str],
               space: Any) -> Candidate:
    """The candidate whose first row in ``ok`` has the index ``label``, with the statistics of all its rows there
    (grouped as :func:`repeat_groups` does for ``l2l show``)."""
    groups = repeat_groups(ok, parameters)
    position = ok.index.get_loc(label)
    rows = ok[groups == groups[position]]
    first = ok.iloc[position]
    means = {o.name: float(np.mean(rows[o.name].to_numpy(dtype=float))) for o in objectives}
    sds = {o.name: float(np.std(rows[o.name].to_numpy(dtype=float), ddof=1)) if len(rows) > 1 else float("nan")
           for o in objectives}
    own = {*parameters, *(o.name for o in objectives)}  # a single-fidelity run's parameter may be named trial
    trial = int(first["trial"]) if "trial" in ok.columns and "trial" not in own else None
    budget = float(first["budget"]) if "budget" in ok.columns and "budget" not in own else None
    return Candidate(_params(first, parameters, space), means, len(rows), sds, int(first["generation"]),
                     int(first["individual"]), trial, budget)


def _params(row: pd.Series, columns: Sequence[str], space: Any) -> dict[str, Any]:
    """The parameters of ``row`` as the simulator received them: scalars as Python numbers or strings, an array
    parameter as an array of its shape (from its element columns ``w[0,1]``; without the space, flat)."""
    def plain(value: Any) -> Any:
        return value.item() if isinstance(value, np.generic) else value

    from l2l.parameters import Int

    if space is not None:
        out: dict[str, Any] = {}
        for p in space.parameters:
            names = p.columns()
            if getattr(p, "shape", ()):
                out[p.name] = row[names].to_numpy(dtype=float).reshape(p.shape)
            elif isinstance(p, Int):
                out[p.name] = int(row[names[0]])
            else:
                out[p.name] = plain(row[names[0]])
        return out
    out, arrays = {}, {}
    for column in columns:
        match = re.fullmatch(r"(\w+)\[[\d,]+\]", str(column))
        if match:
            arrays.setdefault(match.group(1), []).append(float(row[column]))
        else:
            out[column] = plain(row[column])
    out.update({name: np.asarray(values) for name, values in arrays.items()})
    return out


__all__ = ["Candidate", "FRONT_REPEATS_NOTE", "REPEATS_NOTE", "REPEAT_COLUMNS", "REPEAT_COUNT", "REPEAT_SD",
           "at_top_budget", "average_repeats", "best", "best_candidates", "front", "front_candidates", "ranked",
           "repeat_groups", "repeat_headers", "repeats_note", "tie_note", "tied_with_best", "with_repeats"]
