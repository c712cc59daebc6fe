"""run.initial_points: configurations known to be good, evaluated first (Optuna's ``study.enqueue_trial``, Ray
Tune's ``points_to_evaluate``).

The points are read and checked against the space with the config (:func:`parse`: every parameter given, each
value of the right type and shape, in bounds or one of the choices, no point twice), kept in the run's config,
and handed out by the loop before anything the optimizer asks (l2l.driver, ``_Loop.ask``): the run's first
candidates are these points, in order, evaluated and told like any other result. How many were handed out is
part of the run state (``loop["initial_given"]``), committed with the optimizer's state, so a resumed run
evaluates none of them twice.

The optimizers that learn from every result (:data:`TAKE_POINTS`) are told the points as results they never asked
for; under a multi-fidelity policy, those that ``learns_partial`` (tpe, motpe; gp with learn_from_stopped) are also
told a point's results below the top budget, as for their own candidates (``tell_partial`` adds the point at its
first result, and ``tell`` finds it there at the top budget: one trial each). The generational ones that take them
(:data:`INJECT_POINTS`: their ``takes_initial_points``) get them injected (``inject``, see
:mod:`l2l.optimizers._generations`): the points are the first members of the first generation, in place of that many
of the optimizer's own, and are told with it, so selection keeps the good ones (more points than a generation: the
next generations' first members, each sampled after the one before was told); CMA-ES and the evolution strategies
clip an injected point's step from the mean first, as CMA-ES does. Nevergrad (:data:`SUGGEST_POINTS`) hands them out
by its own ``suggest``, one per ask, and its method is told them as candidates it did not ask (see
:mod:`l2l.optimizers.nevergrad`). The other (gradient-descent, whose probes estimate a gradient) refuses them in one
line, and so does ``auto`` where it picks it. Under policy ``pbt`` the optimizer is only asked for the first
members, never told, so every optimizer does there; policy ``model-based``, which proposes every candidate itself,
starts them as its first new candidates (``Action(initial=i)``, counted in its own state) and its model learns
from their results as from any candidate's.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from l2l.errors import ConfigError
from l2l.numbers import number

#: Optimizers whose tell takes a candidate it never asked for (tpe, motpe, gp add it as a result; random and grid
#: learn nothing from tell): those that can be told initial points.
TAKE_POINTS = ("tpe", "motpe", "gp", "random", "grid")
#: Optimizers that take them as the first members of their generations (``takes_initial_points``; cmaes-quadratic
#: through its inner CMA-ES).
INJECT_POINTS = ("ga", "nsga2", "nsga3", "cmaes", "cmaes-quadratic", "es", "nes", "cross-entropy", "face",
                 "simulated-annealing", "parallel-tempering", "enkf")
#: Optimizers that hand them out by Nevergrad's ``suggest`` (``takes_initial_points``, ``inject``).
SUGGEST_POINTS = ("nevergrad",)
#: Most initial points a config may give.
MAX_POINTS = 10_000
KEY = "run.initial_points"


def parse(raw: Any, space: Any) -> tuple[dict[str, Any], ...]:
    """The points of ``run.initial_points`` (a list of tables, one value per parameter of ``space``), checked;
    :class:`ConfigError` (one line naming the point and the parameter) for the first that is wrong."""
    if not isinstance(raw, (list, tuple)) or not all(isinstance(p, Mapping) for p in raw):
        raise ConfigError(f"{KEY} must be a list of tables, one value per parameter each, e.g. "
                          f"[{{{', '.join(f'{n} = ...' for n in space.names[:2])}}}], got {raw!r:.80}")
    if len(raw) > MAX_POINTS:
        raise ConfigError(f"{KEY} holds {len(raw)} points, more than {MAX_POINTS}")
    points: list[dict[str, Any]] = []
    seen: dict[bytes, int] = {}
    for i, point in enumerate(raw):
        where = f"{KEY}[{i}]"
        unknown = [k for k in point if k not in space.names]
        if unknown:
            raise ConfigError(f"{where}: {unknown[0]!r} is no parameter of the space; parameters: "
                              f"{', '.join(space.names)}")
        missing = [n for n in space.names if n not in point]
        if missing:
            raise ConfigError(f"{where} misses parameter {missing[0]!r}: give a value for every parameter of the "
                              f"space ({', '.join(space.names)})")
        values = {p.name: _value(where, p, point[p.name]) for p in space.parameters}
        code = space.encode(values).tobytes()
        if code in seen:
            raise ConfigError(f"{where} is the same point as {KEY}[{seen[code]}]; give each point once")
        seen[code] = i
        points.append(values)
    return tuple(points)


def _value(where: str, parameter: Any, value: Any) -> Any:
    """``value`` of ``parameter`` as the run holds it, or :class:`ConfigError`."""
    name = parameter.name
    if parameter.kind == "categorical":
        if not any(type(c) is type(value) and c == value for c in parameter.choices):
            raise ConfigError(f"{where}: {name} = {value!r} is not one of {list(parameter.choices)!r}")
        return value
    if parameter.kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not value.is_integer()):
            raise ConfigError(f"{where}: {name} must be an integer, got {value!r}")
        if not parameter.low <= value <= parameter.high:
            raise ConfigError(f"{where}: {name} = {value!r} lies outside [{parameter.low}, {parameter.high}]")
        return int(value)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        array = None
    if array is None or isinstance(value, (bool, str)) or array.dtype == object or \
            any(isinstance(v, (bool, str, bytes)) for v in np.asarray(value, dtype=object).reshape(-1)):
        raise ConfigError(f"{where}: {name} must be a number{' array' if parameter.shape else ''}, got {value!r:.60}")
    if array.shape != tuple(parameter.shape):
        raise ConfigError(f"{where}: {name} must have shape {list(parameter.shape)}, got {list(array.shape)}")
    if not np.all(np.isfinite(array)):
        raise ConfigError(f"{where}: {name} must be finite, got {value!r:.60}")
    if parameter.bounded and not (np.all(array >= parameter.low) and np.all(array <= parameter.high)):
        raise ConfigError(f"{where}: {name} = {value!r:.60} lies outside [{number(parameter.low)}, "
                          f"{number(parameter.high)}]")
    if parameter.log and not np.all(array > 0):
        raise ConfigError(f"{where}: {name} is on a log scale and must be > 0, got {value!r:.60}")
    return array.tolist() if parameter.shape else float(array)


def codes(points: Sequence[Mapping[str, Any]], space: Any) -> np.ndarray:
    """The points as rows of codes in the space's encoding."""
    if not points:
        return np.zeros((0, space.dimension))
    return np.stack([space.encode(p) for p in points])


