"""What the figures are drawn from: one run's evaluations plus what the file says about them.

:class:`RunData` is read once and shared by every panel, so that a figure with
six panels reads the file once. The helpers here are plain numpy/pandas and
know nothing of matplotlib: best-so-far curves, per-generation statistics,
which parameters matter most, a 2-D Pareto front that stays fast for a
million points, and a subsample for scatter plots that always keeps the best.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from l2l.errors import ArgumentError, TrajectoryError
from l2l.objectives import Objective
from l2l.parameters import plain
from l2l.results_schema.layout import RESERVED_COLUMNS as RESERVED, SEGMENT_VIEW
from l2l.results_schema.reader import Trajectory

#: Scatter plots draw at most this many points; the rest is represented by the best and a random sample.
MAX_POINTS = 20_000
#: Parameter importance is estimated on at most this many successful evaluations.
IMPORTANCE_ROWS = 100_000


@dataclass
class RunData:
    """One run, ready to plot.

    ``frame`` is the evaluations table of :meth:`Trajectory.evaluations`;
    ``parameters`` are its parameter columns (array elements one column each),
    ``categorical`` the subset whose values are choices, ``log`` the subset on a
    log scale. ``events`` and ``run`` come from the file when there is one.
    """

    name: str
    frame: pd.DataFrame
    objectives: tuple[Objective, ...]
    parameters: list[str]
    categorical: set[str] = field(default_factory=set)
    log: set[str] = field(default_factory=set)
    metrics: list[str] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)
    events: pd.DataFrame | None = None
    path: str | None = None
    n_generations: int = 0
    #: Multi-fidelity runs: every segment (l2l.load(..., segments=True)) and the learning curves in long form
    #: (trial, step = fidelity, value) of the first objective; the run's fidelity (name, unit, rungs).
    segments: pd.DataFrame | None = None
    curves: pd.DataFrame | None = None
    fidelity: dict[str, Any] | None = None

    @property
    def multi_fidelity(self) -> bool:
        return self.segments is not None

    @property
    def top_budget(self) -> float | None:
        """A multi-fidelity run's top budget (its last rung, else the largest budget reached); None otherwise."""
        if not self.multi_fidelity:
            return None
        rungs = (self.fidelity or {}).get("rungs")
        if rungs:
            return float(rungs[-1])
        return float(self.segments["budget"].max()) if len(self.segments) else None

    def compute_per_evaluation(self) -> float | None:
        """Fidelity units one evaluation of a single-fidelity run costs (its top budget), if it has a fidelity."""
        rungs = (self.fidelity or {}).get("rungs")
        return float(rungs[-1]) if rungs else None

    @classmethod
    def from_trajectory(cls, trajectory: Trajectory, errors: bool = True) -> "RunData":
        frame = trajectory.evaluations(errors=errors)
        parameters, categorical, log = [], set(), set()
        for p in trajectory.space.parameters:
            columns = p.columns()
            parameters += columns
            if p.kind == "categorical":
                categorical.update(columns)
            if getattr(p, "log", False):
                log.update(columns)
        metrics = list(trajectory.metric_columns.values())
        segments = curves = None
        if trajectory.multi_fidelity:
            segments = trajectory.evaluations(errors=errors, segments=True)
            long = trajectory.traces_frame()
            name = f"curve:{trajectory.objectives[0].name}"
            curves = long[long["trace"] == name][["trial", "step", "value"]] if len(long) else long
        fidelity = trajectory.run.get("fidelity")
        return cls(name=str(trajectory.run.get("name") or trajectory.path.stem), frame=frame,
                   objectives=tuple(trajectory.objectives), parameters=parameters, categorical=categorical,
                   log=log, metrics=metrics, run=dict(trajectory.run), events=trajectory.events(),
                   path=str(trajectory.path), n_generations=trajectory.n_generations, segments=segments,
                   curves=curves, fidelity=fidelity if isinstance(fidelity, dict) else None)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, objectives: Sequence[Objective | str] | None = None,
                   name: str = "run") -> "RunData":
        """From an evaluations DataFrame (e.g. ``l2l.load(...)``, possibly filtered).

        The objectives come from ``frame.attrs`` (set by :func:`l2l.load`) unless
        given; every other non-reserved numeric or categorical column counts as
        a parameter. A frame of a multi-fidelity run (``frame.attrs["view"]``) is drawn as its file is (e.g. the
        fitness plot: the best so far at the top budget against compute), from the segments of its candidates:
        the frame itself (``l2l.load(path, segments=True)``), or for the candidates (``l2l.load(path)``) read
        from the file the frame came from, only those of the trials it holds.
        """
        if objectives is None:
            raw = frame.attrs.get("objectives")
            if not raw:
                raise TrajectoryError("this DataFrame does not say its objectives (frame.attrs['objectives']); "
                                      "pass objectives=[...]")
            objectives = [Objective.from_json(o) for o in raw]
        objectives = tuple(o if isinstance(o, Objective) else Objective(o) for o in objectives)
        missing = [o.name for o in objectives if o.name not in frame.columns]
        if missing:
            raise TrajectoryError(f"the DataFrame has no column for objective {missing[0]!r}")
        for column in ("generation", "status"):
            if column not in frame.columns:
                raise TrajectoryError(f"the DataFrame has no {column!r} column; is it an l2l evaluations table?")
        names = {o.name for o in objectives}
        parameters = [c for c in frame.columns if c not in RESERVED and c not in SEGMENT_VIEW and c not in names
                      and not str(c).startswith("metric:")]
        categorical = {c for c in parameters if isinstance(frame[c].dtype, pd.CategoricalDtype)
                       or frame[c].dtype == object}
        path = frame.attrs.get("path")
        segments = fidelity = None
        if frame.attrs.get("view") in ("candidates", "segments") and {"trial", "budget", "from_budget"} <= \
                set(frame.columns):
            fidelity = dict(frame.attrs.get("fidelity") or {}) or None
            frame, segments = _policy_views(frame)
        return cls(name=name if name != "run" or not path else os.path.splitext(os.path.basename(path))[0],
                   frame=frame, objectives=objectives, parameters=parameters, categorical=categorical,
                   path=path, n_generations=int(frame["generation"].nunique()), segments=segments,
                   fidelity=fidelity)

    # -- conveniences ----------------------------------------------------------------
    @property
    def ok(self) -> pd.DataFrame:
        """The successful evaluations with a finite value for every objective (computed once per frame)."""
        frame = self.frame
        cached = self.__dict__.get("_ok")
        if cached is not None and cached[0] is frame:
            return cached[1]
        mask = (frame["status"] == "ok").to_numpy(copy=True)
        for o in self.objectives:
            mask &= np.isfinite(frame[o.name].to_numpy(dtype=float))
        ok = frame[mask]
        self.__dict__["_ok"] = (frame, ok)
        return ok

    def objective(self, name: str | None = None) -> Objective:
        """The objective called ``name`` (default: the first); a clear error if there is none, or if ``name`` is
        no text (:func:`objective_name`)."""
        name = objective_name(name)
        if name is None:
            return self.objectives[0]
        for o in self.objectives:
            if o.name == name:
                return o
        raise TrajectoryError(f"{self.name} has no objective {name!r}; objectives: "
                              f"{', '.join(o.name for o in self.objectives)}")

    @property
    def title(self) -> str:
        simulator = (self.run.get("simulator") or {}).get("name")
        what = f": {self.proposer} on {simulator}" if self.proposer and simulator else ""
        return f"{self.name}{what}"

    @property
    def proposer(self) -> str:
        """Who chose the candidates: the optimizer, and the policy that scheduled them (``random + asha``)."""
        optimizer = (self.run.get("optimizer") or {}).get("name") or ""
        config = self.run.get("config")
        policy = config.get("policy") if isinstance(config, dict) else None
        name = policy.get("name") if isinstance(policy, dict) else None
        if name and _proposes(str(name)):  # the model-based policy proposes its candidates: no optimizer is used
            return str(name)
        return f"{optimizer} + {name}" if optimizer and name else optimizer

    def start_time(self) -> float:
        """The run's start in seconds since the epoch (first event, else first evaluation)."""
        if self.events is not None and len(self.events):
            return self.events["time"].iloc[0].timestamp()
        if len(self.frame):
            return float(self.frame["started"].min().timestamp())
        return 0.0

    def completions(self) -> np.ndarray:
        """When each evaluation (each segment of a multi-fidelity run) finished, in seconds since the epoch."""
        frame = self.segments if self.multi_fidelity else self.frame
        if frame is None or not len(frame):
            return np.zeros(0)
        return (frame["started"].to_numpy(dtype="datetime64[ns]").astype("int64") / 1e9
                + frame["duration"].to_numpy(dtype=float))

    def active_seconds(self, times: np.ndarray) -> np.ndarray:
        """Seconds from the run's start to each of ``times`` (seconds since the epoch) that the run was running:
        the pauses between its sessions (from the last completion or event before a ``resumed`` event to that
        event) are left out, so a run resumed the next morning is not a night longer."""
        from l2l.sessions import active_seconds

        if self.events is None or not len(self.events):
            return np.asarray(times, dtype=float) - self.start_time()
        return active_seconds(times, self.start_time(), [t.timestamp() for t in self.events["time"]],
                              self.events["kind"].to_numpy(), self.completions())


