"""How well a multi-fidelity run's low budgets rank its candidates as the top budget does.

Early stopping pays only where a candidate's result at a low budget says something about its result at
the full one. A run measures it on its own data: for every rung below the top, the rank correlation
(Spearman) of the candidates' results at that rung with their results at the top budget, over the
candidates trained through both. ``l2l show`` prints it, :func:`l2l.agreement` gives it as a table.

Which candidates count matters. Where a policy stops candidates by their low-budget results (successive
halving, ASHA, Hyperband, median stopping), those that reached the top were *selected* by the lower
budgets: their low-budget results span a narrow range, which usually pulls the correlation toward zero,
so read it as a rough guide. The model-based policy trains its *probe* candidates through every budget
without selection; where it has probes, only they count, and the figure is the one the policy itself
weights its brackets by. Population-based training continues learners from others' checkpoints, so its
budgets are not rungs of independent candidates: it has no such figure.

The interval is a 90 % one on Fisher's z scale with the standard error of a rank correlation of ``n``
pairs, about sqrt(1.06 / (n - 3)) (Fieller, Hartley and Pearson 1957).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pandas as pd

from l2l.errors import ArgumentError, ConfigError, TrajectoryError
from l2l.numbers import number
from l2l.policies.agreement import spearman as _spearman

#: Fewest pairs for which ``l2l show`` prints a rung's agreement (and the table gives an interval: >= 4).
MIN_PAIRS = 5
#: Normal quantile of the two-sided 90 % interval.
Z90 = 1.6448536269514722
#: Policies whose budgets are not rungs of independent candidates (learners continue from others' weights).
NOT_RUNGS = frozenset({"pbt", "pb2"})
COLUMNS = ["budget", "top_budget", "rank_correlation", "pairs", "low90", "high90", "candidates"]


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Rank correlation of two equally long vectors (ties share their mean rank); NaN if one is constant."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or np.all(a == a[0]) or np.all(b == b[0]):
        return float("nan")
    return _spearman(a, b)


def interval(correlation: float, pairs: int, z: float = Z90) -> tuple[float, float]:
    """The interval of a rank correlation of ``pairs`` pairs (NaN for fewer than 4 or an undefined one)."""
    if pairs < 4 or not math.isfinite(correlation):
        return float("nan"), float("nan")
    centre = math.atanh(float(np.clip(correlation, -0.999999, 0.999999)))
    half = z * math.sqrt(1.06 / (pairs - 3))
    return math.tanh(centre - half), math.tanh(centre + half)


def agreement_frame(trajectory: Any, objective: str | None = None) -> pd.DataFrame:
    """One row per budget below the top of ``trajectory`` (an open :class:`~l2l.results_schema.reader.Trajectory`):
    the rank correlation of the candidates' results there with theirs at the top budget (``objective``: this
    one, by default the first), how many pairs it has, its 90 % interval, and which candidates it counts
    (``"probes"``: the model-based policy's, trained through every budget without selection; ``"selected"``:
    those that reached both, chosen by the lower budgets). Empty for a run without rungs below the top, or
    whose policy continues learners from others' checkpoints (PBT)."""
    empty = pd.DataFrame({c: pd.Series(dtype=float if c not in ("pairs", "candidates") else
                                       (int if c == "pairs" else object)) for c in COLUMNS})
    fidelity = trajectory.run.get("fidelity") if isinstance(trajectory.run.get("fidelity"), dict) else {}
    rungs = [float(b) for b in fidelity.get("rungs") or []]
    config = trajectory.run.get("config") if isinstance(trajectory.run.get("config"), dict) else {}
    policy = config.get("policy") if isinstance(config.get("policy"), dict) else {}
    names = [o.name for o in trajectory.objectives]
    if objective is not None and not isinstance(objective, str):  # (an array raised numpy's 'ambiguous')
        raise ArgumentError(f"objective must be an objective's name (or None), got {type(objective).__name__} "
                            f"{objective!r:.60}")
    name = objective or names[0]
    if name not in names:
        raise ConfigError(f"no objective {name!r} in {trajectory.path}; it has {', '.join(names)}")
    if not trajectory.multi_fidelity and not policy:
        curves = sweep_curves(trajectory, name)
        return empty if curves is None else _sweep_frame(curves, empty)
    if not trajectory.multi_fidelity or len(rungs) < 2 or str(policy.get("name", "")) in NOT_RUNGS:
        return empty
    columns = ["trial", "budget", "status", name]
    try:  # files written before population-based training have no parent column
        segments = trajectory.evaluations(errors=False, segments=True, columns=[*columns, "parent"])
    except TrajectoryError:
        segments = trajectory.evaluations(errors=False, segments=True, columns=columns)
    ok = segments[(segments["status"] == "ok") & np.isfinite(segments[name].to_numpy(dtype=float))]
    if "parent" in ok.columns:  # a learner that continued another's checkpoint is not an independent candidate
        ok = ok[ok["parent"].to_numpy() < 0]
    probes, source = None, "selected"
    if str(policy.get("name", "")) == "model-based":
        try:
            state = trajectory.state()
            probes = [int(t) for t in (state.get("policy") or {}).get("probes") or []]
        except Exception:  # noqa: BLE001 - an analysis of what is there; without the state, every candidate counts
            probes = None
        if probes:
            ok, source = ok[ok["trial"].isin(probes)], "probes"
    top = rungs[-1]
    # a candidate's first result at a budget: a repeat with a new seed is another trial, trained from scratch
    first = ok.drop_duplicates(["trial", "budget"], keep="first")
    at_top = first[np.isclose(first["budget"].to_numpy(dtype=float), top)].set_index("trial")[name]
    rows = []
    for budget in rungs[:-1]:
        low = first[np.isclose(first["budget"].to_numpy(dtype=float), budget)].set_index("trial")[name]
        both = low.index.intersection(at_top.index)
        pairs = len(both)
        rho = spearman(low.loc[both].to_numpy(), at_top.loc[both].to_numpy()) if pairs >= 3 else float("nan")
        lo, hi = interval(rho, pairs)
        rows.append({"budget": budget, "top_budget": top, "rank_correlation": rho, "pairs": pairs,
                     "low90": lo, "high90": hi, "candidates": source})
    return pd.DataFrame(rows, columns=COLUMNS) if rows else empty


