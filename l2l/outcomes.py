"""What the loop makes of finished evaluations: penalties, summaries, curves, output vectors."""

from __future__ import annotations

import re

import numpy as np

from l2l.run_config import RunConfig
from l2l.errors import ConfigError, TrajectoryError
from l2l.jobs import Outcome
from l2l.jobs.base import CURVE_PREFIX, OK, warn_line
from l2l.numbers import number
from l2l.objectives import Objective
from l2l.policies import budget_key
from l2l.words import Placeholder, call


def better(o, a: float, b: float | None) -> bool:
    return b is None or (a > b if o.direction == "maximize" else a < b)


def curve_scores(outcome: Outcome, objective, budgets, from_budget: float) -> dict[str, float]:
    """Scores at the rungs a segment passed on its way, read from its learning curve.

    A candidate trained straight to the top budget thus also tells how it ranked at every lower rung,
    which is how the model-based policy measures whether low budgets agree with the top one.
    """
    if outcome.status != OK:
        return {}
    curve = outcome.traces.get(f"{CURVE_PREFIX}{objective.name}")
    if curve is None or not len(curve):
        return {}
    out = {}
    for budget in budgets:
        if from_budget < budget < outcome.budget:
            hit = np.flatnonzero(np.isclose(curve[:, 0], budget))
            if len(hit) and np.isfinite(curve[hit[-1], 1]):
                out[budget_key(budget)] = float(curve[hit[-1], 1] * objective.sign)
    return out


def penalties(config: RunConfig, objectives: tuple[Objective, ...], worst: dict[str, float]) -> np.ndarray:
    """The values a failed evaluation is told, in the objectives' directions: ``run.penalty`` (a number, or a
    table's entry), else the worst value of that objective any evaluation of the run returned so far.

    A failure before the first success of an objective has no worst value to be told: it is told the worst
    value there is, ``inf`` for a minimized objective and ``-inf`` for a maximized one (``-inf`` in the
    optimizers' larger-is-better scores), which every optimizer ranks below every finite score (0.0 was told
    before, better than any real error: a first generation that failed stayed the GA's elite and NSGA-II's
    front; the multi-fidelity policies' own scores of such a failure are -inf too).
    """
    values = []
    for o in objectives:
        if isinstance(config.penalty, dict) and o.name in config.penalty:
            values.append(float(config.penalty[o.name]))
        elif isinstance(config.penalty, (int, float)):
            values.append(float(config.penalty))
        elif o.name in worst:
            values.append(float(worst[o.name]))
        else:
            values.append(-np.inf if o.direction == "maximize" else np.inf)
    return np.array(values)


def summary(objectives: tuple[Objective, ...], values: np.ndarray, ok: np.ndarray) -> dict[str, dict[str, float]]:
    summary: dict[str, dict[str, float]] = {"best": {}, "median": {}, "worst": {}}
    for j, o in enumerate(objectives):
        column = values[ok, j]
        if not len(column):
            summary["best"][o.name] = summary["median"][o.name] = summary["worst"][o.name] = float("nan")
            continue
        best, worst = (column.max(), column.min()) if o.direction == "maximize" else (column.min(), column.max())
        summary["best"][o.name], summary["median"][o.name], summary["worst"][o.name] = \
            float(best), median(column), float(worst)
    return summary


