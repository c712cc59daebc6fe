"""The ranking of a run's candidates re-evaluated on fresh seeds (``l2l reevaluate``), as ``l2l show``, ``l2l
reevaluate``, ``l2l compare`` and the report give it: each candidate's mean over its fresh seeds with a 95 %
interval, beside the value selection saw. Reading only: :mod:`l2l.reevaluate` runs the re-evaluations, and picks
the candidates to run with :func:`pooled` as this ranks them."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from l2l.errors import ConfigError
from l2l.numbers import number, table_formatters
from l2l.results_schema.layout import STATUS_CODES
from l2l.summary.table import SHOWN_PARAMETERS, more_parameters, score_formatters

if TYPE_CHECKING:
    import pandas as pd

    from l2l.results_schema.reader import Trajectory


def objective_of(trajectory, name: str | None):
    if name is None:
        return trajectory.objectives[0]
    for objective in trajectory.objectives:
        if objective.name == name:
            return objective
    raise ConfigError(f"reevaluate: objective {name!r} is not an objective of the run; it has "
                      f"{', '.join(o.name for o in trajectory.objectives)}")


def pooled(trajectory, goal, also: tuple[str, ...] = ()) -> tuple[dict[str, np.ndarray], list[np.ndarray],
                                                                   np.ndarray]:
    """The rows that compete for "best" (successful; at the top budget of a multi-fidelity run) grouped into
    candidates, best first: the rows read, each candidate's rows in the file's order, and its mean.

    Rows with equal parameters are one candidate (the model-based policy's repeats with new seeds, a GA's elite),
    ranked by the mean of its results and, among equal means, the one evaluated more often first, as ``l2l show``
    ranks them (:func:`l2l.analysis.best.best_candidates`). Vectorized: a file of millions of rows costs seconds
    at most."""
    space = trajectory.space
    columns = ("generation", "individual", "status", f"objectives/{goal.name}",
               *(f"objectives/{name}" for name in also if name != goal.name),
               *(f"params/{p.name}" for p in space.parameters))
    top_budget = trajectory.top_budget if trajectory.multi_fidelity else None
    rows = trajectory.rows(columns + (("budget",) if top_budget is not None else ()))
    usable = rows["status"] == STATUS_CODES["ok"]
    if top_budget is not None:
        usable &= np.isclose(rows["budget"], top_budget)
    index = np.flatnonzero(usable)
    if not len(index):
        return rows, [], np.empty(0)
    raw = np.concatenate([np.ascontiguousarray(np.asarray(rows[f"params/{p.name}"])[index]).reshape(len(index), -1)
                          .view(np.uint8) for p in space.parameters], axis=1)
    keys = np.ascontiguousarray(raw).view(np.dtype((np.void, raw.shape[1]))).ravel()
    _, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=rows[f"objectives/{goal.name}"][index]) / counts
    order = np.lexsort((first, -counts, -goal.sign * means))
    members = np.split(index[np.argsort(inverse, kind="stable")], np.cumsum(counts)[:-1])
    return rows, [members[k] for k in order], means[order]


#: The ranking's own columns, before the candidate's parameters (and ``trial`` in a multi-fidelity run). One whose
#: name a parameter has is ``(<name>)`` instead (``(mean)``), so the parameter keeps its name; ``(x)`` is never a
#: parameter's name (those are identifiers). :func:`ranking_column` finds either.
RANKING_COLUMNS = ("rank", "selection rank", "generation", "individual", "selected", "mean", "std", "ci95", "seeds",
                   "failed")


def ranking(source: Any, objective: str | None = None) -> pd.DataFrame:
    """The re-evaluated candidates of a trajectory (a path or an open one), best mean first.

    One row per candidate: ``rank`` (by the mean over its fresh seeds), ``selection rank`` (by the value
    selection saw, among these candidates), ``generation``, ``individual``, ``selected`` (that value),
    ``mean``, ``std``, ``ci95`` (half width of the 95 % t interval of the mean), ``seeds`` (successful
    re-evaluations), ``failed``, ``trial`` (multi-fidelity runs: the candidate as ``l2l show`` names it) and the
    candidate's parameter columns. Where a parameter has the name of one of these columns, the parameter keeps it
    and the ranking's column is ``(<name>)`` (``(mean)``; :func:`ranking_column`). Empty if nothing was
    re-evaluated. ``attrs["hosts"]``: the nodes the rows ran on (:func:`l2l.sessions.reevaluation_hosts`).
    """
    import pandas as pd

    from l2l.sessions import reevaluation_hosts
    from l2l.results_schema.reader import Trajectory

    if isinstance(source, (str, os.PathLike)):
        with Trajectory(source) as trajectory:
            return ranking(trajectory, objective)
    trajectory = source
    goal = objective_of(trajectory, objective)
    rows = trajectory.reevaluations(errors=False)
    params = list(trajectory.space.columns())
    own = {c: f"({c})" if c in params else c for c in (*RANKING_COLUMNS, "trial")}  # never a parameter's name
    columns = list(RANKING_COLUMNS)
    if rows.empty:
        frame = pd.DataFrame(columns=[own[c] for c in columns])
        frame.attrs["objective"] = goal.to_json()
        return frame
    from scipy import special  # (scipy.stats took 1-2 s to import: silence after the re-evaluation's bar)

    ok = rows[rows["status"] == "ok"]
    grouped = ok.groupby(["generation", "individual"])[goal.name]
    table = rows.groupby(["generation", "individual"]).size().rename("rows").to_frame()
    table["seeds"] = grouped.count()
    table["mean"] = grouped.mean()
    table["std"] = grouped.std(ddof=1)
    table = table.fillna({"seeds": 0}).astype({"seeds": int})
    table["failed"] = table["rows"] - table["seeds"]
    n = table["seeds"].to_numpy()
    quantile = np.where(n >= 2, special.stdtrit(np.maximum(n - 1, 1), 0.975), np.nan)  # = stats.t.ppf(0.975, n - 1)
    table["ci95"] = quantile * table["std"].to_numpy() / np.sqrt(np.maximum(n, 1))
    table = table.drop(columns="rows").reset_index()
    selected = trajectory.rows(("generation", "individual", f"objectives/{goal.name}"))
    lookup = {(g, i): v for g, i, v in zip(selected["generation"], selected["individual"],
                                           selected[f"objectives/{goal.name}"])}
    read, ranked, means = pooled(trajectory, goal)  # a candidate with repeats: selection saw their mean
    for members, mean in zip(ranked, means):
        if len(members) > 1:
            lookup.update({(read["generation"][m], read["individual"][m]): float(mean) for m in members})
    table["selected"] = [lookup.get((g, i), np.nan) for g, i in zip(table["generation"], table["individual"])]
    sign = goal.sign
    table["selection rank"] = (-sign * table["selected"]).rank(method="min").astype("Int64")
    table = table.sort_values("mean", ascending=goal.direction == "minimize", kind="stable", na_position="last")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    if trajectory.multi_fidelity:  # a candidate is a trial (its individual), as l2l show names it
        table["trial"] = table["individual"]
        columns = columns + ["trial"]
    # the ranking's columns renamed where a parameter has the name, before the parameters join them (a merge of
    # equal names made mean_x/mean_y: KeyError 'mean' after the rows were stored, and l2l show failed from then on)
    table = table[columns].rename(columns=own)
    evaluated = trajectory.evaluations(errors=False, segments=True) if trajectory.multi_fidelity else \
        trajectory.evaluations(errors=False)
    table = table.merge(evaluated[["generation", "individual", *params]], on=["generation", "individual"],
                        how="left")
    table = table[[own[c] for c in columns] + params].reset_index(drop=True)
    table.attrs["objective"] = goal.to_json()
    table.attrs["parameters"] = params
    table.attrs["hosts"] = reevaluation_hosts(rows)  # the nodes the rows ran on, for the report's provenance
    return table


def ranking_column(table: pd.DataFrame, name: str) -> str | None:
    """The column of :func:`ranking`'s own ``name`` (one of :data:`RANKING_COLUMNS` or ``trial``) in ``table``:
    ``name``, or ``(<name>)`` where a parameter has that name; None if the table has no such column of its own
    (``trial`` outside a multi-fidelity run, even where a parameter is named trial)."""
    if f"({name})" in table.columns:
        return f"({name})"
    if name in table.columns and name not in table.attrs.get("parameters", ()):
        return name
    return None


def ranking_values(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`ranking`'s own columns under their plain names (``mean``, never ``(mean)``), without the parameters:
    what a reader of the numbers indexes by name whatever the parameters are called."""
    names = [name for name in (*RANKING_COLUMNS, "trial") if ranking_column(table, name) is not None]
    out = table[[ranking_column(table, name) for name in names]].set_axis(names, axis=1)
    out.attrs = dict(table.attrs)
    return out