#: Most evaluations of a sweep whose curves ``l2l show`` reads for its early-stopping line.
MAX_SWEEP_ROWS = 2_000
#: Most bytes of stored traces read for that line: a curve is stored with its evaluation's other traces (a
#: recording of many samples each), which are read with it (and dropped).
MAX_SWEEP_TRACE_BYTES = 512 * 2**20


def _curve_points(trajectory: Any, trace: str) -> pd.DataFrame | None:
    """The points of the learning curve ``trace`` of every row of a sweep (generation, individual, step, value),
    None where its stored traces exceed MAX_SWEEP_TRACE_BYTES. Decoded in the batches ``l2l validate`` reads (at
    most 64 MiB), keeping only the curve: the long form of every trace (``traces_frame``) of 2,000 rows that each
    recorded 20,000 samples as well took ``l2l show`` 41 s and 4.1 GB."""
    from l2l.results_schema.validate import _batches

    n = trajectory.n_evaluations
    starts = np.asarray(trajectory._column("trace_start", n), dtype=np.int64)
    lengths = np.asarray(trajectory._column("trace_length", n), dtype=np.int64)
    if int(lengths.sum()) > MAX_SWEEP_TRACE_BYTES:
        return None
    generations, individuals = trajectory._column("generation", n), trajectory._column("individual", n)
    keys, steps, values = [], [], []
    for rows in _batches(starts, lengths, np.flatnonzero(lengths)):
        for row, traces in zip(rows, trajectory.traces(rows)):
            array = np.asarray(traces.get(trace, ()), dtype=float)
            if array.ndim == 2 and array.shape[1] == 2 and len(array):
                keys += [(generations[row], individuals[row])] * len(array)
                steps.append(array[:, 0])
                values.append(array[:, 1])
    if not keys:
        return None
    pairs = np.asarray(keys)
    return pd.DataFrame({"generation": pairs[:, 0], "individual": pairs[:, 1], "step": np.concatenate(steps),
                         "value": np.concatenate(values)})


