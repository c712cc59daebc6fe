"""A black-box test suite in the spirit of COCO's BBOB: shifted, partly rotated and ill-conditioned functions.

Every function is minimized over the box [-5, 5]^d, with its optimum value 0 at a
point drawn uniformly in [-4, 4]^d for each instance; rotations are random
orthogonal matrices drawn for each instance. ``precision`` is the log10 of the
best value found (the distance to the optimum value), floored at -8: lower is
better. Written for this repository from the textbook definitions of the
functions; no code from COCO.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

LOW, HIGH = -5.0, 5.0
FLOOR = 1e-8


def _ill(d: int, condition: float) -> np.ndarray:
    return condition ** (np.arange(d) / max(d - 1, 1))


def sphere(z):
    return np.sum(z ** 2, axis=1)


def ellipsoid(z):
    return np.sum(_ill(z.shape[1], 1e6) * z ** 2, axis=1)


def rastrigin(z):
    return 10 * z.shape[1] + np.sum(z ** 2 - 10 * np.cos(2 * np.pi * z), axis=1)


def skew_rastrigin(z):
    scaled = np.where(z > 0, 10.0, 1.0) * _ill(z.shape[1], 10.0) ** 0.5 * z
    return rastrigin(scaled)


def attractive_sector(z):
    weights = np.where(z > 0, 100.0, 1.0)
    return np.sum((weights * z) ** 2 * _ill(z.shape[1], 10.0), axis=1) ** 0.9


def step_ellipsoid(z):
    rounded = np.where(np.abs(z) > 0.5, np.round(z), np.round(10 * z) / 10)
    return 0.1 * np.maximum(np.abs(z[:, 0]) / 1e4, np.sum(_ill(z.shape[1], 100.0) * rounded ** 2, axis=1))


def rosenbrock(z):
    x = z + 1.0
    return np.sum(100 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (1 - x[:, :-1]) ** 2, axis=1)


def discus(z):
    return 1e6 * z[:, 0] ** 2 + np.sum(z[:, 1:] ** 2, axis=1)


def bent_cigar(z):
    return z[:, 0] ** 2 + 1e6 * np.sum(z[:, 1:] ** 2, axis=1)


def sharp_ridge(z):
    return z[:, 0] ** 2 + 100 * np.sqrt(np.sum(z[:, 1:] ** 2, axis=1))


def different_powers(z):
    powers = 2 + 4 * np.arange(z.shape[1]) / max(z.shape[1] - 1, 1)
    return np.sqrt(np.sum(np.abs(z) ** powers, axis=1))


def schaffer(z):
    s = np.sqrt(z[:, :-1] ** 2 + z[:, 1:] ** 2)
    return np.mean(np.sqrt(s) + np.sqrt(s) * np.sin(50 * s ** 0.2) ** 2, axis=1) ** 2


def griewank_rosenbrock(z):
    x = np.maximum(1.0, np.sqrt(z.shape[1]) / 8) * z + 1.0
    s = 100 * (x[:, :-1] ** 2 - x[:, 1:]) ** 2 + (x[:, :-1] - 1) ** 2
    return 10 * np.mean(s / 4000 - np.cos(s), axis=1) + 10


def ackley(z):
    d = z.shape[1]
    return (-20 * np.exp(-0.2 * np.sqrt(np.sum(z ** 2, axis=1) / d))
            - np.exp(np.sum(np.cos(2 * np.pi * z), axis=1) / d) + 20 + np.e)


def katsuura_like(z):
    # A rugged but smooth-enough landscape: a sphere plus many small ripples.
    return np.sum(z ** 2, axis=1) + np.sum(1 - np.cos(8 * np.pi * z), axis=1) / 4


@dataclass(frozen=True)
class Function:
    name: str
    base: Callable[[np.ndarray], np.ndarray]
    rotated: bool


FUNCTIONS = [
    Function("sphere", sphere, False),
    Function("ellipsoid", ellipsoid, False),
    Function("rastrigin", rastrigin, False),
    Function("skew-rastrigin", skew_rastrigin, False),
    Function("attractive-sector", attractive_sector, True),
    Function("step-ellipsoid", step_ellipsoid, True),
    Function("rosenbrock", rosenbrock, False),
    Function("rotated-rosenbrock", rosenbrock, True),
    Function("rotated-ellipsoid", ellipsoid, True),
    Function("discus", discus, True),
    Function("bent-cigar", bent_cigar, True),
    Function("sharp-ridge", sharp_ridge, True),
    Function("different-powers", different_powers, True),
    Function("rotated-rastrigin", rastrigin, True),
    Function("schaffer", schaffer, True),
    Function("griewank-rosenbrock", griewank_rosenbrock, True),
    Function("ackley", ackley, True),
    Function("rippled-sphere", katsuura_like, True),
]


class Instance:
    """One instance of a function in dimension d: a shift, maybe a rotation, optimum value 0."""

    def __init__(self, function: Function, dimension: int, instance: int):
        rng = np.random.default_rng([zlib.crc32(function.name.encode()), dimension, instance])
        self.function = function
        self.optimum = rng.uniform(-4, 4, dimension)
        if function.rotated:
            q, r = np.linalg.qr(rng.normal(size=(dimension, dimension)))
            self.rotation = q * np.sign(np.diag(r))
        else:
            self.rotation = np.eye(dimension)
        self.offset = 0.0
        self.offset = float(np.min(self(self.optimum[None, :])))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        z = (np.atleast_2d(x) - self.optimum) @ self.rotation.T
        return self.function.base(z) - self.offset


def precision(best: float) -> float:
    return float(np.log10(max(best, FLOOR)))
