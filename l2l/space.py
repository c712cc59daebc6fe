"""Parameter spaces: ordered sets of parameters (l2l.parameters) that round-trip through JSON.

A :class:`Space` is an ordered collection of parameters. Optimizers see it as a
flat float vector (the *encoding*); simulators see a dict of decoded values.

Encoding, one or more coordinates per parameter:

* ``Float``: the value itself, or ``log10(value)`` when ``log = true``;
* ``Int``: the value as a float, rounded and clipped on decoding;
* ``Categorical``: the index of the choice, rounded and clipped on decoding;
* a ``Float`` with a ``shape``: its elements in C order.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from l2l.errors import ArgumentError, ConfigError
from l2l.numbers import number
from l2l.objectives import RESERVED_NAMES as _RESERVED
from l2l.parameters import (MAX_VALUES, Categorical, Float, Int, Parameter,  # noqa: F401 - re-exported
                            parameter_from_json)


__all__ = ["Space", "Float", "Int", "Categorical", "Parameter", "parameter_from_json"]


class Space:
    """An ordered, immutable set of parameters.

    >>> space = Space.from_json({"x": {"low": -5, "high": 5, "shape": [2]},
    ...                          "lr": {"low": 1e-4, "high": 1e-1, "log": True}})
    >>> space.dimension
    3
    """

    def __init__(self, parameters: Sequence[Parameter]):
        if not isinstance(parameters, (list, tuple)) \
                or not all(isinstance(p, (Float, Int, Categorical)) for p in parameters):
            given = next((p for p in parameters if not isinstance(p, (Float, Int, Categorical))), parameters) \
                if isinstance(parameters, (list, tuple)) else parameters
            raise ArgumentError(f"Space takes a list of parameters (l2l.Float, l2l.Int, l2l.Categorical), got "
                                f"{type(given).__name__} {given!r:.60}")
        if not parameters:
            raise ConfigError("the parameter space is empty: define at least one parameter")
        names = [p.name for p in parameters]
        for name in names:
            if not isinstance(name, str) or not name.isidentifier():
                meant = name.replace(".", "_") if isinstance(name, str) and "." in name else ""
                raise ConfigError(f"parameter name must be a Python identifier, got {name!r}"
                                  + (f": write {meant!r} (a dotted name of the original L2L's individual is one "
                                     f"identifier here)" if meant.isidentifier() else ""))
            if name in _RESERVED:
                raise ConfigError(f"parameter name {name!r} is reserved; reserved names: "
                                  f"{', '.join(sorted(_RESERVED))}")
        if len(set(names)) != len(names):
            raise ConfigError(f"parameter names must be unique, got {names}")
        total = sum(p.size for p in parameters)
        if total > MAX_VALUES:
            largest = max(parameters, key=lambda p: p.size)
            raise ConfigError(f"the space holds {total} values per candidate, more than {MAX_VALUES}; the "
                              f"largest parameter is {largest.name!r} with {largest.size}")
        self.parameters: tuple[Parameter, ...] = tuple(parameters)
        self._slices = []
        start = 0
        for p in self.parameters:
            self._slices.append(slice(start, start + p.size))
            start += p.size
        self.dimension = start
        lows, highs = zip(*(p.code_bounds() for p in self.parameters))
        self.lower = np.concatenate(lows)
        self.upper = np.concatenate(highs)
        # what outside() accepts: the bounds widened by 1e-9 of a range (infinite for an unbounded parameter)
        slack = 1e-9 * (self.upper - self.lower)
        self._widened = (self.lower - slack, self.upper + slack)

    # -- construction and JSON -------------------------------------------------
    @classmethod
    def from_json(cls, data: Mapping[str, Mapping[str, Any]]) -> "Space":
        if not isinstance(data, Mapping):
            raise ConfigError(f"space must be a table of parameters, got {data!r}")
        return cls([parameter_from_json(name, spec) for name, spec in data.items()])

    def to_json(self) -> dict[str, dict[str, Any]]:
        return {p.name: p.to_json() for p in self.parameters}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and self.parameters == other.parameters

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self.parameters)

    def __len__(self) -> int:
        return len(self.parameters)

    def __getitem__(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def __repr__(self) -> str:
        return f"Space({self.to_json()!r})"

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def bounded(self) -> bool:
        return all(p.bounded for p in self.parameters)

    def require_bounded(self, who: str) -> None:
        """Raise a clear error if some parameter has no bounds."""
        for p in self.parameters:
            if not p.bounded:
                raise ConfigError(f"{who} needs finite bounds, but parameter {p.name!r} is unbounded; "
                                  f"give it low and high")

    # -- encoding --------------------------------------------------------------
    def encode(self, values: Mapping[str, Any]) -> np.ndarray:
        missing = [n for n in self.names if n not in values]
        if missing:
            raise ConfigError(f"values miss parameter {missing[0]!r}")
        return np.concatenate([p.encode(values[p.name]) for p in self.parameters])

    def decode(self, vector: np.ndarray) -> dict[str, Any]:
        vector = np.asarray(vector, dtype=float)
        if vector.shape != (self.dimension,):
            raise ValueError(f"expected a vector of length {self.dimension}, got shape {vector.shape}")
        return {p.name: p.decode(vector[s]) for p, s in zip(self.parameters, self._slices)}

    def canonical(self, vector: np.ndarray) -> np.ndarray:
        """The code of the decoded values: rounds ints and categories, clips to bounds."""
        return self.encode(self.decode(vector))

    def outside(self, codes: np.ndarray) -> str | None:
        """None if every row of ``codes`` lies within the bounds (up to 1e-9 of a range, a rounding error), else
        what lies outside, which decoding clips to the bounds: ``2 of 8 candidates (3 values), the first x[1] at
        7.5 above its bound 3`` (codes: a log parameter's as log10)."""
        codes = np.asarray(codes, dtype=float).reshape(-1, self.dimension)
        if (codes >= self._widened[0]).all() and (codes <= self._widened[1]).all():  # an ask per evaluation: quick
            return None
        low, high = codes < self._widened[0], codes > self._widened[1]
        out = low | high
        row, column = (int(i[0]) for i in np.nonzero(out))
        side, bound = ("below", self.lower[column]) if low[row, column] else ("above", self.upper[column])
        parameter = next(p for p, s in zip(self.parameters, self._slices) if s.start <= column < s.stop)
        kind = " (log10 codes)" if getattr(parameter, "log", False) else ""
        rows, values = int(out.any(axis=1).sum()), int(out.sum())
        return (f"{rows} of {len(codes)} candidate{'s' * (len(codes) != 1)} ({values} value{'s' * (values != 1)}) "
                f"outside the space's bounds, the first {self.columns()[column]} at {number(codes[row, column])} "
                f"{side} its bound {number(bound)}{kind}")

    def default(self) -> np.ndarray:
        return np.concatenate([p.default_code() for p in self.parameters])

    def scale(self) -> np.ndarray:
        return np.concatenate([p.code_scale() for p in self.parameters])

    def to_unit(self, vectors: np.ndarray) -> np.ndarray:
        """Map codes of a bounded space to the unit cube."""
        return (np.asarray(vectors, dtype=float) - self.lower) / (self.upper - self.lower)

    def from_unit(self, units: np.ndarray) -> np.ndarray:
        return self.lower + np.clip(units, 0.0, 1.0) * (self.upper - self.lower)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` codes drawn uniformly over a bounded space (log parameters log-uniformly)."""
        self.require_bounded("uniform sampling")
        return self.from_unit(rng.random((n, self.dimension)))

    def slices(self) -> dict[str, slice]:
        return {p.name: s for p, s in zip(self.parameters, self._slices)}

    def columns(self) -> list[str]:
        """Names of the flat columns in the analysis table (``w[0,1]`` for array elements)."""
        return [c for p in self.parameters for c in p.columns()]
