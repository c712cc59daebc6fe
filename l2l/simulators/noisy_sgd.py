"""A learner whose best learning rate changes while it learns: stochastic gradient descent on a quadratic.

``noisy-sgd`` minimizes ``L(x) = 1/2 sum_i a_i x_i^2`` (``dimension`` curvatures
``a_i`` log-spaced from 0.1 to ``max_curvature``, start ``x_i = 3``) by
momentum SGD with gradients ``a_i x_i + noise * N(0, 1)``. A large learning rate
makes fast progress early but stalls at a loss floor proportional to it; a
small one reaches a lower floor but slowly; so at a fixed number of steps a
falling learning rate beats every constant one, which is what
population-based training should discover (the textbook case of Jaderberg et
al. 2017 and of learning-rate schedules in general). The best constant rate
and the gain of a schedule are measured in ``benchmarks/pbt.py``.

Fidelity: training ``steps`` (1 to ``max_budget``). The noise of step ``t``
derives from (seed, t), so a run continued from a checkpoint ``{"x", "v",
"step"}`` with a changed learning rate is exactly the run that changed its
rate at that step. Objective ``loss`` (minimize): ``L(x)`` after the last
step; the curve holds ``L`` after every step.

``task = "digits"`` trains a real network the same way instead: a one-hidden-layer
tanh network (``hidden`` units, weights drawn from the seed) classifies
scikit-learn's 8 x 8 handwritten digits (needs ``l2l[datasets]``), by momentum
SGD on minibatches of ``batch_size`` training images (the images of step ``t``
drawn from (seed, t); the gradient noise is the minibatch's). The images are
split as in the ``egru`` simulator's ``digits`` task (1077 training, 360
validation, 360 test; pixels standardized on the training images). Objective
``loss``: the cross-entropy on the ``held_out`` images after the last step;
metric ``held_out_error``; the curve holds the held-out loss every
``curve_every`` steps and at the budget. Continuing from a checkpoint (the
flattened weights as ``x``, the velocity ``v``, the ``step``) with another
learning rate is exactly the run that changed its rate at that step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np

from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.registry import option
from l2l.simulators.base import Fidelity, SimulationResult, Simulator
from l2l.simulators.nest_sim import require_installed
from l2l.simulators.snn_space import check_space_values

START = 3.0


@dataclass(frozen=True)
class NoisySGD(Simulator):
    """Momentum SGD on a noisy ill-conditioned quadratic; parameters learning_rate and momentum."""

    name: ClassVar[str] = "noisy-sgd"
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("loss", "minimize"),)
    produces: ClassVar[tuple[str, ...] | None] = ("loss",)
    directions: ClassVar[Mapping[str, str]] = {"loss": "minimize"}
    returns_outputs: ClassVar[bool | None] = False
    explorable: ClassVar[tuple[str, ...]] = ("learning_rate", "momentum")

    learning_rate: float = option(0.05, help="step size (explorable)", gt=0)
    momentum: float = option(0.0, help="momentum coefficient in [0, 1) (explorable)", ge=0, lt=1)
    dimension: int = option(10, help="number of coordinates", ge=1, le=10000)
    max_curvature: float = option(10.0, help="largest curvature (the smallest is 0.1)", gt=0.1)
    noise: float = option(1.0, help="standard deviation of the gradient noise", ge=0)
    max_budget: int = option(200, help="fidelity: training steps of a full evaluation", ge=1, le=10_000_000)
    task: str = option("quadratic", help="'quadratic' (the noisy quadratic) or 'digits' (a tanh network "
                                         "classifying handwritten digits by minibatch SGD; needs l2l[datasets])",
                       choices=("quadratic", "digits"))
    hidden: int = option(32, help="digits: hidden tanh units", ge=1, le=4096)
    batch_size: int = option(1, help="digits: training images per SGD step", ge=1, le=1077)
    held_out: str = option("validation", help="digits: the split the loss is measured on",
                           choices=("validation", "test"))
    curve_every: int = option(50, help="digits: held-out loss in the curve every this many steps", ge=1)

    def __post_init__(self) -> None:
        if self.task == "digits":  # refused before the run, not as every evaluation's ImportError
            require_installed("sklearn", "simulator 'noisy-sgd': task 'digits'", "datasets")

    def fidelity(self) -> Fidelity:
        return Fidelity("steps", "training steps", 1, float(self.max_budget))

    def check_space(self, space) -> None:
        super().check_space(space)
        for p in space.parameters:
            if p.name == "momentum" and p.kind == "float" and p.high is None:  # (before: a TypeError traceback)
                raise ConfigError("simulator 'noisy-sgd': momentum must stay in [0, 1): give it low >= 0 and "
                                  "high < 1")
            if p.name == "momentum" and getattr(p, "high", 0) >= 1:
                raise ConfigError("simulator 'noisy-sgd': momentum must stay below 1 (give it high < 1)")

    def refuse_ignored(self, space) -> None:
        """Refuse, in one line, an explored range or choice the evaluations refuse (``learning_rate`` from -0.1,
        ``momentum`` from -0.5 or a choice of 1.5: before, they ran, diverged and reported the loss 1e12 or
        843876 as a result). A new run's only (l2l.components.build): a stored run resumes as it ran."""
        check_space_values(self.name, space, self._check_values)

    def _check_values(self, values: Mapping[str, Any]) -> None:
        """ConfigError for an explored ``learning_rate`` below 0 or ``momentum`` outside [0, 1), or not a number."""
        for key, value in values.items():
            number = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
            ok = number and np.isfinite(value) and (0 <= value < 1 if key == "momentum" else value >= 0)
            if not ok:
                rule = "in [0, 1)" if key == "momentum" else ">= 0"
                raise ConfigError(f"simulator 'noisy-sgd': parameter {key!r} must be {rule}, got {value!r}")

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        return self.run_to(params, seed, self.max_budget, None)

    def run_to(self, params: dict[str, Any], seed: int, budget: float, checkpoint) -> SimulationResult:
        values = self.explored(params)
        self._check_values({key: values[key] for key in params if key in values})  # (an option is checked already)
        rate, momentum = float(values["learning_rate"]), float(values["momentum"])
        if checkpoint is not None and int(checkpoint["step"]) > int(round(budget)):  # (before: the later state)
            raise ValueError(f"simulator 'noisy-sgd': cannot go back from the checkpoint's step "
                             f"{int(checkpoint['step'])} to {int(round(budget))}")
        if self.task == "digits":
            from l2l.simulators.noisy_sgd_digits import train_digits

            return train_digits(self, rate, momentum, seed, int(round(budget)), checkpoint)
        curvature = np.geomspace(0.1, self.max_curvature, self.dimension)
        if checkpoint is None:
            x, v, step = np.full(self.dimension, START), np.zeros(self.dimension), 0
        else:
            x, v = np.array(checkpoint["x"], dtype=float), np.array(checkpoint["v"], dtype=float)
            step = int(checkpoint["step"])
            if x.shape != (self.dimension,) or v.shape != x.shape:  # (before: numpy's "could not be broadcast")
                raise ValueError(f"simulator 'noisy-sgd': the checkpoint's x has shape {x.shape}, not that of "
                                 f"dimension = {self.dimension}: it is of another problem")
        target = int(round(budget))
        steps, losses = [], []
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging learner is caught below
            while step < target and np.all(np.isfinite(x)):
                step += 1
                noise = np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32, step]).standard_normal(self.dimension)
                v = momentum * v + curvature * x + self.noise * noise
                x = x - rate * v
                loss = 0.5 * float(np.sum(curvature * x * x))
                if not np.isfinite(loss) or loss > 1e12:  # diverged: the learner is lost for good
                    x = np.full(self.dimension, np.inf)
                    loss = 1e12
                steps.append(step)
                losses.append(loss)
        step = max(step, target)  # a diverged learner stays diverged: its checkpoint is at the budget
        loss = 0.5 * float(np.sum(curvature * x * x)) if np.all(np.isfinite(x)) else np.inf
        curve = np.column_stack([steps, losses]) if steps else np.zeros((0, 2))
        return SimulationResult(objectives={"loss": loss if np.isfinite(loss) else 1e12},
                                curve={"loss": curve},
                                checkpoint={"x": x, "v": v, "step": step})