def sweep_curves(trajectory: Any, name: str) -> pd.DataFrame | None:
    """A sweep's learning curves of objective ``name``: one row per candidate (its first evaluation), one column
    per budget, the rungs a policy with ``eta = 3`` would stop at and the top budget (``attrs["top"]``); None for
    a run that is no sweep of a declared fidelity with such curves (a policy run, ``run.inherit``, no curves, more
    than :data:`MAX_SWEEP_ROWS` evaluations or :data:`MAX_SWEEP_TRACE_BYTES` of traces)."""
    from l2l.jobs.base import CURVE_PREFIX
    from l2l.policies.base import rung_budgets

    fidelity = trajectory.run.get("fidelity") if isinstance(trajectory.run.get("fidelity"), dict) else {}
    config = trajectory.run.get("config") if isinstance(trajectory.run.get("config"), dict) else {}
    run = config.get("run") if isinstance(config.get("run"), dict) else {}
    if run.get("inherit") or not 0 < trajectory.n_evaluations <= MAX_SWEEP_ROWS:
        return None
    try:
        top = float(fidelity["maximum"])
        rungs = rung_budgets(float(fidelity["minimum"]), top, 3.0, bool(fidelity.get("integer", True)))
        points = _curve_points(trajectory, f"{CURVE_PREFIX}{name}")
    except Exception:  # noqa: BLE001 - an analysis of what is there: no declared range, no readable traces
        return None
    if points is None or len(rungs) < 2:
        return None
    curves = points[np.isfinite(points["value"].to_numpy(float))]
    if curves.empty:
        return None
    curves = curves.drop_duplicates(["generation", "individual", "step"], keep="first")
    table = curves.pivot_table(index=["generation", "individual"], columns="step", values="value", aggfunc="first")
    steps = np.asarray(table.columns, dtype=float)
    columns = {}
    for budget in rungs:
        near = np.flatnonzero(np.isclose(steps, budget))
        if len(near):
            columns[budget] = table.iloc[:, near[0]]
    if top not in columns or len(columns) < 2:
        return None
    frame = pd.DataFrame(columns)
    sign = -1.0 if trajectory.objectives[[o.name for o in trajectory.objectives].index(name)].direction == "maximize" \
        else 1.0
    frame.attrs.update(top=top, sign=sign)
    return frame


def _sweep_frame(curves: pd.DataFrame, empty: pd.DataFrame) -> pd.DataFrame:
    """:func:`agreement_frame`'s rows for a sweep: every candidate trained through every budget, no selection."""
    top = curves.attrs["top"]
    rows = []
    for budget in curves.columns[:-1]:
        both = curves[[budget, top]].dropna()
        pairs = len(both)
        rho = spearman(both[budget].to_numpy(), both[top].to_numpy()) if pairs >= 3 else float("nan")
        lo, hi = interval(rho, pairs)
        rows.append({"budget": float(budget), "top_budget": top, "rank_correlation": rho, "pairs": pairs,
                     "low90": lo, "high90": hi, "candidates": "sweep"})
    return pd.DataFrame(rows, columns=COLUMNS) if rows else empty