def ranking_text(table: pd.DataFrame, limit: int = 10) -> str:
    """The ranking as the lines ``l2l show`` and ``l2l reevaluate`` print (empty if nothing was re-evaluated)."""
    if table.empty:
        return ""
    import pandas as pd

    goal = table.attrs.get("objective", {})
    name, direction = goal.get("name", "objective"), goal.get("direction", "minimize")
    values = ranking_values(table)  # the numbers by their plain names; a parameter named mean is no mean
    seeds = int(values["seeds"].max()) if len(table) else 0
    own = {column: ranking_column(table, column) for column in (*RANKING_COLUMNS, "trial")}
    together = f"{own['mean']} ± {own['ci95']}"  # (mean) ± (ci95) where parameters are named so
    shown = table.head(limit).copy()
    shown[together] = [f"{number(m)} ± {number(c, digits=2)}" if np.isfinite(c) else number(m)
                       for m, c in zip(values["mean"].head(limit), values["ci95"].head(limit))]
    params = list(table.attrs.get("parameters", table.columns[10:]))
    where = [own["trial"]] if own["trial"] is not None else [own["generation"], own["individual"]]
    columns = [own["rank"], own["selection rank"], *where, own["selected"], together, own["std"], own["seeds"],
               own["failed"], *params[:SHOWN_PARAMETERS]]
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        # 'selected' and std of about 1e-5 read 0.000013 at pandas' six decimals, 1e8 1.234568e+08: told apart
        body = shown[columns].to_string(index=False, formatters=table_formatters(shown, [own["selected"],
                                                                                         own["std"]]))
    return (f"re-evaluated on fresh seeds: {len(table)} candidate{'s' * (len(table) != 1)}, up to {seeds} "
            f"seed{'s' * (seeds != 1)} each, by mean {name} "
            f"({direction}); 'selected' is the value selection saw:\n{body}{more_parameters(params)}"
            f"{seed_blind_note(values)}")


