"""A new run's [space] checked against what a simulator's evaluations accept (lsm, lsnn, egru, noisy-sgd).

An explored range that reaches past a parameter's valid values (``density`` up to 1.5, ``p_EE`` up to 1.5, ``tau_a``
from -5) or a parameter of a shape the model cannot take (``gain_out`` of shape [10] for 150 neurons, ``thr`` of
shape [3]) made every candidate drawn there fail, one evaluation at a time, and a run whose candidates all fell
there ended with exit status 1 and a file of failures. Called from the simulators' ``refuse_ignored`` (a new run's
only: a stored run resumes as it ran).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from l2l.errors import ConfigError


def check_space_values(name: str, space, check: Callable[[dict[str, Any]], None],
                       per_neuron: Mapping[str, int] | None = None) -> None:
    """Refuse (:class:`ConfigError`, one line) a parameter of ``space`` whose bound, choice or default ``check``
    refuses, or of a shape other than one value (``per_neuron``'s names: that many values, one per neuron).

    ``check({parameter: value})`` raises :class:`ConfigError` for a value an evaluation would refuse.
    """
    if space is None:
        return
    per_neuron = dict(per_neuron or {})
    for parameter in space:
        key = parameter.name
        shape = tuple(getattr(parameter, "shape", None) or ())
        if key in per_neuron:
            if shape != (per_neuron[key],):
                raise ConfigError(f"simulator {name!r}: parameter {key!r} has shape = {list(shape)}, and it is one "
                                  f"value per neuron: give shape = [{per_neuron[key]}]")
            continue
        if shape not in ((), (1,)):
            raise ConfigError(f"simulator {name!r}: parameter {key!r} has shape = {list(shape)}; it is one value: "
                              f"remove shape")
        for what, value in _values(parameter):
            try:
                check({key: value})
            except ConfigError as exc:
                if what in ("low", "high") and _inside(check, key, parameter, what):
                    continue  # an open edge (learning_rate from 0, density from 0): only a candidate on it fails
                rule = str(exc).split(": ", 1)[-1]
                fix = "narrow the range" if what in ("low", "high") else f"change or remove that {what}"
                raise ConfigError(f"simulator {name!r}: [space] {key} has {what} = {value!r}, and {rule}: the "
                                  f"candidates there would fail; {fix}") from None


def _inside(check: Callable[[dict[str, Any]], None], key: str, parameter, what: str) -> bool:
    """Whether the values just inside bound ``what`` of ``parameter`` pass ``check``."""
    step = 1e-9 * (parameter.high - parameter.low)
    try:
        check({key: parameter.low + step if what == "low" else parameter.high - step})
    except ConfigError:
        return False
    return True


def _values(parameter) -> list[tuple[str, Any]]:
    """The values of ``parameter`` a candidate may take at its edges: its bounds (an optimizer clips to them, a grid
    lands on them), its choices, its default."""
    out = []
    if getattr(parameter, "kind", None) == "categorical":
        out += [("choice", choice) for choice in parameter.choices]
    elif getattr(parameter, "low", None) is not None:
        out += [("low", parameter.low), ("high", parameter.high)]
    if getattr(parameter, "default", None) is not None:
        out.append(("default", parameter.default))
    return out
