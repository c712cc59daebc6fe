"""Models for the example configs that use the ``python`` simulator.

``linear_regression`` is the ensemble Kalman filter's example: the parameters
are the weights ``w`` of a linear model, the outputs are its predictions on
a fixed design, and the target (given to the optimizer in the config) is
``design @ TRUE_WEIGHTS``.
"""

from __future__ import annotations

import numpy as np

from l2l.simulators import SimulationResult

TRUE_WEIGHTS = np.array([1.5, -2.0, 0.5, 0.0, 3.0])
DESIGN = np.random.default_rng(2024).normal(size=(12, len(TRUE_WEIGHTS)))


def targets() -> list[float]:
    """The target vector written into examples/optimizers/enkf.toml."""
    return [round(float(v), 6) for v in DESIGN @ TRUE_WEIGHTS]


def linear_regression(params, seed):
    """Predictions of the linear model with weights ``params['w']`` and their mean squared error."""
    prediction = DESIGN @ np.asarray(params["w"], dtype=float)
    mse = float(np.mean((prediction - DESIGN @ TRUE_WEIGHTS) ** 2))
    return SimulationResult(objectives={"value": mse}, outputs=prediction)