def seed_blind_note(values: pd.DataFrame) -> str:
    """A line where every candidate re-evaluated on two or more fresh seeds gave one value on all of them: the
    model does not use its seed (a NEST model with its own ``rng_seed``, a deterministic function), so the spread
    shown is no measure of its noise ("" otherwise)."""
    several = values[values["seeds"] >= 2]
    if several.empty or not (several["std"].fillna(1.0) == 0).all():
        return ""
    return ("\nevery candidate gave the same value on each of its fresh seeds (std 0): the model does not use "
            "the seed it is given (deterministic, or it seeds its own random numbers), so ± 0 says nothing of its "
            "noise")


def reevaluated_text(trajectory: Trajectory, top: int = 10) -> str:
    """The candidates re-evaluated on fresh seeds (``l2l reevaluate``), ranked by their mean; "" if none."""
    if not trajectory.has_reevaluations:
        return ""
    from l2l.errors import TrajectoryError, command
    from l2l.provenance import reevaluation_seeds_line

    try:
        table = ranking(trajectory)
    except TrajectoryError as exc:  # damaged re-evaluation rows: said in a line, the run's own summary stands (before,
        # l2l show printed nothing but this error, and a resume that had committed its session ended in it, status 2)
        problem = str(exc).removeprefix(f"{trajectory.path}: ").removeprefix("the re-evaluations: ")
        return (f"re-evaluations cannot be read: {problem}; the run's own evaluations above are not affected: "
                f"{command('l2l', 'validate', trajectory.path)} names every problem")
    text = ranking_text(table, limit=top)
    if text and len(trajectory.objectives) > 1:
        text += "\n" + fresh_front_text(trajectory, top)
    seeds = reevaluation_seeds_line(trajectory)
    return f"{text}\n{seeds}" if text and seeds else text


def fresh_front_text(trajectory: Trajectory, top: int = 10) -> str:
    """In a run of several objectives, the re-evaluated candidates' means of every objective on the fresh seeds and
    which of them are non-dominated among the re-evaluated ones (the ranking above orders them by one objective)."""
    import pandas as pd

    from l2l.analysis.best import REPEAT_COUNT, repeat_headers
    from l2l.objectives import pareto_front_mask, scores_from_values

    objectives = trajectory.objectives
    names = [o.name for o in objectives]
    rows = trajectory.reevaluations(errors=False)
    rows = rows[rows["status"] == "ok"]
    if rows.empty:
        return "no re-evaluation succeeded: no front on fresh seeds"
    means = rows.groupby(["generation", "individual"], sort=False)[names].mean()
    means[REPEAT_COUNT] = rows.groupby(["generation", "individual"], sort=False).size()
    front = pareto_front_mask(scores_from_values(means[names].to_numpy(dtype=float), objectives))
    means.insert(0, "on front", np.where(front, "*", ""))
    means = means.reset_index().sort_values(["on front", names[0]], ascending=[False, objectives[0].sign < 0],
                                            kind="stable")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        shown = means.head(max(top, int(front.sum()))).rename(columns=repeat_headers(names))
        body = shown.to_string(index=False, formatters=score_formatters(shown, names))
    return (f"on the fresh seeds, every objective: {int(front.sum())} of the {len(means)} re-evaluated candidates "
            f"non-dominated among them (*), each at the mean of its n successful seeds:\n{body}")
