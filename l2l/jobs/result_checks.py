"""A simulator's result, checked against the run: its objectives and metrics (:func:`normalize`), its learning
curves (:func:`curves`) and its checkpoint (:func:`checkpoint_of`); each refusal a ValueError whose message says
what was returned and what to return instead (the row's error)."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Sequence

import numpy as np

from l2l.jobs.tasks import Outcome, Settings
from l2l.numbers import apart, number
from l2l.results_schema.layout import CURVE_PREFIX, FAILED
from l2l.simulators.base import as_result, empty_curve


def _scalar(value: Any) -> float:
    try:
        arr = np.asarray(value, dtype=float)
    except OverflowError as exc:  # an int beyond any float
        raise ValueError(str(exc)) from None
    if arr.size != 1:
        raise ValueError(f"expected a number, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


#: What a :class:`SimulationResult` carries beside its objectives: a function that puts one of them into the dict it
#: returns (``{"loss": x, "checkpoint": state}``) gets its key read as an objective or a metric, a number.
RESULT_FIELDS = ("checkpoint", "curve", "metrics", "traces", "outputs")
RETURN_HINT = ("return a number, a dict {objective: number}, or l2l.SimulationResult(objectives=..., curve=..., "
               "checkpoint=...) to hand back a curve or a checkpoint too")


#: The advice that ends the message of a run of several objectives given unnamed values (a number, a tuple): the
#: driver refuses the run where a whole first generation failed so (:func:`l2l.outcomes.refuse_missing_objectives`).
UNNAMED_OBJECTIVES = "return a dict naming them"
#: The same advice to a ``command`` program, which prints its result.
UNNAMED_OBJECTIVES_PRINTED = "print a JSON object naming them"


def _several(value: Any) -> str | None:
    """``value`` as a user reads it (``a tuple of 2 values``) if it is a tuple, list or array of other than one
    value, else None."""
    if isinstance(value, (tuple, list)):
        size, kind = len(value), type(value).__name__
    elif isinstance(value, np.ndarray):
        size, kind = value.size, "numpy array"
    else:
        return None
    return None if size == 1 else f"a {kind} of {size} value{'s' * (size != 1)}"


def _prints(simulator: Any) -> bool:
    """Whether ``simulator`` is a ``command`` program (it prints its result as JSON)."""
    return getattr(simulator, "name", None) == "command"


def normalize(raw: Any, settings: Settings, printed: bool = False) -> tuple[dict, dict, dict, np.ndarray | None]:
    """Check a simulator's return value against the run's objectives; raise ValueError if unusable (``printed``:
    a ``command`` program's, which prints its result as JSON).

    The messages say what was returned where a function returned its result in another shape than l2l reads, say
    ``(loss, checkpoint)`` or ``{"loss": x, "checkpoint": state}``: before, they named only numpy's complaint about
    a dict (``float() argument must be ... not 'dict'``), or said "1 value" of a tuple of two.
    """
    result = as_result(raw)
    wanted = settings.objectives
    objectives = result.objectives
    several = None if isinstance(objectives, dict) else _several(objectives)
    if not isinstance(objectives, dict):
        if len(wanted) != 1:
            what = several or "1 value"
            # a tuple of as many values as objectives is not "too few": l2l does not guess which value is which
            but = (f", not a dict naming the run's {len(wanted)} objectives {list(wanted)}"
                   if several and (len(objectives) if isinstance(objectives, (tuple, list))
                                   else np.size(objectives)) == len(wanted)
                   else f" but the run has {len(wanted)} objectives {list(wanted)}")
            if printed:  # a program printed a number or a JSON array
                size = np.size(objectives)
                what = f"a JSON array of {size} values" if several else "1 number"
                but = (f", not a JSON object naming the run's {len(wanted)} objectives {list(wanted)}"
                       if size == len(wanted) else f" but the run has {len(wanted)} objectives {list(wanted)}")
                raise ValueError(f"printed {what}{but}; {UNNAMED_OBJECTIVES_PRINTED} "
                                 f"({{{', '.join(f'{json.dumps(name)}: ...' for name in wanted)}}})")
            raise ValueError(f"returned {what}{but}; {UNNAMED_OBJECTIVES} "
                             f"({{{', '.join(f'{name!r}: ...' for name in wanted)}}})")
        objectives = {wanted[0]: objectives}
    values = {}
    for key, value in objectives.items():
        if value is None:
            raise ValueError(f"objective {key!r} is None: the simulator returned no number for it")
        try:
            values[str(key)] = _scalar(value)
        except (TypeError, ValueError) as exc:
            if several:
                raise ValueError(f"objective {key!r}: the simulator returned {several}, not a number; "
                                 f"{RETURN_HINT}") from None
            if str(key) == "objectives" and isinstance(value, dict) and key not in wanted:
                # the JSON a command program prints; a python function's dict is {objective: number}
                raise ValueError("the simulator returned a dict with the key 'objectives', the shape a command "
                                 "program prints; a python function's dict is read as {objective: number}: return "
                                 "l2l.SimulationResult(objectives=..., curve=..., checkpoint=...) instead") from None
            if str(key) in RESULT_FIELDS and key not in wanted and not getattr(result, str(key), None):
                raise ValueError(f"the simulator returned a dict with the key {key!r}, which is read as an "
                                 f"objective or a metric (a number): return l2l.SimulationResult(objectives=..., "
                                 f"{key}=...) to hand back a {key}") from None
            if key not in wanted:  # a key beside the objectives: read as a metric, which is a number too
                raise ValueError(f"{key!r} of the returned dict is no objective of the run, so it is read as a metric, "
                                 f"which must be a number: {exc}") from None
            if isinstance(value, (list, tuple)) and value and isinstance(value[0], (dict, list, tuple, str)):
                # Ray Tune's reports kept as a list ([{"acc": 0.9}]): numpy's 'not dict' named neither
                kinds = type(value[0]).__name__ + "s" * (len(value) != 1)
                raise ValueError(f"objective {key!r}: the simulator returned a {type(value).__name__} of "
                                 f"{len(value)} {kinds}, not a number; {RETURN_HINT}") from None
            raise ValueError(f"objective {key!r}: {exc}") from None
    given = dict(result.metrics)
    for name in wanted:  # a metric the run names as an objective is one (lsnn's firing_rate beside recall_error)
        if name not in values and name in given:
            try:
                values[name] = _scalar(given.pop(name))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"objective {name!r}: {exc}") from None
    missing = [name for name in wanted if name not in values]
    if missing:
        raise ValueError(f"returned objectives {sorted(values)} but the run needs {list(wanted)}; "
                         f"missing {missing}")
    bad = {name: values[name] for name in wanted if not math.isfinite(values[name])}
    if bad:
        raise ValueError(f"non-finite objective value(s): {bad}")
    metrics = {}
    for key, value in given.items():
        try:
            metrics[str(key)] = _scalar(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"metric {key!r}: {exc}") from None
    for key, value in values.items():
        if key not in wanted:
            metrics[key] = value
    traces = {str(k): np.asarray(v, dtype=float) for k, v in dict(result.traces).items()}
    outputs = None if result.outputs is None else np.asarray(result.outputs, dtype=float).reshape(-1)
    return {name: values[name] for name in wanted}, metrics, traces, outputs


def curves(raw: Any, budget: float | None = None, start: float | None = None,
           objectives: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """A multi-fidelity result's curves as traces ``curve:<objective>`` of (fidelity, value) rows; a point past
    the segment's ``budget`` is refused (ValueError), and so is a point of an ``objectives`` curve at or below
    ``start``, the budget of the checkpoint a continued segment was given: its simulator trained from the start
    again (it ignored the checkpoint), which costs a restart while the run counts the continuation. An
    ``objectives`` curve numbered from 0 (whole fidelities 0 to ``budget - 1``) is refused in a segment from
    scratch too, so that the first segment says so rather than the first continuation."""
    curve = getattr(raw, "curve", None)
    if not curve:
        return {}
    if not isinstance(curve, dict):
        raise ValueError(f"curve must be a dict {{objective: [[fidelity, value], ...]}}, got {type(curve).__name__}")
    out = {}
    for name, points in curve.items():
        try:
            array = np.asarray(points, dtype=float)
        except (TypeError, ValueError) as exc:  # a dict {fidelity: value}, ragged rows, text: name the curve
            raise ValueError(f"curve {name!r} must be rows of [fidelity, value], got {type(points).__name__}: "
                             f"{exc}") from None
        if array.size == 0:  # was 'must be rows of [fidelity, value], got shape (0,)', which named no reason
            raise ValueError(empty_curve(name))
        if array.ndim != 2 or array.shape[1] != 2:
            raise ValueError(f"curve {name!r} must be rows of [fidelity, value], got shape {array.shape}")
        # a NaN fidelity is no point past the budget, nor one before it: kept, and the loop warns of it once
        # (l2l.outcomes.check_curve_values); np.nanmax of NaNs alone printed numpy's "All-NaN slice" warning
        known = array[~np.isnan(array[:, 0]), 0]
        if budget is not None and len(known) and known.max() > budget + 1e-9 * max(1.0, abs(budget)):
            point, most = apart(known.max(), budget)  # 600.0004 beyond 600 read '600, beyond ... 600'
            raise ValueError(f"curve {name!r} has a point at fidelity {point}, beyond the segment's budget {most}; "
                             f"a curve holds the values the segment passed on its way to its budget")
        if not start and budget is not None and budget >= 1 and name in objectives and len(known) and \
                known.min() == 0 and abs(known.max() - (budget - 1)) < 1e-9 * max(1.0, abs(budget)) and \
                np.all(known == np.round(known)):
            # a segment from scratch numbered from 0: whole fidelities from 0 to one step short of the budget (was
            # accepted: the run stored every first curve shifted and failed only at the continuations). A curve
            # that starts at 0 (the value before training) and reaches the budget, one that starts past 0, one
            # with a fractional point (a continuous fidelity) and one under a budget below 1 stay accepted.
            here = f"1 to {number(budget)}" if budget > 1 else number(budget)
            raise ValueError(f"curve {name!r} runs from fidelity 0 to {number(known.max())} in a segment from 0 to "
                             f"{number(budget)}: numbered from 0? Number each point by the fidelity reached after its "
                             f"step, here {here} (after epoch e, counted from 1, the point [e, value])")
        if start and name in objectives and len(known) and known.min() <= start + 1e-9 * max(1.0, abs(start)):
            # either a restart (the checkpoint ignored) or a continuation that returned its whole history, or the
            # points numbered from 0 (the fidelity before each step rather than after it)
            low, high = float(known.min()), float(known.max())
            if budget is not None and abs(low - start) < 1e-9 * max(1.0, abs(start)) and \
                    abs(high - (budget - 1)) < 1e-9 * max(1.0, abs(budget)):
                raise ValueError(f"curve {name!r} runs from fidelity {number(low)} to {number(high)} in a segment from "
                                 f"{number(start)} to {number(budget)}: numbered from 0? Number each point by the "
                                 f"fidelity reached after its step, here {number(start + 1)} to {number(budget)} "
                                 f"(after epoch e, counted from 1, the point [e, value])")
            raise ValueError(f"curve {name!r} has a point at fidelity {number(low)}, not past the budget "
                             f"{number(start)} of the checkpoint this segment continued from: a curve holds only the "
                             f"values a segment passed after its checkpoint, so if the simulator continued and "
                             f"returned its whole curve, return the points above {number(start)} only; if it trained "
                             f"from the start again instead of continuing from its checkpoint (it spent "
                             f"{number(budget)} units where the run counts {number(budget - start)}), continue from "
                             f"the checkpoint, or take none (a python function without a 'checkpoint' parameter, or a "
                             f"program that leaves no file in its checkpoint_dir, restarts openly, counted so)")
        out[f"{CURVE_PREFIX}{name}"] = array
    return out


#: What a checkpoint may hold (docs/multifidelity.md), said where one cannot be stored.
CHECKPOINT_TYPES = ("a dict with string keys of numbers, booleans, strings, None, numpy arrays of numbers or booleans "
                    "(no strings, complex numbers or objects) and lists and dicts (string keys) of these")

#: How a segment whose checkpoint cannot be stored (:func:`checkpoint_of`) fails: its error starts with this.
UNSTORABLE_CHECKPOINT = "invalid result: checkpoint "


#: How a result whose curve is not rows of [fidelity, value] fails (:func:`curves`): Ray Tune's reports as
#: ``{"loss": [values]}``, a dict ``{epoch: value}``, a list of dicts.
_CURVE_SHAPE = re.compile(r"invalid result: curve (?:must be a dict |'.*' must be rows of \[fidelity, value\])")

#: How a continued segment whose objective's curve starts at or below its checkpoint's budget fails
#: (:func:`curves`): the function trained from scratch again (it ignored its checkpoint), returned its whole
#: history, or numbered its points from 0. Each continuation repeats it: a PBT run failed every one of them until
#: its compute was spent (14 of 20 segments of a 6-member run), then ended with exit status 1. (A segment from
#: scratch numbered from 0, "in a segment from 0 to", is left to fail as before: the run ends when all have.)
_CURVE_RESTARTS = re.compile(r"invalid result: curve '.*' (?:has a point at fidelity .*, not past the budget .* of the "
                             r"checkpoint this segment continued from|runs from fidelity .* in a segment from "
                             r"(?!0 to ).* to .*: numbered from 0\?)")


def every_segment_fails(outcome: Outcome) -> str | None:
    """Why ``outcome`` failed, if it is a programming error of the simulator that every segment repeats, whatever
    the parameters: ``"checkpoint cannot be stored"`` (:func:`checkpoint_of`), ``"curve is not rows of
    [fidelity, value]"`` or ``"curve starts at or below the checkpoint's budget"`` (a continued segment that
    trained from scratch again, :func:`curves`); else None. Such a failure is never retried and the run ends at the
    first (``driver_trials.Trials.record``): before, a curve of the wrong shape failed every segment, each a
    candidate spent, until run.stop_after_failures ended the run with exit status 1."""
    if outcome.status != FAILED or not outcome.error:
        return None
    if outcome.error.startswith(UNSTORABLE_CHECKPOINT):
        return "checkpoint cannot be stored"
    if _CURVE_SHAPE.match(outcome.error.split("\n", 1)[0]):
        return "curve is not rows of [fidelity, value]"
    if _CURVE_RESTARTS.match(outcome.error.split("\n", 1)[0]):
        return "curve starts at or below the checkpoint's budget"
    return None


def checkpoint_of(raw: Any) -> dict[str, Any] | None:
    """A multi-fidelity result's checkpoint, checked to be storable without pickle."""
    checkpoint = getattr(raw, "checkpoint", None)
    if checkpoint is None:
        return None
    if not isinstance(checkpoint, dict):
        raise ValueError(f"checkpoint must be a dict of arrays, numbers and strings, got {type(checkpoint).__name__}")
    from l2l.results_schema import codec
    try:
        codec.check(checkpoint)  # without encoding it: the writer does, once
    except TypeError as exc:
        key, where = _unstorable(checkpoint)
        named = f"checkpoint key {key!r}{where}" if key is not None else "checkpoint"
        hint = ""
        if "Generator" in str(exc) or "RandomState" in str(exc):
            hint = ("; store the generator's state instead (rng.bit_generator.state, a dict of numbers) and "
                    "set it again when continuing (rng = np.random.default_rng(); rng.bit_generator.state = ...)")
        raise ValueError(f"{named} cannot be stored without pickle: {exc}{hint}; a checkpoint is "
                         f"{CHECKPOINT_TYPES}") from None
    return dict(checkpoint)


def _unstorable(checkpoint: dict[Any, Any]) -> tuple[Any, str]:
    """The first top-level key of ``checkpoint`` whose value the codec refuses (a non-string key: that key),
    and where below it (`` at ['opt'][2]``, or ''); (None, '') if none is found alone."""
    from l2l.results_schema import codec

    def below(value: Any) -> str | None:  # the path to the first leaf refused, '' for value itself
        try:
            codec.encode(value)
            return None
        except TypeError:
            pass
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, (list, tuple)):
            items = list(enumerate(value))
        else:
            return ""
        for name, item in items:
            if isinstance(value, dict) and not isinstance(name, str):
                return ""
            inner = below(item)
            if inner is not None:
                return f"[{name!r}]{inner}"
        return ""

    for key, value in checkpoint.items():
        if not isinstance(key, str):
            return key, ""
        inner = below(value)
        if inner is not None:
            return key, f" (at [{key!r}]{inner})" if inner else ""
    return None, ""
