"""Benchmark functions in any dimension, with optional Gaussian noise and a multi-fidelity variant.

Each takes every numeric parameter of the space, flattened in the space's
order, as the vector ``x`` (so ``x = { low = -5, high = 5, shape = [10] }``
or ten scalar parameters both work), and returns the objective ``value``
(minimized; 0 at the optimum unless stated).

With ``fidelity = true`` a function has a synthetic fidelity (``budget``,
whole numbers from ``min_budget`` to ``max_budget``) whose error and noise
shrink as the budget grows (see :mod:`l2l.simulators.fidelity_functions`);
``low_fidelity = "agree"`` or ``"mislead"`` says whether low budgets rank
candidates roughly right or steer towards a wrong optimum. The function is
stateless: its checkpoint is ``{"budget": b}`` and continuing is exact.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.registry import option
from l2l.simulators.base import Fidelity, SimulationResult, Simulator
from l2l.simulators.fidelity_functions import (AGREE, HARTMANN3_A, HARTMANN3_MINIMUM, HARTMANN3_P, HARTMANN6_A,
                                               HARTMANN6_MINIMUM, HARTMANN6_P, HARTMANN_AGREE, HARTMANN_ALPHA,
                                               LOW_FIDELITY, MISLEAD, fidelity_noise, gap_weight, hartmann)
from l2l.simulators.fidelity_tools import segment_start, whole_budget


def vector(params: dict[str, Any]) -> np.ndarray:
    """All numeric parameter values as one flat float vector."""
    parts = []
    for name, value in params.items():
        if isinstance(value, str):
            raise TypeError(f"parameter {name!r} is categorical ({value!r}); benchmark functions need numbers")
        parts.append(np.asarray(value, dtype=float).reshape(-1))
    return np.concatenate(parts) if parts else np.zeros(0)


def check_numeric(name: str, space) -> None:
    for p in space.parameters:
        if p.kind == "categorical" and not all(
                isinstance(c, (int, float)) and not isinstance(c, bool) for c in p.choices):
            raise ConfigError(f"simulator {name!r} needs numeric parameters, but {p.name!r} has choices "
                              f"{list(p.choices)!r}")


#: The options of the multi-fidelity variant (``multi_fidelity = true``), which do nothing without it.
FIDELITY_OPTIONS = ("min_budget", "max_budget", "low_fidelity", "bias", "bias_power", "fidelity_noise", "shift")


@dataclass(frozen=True)
class _Function(Simulator):
    produces: ClassVar[tuple[str, ...] | None] = ("value",)
    returns_outputs: ClassVar[bool | None] = False
    #: Whether ``multi_fidelity = true`` gives this function a fidelity (ZDT1 has no such variant).
    fidelity_variant: ClassVar[bool] = True

    noise: float = option(0.0, help="std of Gaussian noise added to the value (drawn from the seed)", ge=0)
    multi_fidelity: bool = option(False, help="multi-fidelity variant: a budget from min_budget to max_budget "
                                        "whose error and noise shrink as it grows")
    min_budget: int = option(1, help="fidelity: lowest budget", ge=1)
    max_budget: int = option(81, help="fidelity: highest budget (the value is exact there)", ge=1)
    low_fidelity: str = option(AGREE, help="fidelity: low budgets 'agree' (rank roughly right) or "
                                           "'mislead' (favour a displaced optimum)", choices=LOW_FIDELITY)
    bias: float = option(1.0, help="fidelity: size of the error at the lowest budget", ge=0)
    bias_power: float = option(1.0, help="fidelity: the error shrinks as t**bias_power, t = 1 at the lowest "
                                         "budget, 0 at the highest", gt=0)
    fidelity_noise: float = option(0.05, help="fidelity: noise std at the lowest budget, relative to the "
                                             "distance to the minimum", ge=0)
    shift: float = option(3.0, help="fidelity 'mislead': displacement of the low-fidelity optimum on every "
                                    "coordinate")

    def __post_init__(self) -> None:
        if not self.multi_fidelity:  # the fidelity options shape nothing then: a user who set one meant the variant
            import dataclasses

            given = [f for f in dataclasses.fields(self) if f.name in FIDELITY_OPTIONS
                     and getattr(self, f.name) != f.default]
            if given:
                raise ConfigError(f"simulator {self.name!r}: {given[0].name} = {getattr(self, given[0].name)!r} "
                                  f"applies only to the multi-fidelity variant: set multi_fidelity = true, or leave "
                                  f"out {', '.join(f.name for f in given)}")
        if self.multi_fidelity and self.min_budget > self.max_budget:
            raise ConfigError(f"simulator {self.name!r}: min_budget <= max_budget must hold, "
                              f"got (min_budget={self.min_budget}, max_budget={self.max_budget})")

    def check_space(self, space) -> None:
        check_numeric(self.name, space)

    def f(self, x: np.ndarray) -> float:
        raise NotImplementedError

    def minimum(self, x: np.ndarray) -> float:
        """f*, the function's minimum in the dimension of ``x`` (the noise scales with f(x) - f*)."""
        return 0.0

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        value = float(self.f(vector(params)))
        if self.noise:
            value += self.noise * float(np.random.default_rng(seed).standard_normal())
        return SimulationResult(objectives={"value": value})

    # -- multi-fidelity (see l2l.simulators.fidelity_functions) ------------------------------------
    def fidelity(self) -> Fidelity | None:
        """``budget`` (synthetic units), min_budget..max_budget, with ``multi_fidelity = true``; else None."""
        if not self.multi_fidelity:
            return None
        return Fidelity("budget", "synthetic budget units", self.min_budget, self.max_budget, True)

    def biased(self, x: np.ndarray, w: float) -> float:
        """f at x with the low-fidelity error of weight ``w`` (0: exact)."""
        value = self.f(x)
        if w == 0:
            return value
        if self.low_fidelity == MISLEAD:
            return value + 2 * self.bias * w * (self.f(x - self.shift) - value)
        return value + self.bias * w * (value - self.minimum(x))

    def value_at(self, x: np.ndarray, seed: int, budget: int) -> float:
        """The value at ``budget``: a deterministic function of (x, seed, budget)."""
        t = gap_weight(budget, self.min_budget, self.max_budget)
        value = self.biased(x, t ** self.bias_power)
        if self.fidelity_noise and t > 0:
            value += self.fidelity_noise * t * abs(self.f(x) - self.minimum(x)) * fidelity_noise(seed, budget)
        if self.noise:
            value += self.noise * float(np.random.default_rng(seed).standard_normal())
        return float(value)

    def run_to(self, params: dict[str, Any], seed: int, budget: float, checkpoint) -> SimulationResult:
        fidelity = self.fidelity()
        if fidelity is None:
            raise ValueError(f"simulator {self.name!r} has no fidelity; set its option multi_fidelity = true")
        budget = whole_budget(fidelity, budget, self.name)
        start = segment_start(checkpoint, budget, self.name)
        x = vector(params)
        points = [[b, self.value_at(x, seed, b)] for b in range(int(start) + 1, budget + 1)]
        return SimulationResult(objectives={"value": points[-1][1]}, curve={"value": points},
                                checkpoint={"simulator": self.name, "budget": budget})