def _policy_views(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A multi-fidelity run's candidates and segments from a frame of :func:`l2l.load` holding one of them: the
    candidates of a segment view are each trial's last segment; the segments of a candidate view are read from
    the file the frame came from (``frame.attrs["path"]``), those of the frame's trials."""
    if frame.attrs.get("view") == "segments":
        candidates = frame.sort_values(["trial", "budget"], kind="stable").drop_duplicates("trial", keep="last")
        return candidates, frame
    path = frame.attrs.get("path")
    try:
        if not path:
            raise TrajectoryError("frame.attrs has no 'path'")
        with Trajectory(path) as trajectory:
            segments = trajectory.evaluations(errors="error" in frame.columns, segments=True)
    except (OSError, TrajectoryError) as error:
        raise TrajectoryError(f"this DataFrame holds the candidates of a multi-fidelity run; its plots need the "
                              f"segments, read from the file it came from ({path}), which failed: {error}; pass "
                              f"the file's path, or l2l.load(path, segments=True)") from None
    return frame, segments[segments["trial"].isin(frame["trial"])]


def load_run(source: Any, errors: bool = True) -> RunData:
    """A :class:`RunData` from a path, an open :class:`Trajectory`, an evaluations DataFrame or a RunData."""
    if isinstance(source, RunData):
        return source
    if isinstance(source, Trajectory):
        return RunData.from_trajectory(source, errors=errors)
    if isinstance(source, pd.DataFrame):
        return RunData.from_frame(source)
    if isinstance(source, (str, bytes, os.PathLike)):
        with Trajectory(source) as trajectory:
            return RunData.from_trajectory(trajectory, errors=errors)
    raise ArgumentError(f"cannot plot a {type(source).__name__}: give a trajectory path, a Trajectory, "
                    f"an evaluations DataFrame or a RunData")


def objective_name(name: Any) -> str | None:
    """``objective=`` of a figure: an objective's name or None (numpy's text too); anything else is one
    :class:`ArgumentError` line (``objective=np.array(...)`` raised numpy's "truth value is ambiguous")."""
    name = plain(name)
    if name is not None and not isinstance(name, str):
        raise ArgumentError(f"objective must be an objective's name (or None), got {type(name).__name__} "
                            f"{name!r:.60}")
    return name


def objective_names(names: Any, name: str = "objectives") -> list[str] | None:
    """``objectives=`` of a figure: a list of objectives' names, one name, or None; anything else (a number, a
    list holding one) is one :class:`ArgumentError` line (``objectives=3`` raised "'int' object is not
    iterable", and one name was taken letter by letter)."""
    names = plain(names)
    if names is None:
        return None
    if isinstance(names, str):
        return [names]
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise ArgumentError(f"{name} must be a list of objectives' names (or one name, or None), got "
                            f"{type(names).__name__} {names!r:.60}")
    return list(names)


def label(objective: Objective) -> str:
    """Axis label of an objective: its name and which way is better."""
    return f"{objective.name} ({'lower' if objective.direction == 'minimize' else 'higher'} is better)"


def best_of(values: np.ndarray, objective: Objective) -> float:
    return float(np.nanmin(values) if objective.direction == "minimize" else np.nanmax(values))


def running_best(values: np.ndarray, objective: Objective) -> np.ndarray:
    """Best so far after each value; NaN (failed) values never improve it."""
    values = np.asarray(values, dtype=float)
    if objective.direction == "minimize":
        return np.fmin.accumulate(np.where(np.isfinite(values), values, np.nan))
    return np.fmax.accumulate(np.where(np.isfinite(values), values, np.nan))


def generation_statistics(run: RunData, objective: Objective) -> pd.DataFrame:
    """Per generation of successful evaluations: best, 25/50/75 % quantiles, worst, count, best so far.

    Every generation that has evaluations has a row, one with no successful
    evaluation has NaN statistics (so a gap shows in a line plot).
    """
    generations = np.unique(run.frame["generation"].to_numpy())
    ok = run.ok
    grouped = ok.groupby("generation", sort=True)[objective.name]
    quantiles = grouped.quantile([0.25, 0.5, 0.75]).unstack()
    stats = pd.DataFrame(index=pd.Index(generations, name="generation"))
    stats["q25"] = quantiles.get(0.25)
    stats["median"] = quantiles.get(0.5)
    stats["q75"] = quantiles.get(0.75)
    lowest, highest = grouped.min(), grouped.max()
    minimize = objective.direction == "minimize"
    stats["best"] = lowest if minimize else highest
    stats["worst"] = highest if minimize else lowest
    stats["count"] = grouped.size()
    stats["count"] = stats["count"].fillna(0).astype(int)
    stats["best_so_far"] = running_best(stats["best"].to_numpy(), objective)
    return stats.reset_index()


def scores(frame: pd.DataFrame, objectives: Sequence[Objective]) -> np.ndarray:
    """Objective values turned so that larger is better, shape (n, k)."""
    return np.column_stack([frame[o.name].to_numpy(dtype=float) * o.sign for o in objectives])


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Non-dominated rows of ``values`` (n, k), larger is better; non-finite rows are never on it.

    Two columns take an O(n log n) sweep (a million points in well under a
    second); more columns use the optimizers' general filter.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    finite = np.all(np.isfinite(values), axis=1) if n else np.zeros(0, dtype=bool)
    if values.shape[1] != 2:
        from l2l.optimizers.pareto import pareto_front_mask
        return pareto_front_mask(values)
    mask = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(finite)
    if not len(rows):
        return mask
    first, second = values[rows, 0], values[rows, 1]
    order = np.argsort(-first)
    first, second = first[order], second[order]
    # Best-first by the first column, in groups of equal first values: within a group only the
    # largest second value can be on the front, and only if it beats every earlier group.
    starts = np.flatnonzero(np.concatenate([[True], first[1:] != first[:-1]]))
    group_best = np.maximum.reduceat(second, starts)
    earlier_best = np.concatenate([[-np.inf], np.maximum.accumulate(group_best)[:-1]])
    sizes = np.diff(np.append(starts, len(first)))
    on_front = (second == np.repeat(group_best, sizes)) & np.repeat(group_best > earlier_best, sizes)
    mask[rows[order]] = on_front
    return mask


def parameter_values(run: RunData, column: str, frame: pd.DataFrame | None = None) -> np.ndarray:
    """A parameter column as floats: categories become their index (0, 1, ...)."""
    frame = run.frame if frame is None else frame
    values = frame[column]
    if column in run.categorical:
        return pd.Categorical(values, categories=categories(run, column)).codes.astype(float)
    return values.to_numpy(dtype=float)


def categories(run: RunData, column: str) -> list[Any]:
    values = run.frame[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    return sorted(pd.unique(values), key=str)


def parameter_importance(run: RunData, objective: Objective | None = None) -> pd.Series:
    """How much of the objective each parameter explains, in [0, 1], largest first.

    The correlation ratio of the objective's ranks grouped by the parameter:
    by choice for a categorical parameter, by quantile bins (up to ten) for a
    numeric one. Unlike a correlation it also sees effects that are not
    monotonic (an optimum inside the range); it is near 0 for a parameter
    the objective does not depend on.
    """
    objective = objective or run.objective()
    ok = run.ok
    if len(ok) > IMPORTANCE_ROWS:  # a random 100,000 rows tell the same story, much faster
        ok = ok.iloc[np.sort(np.random.default_rng(0).choice(len(ok), IMPORTANCE_ROWS, replace=False))]
    if len(ok) < 3 or not run.parameters:
        return pd.Series(0.0, index=run.parameters, dtype=float)
    ranks = ok[objective.name].rank().to_numpy(dtype=float)
    ranks = ranks - ranks.mean()
    total = float((ranks ** 2).sum())
    bins = int(min(10, max(2, len(ok) // 8)))
    importance = {}
    for column in run.parameters:
        x = parameter_values(run, column, ok)
        if column not in run.categorical:
            x = np.minimum(np.floor(pd.Series(x).rank(pct=True).to_numpy() * bins), bins - 1)
        groups = pd.Series(ranks).groupby(x)
        explained = float((groups.size() * groups.mean() ** 2).sum())
        importance[column] = float(np.sqrt(explained / total)) if total > 0 else 0.0
    series = pd.Series(importance, dtype=float).fillna(0.0)
    # A stable sort keeps the space's order among equals.
    return series.iloc[np.argsort(-series.to_numpy(), kind="stable")]


def top_parameters(run: RunData, count: int, objective: Objective | None = None) -> list[str]:
    """The names of the ``count`` parameters that explain most of ``objective``, most first: ``top=`` of the
    figures, an integer >= 1 (numpy's too), else one :class:`ArgumentError` line (``top=1.5`` raised a TypeError
    from pandas, ``top=-1`` left the last parameter out)."""
    count = plain(count)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ArgumentError(f"top must be an integer >= 1 (how many parameters to show), got "
                            f"{type(count).__name__} {count!r:.60}")
    if not run.parameters:
        return []
    return list(parameter_importance(run, objective).index[:count])


def sample_for_scatter(frame: pd.DataFrame, objective: Objective, limit: int = MAX_POINTS,
                       seed: int = 0) -> pd.DataFrame:
    """At most ``limit`` rows: all of them if they fit, else the best 10 % of the limit plus a random sample.

    Rows come back ordered worst first, so that the best are drawn on top; among equal values the earliest
    row comes last, so that the last row is the best one the figure's title names (the first of equals).
    """
    values = frame[objective.name].to_numpy(dtype=float) * objective.sign
    if len(frame) > limit:
        n_best = max(1, limit // 10)  # the best first, the earliest of equals first among them
        best = np.lexsort((np.arange(len(values)), -np.nan_to_num(values, nan=-np.inf)))[:n_best]
        is_rest = np.ones(len(frame), dtype=bool)
        is_rest[best] = False
        rest = np.flatnonzero(is_rest)
        chosen = np.sort(np.concatenate([best, np.random.default_rng(seed).choice(rest, limit - n_best,
                                                                                  replace=False)]))
        frame, values = frame.iloc[chosen], values[chosen]
    order = np.lexsort((-np.arange(len(values)), np.nan_to_num(values, nan=-np.inf)))
    return frame.iloc[order]


def _proposes(policy: str) -> bool:
    """True if the policy ``policy`` proposes its own candidates (the run's optimizer is not used)."""
    try:
        from l2l.policies import POLICIES

        return bool(getattr(POLICIES.get(policy), "proposes", False))
    except Exception:  # noqa: BLE001 - a label: a policy this version does not know is shown with its optimizer
        return False