def refusal(components: Any) -> str:
    """Why this run cannot start from its initial points ('' if it can): a policy that proposes every candidate
    itself must take them (model-based does); outside policy 'pbt' (which never tells its optimizer) the optimizer
    (the one 'auto' chose) must take them (:func:`takes`)."""
    config, optimizer, policy = components.config, components.optimizer, components.policy
    if not getattr(config, "initial_points", ()):
        return ""
    if policy is not None and config.policy.name == "pbt":  # its first members are asked of the optimizer, never told
        population, n = int(getattr(policy, "population", 0) or 0), len(config.initial_points)
        if population and n > population:  # the points past the first population were never evaluated
            return (f"{KEY}: {n} points, but policy 'pbt' starts only its first population of {population} members "
                    f"from the optimizer; give at most {population} points, or [policy] population = {n}")
        return ""
    if policy is not None and getattr(policy, "proposes", False):
        if getattr(policy, "takes_initial_points", False):  # model-based: its first new candidates
            return ""
        return (f"{KEY}: policy {config.policy.name!r} proposes every candidate itself and cannot start from "
                f"given points; use another policy (asha, hyperband, successive-halving, median-stopping, pbt) or leave "
                f"{KEY} out")
    shown = repr(getattr(optimizer, "name", "?"))
    choose = getattr(optimizer, "choose", None)
    if shown == "'auto'" and callable(choose):
        name, options, _ = choose(components.problem)
        optimizer = optimizer._optimizer(name, options)
        shown = f"'auto' (here {name!r})"
    if not takes(optimizer):
        return (f"{KEY}: optimizer {shown} cannot start from given points; initial points work with optimizer "
                f"{', '.join(TAKE_POINTS + INJECT_POINTS + SUGGEST_POINTS)} (or under policy 'pbt'): "
                f"e.g. [optimizer] name = 'tpe'")
    return ""


def takes(optimizer: Any) -> bool:
    """True if ``optimizer`` can start from initial points: told them as results (:data:`TAKE_POINTS`) or given
    them as its first members (``takes_initial_points``)."""
    return getattr(optimizer, "name", None) in TAKE_POINTS or bool(getattr(optimizer, "takes_initial_points", False))


def note(config: Any) -> str:
    """The banner's line: ``note: 3 initial points first (run.initial_points)`` ('' without)."""
    n = len(getattr(config, "initial_points", ()) or ())
    return f"note: {n} initial point{'s' if n != 1 else ''} first ({KEY})" if n else ""

