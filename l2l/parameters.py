"""The parameters a space is made of: Float (optionally log-scale or an array), Int, Categorical.

Each is a small validated value object that round-trips through JSON and knows
its encoding as flat float coordinates (see :mod:`l2l.space`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from l2l import foreign
from l2l.errors import ConfigError

#: Most values one candidate may hold (all parameters together): a space larger than this is refused
#: before anything allocates memory for it.
MAX_VALUES = 1_000_000
#: Most dimensions of a float parameter's shape: the trajectory stores it with one more (its rows), and HDF5 holds
#: at most 32 (a 32-dimensional shape passed the config and the dry run, then failed creating the run's file with
#: "ValueError: Chunk dimensionality is too large").
MAX_DIMENSIONS = 31
#: Largest magnitude of an int parameter's bounds: its codes are float64, exact up to 2**53.
MAX_INT = 2 ** 53


def plain(value: Any) -> Any:
    """``value`` with numpy's scalars and arrays as the Python numbers, booleans, texts and lists they hold, inside
    tables and lists too: ``np.int64(3)`` is 3, ``np.array([2, 3])`` is ``[2, 3]``. A value a caller computed with
    numpy is taken where a number is meant (``generations=np.int64(3)`` was refused as no integer, and a
    ``np.float64`` low with an ``np.int64`` high refused a parameter), and an array is refused as the list it is
    (as a run.mode it raised numpy's "truth value of an array is ambiguous" from inside the check)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(item) for item in value) if type(value) in (list, tuple) else value
    return value


def _number(name: str, key: str, value: Any) -> float:
    value = plain(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        log = " (a log scale is log = true; scale is the spread of an unbounded parameter)" \
            if key == "scale" and isinstance(value, str) and "log" in value.lower() else ""
        raise ConfigError(f"parameter {name!r}: {key} must be a number, got {value!r}{log}")
    return float(value)


@dataclass(frozen=True)
class Float:
    """A real parameter, optionally an array of fixed shape, optionally on a log scale.

    ``low``/``high`` may be omitted for an unbounded parameter; it then needs a
    ``default`` and a ``scale`` (the spread optimizers start from).
    """

    name: str
    low: float | None = None
    high: float | None = None
    default: float | None = None
    log: bool = False
    shape: tuple[int, ...] = ()
    scale: float | None = None

    kind = "float"

    def __post_init__(self) -> None:
        for key in ("low", "high", "default", "scale"):
            value = getattr(self, key)
            if value is not None:
                object.__setattr__(self, key, _number(self.name, key, value))
        object.__setattr__(self, "log", plain(self.log))
        if not isinstance(self.log, bool):
            raise ConfigError(f"parameter {self.name!r}: log must be true or false, got {self.log!r}"
                              + (" (TOML's true or false, without quotes)" if isinstance(self.log, str) else ""))
        shape = plain(self.shape)
        if isinstance(shape, int) and not isinstance(shape, bool):
            shape = (shape,)
        if not isinstance(shape, (tuple, list)) or not all(
                isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in shape):
            raise ConfigError(
                f"parameter {self.name!r}: shape must be a list of positive integers, got {self.shape!r}")
        object.__setattr__(self, "shape", tuple(shape))
        if len(self.shape) > MAX_DIMENSIONS:
            raise ConfigError(f"parameter {self.name!r}: shape may have at most {MAX_DIMENSIONS} dimensions (the "
                              f"trajectory file stores at most 32 with the rows), got {len(self.shape)}")
        if math.prod(self.shape) > MAX_VALUES:
            raise ConfigError(f"parameter {self.name!r}: shape {list(self.shape)} holds "
                              f"{math.prod(self.shape)} values, more than the {MAX_VALUES} a candidate may hold")
        if (self.low is None) != (self.high is None):
            raise ConfigError(
                f"parameter {self.name!r}: give both low and high or neither, "
                f"got (low={self.low}, high={self.high})")
        if self.low is not None:
            if not (math.isfinite(self.low) and math.isfinite(self.high)):
                raise ConfigError(f"parameter {self.name!r}: bounds must be finite, "
                                  f"got (low={self.low}, high={self.high})")
            if not self.low < self.high:
                raise ConfigError(f"parameter {self.name!r}: low < high must hold, "
                                  f"got (low={self.low}, high={self.high})")
            if not math.isfinite(self.high - self.low):  # every candidate would be drawn at a bound
                raise ConfigError(f"parameter {self.name!r}: the width high - low overflows a float, "
                                  f"got (low={self.low}, high={self.high}); use a narrower range, or log = true "
                                  f"for one spanning many orders of magnitude")
            if self.log and self.low <= 0:
                raise ConfigError(f"parameter {self.name!r}: a log-scale parameter needs low > 0, "
                                  f"got low={self.low}")
            if self.default is not None and not self.low <= self.default <= self.high:
                raise ConfigError(f"parameter {self.name!r}: default must lie in [low, high], "
                                  f"got default={self.default} for [{self.low}, {self.high}]")
        else:
            if self.default is None or self.scale is None:
                raise ConfigError(
                    f"parameter {self.name!r}: an unbounded parameter needs a default and a scale")
            if self.log and self.default <= 0:
                raise ConfigError(f"parameter {self.name!r}: a log-scale parameter needs default > 0")
        if self.scale is not None and not self.scale > 0:
            raise ConfigError(f"parameter {self.name!r}: scale must be > 0, got {self.scale}")

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def bounded(self) -> bool:
        return self.low is not None

    def _to_code(self, value: Any) -> np.ndarray:
        arr = np.asarray(value, dtype=float).reshape(-1)
        return np.log10(arr) if self.log else arr

    def encode(self, value: Any) -> np.ndarray:
        arr = np.asarray(value, dtype=float)
        if arr.shape != self.shape:
            raise ConfigError(f"parameter {self.name!r}: value must have shape {self.shape}, got {arr.shape}")
        return self._to_code(arr)

    def decode(self, codes: np.ndarray) -> Any:
        if not self.shape and not self.log:  # a scalar: the clip below without numpy's per-call cost (the same value)
            value = float(codes[0])
            return float(min(max(value, self.low), self.high)) if self.bounded else value
        values = np.power(10.0, codes) if self.log else np.asarray(codes, dtype=float)
        if self.bounded:
            values = np.clip(values, self.low, self.high)
        if not self.shape:
            return float(values[0])
        return values.reshape(self.shape).copy()

    def code_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.bounded:
            return np.full(self.size, -np.inf), np.full(self.size, np.inf)
        low, high = (math.log10(self.low), math.log10(self.high)) if self.log else (self.low, self.high)
        return np.full(self.size, low), np.full(self.size, high)

    def default_code(self) -> np.ndarray:
        if self.default is not None:
            return self._to_code(np.full(self.size, self.default))
        low, high = self.code_bounds()
        return (low + high) / 2

    def code_scale(self) -> np.ndarray:
        """A natural step size in code units (a quarter of the range, or ``scale``)."""
        if self.scale is not None:
            step = abs(math.log10(1 + self.scale / max(abs(self.default or 1.0), 1e-12))) \
                if self.log else self.scale
            return np.full(self.size, step)
        low, high = self.code_bounds()
        return (high - low) / 4

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "float"}
        for key in ("low", "high", "default", "scale"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.log:
            out["log"] = True
        if self.shape:
            out["shape"] = list(self.shape)
        return out

    def columns(self) -> list[str]:
        if not self.shape:
            return [self.name]
        return [f"{self.name}[{','.join(map(str, idx))}]" for idx in np.ndindex(*self.shape)]


@dataclass(frozen=True)
class Int:
    """An integer parameter in ``[low, high]`` (both included)."""

    name: str
    low: int = 0
    high: int = 1
    default: int | None = None
    log: bool = False

    kind = "int"
    shape = ()
    size = 1
    bounded = True

    def __post_init__(self) -> None:
        for key in ("low", "high", "default"):
            value = plain(getattr(self, key))
            if value is None and key == "default":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or (isinstance(value, float) and not value.is_integer()):
                raise ConfigError(f"parameter {self.name!r}: {key} must be an integer, got {value!r}")
            if abs(value) > MAX_INT:  # codes are floats: larger integers would not round-trip
                raise ConfigError(f"parameter {self.name!r}: {key} must lie in [-2**53, 2**53], got {value!r}")
            object.__setattr__(self, key, int(value))
        object.__setattr__(self, "log", plain(self.log))
        if not isinstance(self.log, bool):  # as for Float: log = "no" (truthy) would have put it on a log scale
            raise ConfigError(f"parameter {self.name!r}: log must be true or false, got {self.log!r}"
                              + (" (TOML's true or false, without quotes)" if isinstance(self.log, str) else ""))
        if not self.low <= self.high:
            raise ConfigError(f"parameter {self.name!r}: low <= high must hold, "
                              f"got (low={self.low}, high={self.high})")
        if self.log and self.low <= 0:
            raise ConfigError(f"parameter {self.name!r}: a log-scale parameter needs low > 0, got low={self.low}")
        if self.default is not None and not self.low <= self.default <= self.high:
            raise ConfigError(f"parameter {self.name!r}: default must lie in [low, high], "
                              f"got default={self.default} for [{self.low}, {self.high}]")

    def encode(self, value: Any) -> np.ndarray:
        v = float(value)
        return np.array([math.log10(v) if self.log else v])

    def decode(self, codes: np.ndarray) -> int:
        v = float(codes[0])
        v = 10.0 ** v if self.log else v
        return int(min(max(round(v), self.low), self.high))

    def code_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        # Widen by half a step so that every integer owns an equal share of the range.
        if self.log:
            return (np.array([math.log10(max(self.low - 0.5, self.low * 0.5))]),
                    np.array([math.log10(self.high + 0.5)]))
        return np.array([self.low - 0.5 + 1e-9]), np.array([self.high + 0.5 - 1e-9])

    def default_code(self) -> np.ndarray:
        if self.default is not None:
            return self.encode(self.default)
        low, high = self.code_bounds()
        return (low + high) / 2

    def code_scale(self) -> np.ndarray:
        low, high = self.code_bounds()
        return (high - low) / 4

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "int", "low": self.low, "high": self.high}
        if self.default is not None:
            out["default"] = self.default
        if self.log:
            out["log"] = True
        return out

    def columns(self) -> list[str]:
        return [self.name]


@dataclass(frozen=True)
class Categorical:
    """One of a list of choices (strings, numbers or booleans)."""

    name: str
    choices: tuple[Any, ...] = field(default_factory=tuple)
    default: Any = None

    kind = "categorical"
    shape = ()
    size = 1
    bounded = True

    def __post_init__(self) -> None:
        choices = plain(self.choices)
        object.__setattr__(self, "default", plain(self.default))
        if not isinstance(choices, (list, tuple)) or len(choices) == 0:
            raise ConfigError(f"parameter {self.name!r}: choices must be a non-empty list, got {choices!r}")
        for c in choices:
            if not isinstance(c, (str, int, float, bool)):
                raise ConfigError(f"parameter {self.name!r}: choices must be strings, numbers or booleans, "
                                  f"got {c!r}")
        if len({(type(c), c) for c in choices}) != len(choices):
            raise ConfigError(f"parameter {self.name!r}: choices must be unique, got {list(choices)!r}")
        object.__setattr__(self, "choices", tuple(choices))
        if self.default is not None and not any(type(c) is type(self.default) and c == self.default
                                                for c in self.choices):
            # matched as index() matches values: 1.0 or true is no choice 1 (a choice list may hold both)
            same = [c for c in self.choices if c == self.default]
            hint = (f" ({type(self.default).__name__} {self.default!r} is not the {type(same[0]).__name__} "
                    f"choice {same[0]!r}: write the default as the choice is written)") if same else ""
            raise ConfigError(f"parameter {self.name!r}: default must be one of {list(self.choices)!r}, "
                              f"got {self.default!r}{hint}")

    def index(self, value: Any) -> int:
        for i, c in enumerate(self.choices):
            if type(c) is type(value) and c == value:
                return i
        raise ConfigError(f"parameter {self.name!r}: {value!r} is not one of {list(self.choices)!r}")

    def encode(self, value: Any) -> np.ndarray:
        return np.array([float(self.index(value))])

    def decode(self, codes: np.ndarray) -> Any:
        i = int(min(max(round(float(codes[0])), 0), len(self.choices) - 1))
        return self.choices[i]

    def code_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array([-0.5 + 1e-9]), np.array([len(self.choices) - 0.5 - 1e-9])

    def default_code(self) -> np.ndarray:
        if self.default is not None:
            return self.encode(self.default)
        return np.array([(len(self.choices) - 1) / 2])

    def code_scale(self) -> np.ndarray:
        return np.array([len(self.choices) / 4])

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "categorical", "choices": list(self.choices)}
        if self.default is not None:
            out["default"] = self.default
        return out

    def columns(self) -> list[str]:
        return [self.name]