def median(column: np.ndarray) -> float:
    """``np.median`` of a 1-d array, without its first call's import of ``numpy.ma`` (11 ms, which fell
    between the first generation's last result and the second generation's submission)."""
    if np.isnan(column).any():
        return float("nan")
    ordered = np.sort(column)
    n = len(ordered)
    return float((ordered[(n - 1) // 2] + ordered[n // 2]) / 2)


MISSING_OBJECTIVES = "invalid result: returned objectives "


def other_names(outcome: Outcome) -> bool:
    """Whether ``outcome`` failed for returning other names than the run's objectives (or values without names,
    :func:`_unnamed`): what :func:`refuse_missing_objectives` ends a run for, where nothing succeeded."""
    return not outcome.ok and (outcome.error.startswith(MISSING_OBJECTIVES) or _unnamed(outcome.error))


def refuse_missing_objectives(outcomes: list[Outcome], writer, resumed: bool = False, later: bool = False) -> None:
    """End the run with a ConfigError if no evaluation of the first generation returned the objectives.

    That is a config naming an objective its simulator does not produce: every
    later evaluation would fail the same way. The failed rows stay in the file.
    ``resumed``: the outcomes are the first a resumed run committed (a run that
    failed this check, resumed with its simulator unchanged, fails it again at
    once instead of running its whole budget into failures). ``later``: a commit
    after the session's first, none of whose evaluations succeeded yet: ended
    where none of ``outcomes`` succeeded and one of them returned other names
    (the first commit's check wants every evaluation so: where the model raised
    in part of the space, say for a large learning rate, a commit held both
    kinds, and the run went on to run.stop_after_failures, exit status 1,
    never saying the objective's name was wrong). This one also applies to the
    first commit.
    """
    if not outcomes or any(o.ok for o in outcomes):
        return
    named = [o for o in outcomes if other_names(o)]
    if not named or len(named) < len(outcomes) and not later:
        return
    first = named[0].error.split("\n", 1)[0]
    detail = first[len("invalid result: "):] if first.startswith("invalid result: ") else \
        first[len("EvaluationError: "):]
    which = "committed since the resume" if resumed else ("so far" if later else "of the first generation")
    if len(named) < len(outcomes):
        which += f" ({len(outcomes) - len(named)} of {len(outcomes)} raised or failed otherwise)"
    # unnamed values (a number, a tuple for several objectives): the function is to change, not the config; before,
    # the run went on to run.stop_after_failures and ended with exit status 1
    # a resume goes on after the generations committed: the first one's rows would stay failed (a run of one
    # generation evaluated nothing more), so a first generation is run again from the config, as for NEST's names
    then = "continue with l2l resume" if resumed else \
        "run the config again into a new file (l2l run CONFIG --out NEW.h5; l2l resume would keep these failures " \
        "as the first generation's results)"
    # a name the config declares and the simulator does not return: either side may be wrong (a function of one's
    # own that forgot 'rate'); before, only the config was named, and nothing said how to go on
    fix = (f"fix what the simulator returns (prints), then {then}" if _unnamed(first)
           else f"name in [[objectives]] only what the simulator returns, or make it return the missing ones; then "
                f"{then}")
    raise ConfigError(f"no evaluation {which} returned the run's objectives ({detail}); "
                      f"{fix}; the failed evaluations are in {writer.path}")


def _unnamed(error: str) -> bool:
    """Whether ``error`` is a failure of a simulator that returned what no objective can be read from, whatever
    the parameters: values without their names in a run of several objectives, a tuple, list or array where an
    objective's number goes (``(loss, checkpoint)``), a dict with the key of a result's field (``{"loss": ...,
    "checkpoint": ...}``; :func:`l2l.jobs.base.normalize`), a command's last line of names and numbers,
    ``loss: 0.33``, not JSON (:func:`l2l.simulators.command_output.parse_result`)."""
    from l2l.jobs.base import RETURN_HINT, UNNAMED_OBJECTIVES, UNNAMED_OBJECTIVES_PRINTED

    first = error.split("\n", 1)[0]
    return (error.startswith("invalid result: returned ") and f"; {UNNAMED_OBJECTIVES} (" in first) or \
        (error.startswith("invalid result: printed ") and f"; {UNNAMED_OBJECTIVES_PRINTED} (" in first) or \
        (error.startswith("invalid result: objective ") and f", not a number; {RETURN_HINT}" in first) or \
        error.startswith("invalid result: the simulator returned a dict with the key ") or \
        (error.startswith("EvaluationError: result is not JSON: ") and "; print it as JSON: " in first)


#: NEST's errors that name something the model asks NEST for and NEST does not have, whatever the parameters: a typo
#: in the model (``nest.Create("iaf_psc_alfa")``, ``{"V_tresh": ...}``), not a region of the space that fails.
#: The message's kind, and what the model named.
NEST_NAME_ERRORS = {"UnknownModelName": "a neuron or device model NEST does not have (nest.node_models lists them)",
                    "UnknownSynapseType": "a synapse model NEST does not have (nest.synapse_models lists them)",
                    "UnaccessedDictionaryEntry": "a parameter NEST's model or call does not take "
                                                 "(nest.GetDefaults(model) lists a model's)"}
_NEST_NAME_ERROR = re.compile(r"\bNESTErrors\.(" + "|".join(NEST_NAME_ERRORS) + r"): .*")


def refuse_nest_name_errors(outcomes: list[Outcome], writer, resumed: bool = False,
                            names: list[str] | tuple[str, ...] = (), choices: tuple = (),
                            chosen: list[dict] | None = None) -> None:
    """End the run with a ConfigError if every evaluation of the first generation failed with the same NEST error
    of a name NEST does not know (:data:`NEST_NAME_ERRORS`), from the ``nest``, ``python`` or ``command``
    simulator: every later evaluation would fail the same way. Before, the run went on to its budget or
    ``run.stop_after_failures`` (max(20, 2 x the population size) evaluations) and ended with exit status 1, as a
    model failing in most of its space does. The failed rows stay in the file; ``resumed``: as for
    :func:`refuse_missing_objectives`. ``names``: the run's parameters; one that NEST says it did not take (a model
    passing ``params`` on, ``nest.Create(model, params=params)``, with ``tau_mem`` in [space] for NEST's ``tau_m``)
    is named as the space's. ``choices``: the space's categorical choices; a name NEST does not know that is one of
    them (``nest.Create(params["neuron"])``) fails that choice's evaluations only: not refused (under ``asha`` the
    first commit may be one evaluation). ``chosen``: each failed evaluation's categorical parameters (more than one
    choice) and their values; where every one chose the same value of one of them, the error may be that choice's
    (``nest.Create(params["neuron"], params={"a": params["a"]})``, ``a`` taken by ``aeif_cond_alpha`` but not by
    ``iaf_psc_alpha``): not refused either."""
    from l2l.summary.failures import reason_of

    if not outcomes or any(o.ok for o in outcomes):
        return
    if chosen and any(len({repr(c.get(name)) for c in chosen}) == 1 for name in chosen[0]):
        return  # the other choices may run (a first commit of ONE evaluation under asha: every value is shared)
    reasons = {reason_of(o.status, o.error) for o in outcomes}
    found = _NEST_NAME_ERROR.search(reasons.pop()) if len(reasons) == 1 else None
    unknown = re.search(r"/?(\S+) is not a known model name|with name (\S+) does not exist", found.group(0)) \
        if found is not None else None
    if found is None or unknown is not None and (unknown.group(1) or unknown.group(2)) in choices:
        return
    which = "committed since the resume" if resumed else "of the first generation"
    count = len(outcomes)
    every = "the evaluation" if count == 1 else f"every evaluation ({count})"
    said = " ".join(found.group(0)[len("NESTErrors."):].split())
    untaken = [name for name in said.rpartition(":")[2].split() if name in names] \
        if found.group(1) == "UnaccessedDictionaryEntry" else []
    space = f" ({', '.join(map(repr, untaken))} {'is a parameter' if len(untaken) == 1 else 'are parameters'} of " \
        f"the run's space, passed on to NEST: name {'it' if len(untaken) == 1 else 'them'} in [space] as NEST " \
        f"does, or map the names in the model)" if untaken else ""
    # a resume goes on after the generations committed: the first one's rows would stay failed (a grid's points
    # never run), so a first generation is run again from the config (helper-347, session 42)
    then = "continue the run with l2l resume" if resumed else \
        "run the config again into a new file (l2l run CONFIG --out NEW.h5; l2l resume would keep these failures " \
        "as the first generation's results)"
    raise ConfigError(f'{every} {which} failed with NEST\'s "{said}": the model names '
                      f"{NEST_NAME_ERRORS[found.group(1)]}{space}, which fails every evaluation whatever its "
                      f"parameters; fix the model, then {then}; the failed evaluations are in {writer.path}")


def check_curves(outcomes: list[Outcome], writer) -> None:
    """Check the learning curves of a session's first committed outcomes, which every later segment repeats.

    * Their order, as :func:`check_curve_order` does at every commit.
    * Curves of names that are no objective of the run are stored (``lsnn`` and ``egru`` return a curve of
      every value they measure, the run keeps the others as metrics), but only an objective's curve tells the
      policies how a candidate ranked at the rungs it passed: if curves came, but none of an objective, one
      warning line says so (``val_loss`` where the objective is ``loss``) and the run goes on.
    """
    check_curve_order(outcomes, writer)
    ok = [o for o in outcomes if o.ok and o.traces]
    objectives = list(ok[0].objectives) if ok else []
    names = {key[len(CURVE_PREFIX):] for o in ok for key in o.traces if key.startswith(CURVE_PREFIX)}
    others = sorted(names - set(objectives))
    missing = [name for name in objectives if name not in names]
    if others and missing:
        warn(f"l2l: warning: no curve of objective {', '.join(map(repr, missing))} came, only of "
             f"{', '.join(map(repr, others))}: stored (trace curve:<name>), but no policy ranks by them and "
             f"{call('plot', Placeholder('FILE'), kind='curves')} does not draw them; name the curve as the objective, "
             f"curve={{{missing[0]!r}: [[fidelity, value], ...]}}")


def check_curve_order(outcomes: list[Outcome], writer) -> None:
    """A curve of ``outcomes`` (those a commit just wrote) whose fidelities do not increase ends the run with a
    ConfigError naming the curve and its segment (the rows stay in the file). A segment passes each fidelity
    once, in order: a fidelity that goes back or comes twice is a mislabelled curve (values of another budget, a
    step counter restarted), whose value at a rung (:func:`curve_scores`) and learning curve (``l2l plot --kind
    curves``) would be wrong without a word. Every commit checks its own outcomes: a continued segment's curve
    is made by other code than a first segment's (from a checkpoint), and may be the only one out of order."""
    for outcome in outcomes:
        if not outcome.traces or not outcome.ok:
            continue
        for key, points in outcome.traces.items():
            if not key.startswith(CURVE_PREFIX):
                continue
            fidelities = np.asarray(points, dtype=float).reshape(-1, 2)[:, 0] if np.size(points) else np.empty(0)
            back = np.flatnonzero(np.diff(fidelities) <= 0)
            if len(back):
                i = int(back[0])
                raise ConfigError(
                    f"curve {key[len(CURVE_PREFIX):]!r} of {_segment(outcome)} has fidelities that do not increase: "
                    f"{number(fidelities[i])} then {number(fidelities[i + 1])}; a curve lists its [fidelity, value] "
                    f"rows in the order the segment passed them, each fidelity above the one before (sort them by "
                    f"fidelity); the evaluations so far are in {writer.path}")


def _segment(outcome: Outcome) -> str:
    """``trial 4 (its segment from 3 to 9)``: where a curve came from, as a user finds it in ``l2l.load``."""
    where = f"trial {outcome.trial}" if outcome.trial >= 0 else \
        f"generation {outcome.generation}, individual {outcome.individual}"
    if outcome.budget is None:
        return f"{where} (its evaluation)"
    if outcome.from_budget:
        return f"{where} (its segment from {number(outcome.from_budget)} to {number(outcome.budget)})"
    return f"{where} (its segment to {number(outcome.budget)})"


#: How far a curve's value at its segment's budget may be from the objective the segment returned, relative to
#: the larger of the two: float32 arithmetic (a value read from a tensor twice) differs by about 1e-7.
CURVE_TOLERANCE = 1e-6


#: Traces of one evaluation above this many MiB are warned of (:func:`check_trace_sizes`): a recording, not a result.
LARGE_TRACES_MB = 16


def check_trace_sizes(outcomes: list[Outcome], warned: set[str]) -> None:
    """Warn, once a session, of an evaluation whose traces (arrays of its result, learning curves included) hold
    more than :data:`LARGE_TRACES_MB` MiB, naming it and its largest trace. Every evaluation's traces are stored
    in the run's file, without a limit (a checkpoint has ``checkpoint_limit_mb``): a model that returned a
    recording of 88 MiB (a membrane potential per step) wrote a 2 GB file in 16 segments, without a word."""
    if "large traces" in warned:
        return
    for outcome in outcomes:
        sizes = {name: int(getattr(values, "nbytes", 0)) for name, values in (outcome.traces or {}).items()}
        total = sum(sizes.values())
        if total > LARGE_TRACES_MB * 2 ** 20:
            warned.add("large traces")
            largest = max(sizes, key=sizes.__getitem__)
            warn(f"l2l: warning: the traces of {_segment(outcome)} hold {total / 2 ** 20:.1f} MiB ({largest!r} "
                 f"{sizes[largest] / 2 ** 20:.1f} MiB), stored in the run's file with every evaluation "
                 f"({total * 1000 / 2 ** 30:.0f} GiB for 1,000 such): return a summary, and save a recording to a "
                 f"file of your own; later ones are not named")
            return


def check_curve_values(outcomes: list[Outcome], warned: set[str], top: float | None = None) -> None:
    """Warn, once a session for each, of an objective's curve the run keeps but cannot read as the simulator meant
    it, naming the first segment that returned one (later ones are not named: one line, not one per segment).
    Large traces are warned of first (:func:`check_trace_sizes`), with the same ``warned``.

    * NaN or inf points (a value or a fidelity). They are stored as returned (``l2l.traces`` shows them, nothing
      is lost), and no reader takes them for a value: :func:`curve_scores` takes no score at a rung from a
      non-finite value (nor does the median of ``median-stopping``, which reads those scores), ``l2l plot``
      leaves a gap. A segment's result is its objective, which must be finite (else the segment fails), so a
      curve's NaN does not fail the segment: that would lose a result to a point of its plot.
    * A value at the segment's budget (``top`` for an evaluation of a run without a policy) other than the
      objective the segment returned. The policy ranks by the objective, but reads a candidate's values at the
      lower rungs a segment passed from its curve (:func:`curve_scores`), and ``l2l plot --kind curves`` draws
      the curve: a curve of another quantity (the training loss beside a validation objective) ranks candidates
      at those rungs by it, among others ranked by the objective there.
    """
    check_trace_sizes(outcomes, warned)
    for outcome in outcomes:
        if {"non-finite", "objective"} <= warned:
            return
        if not outcome.ok or not outcome.traces:
            continue
        budget = outcome.budget if outcome.budget is not None else top
        for name, value in outcome.objectives.items():
            points = outcome.traces.get(f"{CURVE_PREFIX}{name}")
            if points is None or not np.size(points):
                continue
            points = np.asarray(points, dtype=float).reshape(-1, 2)
            finite = np.isfinite(points).all(axis=1)
            if not finite.all() and "non-finite" not in warned:
                warned.add("non-finite")
                i = int(np.flatnonzero(~finite)[0])
                bad = int((~finite).sum())
                warn(f"l2l: warning: curve {name!r} of {_segment(outcome)} holds {bad} point{'s' * (bad != 1)} "
                     f"with NaN or inf (the first [{number(points[i, 0])}, {number(points[i, 1])}]): kept as returned "
                     f"(l2l.traces), but no policy reads {'them' if bad != 1 else 'it'} and 'l2l plot' leaves a "
                     f"gap; the segment's result is its {name} {number(value)}; later curves with such points are not "
                     f"named")
            if budget is None or "objective" in warned:
                continue
            at = np.flatnonzero(np.isclose(points[:, 0], budget, rtol=1e-9, atol=0.0) & finite)
            if not len(at):
                continue
            end = float(points[at[-1], 1])
            if abs(end - value) > CURVE_TOLERANCE * max(abs(end), abs(value)):
                warned.add("objective")
                warn(f"l2l: warning: curve {name!r} of {_segment(outcome)} has {number(end)} at fidelity "
                     f"{number(budget)}, but its result there is {name} {number(value)}: the run ranks by the result, "
                     f"a policy reads a candidate's {name} at the lower rungs a segment passed from its curve and 'l2l "
                     f"plot' draws the curve, so a curve of another quantity needs another name (l2l.traces has it as "
                     f"returned); later curves like it are not named")


#: One line on stderr, above a progress bar if one is drawn, and flushed: the backends' :func:`warn_line`, by the
#: name the driver calls it (one function, so that the loop's warnings and the backends' come out alike).
warn = warn_line


def outputs(ordered: list[Outcome], ok: np.ndarray) -> np.ndarray:
    """Output vectors of a generation; failed rows get the mean of the successful ones."""
    good = [o.outputs for o, flag in zip(ordered, ok) if flag and o.outputs is not None]
    if not good:
        # say how to return them, and why every evaluation failed where they did (a tuple of outputs, as the
        # original L2L's EnKF optimizee returned them, fails as a tuple where an objective's number goes)
        failed = [o.error.split("\n", 1)[0] for o, flag in zip(ordered, ok) if not flag and o.error]
        why = f" (every evaluation failed; the first: {failed[0]})" if failed and not np.any(ok) else ""
        raise TrajectoryError(f"the optimizer needs output vectors, but no evaluation of this generation "
                              f"returned outputs{why}; return l2l.SimulationResult(objectives={{...}}, "
                              f"outputs=vector) from the simulator (the original L2L's EnKF optimizee returned "
                              f"them as its fitness tuple)")
    mean = np.mean(np.stack(good), axis=0)
    return np.stack([o.outputs if flag and o.outputs is not None else mean for o, flag in zip(ordered, ok)])
