"""The evaluations table of a trajectory as a pandas DataFrame (what :func:`l2l.load` returns).

One row per committed evaluation, sorted by (generation, individual); for a
multi-fidelity run one row per candidate at its highest budget, or every
segment. ``columns`` reads only what is asked for (and what the order and the
segment view need), so that a column or two of a file of ten million rows fits
in memory.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Sequence

import numpy as np

from l2l.lazy import lazy_module
from l2l.errors import TrajectoryError
from l2l.results_schema.in_flight import in_flight_candidates
from l2l.results_schema.layout import STATUS_NAMES
from l2l.results_schema.view import TrajectoryView
from l2l.space import Categorical

pd = lazy_module("pandas")  # imported on first use: l2l.run reads no table (l2l.lazy)

#: Columns of every evaluations table, in order (parameters, objectives and metrics follow ``duration``).
FIRST = ("generation", "individual", "status", "seed", "attempts", "started", "duration")
#: Columns of multi-fidelity tables (``state`` and ``compute`` are derived: a segment's cost, or a candidate's).
SEGMENT = ("trial", "budget", "from_budget", "parent")
#: What the segment view needs to derive ``state`` and ``compute``.
_SEGMENT_NEEDS = ("trial", "budget", "from_budget")


def available(trajectory: TrajectoryView, segments: bool = False) -> list[str]:
    """Every column of :meth:`Trajectory.evaluations` for this file, in order (``error`` included)."""
    names = list(FIRST) + trajectory.space.columns() + [o.name for o in trajectory.objectives]
    names += list(trajectory.metric_columns.values()) + ["error"]
    if trajectory.multi_fidelity:
        names += list(SEGMENT) + ["state", "compute"]
    return names


def _wanted(trajectory: TrajectoryView, columns: Sequence[str] | None, errors: bool, segments: bool) -> set[str] | None:
    """The columns to read (None: all); unknown names raise one line listing what there is."""
    if columns is None:
        return None
    if isinstance(columns, str):
        columns = [columns]
    names = available(trajectory, segments)
    unknown = [c for c in columns if c not in names]
    if unknown:
        raise TrajectoryError(f"{trajectory.path}: no column {unknown[0]!r} in the evaluations; there are: "
                              f"{', '.join(names)}")
    wanted = set(columns) | {"generation", "individual"}
    if trajectory.multi_fidelity:  # the candidate and segment views are built from these (a candidate whose
        wanted |= set(_SEGMENT_NEEDS) | {"status"}  # last segment failed is stopped)
        if "compute" in columns:  # every attempt of a segment counts (segment_compute)
            wanted.add("attempts")
    if not errors:
        wanted.discard("error")
    return wanted


def evaluations(trajectory: TrajectoryView, errors: bool = True, rows: np.ndarray | None = None,
                columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The committed evaluations (or the rows ``rows``, in file order) as a frame sorted by (generation,
    individual); with ``columns``, only those columns, in that order."""
    wanted = _wanted(trajectory, columns, errors, segments=True)
    frame = _frame(trajectory, errors, rows, wanted)
    return frame if columns is None else _select(frame, columns)


