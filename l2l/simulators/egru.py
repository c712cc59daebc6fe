"""EGRU inner loop: an event-based GRU learns a synthetic task online by sparse RTRL.

Each training trial is one sequence; its gradient is accumulated online by
exact sparse RTRL (memory independent of the trial length) and applied with
Adam every ``batch_size`` trials. After ``trials`` training trials the network
is scored on ``test_trials`` fresh trials.

Objectives (pick any in a config): ``test_error`` = 1 - test accuracy (minimize,
the default), ``accuracy`` (maximize), ``macs_per_step`` = measured learning
rule multiply-accumulates per time step during training (minimize).
(Not ``error``: trajectories reserve that column for failure messages.)
Metrics: activity sparsity, weight density, the dense-RTRL MACs per step of
the same network, the measured saving, the final training loss.
Trace: ``learning_curve``, training accuracy per update.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.registry import option
from l2l.simulators.base import SimulationResult, Simulator
from l2l.simulators.rtrl import macs as cost
from l2l.simulators.rtrl import readout as ro
from l2l.simulators.rtrl.bptt import run_forward
from l2l.simulators.rtrl.cells import Cell, init_params, pruning_mask, weight_density
from l2l.simulators.rtrl.rtrl import RTRL
from l2l.simulators.rtrl.tasks import TASKS, DelayedCopy, Spiral

#: Parameters an outer loop may explore; a missing one takes the option's value.
EXPLORABLE = ("theta_init", "learning_rate", "density", "gamma", "epsilon")


@dataclass(frozen=True)
class EGRUSimulator(Simulator):
    """Event-based GRU trained online by exact sparse RTRL; fitness = task error after learning."""

    name: ClassVar[str] = "egru"
    produces: ClassVar[tuple[str, ...] | None] = ("test_error", "accuracy", "macs_per_step")
    explorable: ClassVar[tuple[str, ...]] = EXPLORABLE
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("test_error", "minimize"),)

    task: str = option("spiral", help="'spiral' (turning direction of a noisy phasor) or 'copy' (delayed recall)")
    model: str = option("egru", help="'egru' (events, thresholds) or 'gru' (dense baseline)")
    units: int = option(16, help="recurrent units")
    trials: int = option(384, help="training trials (one sequence each)")
    batch_size: int = option(8, help="trials per Adam update")
    test_trials: int = option(256, help="fresh trials scored after learning")
    learning_rate: float = option(0.02, help="Adam step size (explorable)")
    theta_init: float = option(0.2, help="initial per-unit threshold (explorable)")
    density: float = option(1.0, help="fraction of input/recurrent weights kept by pruning (explorable)")
    gamma: float = option(1.0, help="pseudo-derivative height (explorable)")
    epsilon: float = option(0.5, help="pseudo-derivative half-width (explorable)")
    theta_min: float = option(0.0, help="thresholds are clipped to at least this after each update")
    length: int = option(10, help="spiral: steps per trial")
    noise: float = option(0.3, help="spiral: input noise standard deviation")
    symbols: int = option(4, help="copy: alphabet size")
    copy_length: int = option(1, help="copy: symbols to recall")
    delay: int = option(5, help="copy: blank steps between cue and recall")

    def __post_init__(self) -> None:
        self._check_choice("task", TASKS)
        self._check_choice("model", ("egru", "gru"))
        for key in ("units", "trials", "batch_size", "test_trials", "length", "copy_length"):
            self._check_range(key, getattr(self, key), 1, None, "an integer >= 1")
        self._check_range("symbols", self.symbols, 2, None, "an integer >= 2")
        self._check_range("delay", self.delay, 0, None, "an integer >= 0")
        self._check_range("noise", self.noise, 0.0, None, ">= 0")
        self._check_range("theta_min", self.theta_min, 0.0, None, ">= 0")
        self._check_params({k: getattr(self, k) for k in EXPLORABLE}, "option")

    def _check_choice(self, key: str, allowed: tuple[str, ...]) -> None:
        if getattr(self, key) not in allowed:
            raise ConfigError(f"simulator 'egru': option {key!r} must be one of {allowed}, "
                              f"got {getattr(self, key)!r}")

    @staticmethod
    def _check_range(key: str, value: Any, low: float, high: float | None, rule: str,
                     what: str = "option", low_open: bool = False) -> None:
        ok = (not isinstance(value, bool) and isinstance(value, (int, float)) and np.isfinite(value)
              and (value > low if low_open else value >= low) and (high is None or value <= high))
        if not ok:
            raise ConfigError(f"simulator 'egru': {what} {key!r} must be {rule}, got {value!r}")

    def _check_params(self, values: dict[str, Any], what: str) -> None:
        check = self._check_range
        check("learning_rate", values["learning_rate"], 0.0, None, "> 0", what, low_open=True)
        check("theta_init", values["theta_init"], 0.0, None, ">= 0", what)
        check("density", values["density"], 0.0, 1.0, "in (0, 1]", what, low_open=True)
        check("gamma", values["gamma"], 0.0, None, ">= 0", what)
        check("epsilon", values["epsilon"], 0.0, None, "> 0", what, low_open=True)

    def resolve(self, params: dict[str, Any]) -> dict[str, float]:
        """Explorable values: from ``params`` where given, else from the options."""
        values = {key: float(value) for key, value in self.explored(params).items()}
        self._check_params(values, "parameter")
        return values

    def make_task(self):
        if self.task == "copy":
            return DelayedCopy(self.symbols, self.copy_length, self.delay)
        return Spiral(self.length, self.noise)

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        values = self.resolve(params)
        data_seed, init_seed = np.random.SeedSequence(seed).spawn(2)
        data_rng, init_rng = np.random.default_rng(data_seed), np.random.default_rng(init_seed)
        task = self.make_task()
        cell = Cell(task.n_inputs, self.units, events=self.model == "egru",
                    gamma=values["gamma"], epsilon=values["epsilon"])
        mask = pruning_mask(cell, values["density"], init_rng)
        weights = init_params(cell, init_rng, values["theta_init"], mask)
        readout = ro.init_readout(self.units, task.n_classes, init_rng)
        adam = _Adam(values["learning_rate"], weights.size + readout.size)
        theta = cell.threshold_slice()

        inputs, targets = task.sample(data_rng, self.trials)
        learning_curve, losses = [], []
        active = steps = macs = hits = scored = 0
        grad = np.zeros(weights.size)
        grad_readout = np.zeros(readout.size)
        for trial in range(self.trials):
            learner = RTRL(cell, weights, readout, mask=mask, sparse=True)
            for x, target in zip(inputs[trial], targets[trial]):
                learner.step(x, int(target))
            result = learner.result()
            grad += result.grad
            grad_readout += result.grad_readout
            losses.append(result.loss)
            hits, scored = hits + result.hits, scored + result.scored
            active, steps, macs = active + result.active_total, steps + result.steps, macs + result.macs
            if (trial + 1) % self.batch_size == 0 or trial + 1 == self.trials:
                step = adam.step(np.concatenate([grad, grad_readout]))
                weights -= step[:weights.size] * mask
                readout -= step[weights.size:]
                weights[theta] = np.maximum(weights[theta], self.theta_min)
                learning_curve.append(hits / max(scored, 1))
                grad[:], grad_readout[:], hits, scored = 0.0, 0.0, 0, 0

        accuracy = _accuracy(cell, weights, readout, *task.sample(data_rng, self.test_trials))
        n_columns, n_immediate = int(mask.sum()), int(mask.sum()) - (self.units if cell.events else 0)
        dense_per_step = cost.rtrl_sequence_macs(
            self.units, cell.n_params, cell.n_params - (self.units if cell.events else 0),
            [self.units] * task.duration, list(targets[0]), sparse=False) / task.duration
        macs_per_step = macs / steps
        return SimulationResult(
            objectives={"test_error": 1.0 - accuracy, "accuracy": accuracy, "macs_per_step": macs_per_step},
            metrics={"activity_sparsity": 1.0 - active / (steps * self.units),
                     "parameter_density": weight_density(cell, mask),
                     "propagated_columns": float(n_columns),
                     "immediate_columns": float(n_immediate),
                     "dense_macs_per_step": float(dense_per_step),
                     "macs_saving": float(dense_per_step / macs_per_step),
                     "final_train_loss": float(np.mean(losses[-self.batch_size:])),
                     "mean_threshold": float(np.mean(weights[theta])) if cell.events else 0.0},
            traces={"learning_curve": np.asarray(learning_curve)})


def _accuracy(cell: Cell, weights: np.ndarray, readout: np.ndarray, inputs: np.ndarray,
              targets: np.ndarray) -> float:
    hits, total = 0, 0
    for sequence, labels in zip(inputs, targets):
        steps = run_forward(cell, weights, sequence)
        for step, label in zip(steps, labels):
            if label >= 0:
                hits += int(np.argmax(ro.logits(readout, step.y)) == label)
                total += 1
    return hits / max(total, 1)


class _Adam:
    """Adam on a flat vector; returns the step to subtract."""

    def __init__(self, learning_rate: float, size: int, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate, self.beta1, self.beta2, self.eps = learning_rate, beta1, beta2, eps
        self.m, self.v, self.t = np.zeros(size), np.zeros(size), 0

    def step(self, grad: np.ndarray) -> np.ndarray:
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad ** 2
        m_hat = self.m / (1 - self.beta1 ** self.t)
        v_hat = self.v / (1 - self.beta2 ** self.t)
        return self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)
