"""Helpers shared by the multi-fidelity inner loops (see :meth:`Simulator.run_to`).

* :func:`segment_start`: the budget a checkpoint was taken at, after checking that it belongs to this
  simulator and lies below the budget to reach;
* :func:`whole_budget`: a budget checked against a :class:`Fidelity` (whole number, within range);
* :func:`curve_fidelities`: where a segment records its curve (every ``every`` units, and the budget);
* :func:`rng_state` / :func:`rng_from_state`: a numpy generator's exact state as a string a checkpoint
  can hold (pickle-free), and back;
* :func:`fidelity_from_table`: a :class:`Fidelity` declared in a config table (``python``, ``command``);
* :func:`check_min_budget`: a ``min_budget`` option given above the longest training, refused.

Errors about a budget or a checkpoint are ``ValueError``: raised inside an evaluation they make it a
failed evaluation whose message names the problem.
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping

import numpy as np

from l2l.errors import ConfigError
from l2l.numbers import at_most, number
from l2l.simulators.base import Fidelity

FIDELITY_KEYS = ("name", "unit", "minimum", "maximum", "integer")


def whole_budget(fidelity: Fidelity, budget: float, who: str) -> float:
    """``budget`` as an int (integer fidelities) or float; ValueError if it is outside (0, maximum]."""
    value = float(budget)
    if not math.isfinite(value) or value <= 0 or value > fidelity.maximum * (1 + 1e-12):
        raise ValueError(f"simulator {who!r}: budget must be in (0, {number(fidelity.maximum)}] "
                         f"{fidelity.unit}, got {budget!r}")
    if fidelity.integer:
        rounded = round(value)
        if abs(rounded - value) > 1e-9 * max(1.0, abs(value)) or rounded < 1:
            raise ValueError(f"simulator {who!r}: budget must be a whole number of {fidelity.unit}, got {budget!r}")
        return int(rounded)
    return min(value, fidelity.maximum)


def segment_start(checkpoint: Mapping[str, Any] | None, budget: float, who: str) -> float:
    """The budget ``checkpoint`` was taken at (0 without one); ValueError if it is not ours or ahead."""
    if checkpoint is None:
        return 0
    if not isinstance(checkpoint, Mapping) or checkpoint.get("simulator") != who or "budget" not in checkpoint:
        raise ValueError(f"simulator {who!r}: the checkpoint was not written by this simulator "
                         f"(keys: {sorted(checkpoint)[:6] if isinstance(checkpoint, Mapping) else type(checkpoint).__name__})")
    start = checkpoint["budget"]
    if isinstance(start, bool) or not isinstance(start, (int, float)) or not start >= 0:
        raise ValueError(f"simulator {who!r}: the checkpoint's budget is not a number: {start!r}")
    if start > budget:
        raise ValueError(f"simulator {who!r}: cannot go back from the checkpoint's budget {number(start)} to "
                         f"{number(budget)}")
    return start


def curve_fidelities(start: float, budget: float, every: float) -> list[float]:
    """Fidelities in (start, budget] where a segment records its curve: multiples of ``every``, and ``budget``.

    Multiples do not depend on where a segment starts, so the curve of a continued candidate has the
    same points (and values) as the curve of one run from scratch, plus the budgets it paused at.
    """
    points: list[float] = []
    if every and every > 0:
        k = math.floor(start / every + 1e-9) + 1
        while k * every < budget - 1e-9:
            point = k * every
            points.append(int(round(point)) if float(point).is_integer() else point)
            k += 1
    points.append(budget)
    return points


def rng_state(rng: np.random.Generator) -> str:
    """The exact state of ``rng`` as a JSON string (its 128-bit integers kept whole)."""
    return json.dumps(rng.bit_generator.state)


def rng_from_state(state: str, who: str) -> np.random.Generator:
    """A generator in the state :func:`rng_state` recorded; ValueError if the string is not one."""
    try:
        data = json.loads(state)
        bit_generator = getattr(np.random, data["bit_generator"])
        if not (isinstance(bit_generator, type) and issubclass(bit_generator, np.random.BitGenerator)):
            raise TypeError(data["bit_generator"])
        generator = bit_generator()
        generator.state = data
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ValueError(f"simulator {who!r}: the checkpoint's random state cannot be restored ({exc})") from None
    return np.random.Generator(generator)


def _finite(value: int | float) -> bool:
    """True for a finite number; False for inf, nan and an int too large for a float (10**400 from Python)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def fidelity_from_table(table: Any, who: str) -> Fidelity:
    """A :class:`Fidelity` from a config table ``{name, unit, minimum, maximum, integer}``; ConfigError if bad.

    ``name``, ``minimum`` and ``maximum`` are required; ``unit`` defaults to the name, ``integer`` to true.
    The messages name the option as the config spells it, ``multi_fidelity``.
    """
    if not isinstance(table, Mapping):
        raise ConfigError(f"simulator {who!r}: option 'multi_fidelity' must be a table {{name, unit, minimum, "
                          f"maximum, integer}}, got {table!r}")
    unknown = [key for key in table if key not in FIDELITY_KEYS]
    if unknown:
        raise ConfigError(f"simulator {who!r}: multi_fidelity has unknown key {unknown[0]!r}; "
                          f"allowed: {', '.join(FIDELITY_KEYS)}")
    missing = [key for key in ("name", "minimum", "maximum") if key not in table]
    if missing:
        raise ConfigError(f"simulator {who!r}: multi_fidelity needs {missing[0]!r}, e.g. multi_fidelity = "
                          f"{{ name = \"epochs\", minimum = 1, maximum = 81 }}")
    name, unit = table["name"], table.get("unit", table["name"])
    if not isinstance(name, str) or not name.isidentifier() or not isinstance(unit, str) or not unit:
        raise ConfigError(f"simulator {who!r}: multi_fidelity's name must be a word and its unit a text, "
                          f"got (name={name!r}, unit={unit!r})")
    integer = table.get("integer", True)
    if not isinstance(integer, bool):
        raise ConfigError(f"simulator {who!r}: multi_fidelity's 'integer' must be true or false, got {integer!r}")
    bounds = {}
    for key in ("minimum", "maximum"):
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
            shown = repr(value) if len(repr(value)) <= 40 else f"{repr(value)[:12]}... ({len(repr(value))} digits)"
            raise ConfigError(f"simulator {who!r}: multi_fidelity's {key!r} must be a finite number, got {shown}")
        if integer and float(value) != round(value):
            raise ConfigError(f"simulator {who!r}: multi_fidelity's {key!r} must be a whole number "
                              f"(integer = true), got {value!r}")
        if integer and abs(value) > 2 ** 53:  # budgets are counted in float64, exact for whole numbers up to 2**53
            raise ConfigError(f"simulator {who!r}: multi_fidelity's {key!r} must be at most 2**53 = {2 ** 53} "
                              f"(integer = true), got {value!r}")
        bounds[key] = int(value) if integer else float(value)
    return Fidelity(name, unit, bounds["minimum"], bounds["maximum"], integer)


def check_min_budget(simulator: Any, longest: str) -> None:
    """Refuse a ``min_budget`` option set above the simulator's option ``longest`` (its fidelity's maximum).

    The fidelity caps its minimum at the maximum, so that a default minimum above a short training (``spore``'s 10 s
    with ``duration = 5``) still works; a minimum the user gave above it was capped silently, and a policy then
    refused 'min_budget 9 (the simulator's iterations minimum) ...' without naming the option that made it so."""
    import dataclasses

    default = next((f.default for f in dataclasses.fields(simulator) if f.name == "min_budget"), None)
    low, high = simulator.min_budget, getattr(simulator, longest)
    if low != default and low > high:
        raise ConfigError(f"simulator {simulator.name!r}: min_budget = {number(low)} is above {longest} = "
                          f"{number(high)}, the most a candidate trains (the fidelity's maximum): give a min_budget of "
                          f"at most {at_most(high)}, or a larger {longest}")
