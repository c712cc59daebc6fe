"""Benchmark functions in any dimension, with optional Gaussian noise.

Each takes every numeric parameter of the space, flattened in the space's
order, as the vector ``x`` (so ``x = { low = -5, high = 5, shape = [10] }``
or ten scalar parameters both work), and returns the objective ``value``
(minimized; 0 at the optimum unless stated).
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
from l2l.simulators.base import SimulationResult, Simulator


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


@dataclass(frozen=True)
class _Function(Simulator):
    produces: ClassVar[tuple[str, ...] | None] = ("value",)

    noise: float = option(0.0, help="std of Gaussian noise added to the value (drawn from the seed)", ge=0)

    def check_space(self, space) -> None:
        check_numeric(self.name, space)

    def f(self, x: np.ndarray) -> float:
        raise NotImplementedError

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        value = float(self.f(vector(params)))
        if self.noise:
            value += self.noise * float(np.random.default_rng(seed).standard_normal())
        return SimulationResult(objectives={"value": value})


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

    def f(self, x):
        if x.size < 2:
            return float((1 - x[0]) ** 2)
        return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


@dataclass(frozen=True)
class Ackley(_Function):
    """Ackley: a nearly flat outer region around a deep central hole."""

    name: ClassVar[str] = "ackley"

    def f(self, x):
        d = x.size
        return float(-20 * math.exp(-0.2 * math.sqrt(np.sum(x * x) / d))
                     - math.exp(np.sum(np.cos(2 * np.pi * x)) / d) + 20 + math.e)


@dataclass(frozen=True)
class Griewank(_Function):
    """Griewank: 1 + sum(x_i^2)/4000 - prod(cos(x_i / sqrt(i)))."""

    name: ClassVar[str] = "griewank"

    def f(self, x):
        i = np.arange(1, x.size + 1)
        return float(1 + np.sum(x * x) / 4000 - np.prod(np.cos(x / np.sqrt(i))))


@dataclass(frozen=True)
class StyblinskiTang(_Function):
    """Styblinski-Tang: sum(x^4 - 16 x^2 + 5 x)/2; minimum -39.166 d at x_i = -2.9035."""

    name: ClassVar[str] = "styblinski-tang"

    def f(self, x):
        return float(np.sum(x ** 4 - 16 * x ** 2 + 5 * x) / 2)


@dataclass(frozen=True)
class ZDT1(_Function):
    """ZDT1: two objectives f1, f2 on x in [0, 1]^d; Pareto front f2 = 1 - sqrt(f1)."""

    name: ClassVar[str] = "zdt1"
    produces: ClassVar[tuple[str, ...] | None] = ("f1", "f2")
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("f1"), Objective("f2"))

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

    def run(self, params, seed):
        return {"value": 0.0}


@dataclass(frozen=True)
class Sleep(Simulator):
    """Sleeps, then returns the sphere value: a stand-in for a simulation of known duration.

    With ``sigma = 0`` every evaluation sleeps ``median`` seconds; otherwise the
    duration is log-normal with that median, drawn from the seed.
    """

    name: ClassVar[str] = "sleep"
    produces: ClassVar[tuple[str, ...] | None] = ("value",)

    median: float = option(0.02, help="median sleep in seconds", ge=0)
    sigma: float = option(0.0, help="sigma of the log-normal duration (0: fixed)", ge=0)

    def duration(self, seed: int) -> float:
        if self.sigma == 0:
            return self.median
        return float(self.median * math.exp(self.sigma * np.random.default_rng(seed).standard_normal()))

    def run(self, params, seed):
        seconds = self.duration(seed)
        time.sleep(seconds)
        x = vector(params)
        return SimulationResult(objectives={"value": float(np.sum(x * x))}, metrics={"slept": seconds})