def sweep_line(trajectory: Any) -> str:
    """``l2l show``'s line for a sweep with learning curves: where its best candidate at the top budget ranked at
    the lower rungs, and whether a rung that keeps the best third would have stopped it ('' where there is none)."""
    try:
        curves = sweep_curves(trajectory, trajectory.objectives[0].name)
    except Exception:  # noqa: BLE001 - a summary never fails on what it only reports
        return ""
    if curves is None:
        return ""
    top, sign = curves.attrs["top"], curves.attrs["sign"]
    finished = curves.dropna(subset=[top])
    if len(finished) < MIN_PAIRS:
        return ""
    best = (finished[top] * sign).idxmin()
    fidelity = trajectory.run.get("fidelity") or {}
    unit = fidelity.get("unit") or fidelity.get("name") or "units"
    ranks, below = [], []
    for budget in curves.columns[:-1]:
        column = finished[budget].dropna() * sign
        if best not in column.index:
            continue
        rank = int((column < column[best]).sum()) + 1
        ranks.append((budget, rank, len(column)))
        below.append(rank > math.ceil(len(column) / 3))
    if not ranks:
        return ""
    rows = _sweep_frame(curves, pd.DataFrame(columns=COLUMNS))
    rho = ", ".join(f"{number(r.budget)}: {r.rank_correlation:.2f}" for r in rows.itertuples()
                    if math.isfinite(r.rank_correlation)) or "undefined, the results tie"  # (it read 'with 9: )')
    shown = ", ".join(f"{rank} of {count} at {number(budget)} {unit}" if i == 0 else f"{rank} at {number(budget)}"
                      for i, (budget, rank, count) in enumerate(ranks))
    # (several objectives: the best by the first, named; the others' front has no one best)
    by = f" by {trajectory.objectives[0].name}" if len(trajectory.objectives) > 1 else ""
    text = (f"the best{by} at {number(top)} {unit} (generation {best[0]}, individual {best[1]}) ranked {shown} (rank "
            f"correlation of all with {number(top)}: {rho})")
    if not any(below):
        return text + "; it was in the best third at every rung, which a policy with eta = 3 keeps"
    lost = [budget for (budget, _, _), out in zip(ranks, below) if out]
    safe = [budget for i, (budget, _, _) in enumerate(ranks) if not any(below[i:])]
    advice = (f"[policy] min_budget = {number(safe[0])} (it stayed in the best third from there on), or "
              if safe else "")
    return (text + f"; it was below the best third at {', '.join(number(b) for b in lost)} {unit}, which a policy "
            f"with eta = 3 may stop: {advice}hyperband or median-stopping stop less (docs/multifidelity.md)")


def agreement(path: str | os.PathLike, objective: str | None = None) -> pd.DataFrame:
    """How well each budget of the multi-fidelity run in ``path`` ranks its candidates as the top budget does
    (:func:`agreement_frame`): ``l2l.agreement("run.h5")``."""
    from l2l.results_schema.reader import Trajectory

    with Trajectory(path) as trajectory:
        return agreement_frame(trajectory, objective)


def agreement_line(trajectory: Any, unit: str) -> str:
    """``l2l show``'s line on the run's agreement ("" where no rung has :data:`MIN_PAIRS` pairs)."""
    try:
        frame = agreement_frame(trajectory)
    except Exception:  # noqa: BLE001 - a summary never fails on what it only reports
        return ""
    measured = frame[frame["pairs"] >= MIN_PAIRS]
    if measured.empty:
        return ""
    top = float(frame["top_budget"].iloc[0])
    parts = []
    for row in frame.itertuples():
        if row.pairs >= MIN_PAIRS and math.isfinite(row.rank_correlation):
            parts.append(f"{number(row.budget)}: {row.rank_correlation:.2f} [{row.low90:.2f}, {row.high90:.2f}] "
                         f"({row.pairs})")
    if not parts:
        return ""
    source = frame["candidates"].iloc[0]
    if source == "probes":
        who = ("over the probe candidates, trained through every budget without selection; the policy weights "
               "its brackets by it")
    else:
        who = ("over the candidates that reached both, selected by the lower budgets: a narrow range, which "
               "usually pulls it toward 0")
    text = f"with {number(top)} {unit} (rank correlation, 90 % interval, pairs; {who}): {', '.join(parts)}"
    lowest = measured.iloc[0]
    if source == "selected" and math.isfinite(lowest["high90"]) and lowest["high90"] < 0.3:
        text += (f"; budget {number(lowest['budget'])} ranks the candidates unlike the top one: stopping by it may "
                 f"stop good candidates (the model-based policy measures this and leans on low budgets less)")
    return text


__all__ = ["agreement", "agreement_frame", "agreement_line", "interval", "spearman", "sweep_line"]