def _frame(trajectory: TrajectoryView, errors: bool, rows: np.ndarray | None, wanted: set[str] | None) -> pd.DataFrame:
    def want(name: str) -> bool:
        return wanted is None or name in wanted

    n = trajectory.n_evaluations if rows is None else len(rows)
    committed = trajectory.n_evaluations
    names = tuple(name for name in FIRST if want(name))
    if errors and want("error"):
        names += ("error_start", "error_length")
    columns = trajectory._columns(names, committed, rows)
    data: dict[str, Any] = {name: columns[name] for name in ("generation", "individual")}
    if want("status"):
        data["status"] = pd.Categorical.from_codes(columns["status"].astype(np.int8),
                                                   categories=[STATUS_NAMES[i] for i in sorted(STATUS_NAMES)])
    for name in ("seed", "attempts"):
        if want(name):
            data[name] = columns[name]
    if want("started"):
        data["started"] = pd.to_datetime(columns["started"], unit="s", utc=True)
    if want("duration"):
        data["duration"] = columns["duration"]
    _parameters(trajectory, data, n, rows, want)
    for o in trajectory.objectives:
        if want(o.name):
            data[o.name] = trajectory._column(f"objectives/{o.name}", n, rows)
    for name, column in trajectory.metric_columns.items():
        if want(column):
            data[column] = trajectory._column(f"metrics/{name}", n, rows)
    if errors and want("error"):
        data["error"] = error_texts(trajectory, columns["error_start"], columns["error_length"])
    if trajectory.multi_fidelity:
        needed = tuple(name for name in _SEGMENT_NEEDS if want(name))
        data.update(trajectory._columns(needed, committed, rows))
        if want("parent"):
            data["parent"] = (trajectory._column("parent", committed, rows) if "evaluations/parent" in
                              trajectory._layout.datasets else np.full(n, -1, dtype="<i8"))
    frame = pd.DataFrame(data)
    order = np.lexsort((frame["individual"].to_numpy(), frame["generation"].to_numpy()))
    if not (order == np.arange(n)).all():
        frame = frame.iloc[order]
    frame.index = pd.RangeIndex(len(frame))
    frame.attrs["objectives"] = [o.to_json() for o in trajectory.objectives]
    frame.attrs["path"] = str(trajectory.path)
    # run.target: what the event that ended the run records of the candidate that reached it (None: not reached)
    detail = trajectory.finished_detail() or {}
    frame.attrs["target"] = detail.get("target") if isinstance(detail.get("target"), dict) else None
    return frame


def _parameters(trajectory: TrajectoryView, data: dict[str, Any], n: int, rows: np.ndarray | None, want) -> None:
    """The parameter columns asked for (an array parameter is read whole if any of its elements is)."""
    from l2l.results_schema import values as checks

    read = [p for p in trajectory.space.parameters if any(want(c) for c in p.columns())]
    params = {p.name: trajectory._read(f"evaluations/params/{p.name}", n) if rows is None
              else trajectory._take(f"evaluations/params/{p.name}", rows) for p in read}
    trajectory._check(checks.row_problems({f"params/{name}": v for name, v in params.items()}, trajectory._layout))
    for p in read:
        values = params[p.name]
        if isinstance(p, Categorical):
            data[p.name] = pd.Categorical.from_codes(values, categories=list(p.choices)) \
                if all(isinstance(c, str) for c in p.choices) else np.asarray(p.choices, dtype=object)[values]
        elif p.shape:
            flat = values.reshape(n, p.size)
            for i, column in enumerate(p.columns()):
                if want(column):
                    data[column] = flat[:, i]
        else:
            data[p.name] = values


def segment_view(trajectory: TrajectoryView, frame: pd.DataFrame, segments: bool) -> pd.DataFrame:
    """A multi-fidelity run's frame by (trial, budget) with each segment's ``state`` and the ``compute`` it cost
    (:func:`segment_compute`); without ``segments``, one row per candidate at its highest budget with the
    ``compute`` it used in all (its segments') and its ``parent`` (the trial whose checkpoint it continued, or -1).

    The states: ``promoted`` (it succeeded and a later segment continued from it), ``completed``, ``stopped`` (a
    failed segment is, whatever followed it), ``paused``, and in a run not finished ``running`` or
    ``interrupted`` for the candidates with a segment in flight at the last commit (a writer may still run them,
    or none is left and ``l2l resume`` runs them again; as ``l2l show`` counts them:
    :func:`l2l.results_schema.in_flight.in_flight_candidates`). The last two are categories only where a candidate
    has them."""
    frame = frame.sort_values(["trial", "budget"], kind="stable").reset_index(drop=True)
    top = trajectory.top_budget
    last = ~frame["trial"].duplicated(keep="last").to_numpy()
    at_top = np.isclose(frame["budget"].to_numpy(), top) if top is not None else np.zeros(len(frame), bool)
    over = let_go(trajectory)
    below = np.full(len(frame), "stopped" if over else "paused", dtype=object)
    if "status" in frame.columns and _failures_end_candidates(trajectory):
        below[(frame["status"] != STATUS_NAMES[0]).to_numpy()] = "stopped"
    if not over:
        ranges = continuable_ranges(trajectory)
        stored = _stored_continuable(trajectory) if ranges is None else None
        if stored is not None:  # a run killed: what its policy said it may continue at the last commit
            below[~np.isin(frame["trial"].to_numpy(), stored)] = "stopped"
        elif ranges is None:  # written before the policy said what it may continue (or it did not fit): guess
            below[_left_behind(trajectory, frame, last)] = "stopped"
        else:
            below[~in_id_ranges(frame["trial"].to_numpy(), ranges)] = "stopped"
    failed = (frame["status"] != STATUS_NAMES[0]).to_numpy() if "status" in frame.columns \
        else np.zeros(len(frame), bool)
    below[at_top & failed] = "stopped"  # a segment that failed at the top budget did not reach it: nothing
    at_top = at_top & ~failed  # continues it (no checkpoint), so it is stopped
    # a failed segment is never continued either, though a later segment of its trial followed (trained again from
    # where it started, or from a donor's checkpoint): stopped, not promoted, as l2l show counts promotions
    state = np.where(~last, np.where(failed, "stopped", "promoted"), np.where(at_top, "completed", below))
    categories = ["promoted", "completed", "stopped", "paused"]
    in_flight, label = in_flight_candidates(trajectory)  # as l2l show counts them: running, or interrupted
    if in_flight:
        flying = last & np.isin(frame["trial"].to_numpy(), np.fromiter(in_flight, dtype=np.int64))
        if flying.any():
            state = state.astype(object)
            state[flying] = label
            categories.append(label)
    frame["state"] = pd.Categorical(state, categories=categories)
    frame["compute"] = segment_compute(frame)  # x attempts, as the run counts it (run.compute, l2l show)
    if segments:
        return frame
    frame["compute"] = frame["compute"].groupby(frame["trial"]).transform("sum")
    if "parent" in frame.columns:  # a candidate's parent: the trial whose checkpoint any of its segments copied
        frame["parent"] = frame["parent"].groupby(frame["trial"]).transform("max")
    frame = frame[last].reset_index(drop=True)
    frame["state"] = frame["state"].cat.remove_unused_categories()
    return frame