@dataclass(frozen=True)
class Sphere(_Function):
    """Sphere: sum of x_i^2."""

    name: ClassVar[str] = "sphere"

    def f(self, x):
        return float(np.sum(x * x))


@dataclass(frozen=True)
class Rastrigin(_Function):
    """Rastrigin: 10 d + sum(x_i^2 - 10 cos(2 pi x_i)); many regular local minima."""

    name: ClassVar[str] = "rastrigin"

    def f(self, x):
        return float(10 * x.size + np.sum(x * x - 10 * np.cos(2 * np.pi * x)))


@dataclass(frozen=True)
class Rosenbrock(_Function):
    """Rosenbrock: sum(100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2); a curved valley, optimum at 1."""

    name: ClassVar[str] = "rosenbrock"

    shift: float = option(-2.0, help="fidelity 'mislead': displacement of the low-fidelity optimum on every "
                                     "coordinate")

    def f(self, x):
        if x.size < 2:
            return float((1 - x[0]) ** 2)
        return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


@dataclass(frozen=True)
class Ackley(_Function):
    """Ackley: a nearly flat outer region around a deep central hole."""

    name: ClassVar[str] = "ackley"

    shift: float = option(16.0, help="fidelity 'mislead': displacement of the low-fidelity optimum on every "
                                     "coordinate")

    def f(self, x):
        d = x.size
        return float(-20 * math.exp(-0.2 * math.sqrt(np.sum(x * x) / d))
                     - math.exp(np.sum(np.cos(2 * np.pi * x)) / d) + 20 + math.e)