Parameter = Float | Int | Categorical
_KINDS = {"float": Float, "int": Int, "categorical": Categorical}
_KEYS = {
    "float": {"type", "low", "high", "default", "log", "shape", "scale"},
    "int": {"type", "low", "high", "default", "log"},
    "categorical": {"type", "choices", "default"},
}


_LOG = "(the values themselves, not their logarithms as Hyperopt's)"
_NO_STEP = "(l2l has no step q: round in your function, or count the steps with an int parameter)"
#: What to write for the types of Ray Tune, Optuna and Hyperopt (their names, lowercased, '-' and '_' dropped and
#: Optuna's 'suggest_' prefix too): they were refused with the list of l2l's types only, which named no way to
#: say "log-uniform".
_FOREIGN_TYPES = {
    **dict.fromkeys(("uniform", "real", "double", "continuous", "number"), 'type = "float" with low and high'),
    **dict.fromkeys(("loguniform", "reciprocal", "logfloat", "log"),
                    f'type = "float" with log = true, low and high {_LOG}'),
    **dict.fromkeys(("quniform", "discreteuniform"), f'type = "float" with low and high {_NO_STEP}'),
    **dict.fromkeys(("qloguniform",), f'type = "float" with log = true, low and high {_NO_STEP}'),
    **dict.fromkeys(("integer", "randint", "integeruniform", "intuniform", "discrete"),
                    'type = "int" with low and high (high included: randint(0, 10) is low = 0, high = 9)'),
    **dict.fromkeys(("qrandint",), f'type = "int" with low and high, high included {_NO_STEP}'),
    **dict.fromkeys(("lograndint", "logint", "intlog", "qlograndint", "intloguniform"),
                    'type = "int" with log = true, low and high, high included'),
    **dict.fromkeys(("choice", "choices", "category", "categories", "enum", "gridsearch", "grid", "str", "string",
                     "pchoice"), 'type = "categorical" with choices = [...]'),
    **dict.fromkeys(("bool", "boolean"), 'type = "categorical" with choices = [true, false]'),
    # numpy's and C's names of a number's width: l2l's float is a float64, its int a Python int
    **dict.fromkeys(("float16", "float32", "float64", "fp32", "fp64", "single", "f4", "f8"),
                    'type = "float" with low and high'),
    **dict.fromkeys(("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "long", "i4", "i8"),
                    'type = "int" with low and high'),
    **dict.fromkeys(("randn", "qrandn", "normal", "gaussian"),
                    'type = "float" with low and high (l2l has no normal distribution: bound it, e.g. mean +/- 3 sd)'),
    **dict.fromkeys(("samplefrom", "function", "lambda"),
                    'type = "float", "int" or "categorical" (l2l has no sample_from: the space is fixed before the '
                    'run; a value computed from others belongs in your function)'),
}

#: Other libraries' keys of a parameter, and what l2l calls them.
_FOREIGN_KEYS = {
    **dict.fromkeys(("q", "step"), _NO_STEP),
    **dict.fromkeys(("lower", "min", "minimum"), "(the lower bound is low)"),
    **dict.fromkeys(("upper", "max", "maximum"), "(the upper bound is high)"),
    **dict.fromkeys(("values", "options", "categories"), '(a categorical parameter\'s are its choices = [...])'),
    "choices": '(choices belong to a categorical parameter: type = "categorical")',
    **dict.fromkeys(("log_scale", "logscale", "use_log", "distribution", "sampling", "prior"),
                    "(a log scale is log = true)"),
}


def _foreign_type(kind: str) -> str | None:
    """What to write instead of another library's parameter type (or of l2l's own in capitals), or None."""
    key = kind.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    key = key.removeprefix("suggest").removeprefix("tune.").removeprefix("hp.")
    key = key.removeprefix("optuna.distributions.").removesuffix("distribution")   # Optuna's FloatDistribution
    if key in _KINDS:
        return f'type = "{key}"'
    return _FOREIGN_TYPES.get(key) or foreign.space_type_hint(kind)   # ConfigSpace's UniformFloatHyperparameter


def _bounds_hint(key: Any, value: Any) -> str:
    """'(write low = 0, high = 1)' for ``bounds = [0, 1]`` (or range, limits, domain, interval): a newcomer's pair
    of bounds was refused with the allowed keys only."""
    if not isinstance(key, str) or key.lower() not in ("bounds", "bound", "range", "limits", "domain", "interval"):
        return ""
    pair = plain(value)
    if (isinstance(pair, (list, tuple)) and len(pair) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)):
        return f"(write low = {pair[0]!r}, high = {pair[1]!r})"
    return "(the bounds are low and high)"