def segment_compute(frame: pd.DataFrame) -> np.ndarray:
    """The compute each segment of ``frame`` (rows with ``budget``, ``from_budget`` and ``attempts``) cost, in
    fidelity units: ``(budget - from_budget) x attempts``.

    Every attempt counts, as the run counted it against ``run.compute``: an attempt that failed and was run
    again (``run.retries``) used the workers too, and where it failed is not known, so it counts the segment's
    whole cost (an upper bound of the work it did, never below it). Files written before l2l counted attempts
    store the same rows, so they read with this figure too. A frame without ``attempts`` (a selection of the
    user's) counts each segment once."""
    cost = (frame["budget"].to_numpy(dtype=float) - frame["from_budget"].to_numpy(dtype=float))
    if "attempts" in frame.columns:
        cost = cost * frame["attempts"].to_numpy(dtype=float)
    return cost


def evaluation_compute(frame: pd.DataFrame, top_budget: float) -> np.ndarray:
    """The compute each evaluation of a run without segments (a sweep whose function or program declares a
    fidelity: each evaluation trains to the top budget) cost, in fidelity units: ``top_budget x attempts``.

    Every row counts, a failed one too, and every attempt of it, as :func:`segment_compute` counts a segment's:
    ``l2l compare`` (its compute axis) and ``l2l show`` (the progress line) count a sweep's compute by it."""
    cost = np.full(len(frame), float(top_budget))
    if "attempts" in frame.columns:
        cost = cost * frame["attempts"].to_numpy(dtype=float)
    return cost


def let_go(trajectory: TrajectoryView) -> bool:
    """True if no candidate below the top budget will be continued: the run ended by itself and, in a run with
    a ``[policy]``, because the policy was done (its ``finished`` event says ``policy_done``). A run ended by
    ``run.evaluations``, ``run.compute`` or ``run.max_time`` (policy_done false), stopped on request,
    interrupted, failed or still running has its candidates paused: ``l2l resume`` may still promote them,
    all but those its policy says it will not continue (:func:`continuable_ranges`).
    A run without a policy (Lamarckian generations) never continues a candidate once it has ended, nor does one
    that ended by reaching its ``run.target`` (``l2l resume`` runs nothing more for it)."""
    detail = trajectory.finished_detail()
    if detail is None:
        return False
    if isinstance(detail.get("target"), dict):  # its finished event said 'policy_done': false, and 'continuable'
        return True
    config = trajectory.run.get("config")
    if not (isinstance(config, dict) and "policy" in config):
        return True
    return detail.get("policy_done") is not False  # files written before policy_done: as they always read