@dataclass(frozen=True)
class Griewank(_Function):
    """Griewank: 1 + sum(x_i^2)/4000 - prod(cos(x_i / sqrt(i)))."""

    name: ClassVar[str] = "griewank"

    shift: float = option(300.0, help="fidelity 'mislead': displacement of the low-fidelity optimum on every "
                                      "coordinate")

    def f(self, x):
        i = np.arange(1, x.size + 1)
        return float(1 + np.sum(x * x) / 4000 - np.prod(np.cos(x / np.sqrt(i))))


@dataclass(frozen=True)
class StyblinskiTang(_Function):
    """Styblinski-Tang: sum(x^4 - 16 x^2 + 5 x)/2; minimum -39.166 d at x_i = -2.9035."""

    name: ClassVar[str] = "styblinski-tang"

    shift: float = option(5.6, help="fidelity 'mislead': displacement of the low-fidelity optimum on every "
                                    "coordinate")

    def f(self, x):
        return float(np.sum(x ** 4 - 16 * x ** 2 + 5 * x) / 2)

    def minimum(self, x):
        return -39.16616570377142 * x.size


@dataclass(frozen=True)
class _Hartmann(_Function):
    a: ClassVar[np.ndarray]
    p: ClassVar[np.ndarray]
    best: ClassVar[float]

    shift: float = option(0.4, help="fidelity 'mislead': displacement of the low-fidelity optimum on every "
                                    "coordinate")
    fidelity_noise: float = option(0.02, help="fidelity: noise std at the lowest budget, relative to the "
                                              "distance to the minimum", ge=0)

    def check_space(self, space) -> None:
        super().check_space(space)
        size = sum(p.size for p in space.parameters)
        if size != self.a.shape[1]:
            raise ConfigError(f"simulator {self.name!r} takes {self.a.shape[1]} numbers in [0, 1], "
                              f"the space has {size}")

    def f(self, x):
        return hartmann(self._checked(x), self.a, self.p)

    def _checked(self, x: np.ndarray) -> np.ndarray:
        if x.size != self.a.shape[1]:
            raise ValueError(f"{self.name} takes {self.a.shape[1]} numbers, got {x.size}")
        return x

    def minimum(self, x):
        return self.best

    def biased(self, x, w):
        if w == 0 or self.low_fidelity == MISLEAD:
            return super().biased(x, w)
        alpha = HARTMANN_ALPHA + self.bias * w * HARTMANN_AGREE
        return hartmann(self._checked(x), self.a, self.p, alpha)


@dataclass(frozen=True)
class Hartmann3(_Hartmann):
    """Hartmann 3-D on [0, 1]^3: four Gaussian bumps; minimum -3.86278 at (0.1146, 0.5556, 0.8525)."""

    name: ClassVar[str] = "hartmann3"
    a: ClassVar[np.ndarray] = HARTMANN3_A
    p: ClassVar[np.ndarray] = HARTMANN3_P
    best: ClassVar[float] = HARTMANN3_MINIMUM[0]


@dataclass(frozen=True)
class Hartmann6(_Hartmann):
    """Hartmann 6-D on [0, 1]^6: four Gaussian bumps; minimum -3.32237 at (0.2017, 0.1500, 0.4769,
    0.2753, 0.3117, 0.6573)."""

    name: ClassVar[str] = "hartmann6"
    a: ClassVar[np.ndarray] = HARTMANN6_A
    p: ClassVar[np.ndarray] = HARTMANN6_P
    best: ClassVar[float] = HARTMANN6_MINIMUM[0]


@dataclass(frozen=True)
class ZDT1(_Function):
    """ZDT1: two objectives f1, f2 on x in [0, 1]^d; Pareto front f2 = 1 - sqrt(f1)."""

    name: ClassVar[str] = "zdt1"
    produces: ClassVar[tuple[str, ...] | None] = ("f1", "f2")
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("f1"), Objective("f2"))
    fidelity_variant: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if self.multi_fidelity:
            raise ConfigError("simulator 'zdt1' has no multi-fidelity variant; remove multi_fidelity = true")

    def run(self, params, seed):
        x = np.clip(vector(params), 0.0, 1.0)
        f1 = float(x[0])
        g = 1 + 9 * float(np.sum(x[1:])) / max(x.size - 1, 1)
        f2 = g * (1 - math.sqrt(f1 / g))
        if self.noise:
            f1, f2 = np.array([f1, f2]) + self.noise * np.random.default_rng(seed).standard_normal(2)
        return SimulationResult(objectives={"f1": float(f1), "f2": float(f2)})