def parameter_from_json(name: str, data: Mapping[str, Any]) -> Parameter:
    """Build one parameter from its JSON/TOML table; raise :class:`ConfigError` if invalid."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"parameter {name!r}: expected a table such as "
                          f"{{ type = \"float\", low = 0, high = 1 }}, got {data!r}{foreign.space_value_hint(data)}")
    kind = data.get("type", "float")
    if not isinstance(kind, str) or kind not in _KINDS:
        hint = _foreign_type(kind) if isinstance(kind, str) else None
        raise ConfigError(f"parameter {name!r}: type must be one of {sorted(_KINDS)}, got {kind!r}"
                          + (f"; write {hint}" if hint else ""))
    unknown = set(data) - _KEYS[kind]
    # a table of a parameter's keys (its type may be left out: float), where the parameter's own keys belong
    nested = sorted(k for k, v in data.items() if isinstance(v, Mapping) and set(v) & set().union(*_KEYS.values())
                    and "type" not in data)
    if nested:  # layer.weights = {...}: TOML reads a dotted key as a table 'layer' holding 'weights'
        raise ConfigError(f"parameter {name!r} holds another parameter's table ({nested[0]!r}): the dotted key "
                          f"{name}.{nested[0]} is a table in TOML; name it without a dot, e.g. {name}_{nested[0]}")
    if unknown:
        key = sorted(unknown)[0]
        hint = (_FOREIGN_KEYS.get(key.lower(), "") or foreign.space_key_hint(key)) if isinstance(key, str) else ""
        hint = hint or _bounds_hint(key, data[key])
        raise ConfigError(f"parameter {name!r}: unknown key {key!r} for type {kind!r}; "
                          f"allowed: {', '.join(sorted(_KEYS[kind]))}" + (f" {hint}" if hint else ""))
    kwargs = {k: v for k, v in data.items() if k != "type"}
    if kind in ("float", "int") and "low" not in kwargs and kind == "int":
        raise ConfigError(f"parameter {name!r}: an int parameter needs low and high")
    if kind == "int" and "high" not in kwargs:
        raise ConfigError(f"parameter {name!r}: an int parameter needs low and high")
    if kind == "categorical" and "choices" not in kwargs:
        raise ConfigError(f"parameter {name!r}: a categorical parameter needs choices")
    if "shape" in kwargs and isinstance(kwargs["shape"], list):
        kwargs["shape"] = tuple(kwargs["shape"])
    if "choices" in kwargs and isinstance(kwargs["choices"], list):
        kwargs["choices"] = tuple(kwargs["choices"])
    return _KINDS[kind](name=name, **kwargs)