def id_ranges(ids: Iterable[int], free: Iterable[int] = ()) -> str:
    """Trial ids as compact text, ranges joined by commas (``"0-4,7,9-12"``); a range may also cover ids of
    ``free`` (those the reader never asks about: candidates at the top budget), so that there are fewer."""
    free = set(free)
    parts: list[list[int]] = []
    for trial in sorted(set(ids)):
        if parts and all(t in free for t in range(parts[-1][1] + 1, trial)):
            parts[-1][1] = trial
        else:
            parts.append([trial, trial])
    return ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in parts)


def in_id_ranges(trials: np.ndarray, ranges: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Which of ``trials`` lie in ``ranges`` (first and last ids, sorted by first id)."""
    first, last = ranges
    at = np.searchsorted(first, trials, side="right") - 1
    return (at >= 0) & (trials <= last[np.maximum(at, 0)]) if len(first) else np.zeros(len(trials), bool)


def continuable_ranges(trajectory: TrajectoryView) -> tuple[np.ndarray, np.ndarray] | None:
    """The trials the policy of a run cut short may still continue, as (first, last) ids of ranges, from the
    ``continuable`` field of its ``finished`` or ``stopped`` event (the driver writes it, see :func:`id_ranges`);
    None where there is none (files written before it, a run killed, a list too long for the event) or it does
    not read as ranges."""
    events = trajectory.events()
    if not len(events) or events["kind"].iloc[-1] not in ("finished", "stopped"):
        return None
    try:
        text = json.loads(events["detail"].iloc[-1]).get("continuable")
        pairs = sorted((int(a), int(b or a)) for a, _, b in (part.partition("-") for part in text.split(",") if part))
    except (ValueError, AttributeError, TypeError):
        return None
    return np.array([a for a, _ in pairs], dtype=np.int64), np.array([b for _, b in pairs], dtype=np.int64)


#: The policies that never continue a candidate whose last segment failed (docs/multifidelity.md); ``pbt``
#: is not one (it continues a failed member when every member failed), nor is a policy registered by a user.
FAILURE_ENDS_CANDIDATE = ("successive-halving", "hyperband", "asha", "median-stopping", "model-based")


def _failures_end_candidates(trajectory: TrajectoryView) -> bool:
    """True if a candidate whose last segment failed is never continued (a run without a policy, Lamarckian
    generations, continues none)."""
    config = trajectory.run.get("config")
    if not isinstance(config, dict):
        return False
    if "policy" not in config:
        return True
    policy = config["policy"]
    return (policy.get("name") if isinstance(policy, dict) else policy) in FAILURE_ENDS_CANDIDATE


def _stored_continuable(trajectory: TrajectoryView) -> np.ndarray | None:
    """The trials an ``asha`` sweep (a candidate budget) may still continue, from the policy state and trial table
    of the last commit, for a file whose last event does not say (a run killed, or still running): the members
    its progress bar did not count stopped; under ``pbt`` the population's members (a member an exploit replaced
    read paused after a kill before, so that ``l2l show`` counted more paused learners than the population has).
    None under other policies, without a candidate budget (any candidate may still be promoted) or where the state
    cannot be read.

    Worked out once per opened file (``l2l show`` builds the view three times), since decoding the state (every
    trial's record) costs as much as reading the rows of a few thousand segments. A :class:`~l2l.results_schema.reader.Trajectory` reads the
    file as it was when opened (its ``n_generations`` never changes), so the answer holds for the object's life."""
    config = trajectory.run.get("config")
    policy = config.get("policy") if isinstance(config, dict) else None
    name = policy.get("name") if isinstance(policy, dict) else None
    if not (name == "pbt" or (name == "asha" and policy.get("max_candidates"))):
        return None
    known = getattr(trajectory, _MEMO, None)
    if known is not None and known[0] == trajectory.n_generations:
        return known[1]
    try:  # a view never fails on what only refines it: every candidate stays paused
        from l2l.policies import POLICIES, TrialTable

        state = trajectory.state()
        schedule = POLICIES.create(name, {k: v for k, v in policy.items() if k != "name"})
        table = TrialTable(state["trials"], loop=state["loop"])
        out = np.asarray(schedule.continuable(state["policy"], table), dtype=np.int64)
    except Exception:  # noqa: BLE001
        out = None
    setattr(trajectory, _MEMO, (trajectory.n_generations, out))
    return out


#: The attribute of a :class:`~l2l.results_schema.reader.Trajectory` that keeps :func:`_stored_continuable`'s answer for it.
_MEMO = "_l2l_stored_continuable"


def _left_behind(trajectory: TrajectoryView, frame: pd.DataFrame, last: np.ndarray) -> np.ndarray:
    """The rows (of ``frame``, by trial and budget) that end a candidate no bracket of ``successive-halving``
    or ``hyperband`` will continue, whatever the run does next (all False under other policies), guessed from
    the trial ids: for files whose last event does not say what the policy may continue (written before it
    did, or by a run killed or still running).

    A bracket starts its planned candidates (consecutive trial ids) and continues the best of a rung only once
    every member has its result there; the next bracket starts once it is complete. So a candidate of an
    earlier bracket than the last one started is done with, and so is one of the last bracket two rungs or more
    below the highest rung that bracket reached. At that rung and the one below (whose kept members may still
    be on their way up) a candidate may still be continued."""
    none = np.zeros(len(frame), dtype=bool)
    config = trajectory.run.get("config")
    policy = config.get("policy") if isinstance(config, dict) else None
    fidelity = trajectory.run.get("fidelity")
    rungs = fidelity.get("rungs") if isinstance(fidelity, dict) else None
    if not (isinstance(policy, dict) and policy.get("name") in ("successive-halving", "hyperband")
            and isinstance(rungs, list) and rungs and len(frame)):
        return none
    from l2l.policies import POLICIES
    from l2l.policies.halving import bracket_plan

    try:
        schedule = POLICIES.create(policy["name"], {k: v for k, v in policy.items() if k != "name"})
        budgets = np.asarray(rungs, dtype=float)
    except Exception:  # noqa: BLE001 - a view never fails on what only refines it: every candidate stays paused
        return none
    levels = len(budgets) - 1
    trials = frame["trial"].to_numpy()
    # The brackets' sizes repeat (Hyperband's cycle through its first rungs; one for successive halving); the
    # last bracket started is the one the highest trial id is in (a candidate budget cuts only that one short).
    sizes = [bracket_plan(levels, levels - first, schedule.eta, schedule.hyperband)[0]
             for first in (range(levels + 1) if schedule.hyperband else [0])]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    highest, period = int(trials.max()), int(sum(sizes))
    start = highest - highest % period + int(offsets[np.searchsorted(offsets, highest % period, side="right") - 1])
    out = last & (trials < start)
    ends = np.flatnonzero(last & (trials >= start))  # the last bracket's candidates, at the rungs they reached
    if len(ends):
        rung = np.searchsorted((budgets[1:] + budgets[:-1]) / 2, frame["budget"].to_numpy()[ends])
        out[ends[rung < int(rung.max()) - 1]] = True
    return out


def multi_fidelity_evaluations(trajectory: TrajectoryView, errors: bool, segments: bool,
                               columns: Sequence[str] | None) -> pd.DataFrame:
    """:meth:`Trajectory.evaluations` of a multi-fidelity run."""
    wanted = _wanted(trajectory, columns, errors, segments)
    frame = segment_view(trajectory, _frame(trajectory, errors, None, wanted), segments)
    # what a plot of this frame needs to draw it as one of the file (l2l.plot.RunData.from_frame)
    frame.attrs["view"] = "segments" if segments else "candidates"
    fidelity = trajectory.run.get("fidelity")
    # the compute the run goes toward now: Trajectory.run follows the latest resume (l2l resume --compute N)
    frame.attrs["fidelity"] = dict(fidelity) if isinstance(fidelity, dict) else {}
    return frame if columns is None else _select(frame, columns)


def _select(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    columns = [columns] if isinstance(columns, str) else list(columns)
    out = frame[columns]
    out.attrs = dict(frame.attrs)
    return out


def error_texts(trajectory: TrajectoryView, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The error text of each row (None where there is none)."""
    out = np.full(len(lengths), None, dtype=object)
    rows = np.flatnonzero(lengths)
    if len(rows):
        starts = starts[rows]
        low, high = int(starts.min()), int((starts + lengths[rows]).max())
        data = trajectory._read("blobs/errors", high, low).tobytes()
        for row, start, length in zip(rows, starts, lengths[rows]):
            out[row] = data[start - low:start - low + length].decode("utf-8", errors="replace")
    return out