@dataclass(frozen=True)
class NoOp(Simulator):
    """Does nothing and returns 0: measures the framework's own overhead."""

    name: ClassVar[str] = "noop"
    produces: ClassVar[tuple[str, ...] | None] = ("value",)
    returns_outputs: ClassVar[bool | None] = False

    def run(self, params, seed):
        return {"value": 0.0}


@dataclass(frozen=True)
class Sleep(Simulator):
    """Sleeps, then returns the sphere value: a stand-in for a simulation of known duration.

    With ``sigma = 0`` every evaluation sleeps ``median`` seconds; otherwise the
    duration is log-normal with that median, drawn from the seed.

    Fidelity ``units`` (whole numbers, ``min_budget`` to ``max_budget``): a
    segment from budget b0 to b sleeps ``(b - b0) * seconds_per_unit`` (times
    the seed's log-normal factor when ``sigma > 0``; ``seconds_per_unit = 0``
    means ``median / max_budget``) and returns
    ``value = |x|^2 + (1 + |x|^2) * (1 - b / max_budget)``, which improves with
    the budget and equals the single-fidelity value at ``max_budget``. The
    checkpoint is ``{"budget": b}``: continuing sleeps only the difference
    (the metric ``slept`` is the whole sleep up to ``b``, as if run at once).
    """

    name: ClassVar[str] = "sleep"
    produces: ClassVar[tuple[str, ...] | None] = ("value",)
    returns_outputs: ClassVar[bool | None] = False

    median: float = option(0.02, help="median sleep in seconds", ge=0, le=1e9)
    sigma: float = option(0.0, help="sigma of the log-normal duration (0: fixed)", ge=0)
    seconds_per_unit: float = option(0.0, help="fidelity: seconds slept per budget unit (0: median / max_budget)", ge=0)
    min_budget: int = option(1, help="fidelity: lowest budget", ge=1)
    max_budget: int = option(81, help="fidelity: highest budget", ge=1)

    def __post_init__(self) -> None:
        if self.min_budget > self.max_budget:
            raise ConfigError(f"simulator 'sleep': min_budget <= max_budget must hold, "
                              f"got (min_budget={self.min_budget}, max_budget={self.max_budget})")

    def check_space(self, space) -> None:
        check_numeric(self.name, space)  # its value is the sphere's: a word cannot be squared

    def duration(self, seed: int) -> float:
        if self.sigma == 0:
            return self.median
        return float(self.median * math.exp(self.sigma * np.random.default_rng(seed).standard_normal()))

    def run(self, params, seed):
        seconds = self.duration(seed)
        time.sleep(seconds)
        x = vector(params)
        return SimulationResult(objectives={"value": float(np.sum(x * x))}, metrics={"slept": seconds})

    def fidelity(self) -> Fidelity:
        return Fidelity("units", "sleep units", self.min_budget, self.max_budget, True)

    def seconds_to(self, seed: int, budget: float) -> float:
        """Seconds a candidate has slept once it reached ``budget`` (``duration`` at ``max_budget``)."""
        if not self.seconds_per_unit:
            return self.duration(seed) * (budget / self.max_budget)
        factor = self.duration(seed) / self.median if self.sigma and self.median else 1.0
        return budget * self.seconds_per_unit * factor

    def value_at(self, x: np.ndarray, budget: float) -> float:
        square = float(np.sum(x * x))
        return square + (1.0 + square) * (1.0 - budget / self.max_budget)

    def run_to(self, params, seed, budget, checkpoint) -> SimulationResult:
        budget = whole_budget(self.fidelity(), budget, self.name)
        start = segment_start(checkpoint, budget, self.name)
        time.sleep(self.seconds_to(seed, budget) - self.seconds_to(seed, start))
        x = vector(params)
        points = [[b, self.value_at(x, b)] for b in range(int(start) + 1, budget + 1)]
        return SimulationResult(objectives={"value": points[-1][1]}, metrics={"slept": self.seconds_to(seed, budget)},
                                curve={"value": points}, checkpoint={"simulator": self.name, "budget": budget})
